//! `proton_environment_template_version`: a version of an environment
//! template. Everything it does is shared with the service version (see
//! [`super::template_version`]); this module names it and gives its schema.

use std::sync::Arc;

use super::template_version::{version_schema, TemplateVersionResource, VersionKind};
use crate::plugin::schema::Schema;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// Marker for environment template versions.
#[derive(Debug)]
pub struct EnvironmentVersion;

impl VersionKind for EnvironmentVersion {
    const KIND: TemplateKind = TemplateKind::Environment;
    const TYPE_NAME: &'static str = "proton_environment_template_version";
}

/// The schema: the common version attributes only.
pub fn schema() -> Schema {
    version_schema(TemplateKind::Environment, Vec::new(), Vec::new())
}

/// The resource, sharing the provider's configured client.
pub fn resource(provider: Arc<ProviderState>) -> TemplateVersionResource<EnvironmentVersion> {
    TemplateVersionResource::new(schema(), provider)
}
