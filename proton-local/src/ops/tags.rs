//! Tags: TagResource, UntagResource and ListTagsForResource on template and version ARNs,
//! with the AWS-managed tags Proton adds to versions.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::render::{arn_partition, template_arn, template_not_found, version_arn};
use super::Engine;
use crate::kind::TemplateKind;
use crate::model::{self, Reader};
use crate::paging::{page_limit, page_output, paginate, MAX_TAGS_PER_PAGE};
use crate::store::{Partition, PartitionKey, Record, Version, VersionKey};
use crate::wire::ApiError;

/// A version's tags as reported: its user tags plus the AWS-managed tags Proton propagates
/// from the template to its versions.
fn version_tags(pk: &PartitionKey, v: &Version) -> BTreeMap<String, String> {
    let mut tags = v.tags.clone();
    tags.insert(
        "aws:proton:template".into(),
        template_arn(pk, v.kind, &v.template),
    );
    tags.insert("aws:proton:account".into(), pk.account.clone());
    tags
}

/// A taggable resource named by an ARN.
enum TaggedResource {
    Template(TemplateKind, String),
    Version(VersionKey),
}

/// Resolves a resource ARN within the caller's partition.
fn resolve_arn(
    pk: &PartitionKey,
    p: Option<&Partition>,
    arn: &str,
) -> Result<TaggedResource, ApiError> {
    let not_found = || ApiError::not_found(format!("The resource with ARN '{arn}' was not found."));
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err(not_found());
    };
    if partition != arn_partition(&pk.region)
        || service != "proton"
        || region != pk.region
        || account != pk.account
    {
        return Err(not_found());
    }
    let (kind, rest) = TemplateKind::of_arn_resource(resource).ok_or_else(not_found)?;
    let p = p.ok_or_else(not_found)?;
    match rest.split_once(':') {
        None => {
            if p.templates.contains_key(&(kind, rest.to_string())) {
                Ok(TaggedResource::Template(kind, rest.to_string()))
            } else {
                Err(not_found())
            }
        }
        Some((name, version)) => {
            let (major, minor) = version.split_once('.').ok_or_else(not_found)?;
            let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else {
                return Err(not_found());
            };
            let key = (kind, name.to_string(), major, minor);
            if p.versions.contains_key(&key) {
                Ok(TaggedResource::Version(key))
            } else {
                Err(not_found())
            }
        }
    }
}

impl Engine {
    /// Every tagged or previously tagged resource of one (region, account) with the tags
    /// `ListTagsForResource` reports for it, by ARN: what the Resource Groups Tagging API's
    /// `GetResources` sees (`tagging.rs`). Templates that never had a user tag are not in it;
    /// versions always are, since they carry the managed tags from their creation.
    pub(crate) fn tag_index(
        &self,
        region: &str,
        account: &str,
    ) -> BTreeMap<String, BTreeMap<String, String>> {
        let pk = PartitionKey {
            region: region.to_string(),
            account: account.to_string(),
        };
        let inner = self.lock();
        let Some(p) = inner.state.partitions.get(&pk) else {
            return BTreeMap::new();
        };
        let templates = p
            .templates
            .values()
            .filter(|t| t.was_ever_tagged())
            .map(|t| (template_arn(&pk, t.kind, &t.name), t.tags.clone()));
        let versions = p.versions.values().map(|v| {
            (
                version_arn(&pk, v.kind, &v.template, v.major, v.minor),
                version_tags(&pk, v),
            )
        });
        templates.chain(versions).collect()
    }

    /// Applies `change` to a resource's user tags and persists the result.
    fn change_tags(
        &self,
        pk: &PartitionKey,
        arn: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let record = match resolve_arn(pk, p, arn)? {
            TaggedResource::Template(kind, name) => {
                let Some(existing) = p.and_then(|p| p.templates.get(&(kind, name.clone()))) else {
                    return Err(template_not_found(kind, &name));
                };
                let mut template = existing.clone();
                change(&mut template.tags)?;
                // Tagged before or after this change: GetResources keeps reporting it.
                template.ever_tagged = existing.was_ever_tagged() || !template.tags.is_empty();
                Record::PutTemplate {
                    partition: pk.clone(),
                    template,
                }
            }
            TaggedResource::Version(key) => {
                let Some(existing) = p.and_then(|p| p.versions.get(&key)) else {
                    return Err(ApiError::not_found(format!(
                        "The resource with ARN '{arn}' was not found."
                    )));
                };
                let mut version = existing.clone();
                change(&mut version.tags)?;
                Record::PutVersion {
                    partition: pk.clone(),
                    version,
                }
            }
        };
        Engine::commit(&mut inner, vec![record])
    }

    pub(super) fn tag_resource(
        &self,
        pk: &PartitionKey,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        if !body.contains_key("tags") || body.get("tags").is_some_and(Value::is_null) {
            r.record_missing("tags");
        }
        let tags = model::read_tags(&mut r)?;
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        self.change_tags(pk, &arn, |existing| {
            for (k, v) in tags {
                existing.insert(k, v);
            }
            if existing.len() > model::MAX_TAGS {
                return Err(ApiError::validation(format!(
                    "The resource would have {} tags; the maximum is {}.",
                    existing.len(),
                    model::MAX_TAGS
                )));
            }
            Ok(())
        })?;
        Ok(json!({}))
    }

    pub(super) fn untag_resource(
        &self,
        pk: &PartitionKey,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        let keys = r.required_list("tagKeys", 0, Some(model::MAX_TAGS))?;
        let mut tag_keys = Vec::new();
        for (i, item) in keys.into_iter().flatten().enumerate() {
            let path = format!("tagKeys.{}.member", i + 1);
            let Value::String(key) = item else {
                return Err(ApiError::serialization(format!(
                    "Expected a string for member '{path}'"
                )));
            };
            Reader::check_string(r.errors_mut(), &path, key, &model::TAG_KEY);
            if model::is_reserved_tag_key(key) {
                r.violation(
                    &path,
                    "Member must not begin with the reserved prefix 'aws:'",
                );
            }
            tag_keys.push(key.clone());
        }
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        self.change_tags(pk, &arn, |existing| {
            for key in &tag_keys {
                existing.remove(key);
            }
            Ok(())
        })?;
        Ok(json!({}))
    }

    pub(super) fn list_tags(
        &self,
        pk: &PartitionKey,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        let (max, token) = model::read_paging(&mut r, &model::PLAIN_STRING)?;
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        let inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let mut tags: BTreeMap<String, String> = BTreeMap::new();
        match resolve_arn(pk, p, &arn)? {
            TaggedResource::Template(kind, name) => {
                if let Some(t) = p.and_then(|p| p.templates.get(&(kind, name))) {
                    tags.extend(t.tags.clone());
                }
            }
            TaggedResource::Version(key) => {
                if let Some(v) = p.and_then(|p| p.versions.get(&key)) {
                    tags = version_tags(pk, v);
                }
            }
        }
        let items = tags
            .into_iter()
            .map(|(k, v)| (k.clone(), json!({ "key": k, "value": v })))
            .collect();
        // Managed tags count too: a version with 50 user tags lists 52 over two pages.
        let (page, next) = paginate(items, page_limit(max, MAX_TAGS_PER_PAGE), token.as_deref())?;
        Ok(page_output("tags", page, next))
    }
}
