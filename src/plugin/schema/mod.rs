//! Schemas as data: attributes, nested blocks, plan behaviour and the
//! validators attached to them, with the implied value type of each block.
//!
//! This module owns the data model only. Checking values against validators
//! lives in `validate` (with the regex cache it needs), configuration derived
//! from a state in `generated`, identity schemas in `identity`, Go durations
//! in `duration`, and the protocol form of a schema in `plugin::wire`. It
//! imports the value model and diagnostics, never protobuf.

use std::time::Duration;

use super::value::{AttributePath, Type, Value};

mod duration;
mod generated;
mod identity;
mod validate;

pub use duration::parse_duration;
pub use identity::{ForImport, IdentityAttribute, IdentitySchema};
pub use validate::{validate_value, LazyRegex};

/// A resource, data source or provider schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// State version; bump it when the stored shape changes.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A block: attributes and nested blocks.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Markdown description.
    pub description: String,
    /// Attributes, in documentation order.
    pub attributes: Vec<Attribute>,
    /// Nested blocks.
    pub blocks: Vec<NestedBlock>,
    /// Whether the block is deprecated.
    pub deprecated: bool,
}

/// Who sets an attribute: the configuration, the provider, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Must be set in configuration.
    Required,
    /// May be set in configuration; null otherwise.
    Optional,
    /// Set by the provider only.
    Computed,
    /// May be set; the provider decides when it is not.
    OptionalComputed,
}

/// One attribute.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Name, `[a-z0-9_]+`.
    pub name: String,
    /// Value type.
    pub ty: Type,
    /// Markdown description.
    pub description: String,
    /// Required, optional, computed or both.
    pub presence: Presence,
    /// Hidden in plan output and logs.
    pub sensitive: bool,
    /// Value planned when the configuration leaves it null.
    pub default: Option<Value>,
    /// A change replaces the object instead of updating it.
    pub requires_replace: bool,
    /// A computed value that does not change once set: plan the prior value
    /// rather than "known after apply".
    pub use_state_for_unknown: bool,
    /// Checks run on known configuration values.
    pub validators: Vec<Validator>,
    /// Whether the attribute is deprecated.
    pub deprecated: bool,
}

/// How often a nested block may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most once; an object or null.
    Single,
    /// An ordered list of blocks.
    List,
    /// An unordered set of blocks: order never makes a diff.
    Set,
}

/// A nested block type.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    /// Block type name.
    pub name: String,
    /// Single, list or set.
    pub nesting: Nesting,
    /// Minimum count (Terraform enforces it).
    pub min_items: i64,
    /// Maximum count, 0 for no limit (Terraform enforces it).
    pub max_items: i64,
    /// The block's content.
    pub block: Block,
    /// A change replaces the object.
    pub requires_replace: bool,
}

/// A check on a known configuration value.
#[derive(Debug, Clone)]
pub enum Validator {
    /// String length in characters, inclusive.
    Length {
        /// Minimum.
        min: usize,
        /// Maximum.
        max: usize,
    },
    /// String matching a regular expression, explained in words.
    Pattern {
        /// The expression, anchored by the author.
        regex: LazyRegex,
        /// What a valid value looks like, for the error.
        explanation: &'static str,
    },
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// A duration string such as `30s`, `10m` or `1h30m`.
    Duration,
    /// Number of elements of a collection, inclusive.
    Count {
        /// Minimum.
        min: usize,
        /// Maximum.
        max: usize,
    },
    /// A whole number within bounds, inclusive.
    IntRange {
        /// Minimum.
        min: i64,
        /// Maximum.
        max: i64,
    },
    /// Applies a validator to every map key.
    Keys(Box<Validator>),
    /// Applies a validator to every element or map value.
    Elements(Box<Validator>),
    /// A map key or string that must not start with a prefix (ASCII case ignored, as AWS
    /// reserves `aws:` in any case).
    NoPrefix {
        /// The reserved prefix.
        prefix: &'static str,
        /// Why it is reserved.
        reason: &'static str,
    },
}

impl Validator {
    /// A pattern validator. The expression is part of the schema, written by
    /// us; an invalid one is caught by the schema tests, and at run time
    /// becomes a validator that rejects nothing rather than a panic.
    pub fn pattern(regex: &'static str, explanation: &'static str) -> Self {
        Validator::Pattern {
            regex: LazyRegex::new(regex),
            explanation,
        }
    }
}

impl Attribute {
    fn new(name: &str, ty: Type, presence: Presence, description: &str) -> Self {
        Self {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            presence,
            sensitive: false,
            default: None,
            requires_replace: false,
            use_state_for_unknown: false,
            validators: Vec::new(),
            deprecated: false,
        }
    }

    /// A required attribute.
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Presence::Required, description)
    }

    /// An optional attribute.
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Presence::Optional, description)
    }

    /// A computed attribute.
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Presence::Computed, description)
    }

    /// An optional attribute the provider fills in when unset.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Self::new(name, ty, Presence::OptionalComputed, description)
    }

    /// Marks it sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Makes a change replace the object.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// Keeps the prior value in plans instead of "known after apply".
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    /// Sets the value planned when configuration leaves it null.
    pub fn default_value(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }

    /// Adds a validator.
    pub fn validate(mut self, validator: Validator) -> Self {
        self.validators.push(validator);
        self
    }

    /// Whether configuration may set it.
    pub fn is_configurable(&self) -> bool {
        self.presence != Presence::Computed
    }

    /// Whether the provider may set it.
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }
}

impl NestedBlock {
    fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        Self {
            name: name.to_string(),
            nesting,
            min_items: 0,
            max_items: 0,
            block,
            requires_replace: false,
        }
    }

    /// A block that appears at most once.
    pub fn single(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::Single, block)
    }

    /// A block that must appear exactly once.
    pub fn single_required(name: &str, block: Block) -> Self {
        let mut nested = Self::new(name, Nesting::Single, block);
        nested.min_items = 1;
        nested.max_items = 1;
        nested
    }

    /// A repeatable, ordered block.
    pub fn list(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::List, block)
    }

    /// A repeatable, unordered block.
    pub fn set(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::Set, block)
    }

    /// Sets the count bounds (`max` 0 = unbounded).
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// Makes a change replace the object.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// The value type of this block inside its parent object.
    pub fn value_type(&self) -> Type {
        let object = self.block.implied_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List => Type::List(Box::new(object)),
            Nesting::Set => Type::Set(Box::new(object)),
        }
    }

    /// The elements of this block in a value, with their paths.
    pub fn elements<'a>(
        &self,
        value: &'a Value,
        path: &AttributePath,
    ) -> Vec<(AttributePath, &'a Value)> {
        match (self.nesting, value) {
            (Nesting::Single, Value::Object(_)) => vec![(path.clone(), value)],
            (Nesting::List, Value::List(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (path.child_index(i as i64), item))
                .collect(),
            (Nesting::Set, Value::Set(items)) => {
                items.iter().map(|item| (path.clone(), item)).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl Block {
    /// An empty block with a description.
    pub fn new(description: &str) -> Self {
        Self {
            description: description.to_string(),
            ..Self::default()
        }
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds a nested block.
    pub fn nested(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Looks up an attribute.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Looks up a nested block.
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// The object type of a value of this block.
    pub fn implied_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .chain(self.blocks.iter().map(|b| (b.name.clone(), b.value_type())))
                .collect(),
        )
    }
}

impl Schema {
    /// A version-0 schema.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// The object type of a value of this schema.
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }
}

/// The conventional `timeouts` block: one optional duration per operation.
pub fn timeouts_block(operations: &[(&str, &str)]) -> NestedBlock {
    let mut block =
        Block::new("How long each operation may take, as a duration such as `30s`, `10m` or `1h`.");
    let mut operations = operations.to_vec();
    operations.sort_unstable();
    for (operation, default) in operations {
        block = block.attribute(
            Attribute::optional(
                operation,
                Type::String,
                &format!("Time allowed for {operation}. Default `{default}`."),
            )
            .validate(Validator::Duration),
        );
    }
    NestedBlock::single("timeouts", block)
}

/// The timeout for `operation` from a `timeouts` block, else `default`.
pub fn timeout_from(timeouts: &Value, operation: &str, default: Duration) -> Duration {
    timeouts
        .get_attr(operation)
        .and_then(Value::as_str)
        .and_then(|s| parse_duration(s).ok())
        .unwrap_or(default)
}
