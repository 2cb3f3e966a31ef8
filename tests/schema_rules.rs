//! Every schema the provider sends obeys Terraform's own validity rules
//! (configschema internal_validate) and our documentation conventions.

use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::provider::Provider;
use terraform_provider_proton::plugin::schema::{Block, LazyRegex, Validator};
use terraform_provider_proton::plugin::value::Type;
use terraform_provider_proton::provider::ProtonProvider;

fn all_schemas() -> Vec<(String, pb::Schema)> {
    let provider = ProtonProvider::new();
    let mut schemas = vec![("provider".to_string(), provider.schema().to_proto())];
    for resource in provider.resources() {
        schemas.push((
            resource.type_name().to_string(),
            resource.schema().to_proto(),
        ));
    }
    for data_source in provider.data_sources() {
        schemas.push((
            format!("data.{}", data_source.type_name()),
            data_source.schema().to_proto(),
        ));
    }
    schemas
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_block(where_: &str, block: &pb::schema::Block, problems: &mut Vec<String>) {
    let mut names = std::collections::BTreeSet::new();
    for attribute in &block.attributes {
        let at = format!("{where_}.{}", attribute.name);
        if !valid_name(&attribute.name) {
            problems.push(format!("{at}: name must match [a-z0-9_]+"));
        }
        if !names.insert(attribute.name.clone()) {
            problems.push(format!("{at}: duplicate name"));
        }
        match (attribute.required, attribute.optional, attribute.computed) {
            (true, false, false)
            | (false, true, false)
            | (false, false, true)
            | (false, true, true) => {}
            flags => problems.push(format!(
                "{at}: invalid required/optional/computed combination {flags:?}"
            )),
        }
        if attribute.description.trim().is_empty() {
            problems.push(format!("{at}: no description"));
        }
        if attribute.nested_type.is_some() {
            problems.push(format!(
                "{at}: nested attributes crash Terraform 1.0.0-1.0.8; use a block"
            ));
        }
        if attribute.write_only {
            problems.push(format!(
                "{at}: write-only attributes are stored in state before Terraform 1.11"
            ));
        }
        match Type::from_json(&attribute.r#type) {
            Ok(ty) => {
                if ty.to_json() != attribute.r#type {
                    problems.push(format!("{at}: type JSON is not canonical"));
                }
            }
            Err(err) => problems.push(format!(
                "{at}: type JSON does not parse ({err}); Terraform would panic"
            )),
        }
    }
    let attribute_names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    let mut sorted = attribute_names.clone();
    sorted.sort_unstable();
    if attribute_names != sorted {
        problems.push(format!(
            "{where_}: attributes are not in alphabetical order: {attribute_names:?}"
        ));
    }
    for nested in &block.block_types {
        let at = format!("{where_}.{}", nested.type_name);
        if !valid_name(&nested.type_name) {
            problems.push(format!("{at}: name must match [a-z0-9_]+"));
        }
        if !names.insert(nested.type_name.clone()) {
            problems.push(format!("{at}: name used twice"));
        }
        use pb::schema::nested_block::NestingMode;
        match NestingMode::try_from(nested.nesting) {
            Ok(NestingMode::Single) => {
                if nested.min_items != nested.max_items || nested.min_items > 1 {
                    problems.push(format!(
                        "{at}: single blocks need min_items == max_items, 0 or 1"
                    ));
                }
            }
            Ok(NestingMode::List) | Ok(NestingMode::Set) => {
                if nested.min_items < 0
                    || (nested.max_items != 0 && nested.max_items < nested.min_items)
                {
                    problems.push(format!("{at}: invalid min/max items"));
                }
            }
            other => problems.push(format!("{at}: unsupported nesting {other:?}")),
        }
        match &nested.block {
            Some(inner) => {
                if inner.description.trim().is_empty() {
                    problems.push(format!("{at}: no description"));
                }
                check_block(&at, inner, problems);
            }
            None => problems.push(format!("{at}: no block")),
        }
    }
}

#[test]
fn every_schema_obeys_terraforms_rules() {
    let mut problems = Vec::new();
    for (name, schema) in all_schemas() {
        if schema.version < 0 {
            problems.push(format!("{name}: negative schema version"));
        }
        match &schema.block {
            Some(block) => {
                if block.description.trim().is_empty() {
                    problems.push(format!("{name}: no description"));
                }
                check_block(&name, block, &mut problems);
            }
            None => problems.push(format!("{name}: no block")),
        }
    }
    assert!(
        problems.is_empty(),
        "schema problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn resource_names_carry_the_provider_prefix() {
    let provider = ProtonProvider::new();
    for resource in provider.resources() {
        assert!(
            resource.type_name().starts_with("proton_"),
            "{}",
            resource.type_name()
        );
    }
    for data_source in provider.data_sources() {
        assert!(
            data_source.type_name().starts_with("proton_"),
            "{}",
            data_source.type_name()
        );
    }
}

#[test]
fn secrets_are_sensitive() {
    let schema = ProtonProvider::new().schema().to_proto();
    let block = schema.block.unwrap();
    for secret in ["access_key", "secret_key", "token"] {
        let attribute = block.attributes.iter().find(|a| a.name == secret).unwrap();
        assert!(attribute.sensitive, "{secret} must be sensitive");
    }
}

fn patterns_in(validator: &Validator, out: &mut Vec<&'static str>) {
    match validator {
        Validator::Pattern { regex, .. } => out.push(regex.as_str()),
        Validator::Keys(inner) | Validator::Elements(inner) => patterns_in(inner, out),
        _ => {}
    }
}

/// Every pattern of the provider's, resources' and data sources' schemas.
fn provider_patterns() -> Vec<&'static str> {
    let provider = ProtonProvider::new();
    let mut patterns = Vec::new();
    block_patterns(&provider.schema().block, &mut patterns);
    for resource in provider.resources() {
        block_patterns(&resource.schema().block, &mut patterns);
    }
    for data_source in provider.data_sources() {
        block_patterns(&data_source.schema().block, &mut patterns);
    }
    patterns
}

fn block_patterns(block: &Block, out: &mut Vec<&'static str>) {
    for attribute in &block.attributes {
        for validator in &attribute.validators {
            patterns_in(validator, out);
        }
    }
    for nested in &block.blocks {
        block_patterns(&nested.block, out);
    }
}

/// Patterns compile lazily at run time, where a bad one would silently accept
/// everything; here every one must compile.
#[test]
fn every_pattern_compiles() {
    let patterns = provider_patterns();
    assert!(patterns.len() >= 4, "patterns found: {patterns:?}");
    for pattern in patterns {
        assert!(
            LazyRegex::compile(pattern).is_ok(),
            "invalid pattern {pattern}"
        );
    }
}

/// Strings that tell ECMA-262 classes from Unicode ones, and valid values for every pattern.
const PROBES: &[&str] = &[
    "1",
    "0",
    "10",
    "01",
    "1\u{663}",
    "\u{FF11}",
    "\u{B2}",
    "web-app_1",
    "wéb",
    "а",
    "a\u{301}",
    "my.bucket-1",
    "My.Bucket",
    "arn:aws:kms:us-east-1:123456789012:key/k",
    "arn:aws:kms:us-east-1:123456789012:key/clé",
    "arn:aws:kms:us-east-1:12345678901\u{662}:key/k",
    "arn:aws:kms:us-east-1:123456789012:key/a_b+c=d,e.f@g-h",
    "",
    "-x",
    "x\u{2010}y",
];

/// The provider validates each string that reaches Proton exactly as proton-local (the model,
/// compiled with ECMA-262 semantics) does, so the provider never sends what the model refuses.
#[test]
fn patterns_match_as_the_model_does() {
    let mut patterns = provider_patterns();
    patterns.sort_unstable();
    patterns.dedup();
    for pattern in patterns {
        let provider_side = LazyRegex::new(pattern);
        let model_side = proton_local::ecma::compile(pattern).unwrap();
        for probe in PROBES {
            assert_eq!(
                provider_side.is_match(probe),
                model_side.is_match(probe),
                "{pattern} on {probe:?}"
            );
        }
    }
    // The look-alikes the issue names are refused at plan time.
    let arn = terraform_provider_proton::resources::template::arn_validators();
    let version = terraform_provider_proton::resources::validators::version_part_validator();
    let refuses = |validator: &Validator, s: &str| match validator {
        Validator::Pattern { regex, .. } => !regex.is_match(s),
        _ => panic!("not a pattern"),
    };
    assert!(refuses(
        &arn[1],
        "arn:aws:kms:us-east-1:123456789012:key/clé"
    ));
    assert!(refuses(&version, "1\u{663}"));
    assert!(!refuses(&version, "12"));
}

/// `default_tags` reach Proton in every resource's tags, so they carry the tag limits too.
#[test]
fn default_tags_carry_protons_tag_limits() {
    let provider = ProtonProvider::new();
    let block = &provider.schema().block;
    let default_tags = block
        .blocks
        .iter()
        .find(|b| b.name == "default_tags")
        .unwrap();
    let tags = default_tags
        .block
        .attributes
        .iter()
        .find(|a| a.name == "tags")
        .unwrap();
    let lengths: Vec<String> = tags
        .validators
        .iter()
        .map(|v| format!("{v:?}"))
        .filter(|v| v.contains("Length"))
        .collect();
    assert_eq!(lengths.len(), 2, "{lengths:?}");
    assert!(lengths
        .iter()
        .any(|v| v.starts_with("Keys") && v.contains("max: 128")));
    assert!(lengths
        .iter()
        .any(|v| v.starts_with("Elements") && v.contains("max: 256")));
}
