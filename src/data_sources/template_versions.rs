//! The template versions data sources: every version of a template (or of
//! one major version), ordered by major then minor, each with its status.
//! Shared by both kinds. The list is a computed `list(object(...))`
//! attribute, not protocol-6 nested attributes, which Terraform 1.0 cannot
//! handle.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{config_str, lookup_error};
use crate::context::ProviderState;
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{DataSource, OpContext};
use crate::plugin::schema::{Attribute, Block, Schema};
use crate::plugin::value::{Type, Value};
use crate::proton::bounded;
use crate::proton::{ProtonError, TemplateKind, TemplateVersionSummary};
use crate::resources::kind::KindSpec;
use crate::resources::reported::summary_attributes;
use crate::resources::validators::{
    template_name_validators, version_part_length_validator, version_part_validator,
};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

const VERSION_ATTRIBUTES: [&str; 9] = [
    "arn",
    "created_at",
    "description",
    "last_modified_at",
    "major_version",
    "minor_version",
    "recommended_minor_version",
    "status",
    "status_message",
];

fn version_type() -> Type {
    Type::object(VERSION_ATTRIBUTES.iter().map(|name| (*name, Type::String)))
}

fn schema(kind: TemplateKind) -> Schema {
    let noun = kind.noun();
    let [name_length, name_pattern] = template_name_validators();
    let block = Block::new(&format!(
        "Lists every version of an AWS Proton {noun}, or of one of its major versions, with each version's status. A template that does not exist is an error; a template without versions gives an empty list."
    ))
    .attribute(Attribute::computed(
        "id",
        Type::String,
        "`TEMPLATE_NAME`, or `TEMPLATE_NAME:MAJOR` when `major_version` is set.",
    ))
    .attribute(
        Attribute::optional(
            "major_version",
            Type::String,
            "Only list the minor versions of this major version.",
        )
        .validate(version_part_length_validator())
        .validate(version_part_validator()),
    )
    .attribute(
        Attribute::required("template_name", Type::String, &format!("Name of the {noun}."))
            .validate(name_length)
            .validate(name_pattern),
    )
    .attribute(Attribute::computed(
        "versions",
        Type::list(version_type()),
        "The versions, ordered numerically by major then minor version. Each has `arn`, `created_at`, `description`, `last_modified_at`, `major_version`, `minor_version`, `recommended_minor_version` (the recommended minor of its major, if any), `status` (`REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`) and `status_message`.",
    ));
    Schema::new(block)
}

/// The template versions data source of one kind.
pub struct VersionsData {
    kind: TemplateKind,
    schema: Schema,
    provider: Arc<ProviderState>,
}

impl VersionsData {
    /// The data source of `kind`.
    pub fn new(kind: TemplateKind, provider: Arc<ProviderState>) -> Self {
        Self {
            kind,
            schema: schema(kind),
            provider,
        }
    }
}

fn summary_value(version: &TemplateVersionSummary) -> Value {
    Value::Object(summary_attributes(version))
}

#[async_trait::async_trait]
impl DataSource for VersionsData {
    fn type_name(&self) -> &'static str {
        KindSpec::of(self.kind).versions_type
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics> {
        let kind = self.kind;
        let noun = kind.noun();
        let client = &self.provider.configured()?.client;
        let template_name = config_str(config, "template_name").unwrap_or_default();
        let major = config_str(config, "major_version");
        let looked_for = format!("{noun} named `{template_name}`");
        // The template first: a missing template is an error, not an empty list.
        let versions = bounded(
            client,
            "ListTemplateVersions",
            READ_TIMEOUT,
            &ctx.cancel,
            async {
                client.get_template(kind, template_name).await?;
                client.list_all_versions(kind, template_name, major).await
            },
        )
        .await
        .map_err(|err: ProtonError| lookup_error(noun, &looked_for, &err))?;
        let id = match major {
            Some(major) => format!("{template_name}:{major}"),
            None => template_name.to_string(),
        };
        let values: BTreeMap<&str, Value> = [
            ("id", Value::string(id)),
            (
                "major_version",
                major.map(Value::string).unwrap_or(Value::Null),
            ),
            ("template_name", Value::string(template_name)),
            (
                "versions",
                Value::List(versions.iter().map(summary_value).collect()),
            ),
        ]
        .into();
        Ok(Value::object(values))
    }
}
