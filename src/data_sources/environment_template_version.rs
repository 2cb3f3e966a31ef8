//! `proton_environment_template_version`: reads one environment template version: an explicit one, or the recommended one. The look-up is shared with the
//! other template kind (see [`super::template_version`]); this module names it.

use std::sync::Arc;

use super::template_version::VersionData;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// The data source, sharing the provider's configured client.
pub fn data_source(provider: Arc<ProviderState>) -> VersionData {
    VersionData::new(TemplateKind::Environment, provider)
}
