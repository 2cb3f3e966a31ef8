//! `proton_service_template`: the parent of service template versions. It
//! differs from the environment template only in naming its provisioning
//! attribute `pipeline_provisioning` (see [`super::template`]).

use std::sync::Arc;

use super::template::TemplateResource;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// The resource, sharing the provider's configured client.
pub fn resource(provider: Arc<ProviderState>) -> TemplateResource {
    TemplateResource::new(TemplateKind::Service, provider)
}
