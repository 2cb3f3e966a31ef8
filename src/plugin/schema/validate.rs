//! Checking configuration values against a schema's validators, and the
//! regex cache the pattern validator uses.
//!
//! [`validate_value`] is the entry point for one value (an import ID, a
//! single argument); [`Block::validate`] walks a whole configuration object
//! and calls it for every known attribute. Imports the schema model, values
//! and diagnostics.

use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder};

use super::parse_duration;
use super::{Block, Validator};
use crate::plugin::diag::Diagnostics;
use crate::plugin::value::{AttributePath, Value};

/// Checks one value against `validators`, reporting problems at `path` with
/// the same messages schema validation gives an attribute there. Null and
/// unknown values pass: Terraform validates again once they are known.
///
/// ```
/// use terraform_provider_proton::plugin::diag::Diagnostics;
/// use terraform_provider_proton::plugin::schema::{validate_value, Validator};
/// use terraform_provider_proton::plugin::value::{AttributePath, Value};
///
/// let validators = [
///     Validator::Length { min: 1, max: 100 },
///     Validator::pattern("^[a-z-]+$", "must be lowercase letters and dashes"),
/// ];
/// let mut diags = Diagnostics::new();
/// validate_value(&Value::string("my-template"), &validators, &AttributePath::root(), &mut diags);
/// assert!(!diags.has_errors());
/// validate_value(&Value::string("My template"), &validators, &AttributePath::root(), &mut diags);
/// assert!(diags.has_errors());
/// ```
pub fn validate_value(
    value: &Value,
    validators: &[Validator],
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    if value.is_null() || value.is_unknown() {
        return;
    }
    for validator in validators {
        validator.check(value, path, diags);
    }
}

impl Block {
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
            validate_value(
                value,
                &attribute.validators,
                &path.child_attr(&attribute.name),
                diags,
            );
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

impl Validator {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::Attribute;
    use crate::plugin::value::Type;

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

    #[test]
    fn one_value_is_checked_as_its_attribute_would_be() {
        let validators = [
            Validator::Length { min: 1, max: 3 },
            Validator::pattern("^[a-z]+$", "must be lowercase letters"),
        ];
        let path = AttributePath::root().child_attr("name");
        let mut diags = Diagnostics::new();
        validate_value(&Value::string("ABCD"), &validators, &path, &mut diags);
        let block = Block::new("b").attribute(validators.iter().cloned().fold(
            Attribute::required("name", Type::String, "n"),
            Attribute::validate,
        ));
        let mut through_block = Diagnostics::new();
        block.validate(
            &Value::object([("name", Value::string("ABCD"))]),
            &AttributePath::root(),
            &mut through_block,
        );
        assert_eq!(diags.0.len(), 2);
        assert_eq!(diags, through_block);

        let mut diags = Diagnostics::new();
        validate_value(&Value::string("abc"), &validators, &path, &mut diags);
        validate_value(&Value::Unknown, &validators, &path, &mut diags);
        validate_value(&Value::Null, &validators, &path, &mut diags);
        assert!(diags.is_empty());
    }
}
