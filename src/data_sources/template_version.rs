//! The template version data sources: one version of a template, named by
//! `major_version` and `minor_version`, or the recommended one when they are
//! omitted (the template's recommended version, or with only
//! `major_version`, that major's recommended minor). Shared by both kinds;
//! service versions add their compatibility attributes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::{config_str, lookup_error, object_for};
use crate::context::ProviderState;
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{DataSource, OpContext};
use crate::plugin::schema::{Attribute, Block, Schema};
use crate::plugin::value::{AttributePath, Type, Value};
use crate::proton::bounded;
use crate::proton::SOURCE_TAG;
use crate::proton::{ProtonClient, ProtonError, TemplateKind, TemplateVersion, VersionKey};
use crate::resources::kind::KindSpec;
use crate::resources::reported::version_attributes;
use crate::resources::tags;
use crate::resources::validators::{
    template_name_validators, version_part_length_validator, version_part_validator,
};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

fn schema(kind: TemplateKind) -> Schema {
    let noun = kind.noun();
    let [name_length, name_pattern] = template_name_validators();
    let mut attributes = vec![
        Attribute::computed("arn", Type::String, "ARN of the version."),
        Attribute::computed("created_at", Type::String, "When the version was created (RFC 3339)."),
        Attribute::computed("description", Type::String, "Description of the version, if any."),
        Attribute::computed("id", Type::String, "`TEMPLATE_NAME:MAJOR.MINOR` of the version found."),
        Attribute::computed("last_modified_at", Type::String, "When the version was last modified (RFC 3339)."),
        Attribute::optional_computed(
            "major_version",
            Type::String,
            "Major version to read. Omitted: the major of the template's recommended version.",
        )
        .validate(version_part_length_validator())
        .validate(version_part_validator()),
        Attribute::optional_computed(
            "minor_version",
            Type::String,
            "Minor version to read; requires `major_version`. Omitted: the recommended (highest published) minor of the major version.",
        )
        .validate(version_part_length_validator())
        .validate(version_part_validator()),
        Attribute::computed(
            "recommended_minor_version",
            Type::String,
            "The recommended (highest published) minor version of this major version, if any.",
        ),
        Attribute::computed("schema", Type::String, "The schema file of the template bundle (YAML)."),
        Attribute::computed("status", Type::String, "`REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`."),
        Attribute::computed("status_message", Type::String, "Why registration failed, when it did."),
        Attribute::computed(
            "tags",
            tags::tags_type(),
            "The version's tags, without AWS-managed `aws:*` tags and the provider's own bookkeeping tag.",
        ),
        Attribute::required("template_name", Type::String, &format!("Name of the {noun}."))
            .validate(name_length)
            .validate(name_pattern),
    ];
    attributes.extend((KindSpec::of(kind).version_extras.data_source_attributes)());
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut block = Block::new(&format!(
        "Reads one version of an AWS Proton {noun}: the one named by `major_version` and `minor_version`, or the recommended (highest published) one when they are omitted. Finding none is an error."
    ));
    block.attributes = attributes;
    Schema::new(block)
}

/// The template version data source of one kind.
pub struct VersionData {
    kind: TemplateKind,
    schema: Schema,
    provider: Arc<ProviderState>,
}

impl VersionData {
    /// The data source of `kind`.
    pub fn new(kind: TemplateKind, provider: Arc<ProviderState>) -> Self {
        Self {
            kind,
            schema: schema(kind),
            provider,
        }
    }
}

/// The data source's values for `version`.
fn version_values(
    version: &TemplateVersion,
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    let mut values = version_attributes(version);
    values.insert("tags".to_string(), tags::to_value(tags));
    (KindSpec::of(version.kind).version_extras.data_source_values)(version, &mut values);
    values
}

/// Which version the configuration asks for, resolving the recommended one.
async fn resolve(
    client: &ProtonClient,
    kind: TemplateKind,
    template_name: &str,
    major: Option<&str>,
    minor: Option<&str>,
) -> Result<VersionKey, Diagnostics> {
    let noun = kind.noun();
    match (major, minor) {
        (Some(major), Some(minor)) => Ok(VersionKey::new(template_name, major, minor)),
        (Some(major), None) => {
            let looked_for = format!("{noun} version `{template_name}:{major}.*`");
            let versions = client
                .list_versions(kind, template_name, Some(major))
                .await
                .map_err(|err| lookup_error(&format!("{noun} version"), &looked_for, &err))?;
            let Some(first) = versions.first() else {
                return Err(Diagnostics::from_error(
                    format!("{} version not found", super::capitalized(noun)),
                    format!("Found no {looked_for}: the {noun} `{template_name}` has no major version {major}."),
                ));
            };
            match &first.recommended_minor_version {
                Some(minor) => Ok(VersionKey::new(template_name, major, minor)),
                None => Err(Diagnostics::from_error(
                    format!("No recommended {noun} version"),
                    format!(
                        "Looked for the recommended version of major version {major} of the {noun} `{template_name}`, but none of its versions is published ({}). Publish one, or set `minor_version`.",
                        crate::resources::template::describe_versions(&versions)
                    ),
                )),
            }
        }
        (None, _) => {
            let looked_for = format!("{noun} named `{template_name}`");
            let template = client
                .get_template(kind, template_name)
                .await
                .map_err(|err| lookup_error(noun, &looked_for, &err))?;
            let recommended = template.recommended_version.as_deref().unwrap_or_default();
            match recommended.split_once('.') {
                Some((major, minor)) => Ok(VersionKey::new(template_name, major, minor)),
                None => Err(Diagnostics::from_error(
                    format!("No recommended {noun} version"),
                    format!(
                        "Looked for the recommended version of the {noun} `{template_name}`, but it has none: none of its versions is published. Publish one (status = \"PUBLISHED\"), or set `major_version` and `minor_version`."
                    ),
                )),
            }
        }
    }
}

async fn read_version(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
) -> Result<(TemplateVersion, BTreeMap<String, String>), ProtonError> {
    let version = client.get_version(kind, key).await?;
    let mut tags = client.list_tags(&version.arn).await?;
    tags.remove(SOURCE_TAG);
    tags.remove(crate::proton::DEFERRED_DELETE_TAG);
    Ok((version, tags))
}

#[async_trait::async_trait]
impl DataSource for VersionData {
    fn type_name(&self) -> &'static str {
        KindSpec::of(self.kind).version_type
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let set = |name: &str| config.get_attr(name).is_some_and(|v| !v.is_null());
        let major_null = config.get_attr("major_version").is_none_or(Value::is_null);
        if set("minor_version") && major_null {
            diags.attribute_error(
                AttributePath::attr("minor_version"),
                "Missing major_version",
                "`minor_version` names a minor of a major version: set `major_version` too.",
            );
        }
    }

    async fn read(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics> {
        let kind = self.kind;
        let noun = kind.noun();
        let client = &self.provider.configured()?.client;
        let template_name = config_str(config, "template_name").unwrap_or_default();
        let major = config_str(config, "major_version");
        let minor = config_str(config, "minor_version");
        let work = async {
            let key = resolve(client, kind, template_name, major, minor).await?;
            read_version(client, kind, &key).await.map_err(|err| {
                lookup_error(
                    &format!("{noun} version"),
                    &format!("{noun} version `{key}`"),
                    &err,
                )
            })
        };
        let timeout_error = |err: ProtonError| {
            Diagnostics::from_error(format!("Unable to read {noun} version"), err.to_string())
        };
        let (version, tags) = bounded(
            client,
            "GetTemplateVersion",
            READ_TIMEOUT,
            &ctx.cancel,
            async { Ok::<_, ProtonError>(work.await) },
        )
        .await
        .map_err(timeout_error)??;
        Ok(object_for(
            &self.schema.block,
            version_values(&version, &tags),
        ))
    }
}
