//! What the engine answers: ARNs, the template and version JSON shapes, the members they are
//! wrapped in, and the not-found errors every family shares.

use serde_json::{json, Map, Value};

use super::version_rules::{recommended_minor, recommended_version};
use crate::kind::TemplateKind;
use crate::store::{Partition, PartitionKey, Template, Version};
use crate::wire::ApiError;

/// The ARN partition a region belongs to.
pub(crate) fn arn_partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

pub(super) fn template_arn(p: &PartitionKey, kind: TemplateKind, name: &str) -> String {
    format!(
        "arn:{}:proton:{}:{}:{}/{name}",
        arn_partition(&p.region),
        p.region,
        p.account,
        kind.arn_type()
    )
}

pub(super) fn version_arn(
    p: &PartitionKey,
    kind: TemplateKind,
    name: &str,
    major: u64,
    minor: u64,
) -> String {
    format!("{}:{major}.{minor}", template_arn(p, kind, name))
}

pub(super) fn version_cursor(major: u64, minor: u64) -> String {
    format!("{major:020}.{minor:020}")
}

fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        map.insert(key.to_string(), Value::String(v.clone()));
    }
}

pub(super) fn template_json(
    pk: &PartitionKey,
    p: &Partition,
    t: &Template,
    summary: bool,
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(t.name));
    m.insert("arn".into(), json!(template_arn(pk, t.kind, &t.name)));
    m.insert("createdAt".into(), crate::wire::timestamp(t.created_ms));
    m.insert(
        "lastModifiedAt".into(),
        crate::wire::timestamp(t.modified_ms),
    );
    put_opt(&mut m, "displayName", t.display_name.as_ref());
    put_opt(&mut m, "description", t.description.as_ref());
    if let Some((major, minor)) = recommended_version(p, t.kind, &t.name) {
        m.insert(
            "recommendedVersion".into(),
            json!(format!("{major}.{minor}")),
        );
    }
    if !summary {
        put_opt(&mut m, "encryptionKey", t.encryption_key.as_ref());
    }
    put_opt(
        &mut m,
        t.kind.provisioning_member(),
        t.provisioning.as_ref(),
    );
    Value::Object(m)
}

/// How much of a version to render.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum VersionView {
    /// The full shape (Get/Update/Delete and idempotent Create retries).
    Full,
    /// The full shape as at creation (REGISTRATION_IN_PROGRESS, no schema).
    AsCreated,
    /// The list summary (no schema, no service-only lists).
    Summary,
}

pub(super) fn version_json(
    pk: &PartitionKey,
    p: &Partition,
    v: &Version,
    now: u64,
    view: VersionView,
) -> Value {
    let mut m = Map::new();
    m.insert("templateName".into(), json!(v.template));
    m.insert("majorVersion".into(), json!(v.major.to_string()));
    m.insert("minorVersion".into(), json!(v.minor.to_string()));
    if let Some(minor) = recommended_minor(p, v.kind, &v.template, v.major) {
        m.insert("recommendedMinorVersion".into(), json!(minor.to_string()));
    }
    let (status, message, schema, last_modified) = if view == VersionView::AsCreated {
        ("REGISTRATION_IN_PROGRESS", None, None, v.created_ms)
    } else {
        let effective = v.effective(now);
        (
            effective.status,
            effective.message,
            effective.schema,
            effective.last_modified_ms,
        )
    };
    m.insert("status".into(), json!(status));
    put_opt(&mut m, "statusMessage", message.as_ref());
    put_opt(&mut m, "description", v.description.as_ref());
    m.insert(
        "arn".into(),
        json!(version_arn(pk, v.kind, &v.template, v.major, v.minor)),
    );
    m.insert("createdAt".into(), crate::wire::timestamp(v.created_ms));
    m.insert(
        "lastModifiedAt".into(),
        crate::wire::timestamp(last_modified),
    );
    if view != VersionView::Summary {
        put_opt(&mut m, "schema", schema.as_ref());
        if v.kind.names_compatible_environments() {
            m.insert(
                "compatibleEnvironmentTemplates".into(),
                serde_json::to_value(&v.compatible).unwrap_or_else(|_| json!([])),
            );
            if let Some(sources) = &v.component_sources {
                m.insert("supportedComponentSources".into(), json!(sources));
            }
        }
    }
    Value::Object(m)
}

pub(super) fn template_not_found(kind: TemplateKind, name: &str) -> ApiError {
    ApiError::not_found(format!("The {} '{name}' was not found.", kind.noun()))
}

pub(super) fn version_not_found(
    kind: TemplateKind,
    name: &str,
    major: &str,
    minor: &str,
) -> ApiError {
    ApiError::not_found(format!(
        "The {} version '{name}:{major}.{minor}' was not found.",
        kind.noun()
    ))
}
