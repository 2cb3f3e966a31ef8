//! `proton_service_template`: reads the service template with a given name. The look-up is shared with the
//! other template kind (see [`super::template`]); this module names it.

use std::sync::Arc;

use super::template::TemplateData;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// The data source, sharing the provider's configured client.
pub fn data_source(provider: Arc<ProviderState>) -> TemplateData {
    TemplateData::new(TemplateKind::Service, provider)
}
