//! Template versions after creation: Get, Update (description, compatibility, DRAFT to
//! PUBLISHED), Delete (subject to `version_rules`) and List.

use serde_json::{json, Map, Value};

use super::render::{
    template_not_found, version_cursor, version_json, version_not_found, VersionView,
};
use super::version_rules::{check_compatible, delete_refusal};
use super::{now_ms, Engine};
use crate::kind::TemplateKind;
use crate::model::{self, Reader};
use crate::paging::{page_limit, page_output, paginate, DEFAULT_PAGE_SIZE};
use crate::store::{Partition, PartitionKey, Record, StoredStatus, VersionKey};
use crate::wire::ApiError;

/// templateName, majorVersion and minorVersion as read (absent ones already reported).
type VersionIdInput = (Option<String>, Option<String>, Option<String>);

/// Reads templateName/majorVersion/minorVersion (all required).
fn read_version_id(r: &mut Reader<'_>) -> Result<VersionIdInput, ApiError> {
    let template = r.required_string("templateName", &model::RESOURCE_NAME)?;
    let major = r.required_string("majorVersion", &model::VERSION_PART)?;
    let minor = r.required_string("minorVersion", &model::VERSION_PART)?;
    Ok((template, major, minor))
}

/// The three parts of a version id, once the request has been read and its shape errors
/// reported: a part the shape check let through as absent is still required here.
fn require_version_id(id: VersionIdInput) -> Result<(String, String, String), ApiError> {
    match id {
        (Some(template), Some(major), Some(minor)) => Ok((template, major, minor)),
        _ => Err(ApiError::validation(
            "templateName, majorVersion and minorVersion are required",
        )),
    }
}

/// Finds a version's key; `Ok(None)` when the template exists but the version doesn't.
fn find_version(
    p: Option<&Partition>,
    kind: TemplateKind,
    template: &str,
    major: &str,
    minor: &str,
) -> Result<Option<VersionKey>, ApiError> {
    let Some(p) = p.filter(|p| p.templates.contains_key(&(kind, template.to_string()))) else {
        return Err(template_not_found(kind, template));
    };
    let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else {
        return Ok(None);
    };
    let key = (kind, template.to_string(), major, minor);
    Ok(p.versions.contains_key(&key).then_some(key))
}

impl Engine {
    pub(super) fn get_version(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = read_version_id(&mut r)?;
        model::finish(errors)?;
        let (template, major, minor) = require_version_id((template, major, minor))?;
        let inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let key = find_version(p, kind, &template, &major, &minor)?
            .ok_or_else(|| version_not_found(kind, &template, &major, &minor))?;
        let (Some(p), Some(v)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Err(version_not_found(kind, &template, &major, &minor));
        };
        Ok(json!({ kind.version_member(): version_json(pk, p, v, now_ms(), VersionView::Full) }))
    }

    pub(super) fn update_version(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = read_version_id(&mut r)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let status = r.enumeration("status", model::STATUS_VALUES)?;
        let (compatible, component_sources) = if kind.names_compatible_environments() {
            (
                model::read_compatible(&mut r, false)?,
                model::read_component_sources(&mut r)?,
            )
        } else {
            (None, None)
        };
        model::finish(errors)?;
        let (template, major, minor) = require_version_id((template, major, minor))?;
        let now = now_ms();
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let key = find_version(p, kind, &template, &major, &minor)?
            .ok_or_else(|| version_not_found(kind, &template, &major, &minor))?;
        let (Some(p), Some(existing)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Err(version_not_found(kind, &template, &major, &minor));
        };
        let mut version = existing.clone();
        version.settle(now);
        if let Some(status) = &status {
            let current = version.effective(now).status;
            if status != "PUBLISHED" || current != "DRAFT" {
                return Err(ApiError::validation(format!(
                    "You can only change the status of a template version from DRAFT to PUBLISHED; version {major}.{minor} is {current} and the requested status is {status}."
                )));
            }
        }
        if let Some(compatible) = &compatible {
            check_compatible(p, compatible)?;
        }
        if status.is_some() {
            version.status = StoredStatus::Published;
        }
        if description.is_some() {
            version.description = description;
        }
        if let Some(compatible) = compatible {
            version.compatible = compatible;
        }
        if component_sources.is_some() {
            version.component_sources = component_sources;
        }
        version.modified_ms = now.max(version.modified_ms);
        Engine::commit(
            &mut inner,
            vec![Record::PutVersion {
                partition: pk.clone(),
                version: version.clone(),
            }],
        )?;
        let p = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ kind.version_member(): version_json(pk, p, &version, now, VersionView::Full) }))
    }

    pub(super) fn delete_version(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = read_version_id(&mut r)?;
        model::finish(errors)?;
        let (template, major, minor) = require_version_id((template, major, minor))?;
        let now = now_ms();
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let Some(key) = find_version(p, kind, &template, &major, &minor)? else {
            // Idempotent delete: a missing version of an existing template is a success.
            return Ok(json!({}));
        };
        let (Some(p), Some(v)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Ok(json!({}));
        };
        if let Some(reason) = delete_refusal(p, v) {
            return Err(ApiError::conflict(reason));
        }
        let rendered = version_json(pk, p, v, now, VersionView::Full);
        Engine::commit(
            &mut inner,
            vec![Record::DeleteVersion {
                partition: pk.clone(),
                kind,
                template: key.1.clone(),
                major: key.2,
                minor: key.3,
            }],
        )?;
        Ok(json!({ kind.version_member(): rendered }))
    }

    pub(super) fn list_versions(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let template = r.required_string("templateName", &model::RESOURCE_NAME)?;
        let major = r.string("majorVersion", &model::VERSION_PART)?;
        let (max, token) = model::read_paging(&mut r, &model::NEXT_TOKEN)?;
        model::finish(errors)?;
        let Some(template) = template else {
            return Err(ApiError::validation("templateName is required"));
        };
        let now = now_ms();
        let inner = self.lock();
        let Some(p) = inner
            .state
            .partitions
            .get(pk)
            .filter(|p| p.templates.contains_key(&(kind, template.clone())))
        else {
            return Err(template_not_found(kind, &template));
        };
        // A major that cannot be a number simply matches nothing.
        let major_filter = major.as_ref().map(|m| m.parse::<u64>().ok());
        let items: Vec<(String, Value)> = p
            .versions_of(kind, &template)
            .filter(|v| major_filter.is_none_or(|m| m == Some(v.major)))
            .map(|v| {
                (
                    version_cursor(v.major, v.minor),
                    version_json(pk, p, v, now, VersionView::Summary),
                )
            })
            .collect();
        let (page, next) = paginate(items, page_limit(max, DEFAULT_PAGE_SIZE), token.as_deref())?;
        Ok(page_output("templateVersions", page, next))
    }
}
