//! The Resource Groups Tagging API's `GetResources`, over the Proton objects proton-local
//! holds, on the same port (`POST /`, told apart by `X-Amz-Target`, see `server.rs`).
//!
//! Sources: the service model as shipped in `aws-sdk-resourcegroupstagging` 1.119 (member and
//! error documentation) and botocore's
//! `botocore/data/resourcegroupstaggingapi/2017-01-26/service-2.json` (constraints, errors,
//! protocol metadata), called "the model" below. Where neither says, the rule is marked
//! "proton-local's call".
//!
//! **Protocol.** awsJson 1.1: `X-Amz-Target: ResourceGroupsTaggingAPI_20170126.GetResources`
//! (the model's `targetPrefix`), content type `application/x-amz-json-1.1`, SigV4 signing name
//! `tagging` (the model's `endpointPrefix`; the SDK's `signing_name()`), verified like
//! Proton's requests and with the same keys and STS sessions; the request acts in the signing
//! caller's account and the credential scope's region. Another target under the prefix, a
//! non-POST or another content type → 400 `UnknownOperationException`; a body that is not a
//! JSON object, or a member of the wrong JSON type → 400 `SerializationException`. Errors are
//! `{"__type", "Message"}` (the model's member name) with `X-Amzn-Errortype`; the model gives
//! no `httpStatusCode`, so client errors are 400 and the one fault (`InternalServiceException`)
//! 500, as awsJson maps them.
//!
//! **What is listed.** "Returns all the tagged or previously tagged resources that are located
//! in the specified Amazon Web Services Region for the account" (the operation's doc):
//! templates that have, or once had, a user tag (tags given at create count; the bit is kept
//! with the template in `--data-dir`, `store::Template::ever_tagged`), shown with
//! `"Tags": []` once their tags are gone ("Resources that were previously tagged, but do not
//! currently have tags, are shown with an empty tag set", `TagFilters`' doc). A template
//! created again under a deleted one's name starts untagged. Versions carry the AWS-managed
//! `aws:proton:template` and `aws:proton:account` tags from their creation (the tags
//! `ListTagsForResource` reports), so every version is a tagged resource and is listed with
//! those tags: proton-local's call, so that the two APIs never disagree about one resource's
//! tags. Deleted objects are not listed. Order: by ARN (proton-local's call; AWS documents
//! none).
//!
//! **Members** (all optional; `null` is absent; unknown members are ignored, as awsJson does):
//! - `ResourceARNList`: 1 to 100 ARNs (`ResourceARNListForGet`), each 1 to 1011 characters
//!   (`ResourceARN`). Each must read as `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, else
//!   `InvalidParameterException` ("A provided string parameter is malformed"); a partition
//!   other than the region's → `InvalidParameterException` (the exception's doc: "The partition
//!   specified in an ARN parameter in the request doesn't match the partition where you invoked
//!   the operation"). An ARN that names nothing listed (another service, account or region, a
//!   missing or never-tagged object) is left out: "If a resource specified by this parameter
//!   doesn't exist, it doesn't generate an error; it simply isn't included in the response".
//!   Answered in the order asked, each resource once.
//! - It cannot be combined with `TagFilters`, `ResourceTypeFilters` (the member docs in the
//!   SDK), nor with `ResourcesPerPage`, `TagsPerPage` or `PaginationToken` (botocore's doc of
//!   the member) → `InvalidParameterException`. An empty `TagFilters`/`ResourceTypeFilters`
//!   list or an empty token counts as absent ("Leave this parameter empty in your initial
//!   request"): proton-local's call.
//! - `TagFilters`: at most 50 (`TagFilterList`); each must have a `Key` ("Each TagFilter must
//!   contain a key with values optional") of 1 to 128 characters, and at most 20 `Values`
//!   (`TagValueList`) of at most 256. AND across filters, OR across one filter's values, a
//!   filter without values matches the key with any value (`TagFilters`' doc). Exact,
//!   case-sensitive matches.
//! - `ResourceTypeFilters`: at most 100 (the member doc), each at most 256 characters
//!   (`AmazonResourceType`), `service[:resourceType]`: "The string for each service name and
//!   resource type is the same as that embedded in a resource's ARN". The service is the ARN's
//!   third field; the resource type the resource field up to its first `/`. A template and its
//!   versions share one type (`environment-template/NAME` and `environment-template/NAME:1.0`
//!   both embed `environment-template`), so `proton:environment-template` matches both;
//!   `proton` matches every Proton resource. An empty filter, or one with an empty service or
//!   type, → `InvalidParameterException` (proton-local's call: not of the documented form).
//! - `ResourcesPerPage`: 1 to 100 (the member doc), else `InvalidParameterException`.
//!   `TagsPerPage`: 100 to 500 (the member doc), a resource never split across pages, a
//!   resource without tags counting as one. No document forbids giving both: then a page ends
//!   at whichever limit comes first (proton-local's call). With neither, a page holds at most
//!   100 resources (proton-local's call: the documented maximum; AWS states no default).
//! - `PaginationToken`: at most 2048 characters (`PaginationToken`). A token is valid for 15
//!   minutes from the response that gave it, by proton-local's clock (which
//!   `POST /_proton_local/clock` moves): "A PaginationToken is valid for a maximum of 15
//!   minutes" → 400 `PaginationTokenExpiredException`. A token proton-local did not issue, or
//!   issued for other filters, account or region → `InvalidParameterException` ("A provided
//!   string parameter is malformed"; proton-local's call between the two errors). Tokens stay
//!   valid when resources are deleted between pages (the next page starts after the last ARN).
//!   The last page carries no token ("A null value for PaginationToken indicates that there are
//!   no more results", the operation's doc; the SDK's paginator also stops on an empty one).
//! - `IncludeComplianceDetails`, `ExcludeCompliantResources`: there are no tag policies here,
//!   so every resource is compliant (proton-local's call): with `IncludeComplianceDetails` each
//!   mapping has `ComplianceDetails {NoncompliantKeys: [], KeysWithNoncompliantValues: [],
//!   ComplianceStatus: true}`, and `ExcludeCompliantResources` leaves nothing.
//!   `ExcludeCompliantResources` without `IncludeComplianceDetails` → `InvalidParameterException`
//!   ("You can use this parameter only if the IncludeComplianceDetails parameter is also set to
//!   true").
//!
//! Message texts are proton-local's: the model publishes none.
//!
//! **Admin.** Counted in `requests` as `GetResources` once authenticated and named; the fault
//! settings apply to it by that name (`"operations": ["GetResources"]`), an injected throttle
//! answering the model's 400 `ThrottledException` "Rate exceeded", an injected error 500
//! `InternalServiceException` and an injected denial `AccessDeniedException` (a caller without
//! `tag:GetResources`). Never a write.

use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

use axum::body::Body;
use axum::http::{Response, StatusCode};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::wire::{self, ApiError};

/// `X-Amz-Target` prefix of the Resource Groups Tagging API.
pub(crate) const TARGET_PREFIX: &str = "ResourceGroupsTaggingAPI_20170126.";
/// awsJson 1.1's content type.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The SigV4 signing name.
pub(crate) const SERVICE: &str = "tagging";
/// The one operation implemented, as named in targets, counters and fault settings.
pub(crate) const GET_RESOURCES: &str = "GetResources";
/// Operation names the admin API knows for this service.
pub(crate) const OPERATIONS: [&str; 1] = [GET_RESOURCES];

const MAX_ARNS: usize = 100;
const MAX_ARN_CHARS: usize = 1011;
const MAX_TAG_FILTERS: usize = 50;
const MAX_TAG_FILTER_VALUES: usize = 20;
const MAX_TAG_KEY_CHARS: usize = 128;
const MAX_TAG_VALUE_CHARS: usize = 256;
const MAX_TYPE_FILTERS: usize = 100;
const MAX_TYPE_FILTER_CHARS: usize = 256;
const RESOURCES_PER_PAGE: std::ops::RangeInclusive<i64> = 1..=100;
const DEFAULT_RESOURCES_PER_PAGE: usize = 100;
const TAGS_PER_PAGE: std::ops::RangeInclusive<i64> = 100..=500;
const MAX_TOKEN_CHARS: usize = 2048;
/// "A PaginationToken is valid for a maximum of 15 minutes."
const TOKEN_LIFETIME_MS: u64 = 15 * 60 * 1000;

/// An error answered by the tagging API.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaggingError {
    /// A protocol or signature error shared with Proton (`UnknownOperationException`,
    /// `SerializationException`, the SigV4 refusals), in Proton's shape.
    #[error(transparent)]
    Protocol(#[from] ApiError),
    /// 400 `InvalidParameterException`.
    #[error("InvalidParameterException: {0}")]
    InvalidParameter(String),
    /// 400 `PaginationTokenExpiredException`.
    #[error("PaginationTokenExpiredException: {0}")]
    PaginationTokenExpired(String),
    /// 400 `ThrottledException` (injected).
    #[error("ThrottledException: Rate exceeded")]
    Throttled,
    /// 500 `InternalServiceException` (injected).
    #[error("InternalServiceException: {0}")]
    InternalService(String),
}

impl TaggingError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str, &str) {
        match self {
            TaggingError::Protocol(e) => {
                (e.kind.status(), e.kind.type_name(), "message", &e.message)
            }
            TaggingError::InvalidParameter(m) => (
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                "Message",
                m,
            ),
            TaggingError::PaginationTokenExpired(m) => (
                StatusCode::BAD_REQUEST,
                "PaginationTokenExpiredException",
                "Message",
                m,
            ),
            TaggingError::Throttled => (
                StatusCode::BAD_REQUEST,
                "ThrottledException",
                "Message",
                "Rate exceeded",
            ),
            TaggingError::InternalService(m) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServiceException",
                "Message",
                m,
            ),
        }
    }
}

fn invalid(message: impl Into<String>) -> TaggingError {
    TaggingError::InvalidParameter(message.into())
}

/// The response for an error.
pub(crate) fn error_response(error: &TaggingError, request_id: &str) -> Response<Body> {
    let (status, type_name, message_member, message) = error.parts();
    let mut body = Map::new();
    body.insert("__type".into(), json!(type_name));
    body.insert(message_member.into(), json!(message));
    wire::json_response(
        status,
        &Value::Object(body),
        CONTENT_TYPE,
        Some(type_name),
        request_id,
    )
}

/// The response for a success.
pub(crate) fn success_response(body: &Value, request_id: &str) -> Response<Body> {
    wire::json_response(StatusCode::OK, body, CONTENT_TYPE, None, request_id)
}

/// One `TagFilter`: a key and the values it accepts (empty: any value).
#[derive(Debug, Clone, Hash)]
struct TagFilter {
    key: String,
    values: Vec<String>,
}

impl TagFilter {
    fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        match tags.get(&self.key) {
            None => false,
            Some(value) => self.values.is_empty() || self.values.iter().any(|v| v == value),
        }
    }
}

/// One `ResourceTypeFilter`: a service and, optionally, a resource type.
#[derive(Debug, Clone, Hash)]
struct TypeFilter {
    service: String,
    resource_type: Option<String>,
}

/// The parts of an ARN the tagging API reads.
struct ArnParts<'a> {
    partition: &'a str,
    service: &'a str,
    resource_type: &'a str,
}

fn arn_parts(arn: &str) -> Option<ArnParts<'_>> {
    let mut fields = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some(service),
        Some(_region),
        Some(_account),
        Some(resource),
    ) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    )
    else {
        return None;
    };
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    let resource_type = resource.split(['/', ':']).next().unwrap_or(resource);
    Some(ArnParts {
        partition,
        service,
        resource_type,
    })
}

impl TypeFilter {
    fn parse(text: &str) -> Result<TypeFilter, TaggingError> {
        let (service, resource_type) = match text.split_once(':') {
            Some((service, resource_type)) => (service, Some(resource_type)),
            None => (text, None),
        };
        if service.is_empty() || resource_type.is_some_and(str::is_empty) {
            return Err(invalid(format!(
                "The resource type filter '{text}' is not of the form service[:resourceType]."
            )));
        }
        Ok(TypeFilter {
            service: service.to_string(),
            resource_type: resource_type.map(str::to_string),
        })
    }

    fn matches(&self, arn: &str) -> bool {
        arn_parts(arn).is_some_and(|parts| {
            parts.service == self.service
                && self
                    .resource_type
                    .as_deref()
                    .is_none_or(|t| t == parts.resource_type)
        })
    }
}

/// A validated `GetResources` request.
#[derive(Debug, Default)]
struct Request {
    arns: Option<Vec<String>>,
    tag_filters: Vec<TagFilter>,
    type_filters: Vec<TypeFilter>,
    resources_per_page: Option<usize>,
    tags_per_page: Option<usize>,
    token: Option<String>,
    include_compliance: bool,
    exclude_compliant: bool,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn wrong_type(member: &str, expected: &str) -> TaggingError {
    TaggingError::Protocol(ApiError::serialization(format!(
        "Expected {expected} for member '{member}'"
    )))
}

fn member<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

fn string_member(body: &Map<String, Value>, name: &str) -> Result<Option<String>, TaggingError> {
    match member(body, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

fn bool_member(body: &Map<String, Value>, name: &str) -> Result<bool, TaggingError> {
    match member(body, name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong_type(name, "a boolean")),
    }
}

fn int_member(body: &Map<String, Value>, name: &str) -> Result<Option<i64>, TaggingError> {
    match member(body, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "an integer")),
        Some(_) => Err(wrong_type(name, "an integer")),
    }
}

fn list_member<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Vec<Value>>, TaggingError> {
    match member(body, name) {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(wrong_type(name, "a list")),
    }
}

fn strings(items: &[Value], name: &str) -> Result<Vec<String>, TaggingError> {
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            _ => Err(wrong_type(&format!("{name}.member"), "a string")),
        })
        .collect()
}

fn read_tag_filter(item: &Value) -> Result<TagFilter, TaggingError> {
    let Value::Object(object) = item else {
        return Err(wrong_type("TagFilters.member", "a structure"));
    };
    let Some(key) = string_member(object, "Key")? else {
        return Err(invalid("Each TagFilter must contain a Key."));
    };
    if !(1..=MAX_TAG_KEY_CHARS).contains(&chars(&key)) {
        return Err(invalid(format!(
            "A TagFilter Key must be 1 to {MAX_TAG_KEY_CHARS} characters long."
        )));
    }
    let values = match list_member(object, "Values")? {
        None => Vec::new(),
        Some(items) => strings(items, "TagFilters.member.Values")?,
    };
    if values.len() > MAX_TAG_FILTER_VALUES {
        return Err(invalid(format!(
            "A TagFilter can include at most {MAX_TAG_FILTER_VALUES} values; the filter for key '{key}' has {}.",
            values.len()
        )));
    }
    if let Some(long) = values.iter().find(|v| chars(v) > MAX_TAG_VALUE_CHARS) {
        return Err(invalid(format!(
            "A TagFilter value must be at most {MAX_TAG_VALUE_CHARS} characters long; got {} characters.",
            chars(long)
        )));
    }
    Ok(TagFilter { key, values })
}

/// Reads and checks the request (module doc, Members). `partition` is the caller's region's.
fn read_request(body: &Map<String, Value>, partition: &str) -> Result<Request, TaggingError> {
    let mut request = Request {
        token: string_member(body, "PaginationToken")?.filter(|t| !t.is_empty()),
        include_compliance: bool_member(body, "IncludeComplianceDetails")?,
        exclude_compliant: bool_member(body, "ExcludeCompliantResources")?,
        ..Request::default()
    };
    if let Some(token) = &request.token {
        if chars(token) > MAX_TOKEN_CHARS {
            return Err(invalid(format!(
                "The PaginationToken must be at most {MAX_TOKEN_CHARS} characters long."
            )));
        }
    }
    if let Some(items) = list_member(body, "TagFilters")? {
        if items.len() > MAX_TAG_FILTERS {
            return Err(invalid(format!(
                "A request can include at most {MAX_TAG_FILTERS} TagFilters; got {}.",
                items.len()
            )));
        }
        request.tag_filters = items
            .iter()
            .map(read_tag_filter)
            .collect::<Result<_, _>>()?;
    }
    if let Some(items) = list_member(body, "ResourceTypeFilters")? {
        if items.len() > MAX_TYPE_FILTERS {
            return Err(invalid(format!(
                "A request can include at most {MAX_TYPE_FILTERS} ResourceTypeFilters; got {}.",
                items.len()
            )));
        }
        request.type_filters = strings(items, "ResourceTypeFilters")?
            .iter()
            .map(|text| {
                if chars(text) > MAX_TYPE_FILTER_CHARS {
                    return Err(invalid(format!(
                        "A resource type filter must be at most {MAX_TYPE_FILTER_CHARS} characters long."
                    )));
                }
                TypeFilter::parse(text)
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(n) = int_member(body, "ResourcesPerPage")? {
        if !RESOURCES_PER_PAGE.contains(&n) {
            return Err(invalid(format!(
                "ResourcesPerPage must be between {} and {}; got {n}.",
                RESOURCES_PER_PAGE.start(),
                RESOURCES_PER_PAGE.end()
            )));
        }
        request.resources_per_page = usize::try_from(n).ok();
    }
    if let Some(n) = int_member(body, "TagsPerPage")? {
        if !TAGS_PER_PAGE.contains(&n) {
            return Err(invalid(format!(
                "TagsPerPage must be between {} and {}; got {n}.",
                TAGS_PER_PAGE.start(),
                TAGS_PER_PAGE.end()
            )));
        }
        request.tags_per_page = usize::try_from(n).ok();
    }
    if request.exclude_compliant && !request.include_compliance {
        return Err(invalid(
            "ExcludeCompliantResources can be used only with IncludeComplianceDetails set to true.",
        ));
    }
    if let Some(items) = list_member(body, "ResourceARNList")? {
        let arns = strings(items, "ResourceARNList")?;
        if !(1..=MAX_ARNS).contains(&arns.len()) {
            return Err(invalid(format!(
                "ResourceARNList must hold 1 to {MAX_ARNS} ARNs; got {}.",
                arns.len()
            )));
        }
        for (name, given) in [
            ("TagFilters", !request.tag_filters.is_empty()),
            ("ResourceTypeFilters", !request.type_filters.is_empty()),
            ("ResourcesPerPage", request.resources_per_page.is_some()),
            ("TagsPerPage", request.tags_per_page.is_some()),
            ("PaginationToken", request.token.is_some()),
        ] {
            if given {
                return Err(invalid(format!(
                    "You can't specify both ResourceARNList and {name} in the same request."
                )));
            }
        }
        for arn in &arns {
            if !(1..=MAX_ARN_CHARS).contains(&chars(arn)) {
                return Err(invalid(format!(
                    "A resource ARN must be 1 to {MAX_ARN_CHARS} characters long."
                )));
            }
            let Some(parts) = arn_parts(arn) else {
                return Err(invalid(format!("'{arn}' is not a valid ARN.")));
            };
            if parts.partition != partition {
                return Err(invalid(format!(
                    "The partition of '{arn}' does not match the partition where you invoked the operation ('{partition}')."
                )));
            }
        }
        request.arns = Some(arns);
    }
    Ok(request)
}

/// What a pagination token carries.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Token {
    /// The last ARN answered; the next page starts after it.
    after: String,
    /// When it was issued (milliseconds since the epoch, proton-local's clock).
    issued_ms: u64,
    /// A fingerprint of the query it belongs to.
    query: u64,
}

fn encode_token(token: &Token) -> String {
    let json = serde_json::to_vec(token).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_token(text: &str, query: u64, now_ms: u64) -> Result<Token, TaggingError> {
    let malformed = || invalid("The PaginationToken is not valid.");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| malformed())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if token.query != query {
        return Err(invalid(
            "The PaginationToken was issued for a different request.",
        ));
    }
    if now_ms.saturating_sub(token.issued_ms) > TOKEN_LIFETIME_MS {
        return Err(TaggingError::PaginationTokenExpired(
            "The PaginationToken has expired: a PaginationToken is valid for a maximum of 15 minutes."
                .into(),
        ));
    }
    Ok(token)
}

/// A fingerprint of everything that selects the resources listed.
fn fingerprint(region: &str, account: &str, request: &Request) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (
        region,
        account,
        &request.tag_filters,
        &request.type_filters,
        request.include_compliance,
        request.exclude_compliant,
    )
        .hash(&mut hasher);
    hasher.finish()
}

fn mapping(arn: &str, tags: &BTreeMap<String, String>, compliance: bool) -> Value {
    let tags: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    let mut m = Map::new();
    m.insert("ResourceARN".into(), json!(arn));
    m.insert("Tags".into(), Value::Array(tags));
    if compliance {
        m.insert(
            "ComplianceDetails".into(),
            json!({
                "NoncompliantKeys": [],
                "KeysWithNoncompliantValues": [],
                "ComplianceStatus": true,
            }),
        );
    }
    Value::Object(m)
}

/// Answers `GetResources` for (`region`, `account`) over `index` (every listed resource's
/// ARN and tags, `Engine::tag_index`) at `now_ms` by proton-local's clock.
pub(crate) fn get_resources(
    body: &Map<String, Value>,
    region: &str,
    account: &str,
    partition: &str,
    index: &BTreeMap<String, BTreeMap<String, String>>,
    now_ms: u64,
) -> Result<Value, TaggingError> {
    let request = read_request(body, partition)?;
    // No tag policies: every resource is compliant, so excluding compliant ones leaves none.
    let listed = !request.exclude_compliant;
    if let Some(arns) = &request.arns {
        let mut seen = HashSet::new();
        let list: Vec<Value> = arns
            .iter()
            .filter(|arn| listed && seen.insert(arn.as_str()))
            .filter_map(|arn| {
                index
                    .get(arn)
                    .map(|tags| mapping(arn, tags, request.include_compliance))
            })
            .collect();
        return Ok(json!({ "ResourceTagMappingList": list }));
    }
    let query = fingerprint(region, account, &request);
    let after = request
        .token
        .as_deref()
        .map(|t| decode_token(t, query, now_ms))
        .transpose()?
        .map(|t| t.after);
    let resource_limit = request
        .resources_per_page
        .unwrap_or(match request.tags_per_page {
            Some(_) => usize::MAX,
            None => DEFAULT_RESOURCES_PER_PAGE,
        });
    let tag_limit = request.tags_per_page.unwrap_or(usize::MAX);
    let mut selected = index
        .iter()
        .filter(|(arn, _)| after.as_ref().is_none_or(|a| *arn > a))
        .filter(|(arn, tags)| {
            listed
                && request.tag_filters.iter().all(|f| f.matches(tags))
                && (request.type_filters.is_empty()
                    || request.type_filters.iter().any(|f| f.matches(arn)))
        })
        .peekable();
    let mut page = Vec::new();
    let mut tags_on_page = 0usize;
    let mut last = None;
    while let Some((arn, tags)) = selected.peek() {
        // A resource without tags counts as one tag.
        let weight = tags.len().max(1);
        if page.len() >= resource_limit || tags_on_page.saturating_add(weight) > tag_limit {
            break;
        }
        page.push(mapping(arn, tags, request.include_compliance));
        tags_on_page += weight;
        last = Some((*arn).clone());
        selected.next();
    }
    let mut out = Map::new();
    out.insert("ResourceTagMappingList".into(), Value::Array(page));
    if selected.peek().is_some() {
        if let Some(after) = last {
            out.insert(
                "PaginationToken".into(),
                json!(encode_token(&Token {
                    after,
                    issued_ms: now_ms,
                    query,
                })),
            );
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn resource_types_come_from_the_arn() {
        let template = "arn:aws:proton:us-east-1:123456789012:environment-template/t";
        let version = "arn:aws:proton:us-east-1:123456789012:environment-template/t:1.0";
        for arn in [template, version] {
            assert!(TypeFilter::parse("proton").unwrap().matches(arn));
            assert!(TypeFilter::parse("proton:environment-template")
                .unwrap()
                .matches(arn));
            assert!(!TypeFilter::parse("proton:service-template")
                .unwrap()
                .matches(arn));
            assert!(!TypeFilter::parse("s3").unwrap().matches(arn));
        }
        assert!(TypeFilter::parse("").is_err());
        assert!(TypeFilter::parse(":x").is_err());
        assert!(TypeFilter::parse("proton:").is_err());
    }

    #[test]
    fn a_token_round_trips_and_expires() {
        let token = encode_token(&Token {
            after: "arn:x".into(),
            issued_ms: 1_000,
            query: 7,
        });
        assert_eq!(decode_token(&token, 7, 1_000).unwrap().after, "arn:x");
        assert!(matches!(
            decode_token(&token, 7, 1_000 + TOKEN_LIFETIME_MS + 1),
            Err(TaggingError::PaginationTokenExpired(_))
        ));
        assert!(matches!(
            decode_token(&token, 8, 1_000),
            Err(TaggingError::InvalidParameter(_))
        ));
        assert!(matches!(
            decode_token("%%%", 7, 1_000),
            Err(TaggingError::InvalidParameter(_))
        ));
    }
}
