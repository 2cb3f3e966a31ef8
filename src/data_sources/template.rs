//! The template data sources: a template by name, with everything the
//! template resource records. Shared by both kinds.

use std::time::Duration;

use super::{lookup_error, Sought};
use crate::context::{Data, KindType};
use crate::field;
use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::plugin::provider::OpContext;
use crate::plugin::typed::{Shape, TypedDataSource};
use crate::proton::bounded;
use crate::resources::model::TemplateModel;
use crate::resources::region::{self, region_validator};
use crate::resources::tags;
use crate::resources::validators::template_name_validators;

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The data source's attributes: `name` to look up, the rest reported.
fn fields(kind: TemplateKind) -> Fields<TemplateModel> {
    let noun = kind.noun();
    Fields::new([
        field!(TemplateModel, arn).computed(&format!("ARN of the {noun}.")),
        field!(TemplateModel, created_at).computed(&format!("When the {noun} was created (RFC 3339).")),
        field!(TemplateModel, description).computed("Description, if any."),
        field!(TemplateModel, display_name).computed("Display name, if any."),
        field!(TemplateModel, encryption_key).computed("ARN of the customer managed KMS key, if any."),
        field!(TemplateModel, id).computed("The template name."),
        field!(TemplateModel, last_modified_at).computed(&format!("When the {noun} was last modified (RFC 3339).")),
        field!(TemplateModel, name).required(&format!("Name of the {noun} to read."))
            .validate_all(template_name_validators()),
        field!(TemplateModel, provisioning).named(kind.facts().provisioning_attribute)
            .computed("`CUSTOMER_MANAGED`, or null when Proton provisions."),
        field!(TemplateModel, region).optional_computed(region::LOOKUP_DESCRIPTION)
            .validate(region_validator()),
        field!(TemplateModel, recommended_version).computed(
            "`MAJOR.MINOR` of the recommended (highest published) version; null when no version is published.",
        ),
        field!(TemplateModel, tags).computed("The template's tags, without AWS-managed `aws:*` tags and keys the provider's `ignore_tags` ignores."),
    ])
}

/// The template data source of one kind.
pub type TemplateData = KindType<TemplateModel, Data>;

/// The name, schema and fields of the data source of `kind`.
pub(crate) fn shape(kind: TemplateKind) -> Shape<TemplateModel> {
    let description =
        format!("Reads an AWS Proton {kind} by name. A template that does not exist is an error.");
    Shape::new(kind.facts().template_type, &description, fields(kind))
}

#[async_trait::async_trait]
impl TypedDataSource for TemplateData {
    async fn read(
        &self,
        ctx: &OpContext,
        config: TemplateModel,
    ) -> Result<TemplateModel, Diagnostics> {
        let (kind, noun) = (self.kind, self.kind.noun());
        let configured = region::lookup(&self.provider, config.region.as_deref())?;
        let client = &configured.client;
        let name = config.name;
        let looked_for = format!("{noun} named `{name}`");
        let (template, tags) = bounded(client, "GetTemplate", READ_TIMEOUT, &ctx.cancel, async {
            let template = client.get_template(kind, &name).await?;
            let tags = client.list_tags(&template.arn).await?;
            Ok((template, tags))
        })
        .await
        .map_err(|err| lookup_error(Sought::Template(kind), &looked_for, &err))?;
        Ok(TemplateModel {
            tags: Some(tags::without_ignored(tags, &configured.tags.ignore_tags)),
            ..TemplateModel::from(&template)
        })
    }
}
