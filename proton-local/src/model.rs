//! Input shapes of the implemented operations and the model's constraints on them.
//!
//! Constraint violations are collected and answered in one `ValidationException` worded the
//! way AWS words them ("1 validation error detected: Value 'x' at 'templateName' failed to
//! satisfy constraint: ..."). A member of the wrong JSON type is a `SerializationException`.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::wire::ApiError;

/// A string member's constraints.
pub(crate) struct StrRule {
    pub(crate) min: usize,
    pub(crate) max: Option<usize>,
    pub(crate) pattern: Option<&'static Pattern>,
    /// `@sensitive` members are not echoed back in validation messages.
    pub(crate) sensitive: bool,
}

/// A model `@pattern`: its source text (quoted in messages), compiled on first use.
pub struct Pattern {
    pub source: &'static str,
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            regex: OnceLock::new(),
        }
    }
    /// The compiled pattern, with ECMA-262 semantics (see [`crate::ecma`]); `None` if it does
    /// not compile.
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                crate::ecma::compile(self.source)
                    .map_err(|e| tracing::error!(error = %e, "a model pattern does not compile"))
                    .ok()
            })
            .as_ref()
    }
    /// Whether `value` matches. The patterns are fixed literals covered by tests; should one
    /// ever fail to compile, it accepts everything rather than taking the server down.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex().is_none_or(|re| re.is_match(value))
    }
    /// Whether the pattern compiled (a test asserts it for every model pattern).
    pub fn compiles(&self) -> bool {
        self.regex().is_some()
    }
}

pub(crate) static RESOURCE_NAME_PATTERN: Pattern = Pattern::new(r"^[0-9A-Za-z]+[0-9A-Za-z_\-]*$");
pub(crate) static VERSION_PART_PATTERN: Pattern = Pattern::new(r"^(0|([1-9]{1}\d*))$");
pub(crate) static CLIENT_TOKEN_PATTERN: Pattern = Pattern::new(r"^[!-~]*$");
pub(crate) static BUCKET_PATTERN: Pattern = Pattern::new(r"^[a-z0-9]+[a-z0-9-\.]+[a-z0-9]+$");
pub(crate) static ARN_PATTERN: Pattern = Pattern::new(
    r"^arn:(aws|aws-cn|aws-us-gov):[a-zA-Z0-9-]+:[a-zA-Z0-9-]*:\d{12}:([\w+=,.@-]+[/:])*[\w+=,.@-]+$",
);
pub(crate) static NEXT_TOKEN_PATTERN: Pattern = Pattern::new(r"^[A-Za-z0-9+=/]+$");
// Output-only shapes (responses are checked against them in tests).
pub(crate) static FULL_TEMPLATE_VERSION_NUMBER_PATTERN: Pattern =
    Pattern::new(r"^(0|([1-9]{1}\d*)).(0|([1-9]{1}\d*))$");

/// Every `@pattern` of the shapes the implemented operations read or answer.
pub static MODEL_PATTERNS: [&Pattern; 7] = [
    &RESOURCE_NAME_PATTERN,
    &VERSION_PART_PATTERN,
    &CLIENT_TOKEN_PATTERN,
    &BUCKET_PATTERN,
    &ARN_PATTERN,
    &NEXT_TOKEN_PATTERN,
    &FULL_TEMPLATE_VERSION_NUMBER_PATTERN,
];

pub(crate) const RESOURCE_NAME: StrRule = StrRule {
    min: 1,
    max: Some(100),
    pattern: Some(&RESOURCE_NAME_PATTERN),
    sensitive: false,
};
pub(crate) const VERSION_PART: StrRule = StrRule {
    min: 1,
    max: Some(20),
    pattern: Some(&VERSION_PART_PATTERN),
    sensitive: false,
};
pub(crate) const DESCRIPTION: StrRule = StrRule {
    min: 0,
    max: Some(500),
    pattern: None,
    sensitive: true,
};
pub(crate) const DISPLAY_NAME: StrRule = StrRule {
    min: 1,
    max: Some(100),
    pattern: None,
    sensitive: true,
};
pub(crate) const CLIENT_TOKEN: StrRule = StrRule {
    min: 0,
    max: Some(64),
    pattern: Some(&CLIENT_TOKEN_PATTERN),
    sensitive: false,
};
pub(crate) const S3_BUCKET: StrRule = StrRule {
    min: 3,
    max: Some(63),
    pattern: Some(&BUCKET_PATTERN),
    sensitive: false,
};
pub(crate) const S3_KEY: StrRule = StrRule {
    min: 1,
    max: Some(1024),
    pattern: None,
    sensitive: false,
};
pub(crate) const ARN: StrRule = StrRule {
    min: 1,
    max: Some(200),
    pattern: Some(&ARN_PATTERN),
    sensitive: false,
};
pub(crate) const NEXT_TOKEN: StrRule = StrRule {
    min: 0,
    max: None,
    pattern: Some(&NEXT_TOKEN_PATTERN),
    sensitive: false,
};
pub(crate) const PLAIN_STRING: StrRule = StrRule {
    min: 0,
    max: None,
    pattern: None,
    sensitive: false,
};
pub(crate) const TAG_KEY: StrRule = StrRule {
    min: 1,
    max: Some(128),
    pattern: None,
    sensitive: false,
};
pub(crate) const TAG_VALUE: StrRule = StrRule {
    min: 0,
    max: Some(256),
    pattern: None,
    sensitive: false,
};

pub(crate) const PROVISIONING_VALUES: &[&str] = &["CUSTOMER_MANAGED"];
pub(crate) const STATUS_VALUES: &[&str] = &[
    "REGISTRATION_IN_PROGRESS",
    "REGISTRATION_FAILED",
    "DRAFT",
    "PUBLISHED",
];
pub(crate) const COMPONENT_SOURCE_VALUES: &[&str] = &["DIRECTLY_DEFINED"];

/// Maximum number of tags a resource may carry (AWS-managed tags do not count).
pub(crate) const MAX_TAGS: usize = 50;

/// Reads members out of a request's JSON object, collecting constraint violations.
pub(crate) struct Reader<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    errors: &'a mut Vec<String>,
}

/// Parses a request body into its top-level JSON object (an empty body reads as `{}`).
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::serialization(
            "Start of structure or map found where not expected: the request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::serialization(format!(
            "Could not parse the request body as JSON: {e}"
        ))),
    }
}

fn quote(value: &str, sensitive: bool) -> String {
    if sensitive {
        "Value".to_string()
    } else {
        format!("Value '{value}'")
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(object: &'a Map<String, Value>, errors: &'a mut Vec<String>) -> Reader<'a> {
        Reader {
            object,
            prefix: String::new(),
            errors,
        }
    }

    fn path(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        // Coral treats an explicit JSON null like an absent member.
        self.object.get(field).filter(|v| !v.is_null())
    }

    fn missing(&mut self, field: &str) {
        let path = self.path(field);
        self.errors.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    fn type_error(&self, field: &str, expected: &str) -> ApiError {
        ApiError::serialization(format!(
            "Expected {expected} for member '{}' but found a different JSON type",
            self.path(field)
        ))
    }

    /// Checks a string value against a rule, recording violations under `path`.
    pub(crate) fn check_string(errors: &mut Vec<String>, path: &str, value: &str, rule: &StrRule) {
        let len = value.chars().count();
        let shown = quote(value, rule.sensitive);
        if len < rule.min {
            errors.push(format!(
                "{shown} at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {}",
                rule.min
            ));
        }
        if let Some(max) = rule.max {
            if len > max {
                errors.push(format!(
                    "{shown} at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"
                ));
            }
        }
        if let Some(pattern) = rule.pattern {
            if !pattern.is_match(value) {
                errors.push(format!(
                    "{shown} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {}",
                    pattern.source
                ));
            }
        }
    }

    /// An optional string member.
    pub(crate) fn string(
        &mut self,
        field: &str,
        rule: &StrRule,
    ) -> Result<Option<String>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let path = self.path(field);
                Reader::check_string(self.errors, &path, s, rule);
                Ok(Some(s.clone()))
            }
            Some(_) => Err(self.type_error(field, "a string")),
        }
    }

    /// A required string member (a violation is recorded when absent).
    pub(crate) fn required_string(
        &mut self,
        field: &str,
        rule: &StrRule,
    ) -> Result<Option<String>, ApiError> {
        let value = self.string(field, rule)?;
        if value.is_none() {
            self.missing(field);
        }
        Ok(value)
    }

    /// An optional enum member.
    pub(crate) fn enumeration(
        &mut self,
        field: &str,
        values: &[&str],
    ) -> Result<Option<String>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                if !values.contains(&s.as_str()) {
                    let path = self.path(field);
                    self.errors.push(format!(
                        "Value '{s}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ));
                }
                Ok(Some(s.clone()))
            }
            Some(_) => Err(self.type_error(field, "a string")),
        }
    }

    /// An optional integer member within `min..=max`.
    pub(crate) fn integer(
        &mut self,
        field: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let Some(v) = n.as_i64() else {
                    return Err(self.type_error(field, "an integer"));
                };
                let path = self.path(field);
                if v < min {
                    self.errors.push(format!(
                        "Value '{v}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
                    ));
                } else if v > max {
                    self.errors.push(format!(
                        "Value '{v}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}"
                    ));
                }
                Ok(Some(v))
            }
            Some(_) => Err(self.type_error(field, "an integer")),
        }
    }

    /// An optional list member whose length must lie in `min..=max`; returns its items.
    pub(crate) fn list(
        &mut self,
        field: &str,
        min: usize,
        max: Option<usize>,
    ) -> Result<Option<&'a Vec<Value>>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let path = self.path(field);
                if items.len() < min {
                    self.errors.push(format!(
                        "Value at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
                    ));
                }
                if let Some(max) = max {
                    if items.len() > max {
                        self.errors.push(format!(
                            "Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"
                        ));
                    }
                }
                Ok(Some(items))
            }
            Some(_) => Err(self.type_error(field, "a list")),
        }
    }

    /// A required list member.
    pub(crate) fn required_list(
        &mut self,
        field: &str,
        min: usize,
        max: Option<usize>,
    ) -> Result<Option<&'a Vec<Value>>, ApiError> {
        let value = self.list(field, min, max)?;
        if value.is_none() {
            self.missing(field);
        }
        Ok(value)
    }

    /// Runs `f` on a nested structure found at `path` (already formatted by the caller).
    pub(crate) fn nested<T>(
        &mut self,
        path: String,
        value: &'a Value,
        f: impl FnOnce(&mut Reader<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let Value::Object(object) = value else {
            return Err(ApiError::serialization(format!(
                "Expected a structure for member '{path}' but found a different JSON type"
            )));
        };
        let mut reader = Reader {
            object,
            prefix: format!("{path}."),
            errors: self.errors,
        };
        f(&mut reader)
    }

    /// An optional structure (or union) member.
    pub(crate) fn object(&self, field: &str) -> Result<Option<&'a Value>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(self.type_error(field, "a structure")),
        }
    }

    /// Records a free-form constraint violation on a member.
    pub(crate) fn violation(&mut self, field: &str, constraint: &str) {
        let path = self.path(field);
        self.errors.push(format!(
            "Value at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// The formatted path of a member (for nested readers).
    pub(crate) fn member_path(&self, field: &str) -> String {
        self.path(field)
    }

    /// The violations recorded so far (for checks done outside these helpers).
    pub(crate) fn errors_mut(&mut self) -> &mut Vec<String> {
        self.errors
    }

    /// Records that a required member is absent.
    pub(crate) fn record_missing(&mut self, field: &str) {
        self.missing(field);
    }
}

/// Turns collected violations into the AWS-worded `ValidationException`, if any.
pub(crate) fn finish(errors: Vec<String>) -> Result<(), ApiError> {
    match errors.as_slice() {
        [] => Ok(()),
        [only] => Err(ApiError::validation(format!(
            "1 validation error detected: {only}"
        ))),
        all => Err(ApiError::validation(format!(
            "{} validation errors detected: {}",
            all.len(),
            all.join("; ")
        ))),
    }
}

/// Where a response breaks the model's output constraints: each string member named like a
/// constrained output member must satisfy its shape's pattern, and a `tags` page holds at most
/// 50 entries. Tests and the fuzz target hold every answer to it.
pub fn output_violations(value: &Value) -> Vec<String> {
    let mut violations = Vec::new();
    collect_output_violations("", value, &mut violations);
    violations
}

fn collect_output_violations(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                let member_path = format!("{path}.{name}");
                let pattern: Option<&Pattern> = match name.as_str() {
                    "arn" | "encryptionKey" => Some(&ARN_PATTERN),
                    "name" | "templateName" => Some(&RESOURCE_NAME_PATTERN),
                    "majorVersion" | "minorVersion" | "recommendedMinorVersion" => {
                        Some(&VERSION_PART_PATTERN)
                    }
                    "recommendedVersion" => Some(&FULL_TEMPLATE_VERSION_NUMBER_PATTERN),
                    _ => None,
                };
                if let (Some(pattern), Value::String(s)) = (pattern, member) {
                    if !pattern.is_match(s) {
                        out.push(format!("{member_path} = {s:?} breaks {}", pattern.source));
                    }
                }
                if let (true, Value::Array(items)) = (name == "tags", member) {
                    if items.len() > MAX_TAGS {
                        out.push(format!("{member_path} has {} entries", items.len()));
                    }
                }
                collect_output_violations(&member_path, member, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_output_violations(path, item, out);
            }
        }
        _ => {}
    }
}

/// `{bucket, key}` of a template bundle in S3.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct S3Source {
    pub(crate) bucket: String,
    pub(crate) key: String,
}

/// Reads the `source` union: exactly one member, `s3`, with `bucket` and `key`.
pub(crate) fn read_source(reader: &mut Reader<'_>) -> Result<Option<S3Source>, ApiError> {
    let Some(source) = reader.object("source")? else {
        reader.record_missing("source");
        return Ok(None);
    };
    let members: Vec<&String> = source
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    if members.as_slice() != ["s3"] {
        reader.violation(
            "source",
            "Member must have exactly one of its union members set: [s3]",
        );
        return Ok(None);
    }
    let path = reader.member_path("source");
    reader.nested(path, source, |source| {
        let Some(s3) = source.object("s3")? else {
            return Ok(None);
        };
        let path = source.member_path("s3");
        source.nested(path, s3, |s3| {
            let bucket = s3.required_string("bucket", &S3_BUCKET)?;
            let key = s3.required_string("key", &S3_KEY)?;
            Ok(match (bucket, key) {
                (Some(bucket), Some(key)) => Some(S3Source { bucket, key }),
                _ => None,
            })
        })
    })
}

/// Reads a `TagList`, checking each tag's key and value and refusing the reserved `aws:` prefix.
pub(crate) fn read_tags(reader: &mut Reader<'_>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(items) = reader.list("tags", 0, Some(MAX_TAGS))? else {
        return Ok(Vec::new());
    };
    let mut tags = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = reader.member_path(&format!("tags.{}.member", i + 1));
        let tag = reader.nested(path, item, |tag| {
            let key = tag.required_string("key", &TAG_KEY)?;
            let value = tag.required_string("value", &TAG_VALUE)?;
            if let Some(k) = &key {
                if is_reserved_tag_key(k) {
                    tag.violation(
                        "key",
                        "Member must not begin with the reserved prefix 'aws:'",
                    );
                }
            }
            Ok(key.zip(value))
        })?;
        if let Some(tag) = tag {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// Tag keys starting with `aws:` belong to AWS and cannot be set or removed by users.
pub(crate) fn is_reserved_tag_key(key: &str) -> bool {
    // Compare bytes: the 4th byte of a valid key may fall inside a multi-byte character.
    key.as_bytes()
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"aws:"))
}

/// A `{templateName, majorVersion}` entry of `compatibleEnvironmentTemplates`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CompatibleEnvironmentTemplate {
    #[serde(rename = "templateName")]
    pub(crate) template_name: String,
    #[serde(rename = "majorVersion")]
    pub(crate) major_version: String,
}

/// Reads `compatibleEnvironmentTemplates` (1..10 entries).
pub(crate) fn read_compatible(
    reader: &mut Reader<'_>,
    required: bool,
) -> Result<Option<Vec<CompatibleEnvironmentTemplate>>, ApiError> {
    let field = "compatibleEnvironmentTemplates";
    let items = if required {
        reader.required_list(field, 1, Some(10))?
    } else {
        reader.list(field, 1, Some(10))?
    };
    let Some(items) = items else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = reader.member_path(&format!("{field}.{}.member", i + 1));
        let entry = reader.nested(path, item, |entry| {
            let name = entry.required_string("templateName", &RESOURCE_NAME)?;
            let major = entry.required_string("majorVersion", &VERSION_PART)?;
            Ok(name.zip(major))
        })?;
        if let Some((template_name, major_version)) = entry {
            out.push(CompatibleEnvironmentTemplate {
                template_name,
                major_version,
            });
        }
    }
    Ok(Some(out))
}

/// Reads `supportedComponentSources` (enum values).
pub(crate) fn read_component_sources(
    reader: &mut Reader<'_>,
) -> Result<Option<Vec<String>>, ApiError> {
    let field = "supportedComponentSources";
    let Some(items) = reader.list(field, 0, None)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::String(s) = item else {
            return Err(ApiError::serialization(format!(
                "Expected a string for member '{field}.{}.member'",
                i + 1
            )));
        };
        if !COMPONENT_SOURCE_VALUES.contains(&s.as_str()) {
            reader.violation(
                &format!("{field}.{}.member", i + 1),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    COMPONENT_SOURCE_VALUES.join(", ")
                ),
            );
        }
        out.push(s.clone());
    }
    Ok(Some(out))
}

/// Reads `maxResults` (1..100) and `nextToken`.
pub(crate) fn read_paging(
    reader: &mut Reader<'_>,
    token_rule: &StrRule,
) -> Result<(Option<i64>, Option<String>), ApiError> {
    let max = reader.integer("maxResults", 1, 100)?;
    let token = reader.string("nextToken", token_rule)?;
    Ok((max, token))
}
