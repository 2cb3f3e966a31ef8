//! A small provider built only from the protocol layer, with an in-memory
//! backend, so the RPC and plan/apply contract can be tested without Proton.
//!
//! Special names drive edge cases: `slow` waits until cancelled during create,
//! `half-made` fails after the object exists, `flaky` fails reads.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use terraform_provider_proton::plugin::diag::Diagnostics;
use terraform_provider_proton::plugin::provider::{
    ApplyOutcome, DataSource, OpContext, Provider, ReadOutcome, Resource, ResourcePlan,
};
use terraform_provider_proton::plugin::schema::{Attribute, Block, NestedBlock, Schema, Validator};
use terraform_provider_proton::plugin::value::{Number, Type, Value};

#[derive(Debug, Default)]
pub struct ToyBackend {
    pub things: Mutex<BTreeMap<String, Value>>,
    pub configured_with: Mutex<Option<String>>,
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

    async fn configure(&self, _config: &Value, terraform_version: &str, _diags: &mut Diagnostics) {
        *self.backend.configured_with.lock().unwrap() = Some(terraform_version.to_string());
    }
}

pub struct ToyThing {
    backend: Arc<ToyBackend>,
    schema: Schema,
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

    fn modify_plan(&self, plan: &mut ResourcePlan<'_>) {
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
