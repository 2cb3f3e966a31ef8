//! The model's idempotency rules ("Idempotent create APIs", "Idempotent delete APIs" in the
//! service documentation) for templates, and the canonical form client-token retries compare.
//!
//! - A template create is compared with the **request that created the template**, not with
//!   the template's current fields: the same request on an unmodified template returns it; the
//!   same request after an update is a `ConflictException`; any other request for an existing
//!   name is a `ValidationException` (IdempotentParameterMismatch).
//! - A template delete that succeeded leaves a record for [`DELETE_RETRY_WINDOW_MS`]: a retry
//!   in that window succeeds with an empty response (the resource no longer exists), after it a
//!   missing template is `ResourceNotFoundException`, as is one that never existed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind::TemplateKind;
use crate::store::Template;
use crate::wire::ApiError;

/// How long a successful template delete is remembered for retries. The model states a window
/// only for client tokens (eight hours); deletes use the same one.
pub(crate) const DELETE_RETRY_WINDOW_MS: u64 = 8 * 60 * 60 * 1000;

/// The parameters of the `Create*Template` request that created a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TemplateCreateRequest {
    pub(crate) description: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) encryption_key: Option<String>,
    pub(crate) provisioning: Option<String>,
    /// As a map: tag order in the request carries no meaning.
    pub(crate) tags: BTreeMap<String, String>,
}

impl TemplateCreateRequest {
    /// What a template would have been created from, for templates stored before requests
    /// were recorded: its current fields.
    fn from_current(template: &Template) -> TemplateCreateRequest {
        TemplateCreateRequest {
            description: template.description.clone(),
            display_name: template.display_name.clone(),
            encryption_key: template.encryption_key.clone(),
            provisioning: template.provisioning.clone(),
            tags: template.tags.clone(),
        }
    }
}

/// The answer to a create for a name that already exists.
pub(crate) fn check_create_retry(
    existing: &Template,
    request: &TemplateCreateRequest,
) -> Result<(), ApiError> {
    let original = existing
        .created_with
        .clone()
        .unwrap_or_else(|| TemplateCreateRequest::from_current(existing));
    let name = &existing.name;
    let noun = existing.kind.noun();
    if original != *request {
        return Err(ApiError::validation(format!(
            "IdempotentParameterMismatch: the {noun} '{name}' already exists and was created with different parameters."
        )));
    }
    if existing.modified_ms != existing.created_ms {
        return Err(ApiError::conflict(format!(
            "The {noun} '{name}' already exists and has been modified since it was created."
        )));
    }
    Ok(())
}

/// Whether a template deleted at `deleted_ms` may still be deleted again successfully.
pub(crate) fn delete_retry_allowed(deleted_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(deleted_ms) < DELETE_RETRY_WINDOW_MS
}

/// The key of a template's delete record.
pub(crate) type DeletedTemplateKey = (TemplateKind, String);

/// Serialises JSON with object keys sorted (and null members dropped, as Coral treats them as
/// absent), so equal parameters compare equal whatever the client's member order.
pub(crate) fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> =
                map.iter().filter(|(_, v)| !v.is_null()).collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            let members: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(canonical_json)
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn canonical_json_ignores_member_order() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":[1,{"q":1,"p":2}]}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":[1,{"p":2,"q":1}],"y":2},"b":1,"c":null}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }

    #[test]
    fn delete_retries_expire() {
        assert!(delete_retry_allowed(1_000, 1_000));
        assert!(delete_retry_allowed(
            1_000,
            1_000 + DELETE_RETRY_WINDOW_MS - 1
        ));
        assert!(!delete_retry_allowed(1_000, 1_000 + DELETE_RETRY_WINDOW_MS));
    }
}
