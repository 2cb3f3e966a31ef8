//! What a provider, its resources, data sources and list resources
//! implement. The RPC layer and the plan engine drive these; they never see
//! protobuf types.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::schema::{IdentitySchema, Schema};
use super::value::{AttributePath, Value};

/// Per-call context handed to every operation.
#[derive(Debug, Clone)]
pub struct OpContext {
    /// Fires on StopProvider (Terraform's Ctrl-C): return promptly, with the
    /// partial state of anything already created.
    pub cancel: CancellationToken,
    /// The private data the planned change carries (what the resource's plan
    /// returned as `planned_private`), in ApplyResourceChange; empty
    /// elsewhere.
    pub private: Vec<u8>,
}

/// A provider: its configuration, resources and data sources.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The `provider` block's schema.
    fn schema(&self) -> &Schema;

    /// Every managed resource type.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// Every data source type.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;

    /// Every list resource type (`terraform query`, Terraform 1.14+). Each
    /// must share its type name with a managed resource that has an
    /// identity schema: Terraform decodes the results with that resource's
    /// types.
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }

    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Applies the provider configuration. Called once per process before any
    /// resource operation; must not make network calls.
    async fn configure(&self, config: &Value, terraform_version: &str, diags: &mut Diagnostics);
}

/// A plan being built: the engine has applied defaults, unknowns and
/// requires-replace; the resource may refine it.
#[derive(Debug)]
pub struct ResourcePlan<'a> {
    /// State before the change; null on create.
    pub prior: &'a Value,
    /// The configuration (may contain unknowns).
    pub config: &'a Value,
    /// The planned new state, to adjust.
    pub planned: Value,
    /// Paths whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Problems found while planning.
    pub diagnostics: Diagnostics,
    /// Private data for the apply of this change; `None` passes the prior
    /// private data through.
    pub private: Option<Vec<u8>>,
}

impl ResourcePlan<'_> {
    /// Whether this plan creates the object.
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

    /// Sets a top-level attribute of the planned state.
    pub fn set(&mut self, name: &str, value: Value) {
        if let Some(slot) = self.planned.get_attr_mut(name) {
            *slot = value;
        }
    }

    /// A top-level attribute of the planned state.
    pub fn get(&self, name: &str) -> &Value {
        self.planned.get_attr(name).unwrap_or(&Value::Null)
    }
}

/// Result of a create or update: the state to record (if the object exists)
/// and any problems. A create that fails after the remote object exists
/// returns its state with the error, so Terraform keeps it (tainted).
/// `S` is the state's form: a [`Value`], or a typed resource's model
/// ([`crate::plugin::typed`]).
#[derive(Debug)]
pub struct ApplyOutcome<S = Value> {
    /// The new state; `None` when nothing exists.
    pub state: Option<S>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

impl<S> Default for ApplyOutcome<S> {
    fn default() -> Self {
        Self::failed(None, Diagnostics::new())
    }
}

impl<S> ApplyOutcome<S> {
    /// A successful result.
    pub fn ok(state: S) -> Self {
        Self {
            state: Some(state),
            diagnostics: Diagnostics::new(),
        }
    }

    /// A failure; `state` is what exists remotely, if anything.
    pub fn failed(state: Option<S>, diagnostics: Diagnostics) -> Self {
        Self { state, diagnostics }
    }

    /// The same outcome with its state in another form.
    pub fn map<T>(self, f: impl FnOnce(S) -> T) -> ApplyOutcome<T> {
        ApplyOutcome {
            state: self.state.map(f),
            diagnostics: self.diagnostics,
        }
    }
}

/// A destroy plan (Terraform 1.3+, which asks the provider before it plans a
/// destroy): what the user should know before the apply, and private data
/// for the delete.
#[derive(Debug, Default)]
pub struct DestroyPlan {
    /// Problems found: an error stops the plan; a warning is shown with it.
    pub diagnostics: Diagnostics,
    /// Private data the delete receives in [`OpContext::private`]; `None`
    /// passes the prior private data through.
    pub private: Option<Vec<u8>>,
}

/// Result of a read; `S` is the state's form, as for [`ApplyOutcome`].
#[derive(Debug)]
pub enum ReadOutcome<S = Value> {
    /// The object exists; this is its current state.
    Found(S),
    /// The object is gone: Terraform drops it and plans a create.
    Gone,
    /// The read failed: the prior state is kept untouched.
    Failed(Diagnostics),
}

impl<S> ReadOutcome<S> {
    /// The same outcome with its state in another form.
    pub fn map<T>(self, f: impl FnOnce(S) -> T) -> ReadOutcome<T> {
        match self {
            Self::Found(state) => ReadOutcome::Found(f(state)),
            Self::Gone => ReadOutcome::Gone,
            Self::Failed(diags) => ReadOutcome::Failed(diags),
        }
    }
}

/// A managed resource type. Methods are listed in the order resources
/// implement them: schema, validation and planning, create, read, update,
/// delete, import; then the optional Terraform 1.12+ hooks (identity, import
/// by identity, configuration generation), all defaulted.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type name, e.g. `proton_environment_template_version`.
    fn type_name(&self) -> &'static str;

    /// The schema, built once.
    fn schema(&self) -> &Schema;

    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Resource-specific planning after the engine's generic pass. May read
    /// the remote system and the local files the configuration names; must
    /// not change anything.
    async fn modify_plan(&self, _ctx: &OpContext, _plan: &mut ResourcePlan<'_>) {}

    /// Looks ahead at a destroy (Terraform 1.3+; older versions plan
    /// destroys without the provider). May read the remote system; must not
    /// change it.
    async fn plan_destroy(&self, _ctx: &OpContext, _prior: &Value) -> DestroyPlan {
        DestroyPlan::default()
    }

    /// Creates the object.
    async fn create(&self, ctx: &OpContext, planned: &Value, config: &Value) -> ApplyOutcome;

    /// Reads the object's current state.
    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome;

    /// Updates the object in place.
    async fn update(
        &self,
        ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> ApplyOutcome;

    /// Deletes the object. Already gone is success.
    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics;

    /// Turns an import id into stub states for Read to fill.
    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<Value>, Diagnostics>;

    /// The identity schema (Terraform 1.12+); `None` for a type without
    /// identity, which then never sends or receives one.
    fn identity_schema(&self) -> Option<&IdentitySchema> {
        None
    }

    /// The identity of the object a (non-null, possibly partly unknown while
    /// planning) state describes. Attributes left out are null. `None` when
    /// the state does not tell; what Terraform holds is then kept. Only
    /// called when [`Resource::identity_schema`] is `Some`.
    fn identity(&self, _state: &Value) -> Option<Value> {
        None
    }

    /// The import id an `import { identity = ... }` names, for types whose
    /// identity imports are id imports in another form (the default
    /// [`Resource::import_identity`]). Optional-for-import attributes may be
    /// null; required ones have been checked.
    fn identity_import_id(&self, _identity: &Value) -> Result<String, Diagnostics> {
        Err(Diagnostics::from_error(
            "Import by identity not supported",
            format!(
                "{} cannot be imported by identity; use an import id instead.",
                self.type_name()
            ),
        ))
    }

    /// Turns an `import { identity = ... }` into stub states for Read to
    /// fill, as [`Resource::import`] does for an id; by default, the import
    /// of the id [`Resource::identity_import_id`] gives. Each state's
    /// identity is the requested one, completed by [`Resource::identity`].
    async fn import_identity(
        &self,
        ctx: &OpContext,
        identity: &Value,
    ) -> Result<Vec<Value>, Diagnostics> {
        let id = self.identity_import_id(identity)?;
        self.import(ctx, &id).await
    }

    /// Whether this type shapes its own generated configuration. The
    /// GenerateResourceConfig capability is provider-wide, so it is
    /// advertised when any type says yes, and every other type then answers
    /// with the default [`Resource::generate_config`].
    fn generates_config(&self) -> bool {
        false
    }

    /// The configuration `-generate-config-out` writes for a (non-null,
    /// refreshed) state: every attribute a user sets, null for what they
    /// need not. Computed-only attributes are nulled afterwards whatever
    /// this returns. The default is Terraform's own legacy extraction.
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        Ok(self.schema().block.legacy_config(state))
    }
}

/// What a `list` block asks for.
#[derive(Debug, Clone)]
pub struct ListRequest {
    /// The `config {}` block, decoded with [`ListResource::config_schema`];
    /// an all-null object when the block is absent, never null.
    pub config: Value,
    /// Whether each result should carry the full resource object.
    pub include_resource: bool,
    /// How many results Terraform reads at most; the service stops pulling
    /// there, so a stream may be endless.
    pub limit: i64,
}

/// One object a listing found.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedResource {
    /// Its identity: wholly known, of the managed resource's identity type.
    pub identity: Value,
    /// A human-friendly name for `terraform query` output.
    pub display_name: String,
    /// Its state, of the managed resource's type; sent only when
    /// [`ListRequest::include_resource`] asked for it.
    pub resource: Option<Value>,
}

/// One step of a listing: a result, or diagnostics. Errors end the listing
/// (Terraform stops at the first); warnings alone are sent and it goes on.
pub type ListEvent = Result<ListedResource, Diagnostics>;

/// A listing's results, pulled one at a time as Terraform reads them and
/// dropped when it stops (limit reached or the client went away).
pub type ListStream = Pin<Box<dyn Stream<Item = ListEvent> + Send + 'static>>;

/// A list resource type: `list "TYPE" "name" { config { ... } }` in a
/// `.tfquery.hcl` file.
pub trait ListResource: Send + Sync + 'static {
    /// The type name: the managed resource type it lists.
    fn type_name(&self) -> &'static str;

    /// The schema of the `config {}` block's contents (Terraform wraps it).
    fn config_schema(&self) -> &Schema;

    /// Checks beyond the schema's validators. Paths are relative to the
    /// `config {}` block.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Starts a listing. The stream owns what it needs (it outlives the
    /// call) and should do work only when polled; `ctx.cancel` fires on
    /// StopProvider.
    fn list(&self, ctx: OpContext, request: ListRequest) -> ListStream;
}

/// A data source type.
#[async_trait::async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// The type name.
    fn type_name(&self) -> &'static str;

    /// The schema, built once.
    fn schema(&self) -> &Schema;

    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the data; the result must be wholly known.
    async fn read(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics>;
}
