//! What ConfigureProvider establishes and every resource and data source
//! shares: the one Proton client, the default tags and the ignored tags.
//! Resources and data sources import this module, never `crate::provider`,
//! which wires them together.
//!
//! Every resource, data source and list resource type is a [`KindType`]: the
//! template kind it serves, its shape and this shared state.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::plugin::typed::{Shape, Shaped};
use crate::proton::{BundleStore, ProtonClient};

/// What ConfigureProvider establishes, shared by every resource.
#[derive(Debug)]
pub struct Configured {
    /// The one SDK client of this process.
    pub client: ProtonClient,
    /// Where bundles built from a directory are uploaded.
    pub bundles: BundleStore,
    /// `default_tags.tags`, merged into every resource's `tags_all`.
    pub default_tags: BTreeMap<String, String>,
    /// `ignore_tags`: keys never shown in `tags` / `tags_all` nor changed by an update.
    pub ignore_tags: IgnoreTags,
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
    /// A refused one comes back boxed: `Configured` is too large for an `Err` by value.
    pub fn set(&self, configured: Configured) -> Result<(), Box<Configured>> {
        self.configured.set(configured).map_err(Box::new)
    }

    /// Default tags, empty before configuration (validation runs before it).
    pub fn default_tags(&self) -> BTreeMap<String, String> {
        self.configured
            .get()
            .map(|c| c.default_tags.clone())
            .unwrap_or_default()
    }

    /// Ignored tags, none before configuration (validation runs before it).
    pub fn ignore_tags(&self) -> IgnoreTags {
        self.configured
            .get()
            .map(|c| c.ignore_tags.clone())
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
    /// The provider's Proton client, once configured.
    pub(crate) fn client(&self) -> Result<&ProtonClient, Diagnostics> {
        Ok(&self.provider.configured()?.client)
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
