//! Template bundle validation, as Proton does at registration (sources:
//! `../shared/reference/bundles.md` §3). Proton's own failure texts are not public; the
//! messages here are proton-local's.
//!
//! What it accepts as Proton does: a bundle wrapped in one top-level directory (§3.7.1);
//! CodeBuild manifests, which have `settings` and no `file` (§3.3); Terraform's `file: "*"`,
//! meaning the `.tf` files of the directory (§3.3); any other files beside the YAML ones,
//! which must parse (§3.1).
//!
//! Bundles are read from the object store the S3 API serves (`objects.rs`): `s3://BUCKET/KEY`
//! is the object KEY of bucket BUCKET, with `--bundle-dir` the file `BUNDLE_DIR/BUCKET/KEY`. A
//! missing bucket or object fails registration, as Proton fails a version whose bundle it
//! cannot fetch (proton.md §2: it "fetches the bundle from S3, validates it"); Proton's wording
//! is not public (bundles.md §3.6), so the message is proton-local's and names the S3 URI.
//!
//! With `--canned-bundles` nothing is read: every bundle registers with a canned schema, except
//! that a key containing [`FAIL_MARKER`] fails registration (for tests that want no bundles).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Component;

use serde_norway::Value as Yaml;

use crate::model::S3Source;
use crate::objects::ObjectError;
use crate::ops::Bundles;

/// With `--canned-bundles`, a key containing this marker fails registration.
pub(crate) const FAIL_MARKER: &str = "fail-registration";

/// Largest bundle Proton accepts (5 MB).
pub(crate) const MAX_BUNDLE_BYTES: u64 = 5 * 1024 * 1024;
/// Largest schema file (the `TemplateSchema` output shape allows 51,200 characters).
pub(crate) const MAX_SCHEMA_CHARS: usize = 51_200;
/// Largest manifest (50 KB) and largest template file a manifest names (200 KB), Proton's
/// quotas (bundles.md §3.4).
const MAX_MANIFEST_BYTES: usize = 50 * 1024;
const MAX_TEMPLATE_FILE_BYTES: usize = 200 * 1024;
/// Cap on the decompressed size read from one bundle, against gzip bombs.
const MAX_UNPACKED_BYTES: u64 = 50 * 1024 * 1024;

const SCHEMA_FILE: &str = "schema/schema.yaml";

/// What the bundle must contain, derived from the template it registers under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BundleKind {
    /// Environment template; customer-managed ones carry only the schema.
    Environment { customer_managed: bool },
    /// Service template; with a pipeline unless `pipelineProvisioning` is CUSTOMER_MANAGED.
    Service { has_pipeline: bool },
}

/// Validates the bundle at `source`; `Ok(schema text)` or `Err(status message)`.
pub(crate) fn register(
    bundles: &Bundles,
    source: &S3Source,
    kind: BundleKind,
) -> Result<String, String> {
    match bundles {
        Bundles::Canned => canned(source, kind),
        Bundles::Stored(objects) => {
            let bundle = unwrapped(read_bundle(objects, source)?);
            validate(&bundle, kind)
        }
    }
}

fn canned(source: &S3Source, kind: BundleKind) -> Result<String, String> {
    if source.key.contains(FAIL_MARKER) {
        return Err(format!(
            "Template bundle s3://{}/{} failed validation: the key contains the marker '{FAIL_MARKER}' (proton-local --canned-bundles).",
            source.bucket, source.key
        ));
    }
    Ok(canned_schema(kind))
}

/// The schema reported for every version with `--canned-bundles`.
pub(crate) fn canned_schema(kind: BundleKind) -> String {
    match kind {
        BundleKind::Environment { .. } => "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"EnvironmentInput\"\n  types:\n    EnvironmentInput:\n      type: object\n      description: \"Input properties for the environment\"\n      properties: {}\n".to_string(),
        BundleKind::Service { has_pipeline } => {
            let mut s = String::from("schema:\n  format:\n    openapi: \"3.0.0\"\n  service_input_type: \"ServiceInput\"\n");
            if has_pipeline {
                s.push_str("  pipeline_input_type: \"PipelineInput\"\n");
            }
            s.push_str("  types:\n    ServiceInput:\n      type: object\n      description: \"Input properties for the service instance\"\n      properties: {}\n");
            if has_pipeline {
                s.push_str("    PipelineInput:\n      type: object\n      description: \"Input properties for the pipeline\"\n      properties: {}\n");
            }
            s
        }
    }
}

/// Files of the bundle by normalised path (no leading `./`), plus every directory seen.
struct Bundle {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
}

fn read_bundle(objects: &crate::objects::ObjectStore, source: &S3Source) -> Result<Bundle, String> {
    let unreadable = |e: ObjectError| {
        let why = match e {
            ObjectError::NoSuchBucket => format!("the bucket '{}' does not exist", source.bucket),
            // A key the store cannot hold cannot name an object in it either.
            ObjectError::NoSuchKey | ObjectError::UnstorableKey { .. } => format!(
                "the object '{}' could not be found in bucket '{}'",
                source.key, source.bucket
            ),
            other => other.to_string(),
        };
        format!(
            "Could not read the template bundle s3://{}/{}: {why}.",
            source.bucket, source.key
        )
    };
    let size = objects
        .head(&source.bucket, &source.key)
        .map_err(unreadable)?
        .size;
    if size > MAX_BUNDLE_BYTES {
        return Err(format!(
            "Template bundle s3://{}/{} is {size} bytes; the maximum size is {MAX_BUNDLE_BYTES} bytes.",
            source.bucket, source.key
        ));
    }
    let (data, _) = objects
        .get(&source.bucket, &source.key)
        .map_err(unreadable)?;
    let invalid = |e: std::io::Error| {
        format!(
            "Template bundle s3://{}/{} is not a valid .tar.gz archive: {e}",
            source.bucket, source.key
        )
    };
    let gz = flate2::read::GzDecoder::new(&data[..]).take(MAX_UNPACKED_BYTES);
    let mut archive = tar::Archive::new(gz);
    let mut bundle = Bundle {
        files: BTreeMap::new(),
        dirs: BTreeSet::new(),
    };
    for entry in archive.entries().map_err(invalid)? {
        let mut entry = entry.map_err(invalid)?;
        let raw = entry.path().map_err(invalid)?.into_owned();
        let parts: Vec<String> = raw
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        if parts.is_empty() {
            continue;
        }
        // Every proper prefix of the path is a directory.
        let mut dir = String::new();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push_str(part);
            bundle.dirs.insert(dir.clone());
        }
        let name = parts.join("/");
        let entry_type = entry.header().entry_type();
        if entry_type.is_dir() {
            bundle.dirs.insert(name);
        } else if entry_type.is_file() {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).map_err(invalid)?;
            bundle.files.insert(name, data);
        }
    }
    Ok(bundle)
}

/// Why a minor version's schema `new` is not backward compatible with `current`, its major's
/// current one, if it is not. Proton does not publish its rule ("compatibility is determined
/// solely based on schema"); these are the cases bundles.md §3.2 names as likely, and the
/// wording is proton-local's: a type or property removed, a property's type changed, a
/// property newly required without a default.
pub(crate) fn incompatibility(current: &str, new: &str) -> Option<String> {
    let types = |text: &str| {
        let doc: Yaml = serde_norway::from_str(text).ok()?;
        yaml_get(&doc, "schema")
            .and_then(|s| yaml_get(s, "types"))
            .and_then(Yaml::as_mapping)
            .cloned()
    };
    let (current, new) = (types(current)?, types(new)?);
    let properties = |ty: &Yaml| {
        yaml_get(ty, "properties")
            .and_then(Yaml::as_mapping)
            .cloned()
    };
    let required = |ty: &Yaml| -> BTreeSet<String> {
        let listed = yaml_get(ty, "required").and_then(Yaml::as_sequence);
        listed
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_str)
            .map(str::to_string)
            .collect()
    };
    for (name, old_type) in &current {
        let name = name.as_str().unwrap_or_default();
        let Some(new_type) = new.get(name) else {
            return Some(format!("it removes the type '{name}'"));
        };
        let (old_props, new_props) = (properties(old_type), properties(new_type));
        for (property, old_prop) in old_props.iter().flatten() {
            let property = property.as_str().unwrap_or_default();
            let Some(new_prop) = new_props.as_ref().and_then(|p| p.get(property)) else {
                return Some(format!("it removes the property '{name}.{property}'"));
            };
            let (was, is) = (yaml_get(old_prop, "type"), yaml_get(new_prop, "type"));
            if was != is {
                let show =
                    |t: Option<&Yaml>| t.and_then(Yaml::as_str).unwrap_or("none").to_string();
                return Some(format!(
                    "it changes the type of '{name}.{property}' from {} to {}",
                    show(was),
                    show(is)
                ));
            }
        }
        for property in required(new_type).difference(&required(old_type)) {
            let new_prop = new_props.as_ref().and_then(|p| p.get(property.as_str()));
            if new_prop.and_then(|p| yaml_get(p, "default")).is_none() {
                return Some(format!(
                    "it makes '{name}.{property}' required without a default"
                ));
            }
        }
    }
    None
}

/// The bundle as Proton reads it: one whose only top-level entry is a directory holding the
/// schema (`tar -zcvf env-template.tar.gz environment/`, as the samples' READMEs make it) is
/// read from inside that directory.
fn unwrapped(bundle: Bundle) -> Bundle {
    if bundle.files.contains_key(SCHEMA_FILE) {
        return bundle;
    }
    let top = |path: &String| path.split('/').next().unwrap_or_default().to_string();
    let mut tops: BTreeSet<String> = bundle.files.keys().chain(&bundle.dirs).map(top).collect();
    // Exactly one top-level entry, a directory with the schema in it.
    let (Some(wrapper), None) = (tops.pop_first(), tops.pop_first()) else {
        return bundle;
    };
    let prefix = format!("{wrapper}/");
    if !bundle.files.contains_key(&format!("{prefix}{SCHEMA_FILE}")) {
        return bundle;
    }
    let inside = |path: &String| path.strip_prefix(&prefix).map(str::to_string);
    Bundle {
        files: (bundle.files.into_iter())
            .filter_map(|(path, data)| Some((inside(&path)?, data)))
            .collect(),
        dirs: bundle.dirs.iter().filter_map(inside).collect(),
    }
}

fn yaml_get<'a>(value: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    value.as_mapping().and_then(|m| m.get(key))
}

fn validate(bundle: &Bundle, kind: BundleKind) -> Result<String, String> {
    let schema_bytes = bundle.files.get(SCHEMA_FILE).ok_or_else(|| {
        format!("The template bundle is missing the schema file '{SCHEMA_FILE}'.")
    })?;
    let schema_text = String::from_utf8(schema_bytes.clone())
        .map_err(|_| format!("'{SCHEMA_FILE}' is not valid UTF-8 text."))?;
    if schema_text.chars().count() > MAX_SCHEMA_CHARS {
        return Err(format!(
            "'{SCHEMA_FILE}' exceeds the maximum schema size of {MAX_SCHEMA_CHARS} characters."
        ));
    }
    let schema_doc: Yaml = serde_norway::from_str(&schema_text)
        .map_err(|e| format!("'{SCHEMA_FILE}' is not valid YAML: {e}"))?;
    let schema = yaml_get(&schema_doc, "schema")
        .filter(|s| s.is_mapping())
        .ok_or_else(|| format!("'{SCHEMA_FILE}' must have a top-level 'schema' mapping."))?;
    let openapi = yaml_get(schema, "format").and_then(|f| yaml_get(f, "openapi"));
    if openapi.and_then(Yaml::as_str) != Some("3.0.0") {
        return Err(format!(
            "'{SCHEMA_FILE}': 'schema.format.openapi' must be \"3.0.0\"."
        ));
    }
    let types = yaml_get(schema, "types").and_then(Yaml::as_mapping);
    let check_input_type = |field: &str| -> Result<(), String> {
        let name = yaml_get(schema, field)
            .and_then(Yaml::as_str)
            .ok_or_else(|| format!("'{SCHEMA_FILE}': 'schema.{field}' is required."))?;
        let defined = types.is_some_and(|t| t.contains_key(name));
        if defined {
            Ok(())
        } else {
            Err(format!(
                "'{SCHEMA_FILE}': 'schema.{field}' names type '{name}', which is not defined in 'schema.types'."
            ))
        }
    };
    match kind {
        BundleKind::Environment { customer_managed } => {
            check_input_type("environment_input_type")?;
            if customer_managed {
                if bundle.dirs.contains("infrastructure") {
                    return Err("The 'infrastructure' directory must not be included in a template bundle for an environment template with CUSTOMER_MANAGED provisioning.".to_string());
                }
            } else {
                check_infrastructure(bundle, "infrastructure")?;
            }
        }
        BundleKind::Service { has_pipeline } => {
            check_input_type("service_input_type")?;
            if has_pipeline {
                check_input_type("pipeline_input_type")?;
            }
            check_infrastructure(bundle, "instance_infrastructure")?;
            if has_pipeline {
                check_infrastructure(bundle, "pipeline_infrastructure")?;
            }
        }
    }
    // Other files may be anything (Terraform, scripts, archives); YAML files must parse.
    let yaml_files = bundle.files.iter().filter(|(path, _)| {
        let path = path.to_ascii_lowercase();
        path.ends_with(".yaml") || path.ends_with(".yml")
    });
    for (path, data) in yaml_files {
        serde_norway::from_slice::<Yaml>(data)
            .map_err(|e| format!("'{path}' is not valid YAML: {e}"))?;
    }
    Ok(schema_text)
}

/// An infrastructure directory needs a valid `manifest.yaml` whose listed files exist.
fn check_infrastructure(bundle: &Bundle, dir: &str) -> Result<(), String> {
    let manifest_path = format!("{dir}/manifest.yaml");
    let Some(manifest_bytes) = bundle.files.get(&manifest_path) else {
        if bundle.dirs.contains(dir) {
            return Err(format!(
                "The template bundle is missing the manifest file '{manifest_path}'."
            ));
        }
        return Err(format!(
            "The template bundle is missing the '{dir}' directory (with '{manifest_path}')."
        ));
    };
    within(&manifest_path, manifest_bytes, MAX_MANIFEST_BYTES)?;
    let manifest: Yaml = serde_norway::from_slice(manifest_bytes)
        .map_err(|e| format!("'{manifest_path}' is not valid YAML: {e}"))?;
    let templates = yaml_get(&manifest, "infrastructure")
        .and_then(|i| yaml_get(i, "templates"))
        .and_then(Yaml::as_sequence)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            format!("'{manifest_path}' must list at least one entry in 'infrastructure.templates'.")
        })?;
    for (i, template) in templates.iter().enumerate() {
        let entry = format!("'{manifest_path}': 'infrastructure.templates[{i}]");
        if yaml_get(template, "rendering_engine").and_then(Yaml::as_str) == Some("codebuild") {
            check_codebuild(template, &entry)?;
            continue;
        }
        let file = yaml_get(template, "file")
            .and_then(Yaml::as_str)
            .ok_or_else(|| format!("{entry}.file' is required."))?;
        let in_dir = |name: &str| format!("{dir}/{name}");
        if file == "*" {
            // Terraform's wildcard: the `.tf` files of the directory, others ignored.
            let tf = |path: &String| {
                let name = path.strip_prefix(&in_dir("")).unwrap_or_default();
                !name.contains('/') && name.ends_with(".tf")
            };
            let mut tf_files = bundle.files.iter().filter(|(path, _)| tf(path)).peekable();
            if tf_files.peek().is_none() {
                return Err(format!(
                    "{entry}.file' is \"*\", the .tf files of the '{dir}' directory, and it has none."
                ));
            }
            for (path, data) in tf_files {
                within(path, data, MAX_TEMPLATE_FILE_BYTES)?;
            }
        } else if !file.contains('*') {
            let path = in_dir(file);
            let data = bundle.files.get(&path).ok_or_else(|| {
                format!("'{manifest_path}' names the file '{file}', which is not in the '{dir}' directory.")
            })?;
            within(&path, data, MAX_TEMPLATE_FILE_BYTES)?;
        }
    }
    Ok(())
}

/// Refuses a file over Proton's quota for its kind.
fn within(path: &str, data: &[u8], limit: usize) -> Result<(), String> {
    match data.len() <= limit {
        true => Ok(()),
        false => Err(format!(
            "'{path}' is larger than {limit} bytes ({} bytes), Proton's limit for it.",
            data.len()
        )),
    }
}

/// A CodeBuild-provisioned template names no file: its `settings` say which commands
/// provision and deprovision the infrastructure.
fn check_codebuild(template: &Yaml, entry: &str) -> Result<(), String> {
    let settings = yaml_get(template, "settings")
        .filter(|s| s.is_mapping())
        .ok_or_else(|| {
            format!("{entry}.settings' is required with rendering_engine codebuild: it lists the commands that provision and deprovision.")
        })?;
    for commands in ["provision", "deprovision"] {
        let listed = yaml_get(settings, commands)
            .and_then(Yaml::as_sequence)
            .is_some_and(|list| !list.is_empty() && list.iter().all(Yaml::is_string));
        if !listed {
            return Err(format!(
                "{entry}.settings.{commands}' must list the commands to run (rendering_engine codebuild)."
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn bundle(files: &[(&str, &str)]) -> Bundle {
        let mut b = Bundle {
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
        };
        for (path, text) in files {
            let parts: Vec<&str> = path.split('/').collect();
            for i in 1..parts.len() {
                b.dirs.insert(parts[..i].join("/"));
            }
            b.files.insert(path.to_string(), text.as_bytes().to_vec());
        }
        b
    }

    const ENV_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"In\"\n  types:\n    In:\n      type: object\n";
    const MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"cloudformation.yaml\"\n      rendering_engine: jinja\n      template_language: cloudformation\n";

    #[test]
    fn standard_environment_bundle_registers() {
        let b = bundle(&[
            ("schema/schema.yaml", ENV_SCHEMA),
            ("infrastructure/manifest.yaml", MANIFEST),
            ("infrastructure/cloudformation.yaml", "Resources: {}\n"),
        ]);
        let kind = BundleKind::Environment {
            customer_managed: false,
        };
        assert_eq!(validate(&b, kind).unwrap(), ENV_SCHEMA);
    }

    #[test]
    fn customer_managed_rejects_infrastructure() {
        let b = bundle(&[
            ("schema/schema.yaml", ENV_SCHEMA),
            ("infrastructure/manifest.yaml", MANIFEST),
        ]);
        let kind = BundleKind::Environment {
            customer_managed: true,
        };
        assert!(validate(&b, kind).unwrap_err().contains("infrastructure"));
    }

    #[test]
    fn undefined_input_type_is_named() {
        let schema = ENV_SCHEMA.replace(
            "environment_input_type: \"In\"",
            "environment_input_type: \"Nope\"",
        );
        let b = bundle(&[("schema/schema.yaml", &schema)]);
        let err = validate(
            &b,
            BundleKind::Environment {
                customer_managed: true,
            },
        )
        .unwrap_err();
        assert!(err.contains("Nope"), "{err}");
    }

    #[test]
    fn keys_cannot_escape_the_bundle_dir() {
        let root = tempfile::tempdir().unwrap();
        let bundles = root.path().join("bundles");
        std::fs::create_dir_all(bundles.join("bucket")).unwrap();
        std::fs::write(root.path().join("outside.tar.gz"), b"not to be read").unwrap();
        let objects = crate::objects::ObjectStore::directory(bundles);
        let source = S3Source {
            bucket: "bucket".into(),
            key: "../../outside.tar.gz".into(),
        };
        let err = register(
            &Bundles::Stored(std::sync::Arc::new(objects)),
            &source,
            BundleKind::Environment {
                customer_managed: true,
            },
        )
        .unwrap_err();
        assert!(err.contains("could not be found"), "{err}");
    }

    #[test]
    fn a_missing_bucket_or_object_names_the_s3_uri() {
        let objects = std::sync::Arc::new(crate::objects::ObjectStore::in_memory());
        objects.create_bucket("bucket").unwrap();
        let kind = BundleKind::Environment {
            customer_managed: true,
        };
        for (bucket, why) in [
            ("bucket", "could not be found"),
            ("nobucket", "does not exist"),
        ] {
            let source = S3Source {
                bucket: bucket.into(),
                key: "k.tar.gz".into(),
            };
            let err = register(&Bundles::Stored(objects.clone()), &source, kind).unwrap_err();
            assert!(err.contains(&format!("s3://{bucket}/k.tar.gz")), "{err}");
            assert!(err.contains(why), "{err}");
        }
    }
}
