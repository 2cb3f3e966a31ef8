//! `tags` / `tags_all` as terraform-provider-aws defines them: `tags_all` is
//! the provider's `default_tags` overlaid with the resource's own `tags`;
//! AWS-managed `aws:*` keys are never shown.
//!
//! Keys the provider's `ignore_tags` names (exactly, or by prefix; both
//! case-sensitive) are another system's, as in terraform-provider-aws:
//! 1. reads drop them ([`without_ignored`]), so they are in no `tags`,
//!    `tags_all` or data source, and make no plan;
//! 2. a planned `tags_all` leaves them out ([`plan_tags_all`]), and a key
//!    written in `tags` is warned about: it can never be read back, so it
//!    shows as a change in every plan;
//! 3. an update never removes or sets one ([`update_remote`]), even against
//!    a prior state that still holds it (a plan made with `-refresh=false`);
//! 4. a create sends every configured and default tag, ignored ones too
//!    ([`create_tags`]): terraform-provider-aws does the same.

use std::collections::BTreeMap;

use crate::context::{IgnoreTags, ProviderTags};
use crate::plugin::diag::Severity;
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
        &format!("Tags for the {subject}. Merged over the provider's `default_tags` into `tags_all`. Keys starting with `aws:` or `terraform-provider-proton:` (in any case) are reserved. A key the provider's `ignore_tags` ignores is set when the {subject} is created, then never updated nor read back, so it shows as a change in every plan (as with terraform-provider-aws; the plan warns)."),
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
        &format!("All tags of the {subject}: the provider's `default_tags` overlaid with `tags`. AWS-managed `aws:*` tags and keys the provider's `ignore_tags` ignores are not shown."),
    )
}

/// Plans `tags_all` (the provider's defaults overlaid with the planned `tags`,
/// unknown while those are, without ignored keys), with an error on `tags`
/// past `max` tags and a warning on each key of `tags` the provider ignores;
/// `note` ends the error's first sentence.
pub fn plan_tags_all(
    plan: &mut ResourcePlan<'_>,
    provider: &ProviderTags,
    max: usize,
    subject: &str,
    note: &str,
) {
    let own_tags = plan.get("tags");
    if !own_tags.is_wholly_known() {
        plan.set("tags_all", Value::Unknown);
        return;
    }
    let own_tags = from_value(own_tags);
    for key in own_tags
        .keys()
        .filter(|key| is_ignored(&provider.ignore_tags, key))
    {
        plan.diagnostics.attribute(
            Severity::Warning,
            AttributePath::attr("tags").child_key(key),
            "Tag ignored by the provider",
            format!(
                "The provider's `ignore_tags` ignores {key:?}: it is set when this {subject} is created, but never updated and never read back, so it shows as a change in every plan (as with terraform-provider-aws). Remove it from `tags`, or from `ignore_tags`.",
            ),
        );
    }
    // Counted with ignored keys: a create sends them.
    let all = merge(&provider.default_tags, &own_tags);
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
    plan.set(
        "tags_all",
        to_value(&without_ignored(all, &provider.ignore_tags)),
    );
}

/// Whether `ignore` ignores `key`: one of its keys exactly, or starting
/// with one of its prefixes (case-sensitive, as terraform-provider-aws).
pub fn is_ignored(ignore: &IgnoreTags, key: &str) -> bool {
    ignore.keys.contains(key)
        || ignore
            .key_prefixes
            .iter()
            .any(|prefix| key.starts_with(prefix.as_str()))
}

/// `tags` without the keys `ignore` ignores: what reads report.
pub fn without_ignored(
    mut tags: BTreeMap<String, String>,
    ignore: &IgnoreTags,
) -> BTreeMap<String, String> {
    tags.retain(|key, _| !is_ignored(ignore, key));
    tags
}

/// What a create sends: `default_tags` overlaid with the resource's own
/// `tags`, ignored keys included (terraform-provider-aws sends them too;
/// afterwards they are never updated).
pub fn create_tags(
    defaults: &BTreeMap<String, String>,
    own: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    merge(defaults, own.unwrap_or(&BTreeMap::new()))
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

/// What a read records of the `remote` tags of an object whose state had
/// `prior` tags: its `tags` ([`resource_tags`]) and `tags_all`, both without
/// the keys the provider ignores (rule 1).
pub fn read_back(
    prior: Option<&BTreeMap<String, String>>,
    remote: BTreeMap<String, String>,
    provider: &ProviderTags,
) -> (Option<BTreeMap<String, String>>, BTreeMap<String, String>) {
    let all = without_ignored(remote, &provider.ignore_tags);
    (resource_tags(prior, &all, &provider.default_tags), all)
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
/// untags removed keys, tags new and changed ones, never a key `ignore`
/// ignores. Returns whether anything changed (callers then re-read the
/// object).
pub async fn update_remote(
    client: &ProtonClient,
    arn: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    ignore: &IgnoreTags,
) -> Result<bool, ProtonError> {
    let (removed, changed) = tag_changes(before, after, ignore);
    if removed.is_empty() && changed.is_empty() {
        return Ok(false);
    }
    client.untag(arn, &removed).await?;
    client.tag(arn, &changed).await?;
    Ok(true)
}

/// The keys to untag and the tags to set to go from `before` to `after`,
/// leaving alone every key `ignore` ignores.
fn tag_changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    ignore: &IgnoreTags,
) -> (Vec<String>, BTreeMap<String, String>) {
    let managed = |key: &String| !is_ignored(ignore, key);
    let removed = before
        .keys()
        .filter(|k| managed(k) && !after.contains_key(*k))
        .cloned()
        .collect();
    let changed = after
        .iter()
        .filter(|(k, v)| managed(k) && before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, changed)
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

    fn ignoring(keys: &[&str], key_prefixes: &[&str]) -> IgnoreTags {
        IgnoreTags {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            key_prefixes: key_prefixes.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn keys_are_ignored_exactly_and_prefixes_as_prefixes_both_case_sensitive() {
        let ignore = ignoring(&["owner"], &["ops:"]);
        for key in ["owner", "ops:cost-center", "ops:"] {
            assert!(is_ignored(&ignore, key), "{key}");
        }
        for key in ["Owner", "owner2", "ow", "OPS:cost-center", "ops-team", "op"] {
            assert!(!is_ignored(&ignore, key), "{key}");
        }
        assert!(!is_ignored(&IgnoreTags::default(), "owner"));
    }

    #[test]
    fn reads_drop_ignored_keys_and_keep_the_rest() {
        let remote = map(&[
            ("owner", "alice"),
            ("ops:cost-center", "42"),
            ("team", "a"),
            ("Owner", "bob"),
        ]);
        let ignore = ignoring(&["owner"], &["ops:"]);
        assert_eq!(
            without_ignored(remote.clone(), &ignore),
            map(&[("Owner", "bob"), ("team", "a")])
        );
        assert_eq!(
            without_ignored(remote.clone(), &IgnoreTags::default()),
            remote
        );
    }

    #[test]
    fn updates_never_remove_or_set_an_ignored_key() {
        let ignore = ignoring(&["owner"], &["ops:"]);
        // A prior state that still holds ignored keys (a plan made with
        // -refresh=false after ignore_tags was added), and a plan that sets one.
        let before = map(&[
            ("owner", "alice"),
            ("ops:x", "1"),
            ("team", "a"),
            ("old", "1"),
        ]);
        let after = map(&[("team", "b"), ("ops:y", "2"), ("new", "1")]);
        let (removed, changed) = tag_changes(&before, &after, &ignore);
        assert_eq!(removed, ["old"]);
        assert_eq!(changed, map(&[("new", "1"), ("team", "b")]));
        // Without ignore_tags, everything that differs.
        let (removed, changed) = tag_changes(&before, &after, &IgnoreTags::default());
        assert_eq!(removed, ["old", "ops:x", "owner"]);
        assert_eq!(changed, map(&[("new", "1"), ("ops:y", "2"), ("team", "b")]));
        // Only ignored keys differ: nothing to do.
        let (removed, changed) =
            tag_changes(&map(&[("owner", "a")]), &map(&[("ops:z", "1")]), &ignore);
        assert!(removed.is_empty() && changed.is_empty());
    }

    #[test]
    fn planned_tags_all_leaves_ignored_keys_out_and_warns_on_each_in_tags() {
        let planned = Value::object([
            (
                "tags",
                to_value(&map(&[("owner", "bob"), ("ops:x", "1"), ("team", "a")])),
            ),
            ("tags_all", Value::Unknown),
        ]);
        let (prior, config) = (Value::Null, planned.clone());
        let mut plan = ResourcePlan {
            prior: &prior,
            config: &config,
            planned,
            requires_replace: Vec::new(),
            diagnostics: Default::default(),
            private: None,
        };
        let defaults = map(&[("cost:center", "42"), ("env", "dev")]);
        let ignore = ignoring(&["owner"], &["ops:", "cost:"]);
        let provider = ProviderTags {
            default_tags: defaults,
            ignore_tags: ignore,
        };
        plan_tags_all(&mut plan, &provider, 5, "template", "");
        assert_eq!(
            from_value(plan.get("tags_all")),
            map(&[("env", "dev"), ("team", "a")])
        );
        let warned: Vec<(Severity, String)> = plan
            .diagnostics
            .0
            .iter()
            .map(|d| {
                let path = d.attribute.as_ref().map(ToString::to_string);
                (d.severity, path.unwrap_or_default())
            })
            .collect();
        // Ignored default tags make no difference to show: no warning.
        assert_eq!(
            warned,
            [
                (Severity::Warning, r#"tags["ops:x"]"#.to_string()),
                (Severity::Warning, r#"tags["owner"]"#.to_string())
            ]
        );
        // The limit counts ignored keys too: a create sends them.
        plan.diagnostics = Default::default();
        plan_tags_all(&mut plan, &provider, 4, "template", "");
        assert!(plan.diagnostics.has_errors());
    }

    #[test]
    fn a_create_sends_ignored_keys_too() {
        let defaults = map(&[("owner", "platform"), ("env", "dev")]);
        let own = map(&[("ops:x", "1"), ("env", "prod")]);
        assert_eq!(
            create_tags(&defaults, Some(&own)),
            map(&[("env", "prod"), ("ops:x", "1"), ("owner", "platform")])
        );
        assert_eq!(create_tags(&defaults, None), defaults);
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
