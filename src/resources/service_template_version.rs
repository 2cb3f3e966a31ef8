//! What service template versions add to what all versions share (see
//! [`super::template_version`] and the data source): the environment
//! templates a version is compatible with and the supported component
//! sources, for the kinds [`TemplateKind::has_service_fields`] names.

use super::model::{CompatibleTemplate, VersionModel};
use super::validators::{template_name_validators, version_part_validators};
use crate::field;
use crate::kind::TemplateKind;
use crate::plugin::model::{Field, Fields, NestedModel};
use crate::plugin::schema::{NestedBlock, Validator};

/// The resource's extra attribute and block for `kind`: supported component
/// sources and the compatible environment templates (none for a kind without them).
pub fn resource_fields(kind: TemplateKind) -> Vec<Field<VersionModel>> {
    if !kind.has_service_fields() {
        return Vec::new();
    }
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

/// The data source's extra (computed) attributes for `kind`.
pub fn data_source_fields(kind: TemplateKind) -> Vec<Field<VersionModel>> {
    if !kind.has_service_fields() {
        return Vec::new();
    }
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
