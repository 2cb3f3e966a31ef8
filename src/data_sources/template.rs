//! The template data sources: a template by name, with everything the
//! template resource records. Shared by both kinds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{config_str, lookup_error, object_for};
use crate::context::ProviderState;
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{DataSource, OpContext};
use crate::plugin::schema::{Attribute, Block, Schema};
use crate::plugin::value::{Type, Value};
use crate::proton::bounded;
use crate::proton::TemplateKind;
use crate::resources::kind::KindSpec;
use crate::resources::tags;
use crate::resources::template::template_state;
use crate::resources::validators::template_name_validators;

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

fn schema(kind: TemplateKind) -> Schema {
    let noun = kind.noun();
    let [name_length, name_pattern] = template_name_validators();
    let mut attributes = vec![
        Attribute::computed("arn", Type::String, &format!("ARN of the {noun}.")),
        Attribute::computed(
            "created_at",
            Type::String,
            &format!("When the {noun} was created (RFC 3339)."),
        ),
        Attribute::computed("description", Type::String, "Description, if any."),
        Attribute::computed("display_name", Type::String, "Display name, if any."),
        Attribute::computed(
            "encryption_key",
            Type::String,
            "ARN of the customer managed KMS key, if any.",
        ),
        Attribute::computed("id", Type::String, "The template name."),
        Attribute::computed(
            "last_modified_at",
            Type::String,
            &format!("When the {noun} was last modified (RFC 3339)."),
        ),
        Attribute::required(
            "name",
            Type::String,
            &format!("Name of the {noun} to read."),
        )
        .validate(name_length)
        .validate(name_pattern),
        Attribute::computed(
            KindSpec::of(kind).provisioning_attribute,
            Type::String,
            "`CUSTOMER_MANAGED`, or null when Proton provisions.",
        ),
        Attribute::computed(
            "recommended_version",
            Type::String,
            "`MAJOR.MINOR` of the recommended (highest published) version; null when no version is published.",
        ),
        Attribute::computed(
            "tags",
            tags::tags_type(),
            "The template's tags, without AWS-managed `aws:*` tags.",
        ),
    ];
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut block = Block::new(&format!(
        "Reads an AWS Proton {noun} by name. A template that does not exist is an error."
    ));
    block.attributes = attributes;
    Schema::new(block)
}

/// The template data source of one kind.
pub struct TemplateData {
    kind: TemplateKind,
    schema: Schema,
    provider: Arc<ProviderState>,
}

impl TemplateData {
    /// The data source of `kind`.
    pub fn new(kind: TemplateKind, provider: Arc<ProviderState>) -> Self {
        Self {
            kind,
            schema: schema(kind),
            provider,
        }
    }
}

#[async_trait::async_trait]
impl DataSource for TemplateData {
    fn type_name(&self) -> &'static str {
        KindSpec::of(self.kind).template_type
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics> {
        let kind = self.kind;
        let noun = kind.noun();
        let client = &self.provider.configured()?.client;
        let name = config_str(config, "name").unwrap_or_default();
        let looked_for = format!("{noun} named `{name}`");
        let template = bounded(
            client,
            "GetTemplate",
            READ_TIMEOUT,
            &ctx.cancel,
            client.get_template(kind, name),
        )
        .await
        .map_err(|err| lookup_error(noun, &looked_for, &err))?;
        let remote_tags = bounded(
            client,
            "ListTagsForResource",
            READ_TIMEOUT,
            &ctx.cancel,
            client.list_tags(&template.arn),
        )
        .await
        .map_err(|err| lookup_error(noun, &looked_for, &err))?;
        let state = template_state(
            kind,
            &template,
            &Value::Null,
            tags::to_value(&remote_tags),
            &remote_tags,
        );
        let values: BTreeMap<String, Value> = match state {
            Value::Object(values) => values,
            _ => BTreeMap::new(),
        };
        Ok(object_for(&self.schema.block, values))
    }
}
