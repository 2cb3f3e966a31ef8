//! Whether a new minor version's schema is backward compatible with its major's current one
//! (module rule 13). Written apart from proton-local's rule on purpose: the provider's check
//! must not be the emulator's, or tests against the emulator would prove nothing.

use std::collections::BTreeSet;

use serde_norway::Value as Yaml;

use super::yaml::{self, get};
use crate::kind::TemplateKind;

/// What Proton would refuse in `new_schema` as a new minor of the major whose current schema
/// is `current_schema`: one message per removed input type, removed type or property,
/// changed `type`, or property newly required without a default, each naming the property
/// path (`environment_input_type.properties.vpc_cidr removed`). Empty when compatible.
pub fn incompatibilities(
    current_schema: &str,
    new_schema: &str,
    kind: TemplateKind,
) -> Vec<String> {
    let (current, new) = match (parsed(current_schema), parsed(new_schema)) {
        (Ok(current), Ok(new)) => (current, new),
        (Err(err), _) => return vec![format!("the current schema does not parse: {err}")],
        (_, Err(err)) => return vec![format!("the new schema does not parse: {err}")],
    };
    let mut found = Vec::new();
    let mut input_type_names = BTreeSet::new();
    for key in input_type_keys(kind) {
        let Some(was) = current.input_type(key) else {
            continue;
        };
        input_type_names.insert(was.0);
        match (new.input_type(key), new.input_type_name(key)) {
            (Some(is), _) => compare(key, was.1, is.1, &mut found),
            (None, Some(name)) => found.push(format!(
                "{key} names the type '{name}', which the new schema does not define"
            )),
            (None, None) => found.push(format!("{key} removed")),
        }
    }
    // Types the input types refer to (`$ref`), by name.
    for (name, was) in current.types() {
        if input_type_names.contains(name) {
            continue;
        }
        let at = format!("types.{name}");
        match new.types().find(|(other, _)| *other == name) {
            Some((_, is)) => compare(&at, was, is, &mut found),
            None => found.push(format!("{at} removed")),
        }
    }
    found
}

fn input_type_keys(kind: TemplateKind) -> &'static [&'static str] {
    match kind {
        TemplateKind::Environment => &["environment_input_type"],
        TemplateKind::Service => &["service_input_type", "pipeline_input_type"],
    }
}

/// The `schema` mapping of a schema file.
struct Schema(Yaml);

fn parsed(text: &str) -> Result<Schema, String> {
    let documents = yaml::parse(text.as_bytes()).map_err(|err| err.message)?;
    let document = documents.into_iter().next().unwrap_or(Yaml::Null);
    Ok(Schema(
        get(&document, "schema").cloned().unwrap_or(Yaml::Null),
    ))
}

impl Schema {
    fn types(&self) -> impl Iterator<Item = (&str, &Yaml)> {
        (get(&self.0, "types")
            .and_then(Yaml::as_mapping)
            .into_iter()
            .flatten())
        .filter_map(|(name, ty)| Some((name.as_str()?, ty)))
    }

    /// The name of the type an input-type key names.
    fn input_type_name(&self, key: &str) -> Option<&str> {
        get(&self.0, key)?.as_str()
    }

    /// The name and definition of the type an input-type key names.
    fn input_type(&self, key: &str) -> Option<(&str, &Yaml)> {
        let name = self.input_type_name(key)?;
        let ty = self.types().find(|(other, _)| *other == name)?.1;
        Some((name, ty))
    }
}

/// What `is` breaks of `was`, both at `at`: an object's properties and required list, an
/// array's items, and the `type` (or `$ref`) of each.
fn compare(at: &str, was: &Yaml, is: &Yaml, found: &mut Vec<String>) {
    let shape = |ty: &Yaml| get(ty, "type").or_else(|| get(ty, "$ref")).cloned();
    let (was_shape, is_shape) = (shape(was), shape(is));
    if was_shape != is_shape {
        let show = |shape: Option<Yaml>| match shape {
            Some(Yaml::String(s)) => s,
            Some(_) => "(not a string)".to_string(),
            None => "(none)".to_string(),
        };
        found.push(format!(
            "{at} type changed from {} to {}",
            show(was_shape),
            show(is_shape)
        ));
        return;
    }
    if let (Some(was_items), Some(is_items)) = (get(was, "items"), get(is, "items")) {
        compare(&format!("{at}.items"), was_items, is_items, found);
    }
    let properties = |ty: &Yaml| get(ty, "properties").and_then(Yaml::as_mapping).cloned();
    let (was_properties, is_properties) = (properties(was), properties(is));
    for (name, was_property) in was_properties.iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        let at = format!("{at}.properties.{name}");
        match is_properties.as_ref().and_then(|p| p.get(name)) {
            Some(is_property) => compare(&at, was_property, is_property, found),
            None => found.push(format!("{at} removed")),
        }
    }
    let required = |ty: &Yaml| -> BTreeSet<String> {
        (get(ty, "required")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten())
        .filter_map(|name| Some(name.as_str()?.to_string()))
        .collect()
    };
    for name in required(is).difference(&required(was)) {
        let property = is_properties.as_ref().and_then(|p| p.get(name.as_str()));
        if property.and_then(|p| get(p, "default")).is_none() {
            found.push(format!(
                "{at}.properties.{name} newly required without a default"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::bundle::fixtures::{edit, ENVIRONMENT_SCHEMA as CURRENT};

    /// What a case is; the edit (`from`, `to`) of [`CURRENT`] that makes the new environment
    /// schema, none for the same schema; and what must be found incompatible in it, in order
    /// (nothing: compatible).
    type Case = (
        &'static str,
        Option<(&'static str, &'static str)>,
        &'static [&'static str],
    );

    #[rustfmt::skip]
    const CASES: &[Case] = &[
        ("the same schema is compatible", None, &[]),
        ("an added optional property is compatible", Some(("        size:\n", "        name:\n          type: string\n        size:\n")), &[]),
        ("a removed property is named by its path", Some(("        vpc_cidr:\n          type: string\n          default: \"10.0.0.0/16\"\n", "")), &["environment_input_type.properties.vpc_cidr removed"]),
        ("a changed type is named with both types", Some(("        size:\n          type: number", "        size:\n          type: string")), &["environment_input_type.properties.size type changed from number to string"]),
        ("a property newly required without a default is named", Some(("        - size\n", "        - size\n        - subnets\n")), &["environment_input_type.properties.subnets newly required without a default"]),
        ("a property newly required with a default is compatible", Some(("        - size\n", "        - size\n        - vpc_cidr\n")), &[]),
        ("a referenced type's changed property is named by the type", Some(("        cidr:\n          type: string\n", "        cidr:\n          type: integer\n")), &["types.Subnet.properties.cidr type changed from string to integer"]),
        ("a removed referenced type is named", Some(("    Subnet:\n", "    Network:\n")), &["types.Subnet removed"]),
        ("a renamed input type with the same properties is compatible", Some(("EnvironmentInput", "EnvInput")), &[]),
        ("an input type naming a missing type is not called removed", Some(("    EnvironmentInput:\n", "    Other:\n")), &["environment_input_type names the type 'EnvironmentInput', which the new schema does not define"]),
    ];

    #[test]
    fn each_new_environment_schema_finds_what_it_breaks() {
        let failures: Vec<String> = (CASES.iter())
            .filter_map(|(what, change, expected)| {
                let new = match change {
                    Some((from, to)) => edit(CURRENT, from, to),
                    None => CURRENT.to_string(),
                };
                let found = incompatibilities(CURRENT, &new, TemplateKind::Environment);
                (found != *expected)
                    .then(|| format!("{what}: found {found:?}, expected {expected:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn a_removed_pipeline_input_type_is_named() {
        let current = "schema:\n  service_input_type: S\n  pipeline_input_type: P\n  types:\n    S: {type: object, properties: {a: {type: string}}}\n    P: {type: object, properties: {b: {type: string}}}\n";
        let new = "schema:\n  service_input_type: S\n  types:\n    S: {type: object, properties: {a: {type: string}}}\n";
        assert_eq!(
            incompatibilities(current, new, TemplateKind::Service),
            ["pipeline_input_type removed"]
        );
    }

    #[test]
    fn a_new_schema_that_does_not_parse_says_so() {
        let found = incompatibilities(CURRENT, "schema: [\n", TemplateKind::Environment);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("the new schema does not parse"),
            "{found:?}"
        );
    }
}
