//! SDK shapes → domain model, so the client reads as "call, then convert".
//!
//! Each kind has its own SDK types for a version, a version summary, a template and a template
//! summary, with the same accessors. Each model type's shared fields are therefore listed once,
//! in `shared_fields!`, and every SDK type names only what is its own, in the one `to_model!`
//! table. Every struct literal names all its fields (no `..`), so a new model field fails to
//! compile until each SDK shape says where it comes from.

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

/// A model of kind `$kind` from the SDK shape `$v`: the fields every SDK shape of that model
/// has, then `$own`, the fields only some have.
macro_rules! shared_fields {
    (TemplateVersionSummary, $v:ident, $kind:ident, {}) => {
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
    (TemplateVersion, $v:ident, $kind:ident, { $($own:tt)* }) => {
        TemplateVersion {
            summary: shared_fields!(TemplateVersionSummary, $v, $kind, {}),
            schema: $v.schema().map(str::to_owned),
            $($own)*
        }
    };
    (Template, $t:ident, $kind:ident, { $($own:tt)* }) => {
        Template {
            kind: TemplateKind::$kind,
            name: $t.name().to_owned(),
            arn: $t.arn().to_owned(),
            display_name: $t.display_name().map(str::to_owned),
            description: description($t.description()),
            recommended_version: $t.recommended_version().map(str::to_owned),
            created_at: time($t.created_at()),
            last_modified_at: time($t.last_modified_at()),
            $($own)*
        }
    };
}

/// `SDK type => Model(kind) |binding| { the fields only it has }`.
macro_rules! to_model {
    ($($sdk:ty => $model:ident($kind:ident) |$v:ident| { $($own:tt)* })*) => {$(
        impl ToModel for $sdk {
            type Model = $model;
            fn to_model(&self) -> $model {
                let $v = self;
                shared_fields!($model, $v, $kind, { $($own)* })
            }
        }
    )*};
}

// Environment template versions have no service fields. Service templates call their
// provisioning `pipelineProvisioning`; List results carry no encryption key.
to_model! {
    sdk::EnvironmentTemplateVersionSummary => TemplateVersionSummary(Environment) |v| {}
    sdk::ServiceTemplateVersionSummary => TemplateVersionSummary(Service) |v| {}
    sdk::EnvironmentTemplateVersion => TemplateVersion(Environment) |v| {
        compatible_environment_templates: Vec::new(),
        supported_component_sources: Vec::new(),
    }
    sdk::ServiceTemplateVersion => TemplateVersion(Service) |v| {
        compatible_environment_templates: v
            .compatible_environment_templates()
            .iter()
            .map(|c| CompatibleEnvironmentTemplate {
                template_name: c.template_name().to_owned(),
                major_version: c.major_version().to_owned(),
            })
            .collect(),
        supported_component_sources: v
            .supported_component_sources()
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    }
    sdk::EnvironmentTemplate => Template(Environment) |t| {
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::ServiceTemplate => Template(Service) |t| {
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::EnvironmentTemplateSummary => Template(Environment) |t| {
        encryption_key: None,
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
    }
    sdk::ServiceTemplateSummary => Template(Service) |t| {
        encryption_key: None,
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
    }
}
