//! Configuration values derived from states, for GenerateResourceConfig:
//! Terraform renders them as HCL for `-generate-config-out` and writes every
//! non-null attribute it is given, computed ones included, so a generated
//! value must hold only what a user may configure.
//!
//! [`Block::legacy_config`] is Terraform's own extraction
//! (`ExtractLegacyConfigFromState` in hashicorp/terraform internal/genconfig),
//! used when a provider does not advertise the RPC: a resource that does not
//! shape its own configuration answers what Terraform would have generated.
//! [`Block::configurable_only`] is applied to every answer, so no hook can
//! leak a read-only attribute into generated HCL.

use super::{Attribute, Block, Nesting, Presence};
use crate::plugin::value::Value;

impl Block {
    /// Terraform's legacy extraction of a configuration from a state:
    /// deprecated attributes and blocks, computed-only attributes, an
    /// optional+computed top-level `id` and empty optional strings become
    /// null; the rest is kept.
    pub fn legacy_config(&self, state: &Value) -> Value {
        extract(self, state, true)
    }

    /// `config` with every computed-only attribute (at any depth of nested
    /// blocks) null: configuration can never set one.
    pub fn configurable_only(&self, config: Value) -> Value {
        let Value::Object(mut attributes) = config else {
            return config;
        };
        for attribute in &self.attributes {
            if attribute.presence == Presence::Computed {
                if let Some(slot) = attributes.get_mut(&attribute.name) {
                    *slot = Value::Null;
                }
            }
        }
        for nested in &self.blocks {
            if let Some(slot) = attributes.get_mut(&nested.name) {
                let value = std::mem::replace(slot, Value::Null);
                *slot = map_block_elements(nested.nesting, value, |element| {
                    nested.block.configurable_only(element)
                });
            }
        }
        Value::Object(attributes)
    }
}

fn extract(block: &Block, value: &Value, top_level: bool) -> Value {
    let Value::Object(attributes) = value else {
        return value.clone();
    };
    let mut config = attributes.clone();
    for attribute in &block.attributes {
        if let Some(slot) = config.get_mut(&attribute.name) {
            if !keeps(attribute, slot, top_level) {
                *slot = Value::Null;
            }
        }
    }
    for nested in &block.blocks {
        if let Some(slot) = config.get_mut(&nested.name) {
            let value = std::mem::replace(slot, Value::Null);
            *slot = if nested.block.deprecated {
                Value::Null
            } else {
                map_block_elements(nested.nesting, value, |element| {
                    extract(&nested.block, &element, false)
                })
            };
        }
    }
    Value::Object(config)
}

/// Whether the legacy extraction keeps an attribute's value.
fn keeps(attribute: &Attribute, value: &Value, top_level: bool) -> bool {
    if attribute.deprecated || attribute.presence == Presence::Computed {
        return false;
    }
    if top_level && attribute.name == "id" && attribute.presence == Presence::OptionalComputed {
        // The legacy SDK's implied id: configuring it fails validation.
        return false;
    }
    let optional = matches!(
        attribute.presence,
        Presence::Optional | Presence::OptionalComputed
    );
    !(optional && value.as_str() == Some(""))
}

fn map_block_elements(nesting: Nesting, value: Value, mut f: impl FnMut(Value) -> Value) -> Value {
    match (nesting, value) {
        (Nesting::Single, object @ Value::Object(_)) => f(object),
        (Nesting::List, Value::List(items)) => Value::List(items.into_iter().map(f).collect()),
        (Nesting::Set, Value::Set(items)) => Value::Set(items.into_iter().map(f).collect()),
        (_, other) => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::NestedBlock;
    use crate::plugin::value::Type;

    fn block() -> Block {
        let mut old = Attribute::optional("old", Type::String, "Deprecated.");
        old.deprecated = true;
        Block::new("r")
            .attribute(Attribute::optional_computed("id", Type::String, "Id."))
            .attribute(Attribute::required("name", Type::String, "Name."))
            .attribute(Attribute::optional("note", Type::String, "Note."))
            .attribute(Attribute::optional_computed("mode", Type::String, "Mode."))
            .attribute(Attribute::computed("arn", Type::String, "ARN."))
            .attribute(old)
            .nested(NestedBlock::list(
                "rule",
                Block::new("rule")
                    .attribute(Attribute::optional_computed("id", Type::String, "Id."))
                    .attribute(Attribute::computed("status", Type::String, "Status.")),
            ))
    }

    fn state() -> Value {
        Value::object([
            ("id", Value::string("i-1")),
            ("name", Value::string("web")),
            ("note", Value::string("")),
            ("mode", Value::string("auto")),
            ("arn", Value::string("arn:1")),
            ("old", Value::string("x")),
            (
                "rule",
                Value::List(vec![Value::object([
                    ("id", Value::string("r-1")),
                    ("status", Value::string("ok")),
                ])]),
            ),
        ])
    }

    #[test]
    fn legacy_extraction_drops_what_configuration_cannot_or_need_not_set() {
        let config = block().legacy_config(&state());
        let expected = Value::object([
            ("id", Value::Null),
            ("name", Value::string("web")),
            ("note", Value::Null),
            ("mode", Value::string("auto")),
            ("arn", Value::Null),
            ("old", Value::Null),
            (
                "rule",
                // Only the top-level id is the legacy SDK's; a nested one stays.
                Value::List(vec![Value::object([
                    ("id", Value::string("r-1")),
                    ("status", Value::Null),
                ])]),
            ),
        ]);
        assert_eq!(config, expected);
    }

    #[test]
    fn legacy_extraction_of_null_is_null_and_empty_required_strings_stay() {
        assert_eq!(block().legacy_config(&Value::Null), Value::Null);
        let mut empty_name = state();
        *empty_name.get_attr_mut("name").unwrap() = Value::string("");
        let config = block().legacy_config(&empty_name);
        assert_eq!(config.get_attr("name"), Some(&Value::string("")));
    }

    #[test]
    fn deprecated_blocks_become_null() {
        let mut block = block();
        block.blocks[0].block.deprecated = true;
        assert_eq!(
            block.legacy_config(&state()).get_attr("rule"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn configurable_only_nulls_computed_only_attributes_at_every_depth() {
        let config = block().configurable_only(state());
        assert_eq!(config.get_attr("arn"), Some(&Value::Null));
        assert_eq!(config.get_attr("id"), Some(&Value::string("i-1")));
        assert_eq!(config.get_attr("note"), Some(&Value::string("")));
        let rule = Value::object([("id", Value::string("r-1")), ("status", Value::Null)]);
        assert_eq!(config.get_attr("rule"), Some(&Value::List(vec![rule])));
    }
}
