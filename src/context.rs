//! What ConfigureProvider establishes and every resource and data source
//! shares: the one Proton client and the default tags. Resources and data
//! sources import this module, never `crate::provider`, which wires them
//! together.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::plugin::diag::Diagnostics;
use crate::proton::ProtonClient;

/// What ConfigureProvider establishes, shared by every resource.
#[derive(Debug)]
pub struct Configured {
    /// The one SDK client of this process.
    pub client: ProtonClient,
    /// `default_tags.tags`, merged into every resource's `tags_all`.
    pub default_tags: BTreeMap<String, String>,
}

/// State shared between the provider and its resources. Set once by
/// ConfigureProvider; Terraform configures before any resource operation.
#[derive(Debug, Default)]
pub struct ProviderState {
    configured: OnceLock<Configured>,
}

impl ProviderState {
    /// The configuration, or an error saying the provider was not configured.
    pub fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.configured.get().ok_or_else(|| {
            Diagnostics::from_error(
                "Provider not configured",
                "Terraform called a resource operation before ConfigureProvider. This is a bug in Terraform or the provider.",
            )
        })
    }

    /// Records the configuration; the first one wins (Terraform configures once per process).
    pub fn set(&self, configured: Configured) -> Result<(), Configured> {
        self.configured.set(configured)
    }

    /// Default tags, empty before configuration (validation runs before it).
    pub fn default_tags(&self) -> BTreeMap<String, String> {
        self.configured
            .get()
            .map(|c| c.default_tags.clone())
            .unwrap_or_default()
    }
}
