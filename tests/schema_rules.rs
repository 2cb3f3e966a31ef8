//! Every schema the provider sends obeys Terraform's own validity rules
//! (configschema internal_validate) and our documentation conventions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::provider::Provider;
use terraform_provider_proton::plugin::schema::{Block, Validator};
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
    let provider = ProtonProvider::new();
    let mut patterns = Vec::new();
    block_patterns(&provider.schema().block, &mut patterns);
    for resource in provider.resources() {
        block_patterns(&resource.schema().block, &mut patterns);
    }
    for data_source in provider.data_sources() {
        block_patterns(&data_source.schema().block, &mut patterns);
    }
    assert!(patterns.len() >= 4, "patterns found: {patterns:?}");
    for pattern in patterns {
        assert!(
            regex::Regex::new(pattern).is_ok(),
            "invalid pattern {pattern}"
        );
    }
}
