//! The resource-agnostic plan and apply rules of Terraform's lifecycle
//! contract (hashicorp/terraform docs/resource-instance-change-lifecycle.md):
//!
//! - non-computed values are planned exactly as configured;
//! - schema defaults fill null optional attributes;
//! - computed attributes left null by the configuration become unknown only
//!   when something changes, so an unchanged object plans as a no-op;
//! - use-state-for-unknown attributes keep their known, non-null prior value
//!   only where the configuration leaves them null, as the framework's
//!   `UseStateForUnknown` does (it returns when the config value is
//!   unknown): a configured unknown, such as another resource's attribute
//!   that the apply will change, stays unknown, so requires-replace sees it
//!   and the apply matches the plan;
//! - nested block elements are planned with their configuration (and prior)
//!   element: a single block with its own, list elements by index; an
//!   unknown configuration element counts as configured throughout;
//! - set block elements are left as Terraform proposed them: they cannot be
//!   paired with their configuration or prior element (the framework pairs
//!   them by position, which can take another element's value). Terraform's
//!   proposed new state already carries prior computed values into an
//!   element whose non-computed values match a prior one, and never into an
//!   element with an unknown;
//! - requires-replace paths are reported only where prior and plan differ,
//!   sorted and without duplicates, so plans are deterministic;
//! - apply results keep every known planned value and contain no unknowns.
//!
//! What apply, refresh and import answer is decided in [`super::lifecycle`],
//! which uses [`reconcile_applied`]. Imports the model (values, diagnostics,
//! schemas, the resource trait); never protobuf.

use super::diag::Diagnostics;
use super::provider::{OpContext, Resource, ResourcePlan};
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
pub async fn plan_change(
    resource: &dyn Resource,
    ctx: &OpContext,
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
            keep_prior_where_stable(block, config, prior, &mut planned);
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
    resource.modify_plan(ctx, &mut plan).await;
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

/// [`plan_change`] run to completion on a runtime of its own, for unit
/// tests of a resource's planning.
#[cfg(test)]
pub(crate) fn plan_change_now(
    resource: &dyn Resource,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> PlannedChange {
    let ctx = OpContext {
        cancel: tokio_util::sync::CancellationToken::new(),
        private: Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| unreachable!("a test runtime: {err}"));
    runtime.block_on(plan_change(resource, &ctx, prior, proposed, config))
}

/// Pairs each nested block element of `planned` with its counterpart in
/// each of `others` (the configuration, and the prior state where needed):
/// a single block with the other's, list elements by index. Set elements
/// cannot be paired and are skipped (see the module doc).
fn for_each_nested<const N: usize>(
    block: &Block,
    others: [&Value; N],
    planned: &mut Value,
    mut visit: impl FnMut(&Block, [&Value; N], &mut Value),
) {
    for nested in &block.blocks {
        let Some(planned_value) = planned.get_attr_mut(&nested.name) else {
            continue;
        };
        let others = others.map(|other| attr_of(other, &nested.name));
        match (nested.nesting, planned_value) {
            (Nesting::Single, planned_object @ Value::Object(_)) => {
                visit(&nested.block, others, planned_object);
            }
            (Nesting::List, Value::List(items)) => {
                for (index, item) in items.iter_mut().enumerate() {
                    visit(&nested.block, others.map(|o| element_of(o, index)), item);
                }
            }
            _ => {}
        }
    }
}

/// Attribute `name` of `object`: unknown throughout an unknown object (a
/// configured unknown stays one at every depth), null when absent.
fn attr_of<'a>(object: &'a Value, name: &str) -> &'a Value {
    if object.is_unknown() {
        return &Value::Unknown;
    }
    object.get_attr(name).unwrap_or(&Value::Null)
}

/// Element `index` of a list: unknown in an unknown list, else null when
/// absent.
fn element_of(list: &Value, index: usize) -> &Value {
    match list {
        Value::Unknown => &Value::Unknown,
        Value::List(items) => items.get(index).unwrap_or(&Value::Null),
        _ => &Value::Null,
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
        if !attr_of(config, &attribute.name).is_null() {
            continue;
        }
        if let (Some(value), Some(slot)) = (fill(attribute), planned.get_attr_mut(&attribute.name))
        {
            *slot = value;
        }
    }
    for_each_nested(block, [config], planned, |block, [config], planned| {
        plan_unconfigured(block, config, planned, fill)
    });
}

/// Plans the prior value of each use-state-for-unknown attribute that the
/// configuration leaves null and [`mark_computed_unknown`] made unknown. A
/// configured unknown is not touched: the value will change, and planning the
/// prior one would hide a replacement and break the apply.
fn keep_prior_where_stable(block: &Block, config: &Value, prior: &Value, planned: &mut Value) {
    for attribute in block.attributes.iter().filter(|a| a.use_state_for_unknown) {
        if !attr_of(config, &attribute.name).is_null() {
            continue;
        }
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
    for_each_nested(
        block,
        [config, prior],
        planned,
        |block, [config, prior], planned| keep_prior_where_stable(block, config, prior, planned),
    );
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome};
    use crate::plugin::schema::{NestedBlock, Schema};
    use crate::plugin::value::Type;

    /// A resource with the attribute kinds the rules distinguish, at the top
    /// level, in a list block and in a set block: `major` is like a
    /// version's `major_version` (optional, computed, kept, forcing
    /// replacement), `status` like its `status`, `arn` a kept computed value
    /// and `modified` one that moves on every update.
    struct Thing {
        schema: Schema,
    }

    fn element_block() -> Block {
        Block::new("An element.")
            .attribute(Attribute::required("value", Type::String, ""))
            .attribute(
                Attribute::optional_computed("mode", Type::String, "").use_state_for_unknown(),
            )
            .attribute(Attribute::computed("eid", Type::String, "").use_state_for_unknown())
    }

    impl Thing {
        fn new() -> Self {
            let block = Block::new("A thing.")
                .attribute(Attribute::required("name", Type::String, ""))
                .attribute(
                    Attribute::optional_computed("major", Type::String, "")
                        .requires_replace()
                        .use_state_for_unknown(),
                )
                .attribute(
                    Attribute::optional_computed("status", Type::String, "")
                        .use_state_for_unknown(),
                )
                .attribute(Attribute::computed("arn", Type::String, "").use_state_for_unknown())
                .attribute(Attribute::computed("modified", Type::String, ""))
                .nested(NestedBlock::list("rule", element_block()))
                .nested(NestedBlock::set("member", element_block()));
            Self {
                schema: Schema::new(block),
            }
        }
    }

    #[async_trait::async_trait]
    impl Resource for Thing {
        fn type_name(&self) -> &'static str {
            "test_thing"
        }
        fn schema(&self) -> &Schema {
            &self.schema
        }
        async fn create(&self, _: &OpContext, _: &Value, _: &Value) -> ApplyOutcome {
            ApplyOutcome::default()
        }
        async fn read(&self, _: &OpContext, _: &Value) -> ReadOutcome {
            ReadOutcome::Gone
        }
        async fn update(&self, _: &OpContext, _: &Value, _: &Value, _: &Value) -> ApplyOutcome {
            ApplyOutcome::default()
        }
        async fn delete(&self, _: &OpContext, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn import(&self, _: &OpContext, _: &str) -> Result<Vec<Value>, Diagnostics> {
            Ok(Vec::new())
        }
    }

    fn s(text: &str) -> Value {
        Value::string(text)
    }

    fn element(value: &str, mode: Value, eid: Value) -> Value {
        Value::object([("value", s(value)), ("mode", mode), ("eid", eid)])
    }

    /// A thing with the given top-level `major` and `status`, rules and members.
    fn thing(major: Value, status: Value, rules: Vec<Value>, members: Vec<Value>) -> Value {
        Value::object([
            ("name", s("a")),
            ("major", major),
            ("status", status),
            ("arn", s("arn:1")),
            ("modified", s("t1")),
            ("rule", Value::List(rules)),
            ("member", Value::Set(members)),
        ])
    }

    /// Sets attribute `name` of an object.
    fn with(mut object: Value, name: &str, value: Value) -> Value {
        *object.get_attr_mut(name).unwrap() = value;
        object
    }

    fn prior() -> Value {
        thing(
            s("1"),
            s("PUBLISHED"),
            vec![element("r", s("m1"), s("rule-1"))],
            vec![element("x", s("m2"), s("member-1"))],
        )
    }

    /// The configuration of `prior` as written: computed values null.
    fn config() -> Value {
        let config = thing(
            Value::Null,
            Value::Null,
            vec![element("r", Value::Null, Value::Null)],
            vec![element("x", Value::Null, Value::Null)],
        );
        with(with(config, "arn", Value::Null), "modified", Value::Null)
    }

    /// Terraform's proposed new state (objchange.ProposedNew): configured
    /// values, and prior values where a computed attribute is configured
    /// null. List elements pair by index; a set element pairs with a prior
    /// element whose non-computed values equal its own (so never one with
    /// an unknown).
    fn proposed(block: &Block, prior: &Value, config: &Value) -> Value {
        let Value::Object(config_attrs) = config else {
            return config.clone();
        };
        let mut out = config_attrs.clone();
        for attribute in &block.attributes {
            let configured = &config_attrs[&attribute.name];
            if attribute.is_computed() && configured.is_null() {
                out.insert(
                    attribute.name.clone(),
                    prior
                        .get_attr(&attribute.name)
                        .cloned()
                        .unwrap_or(Value::Null),
                );
            }
        }
        for nested in &block.blocks {
            let prior_items = match prior.get_attr(&nested.name) {
                Some(Value::List(items) | Value::Set(items)) => items.clone(),
                _ => Vec::new(),
            };
            let value = match &config_attrs[&nested.name] {
                Value::List(items) => Value::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let prior = prior_items.get(i).unwrap_or(&Value::Null);
                            proposed(&nested.block, prior, item)
                        })
                        .collect(),
                ),
                Value::Set(items) => Value::Set(
                    items
                        .iter()
                        .map(|item| {
                            let matching = prior_items.iter().find(|p| {
                                let mut compare = (*p).clone();
                                for a in nested.block.attributes.iter().filter(|a| a.is_computed())
                                {
                                    *compare.get_attr_mut(&a.name).unwrap() = Value::Null;
                                }
                                &compare == item
                            });
                            proposed(&nested.block, matching.unwrap_or(&Value::Null), item)
                        })
                        .collect(),
                ),
                other => other.clone(),
            };
            out.insert(nested.name.clone(), value);
        }
        Value::Object(out)
    }

    fn plan(prior: &Value, config: &Value) -> PlannedChange {
        let thing = Thing::new();
        let proposed = proposed(&thing.schema.block, prior, config);
        plan_change_now(&thing, prior, &proposed, config)
    }

    fn rule(planned: &Value) -> &Value {
        match planned.get_attr("rule").unwrap() {
            Value::List(items) => &items[0],
            other => panic!("rule is {other:?}"),
        }
    }

    fn members(planned: &Value) -> &[Value] {
        match planned.get_attr("member").unwrap() {
            Value::Set(items) => items,
            other => panic!("member is {other:?}"),
        }
    }

    #[test]
    fn an_unchanged_configuration_plans_the_prior_state() {
        let change = plan(&prior(), &config());
        assert_eq!(change.planned, prior());
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn a_configured_unknown_top_level_attribute_stays_unknown() {
        // `major = other.major` where `other` is being replaced, or
        // `status = var.published ? "PUBLISHED" : other.status`: unknown
        // until apply. Null-configured kept attributes still plan the prior
        // value; a configured unknown must not, or the plan hides the
        // replacement it forces (major) or promises a status the apply may
        // not set.
        for (name, forces_replacement) in [("major", true), ("status", false)] {
            let config = with(config(), name, Value::Unknown);
            let change = plan(&prior(), &config);
            let planned = &change.planned;
            assert_eq!(planned.get_attr(name), Some(&Value::Unknown), "{name}");
            let replaced = change.requires_replace == [AttributePath::attr(name)];
            assert_eq!(replaced, forces_replacement, "{name}");
            assert!(replaced || change.requires_replace.is_empty(), "{name}");
            assert_eq!(planned.get_attr("arn"), Some(&s("arn:1")), "{name}");
            if name == "major" {
                assert_eq!(planned.get_attr("status"), Some(&s("PUBLISHED")));
                assert_eq!(planned.get_attr("modified"), Some(&Value::Unknown));
            } else {
                assert_eq!(planned.get_attr("major"), Some(&s("1")));
            }
        }
    }

    #[test]
    fn a_configured_unknown_in_a_nested_block_stays_unknown() {
        let config = with(
            config(),
            "rule",
            Value::List(vec![element("r", Value::Unknown, Value::Null)]),
        );
        let change = plan(&prior(), &config);
        let planned = &change.planned;
        assert_eq!(rule(planned).get_attr("mode"), Some(&Value::Unknown));
        // Left null by the configuration: the prior value, here and above.
        assert_eq!(rule(planned).get_attr("eid"), Some(&s("rule-1")));
        assert_eq!(planned.get_attr("major"), Some(&s("1")));
        assert_eq!(planned.get_attr("arn"), Some(&s("arn:1")));
    }

    #[test]
    fn a_configured_unknown_in_a_set_element_stays_unknown() {
        // A set element cannot be paired with its configuration, so the
        // engine leaves set elements as Terraform proposed them: the prior
        // values Terraform carried into the element it matched stay, and
        // an element with an unknown, which Terraform never matches, gets
        // none.
        let mut prior = prior();
        *prior.get_attr_mut("member").unwrap() = Value::Set(vec![
            element("x", s("m2"), s("member-1")),
            element("y", s("m3"), s("member-2")),
        ]);
        let config = with(
            config(),
            "member",
            Value::Set(vec![
                element("x", Value::Null, Value::Null),
                element("y", Value::Unknown, Value::Null),
            ]),
        );
        let change = plan(&prior, &config);
        let members = members(&change.planned);
        assert_eq!(members.len(), 2);
        assert!(members.contains(&element("x", s("m2"), s("member-1"))));
        let y = members
            .iter()
            .find(|m| m.get_attr("value") == Some(&s("y")));
        let y = y.unwrap();
        assert_eq!(y.get_attr("mode"), Some(&Value::Unknown));
        // Never another element's value (pairing by position would give one).
        let eid = y.get_attr("eid").unwrap();
        assert!(eid.is_null() || eid.is_unknown(), "{eid:?}");
    }
}
