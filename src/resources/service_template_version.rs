//! What service template versions add to what all versions share (see
//! [`super::template_version`] and the data source): the environment
//! templates a version is compatible with and the supported component
//! sources. Added where [`crate::kind::TemplateKind::has_service_fields`] says so.

use super::model::{CompatibleTemplate, VersionModel};
use super::validators::{template_name_validators, version_part_validators};
use crate::field;
use crate::plugin::model::{Field, Fields, NestedModel};
use crate::plugin::schema::{NestedBlock, Validator};

/// The resource's extra attribute and block: supported component sources and
/// the compatible environment templates.
pub fn resource_fields() -> Vec<Field<VersionModel>> {
    vec![
        field!(VersionModel, compatible_environment_template).block(|name| {
            let block = CompatibleTemplate::fields().block("An environment template major version this service version works with. Order never matters.");
            NestedBlock::set(name, block).items(1, 10)
        }),
        field!(VersionModel, supported_component_sources)
            .optional("Component sources this version supports: `DIRECTLY_DEFINED`.")
            .validate(Validator::Elements(Box::new(Validator::OneOf(&["DIRECTLY_DEFINED"])))),
    ]
}

/// The data source's extra (computed) attributes.
pub fn data_source_fields() -> Vec<Field<VersionModel>> {
    vec![
        field!(VersionModel, compatible_environment_template)
            .computed("The environment template major versions this version works with."),
        field!(VersionModel, supported_component_sources)
            .computed("Component sources this version supports, e.g. `DIRECTLY_DEFINED`."),
    ]
}

/// As the resource's block; the data source reports the same object type.
impl NestedModel for CompatibleTemplate {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(CompatibleTemplate, major_version)
                .required("Major version of the environment template.")
                .validate_all(version_part_validators()),
            field!(CompatibleTemplate, template_name)
                .required("Name of the environment template.")
                .validate_all(template_name_validators()),
        ])
    }
}
