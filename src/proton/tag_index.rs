//! The tags of many objects per request, from the Resource Groups Tagging API's `GetResources`
//! with a list of up to [`ARNS_PER_CALL`] ARNs, where Proton's own `ListTagsForResource`
//! answers for one object.
//!
//! Rules (sources: the `GetResources` API reference, and the service model's documentation in
//! `aws-sdk-resourcegroupstagging`):
//!
//! 1. `GetResources` "supports all resource types" (the Tagging API's list of supported
//!    services: only its `TagResources` / `UntagResources` are limited to that list), so
//!    Proton's templates and versions are covered.
//! 2. It "returns all the tagged or previously tagged resources"; one never tagged is absent,
//!    and one whose tags were all removed may be absent or listed with no tags. So an ARN the
//!    answer leaves out has no tags.
//! 3. Its answer is read from an index that trails the services' own state; a caller that must
//!    not act on a stale answer confirms with the object's own `ListTagsForResource` whenever
//!    the answer would change what it knows (`crate::proton::snapshot` rule 3).
//! 4. It needs its own permission (`tag:GetResources`) and endpoint. Denied (or an endpoint
//!    that does not implement it), the index is switched off for the rest of the process and
//!    every read asks `ListTagsForResource`, as before: slower, never wrong. Any other failure
//!    is the read's error.
//! 5. AWS's own `aws:` keys are dropped, as `ProtonClient::list_tags` does.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_sdk_resourcegroupstagging::error::ProvideErrorMetadata;

use super::error::ProtonError;

/// The most ARNs one `GetResources` call may name (`ResourceARNList`: 1 to 100 members).
pub const ARNS_PER_CALL: usize = 100;

/// The service errors name.
pub(crate) const TAGGING: &str = "the Resource Groups Tagging API";

/// Error codes after which the index is switched off (rule 4): the caller may not use the
/// API, or the endpoint does not have it.
const UNAVAILABLE_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "UnknownOperationException",
    "InvalidAction",
];

/// Tags of the ARNs asked for: an ARN absent from the map has none (rule 2).
pub type TagsByArn = HashMap<String, BTreeMap<String, String>>;

/// The region's Tagging API client, when the provider may use it. Cheap to clone; clones share
/// whether it was switched off.
#[derive(Clone, Debug)]
pub struct TagIndex {
    sdk: Option<aws_sdk_resourcegroupstagging::Client>,
    /// The endpoint in use, only for error messages.
    endpoint: Option<Arc<str>>,
    switched_off: Arc<AtomicBool>,
}

impl TagIndex {
    /// An index that asks `sdk` (sending to `endpoint`, named in errors).
    pub fn new(sdk: aws_sdk_resourcegroupstagging::Client, endpoint: Option<String>) -> Self {
        Self {
            sdk: Some(sdk),
            endpoint: endpoint.map(Arc::from),
            switched_off: Arc::default(),
        }
    }

    /// No index: every read asks `ListTagsForResource`.
    pub fn none() -> Self {
        Self {
            sdk: None,
            endpoint: None,
            switched_off: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The tags of each of `arns`, [`ARNS_PER_CALL`] per request; `None` when the index is
    /// not available (rule 4).
    pub async fn tags_of(&self, arns: &[String]) -> Result<Option<TagsByArn>, ProtonError> {
        let mut found = TagsByArn::new();
        for chunk in arns.chunks(ARNS_PER_CALL) {
            let Some(sdk) = self.usable() else {
                return Ok(None);
            };
            let mut token: Option<String> = None;
            loop {
                let page = sdk
                    .get_resources()
                    .set_resource_arn_list(Some(chunk.to_vec()))
                    .set_pagination_token(token.clone())
                    .send()
                    .await;
                let page = match page {
                    Ok(page) => page,
                    Err(err) if self.switch_off_after(&err) => return Ok(None),
                    Err(err) => return Err(self.fail(chunk, err)),
                };
                for mapping in page.resource_tag_mapping_list() {
                    let Some(arn) = mapping.resource_arn() else {
                        continue;
                    };
                    let tags = mapping
                        .tags()
                        .iter()
                        .filter(|tag| !tag.key().starts_with("aws:"))
                        .map(|tag| (tag.key().to_owned(), tag.value().to_owned()));
                    found.insert(arn.to_owned(), tags.collect());
                }
                // An empty or repeated token ends the listing, so a misbehaving endpoint
                // cannot make us loop.
                match page.pagination_token().filter(|next| !next.is_empty()) {
                    Some(next) if Some(next) != token.as_deref() => token = Some(next.to_owned()),
                    _ => break,
                }
            }
        }
        Ok(Some(found))
    }

    fn usable(&self) -> Option<&aws_sdk_resourcegroupstagging::Client> {
        match self.switched_off.load(Ordering::Relaxed) {
            true => None,
            false => self.sdk.as_ref(),
        }
    }

    /// Whether `err` means the API is not available to us (rule 4); if so, switches the index
    /// off and says so once in the log.
    fn switch_off_after<E: ProvideErrorMetadata>(
        &self,
        err: &aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> bool {
        let Some(code) = err.as_service_error().and_then(ProvideErrorMetadata::code) else {
            return false;
        };
        if !UNAVAILABLE_CODES.contains(&code) {
            return false;
        }
        if !self.switched_off.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                code,
                message = err
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::message),
                "GetResources of the Resource Groups Tagging API is not available: every \
                 refresh reads tags with one ListTagsForResource per object (allow \
                 `tag:GetResources` for fewer requests)"
            );
        }
        true
    }

    fn fail<E>(
        &self,
        arns: &[String],
        err: aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> ProtonError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let resource = match arns {
            [one] => format!("`{one}`"),
            _ => format!("{} objects' tags", arns.len()),
        };
        ProtonError::from_sdk(
            TAGGING,
            "GetResources",
            resource,
            self.endpoint.as_deref(),
            err,
        )
    }
}
