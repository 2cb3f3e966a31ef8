//! A small provider built only from the protocol layer, with an in-memory
//! backend, so the RPC and plan/apply contract can be tested without Proton.
//!
//! Special names drive edge cases: `slow` waits until cancelled during create,
//! `half-made` fails after the object exists, `flaky` fails reads.
//!
//! `toy_thing` has an identity (`name`, required for import, and `region`,
//! optional and always `local`), shapes its generated configuration, and
//! has a list resource whose `config {}` drives the listing: `endless`
//! makes up things forever, `fail_after` fails at that item, `warn` opens
//! with a warning.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use terraform_provider_proton::plugin::diag::Diagnostics;
use terraform_provider_proton::plugin::provider::{
    ApplyOutcome, DataSource, ListEvent, ListRequest, ListResource, ListStream, ListedResource,
    OpContext, Provider, ReadOutcome, Resource, ResourcePlan,
};
use terraform_provider_proton::plugin::schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Schema, Validator,
};
use terraform_provider_proton::plugin::value::{AttributePath, Number, Type, Value};
use tokio::sync::Notify;
use tokio_stream::Stream;

#[derive(Debug, Default)]
pub struct ToyBackend {
    pub things: Mutex<BTreeMap<String, Value>>,
    pub configured_with: Mutex<Option<String>>,
    /// Items every listing has produced (each poll that yields one).
    pub listed: AtomicUsize,
    /// Notified once per listing dropped.
    pub listing_dropped: Notify,
}

pub struct ToyProvider {
    pub backend: Arc<ToyBackend>,
    schema: Schema,
}

impl ToyProvider {
    pub fn new() -> Self {
        Self {
            backend: Arc::default(),
            schema: Schema::new(
                Block::new("Toy provider.").attribute(
                    Attribute::optional("greeting", Type::String, "A greeting.")
                        .validate(Validator::OneOf(&["hello", "hi"])),
                ),
            ),
        }
    }
}

#[async_trait::async_trait]
impl Provider for ToyProvider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(ToyThing::new(self.backend.clone()))]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(ToyEcho::new())]
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        vec![Arc::new(ToyThingList::new(self.backend.clone()))]
    }

    async fn configure(&self, _config: &Value, terraform_version: &str, _diags: &mut Diagnostics) {
        *self.backend.configured_with.lock().unwrap() = Some(terraform_version.to_string());
    }
}

pub struct ToyThing {
    backend: Arc<ToyBackend>,
    schema: Schema,
    identity_schema: IdentitySchema,
}

pub fn thing_identity_schema() -> IdentitySchema {
    IdentitySchema::new(vec![
        IdentityAttribute::required_for_import("name", Type::String, "Name."),
        IdentityAttribute::optional_for_import("region", Type::String, "Region."),
    ])
}

/// The identity of a thing named `name`.
pub fn thing_identity(name: &str) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("region", Value::string("local")),
    ])
}

/// A null thing state with `id` and `name` set, as imports return it.
fn stub(schema: &Schema, id: &str) -> Value {
    let mut state = Value::empty_of(&schema.implied_type());
    for name in ["id", "name"] {
        if let Some(slot) = state.get_attr_mut(name) {
            *slot = Value::string(id);
        }
    }
    state
}

pub fn thing_schema() -> Schema {
    Schema::new(
        Block::new("A thing.")
            .attribute(Attribute::computed("id", Type::String, "Id.").use_state_for_unknown())
            .attribute(
                Attribute::required("name", Type::String, "Name.")
                    .requires_replace()
                    .validate(Validator::pattern(
                        "^[a-z-]+$",
                        "must be lowercase letters and dashes",
                    )),
            )
            .attribute(Attribute::optional(
                "description",
                Type::String,
                "Description.",
            ))
            .attribute(
                Attribute::optional_computed("mode", Type::String, "Mode.")
                    .default_value(Value::string("auto")),
            )
            .attribute(Attribute::optional("size", Type::Number, "Size."))
            .attribute(Attribute::optional(
                "labels",
                Type::Map(Box::new(Type::String)),
                "Labels.",
            ))
            .attribute(
                Attribute::computed("created_at", Type::String, "Creation time.")
                    .use_state_for_unknown(),
            )
            .attribute(Attribute::computed(
                "revision",
                Type::Number,
                "Bumped by every update.",
            ))
            .nested(
                NestedBlock::single_required(
                    "spec",
                    Block::new("Spec.").attribute(Attribute::required(
                        "kind",
                        Type::String,
                        "Kind.",
                    )),
                )
                .requires_replace(),
            )
            .nested(NestedBlock::set(
                "item",
                Block::new("Item.")
                    .attribute(Attribute::required("key", Type::String, "Key."))
                    .attribute(Attribute::optional("value", Type::String, "Value.")),
            )),
    )
}

impl ToyThing {
    pub fn new(backend: Arc<ToyBackend>) -> Self {
        Self {
            backend,
            schema: thing_schema(),
            identity_schema: thing_identity_schema(),
        }
    }
}

fn with_attr(mut value: Value, name: &str, attr: Value) -> Value {
    if let Some(slot) = value.get_attr_mut(name) {
        *slot = attr;
    }
    value
}

#[async_trait::async_trait]
impl Resource for ToyThing {
    fn type_name(&self) -> &'static str {
        "toy_thing"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if config.get_attr("description").and_then(Value::as_str) == Some("forbidden") {
            diags.error("Forbidden description", "This description is not allowed.");
        }
    }

    async fn modify_plan(&self, _ctx: &OpContext, plan: &mut ResourcePlan<'_>) {
        // Descriptions are upper-cased remotely, so plan what apply returns.
        if let Some(description) = plan.get("description").as_str().map(str::to_string) {
            if description == "plan-error" {
                plan.diagnostics
                    .error("Cannot plan", "plan-error was asked for");
            }
        }
    }

    async fn create(&self, ctx: &OpContext, planned: &Value, _config: &Value) -> ApplyOutcome {
        let name = planned
            .get_attr("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut state = planned.clone();
        state = with_attr(state, "id", Value::string(name.clone()));
        state = with_attr(state, "created_at", Value::string("2026-01-01T00:00:00Z"));
        state = with_attr(state, "revision", Value::Number(Number::from_i64(1)));
        self.backend
            .things
            .lock()
            .unwrap()
            .insert(name.clone(), state.clone());
        if name == "slow" {
            ctx.cancel.cancelled().await;
            return ApplyOutcome::failed(
                Some(state),
                Diagnostics::from_error("Create interrupted", "stopped while waiting"),
            );
        }
        if name == "half-made" {
            return ApplyOutcome::failed(
                Some(state),
                Diagnostics::from_error(
                    "Create failed after the object existed",
                    "registration failed",
                ),
            );
        }
        ApplyOutcome::ok(state)
    }

    async fn read(&self, _ctx: &OpContext, state: &Value) -> ReadOutcome {
        let id = state
            .get_attr("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if id == "flaky" {
            return ReadOutcome::Failed(Diagnostics::from_error(
                "Read failed",
                "ThrottlingException",
            ));
        }
        match self.backend.things.lock().unwrap().get(&id) {
            Some(stored) => ReadOutcome::Found(stored.clone()),
            None => ReadOutcome::Gone,
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyOutcome {
        let revision = prior
            .get_attr("revision")
            .and_then(Value::as_number)
            .and_then(Number::to_i64)
            .unwrap_or(0);
        let state = with_attr(
            planned.clone(),
            "revision",
            Value::Number(Number::from_i64(revision + 1)),
        );
        let id = state
            .get_attr("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.backend
            .things
            .lock()
            .unwrap()
            .insert(id, state.clone());
        ApplyOutcome::ok(state)
    }

    async fn delete(&self, _ctx: &OpContext, prior: &Value) -> Diagnostics {
        let id = prior
            .get_attr("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if id == "undeletable" {
            return Diagnostics::from_error("Delete refused", "ConflictException");
        }
        self.backend.things.lock().unwrap().remove(&id);
        Diagnostics::new()
    }

    async fn import(&self, _ctx: &OpContext, id: &str) -> Result<Vec<Value>, Diagnostics> {
        if id.is_empty() {
            return Err(Diagnostics::from_error(
                "Invalid import id",
                "expected a name",
            ));
        }
        let ty = self.schema.implied_type();
        let Value::Object(mut attrs) = Value::empty_of(&ty) else {
            return Err(Diagnostics::from_error("bug", "not an object"));
        };
        attrs.insert("id".into(), Value::string(id));
        Ok(vec![Value::Object(attrs)])
    }

    fn identity_schema(&self) -> Option<&IdentitySchema> {
        Some(&self.identity_schema)
    }

    fn identity(&self, state: &Value) -> Option<Value> {
        // A stub from an import by id knows its id only.
        let name = match state.get_attr("name") {
            Some(Value::Null) | None => state.get_attr("id")?.clone(),
            Some(name) => name.clone(),
        };
        Some(Value::object([
            ("name", name),
            ("region", Value::string("local")),
        ]))
    }

    async fn import_identity(
        &self,
        _ctx: &OpContext,
        identity: &Value,
    ) -> Result<Vec<Value>, Diagnostics> {
        let name = identity
            .get_attr("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(vec![stub(&self.schema, name)])
    }

    fn generates_config(&self) -> bool {
        true
    }

    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        // Start from Terraform's extraction; `auto` is the default mode, so
        // configuring it is noise. `revision` is left set: the service must
        // null it (computed-only) whatever the hook returns.
        let mut config = self.schema.block.legacy_config(state);
        if config.get_attr("mode").and_then(Value::as_str) == Some("auto") {
            *config.get_attr_mut("mode").unwrap() = Value::Null;
        }
        *config.get_attr_mut("revision").unwrap() = state.get_attr("revision").unwrap().clone();
        Ok(config)
    }
}

pub fn thing_list_config_schema() -> Schema {
    Schema::new(
        Block::new("Which things to list.")
            .attribute(
                Attribute::optional("name_prefix", Type::String, "Only names starting so.")
                    .validate(Validator::pattern(
                        "^[a-z-]*$",
                        "must be lowercase letters and dashes",
                    )),
            )
            .attribute(Attribute::optional(
                "endless",
                Type::Bool,
                "Make things up forever.",
            ))
            .attribute(Attribute::optional(
                "fail_after",
                Type::Number,
                "Fail at this item.",
            ))
            .attribute(Attribute::optional(
                "warn",
                Type::Bool,
                "Open with a warning.",
            )),
    )
}

pub struct ToyThingList {
    backend: Arc<ToyBackend>,
    schema: Schema,
}

impl ToyThingList {
    pub fn new(backend: Arc<ToyBackend>) -> Self {
        Self {
            backend,
            schema: thing_list_config_schema(),
        }
    }
}

impl ListResource for ToyThingList {
    fn type_name(&self) -> &'static str {
        "toy_thing"
    }

    fn config_schema(&self) -> &Schema {
        &self.schema
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let set = |name| config.get_attr(name).is_some_and(|v| !v.is_null());
        if set("endless") && set("fail_after") {
            diags.attribute_error(
                AttributePath::attr("fail_after"),
                "Conflicting arguments",
                "fail_after cannot be combined with endless.",
            );
        }
    }

    fn list(&self, _ctx: OpContext, request: ListRequest) -> ListStream {
        let config = &request.config;
        let flag = |name| config.get_attr(name).and_then(Value::as_bool) == Some(true);
        let prefix = config
            .get_attr("name_prefix")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let stored: Vec<Value> = self
            .backend
            .things
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(_, state)| state.clone())
            .collect();
        Box::pin(ToyListing {
            backend: self.backend.clone(),
            schema: thing_schema(),
            stored,
            endless: flag("endless"),
            fail_after: config
                .get_attr("fail_after")
                .and_then(Value::as_number)
                .and_then(Number::to_u64)
                .map(|n| n as usize),
            warn: flag("warn"),
            include_resource: request.include_resource,
            next: 0,
        })
    }
}

/// A listing pulled one item per poll, counting what it produces and
/// announcing its drop, so tests can see how far it was pulled.
struct ToyListing {
    backend: Arc<ToyBackend>,
    schema: Schema,
    stored: Vec<Value>,
    endless: bool,
    fail_after: Option<usize>,
    warn: bool,
    include_resource: bool,
    next: usize,
}

impl Stream for ToyListing {
    type Item = ListEvent;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<ListEvent>> {
        let this = self.get_mut();
        if std::mem::take(&mut this.warn) {
            let mut diags = Diagnostics::new();
            diags.warning("Listing is slow", "the toy lists slowly");
            return Poll::Ready(Some(Err(diags)));
        }
        let index = this.next;
        if this.fail_after == Some(index) {
            this.next += 1;
            return Poll::Ready(Some(Err(Diagnostics::from_error(
                "Listing failed",
                "ThrottlingException",
            ))));
        }
        let state = if this.endless {
            let name = format!("made-up-{index}");
            stub(&this.schema, &name)
        } else {
            match this.stored.get(index) {
                Some(state) => state.clone(),
                None => return Poll::Ready(None),
            }
        };
        this.next += 1;
        this.backend.listed.fetch_add(1, Ordering::SeqCst);
        let name = state
            .get_attr("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Poll::Ready(Some(Ok(ListedResource {
            identity: thing_identity(&name),
            display_name: format!("thing {name}"),
            resource: this.include_resource.then_some(state),
        })))
    }
}

impl Drop for ToyListing {
    fn drop(&mut self) {
        self.backend.listing_dropped.notify_one();
    }
}

pub struct ToyEcho {
    schema: Schema,
}

impl ToyEcho {
    pub fn new() -> Self {
        Self {
            schema: Schema::new(
                Block::new("Echoes its input in upper case.")
                    .attribute(
                        Attribute::required("input", Type::String, "Input.")
                            .validate(Validator::Length { min: 1, max: 10 }),
                    )
                    .attribute(Attribute::computed("output", Type::String, "Output.")),
            ),
        }
    }
}

#[async_trait::async_trait]
impl DataSource for ToyEcho {
    fn type_name(&self) -> &'static str {
        "toy_echo"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics> {
        let input = config
            .get_attr("input")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(Value::object([
            ("input", Value::string(input)),
            ("output", Value::string(input.to_uppercase())),
        ]))
    }
}
