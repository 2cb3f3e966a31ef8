//! The template versions data sources: every version of a template (or of
//! one major version), ordered by major then minor, each with its status.
//! Shared by both kinds. The list is a computed `list(object(...))`
//! attribute, not protocol-6 nested attributes, which Terraform 1.0 cannot
//! handle.

use std::time::Duration;

use super::template_version::fields as version_fields;
use super::{lookup_error, Sought};
use crate::context::{Data, KindType};
use crate::field;
use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::plugin::provider::OpContext;
use crate::plugin::typed::{Shape, TypedDataSource};
use crate::plugin::value::{Type, Value};
use crate::proton::bounded;
use crate::proton::listing::all_versions;
use crate::proton::ProtonError;
use crate::resources::model::VersionModel;
use crate::resources::region::{self, region_validator};
use crate::resources::validators::{template_name_validators, version_part_validators};

const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The data source: which versions to list, and the list.
#[derive(Debug, Default)]
pub struct VersionsModel {
    pub id: Option<String>,
    pub major_version: Option<String>,
    pub template_name: String,
    /// The region read, the provider's when the configuration names none.
    pub region: Option<String>,
    /// A list of objects, one per version (see `entry_fields`).
    pub versions: Value,
}

/// What an entry of the list has: the attributes of a version that Proton
/// lists (the version data source's, by the same names).
const ENTRY_ATTRIBUTES: [&str; 9] = [
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

/// The fields of an entry.
fn entry_fields(kind: TemplateKind) -> Fields<VersionModel> {
    version_fields(kind).only(&ENTRY_ATTRIBUTES)
}

fn fields(kind: TemplateKind) -> Fields<VersionsModel> {
    let entry_type = entry_fields(kind).object_type();
    Fields::new([
        field!(VersionsModel, id).computed("`TEMPLATE_NAME`, or `TEMPLATE_NAME:MAJOR` when `major_version` is set."),
        field!(VersionsModel, major_version).optional("Only list the minor versions of this major version.")
            .validate_all(version_part_validators()),
        field!(VersionsModel, region).optional_computed(region::LOOKUP_DESCRIPTION)
            .validate(region_validator()),
        field!(VersionsModel, template_name).required(&format!("Name of the {}.", kind.noun()))
            .validate_all(template_name_validators()),
        field!(VersionsModel, versions).typed(Type::list(entry_type)).computed(
            "The versions, ordered numerically by major then minor version. Each has `arn`, `created_at`, `description`, `last_modified_at`, `major_version`, `minor_version`, `recommended_minor_version` (the recommended minor of its major, if any), `status` (`REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`) and `status_message`.",
        ),
    ])
}

/// The versions-list data source of one kind.
pub type VersionsData = KindType<VersionsModel, Data>;

/// The name, schema and fields of the data source of `kind`.
pub(crate) fn shape(kind: TemplateKind) -> Shape<VersionsModel> {
    let description = format!("Lists every version of an AWS Proton {kind}, or of one of its major versions, with each version's status. A template that does not exist is an error; a template without versions gives an empty list.");
    Shape::new(kind.facts().versions_type, &description, fields(kind))
}

#[async_trait::async_trait]
impl TypedDataSource for VersionsData {
    async fn read(
        &self,
        ctx: &OpContext,
        wanted: VersionsModel,
    ) -> Result<VersionsModel, Diagnostics> {
        let (kind, noun) = (self.kind, self.kind.noun());
        let configured = region::lookup(&self.provider, wanted.region.as_deref())?;
        let client = &configured.client;
        let entry_fields = &entry_fields(kind);
        let (template_name, major) = (&wanted.template_name, wanted.major_version.as_deref());
        let looked_for = format!("{noun} named `{template_name}`");
        // The template first: a missing template is an error, not an empty list.
        let versions = bounded(
            client,
            "ListTemplateVersions",
            READ_TIMEOUT,
            &ctx.cancel,
            async {
                client.get_template(kind, template_name).await?;
                all_versions(client, kind, template_name, major).await
            },
        )
        .await
        .map_err(|err: ProtonError| lookup_error(Sought::Template(kind), &looked_for, &err))?;
        let id = match major {
            Some(major) => format!("{template_name}:{major}"),
            None => template_name.clone(),
        };
        Ok(VersionsModel {
            id: Some(id),
            region: Some(configured.region),
            versions: Value::List(
                versions
                    .iter()
                    .map(|version| entry_fields.write(&VersionModel::from(version)))
                    .collect(),
            ),
            ..wanted
        })
    }
}
