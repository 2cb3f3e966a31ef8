//! SDK shapes → domain model, so the client reads as "call, then convert".
//!
//! Each kind has its own SDK types for a version, a version summary, a template and a template
//! summary, with the same accessors. Each model type's fields are therefore listed once, in
//! `summary!` and `templates!`, and every SDK type names only what is its own.

use std::time::SystemTime;

use aws_sdk_proton::types as sdk;
use aws_smithy_types::DateTime;

use super::model::{
    system_time, CompatibleEnvironmentTemplate, Template, TemplateKind, TemplateVersion,
    TemplateVersionSummary, VersionStatus,
};

/// An SDK shape that converts into one domain type.
pub(crate) trait ToModel {
    type Model;
    fn to_model(&self) -> Self::Model;
}

fn time(t: &DateTime) -> SystemTime {
    system_time(t.secs(), t.subsec_nanos())
}

/// Proton cannot distinguish a cleared description from an absent one; report both as `None`.
fn description(d: Option<&str>) -> Option<String> {
    d.filter(|d| !d.is_empty()).map(str::to_owned)
}

/// The summary fields of any SDK version shape `$v` of family `$kind`.
macro_rules! summary {
    ($v:ident, $kind:ident) => {
        TemplateVersionSummary {
            kind: TemplateKind::$kind,
            template_name: $v.template_name().to_owned(),
            major_version: $v.major_version().to_owned(),
            minor_version: $v.minor_version().to_owned(),
            recommended_minor_version: $v.recommended_minor_version().map(str::to_owned),
            status: VersionStatus::from($v.status().as_str()),
            status_message: $v.status_message().map(str::to_owned),
            description: description($v.description()),
            arn: $v.arn().to_owned(),
            created_at: time($v.created_at()),
            last_modified_at: time($v.last_modified_at()),
        }
    };
}

/// `SDK summary type (kind)`, for version summaries.
macro_rules! summaries {
    ($($sdk:ty => ($kind:ident)),*) => {$(
        impl ToModel for $sdk {
            type Model = TemplateVersionSummary;
            fn to_model(&self) -> TemplateVersionSummary {
                summary!(self, $kind)
            }
        }
    )*};
}

/// `SDK type => (kind) |binding| { the fields only it has }`, for templates and template
/// summaries.
macro_rules! templates {
    ($($sdk:ty => ($kind:ident) |$t:ident| { $($field:ident: $value:expr),* $(,)? })*) => {$(
        impl ToModel for $sdk {
            type Model = Template;
            fn to_model(&self) -> Template {
                let $t = self;
                Template {
                    kind: TemplateKind::$kind,
                    name: $t.name().to_owned(),
                    arn: $t.arn().to_owned(),
                    display_name: $t.display_name().map(str::to_owned),
                    description: description($t.description()),
                    recommended_version: $t.recommended_version().map(str::to_owned),
                    created_at: time($t.created_at()),
                    last_modified_at: time($t.last_modified_at()),
                    $($field: $value,)*
                }
            }
        }
    )*};
}

summaries! {
    sdk::EnvironmentTemplateVersionSummary => (Environment),
    sdk::ServiceTemplateVersionSummary => (Service)
}

impl ToModel for sdk::EnvironmentTemplateVersion {
    type Model = TemplateVersion;
    fn to_model(&self) -> TemplateVersion {
        TemplateVersion {
            summary: summary!(self, Environment),
            schema: self.schema().map(str::to_owned),
            compatible_environment_templates: Vec::new(),
            supported_component_sources: Vec::new(),
        }
    }
}

impl ToModel for sdk::ServiceTemplateVersion {
    type Model = TemplateVersion;
    fn to_model(&self) -> TemplateVersion {
        TemplateVersion {
            summary: summary!(self, Service),
            schema: self.schema().map(str::to_owned),
            compatible_environment_templates: self
                .compatible_environment_templates()
                .iter()
                .map(|c| CompatibleEnvironmentTemplate {
                    template_name: c.template_name().to_owned(),
                    major_version: c.major_version().to_owned(),
                })
                .collect(),
            supported_component_sources: self
                .supported_component_sources()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        }
    }
}

// Service templates call their provisioning `pipelineProvisioning`; List results carry no
// encryption key.
templates! {
    sdk::EnvironmentTemplate => (Environment) |t| {
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::ServiceTemplate => (Service) |t| {
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::EnvironmentTemplateSummary => (Environment) |t| {
        encryption_key: None,
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::ServiceTemplateSummary => (Service) |t| {
        encryption_key: None,
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
    }
}
