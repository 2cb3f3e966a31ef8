//! The template version data sources: one version of a template, named by
//! `major_version` and `minor_version`, or the recommended one when they are
//! omitted (the template's recommended version, or with only
//! `major_version`, that major's recommended minor). Shared by both kinds;
//! service versions add their compatibility attributes.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{lookup_error, not_found, Sought};
use crate::context::{Data, KindType};
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::plugin::provider::OpContext;
use crate::plugin::typed::{Shape, TypedDataSource};
use crate::plugin::value::{AttributePath, Value};
use crate::proton::bounded;
use crate::proton::SOURCE_TAG;
use crate::proton::{ProtonClient, ProtonError, TemplateKind, TemplateVersion, VersionKey};
use crate::resources::model::VersionModel;
use crate::resources::region::{self, region_validator};
use crate::resources::service_template_version as service;
use crate::resources::tags;
use crate::resources::validators::{template_name_validators, version_part_validators};
use crate::{field, field_name};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The data source's attributes: `template_name` and optionally the major
/// and minor version to look up, the rest reported.
pub(super) fn fields(kind: TemplateKind) -> Fields<VersionModel> {
    let noun = kind.noun();
    Fields::new([
        field!(VersionModel, arn).computed("ARN of the version."),
        field!(VersionModel, created_at).computed("When the version was created (RFC 3339)."),
        field!(VersionModel, description).computed("Description of the version, if any."),
        field!(VersionModel, id).computed("`TEMPLATE_NAME:MAJOR.MINOR` of the version found."),
        field!(VersionModel, last_modified_at).computed("When the version was last modified (RFC 3339)."),
        field!(VersionModel, major_version).optional_computed(
            "Major version to read. Omitted: the major of the template's recommended version.",
        )
        .validate_all(version_part_validators()),
        field!(VersionModel, minor_version).optional_computed(
            "Minor version to read; requires `major_version`. Omitted: the recommended (highest published) minor of the major version.",
        )
        .validate_all(version_part_validators()),
        field!(VersionModel, recommended_minor_version).computed(
            "The recommended (highest published) minor version of this major version, if any.",
        ),
        field!(VersionModel, pending_deletion).computed(
            "True when Terraform destroyed this version but Proton keeps it for now (it was the recommended version while others existed, or a service template version listed its major version): the provider deletes it as soon as Proton allows. Importing it into a resource cancels that.",
        ),
        field!(VersionModel, region).optional_computed(region::LOOKUP_DESCRIPTION)
            .validate(region_validator()),
        field!(VersionModel, schema).computed("The schema file of the template bundle (YAML)."),
        field!(VersionModel, status).computed("`REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`."),
        field!(VersionModel, status_message).computed("Why registration failed, when it did."),
        field!(VersionModel, tags).computed(
            "The version's tags, without AWS-managed `aws:*` tags, keys the provider's `ignore_tags` ignores, and the provider's own bookkeeping tag.",
        ),
        field!(VersionModel, template_name).required(&format!("Name of the {noun}."))
            .validate_all(template_name_validators()),
    ])
    .with(service::data_source_fields(kind))
}

/// The template version data source of one kind.
pub type VersionData = KindType<VersionModel, Data>;

/// The name, schema and fields of the data source of `kind`.
pub(crate) fn shape(kind: TemplateKind) -> Shape<VersionModel> {
    let description = format!("Reads one version of an AWS Proton {kind}: the one named by `major_version` and `minor_version`, or the recommended (highest published) one when they are omitted. Finding none is an error.");
    Shape::new(kind.facts().version_type, &description, fields(kind))
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
                .map_err(|err| lookup_error(Sought::Version(kind), &looked_for, &err))?;
            let Some(first) = versions.first() else {
                return Err(not_found(
                    Sought::Version(kind),
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
                .map_err(|err| lookup_error(Sought::Template(kind), &looked_for, &err))?;
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
    Ok((version, tags))
}

#[async_trait::async_trait]
impl TypedDataSource for VersionData {
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let (major, minor) = (
            field_name!(VersionModel, major_version),
            field_name!(VersionModel, minor_version),
        );
        let set = |name: &str| config.get_attr(name).is_some_and(|v| !v.is_null());
        if set(minor) && !set(major) {
            diags.attribute_error(
                AttributePath::attr(minor),
                "Missing major_version",
                "`minor_version` names a minor of a major version: set `major_version` too.",
            );
        }
    }

    async fn read(
        &self,
        ctx: &OpContext,
        wanted: VersionModel,
    ) -> Result<VersionModel, Diagnostics> {
        let kind = self.kind;
        let configured = region::lookup(&self.provider, wanted.region.as_deref())?;
        let client = &configured.client;
        let work = async {
            let key = resolve(
                client,
                kind,
                &wanted.template_name,
                wanted.major_version.as_deref(),
                wanted.minor_version.as_deref(),
            )
            .await?;
            read_version(client, kind, &key).await.map_err(|err| {
                lookup_error(Sought::Version(kind), &kind.describe_version(&key), &err)
            })
        };
        let timeout_error = |err: ProtonError| {
            Diagnostics::from_error(
                format!("Unable to read {}", Sought::Version(kind)),
                err.to_string(),
            )
        };
        let (version, mut tags) = bounded(
            client,
            "GetTemplateVersion",
            READ_TIMEOUT,
            &ctx.cancel,
            async { Ok::<_, ProtonError>(work.await) },
        )
        .await
        .map_err(timeout_error)??;
        let pending_deletion = tags.remove(crate::proton::DEFERRED_DELETE_TAG).is_some();
        Ok(VersionModel {
            tags: Some(tags::without_ignored(tags, &configured.tags.ignore_tags)),
            pending_deletion: Some(pending_deletion),
            ..VersionModel::from(&version)
        })
    }
}
