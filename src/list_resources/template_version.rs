//! `list "proton_environment_template_version"` /
//! `list "proton_service_template_version"`: the versions of one template,
//! or of every template of the kind, optionally of one major version and
//! with one status.

use std::sync::Arc;

use async_stream::stream;
use futures_util::{future, StreamExt};
use tokio_util::sync::CancellationToken;

use super::{list_error, with_client, READ_AHEAD};
use crate::context::{Configured, KindType, Listed};
use crate::field;
use crate::kind::TemplateKind;
use crate::plugin::model::Fields;
use crate::plugin::provider::{ListRequest, ListStream, ListedResource, OpContext};
use crate::plugin::schema::Validator;
use crate::plugin::typed::{Shape, TypedListResource};
use crate::plugin::value::Value;
use crate::proton::{listing, ProtonError, TemplateVersionSummary, VersionStatus};
use crate::resources::model::VersionModel;
use crate::resources::region::{self, region_validator};
use crate::resources::template_version::{current, shape as resource_shape, Current};
use crate::resources::validators::{template_name_validators, version_part_validators};

/// The `config {}` block.
#[derive(Debug, Default)]
pub struct ListConfig {
    pub template_name: Option<String>,
    pub major_version: Option<String>,
    pub status: Option<String>,
    pub region: Option<String>,
}

fn config_fields(kind: TemplateKind) -> Fields<ListConfig> {
    let noun = kind.noun();
    Fields::new([
        field!(ListConfig, template_name)
            .optional(&format!("Only the versions of this {noun}. Omitted: the versions of every {noun}."))
            .validate_all(template_name_validators()),
        field!(ListConfig, major_version)
            .optional("Only the minor versions of this major version.")
            .validate_all(version_part_validators()),
        field!(ListConfig, status)
            .optional("Only versions with this status: `REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`.")
            .validate(Validator::OneOf(&[
                "REGISTRATION_IN_PROGRESS",
                "REGISTRATION_FAILED",
                "DRAFT",
                "PUBLISHED",
            ])),
        field!(ListConfig, region)
            .optional(region::LIST_DESCRIPTION)
            .validate(region_validator()),
    ])
}

/// The version list resource of one kind.
pub type VersionList = KindType<ListConfig, Listed>;

/// The name, schema and fields of the list resource of `kind`.
pub(crate) fn shape(kind: TemplateKind) -> Shape<ListConfig> {
    let description = format!("Lists versions of AWS Proton {kind}s, for `terraform query`.");
    Shape::new(kind.facts().version_type, &description, config_fields(kind))
}

impl TypedListResource for VersionList {
    fn list(&self, ctx: OpContext, config: ListConfig, request: &ListRequest) -> ListStream {
        let (kind, resource_shape) = (self.kind, Arc::new(resource_shape(self.kind)));
        let wanted_status = config.status.as_deref().map(VersionStatus::from);
        let include_resource = request.include_resource;
        let what = format!("{} version", kind.noun());
        let region = config.region.clone();
        with_client(&self.provider, region.as_deref(), move |configured| {
            stream! {
                let (configured, cancel) = (&configured, &ctx.cancel);
                let client = &configured.client;
                let names = match config.template_name {
                    Some(name) => vec![Ok(name)],
                    // The template names first (one item each), then their versions.
                    None => {
                        let mut names = Vec::new();
                        for await template in listing::templates(client.clone(), kind, cancel.clone()) {
                            names.push(template.map(|template| template.name));
                        }
                        names
                    }
                };
                for name in names {
                    let name = match name {
                        Ok(name) => name,
                        Err(err) => {
                            yield Err(list_error(&what, &err));
                            return;
                        }
                    };
                    let versions = listing::versions(
                        client.clone(),
                        kind,
                        name,
                        config.major_version.clone(),
                        cancel.clone(),
                    )
                    .filter(|version| {
                        let status = version.as_ref().map(|version| &version.status);
                        future::ready(match (&wanted_status, status) {
                            (Some(wanted), Ok(status)) => wanted == status,
                            _ => true,
                        })
                    })
                    .map(|version| read_listed(configured, kind, include_resource, version, cancel))
                    .buffered(READ_AHEAD);
                    for await read in versions {
                        let (version, found) = match read {
                            Ok(Some(read)) => read,
                            // Deleted since it was listed.
                            Ok(None) => continue,
                            Err(err) => {
                                yield Err(list_error(&what, &err));
                                return;
                            }
                        };
                        let key = version.key();
                        // Only a full read sees the tag of a deferred delete.
                        let (model, pending_deletion) = match found {
                            Some(found) => (found.model, found.pending_deletion.is_some()),
                            None => (VersionModel::from(&version), false),
                        };
                        let resource = include_resource.then(|| resource_shape.write(&model));
                        let identity = resource_shape.identity_of(model, &Value::Null);
                        yield Ok(ListedResource {
                            identity: identity.unwrap_or(Value::Null),
                            display_name: match pending_deletion {
                                // Importing it cancels the pending delete.
                                true => format!("{key} ({}, pending deletion)", version.status),
                                false => format!("{key} ({})", version.status),
                            },
                            resource,
                        });
                    }
                }
            }
        })
    }
}

/// A listed `version` (or the listing's error) and, with `include_resource`,
/// the version as the resource's Read finds it; `None` when it was deleted
/// since it was listed.
async fn read_listed(
    configured: &Configured,
    kind: TemplateKind,
    include_resource: bool,
    version: Result<TemplateVersionSummary, ProtonError>,
    cancel: &CancellationToken,
) -> Result<Option<(TemplateVersionSummary, Option<Current>)>, ProtonError> {
    let version = version?;
    if !include_resource {
        return Ok(Some((version, None)));
    }
    let found = current(
        configured,
        kind,
        &version.key(),
        VersionModel::default(),
        cancel,
    )
    .await?;
    Ok(found.map(|found| (version, Some(found))))
}
