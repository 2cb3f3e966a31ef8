//! Typed resources, data sources and list resources: a type declares its
//! model and its [`Shape`], and implements its operations over the model;
//! one blanket implementation of the untyped traits of [`super::provider`]
//! reads Terraform's values into the model and writes the results back,
//! for every type alike.
//!
//! The rules, written once here instead of in each type:
//! 1. A type's name, schema and model fields come from its [`Shape`]; the
//!    schema is built from the fields, so they cannot disagree.
//! 2. Values are read leniently (null and unknown read as empty, see
//!    [`super::model`]); planning, which must tell them apart, gets the raw
//!    [`ResourcePlan`], and an update gets the raw plan beside the model
//!    ([`Planned`]).
//! 3. Identity (Terraform 1.12+) is optional, declared by the shape
//!    ([`Shape::with_identity`]): without it a type has no identity schema
//!    and never sends one. An identity is written from the model the
//!    shape's `complete` function gives (a state may lack identity fields it
//!    can derive, e.g. from an ARN); what a plan does not know yet is null
//!    in it.
//! 4. Configuration generation is the type's own only when it says so
//!    ([`TypedResource::GENERATES_CONFIG`]); otherwise Terraform's legacy
//!    extraction answers.

use async_trait::async_trait;

use super::diag::Diagnostics;
use super::model::Fields;
use super::provider::{
    ApplyOutcome, DataSource, DestroyPlan, ListRequest, ListResource, ListStream, OpContext,
    ReadOutcome, Resource, ResourcePlan,
};
use super::schema::{IdentitySchema, Schema};
use super::value::Value;

/// What a typed type is: its name, its model's fields, the schema they
/// give, and (for a resource with an identity) its identity's fields.
pub struct Shape<M> {
    type_name: &'static str,
    fields: Fields<M>,
    schema: Schema,
    identity: Option<Identity<M>>,
}

/// A resource's identity: its attributes, their schema, and how a state
/// read into the model is completed before the identity is written.
struct Identity<M> {
    fields: Fields<M>,
    schema: IdentitySchema,
    complete: fn(M) -> M,
}

impl<M: Default> Shape<M> {
    /// The type `type_name` with `fields`, described by `description`.
    pub fn new(type_name: &'static str, description: &str, fields: Fields<M>) -> Self {
        let schema = Schema::new(fields.block(description));
        Self {
            type_name,
            fields,
            schema,
            identity: None,
        }
    }

    /// The same type with an identity of these identity attributes, written
    /// from the model `complete` makes of a state (rule 3).
    pub fn with_identity(self, identity: Fields<M>, complete: fn(M) -> M) -> Self {
        let schema = identity.identity_schema();
        let identity = Identity {
            fields: identity,
            schema,
            complete,
        };
        Self {
            identity: Some(identity),
            ..self
        }
    }

    /// The type name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The model's fields.
    pub fn fields(&self) -> &Fields<M> {
        &self.fields
    }

    /// Reads a configuration, plan or state.
    pub fn read(&self, value: &Value) -> M {
        self.fields.read(value)
    }

    /// The state (or configuration) `model` gives.
    pub fn write(&self, model: &M) -> Value {
        self.fields.write(model)
    }

    /// The identity schema, if the type has an identity.
    pub fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.identity.as_ref().map(|identity| &identity.schema)
    }

    /// The identity `model` gives, with null for each attribute `state`
    /// (the value the model was read from, while planning) has unknown.
    pub fn identity_of(&self, model: M, state: &Value) -> Option<Value> {
        let Identity {
            fields, complete, ..
        } = self.identity.as_ref()?;
        let mut identity = fields.write(&complete(model));
        if let Value::Object(attributes) = &mut identity {
            for (name, value) in attributes.iter_mut() {
                if state.get_attr(name).is_some_and(Value::is_unknown) {
                    *value = Value::Null;
                }
            }
        }
        Some(identity)
    }

    /// Reads an identity Terraform sent into a model with only its identity
    /// fields set.
    fn read_identity(&self, identity: &Value) -> M {
        match &self.identity {
            Some(Identity { fields, .. }) => fields.read(identity),
            None => M::default(),
        }
    }
}

/// A planned state: the model, and the raw plan it was read from, which
/// says what the plan left unknown.
pub struct Planned<'a, M> {
    /// The planned state.
    pub model: M,
    value: &'a Value,
}

impl<M> Planned<'_, M> {
    /// Whether the plan knew the attribute `name`: the apply must then
    /// return exactly that.
    pub fn is_known(&self, name: &str) -> bool {
        self.value
            .get_attr(name)
            .is_some_and(Value::is_wholly_known)
    }
}

/// What every typed resource, data source and list resource has: the
/// model Terraform's values read into, and its shape.
pub trait Shaped: Send + Sync + 'static {
    /// What Terraform's values for this type read into (for a list
    /// resource, its `config {}` block).
    type Model: Default + Send + Sync + 'static;

    /// The name, schema and fields.
    fn shape(&self) -> &Shape<Self::Model>;
}

/// A managed resource type over a typed model. Methods in the order a
/// resource module implements them: validation and planning, create,
/// read, update, delete, import, then the optional hooks.
#[async_trait]
pub trait TypedResource: Shaped {
    /// Whether [`TypedResource::generate_config`] shapes the configuration
    /// `-generate-config-out` writes (rule 4).
    const GENERATES_CONFIG: bool = false;

    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Planning after the engine's generic pass (rule 2: raw values).
    async fn modify_plan(&self, _ctx: &OpContext, _plan: &mut ResourcePlan<'_>) {}

    /// Looks ahead at a destroy (Terraform 1.3+). May read the remote
    /// system; must not change it.
    async fn plan_destroy(&self, _ctx: &OpContext, _prior: Self::Model) -> DestroyPlan {
        DestroyPlan::default()
    }

    /// Creates the object.
    async fn create(&self, ctx: &OpContext, planned: Self::Model) -> ApplyOutcome<Self::Model>;

    /// Reads the object's current state.
    async fn read(&self, ctx: &OpContext, state: Self::Model) -> ReadOutcome<Self::Model>;

    /// Updates the object in place.
    async fn update(
        &self,
        ctx: &OpContext,
        prior: Self::Model,
        planned: Planned<'_, Self::Model>,
    ) -> ApplyOutcome<Self::Model>;

    /// Deletes the object. Already gone is success.
    async fn delete(&self, ctx: &OpContext, prior: Self::Model) -> Diagnostics;

    /// Turns an import id into stub states for Read to fill.
    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<Self::Model>, Diagnostics>;

    /// The import id an `import { identity = ... }` names, read into a
    /// model with only its identity fields set.
    fn identity_import_id(&self, _identity: Self::Model) -> Result<String, Diagnostics> {
        Err(Diagnostics::from_error(
            "Import by identity not supported",
            format!(
                "{} cannot be imported by identity; use an import id instead.",
                self.shape().type_name()
            ),
        ))
    }

    /// The configuration a user would write for `state` (rule 4).
    fn generate_config(&self, state: Self::Model) -> Self::Model {
        state
    }
}

#[async_trait]
impl<R: TypedResource> Resource for R {
    fn type_name(&self) -> &'static str {
        self.shape().type_name()
    }

    fn schema(&self) -> &Schema {
        self.shape().schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        TypedResource::validate(self, config, diags);
    }

    async fn modify_plan(&self, ctx: &OpContext, plan: &mut ResourcePlan<'_>) {
        TypedResource::modify_plan(self, ctx, plan).await;
    }

    async fn plan_destroy(&self, ctx: &OpContext, prior: &Value) -> DestroyPlan {
        TypedResource::plan_destroy(self, ctx, self.shape().read(prior)).await
    }

    async fn create(&self, ctx: &OpContext, planned: &Value, _config: &Value) -> ApplyOutcome {
        let shape = self.shape();
        let outcome = TypedResource::create(self, ctx, shape.read(planned)).await;
        outcome.map(|state| shape.write(&state))
    }

    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome {
        let shape = self.shape();
        let outcome = TypedResource::read(self, ctx, shape.read(state)).await;
        outcome.map(|state| shape.write(&state))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyOutcome {
        let shape = self.shape();
        let planned = Planned {
            model: shape.read(planned),
            value: planned,
        };
        let outcome = TypedResource::update(self, ctx, shape.read(prior), planned).await;
        outcome.map(|state| shape.write(&state))
    }

    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics {
        TypedResource::delete(self, ctx, self.shape().read(prior)).await
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<Value>, Diagnostics> {
        let stubs = TypedResource::import(self, ctx, id).await?;
        Ok(stubs.iter().map(|stub| self.shape().write(stub)).collect())
    }

    fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.shape().identity_schema()
    }

    fn identity(&self, state: &Value) -> Option<Value> {
        let shape = self.shape();
        shape.identity_of(shape.read(state), state)
    }

    fn identity_import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        let identity = self.shape().read_identity(identity);
        TypedResource::identity_import_id(self, identity)
    }

    fn generates_config(&self) -> bool {
        R::GENERATES_CONFIG
    }

    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        let shape = self.shape();
        if !R::GENERATES_CONFIG {
            return Ok(shape.schema().block.legacy_config(state));
        }
        let config = TypedResource::generate_config(self, shape.read(state));
        Ok(shape.write(&config))
    }
}

/// A data source type over a typed model.
#[async_trait]
pub trait TypedDataSource: Shaped {
    /// Checks beyond the schema's validators. Values may be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the data the configuration asks for.
    async fn read(&self, ctx: &OpContext, config: Self::Model) -> Result<Self::Model, Diagnostics>;
}

#[async_trait]
impl<D: TypedDataSource> DataSource for D {
    fn type_name(&self) -> &'static str {
        self.shape().type_name()
    }

    fn schema(&self) -> &Schema {
        self.shape().schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        TypedDataSource::validate(self, config, diags);
    }

    async fn read(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostics> {
        let shape = self.shape();
        let found = TypedDataSource::read(self, ctx, shape.read(config)).await?;
        Ok(shape.write(&found))
    }
}

/// A list resource type over a typed `config {}` block.
/// Its shape is named after the managed resource type it lists and holds
/// the `config {}` block's schema and fields.
pub trait TypedListResource: Shaped {
    /// Checks beyond the schema's validators, relative to the block.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Starts a listing of what `config` selects, as
    /// [`ListResource::list`] does.
    fn list(&self, ctx: OpContext, config: Self::Model, request: &ListRequest) -> ListStream;
}

impl<L: TypedListResource> ListResource for L {
    fn type_name(&self) -> &'static str {
        self.shape().type_name()
    }

    fn config_schema(&self) -> &Schema {
        self.shape().schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        TypedListResource::validate(self, config, diags);
    }

    fn list(&self, ctx: OpContext, request: ListRequest) -> ListStream {
        let config = self.shape().read(&request.config);
        TypedListResource::list(self, ctx, config, &request)
    }
}
