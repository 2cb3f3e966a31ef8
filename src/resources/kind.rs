//! One descriptor per template family: what tells environment and service
//! templates apart, said once. Every resource and data source of a family
//! reads its [`KindSpec`]; the provider registers one of each type per spec.

use crate::plugin::model::Field;
use crate::proton::TemplateKind;
use crate::resources::model::VersionModel;
use crate::resources::service_template_version as service;

/// A template family and everything the Terraform types of it differ in.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: TemplateKind,
    /// The template resource and data source, e.g. `proton_environment_template`.
    pub template_type: &'static str,
    /// The version resource and data source.
    pub version_type: &'static str,
    /// The versions-list data source.
    pub versions_type: &'static str,
    /// The template attribute for Proton's `provisioning` (environment) or
    /// `pipelineProvisioning` (service) setting.
    pub provisioning_attribute: &'static str,
    /// What versions of this family add to the shared version resource.
    pub version_extras: VersionExtras,
}

/// The attributes a family adds to the shared template version resource and
/// data source (service versions: compatible environment templates and
/// supported component sources). The model has them for every family; a
/// family without them never reads or writes them.
#[derive(Debug)]
pub struct VersionExtras {
    /// Extra resource attributes and blocks.
    pub resource_fields: fn() -> Vec<Field<VersionModel>>,
    /// Extra data source attributes (computed).
    pub data_source_fields: fn() -> Vec<Field<VersionModel>>,
}

impl VersionExtras {
    /// A family whose versions have only the shared attributes.
    const NONE: Self = Self {
        resource_fields: Vec::new,
        data_source_fields: Vec::new,
    };
}

impl KindSpec {
    pub const ENVIRONMENT: Self = Self {
        kind: TemplateKind::Environment,
        template_type: "proton_environment_template",
        version_type: "proton_environment_template_version",
        versions_type: "proton_environment_template_versions",
        provisioning_attribute: "provisioning",
        version_extras: VersionExtras::NONE,
    };

    pub const SERVICE: Self = Self {
        kind: TemplateKind::Service,
        template_type: "proton_service_template",
        version_type: "proton_service_template_version",
        versions_type: "proton_service_template_versions",
        provisioning_attribute: "pipeline_provisioning",
        version_extras: VersionExtras {
            resource_fields: service::resource_fields,
            data_source_fields: service::data_source_fields,
        },
    };

    /// Both families, in the order the provider lists their types.
    pub const ALL: [&'static Self; 2] = [&Self::ENVIRONMENT, &Self::SERVICE];

    /// The descriptor of `kind`.
    pub fn of(kind: TemplateKind) -> &'static Self {
        match kind {
            TemplateKind::Environment => &Self::ENVIRONMENT,
            TemplateKind::Service => &Self::SERVICE,
        }
    }

    /// "environment template" or "service template".
    pub fn noun(&self) -> &'static str {
        self.kind.noun()
    }
}
