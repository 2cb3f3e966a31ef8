//! What ConfigureProvider establishes and every resource and data source
//! shares: the clients of each region, the default tags and the ignored
//! tags. Resources and data sources import this module, never
//! `crate::provider`, which wires them together.
//!
//! Every resource, data source and list resource type is a [`KindType`]: the
//! template kind it serves, its shape and this shared state.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::plugin::typed::{Shape, Shaped};
use crate::proton::{BundleStore, ProtonClient, Regions};

/// What one operation works with: the clients of the region its object lives in, and the
/// provider's tag settings.
#[derive(Clone, Debug)]
pub struct Configured {
    /// The region the object lives in: its own `region`, else the provider's.
    pub region: String,
    /// The region's Proton client (one per region and process, with its ledger).
    pub client: ProtonClient,
    /// Where bundles built from a directory are uploaded, in that region.
    pub bundles: BundleStore,
    /// `default_tags` and `ignore_tags`.
    pub tags: ProviderTags,
}

/// The provider's `ignore_tags` block: tag keys matched exactly or by prefix,
/// case-sensitively. What ignoring means is `resources::tags`' business.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreTags {
    /// `ignore_tags.keys`.
    pub keys: BTreeSet<String>,
    /// `ignore_tags.key_prefixes`.
    pub key_prefixes: BTreeSet<String>,
}

/// The provider's tag settings, the same for every region.
#[derive(Debug, Clone, Default)]
pub struct ProviderTags {
    /// `default_tags.tags`, merged into every resource's `tags_all`.
    pub default_tags: BTreeMap<String, String>,
    /// `ignore_tags`: keys never shown in `tags` / `tags_all` nor changed by an update.
    pub ignore_tags: IgnoreTags,
}

/// What ConfigureProvider establishes, shared by every resource.
#[derive(Debug)]
struct Configuration {
    regions: Regions,
    tags: ProviderTags,
}

/// State shared between the provider and its resources. Set once by
/// ConfigureProvider; Terraform configures before any resource operation.
#[derive(Debug, Default)]
pub struct ProviderState {
    configuration: OnceLock<Configuration>,
}

impl ProviderState {
    fn configuration(&self) -> Result<&Configuration, Diagnostics> {
        self.configuration.get().ok_or_else(|| {
            Diagnostics::from_error(
                "Provider not configured",
                "Terraform called a resource operation before ConfigureProvider. This is a bug in Terraform or the provider.",
            )
        })
    }

    /// What an operation on an object in `region` (the provider's for `None`) works with, or an
    /// error saying the provider was not configured.
    pub fn configured(&self, region: Option<&str>) -> Result<Configured, Diagnostics> {
        let configuration = self.configuration()?;
        let clients = configuration.regions.clients(region);
        Ok(Configured {
            region: region
                .unwrap_or(configuration.regions.default_region())
                .to_string(),
            client: clients.proton,
            bundles: clients.bundles,
            tags: configuration.tags.clone(),
        })
    }

    /// Records the configuration; the first one wins (Terraform configures once per process).
    pub fn set(&self, regions: Regions, tags: ProviderTags) {
        let _ = self.configuration.set(Configuration { regions, tags });
    }

    /// The provider's region, `None` before configuration (validation runs before it).
    pub fn default_region(&self) -> Option<&str> {
        let configuration = self.configuration.get()?;
        Some(configuration.regions.default_region())
    }

    /// The tag settings, none before configuration (validation runs before it).
    pub fn tags(&self) -> ProviderTags {
        self.configuration
            .get()
            .map(|c| c.tags.clone())
            .unwrap_or_default()
    }
}

/// A resource, data source or list resource type of one template kind, over the model `M`:
/// the kind it serves, its shape (type name, schema, fields) and the provider's state. Each
/// module names its own type, e.g. `pub type TemplateData = KindType<TemplateModel, Data>`,
/// and implements its typed trait for it. `Role` only tells apart the types that read into
/// the same model (the template resource and the template data source).
pub struct KindType<M, Role> {
    pub(crate) kind: TemplateKind,
    pub(crate) shape: Shape<M>,
    pub(crate) provider: Arc<ProviderState>,
    role: PhantomData<fn() -> Role>,
}

impl<M, Role> KindType<M, Role> {
    /// The type of `kind` whose shape `shape` gives, sharing `provider`.
    pub fn new(
        kind: TemplateKind,
        shape: fn(TemplateKind) -> Shape<M>,
        provider: Arc<ProviderState>,
    ) -> Self {
        Self {
            kind,
            shape: shape(kind),
            provider,
            role: PhantomData,
        }
    }
}

impl<M, Role> KindType<M, Role> {
    /// The Proton client of `region` (the provider's for `None`), once configured.
    pub(crate) fn client(&self, region: Option<&str>) -> Result<ProtonClient, Diagnostics> {
        Ok(self.provider.configured(region)?.client)
    }
}

impl<M: Default + Send + Sync + 'static, Role: 'static> Shaped for KindType<M, Role> {
    type Model = M;

    fn shape(&self) -> &Shape<M> {
        &self.shape
    }
}

/// The role of a managed resource type.
pub enum Managed {}
/// The role of a data source type.
pub enum Data {}
/// The role of a list resource type.
pub enum Listed {}
