//! Finders: "gone" is `Ok(None)`, anything else that went wrong stays an error.
//!
//! Resource Read uses these to decide whether to drop a resource from state, so a throttled,
//! denied or unreachable call must never look like "gone" (terraform-provider-aws `findXByID`).
//! Throttling and 5xx are retried by the SDK's retry policy before they surface here.

use super::client::ProtonClient;
use super::error::ProtonError;
use super::model::{Template, TemplateKind, TemplateVersion, VersionKey};

/// What a finder gives: `None` when the object does not exist.
pub type Found<T> = Result<Option<T>, ProtonError>;

impl ProtonClient {
    /// The version, or `None` if it (or its template) does not exist.
    pub async fn find_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Found<TemplateVersion> {
        not_found_as_none(self.get_version(kind, key).await)
    }

    /// The template, or `None` if it does not exist.
    pub async fn find_template(&self, kind: TemplateKind, name: &str) -> Found<Template> {
        not_found_as_none(self.get_template(kind, name).await)
    }
}

/// Numeric ordering of `MAJOR.MINOR` (`1.10` after `1.9`); unparsable parts sort last.
pub fn version_order(major: &str, minor: &str) -> (u64, u64, String, String) {
    (
        major.parse().unwrap_or(u64::MAX),
        minor.parse().unwrap_or(u64::MAX),
        major.to_string(),
        minor.to_string(),
    )
}

fn not_found_as_none<T>(result: Result<T, ProtonError>) -> Found<T> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(ProtonError::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}
