//! What a provider, its resources and its data sources implement. The RPC
//! layer and the plan engine drive these; they never see protobuf types.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::schema::Schema;
use super::value::{AttributePath, Value};

/// Per-call context handed to every operation.
#[derive(Debug, Clone)]
pub struct OpContext {
    /// Fires on StopProvider (Terraform's Ctrl-C): return promptly, with the
    /// partial state of anything already created.
    pub cancel: CancellationToken,
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
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    /// The new state; `None` when nothing exists.
    pub state: Option<Value>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

impl ApplyOutcome {
    /// A successful result.
    pub fn ok(state: Value) -> Self {
        Self {
            state: Some(state),
            diagnostics: Diagnostics::new(),
        }
    }

    /// A failure; `state` is what exists remotely, if anything.
    pub fn failed(state: Option<Value>, diagnostics: Diagnostics) -> Self {
        Self { state, diagnostics }
    }
}

/// Result of a read.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The object exists; this is its current state.
    Found(Value),
    /// The object is gone: Terraform drops it and plans a create.
    Gone,
    /// The read failed: the prior state is kept untouched.
    Failed(Diagnostics),
}

/// A managed resource type. Methods are listed in the order resources
/// implement them: schema, validation and planning, create, read, update,
/// delete, import.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type name, e.g. `proton_environment_template_version`.
    fn type_name(&self) -> &'static str;

    /// The schema, built once.
    fn schema(&self) -> &Schema;

    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Resource-specific planning after the engine's generic pass.
    fn modify_plan(&self, _plan: &mut ResourcePlan<'_>) {}

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
