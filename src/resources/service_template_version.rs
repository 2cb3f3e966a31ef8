//! `proton_service_template_version`: a version of a service template. It
//! adds the environment templates it is compatible with and the supported
//! component sources to what all versions share (see
//! [`super::template_version`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::template_version::{
    compatible_value, template_name_validators, version_part_length_validator,
    version_part_validator, version_schema, TemplateVersionResource, VersionKind,
};
use crate::plugin::schema::{Attribute, Block, NestedBlock, Schema, Validator};
use crate::plugin::value::{Type, Value};
use crate::proton::{
    CompatibleEnvironmentTemplate, CreateVersionInput, TemplateKind, TemplateVersion,
    UpdateVersionInput,
};
use crate::provider::ProviderState;

/// Marker for service template versions.
#[derive(Debug)]
pub struct ServiceVersion;

fn compatible_templates(value: &Value) -> Vec<CompatibleEnvironmentTemplate> {
    let Some(Value::Set(items)) = value.get_attr("compatible_environment_template") else {
        return Vec::new();
    };
    let mut templates: Vec<_> = items
        .iter()
        .filter_map(|item| {
            Some(CompatibleEnvironmentTemplate {
                template_name: item.get_attr("template_name")?.as_str()?.to_string(),
                major_version: item.get_attr("major_version")?.as_str()?.to_string(),
            })
        })
        .collect();
    templates.sort();
    templates
}

fn component_sources(value: &Value) -> Option<Vec<String>> {
    match value.get_attr("supported_component_sources") {
        Some(Value::Set(items)) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

impl VersionKind for ServiceVersion {
    const KIND: TemplateKind = TemplateKind::Service;
    const TYPE_NAME: &'static str = "proton_service_template_version";

    fn extra_create_input(planned: &Value, input: &mut CreateVersionInput) {
        input.compatible_environment_templates = compatible_templates(planned);
        input.supported_component_sources = component_sources(planned).unwrap_or_default();
    }

    fn extra_update_input(prior: &Value, planned: &Value, input: &mut UpdateVersionInput) {
        let compatible = compatible_templates(planned);
        if compatible != compatible_templates(prior) {
            input.compatible_environment_templates = Some(compatible);
        }
        if planned.get_attr("supported_component_sources")
            != prior.get_attr("supported_component_sources")
        {
            input.supported_component_sources =
                Some(component_sources(planned).unwrap_or_default());
        }
    }

    fn extra_state(version: &TemplateVersion, base: &Value, state: &mut BTreeMap<String, Value>) {
        state.insert(
            "compatible_environment_template".into(),
            Value::Set(
                version
                    .compatible_environment_templates
                    .iter()
                    .map(compatible_value)
                    .collect(),
            ),
        );
        // An unset attribute stays null while Proton reports none.
        let sources = if version.supported_component_sources.is_empty()
            && base
                .get_attr("supported_component_sources")
                .is_none_or(Value::is_null)
        {
            Value::Null
        } else {
            Value::Set(
                version
                    .supported_component_sources
                    .iter()
                    .map(Value::string)
                    .collect(),
            )
        };
        state.insert("supported_component_sources".into(), sources);
    }
}

/// The schema: the common version attributes, plus compatibility.
pub fn schema() -> Schema {
    let [name_length, name_pattern] = template_name_validators();
    let compatible = NestedBlock::set(
        "compatible_environment_template",
        Block::new("An environment template major version this service version works with. Order never matters.")
            .attribute(
                Attribute::required("major_version", Type::String, "Major version of the environment template.")
                    .validate(version_part_length_validator())
        .validate(version_part_validator()),
            )
            .attribute(
                Attribute::required("template_name", Type::String, "Name of the environment template.")
                    .validate(name_length)
                    .validate(name_pattern),
            ),
    )
    .items(1, 10);
    let sources = Attribute::optional(
        "supported_component_sources",
        Type::Set(Box::new(Type::String)),
        "Component sources this version supports: `DIRECTLY_DEFINED`.",
    )
    .validate(Validator::Elements(Box::new(Validator::OneOf(&[
        "DIRECTLY_DEFINED",
    ]))));
    version_schema(TemplateKind::Service, vec![sources], vec![compatible])
}

/// The resource, sharing the provider's configured client.
pub fn resource(provider: Arc<ProviderState>) -> TemplateVersionResource<ServiceVersion> {
    TemplateVersionResource::new(schema(), provider)
}
