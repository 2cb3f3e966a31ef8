//! Environment and service templates: Create, Get, Update, Delete and List.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::render::{template_json, template_not_found};
use super::{now_ms, Engine};
use crate::idempotency::{self, TemplateCreateRequest};
use crate::kind::TemplateKind;
use crate::model::{self, Reader};
use crate::paging::{page_limit, page_output, paginate, DEFAULT_PAGE_SIZE};
use crate::store::{PartitionKey, Record, Template};
use crate::wire::ApiError;

/// Reads the `name` every Get and Delete takes.
fn read_name(body: &Map<String, Value>) -> Result<String, ApiError> {
    let mut errors = Vec::new();
    let mut r = Reader::new(body, &mut errors);
    let name = r.required_string("name", &model::RESOURCE_NAME)?;
    model::finish(errors)?;
    name.ok_or_else(|| ApiError::validation("name is required"))
}

impl Engine {
    pub(super) fn create_template(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let name = r.required_string("name", &model::RESOURCE_NAME)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let display_name = r.string("displayName", &model::DISPLAY_NAME)?;
        let encryption_key = r.string("encryptionKey", &model::ARN)?;
        let provisioning = r.enumeration(kind.provisioning_member(), model::PROVISIONING_VALUES)?;
        let tags = model::read_tags(&mut r)?;
        model::finish(errors)?;
        let Some(name) = name else {
            return Err(ApiError::validation("name is required"));
        };
        let request = TemplateCreateRequest {
            description,
            display_name,
            encryption_key,
            provisioning,
            tags: tags.into_iter().collect(),
        };
        let now = now_ms();
        let mut inner = self.lock();
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        if let Some(existing) = partition.templates.get(&(kind, name.clone())) {
            idempotency::check_create_retry(existing, &request)?;
            return Ok(
                json!({ kind.template_member(): template_json(pk, partition, existing, false) }),
            );
        }
        let template = Template {
            ever_tagged: !request.tags.is_empty(),
            kind,
            name,
            display_name: request.display_name.clone(),
            description: request.description.clone(),
            encryption_key: request.encryption_key.clone(),
            provisioning: request.provisioning.clone(),
            created_ms: now,
            modified_ms: now,
            tags: request.tags.clone(),
            highest_major: 0,
            highest_minor: BTreeMap::new(),
            created_with: Some(request),
        };
        Engine::commit(
            &mut inner,
            vec![Record::PutTemplate {
                partition: pk.clone(),
                template: template.clone(),
            }],
        )?;
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ kind.template_member(): template_json(pk, partition, &template, false) }))
    }

    pub(super) fn get_template(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let name = read_name(body)?;
        let inner = self.lock();
        let partition = inner.state.partitions.get(pk);
        let found = partition.and_then(|p| p.templates.get(&(kind, name.clone())).map(|t| (p, t)));
        let Some((p, t)) = found else {
            return Err(template_not_found(kind, &name));
        };
        Ok(json!({ kind.template_member(): template_json(pk, p, t, false) }))
    }

    pub(super) fn update_template(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let name = r.required_string("name", &model::RESOURCE_NAME)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let display_name = r.string("displayName", &model::DISPLAY_NAME)?;
        model::finish(errors)?;
        let Some(name) = name else {
            return Err(ApiError::validation("name is required"));
        };
        let mut inner = self.lock();
        let Some(existing) = inner
            .state
            .partitions
            .get(pk)
            .and_then(|p| p.templates.get(&(kind, name.clone())))
        else {
            return Err(template_not_found(kind, &name));
        };
        let mut template = existing.clone();
        if description.is_some() {
            template.description = description;
        }
        if display_name.is_some() {
            template.display_name = display_name;
        }
        template.modified_ms = now_ms().max(template.created_ms + 1);
        Engine::commit(
            &mut inner,
            vec![Record::PutTemplate {
                partition: pk.clone(),
                template: template.clone(),
            }],
        )?;
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ kind.template_member(): template_json(pk, partition, &template, false) }))
    }

    pub(super) fn delete_template(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let name = read_name(body)?;
        let now = now_ms();
        let mut inner = self.lock();
        let Some(partition) = inner.state.partitions.get(pk) else {
            return Err(template_not_found(kind, &name));
        };
        let key = (kind, name.clone());
        let Some(template) = partition.templates.get(&key) else {
            // Idempotent delete: retrying one that succeeded answers the empty output.
            return match partition.deleted_templates.get(&key) {
                Some(deleted) if idempotency::delete_retry_allowed(*deleted, now) => Ok(json!({})),
                _ => Err(template_not_found(kind, &name)),
            };
        };
        let count = partition.versions_of(kind, &name).count();
        if count > 0 {
            return Err(ApiError::conflict(format!(
                "The {} '{name}' can't be deleted because it still has {count} version(s). Delete its versions first.",
                kind.noun()
            )));
        }
        let rendered = template_json(pk, partition, template, false);
        Engine::commit(
            &mut inner,
            vec![Record::DeleteTemplate {
                partition: pk.clone(),
                kind,
                name,
                deleted_ms: Some(now),
            }],
        )?;
        Ok(json!({ kind.template_member(): rendered }))
    }

    pub(super) fn list_templates(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (max, token) = model::read_paging(&mut r, &model::NEXT_TOKEN)?;
        model::finish(errors)?;
        let inner = self.lock();
        let items: Vec<(String, Value)> = inner
            .state
            .partitions
            .get(pk)
            .map(|p| {
                p.templates
                    .values()
                    .filter(|t| t.kind == kind)
                    .map(|t| (t.name.clone(), template_json(pk, p, t, true)))
                    .collect()
            })
            .unwrap_or_default();
        let (page, next) = paginate(items, page_limit(max, DEFAULT_PAGE_SIZE), token.as_deref())?;
        Ok(page_output("templates", page, next))
    }
}
