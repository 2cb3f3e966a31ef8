//! SDK shapes → domain model. Kept apart so `client.rs` reads as "call, then convert".

use std::time::SystemTime;

use aws_sdk_proton::types as sdk;
use aws_smithy_types::DateTime;

use super::model::{
    system_time, CompatibleEnvironmentTemplate, Template, TemplateKind, TemplateVersion,
    TemplateVersionSummary, VersionStatus,
};

fn time(t: &DateTime) -> SystemTime {
    system_time(t.secs(), t.subsec_nanos())
}

/// Proton cannot distinguish a cleared description from an absent one; report both as `None`.
fn description(d: Option<&str>) -> Option<String> {
    d.filter(|d| !d.is_empty()).map(str::to_owned)
}

pub(crate) fn environment_version(v: &sdk::EnvironmentTemplateVersion) -> TemplateVersion {
    TemplateVersion {
        kind: TemplateKind::Environment,
        template_name: v.template_name().to_owned(),
        major_version: v.major_version().to_owned(),
        minor_version: v.minor_version().to_owned(),
        recommended_minor_version: v.recommended_minor_version().map(str::to_owned),
        status: VersionStatus::from(v.status().as_str()),
        status_message: v.status_message().map(str::to_owned),
        description: description(v.description()),
        arn: v.arn().to_owned(),
        created_at: time(v.created_at()),
        last_modified_at: time(v.last_modified_at()),
        schema: v.schema().map(str::to_owned),
        compatible_environment_templates: Vec::new(),
        supported_component_sources: Vec::new(),
    }
}

pub(crate) fn service_version(v: &sdk::ServiceTemplateVersion) -> TemplateVersion {
    TemplateVersion {
        kind: TemplateKind::Service,
        template_name: v.template_name().to_owned(),
        major_version: v.major_version().to_owned(),
        minor_version: v.minor_version().to_owned(),
        recommended_minor_version: v.recommended_minor_version().map(str::to_owned),
        status: VersionStatus::from(v.status().as_str()),
        status_message: v.status_message().map(str::to_owned),
        description: description(v.description()),
        arn: v.arn().to_owned(),
        created_at: time(v.created_at()),
        last_modified_at: time(v.last_modified_at()),
        schema: v.schema().map(str::to_owned),
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
}

pub(crate) fn environment_version_summary(
    v: &sdk::EnvironmentTemplateVersionSummary,
) -> TemplateVersionSummary {
    TemplateVersionSummary {
        kind: TemplateKind::Environment,
        template_name: v.template_name().to_owned(),
        major_version: v.major_version().to_owned(),
        minor_version: v.minor_version().to_owned(),
        recommended_minor_version: v.recommended_minor_version().map(str::to_owned),
        status: VersionStatus::from(v.status().as_str()),
        status_message: v.status_message().map(str::to_owned),
        description: description(v.description()),
        arn: v.arn().to_owned(),
        created_at: time(v.created_at()),
        last_modified_at: time(v.last_modified_at()),
    }
}

pub(crate) fn service_version_summary(
    v: &sdk::ServiceTemplateVersionSummary,
) -> TemplateVersionSummary {
    TemplateVersionSummary {
        kind: TemplateKind::Service,
        template_name: v.template_name().to_owned(),
        major_version: v.major_version().to_owned(),
        minor_version: v.minor_version().to_owned(),
        recommended_minor_version: v.recommended_minor_version().map(str::to_owned),
        status: VersionStatus::from(v.status().as_str()),
        status_message: v.status_message().map(str::to_owned),
        description: description(v.description()),
        arn: v.arn().to_owned(),
        created_at: time(v.created_at()),
        last_modified_at: time(v.last_modified_at()),
    }
}

pub(crate) fn environment_template(t: &sdk::EnvironmentTemplate) -> Template {
    Template {
        kind: TemplateKind::Environment,
        name: t.name().to_owned(),
        arn: t.arn().to_owned(),
        display_name: t.display_name().map(str::to_owned),
        description: description(t.description()),
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
        recommended_version: t.recommended_version().map(str::to_owned),
        created_at: time(t.created_at()),
        last_modified_at: time(t.last_modified_at()),
    }
}

pub(crate) fn service_template(t: &sdk::ServiceTemplate) -> Template {
    Template {
        kind: TemplateKind::Service,
        name: t.name().to_owned(),
        arn: t.arn().to_owned(),
        display_name: t.display_name().map(str::to_owned),
        description: description(t.description()),
        encryption_key: t.encryption_key().map(str::to_owned),
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
        recommended_version: t.recommended_version().map(str::to_owned),
        created_at: time(t.created_at()),
        last_modified_at: time(t.last_modified_at()),
    }
}

pub(crate) fn environment_template_summary(t: &sdk::EnvironmentTemplateSummary) -> Template {
    Template {
        kind: TemplateKind::Environment,
        name: t.name().to_owned(),
        arn: t.arn().to_owned(),
        display_name: t.display_name().map(str::to_owned),
        description: description(t.description()),
        encryption_key: None,
        provisioning: t.provisioning().map(|p| p.as_str().to_owned()),
        recommended_version: t.recommended_version().map(str::to_owned),
        created_at: time(t.created_at()),
        last_modified_at: time(t.last_modified_at()),
    }
}

pub(crate) fn service_template_summary(t: &sdk::ServiceTemplateSummary) -> Template {
    Template {
        kind: TemplateKind::Service,
        name: t.name().to_owned(),
        arn: t.arn().to_owned(),
        display_name: t.display_name().map(str::to_owned),
        description: description(t.description()),
        encryption_key: None,
        provisioning: t.pipeline_provisioning().map(|p| p.as_str().to_owned()),
        recommended_version: t.recommended_version().map(str::to_owned),
        created_at: time(t.created_at()),
        last_modified_at: time(t.last_modified_at()),
    }
}
