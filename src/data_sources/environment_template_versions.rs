//! `proton_environment_template_versions`: reads every version of a environment template, optionally of one major version. The look-up is shared with the
//! other template kind (see [`super::template_versions`]); this module names it.

use std::sync::Arc;

use super::template_versions::VersionsData;
use crate::proton::TemplateKind;
use crate::provider::ProviderState;

/// The data source, sharing the provider's configured client.
pub fn data_source(provider: Arc<ProviderState>) -> VersionsData {
    VersionsData::new(TemplateKind::Environment, provider)
}
