//! Schemas as data: attributes, nested blocks, plan behaviour and validators,
//! with their protocol form and the implied value type.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use regex::{Regex, RegexBuilder};

use super::diag::Diagnostics;
use super::proto::tfplugin6 as pb;
use super::value::{AttributePath, Type, Value};

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

/// Whether `s` starts with `prefix`, ASCII case ignored; by bytes, since the prefix's length
/// may fall inside a character of `s`.
fn starts_with_ignoring_ascii_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// A regular expression compiled on first use. Terraform starts the provider
/// several times per command and some of those runs only read the schema, so
/// compiling every pattern at start-up is paid where nothing is validated.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    source: &'static str,
    compiled: Arc<OnceLock<Option<Regex>>>,
}

impl LazyRegex {
    /// A pattern to compile when first matched.
    pub fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: Arc::default(),
        }
    }

    /// The expression as written.
    pub fn as_str(&self) -> &'static str {
        self.source
    }

    /// Compiles `source` as AWS does: Smithy patterns are ECMA-262, whose `\d` and `\w` are
    /// ASCII, so Unicode classes are off. Patterns with `.` or negated classes do not compile
    /// in that mode (a test compiles every schema pattern) rather than matching differently.
    pub fn compile(source: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(source).unicode(false).build()
    }

    /// Whether `text` matches; an invalid expression matches everything.
    pub fn is_match(&self, text: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| {
            Self::compile(self.source)
                .map_err(|err| tracing::error!(error = %err, regex = self.source, "invalid schema pattern"))
                .ok()
        });
        compiled.as_ref().is_none_or(|regex| regex.is_match(text))
    }
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

    fn check(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if !value.is_wholly_known() && !matches!(self, Validator::Elements(_) | Validator::Keys(_))
        {
            return;
        }
        match (self, value.without_dynamic()) {
            (Validator::Length { min, max }, Value::String(s)) => {
                let len = s.chars().count();
                if len < *min || len > *max {
                    let bound = if *max == usize::MAX {
                        format!("at least {min}")
                    } else {
                        format!("between {min} and {max}")
                    };
                    diags.attribute_error(
                        path.clone(),
                        "Invalid attribute value length",
                        format!("{path} must be {bound} characters long; got {len}."),
                    );
                }
            }
            (Validator::Pattern { regex, explanation }, Value::String(s)) if !regex.is_match(s) => {
                diags.attribute_error(
                    path.clone(),
                    "Invalid attribute value",
                    format!("{path} {explanation}; got {s:?}."),
                );
            }
            (Validator::OneOf(allowed), Value::String(s)) if !allowed.contains(&s.as_str()) => {
                let allowed = allowed
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                diags.attribute_error(
                    path.clone(),
                    "Invalid attribute value",
                    format!("{path} must be one of {allowed}; got {s:?}."),
                );
            }
            (Validator::Duration, Value::String(s)) => {
                if let Err(reason) = parse_duration(s) {
                    diags.attribute_error(
                        path.clone(),
                        "Invalid duration",
                        format!("{path}: {reason}. Use a number and a unit, such as \"30s\", \"10m\" or \"1h30m\"."),
                    );
                }
            }
            (Validator::Count { min, max }, value) => {
                let count = match value {
                    Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.len(),
                    Value::Map(items) => items.len(),
                    _ => return,
                };
                if count < *min || count > *max {
                    diags.attribute_error(
                        path.clone(),
                        "Invalid number of elements",
                        format!("{path} must have between {min} and {max} elements; got {count}."),
                    );
                }
            }
            (Validator::IntRange { min, max }, Value::Number(number)) => {
                let in_range =
                    number.to_i64().is_some_and(|n| n >= *min && n <= *max) && number.is_integer();
                if !in_range {
                    diags.attribute_error(
                        path.clone(),
                        "Invalid attribute value",
                        format!(
                            "{path} must be a whole number between {min} and {max}; got {number}."
                        ),
                    );
                }
            }
            (Validator::Keys(inner), Value::Map(items)) => {
                for key in items.keys() {
                    inner.check(&Value::string(key.clone()), &path.child_key(key), diags);
                }
            }
            (Validator::Elements(inner), Value::Map(items)) => {
                for (key, item) in items {
                    inner.check(item, &path.child_key(key), diags);
                }
            }
            (Validator::Elements(inner), Value::List(items) | Value::Tuple(items)) => {
                for (index, item) in items.iter().enumerate() {
                    inner.check(item, &path.child_index(index as i64), diags);
                }
            }
            // Set elements cannot be addressed: report on the set.
            (Validator::Elements(inner), Value::Set(items)) => {
                for item in items {
                    inner.check(item, path, diags);
                }
            }
            (Validator::NoPrefix { prefix, reason }, Value::String(s))
                if starts_with_ignoring_ascii_case(s, prefix) =>
            {
                diags.attribute_error(
                    path.clone(),
                    "Reserved prefix",
                    format!("{path}: {s:?} starts with {prefix:?}, {reason}."),
                );
            }
            _ => {}
        }
    }
}

/// Parses a Go-style duration: one or more number+unit pairs (`ms`, `s`,
/// `m`, `h`), e.g. `90s`, `1h30m`, `1.5h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the duration is empty".into());
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("{text:?} is not a duration"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("{text:?} is not a duration"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("{text:?} has a number without a unit")),
            unit => return Err(format!("{text:?} has an unknown unit {unit:?}")),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).map_err(|_| format!("{text:?} is out of range"))
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

    fn to_proto(&self) -> pb::schema::Attribute {
        pb::schema::Attribute {
            name: self.name.clone(),
            r#type: self.ty.to_json(),
            nested_type: None,
            description: self.description.clone(),
            required: self.presence == Presence::Required,
            optional: matches!(
                self.presence,
                Presence::Optional | Presence::OptionalComputed
            ),
            computed: self.is_computed(),
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            write_only: false,
        }
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

    fn to_proto(&self) -> pb::schema::NestedBlock {
        use pb::schema::nested_block::NestingMode;
        pb::schema::NestedBlock {
            type_name: self.name.clone(),
            block: Some(self.block.to_proto()),
            nesting: match self.nesting {
                Nesting::Single => NestingMode::Single,
                Nesting::List => NestingMode::List,
                Nesting::Set => NestingMode::Set,
            } as i32,
            min_items: self.min_items,
            max_items: self.max_items,
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

    /// The protocol form.
    pub fn to_proto(&self) -> pb::schema::Block {
        pb::schema::Block {
            version: 0,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self.blocks.iter().map(NestedBlock::to_proto).collect(),
            description: self.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecated,
        }
    }

    /// Runs every validator on the known parts of a configuration value.
    /// Unknown values are skipped: Terraform validates again once they are known.
    pub fn validate(&self, config: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if !matches!(config, Value::Object(_)) {
            return;
        }
        for attribute in &self.attributes {
            let Some(value) = config.get_attr(&attribute.name) else {
                continue;
            };
            if value.is_null() || value.is_unknown() {
                continue;
            }
            let attribute_path = path.child_attr(&attribute.name);
            for validator in &attribute.validators {
                validator.check(value, &attribute_path, diags);
            }
        }
        for nested in &self.blocks {
            let Some(value) = config.get_attr(&nested.name) else {
                continue;
            };
            for (element_path, element) in nested.elements(value, &path.child_attr(&nested.name)) {
                nested.block.validate(element, &element_path, diags);
            }
        }
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

    /// The protocol form.
    pub fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(self.block.to_proto()),
        }
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

/// The timeout for `operation` from a value's `timeouts` block, else `default`.
pub fn timeout_from(value: &Value, operation: &str, default: Duration) -> Duration {
    value
        .get_attr("timeouts")
        .and_then(|t| t.get_attr(operation))
        .and_then(Value::as_str)
        .and_then(|s| parse_duration(s).ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        for bad in ["", "10", "m", "10x", "1h-5m", "ten minutes"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns_use_ascii_classes() {
        let digits = LazyRegex::new(r"^\d+$");
        assert!(digits.is_match("123"));
        assert!(!digits.is_match("1\u{663}"));
        let word = LazyRegex::new(r"^[\w-]+$");
        assert!(word.is_match("a_b-c"));
        assert!(!word.is_match("é"));
    }

    #[test]
    fn reserved_prefixes_ignore_ascii_case() {
        assert!(starts_with_ignoring_ascii_case("AWS:x", "aws:"));
        assert!(starts_with_ignoring_ascii_case("aws:", "aws:"));
        assert!(!starts_with_ignoring_ascii_case("abcé", "aws:"));
        assert!(!starts_with_ignoring_ascii_case("aw", "aws:"));
    }

    #[test]
    fn validators_name_the_attribute() {
        let block = Block::new("b")
            .attribute(
                Attribute::required("name", Type::String, "n")
                    .validate(Validator::Length { min: 1, max: 3 })
                    .validate(Validator::pattern("^[a-z]+$", "must be lowercase letters")),
            )
            .attribute(
                Attribute::optional("tags", Type::Map(Box::new(Type::String)), "t").validate(
                    Validator::Keys(Box::new(Validator::NoPrefix {
                        prefix: "aws:",
                        reason: "which AWS reserves",
                    })),
                ),
            );
        let config = Value::object([
            ("name", Value::string("ABCD")),
            (
                "tags",
                Value::Map([("aws:x".to_string(), Value::string("1"))].into()),
            ),
        ]);
        let mut diags = Diagnostics::new();
        block.validate(&config, &AttributePath::root(), &mut diags);
        let paths: Vec<String> = diags
            .0
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths.len(), 3, "{diags:?}");
        assert!(paths.contains(&"name".to_string()));
        assert!(paths.iter().any(|p| p.starts_with("tags")));

        let unknown = Value::object([("name", Value::Unknown), ("tags", Value::Null)]);
        let mut diags = Diagnostics::new();
        block.validate(&unknown, &AttributePath::root(), &mut diags);
        assert!(diags.is_empty());
    }
}
