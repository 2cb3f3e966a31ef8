//! The resource-agnostic plan and apply rules of Terraform's lifecycle
//! contract (hashicorp/terraform docs/resource-instance-change-lifecycle.md):
//!
//! - non-computed values are planned exactly as configured;
//! - schema defaults fill null optional attributes;
//! - computed attributes left null by the configuration become unknown only
//!   when something changes, so an unchanged object plans as a no-op;
//! - use-state-for-unknown attributes keep their prior value;
//! - requires-replace paths are reported only where prior and plan differ,
//!   sorted and without duplicates, so plans are deterministic;
//! - apply results keep every known planned value and contain no unknowns.
//!
//! What apply, refresh and import answer is decided in [`super::lifecycle`],
//! which uses [`reconcile_applied`]. Imports the model (values, diagnostics,
//! schemas, the resource trait); never protobuf.

use super::diag::Diagnostics;
use super::provider::{Resource, ResourcePlan};
use super::schema::{Attribute, Block, Nesting};
use super::value::{AttributePath, Value};

/// The result of planning one change.
#[derive(Debug)]
pub struct PlannedChange {
    /// The planned new state (null for a destroy).
    pub planned: Value,
    /// Paths forcing replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Problems found.
    pub diagnostics: Diagnostics,
    /// Private data for the apply; `None` passes the prior's through.
    pub private: Option<Vec<u8>>,
}

/// Plans a change of `resource` from `prior` to what Terraform proposed.
pub fn plan_change(
    resource: &dyn Resource,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> PlannedChange {
    if proposed.is_null() {
        // Destroy: nothing to plan.
        return PlannedChange {
            planned: Value::Null,
            requires_replace: Vec::new(),
            diagnostics: Diagnostics::new(),
            private: None,
        };
    }
    let block = &resource.schema().block;
    let mut planned = proposed.clone();
    apply_defaults(block, config, &mut planned);
    if prior.is_null() || &planned != prior {
        mark_computed_unknown(block, config, &mut planned);
        if !prior.is_null() {
            keep_prior_where_stable(block, prior, &mut planned);
        }
    }
    let mut requires_replace = Vec::new();
    if !prior.is_null() {
        collect_replacements(
            block,
            prior,
            &planned,
            &AttributePath::root(),
            &mut requires_replace,
        );
    }
    let mut plan = ResourcePlan {
        prior,
        config,
        planned,
        requires_replace,
        diagnostics: Diagnostics::new(),
        private: None,
    };
    resource.modify_plan(&mut plan);
    let mut requires_replace = plan.requires_replace;
    if prior.is_null() {
        // Terraform rejects replacement paths on a create.
        requires_replace.clear();
    }
    requires_replace.sort();
    requires_replace.dedup();
    PlannedChange {
        planned: plan.planned,
        requires_replace,
        diagnostics: plan.diagnostics,
        private: plan.private,
    }
}

/// Pairs each nested block element of `planned` with its configuration
/// counterpart. Set elements cannot be correlated and are skipped.
fn for_each_nested(
    block: &Block,
    config: &Value,
    planned: &mut Value,
    mut visit: impl FnMut(&Block, &Value, &mut Value),
) {
    for nested in &block.blocks {
        let config_value = config.get_attr(&nested.name).unwrap_or(&Value::Null);
        let Some(planned_value) = planned.get_attr_mut(&nested.name) else {
            continue;
        };
        match (nested.nesting, planned_value) {
            (Nesting::Single, planned_object @ Value::Object(_)) => {
                visit(&nested.block, config_value, planned_object);
            }
            (Nesting::List, Value::List(items)) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let config_item = match config_value {
                        Value::List(config_items) => {
                            config_items.get(index).unwrap_or(&Value::Null)
                        }
                        _ => &Value::Null,
                    };
                    visit(&nested.block, config_item, item);
                }
            }
            _ => {}
        }
    }
}

fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    plan_unconfigured(block, config, planned, &|attribute| {
        attribute.default.clone()
    });
}

fn mark_computed_unknown(block: &Block, config: &Value, planned: &mut Value) {
    plan_unconfigured(block, config, planned, &|attribute| {
        (attribute.is_computed() && attribute.default.is_none()).then_some(Value::Unknown)
    });
}

/// Plans `fill(attribute)`, where it gives a value, for every attribute (of `block` and its
/// nested blocks) that the configuration leaves null.
fn plan_unconfigured(
    block: &Block,
    config: &Value,
    planned: &mut Value,
    fill: &dyn Fn(&Attribute) -> Option<Value>,
) {
    for attribute in &block.attributes {
        let configured = config.get_attr(&attribute.name).unwrap_or(&Value::Null);
        if !configured.is_null() {
            continue;
        }
        if let (Some(value), Some(slot)) = (fill(attribute), planned.get_attr_mut(&attribute.name))
        {
            *slot = value;
        }
    }
    for_each_nested(block, config, planned, |block, config, planned| {
        plan_unconfigured(block, config, planned, fill)
    });
}

fn keep_prior_where_stable(block: &Block, prior: &Value, planned: &mut Value) {
    for attribute in block.attributes.iter().filter(|a| a.use_state_for_unknown) {
        let Some(prior_value) = prior.get_attr(&attribute.name) else {
            continue;
        };
        if prior_value.is_null() || !prior_value.is_wholly_known() {
            continue;
        }
        if let Some(slot) = planned.get_attr_mut(&attribute.name) {
            if slot.is_unknown() {
                *slot = prior_value.clone();
            }
        }
    }
    for_each_nested(block, prior, planned, keep_prior_where_stable);
}

fn collect_replacements(
    block: &Block,
    prior: &Value,
    planned: &Value,
    path: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    for attribute in block.attributes.iter().filter(|a| a.requires_replace) {
        let before = prior.get_attr(&attribute.name).unwrap_or(&Value::Null);
        let after = planned.get_attr(&attribute.name).unwrap_or(&Value::Null);
        if before != after {
            out.push(path.child_attr(&attribute.name));
        }
    }
    for nested in &block.blocks {
        let before = prior.get_attr(&nested.name).unwrap_or(&Value::Null);
        let after = planned.get_attr(&nested.name).unwrap_or(&Value::Null);
        let nested_path = path.child_attr(&nested.name);
        if nested.requires_replace {
            if before != after {
                out.push(nested_path);
            }
        } else if nested.nesting == Nesting::Single && !before.is_null() && !after.is_null() {
            collect_replacements(&nested.block, before, after, &nested_path, out);
        }
    }
}

/// Makes an apply result honour the plan: every known planned value is kept
/// as planned (Terraform rejects any other), unknowns take the applied value,
/// and an unknown left over becomes null with an error. Returns the merged
/// state; differences are logged, since they indicate a provider bug.
pub fn reconcile_applied(
    planned: &Value,
    applied: Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) -> Value {
    match (planned, applied) {
        (Value::Unknown, applied) => {
            if applied.is_wholly_known() {
                applied
            } else {
                diags.error(
                    "Provider returned an incomplete result",
                    format!("The value of {path} is still unknown after apply. This is a bug in the provider."),
                );
                strip_unknowns(applied)
            }
        }
        (Value::Object(planned_attrs), Value::Object(mut applied_attrs)) => Value::Object(
            planned_attrs
                .iter()
                .map(|(name, planned_value)| {
                    let applied_value = applied_attrs.remove(name).unwrap_or(Value::Null);
                    let merged = reconcile_applied(
                        planned_value,
                        applied_value,
                        &path.child_attr(name),
                        diags,
                    );
                    (name.clone(), merged)
                })
                .collect(),
        ),
        (Value::List(planned_items), Value::List(applied_items))
            if planned_items.len() == applied_items.len() =>
        {
            Value::List(
                planned_items
                    .iter()
                    .zip(applied_items)
                    .enumerate()
                    .map(|(i, (p, a))| reconcile_applied(p, a, &path.child_index(i as i64), diags))
                    .collect(),
            )
        }
        (planned, applied) if planned.is_wholly_known() => {
            if planned != &applied {
                tracing::warn!(path = %path, "apply returned a value other than planned; keeping the planned value");
            }
            planned.clone()
        }
        (_, applied) => {
            if applied.is_wholly_known() {
                applied
            } else {
                strip_unknowns(applied)
            }
        }
    }
}

fn strip_unknowns(value: Value) -> Value {
    match value {
        Value::Unknown => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(strip_unknowns).collect()),
        Value::Set(items) => Value::Set(items.into_iter().map(strip_unknowns).collect()),
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(strip_unknowns).collect()),
        Value::Map(items) => Value::Map(
            items
                .into_iter()
                .map(|(k, v)| (k, strip_unknowns(v)))
                .collect(),
        ),
        Value::Object(items) => Value::Object(
            items
                .into_iter()
                .map(|(k, v)| (k, strip_unknowns(v)))
                .collect(),
        ),
        Value::Dynamic(ty, inner) => Value::Dynamic(ty, Box::new(strip_unknowns(*inner))),
        other => other,
    }
}
