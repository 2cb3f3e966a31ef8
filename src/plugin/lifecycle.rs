//! The resource-agnostic rules for what Terraform gets back from apply,
//! refresh, import, state upgrade, data source reads and validation: the
//! other half of the lifecycle contract beside [`super::plan`]
//! (hashicorp/terraform docs/resource-instance-change-lifecycle.md and
//! terraform-plugin-framework's server):
//!
//! - a null planned state is a delete, a null prior state a create, anything
//!   else an update;
//! - a delete that succeeds leaves a null state; one that fails keeps the
//!   prior object;
//! - a create that reports success without a state is an error (the object
//!   may exist without Terraform tracking it), and the state is null;
//! - a failed create without a state leaves null; a failed update without a
//!   state keeps the prior object;
//! - an applied state is reconciled with the plan
//!   ([`reconcile_applied`]): known planned values win, no unknown remains;
//! - a failed create or update keeps the state the resource returned, not
//!   the plan's values: it says what exists (Terraform skips its planned-value
//!   check when the apply has errors and saves what it gets, tainted after a
//!   create); unknowns are still refused;
//! - a null current state is not refreshed;
//! - a refresh that finds the object gone returns null, so Terraform plans a
//!   create; one that fails keeps the current state as Terraform sent it, so
//!   a transient error never drops an object;
//! - an operation StopProvider cancels ends with an error and changes no
//!   state;
//! - stored state from a newer schema version, or in Terraform 0.11's flatmap
//!   form, is refused; attributes the schema no longer has are dropped; no
//!   stored state upgrades to null;
//! - a data source answers with a non-null, wholly known object;
//! - every imported object carries the requested type name (Terraform 1.0
//!   panics on an empty one);
//! - configuration is checked by the schema's validators, then by the type's
//!   own checks.
//!
//! Two rules concern the bytes Terraform sent and are kept by the gRPC
//! service: an apply whose request cannot be decoded, or whose new state
//! cannot be encoded, answers with the prior state as sent; a refresh in the
//! same case answers with the current state as sent.
//!
//! Pure functions over the model: the service decodes, calls the resource
//! and hands the outcome here. Imports values, diagnostics, schemas, the
//! codec, the resource traits' outcome types and the plan engine; never
//! protobuf.

use super::codec;
use super::diag::Diagnostics;
use super::plan::reconcile_applied;
use super::provider::{ApplyOutcome, ReadOutcome};
use super::schema::{Block, Schema};
use super::value::{AttributePath, Type, Value};

/// What an ApplyResourceChange asks of the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyAction {
    /// No prior object: create one.
    Create,
    /// Change the prior object in place.
    Update,
    /// The plan is null: delete the prior object.
    Delete,
}

/// The action that takes `prior` to `planned`.
pub fn apply_action(prior: &Value, planned: &Value) -> ApplyAction {
    if planned.is_null() {
        ApplyAction::Delete
    } else if prior.is_null() {
        ApplyAction::Create
    } else {
        ApplyAction::Update
    }
}

/// The state an apply records, and what to report.
#[derive(Debug, PartialEq)]
pub struct Applied {
    /// The new state (null when no object exists).
    pub state: Value,
    /// Problems, the resource's and the rules'.
    pub diagnostics: Diagnostics,
}

/// After a delete: null on success, the prior object on failure.
pub fn after_delete(prior: Value, diagnostics: Diagnostics) -> Applied {
    let state = if diagnostics.has_errors() {
        prior
    } else {
        Value::Null
    };
    Applied { state, diagnostics }
}

/// An applied `state` as Terraform gets it: reconciled with the plan after
/// a success; after a failure, as the resource returned it (a partial create
/// records what exists, which may not be what was planned), unknowns refused.
fn applied_state(planned: &Value, state: Value, diagnostics: &mut Diagnostics) -> Value {
    let binding = match diagnostics.has_errors() {
        true => &Value::Unknown,
        false => planned,
    };
    reconcile_applied(binding, state, &AttributePath::root(), diagnostics)
}

/// After a create: the applied state, or null; success without a state is
/// itself an error.
pub fn after_create(planned: &Value, outcome: ApplyOutcome) -> Applied {
    let mut diagnostics = outcome.diagnostics;
    let state = match outcome.state {
        Some(state) => applied_state(planned, state, &mut diagnostics),
        None => {
            if !diagnostics.has_errors() {
                diagnostics.error(
                    "Missing resource state after create",
                    "The provider reported success but returned no state. The object may exist without Terraform tracking it. This is a bug in the provider.",
                );
            }
            Value::Null
        }
    };
    Applied { state, diagnostics }
}

/// After an update: the applied state, or the prior object when the update
/// returned none.
pub fn after_update(prior: Value, planned: &Value, outcome: ApplyOutcome) -> Applied {
    let mut diagnostics = outcome.diagnostics;
    let state = match outcome.state {
        Some(state) => applied_state(planned, state, &mut diagnostics),
        None => prior,
    };
    Applied { state, diagnostics }
}

/// Whether a ReadResource asks the resource at all: a null state has
/// nothing to refresh.
pub fn needs_refresh(current: &Value) -> bool {
    !current.is_null()
}

/// What a refresh answers.
#[derive(Debug, PartialEq)]
pub enum Refreshed {
    /// The new state: the object as read, or null when it is gone.
    State(Value),
    /// The current state goes back as Terraform sent it, with these problems.
    KeepCurrent(Diagnostics),
}

/// After a read.
pub fn after_read(outcome: ReadOutcome) -> Refreshed {
    match outcome {
        ReadOutcome::Found(state) => Refreshed::State(state),
        ReadOutcome::Gone => Refreshed::State(Value::Null),
        ReadOutcome::Failed(diags) => Refreshed::KeepCurrent(diags),
    }
}

/// The error an operation StopProvider abandoned ends with; `action` is
/// "Read", "Import" and so on.
pub fn cancelled(action: &str) -> Diagnostics {
    Diagnostics::from_error(
        format!("{action} cancelled"),
        "Terraform asked the provider to stop (for example after Ctrl-C); the operation was abandoned.",
    )
}

/// A stored state as UpgradeResourceState receives it.
#[derive(Debug, Clone, Copy)]
pub enum StoredState<'a> {
    /// JSON, as Terraform 0.12 and later store it.
    Json(&'a [u8]),
    /// Terraform 0.11's flatmap, which this provider never wrote.
    Flatmap,
    /// Nothing stored.
    Absent,
}

/// Reads a state stored at schema `version` with the current schema.
pub fn upgrade_state(
    type_name: &str,
    version: i64,
    stored: StoredState<'_>,
    schema: &Schema,
    ty: &Type,
) -> Result<Value, Diagnostics> {
    not_newer("state", "schema", type_name, version, schema.version)?;
    match stored {
        StoredState::Json(json) => decode_stored_json(json, &schema.block, ty),
        StoredState::Flatmap => Err(Diagnostics::from_error(
            "Unsupported legacy state",
            "The state is in the flatmap format of Terraform 0.11, which this provider never wrote.",
        )),
        StoredState::Absent => Ok(Value::Null),
    }
}

/// Refuses a stored `what` ("state" or "identity") written at a version of
/// its `schema` newer than the `current` one: a newer provider wrote it.
pub(crate) fn not_newer(
    what: &str,
    schema: &str,
    type_name: &str,
    version: i64,
    current: i64,
) -> Result<(), Diagnostics> {
    if version > current {
        return Err(Diagnostics::from_error(
            format!("Resource {what} from a newer provider"),
            format!(
                "The {what} of this {type_name} was written with {schema} version {version}, but this provider knows only up to {current}. Upgrade the provider."
            ),
        ));
    }
    Ok(())
}

/// Decodes stored JSON, dropping attributes the schema no longer has (as
/// Terraform does when versions match).
fn decode_stored_json(json: &[u8], block: &Block, ty: &Type) -> Result<Value, Diagnostics> {
    let mut parsed: serde_json::Value = serde_json::from_slice(json).map_err(|err| {
        Diagnostics::from_error(
            "Unreadable resource state",
            format!("The stored state is not valid JSON: {err}."),
        )
    })?;
    prune_unknown_attributes(&mut parsed, block);
    let cleaned = serde_json::to_vec(&parsed)
        .map_err(|err| Diagnostics::from_error("Unreadable resource state", err.to_string()))?;
    codec::decode_json(&cleaned, ty)
        .map_err(|err| Diagnostics::from_codec_error("Unreadable resource state", &err))
}

fn prune_unknown_attributes(json: &mut serde_json::Value, block: &Block) {
    let serde_json::Value::Object(map) = json else {
        return;
    };
    map.retain(|key, _| block.find_attribute(key).is_some() || block.find_block(key).is_some());
    for nested in &block.blocks {
        match map.get_mut(&nested.name) {
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    prune_unknown_attributes(item, &nested.block);
                }
            }
            Some(object @ serde_json::Value::Object(_)) => {
                prune_unknown_attributes(object, &nested.block);
            }
            _ => {}
        }
    }
}

/// A data source's result, refused when null or partly unknown.
pub fn data_source_result(type_name: &str, state: Value) -> Result<Value, Diagnostics> {
    if !state.is_wholly_known() || state.is_null() {
        return Err(Diagnostics::from_error(
            "Incomplete data source result",
            format!("{type_name} returned a null or partly unknown result. This is a bug in the provider."),
        ));
    }
    Ok(state)
}

/// One object an import hands to Terraform.
#[derive(Debug, PartialEq)]
pub struct ImportedObject {
    /// Always the type Terraform asked to import.
    pub type_name: String,
    /// Its state.
    pub state: Value,
}

/// The objects an import of `type_name` answers with, in order.
pub fn imported_objects(type_name: &str, states: Vec<Value>) -> Vec<ImportedObject> {
    states
        .into_iter()
        .map(|state| ImportedObject {
            type_name: type_name.to_string(),
            state,
        })
        .collect()
}

/// Validates a configuration: the schema's validators, then `extra`, the
/// type's own checks.
pub fn validate_config(
    block: &Block,
    config: &Value,
    extra: impl FnOnce(&Value, &mut Diagnostics),
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    block.validate(config, &AttributePath::root(), &mut diags);
    extra(config, &mut diags);
    diags
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::{Attribute, NestedBlock, Validator};

    fn failure() -> Diagnostics {
        Diagnostics::from_error("failed", "remote error")
    }

    fn object(id: &str, arn: Value) -> Value {
        Value::object([("id", Value::string(id)), ("arn", arn)])
    }

    #[test]
    fn null_plan_deletes_null_prior_creates_else_updates() {
        let some = object("a", Value::Null);
        assert_eq!(apply_action(&some, &Value::Null), ApplyAction::Delete);
        assert_eq!(apply_action(&Value::Null, &some), ApplyAction::Create);
        assert_eq!(apply_action(&some, &some), ApplyAction::Update);
    }

    #[test]
    fn delete_success_is_null_state() {
        let applied = after_delete(object("a", Value::Null), Diagnostics::new());
        assert_eq!(applied.state, Value::Null);
        assert!(applied.diagnostics.is_empty());
    }

    #[test]
    fn delete_failure_keeps_the_prior_object() {
        let prior = object("a", Value::Null);
        let applied = after_delete(prior.clone(), failure());
        assert_eq!(applied.state, prior);
        assert_eq!(applied.diagnostics, failure());
    }

    #[test]
    fn create_success_without_state_is_an_error() {
        let planned = object("a", Value::Unknown);
        let applied = after_create(&planned, ApplyOutcome::default());
        assert_eq!(applied.state, Value::Null);
        assert_eq!(
            applied.diagnostics.0[0].summary,
            "Missing resource state after create"
        );
    }

    #[test]
    fn create_failure_without_state_reports_only_its_error() {
        let planned = object("a", Value::Unknown);
        let applied = after_create(&planned, ApplyOutcome::failed(None, failure()));
        assert_eq!(applied.state, Value::Null);
        assert_eq!(applied.diagnostics, failure());
    }

    #[test]
    fn a_failed_create_keeps_what_exists_not_what_was_planned() {
        // The remote object exists: Terraform records it (tainted), as it is:
        // an ARN planned unknown; a status planned PUBLISHED whose
        // registration failed.
        for (planned, remote) in [
            (Value::Unknown, Value::string("arn:1")),
            (
                Value::string("PUBLISHED"),
                Value::string("REGISTRATION_FAILED"),
            ),
        ] {
            let remote = object("a", remote);
            let failed = ApplyOutcome::failed(Some(remote.clone()), failure());
            let applied = after_create(&object("a", planned), failed);
            assert_eq!(applied.state, remote);
            assert_eq!(applied.diagnostics, failure());
        }

        let planned = object("a", Value::string("PUBLISHED"));

        let partial = object("a", Value::Unknown);
        let applied = after_create(&planned, ApplyOutcome::failed(Some(partial), failure()));
        assert_eq!(applied.state, object("a", Value::Null));
        assert_eq!(applied.diagnostics.0.len(), 2);
    }

    #[test]
    fn a_failed_update_keeps_the_state_it_returned() {
        let prior = object("a", Value::string("arn:0"));
        let planned = object("a", Value::string("arn:2"));
        let remote = object("a", Value::string("arn:1"));
        let applied = after_update(
            prior,
            &planned,
            ApplyOutcome::failed(Some(remote.clone()), failure()),
        );
        assert_eq!(applied.state, remote);
    }

    #[test]
    fn applied_state_keeps_known_planned_values_and_fills_unknowns() {
        let planned = object("a", Value::Unknown);
        let applied = after_create(
            &planned,
            ApplyOutcome::ok(object("other", Value::string("arn:1"))),
        );
        assert_eq!(applied.state, object("a", Value::string("arn:1")));
        assert!(applied.diagnostics.is_empty());
    }

    #[test]
    fn applied_state_left_unknown_is_an_error() {
        let planned = object("a", Value::Unknown);
        let applied = after_update(
            object("a", Value::string("arn:0")),
            &planned,
            ApplyOutcome::ok(object("a", Value::Unknown)),
        );
        assert_eq!(applied.state, object("a", Value::Null));
        assert!(applied.diagnostics.has_errors());
    }

    #[test]
    fn update_failure_without_state_keeps_the_prior_object() {
        let prior = object("a", Value::string("arn:0"));
        let planned = object("b", Value::Unknown);
        let applied = after_update(
            prior.clone(),
            &planned,
            ApplyOutcome::failed(None, failure()),
        );
        assert_eq!(applied.state, prior);
        assert_eq!(applied.diagnostics, failure());
    }

    #[test]
    fn null_state_is_not_refreshed() {
        assert!(!needs_refresh(&Value::Null));
        assert!(needs_refresh(&object("a", Value::Null)));
    }

    #[test]
    fn refresh_of_a_gone_object_is_null_and_a_failure_keeps_state() {
        let found = object("a", Value::string("arn:1"));
        assert_eq!(
            after_read(ReadOutcome::Found(found.clone())),
            Refreshed::State(found)
        );
        assert_eq!(after_read(ReadOutcome::Gone), Refreshed::State(Value::Null));
        assert_eq!(
            after_read(ReadOutcome::Failed(failure())),
            Refreshed::KeepCurrent(failure())
        );
    }

    #[test]
    fn cancellation_names_the_action() {
        let diags = cancelled("Import");
        assert!(diags.has_errors());
        assert_eq!(diags.0[0].summary, "Import cancelled");
    }

    fn versioned_schema() -> Schema {
        let mut schema = Schema::new(
            Block::new("r")
                .attribute(Attribute::required("id", Type::String, "id"))
                .nested(NestedBlock::list(
                    "rule",
                    Block::new("rule").attribute(Attribute::optional("x", Type::String, "x")),
                )),
        );
        schema.version = 1;
        schema
    }

    #[test]
    fn upgrade_drops_attributes_the_schema_no_longer_has() {
        let schema = versioned_schema();
        let ty = schema.implied_type();
        let json = br#"{"id":"a","gone":1,"rule":[{"x":"1","old":true}]}"#;
        let state = upgrade_state("t", 1, StoredState::Json(json), &schema, &ty).unwrap();
        let rule = Value::object([("x", Value::string("1"))]);
        assert_eq!(
            state,
            Value::object([
                ("id", Value::string("a")),
                ("rule", Value::List(vec![rule]))
            ])
        );
    }

    #[test]
    fn upgrade_refuses_newer_versions_flatmap_and_bad_json() {
        let schema = versioned_schema();
        let ty = schema.implied_type();
        let summary = |result: Result<Value, Diagnostics>| result.unwrap_err().0[0].summary.clone();
        assert_eq!(
            summary(upgrade_state("t", 2, StoredState::Absent, &schema, &ty)),
            "Resource state from a newer provider"
        );
        assert_eq!(
            summary(upgrade_state("t", 0, StoredState::Flatmap, &schema, &ty)),
            "Unsupported legacy state"
        );
        assert_eq!(
            summary(upgrade_state("t", 0, StoredState::Json(b"{"), &schema, &ty)),
            "Unreadable resource state"
        );
        assert_eq!(
            upgrade_state("t", 0, StoredState::Absent, &schema, &ty).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn data_sources_answer_with_a_known_object() {
        let known = object("a", Value::string("arn:1"));
        assert_eq!(data_source_result("d", known.clone()).unwrap(), known);
        assert!(data_source_result("d", Value::Null).is_err());
        assert!(data_source_result("d", object("a", Value::Unknown)).is_err());
    }

    #[test]
    fn imported_objects_carry_the_requested_type() {
        let objects = imported_objects(
            "t",
            vec![object("a", Value::Null), object("b", Value::Null)],
        );
        assert_eq!(objects.len(), 2);
        assert!(objects.iter().all(|o| o.type_name == "t"));
    }

    #[test]
    fn validation_runs_schema_validators_then_the_types_checks() {
        let block = Block::new("b").attribute(
            Attribute::required("id", Type::String, "id")
                .validate(Validator::Length { min: 2, max: 3 }),
        );
        let diags = validate_config(&block, &object("a", Value::Null), |_, diags| {
            diags.error("own check", "d")
        });
        let summaries: Vec<_> = diags.0.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, ["Invalid attribute value length", "own check"]);
    }
}
