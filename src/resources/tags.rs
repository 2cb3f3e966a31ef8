//! `tags` / `tags_all` as terraform-provider-aws defines them: `tags_all` is
//! the provider's `default_tags` overlaid with the resource's own `tags`;
//! AWS-managed `aws:*` keys are never shown.

use std::collections::BTreeMap;

use crate::plugin::model::AttrValue;
use crate::plugin::provider::ResourcePlan;
use crate::plugin::schema::{Attribute, Validator};
use crate::plugin::value::{AttributePath, Type, Value};
use crate::proton::{ProtonClient, ProtonError};

/// Proton allows 50 tags per resource; the provider keeps one for itself
/// (the bundle location, see the version resources).
pub const MAX_USER_TAGS: usize = 49;

/// The map type of tags.
pub fn tags_type() -> Type {
    Type::Map(Box::new(Type::String))
}

/// Key rules shared by `tags` and `default_tags`.
pub fn key_validator() -> Validator {
    Validator::Keys(Box::new(Validator::NoPrefix {
        prefix: "aws:",
        reason: "which AWS reserves for its own tags",
    }))
}

/// Key prefix the provider keeps for its own tags (see the version resources'
/// `SOURCE_TAG`): a user tag under it would overwrite the provider's records.
pub const PROVIDER_PREFIX: &str = "terraform-provider-proton:";

/// Keys under [`PROVIDER_PREFIX`] are refused in `tags` and `default_tags`.
pub fn provider_key_validator() -> Validator {
    Validator::Keys(Box::new(Validator::NoPrefix {
        prefix: PROVIDER_PREFIX,
        reason: "which the provider reserves for its own tags (it records each version's bundle location there)",
    }))
}

/// Proton's `TagKey`: 1 to 128 characters.
pub fn key_length_validator() -> Validator {
    Validator::Keys(Box::new(Validator::Length { min: 1, max: 128 }))
}

/// Proton's `TagValue`: up to 256 characters.
pub fn value_length_validator() -> Validator {
    Validator::Elements(Box::new(Validator::Length { min: 0, max: 256 }))
}

/// The `tags` attribute of a `subject` ("version", "template") with Proton's
/// limits: at most `max` tags.
pub fn tags_attribute(subject: &str, max: usize) -> Attribute {
    Attribute::optional(
        "tags",
        tags_type(),
        &format!("Tags for the {subject}. Merged over the provider's `default_tags` into `tags_all`. Keys starting with `aws:` or `terraform-provider-proton:` (in any case) are reserved."),
    )
    .validate(key_validator())
    .validate(provider_key_validator())
    .validate(key_length_validator())
    .validate(value_length_validator())
    .validate(Validator::Count { min: 0, max })
}

/// The computed `tags_all` attribute of a `subject`.
pub fn tags_all_attribute(subject: &str) -> Attribute {
    Attribute::computed(
        "tags_all",
        tags_type(),
        &format!("All tags of the {subject}: the provider's `default_tags` overlaid with `tags`. AWS-managed `aws:*` tags are not shown."),
    )
}

/// Plans `tags_all` (the defaults overlaid with the planned `tags`, unknown
/// while those are), with an error on `tags` past `max` tags; `note` ends
/// the error's first sentence.
pub fn plan_tags_all(
    plan: &mut ResourcePlan<'_>,
    defaults: &BTreeMap<String, String>,
    max: usize,
    subject: &str,
    note: &str,
) {
    let own_tags = plan.get("tags");
    if !own_tags.is_wholly_known() {
        plan.set("tags_all", Value::Unknown);
        return;
    }
    let all = merge(defaults, &from_value(own_tags));
    if all.len() > max {
        plan.diagnostics.attribute_error(
            AttributePath::attr("tags"),
            "Too many tags",
            format!(
                "With the provider's default_tags this {subject} would have {} tags; Proton allows {max}{note}.",
                all.len(),
            ),
        );
    }
    plan.set("tags_all", to_value(&all));
}

/// A tag map from a `map(string)` value (null and unknown read as empty).
pub fn from_value(value: &Value) -> BTreeMap<String, String> {
    AttrValue::from_value(value)
}

/// A `map(string)` value from a tag map.
pub fn to_value(tags: &BTreeMap<String, String>) -> Value {
    AttrValue::to_value(tags)
}

/// `default_tags` overlaid with the resource's `tags`.
pub fn merge(
    defaults: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut all = defaults.clone();
    all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// The `tags` to record after reading `remote` tags: every remote tag except
/// those that only come from `default_tags` (same key and value, and not
/// written in the resource's own `tags` before). Unset stays unset when
/// nothing is left, so an unset `tags` shows no drift.
pub fn resource_tags(
    prior: Option<&BTreeMap<String, String>>,
    remote: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let written = |key: &String| prior.is_some_and(|prior| prior.contains_key(key));
    let own: BTreeMap<String, String> = remote
        .iter()
        .filter(|(k, v)| written(k) || defaults.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (prior.is_some() || !own.is_empty()).then_some(own)
}

/// Brings the tags of `arn` from the prior `tags_all` to the planned one:
/// untags removed keys, tags new and changed ones. Returns whether anything
/// changed (callers then re-read the object).
pub async fn update_remote(
    client: &ProtonClient,
    arn: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Result<bool, ProtonError> {
    if before == after {
        return Ok(false);
    }
    let removed: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let changed: BTreeMap<String, String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    client.untag(arn, &removed).await?;
    client.tag(arn, &changed).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_source_tag_is_under_the_reserved_prefix() {
        assert!(crate::resources::template_version::SOURCE_TAG.starts_with(PROVIDER_PREFIX));
    }

    #[test]
    fn own_tags_win_over_defaults() {
        let all = merge(
            &map(&[("env", "dev"), ("team", "a")]),
            &map(&[("team", "b")]),
        );
        assert_eq!(all, map(&[("env", "dev"), ("team", "b")]));
    }

    #[test]
    fn default_only_tags_are_not_reported_as_own() {
        let defaults = map(&[("env", "dev")]);
        assert_eq!(
            resource_tags(None, &map(&[("env", "dev")]), &defaults),
            None
        );
        // Drift in a default tag's value shows up as an own tag.
        assert_eq!(
            resource_tags(None, &map(&[("env", "prod")]), &defaults),
            Some(map(&[("env", "prod")]))
        );
        // A tag also written in `tags` stays there even when equal to the default.
        let prior = map(&[("env", "dev")]);
        assert_eq!(
            resource_tags(Some(&prior), &map(&[("env", "dev")]), &defaults),
            Some(prior)
        );
    }
}
