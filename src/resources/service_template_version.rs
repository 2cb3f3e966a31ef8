//! What service template versions add to what all versions share (see
//! [`super::template_version`] and the data source): the environment
//! templates a version is compatible with and the supported component
//! sources. Read through [`super::kind::KindSpec::SERVICE`].

use std::collections::BTreeMap;

use super::attrs::compatible_value;
use super::kind::VersionExtras;
use super::validators::{
    template_name_validators, version_part_length_validator, version_part_validator,
};
use crate::plugin::schema::{Attribute, Block, NestedBlock, Validator};
use crate::plugin::value::{Type, Value};
use crate::proton::{
    CompatibleEnvironmentTemplate, CreateVersionInput, TemplateVersion, UpdateVersionInput,
};

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

/// What service versions add to the shared version resource and data source.
pub const EXTRAS: VersionExtras = VersionExtras {
    resource_schema,
    data_source_attributes,
    create_input,
    update_input,
    resource_state,
    data_source_values,
};

fn create_input(planned: &Value, input: &mut CreateVersionInput) {
    input.compatible_environment_templates = compatible_templates(planned);
    input.supported_component_sources = component_sources(planned).unwrap_or_default();
}

fn update_input(prior: &Value, planned: &Value, input: &mut UpdateVersionInput) {
    let compatible = compatible_templates(planned);
    if compatible != compatible_templates(prior) {
        input.compatible_environment_templates = Some(compatible);
    }
    if planned.get_attr("supported_component_sources")
        != prior.get_attr("supported_component_sources")
    {
        input.supported_component_sources = Some(component_sources(planned).unwrap_or_default());
    }
}

fn compatible_set(version: &TemplateVersion) -> Value {
    Value::Set(
        version
            .compatible_environment_templates
            .iter()
            .map(compatible_value)
            .collect(),
    )
}

fn component_sources_set(version: &TemplateVersion) -> Value {
    Value::Set(
        version
            .supported_component_sources
            .iter()
            .map(Value::string)
            .collect(),
    )
}

fn resource_state(version: &TemplateVersion, base: &Value, state: &mut BTreeMap<String, Value>) {
    state.insert(
        "compatible_environment_template".into(),
        compatible_set(version),
    );
    // An unset attribute stays null while Proton reports none.
    let sources = if version.supported_component_sources.is_empty()
        && base
            .get_attr("supported_component_sources")
            .is_none_or(Value::is_null)
    {
        Value::Null
    } else {
        component_sources_set(version)
    };
    state.insert("supported_component_sources".into(), sources);
}

/// The resource's extra attribute and block: supported component sources and
/// the compatible environment templates.
fn resource_schema() -> (Vec<Attribute>, Vec<NestedBlock>) {
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
    (vec![sources], vec![compatible])
}

fn compatible_type() -> Type {
    Type::object([
        ("major_version", Type::String),
        ("template_name", Type::String),
    ])
}

/// The data source's extra (computed) attributes.
fn data_source_attributes() -> Vec<Attribute> {
    vec![
        Attribute::computed(
            "compatible_environment_template",
            Type::set(compatible_type()),
            "The environment template major versions this version works with.",
        ),
        Attribute::computed(
            "supported_component_sources",
            Type::set(Type::String),
            "Component sources this version supports, e.g. `DIRECTLY_DEFINED`.",
        ),
    ]
}

/// The data source's values of those attributes.
fn data_source_values(version: &TemplateVersion, values: &mut BTreeMap<String, Value>) {
    values.insert(
        "compatible_environment_template".into(),
        compatible_set(version),
    );
    values.insert(
        "supported_component_sources".into(),
        component_sources_set(version),
    );
}
