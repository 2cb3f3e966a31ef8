//! STS on proton-local's port: `GetCallerIdentity`, `AssumeRole`, `AssumeRoleWithWebIdentity`
//! in the AWS Query protocol (`POST /`, `application/x-www-form-urlencoded` body
//! `Action=…&Version=2011-06-15&…`, XML answers in the `https://sts.amazonaws.com/doc/2011-06-15/`
//! namespace, errors as `<ErrorResponse><Error><Type>Sender</Type><Code>…`).
//!
//! Sources: the STS model (botocore `sts/2011-06-15/service-2.json`, the same as
//! aws-sdk-sts's) for members, lengths, patterns, ranges and error codes and statuses; the
//! AssumeRole API reference for DurationSeconds (900 up to the role's maximum session
//! duration, default 3600) and role chaining (at most one hour, "ValidationError: The
//! requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role
//! chaining."). Rules:
//! 1. Validation happens before any look-up; every failing member is listed in one
//!    `ValidationError` "N validation error(s) detected: Value … at 'member' failed to satisfy
//!    constraint: …" (`@sensitive` WebIdentityToken is not echoed).
//! 2. AssumeRole: an undeclared role, or a role whose external id is missing or different →
//!    403 `AccessDenied` "User: CALLER is not authorized to perform: sts:AssumeRole on
//!    resource: ROLE" (AWS does not say which). DurationSeconds above the role's maximum →
//!    `ValidationError`; a caller that is itself an assumed role (chaining) gets at most 3600.
//! 3. `Policy` must be JSON (else 400 `MalformedPolicyDocument`); `PolicyArns`, `Tags`,
//!    `TransitiveTagKeys`, `SourceIdentity` are validated and otherwise accepted: proton-local
//!    evaluates no IAM policy, so they grant or deny nothing.
//! 4. AssumeRoleWithWebIdentity is unsigned. The token must be a JWT: three base64url parts,
//!    a JSON object header with `alg`, a JSON object payload with string `sub`, `aud` (string
//!    or list of strings) and numeric `exp`; anything else → 400 `InvalidIdentityToken`;
//!    `exp` not after the server's clock → 400 `ExpiredTokenException`. The signature is NOT
//!    verified (proton-local cannot fetch an issuer's keys offline) and no OIDC provider,
//!    issuer or audience is checked: any declared role accepts any well-formed token.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, Response, StatusCode};
use base64::Engine as _;
use serde_json::Value;

use crate::accounts::{Accounts, Caller, Role, Session};
use crate::sigv4::SignatureError;

/// STS's signing name.
pub(crate) const SERVICE: &str = "sts";
/// The only API version.
const VERSION: &str = "2011-06-15";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The Query protocol's content type.
pub(crate) const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// Role chaining caps a session at one hour.
const CHAINED_MAX_SECONDS: i64 = 3600;
const DEFAULT_DURATION_SECONDS: i64 = 3600;

/// The STS operations served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StsAction {
    GetCallerIdentity,
    AssumeRole,
    AssumeRoleWithWebIdentity,
}

impl StsAction {
    pub(crate) fn from_name(name: &str) -> Option<StsAction> {
        match name {
            "GetCallerIdentity" => Some(StsAction::GetCallerIdentity),
            "AssumeRole" => Some(StsAction::AssumeRole),
            "AssumeRoleWithWebIdentity" => Some(StsAction::AssumeRoleWithWebIdentity),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            StsAction::GetCallerIdentity => "GetCallerIdentity",
            StsAction::AssumeRole => "AssumeRole",
            StsAction::AssumeRoleWithWebIdentity => "AssumeRoleWithWebIdentity",
        }
    }

    /// Whether AWS requires a signature (AssumeRoleWithWebIdentity is authenticated by its
    /// token alone).
    pub(crate) fn is_signed(self) -> bool {
        self != StsAction::AssumeRoleWithWebIdentity
    }
}

/// An STS error: code, HTTP status and message, as the model and AWS give them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub(crate) struct StsError {
    code: &'static str,
    status: StatusCode,
    message: String,
}

impl StsError {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> StsError {
        StsError {
            code,
            status,
            message: message.into(),
        }
    }
    fn validation(message: impl Into<String>) -> StsError {
        StsError::new("ValidationError", StatusCode::BAD_REQUEST, message)
    }
    fn access_denied(message: impl Into<String>) -> StsError {
        StsError::new("AccessDenied", StatusCode::FORBIDDEN, message)
    }
    fn invalid_identity_token(message: impl Into<String>) -> StsError {
        StsError::new("InvalidIdentityToken", StatusCode::BAD_REQUEST, message)
    }
    #[cfg(test)]
    fn code(&self) -> &'static str {
        self.code
    }
}

/// SigV4 refusals in STS's words (the Query protocol's common errors).
impl From<SignatureError> for StsError {
    fn from(error: SignatureError) -> StsError {
        let message = error.to_string();
        match error {
            SignatureError::Missing => StsError::new(
                "MissingAuthenticationToken",
                StatusCode::FORBIDDEN,
                "Request is missing Authentication Token",
            ),
            SignatureError::Malformed(_) => {
                StsError::new("IncompleteSignature", StatusCode::BAD_REQUEST, message)
            }
            SignatureError::UnknownAccessKey => {
                StsError::new("InvalidClientTokenId", StatusCode::FORBIDDEN, message)
            }
            // STS answers an expired session with 403 `ExpiredToken` (not the model's 400
            // `ExpiredTokenException`, which is for expired web identity tokens).
            SignatureError::ExpiredToken => {
                StsError::new("ExpiredToken", StatusCode::FORBIDDEN, message)
            }
            SignatureError::WrongScope(_)
            | SignatureError::Expired(_)
            | SignatureError::SignedHeaderMissing(_)
            | SignatureError::Mismatch => {
                StsError::new("SignatureDoesNotMatch", StatusCode::FORBIDDEN, message)
            }
        }
    }
}

/// The form parameters of a Query request.
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    pub(crate) fn parse(body: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The action named, checked against the one API version.
    pub(crate) fn action(&self) -> Result<StsAction, StsError> {
        let name = self.get("Action").ok_or_else(|| {
            StsError::new("MissingAction", StatusCode::BAD_REQUEST, "Missing Action")
        })?;
        let version = self.get("Version").unwrap_or("");
        match StsAction::from_name(name) {
            Some(action) if version == VERSION => Ok(action),
            _ => Err(StsError::new(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!("Could not find operation {name} for version {version}"),
            )),
        }
    }

    /// `Name.member.N` (lists), in N order, stopping at the first gap.
    fn members(&self, prefix: &str) -> Vec<String> {
        (1..)
            .map_while(|i| {
                let key = format!("{prefix}.member.{i}");
                // `key` itself (a list of strings) or `key.Field` (a list of structures); the
                // map is ordered, so the first entry at or after `key.` tells.
                let nested = format!("{key}.");
                let present = self.0.contains_key(&key)
                    || self
                        .0
                        .range(nested.clone()..)
                        .next()
                        .is_some_and(|(k, _)| k.starts_with(&nested));
                present.then_some(key)
            })
            .collect()
    }
}

/// Collects validation failures as AWS words them.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn add(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        self.0.push(format!(
            "Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// Length (in characters) and character class of a string member.
    fn string(
        &mut self,
        value: Option<&str>,
        member: &str,
        required: bool,
        len: std::ops::RangeInclusive<usize>,
        pattern: Option<(&str, &dyn Fn(char) -> bool)>,
        sensitive: bool,
    ) {
        let shown = if sensitive { Some("*****") } else { value };
        let Some(v) = value else {
            if required {
                self.add(None, member, "Member must not be null");
            }
            return;
        };
        let count = v.chars().count();
        if count < *len.start() {
            self.add(
                shown,
                member,
                &format!(
                    "Member must have length greater than or equal to {}",
                    len.start()
                ),
            );
        }
        if count > *len.end() {
            self.add(
                shown,
                member,
                &format!(
                    "Member must have length less than or equal to {}",
                    len.end()
                ),
            );
        }
        if let Some((regex, allowed)) = pattern {
            if !v.chars().all(allowed) {
                self.add(
                    shown,
                    member,
                    &format!("Member must satisfy regular expression pattern: {regex}"),
                );
            }
        }
    }

    fn finish(self) -> Result<(), StsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(StsError::validation(format!(
                "1 validation error detected: {}",
                self.0.join("; ")
            ))),
            n => Err(StsError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
            ))),
        }
    }
}

/// `[\w+=,.@-]*` (roleSessionNameType, sourceIdentityType; `\w` is ASCII here).
fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}
/// `[\w+=,.@:\/-]*` (externalIdType).
fn external_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
}
/// arnType's pattern: tab, LF, CR and printable characters.
fn arn_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
/// Session policy documents: `[\u0009\u000A\u000D\u0020-\u00FF]+`.
fn policy_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}')
}
/// tagKeyType / tagValueType: `[\p{L}\p{Z}\p{N}_.:/=+\-@]`.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

const ARN_PATTERN: &str =
    r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+";
const SESSION_NAME_PATTERN: &str = r"[\w+=,.@-]*";
const EXTERNAL_ID_PATTERN: &str = r"[\w+=,.@:\/-]*";
const POLICY_PATTERN: &str = r"[\u0009\u000A\u000D\u0020-\u00FF]+";
const TAG_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
const TAG_VALUE_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

/// The members AssumeRole and AssumeRoleWithWebIdentity share.
fn validate_common(p: &Params, v: &mut Violations, unrestricted_policy: bool) {
    v.string(
        p.get("RoleArn"),
        "roleArn",
        true,
        20..=2048,
        Some((ARN_PATTERN, &arn_char)),
        false,
    );
    v.string(
        p.get("RoleSessionName"),
        "roleSessionName",
        true,
        2..=64,
        Some((SESSION_NAME_PATTERN, &session_name_char)),
        false,
    );
    let policy_max = if unrestricted_policy {
        usize::MAX
    } else {
        2048
    };
    v.string(
        p.get("Policy"),
        "policy",
        false,
        1..=policy_max,
        Some((POLICY_PATTERN, &policy_char)),
        false,
    );
    for (i, member) in p.members("PolicyArns").iter().enumerate() {
        v.string(
            p.get(&format!("{member}.arn")),
            &format!("policyArns.{}.member.arn", i + 1),
            false,
            20..=2048,
            Some((ARN_PATTERN, &arn_char)),
            false,
        );
    }
    if let Some(raw) = p.get("DurationSeconds") {
        match raw.parse::<i64>() {
            Ok(n) if n < 900 => v.add(
                Some(raw),
                "durationSeconds",
                "Member must have value greater than or equal to 900",
            ),
            Ok(n) if n > 43200 => v.add(
                Some(raw),
                "durationSeconds",
                "Member must have value less than or equal to 43200",
            ),
            Ok(_) => {}
            Err(_) => v.add(Some(raw), "durationSeconds", "Member must be an integer"),
        }
    }
}

/// AssumeRole's own members.
fn validate_assume_role(p: &Params, v: &mut Violations) {
    validate_common(p, v, true);
    let tags = p.members("Tags");
    if tags.len() > 50 {
        v.add(
            Some(&format!("[{} tags]", tags.len())),
            "tags",
            "Member must have length less than or equal to 50",
        );
    }
    for (i, member) in tags.iter().enumerate() {
        let n = i + 1;
        v.string(
            p.get(&format!("{member}.Key")),
            &format!("tags.{n}.member.key"),
            true,
            1..=128,
            Some((TAG_PATTERN, &tag_char)),
            false,
        );
        v.string(
            p.get(&format!("{member}.Value")),
            &format!("tags.{n}.member.value"),
            true,
            0..=256,
            Some((TAG_VALUE_PATTERN, &tag_char)),
            false,
        );
    }
    let transitive = p.members("TransitiveTagKeys");
    if transitive.len() > 50 {
        v.add(
            Some(&format!("[{} keys]", transitive.len())),
            "transitiveTagKeys",
            "Member must have length less than or equal to 50",
        );
    }
    for (i, member) in transitive.iter().enumerate() {
        v.string(
            p.get(member),
            &format!("transitiveTagKeys.{}.member", i + 1),
            true,
            1..=128,
            Some((TAG_PATTERN, &tag_char)),
            false,
        );
    }
    v.string(
        p.get("ExternalId"),
        "externalId",
        false,
        2..=1224,
        Some((EXTERNAL_ID_PATTERN, &external_id_char)),
        false,
    );
    v.string(
        p.get("SerialNumber"),
        "serialNumber",
        false,
        9..=256,
        Some((r"[\w+=/:,.@-]*", &|c| {
            c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c)
        })),
        false,
    );
    v.string(
        p.get("TokenCode"),
        "tokenCode",
        false,
        6..=6,
        Some((r"[\d]*", &|c| c.is_ascii_digit())),
        false,
    );
    v.string(
        p.get("SourceIdentity"),
        "sourceIdentity",
        false,
        2..=64,
        Some((SESSION_NAME_PATTERN, &session_name_char)),
        false,
    );
}

/// The check after validation that the model cannot express: a session policy is JSON.
/// (SourceIdentity's reserved `aws:` prefix needs no check: `:` is outside its pattern.)
fn check_policy(p: &Params) -> Result<(), StsError> {
    if let Some(policy) = p.get("Policy") {
        if serde_json::from_str::<serde_json::Map<String, Value>>(policy).is_err() {
            return Err(StsError::new(
                "MalformedPolicyDocument",
                StatusCode::BAD_REQUEST,
                "The policy is not in the valid JSON format.",
            ));
        }
    }
    Ok(())
}

/// DurationSeconds after validation (in 900..=43200), against the role and chaining.
fn session_duration(p: &Params, role: &Role, chained: bool) -> Result<Duration, StsError> {
    let seconds = p
        .get("DurationSeconds")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(DEFAULT_DURATION_SECONDS);
    if chained && seconds > CHAINED_MAX_SECONDS {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if seconds > i64::from(role.max_session_duration) {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    Ok(Duration::from_secs(u64::try_from(seconds).unwrap_or(3600)))
}

/// Handles an action signed by `caller` (AssumeRoleWithWebIdentity ignores who signed it).
pub(crate) fn handle_signed(
    accounts: &Accounts,
    caller: &Caller,
    action: StsAction,
    params: &Params,
) -> Result<String, StsError> {
    match action {
        StsAction::GetCallerIdentity => Ok(result_xml(
            "GetCallerIdentity",
            &format!(
                "<Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>",
                escape(&caller.arn()),
                escape(&caller.user_id()),
                escape(caller.account())
            ),
        )),
        StsAction::AssumeRole => assume_role(accounts, caller, params),
        StsAction::AssumeRoleWithWebIdentity => assume_role_with_web_identity(accounts, params),
    }
}

fn assume_role(accounts: &Accounts, caller: &Caller, p: &Params) -> Result<String, StsError> {
    let mut violations = Violations::default();
    validate_assume_role(p, &mut violations);
    violations.finish()?;
    check_policy(p)?;
    let role_arn = p.get("RoleArn").unwrap_or_default();
    let denied = || {
        StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn()
        ))
    };
    let role = accounts.role(role_arn).ok_or_else(denied)?;
    if let Some(required) = &role.external_id {
        if p.get("ExternalId") != Some(required.as_str()) {
            return Err(denied());
        }
    }
    let chained = matches!(caller, Caller::Assumed(_));
    let duration = session_duration(p, &role, chained)?;
    // A source identity, once set, persists along a role chain.
    let source_identity = match caller {
        Caller::Assumed(s) if s.source_identity.is_some() => s.source_identity.clone(),
        _ => p.get("SourceIdentity").map(str::to_string),
    };
    let session_name = p.get("RoleSessionName").unwrap_or_default().to_string();
    let session = accounts.issue(role, session_name, duration, source_identity);
    Ok(result_xml("AssumeRole", &session_xml(&session, "")))
}

/// The claims proton-local reads from a web identity token.
struct WebIdentityClaims {
    subject: String,
    audience: String,
    issuer: Option<String>,
    expires: f64,
}

/// Decodes a JWT's structure (not its signature): see the module doc, rule 4.
fn read_jwt(token: &str) -> Result<WebIdentityClaims, StsError> {
    let malformed = || {
        StsError::invalid_identity_token(
            "The web identity token that was passed could not be validated by Amazon Web Services: it is not a well-formed JWT.",
        )
    };
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(malformed());
    };
    let decode = |part: &str| -> Result<serde_json::Map<String, Value>, StsError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| malformed())?;
        serde_json::from_slice(&bytes).map_err(|_| malformed())
    };
    let header = decode(header)?;
    if !header.get("alg").is_some_and(Value::is_string) || signature.is_empty() {
        return Err(malformed());
    }
    let claims = decode(payload)?;
    let missing = |claim: &str| {
        StsError::invalid_identity_token(format!(
            "The web identity token that was passed could not be validated by Amazon Web Services: the '{claim}' claim is missing or has the wrong type."
        ))
    };
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("sub"))?
        .to_string();
    let audience = match claims.get("aud") {
        Some(Value::String(a)) => a.clone(),
        Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => list
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => return Err(missing("aud")),
    };
    let expires = claims
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or_else(|| missing("exp"))?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(WebIdentityClaims {
        subject,
        audience,
        issuer,
        expires,
    })
}

/// AssumeRoleWithWebIdentity: the token is the credential (module doc, rule 4).
pub(crate) fn assume_role_with_web_identity(
    accounts: &Accounts,
    p: &Params,
) -> Result<String, StsError> {
    let mut violations = Violations::default();
    validate_common(p, &mut violations, false);
    violations.string(
        p.get("WebIdentityToken"),
        "webIdentityToken",
        true,
        4..=20000,
        None,
        true,
    );
    violations.string(
        p.get("ProviderId"),
        "providerId",
        false,
        4..=2048,
        None,
        false,
    );
    violations.finish()?;
    check_policy(p)?;
    let claims = read_jwt(p.get("WebIdentityToken").unwrap_or_default())?;
    let now = accounts
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    if claims.expires <= now {
        return Err(StsError::new(
            "ExpiredTokenException",
            StatusCode::BAD_REQUEST,
            "The web identity token that was passed is expired or is not valid. Get a new identity token from the identity provider and then retry the request.",
        ));
    }
    let role_arn = p.get("RoleArn").unwrap_or_default();
    let role = accounts.role(role_arn).ok_or_else(|| {
        StsError::access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
    })?;
    let duration = session_duration(p, &role, false)?;
    let session_name = p.get("RoleSessionName").unwrap_or_default().to_string();
    let session = accounts.issue(role, session_name, duration, None);
    let provider = claims
        .issuer
        .map(|iss| iss.trim_start_matches("https://").to_string())
        .unwrap_or_default();
    let extra = format!(
        "<SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken><Audience>{}</Audience><Provider>{}</Provider>",
        escape(&claims.subject),
        escape(&claims.audience),
        escape(&provider)
    );
    Ok(result_xml(
        "AssumeRoleWithWebIdentity",
        &session_xml(&session, &extra),
    ))
}

/// `2026-12-07T06:22:31Z`, as STS writes `Expiration`.
fn iso8601(time: SystemTime) -> String {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).unwrap_or(0))
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn session_xml(session: &Session, extra: &str) -> String {
    let source = session
        .source_identity
        .as_deref()
        .map(|s| format!("<SourceIdentity>{}</SourceIdentity>", escape(s)))
        .unwrap_or_default();
    format!(
        "{extra}<AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
         <Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>{source}",
        escape(&session.assumed_role_id()),
        escape(&session.arn()),
        escape(&session.access_key_id),
        escape(&session.secret_access_key),
        escape(&session.session_token),
        iso8601(session.expiration),
    )
}

fn result_xml(action: &str, inner: &str) -> String {
    format!(
        "<{action}Response xmlns=\"{NAMESPACE}\"><{action}Result>{inner}</{action}Result>\
         <ResponseMetadata><RequestId>REQUEST_ID</RequestId></ResponseMetadata></{action}Response>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/xml"),
    );
    if let Ok(id) = header::HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// A successful answer (its `ResponseMetadata` carries `request_id`).
pub(crate) fn success_response(body: &str, request_id: &str) -> Response<Body> {
    xml_response(
        StatusCode::OK,
        body.replacen("REQUEST_ID", &escape(request_id), 1),
        request_id,
    )
}

/// An error answer in the Query protocol's shape.
pub(crate) fn error_response(error: &StsError, request_id: &str) -> Response<Body> {
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        if error.status.is_server_error() { "Receiver" } else { "Sender" },
        error.code,
        escape(&error.message),
        escape(request_id)
    );
    xml_response(error.status, body, request_id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn jwt(header: &str, claims: &str) -> String {
        let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.c2ln", e(header), e(claims))
    }

    #[test]
    fn a_jwt_needs_three_parts_json_and_its_claims() {
        let ok = jwt(
            r#"{"alg":"RS256"}"#,
            r#"{"sub":"s","aud":["a"],"exp":99999999999,"iss":"https://idp"}"#,
        );
        let claims = read_jwt(&ok).unwrap();
        assert_eq!(
            (claims.subject.as_str(), claims.audience.as_str()),
            ("s", "a")
        );
        for bad in [
            "abc".to_string(),
            "a.b".to_string(),
            jwt("not json", r#"{"sub":"s","aud":"a","exp":1}"#),
            jwt(r#"{"typ":"JWT"}"#, r#"{"sub":"s","aud":"a","exp":1}"#),
            jwt(r#"{"alg":"RS256"}"#, r#"{"aud":"a","exp":1}"#),
            jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"s","exp":1}"#),
            jwt(
                r#"{"alg":"RS256"}"#,
                r#"{"sub":"s","aud":"a","exp":"soon"}"#,
            ),
        ] {
            assert_eq!(
                read_jwt(&bad).err().map(|e| e.code()),
                Some("InvalidIdentityToken"),
                "{bad}"
            );
        }
    }

    #[test]
    fn validation_lists_every_failing_member() {
        let p = Params::parse(
            b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=a%20b&DurationSeconds=899",
        );
        let mut v = Violations::default();
        validate_assume_role(&p, &mut v);
        let err = v.finish().unwrap_err();
        assert_eq!(err.code(), "ValidationError");
        assert_eq!(
            err.message,
            "3 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; \
             Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; \
             Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        );
    }

    #[test]
    fn list_members_are_read_in_order_up_to_the_first_gap() {
        let p = Params::parse(
            b"Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=x&Tags.member.4.Key=d&TransitiveTagKeys.member.1=a",
        );
        assert_eq!(p.members("Tags"), ["Tags.member.1", "Tags.member.2"]);
        assert_eq!(
            p.members("TransitiveTagKeys"),
            ["TransitiveTagKeys.member.1"]
        );
        assert!(p.members("PolicyArns").is_empty());
    }

    #[test]
    fn expiration_is_iso8601_in_whole_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_250);
        assert_eq!(iso8601(t), "2023-11-14T22:13:20Z");
    }
}
