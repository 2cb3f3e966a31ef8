//! `proton_environment_template`: the parent of environment template
//! versions. Everything it does is shared with the service template (see
//! [`super::template`]); this module names it.

use std::sync::Arc;

use super::template::TemplateResource;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// The resource, sharing the provider's configured client.
pub fn resource(provider: Arc<ProviderState>) -> TemplateResource {
    TemplateResource::new(TemplateKind::Environment, provider)
}
