//! AWS Signature Version 4 verification (header-based, as the AWS SDKs sign awsJson requests).
//!
//! The `Authorization` header is parsed and its scope checked here (access key, service,
//! region, date, clock skew). The signature itself is recomputed by `aws-sigv4`, the signer the
//! AWS SDKs use, from the request as received (method, path, query, the headers named in
//! `SignedHeaders`, body) with the configured secret, and compared in constant time.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SdkCredentials;
use aws_sigv4::http_request::{self, SignableBody, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use axum::http::{HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;
use time::format_description::BorrowedFormatItem;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::wire::{ApiError, ErrorKind};

/// The signing name of Proton.
pub(crate) const SERVICE: &str = "proton";
/// How far `X-Amz-Date` may be from the server's clock, as AWS allows.
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// `X-Amz-Date`'s ISO 8601 basic format.
const AMZ_DATE: &[BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The key pair the endpoint accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// What a verified request was signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedScope {
    pub(crate) access_key_id: String,
    pub(crate) region: String,
}

/// The parts of a request that enter the signature.
pub struct SignableRequest<'a> {
    pub method: &'a str,
    /// Path as sent on the wire (still percent-encoded).
    pub path: &'a str,
    /// Raw query string without `?`.
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl<'a> SignableRequest<'a> {
    /// The request as it arrived: `method`, `uri`'s path and query, `headers` and `body`.
    pub fn new(
        method: &'a axum::http::Method,
        uri: &'a axum::http::Uri,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query(),
            headers,
            body,
        }
    }
}

/// Whether `X-Amz-Date` is held to the clock, and to which time.
#[derive(Debug, Clone, Copy)]
pub enum ClockCheck {
    /// Refuse requests signed more than 15 minutes (`MAX_CLOCK_SKEW`) away from this time.
    At(SystemTime),
    /// Accept any signing time (`--no-clock-skew-check`, replayed recordings).
    Off,
}

/// Why a request's signature is refused; each maps to the error AWS answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Authorization` header (403 `MissingAuthenticationTokenException`).
    #[error("Missing Authentication Token")]
    Missing,
    /// The header or the date cannot be read (400 `IncompleteSignatureException`).
    #[error("{0}")]
    Malformed(String),
    /// Not a known access key, or a session key without its own session token (403
    /// `UnrecognizedClientException`).
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    /// A session key whose session has expired (400 `ExpiredTokenException`).
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    /// Scoped to another service, region or terminator (403 `InvalidSignatureException`).
    #[error("{0}")]
    WrongScope(String),
    /// Signed too long ago or too far ahead (403 `InvalidSignatureException`).
    #[error("{0}")]
    Expired(String),
    /// A header named in `SignedHeaders` is not in the request (403 `InvalidSignatureException`).
    #[error("The request signature we calculated does not match the signature you provided: signed header '{0}' is not present in the request.")]
    SignedHeaderMissing(String),
    /// The recomputed signature differs (403 `InvalidSignatureException`).
    #[error("{SIGNATURE_MISMATCH}")]
    Mismatch,
}

impl SignatureError {
    /// The AWS error shape answered for it.
    pub(crate) fn kind(&self) -> ErrorKind {
        match self {
            SignatureError::Missing => ErrorKind::MissingAuthenticationToken,
            SignatureError::Malformed(_) => ErrorKind::IncompleteSignature,
            SignatureError::UnknownAccessKey => ErrorKind::UnrecognizedClient,
            SignatureError::ExpiredToken => ErrorKind::ExpiredToken,
            SignatureError::WrongScope(_)
            | SignatureError::Expired(_)
            | SignatureError::SignedHeaderMissing(_)
            | SignatureError::Mismatch => ErrorKind::InvalidSignature,
        }
    }
}

impl From<SignatureError> for ApiError {
    fn from(error: SignatureError) -> Self {
        ApiError::new(error.kind(), error.to_string())
    }
}

/// Why a request could not be signed (tests and the benchmark sign their own requests).
#[derive(Debug, thiserror::Error)]
pub enum SigningFailure {
    #[error("a header value is not visible ASCII: {0}")]
    HeaderValue(String),
    #[error("aws-sigv4 refused the request: {0}")]
    Signer(String),
}

struct ParsedAuthorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, SignatureError> {
    let rest = value.strip_prefix(ALGORITHM).ok_or_else(|| {
        SignatureError::Malformed(format!(
            "Unsupported authorization type; expected {ALGORITHM}"
        ))
    })?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let missing = |name: &str| {
        SignatureError::Malformed(format!(
            "Authorization header requires '{name}' parameter. Authorization={value}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(SignatureError::Malformed(format!(
            "Credential should have the form ACCESS_KEY/DATE/REGION/SERVICE/aws4_request; got '{credential}'"
        )));
    };
    Ok(ParsedAuthorization {
        access_key_id,
        date,
        region,
        service,
        terminator,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// Parses `X-Amz-Date` (`YYYYMMDD'T'HHMMSS'Z'`).
fn parse_amz_date(amz_date: &str) -> Result<SystemTime, SignatureError> {
    // Exactly the basic format, so the year has four digits and the time is representable.
    let shape_ok = amz_date.len() == 16
        && amz_date.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    let parsed = shape_ok
        .then(|| PrimitiveDateTime::parse(amz_date, AMZ_DATE).ok())
        .flatten()
        .ok_or_else(|| {
            SignatureError::Malformed(format!(
                "Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
            ))
        })?;
    Ok(parsed.assume_utc().into())
}

fn format_amz_date(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(AMZ_DATE)
        .unwrap_or_else(|_| "an unrepresentable time".to_string())
}

/// AWS's clock-skew rule: the signing time must be within [`MAX_CLOCK_SKEW`] of now.
fn check_clock(
    amz_date: &str,
    signed_at: SystemTime,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let minutes = MAX_CLOCK_SKEW.as_secs() / 60;
    if let Ok(age) = now.duration_since(signed_at) {
        if age > MAX_CLOCK_SKEW {
            let earliest = now.checked_sub(MAX_CLOCK_SKEW).unwrap_or(now);
            return Err(SignatureError::Expired(format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - {minutes} min.)",
                format_amz_date(earliest),
                format_amz_date(now)
            )));
        }
    } else if let Ok(ahead) = signed_at.duration_since(now) {
        if ahead > MAX_CLOCK_SKEW {
            let latest = now.checked_add(MAX_CLOCK_SKEW).unwrap_or(now);
            return Err(SignatureError::Expired(format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + {minutes} min.)",
                format_amz_date(latest),
                format_amz_date(now)
            )));
        }
    }
    Ok(())
}

/// Signing settings for requests as the SDKs sign them; nothing is excluded, because a
/// verifier signs exactly the headers the client named.
fn settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    settings
}

/// A URI `aws-sigv4` can parse; its authority is unused because `host` is always signed.
fn signing_uri(path: &str, query: Option<&str>) -> String {
    match query {
        Some(query) => format!("http://localhost{path}?{query}"),
        None => format!("http://localhost{path}"),
    }
}

fn body_of<'a>(headers: &HeaderMap, body: &'a [u8]) -> SignableBody<'a> {
    let unsigned = headers
        .get("x-amz-content-sha256")
        .is_some_and(|v| v.as_bytes() == b"UNSIGNED-PAYLOAD");
    if unsigned {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(body)
    }
}

/// The signature `aws-sigv4` computes for `request` over `headers` at `time`.
fn compute_signature(
    request: &SignableRequest<'_>,
    headers: Vec<(&str, &str)>,
    identity: &Identity,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<String, String> {
    let signable = http_request::SignableRequest::new(
        request.method,
        signing_uri(request.path, request.query),
        headers.into_iter(),
        body_of(request.headers, request.body),
    )
    .map_err(|e| e.to_string())?;
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    http_request::sign(signable, &params)
        .map(|output| output.signature().to_string())
        .map_err(|e| e.to_string())
}

/// Verifies a request's SigV4 `Authorization` header against `credentials` (Proton's
/// signing name, one key pair).
///
/// `allowed_regions` empty means any region is served.
pub fn verify(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    allowed_regions: &[String],
    clock: ClockCheck,
) -> Result<VerifiedScope, SignatureError> {
    verify_with(
        request,
        SERVICE,
        |access_key_id, _token| {
            if access_key_id == credentials.access_key_id {
                Ok((credentials.secret_access_key.clone(), ()))
            } else {
                Err(SignatureError::UnknownAccessKey)
            }
        },
        allowed_regions,
        clock,
    )
    .map(|(scope, ())| scope)
}

/// Verifies a request's SigV4 `Authorization` header for signing name `service`.
///
/// `lookup` gives the secret for an access key and the session token the request carries
/// (`X-Amz-Security-Token`), plus whatever it knows of the caller, or refuses the key
/// (`UnknownAccessKey`, `ExpiredToken`); the key is checked before the signature, as AWS
/// authenticates the token first. `allowed_regions` empty means any region is served.
pub fn verify_with<C>(
    request: &SignableRequest<'_>,
    service: &str,
    lookup: impl FnOnce(&str, Option<&str>) -> Result<(String, C), SignatureError>,
    allowed_regions: &[String],
    clock: ClockCheck,
) -> Result<(VerifiedScope, C), SignatureError> {
    let authorization = request
        .headers
        .get("authorization")
        .ok_or(SignatureError::Missing)?
        .to_str()
        .map_err(|_| SignatureError::Malformed("Authorization header is not valid ASCII".into()))?;
    let parsed = parse_authorization(authorization)?;
    let carried_token = request
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let (secret, caller) = lookup(parsed.access_key_id, carried_token)?;
    if parsed.service != service {
        return Err(SignatureError::WrongScope(format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    if parsed.terminator != "aws4_request" {
        return Err(SignatureError::WrongScope(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            parsed.terminator
        )));
    }
    if !allowed_regions.is_empty() && !allowed_regions.iter().any(|r| r == parsed.region) {
        return Err(SignatureError::WrongScope(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            parsed.region
        )));
    }
    if !parsed.signed_headers.contains(&"host") {
        return Err(SignatureError::Malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let amz_date = request
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            SignatureError::Malformed(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"
            ))
        })?;
    let signed_at = parse_amz_date(amz_date)?;
    if !amz_date.starts_with(parsed.date) {
        return Err(SignatureError::WrongScope(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            parsed.date,
            amz_date.get(..8).unwrap_or(amz_date)
        )));
    }
    if let ClockCheck::At(now) = clock {
        check_clock(amz_date, signed_at, now)?;
    }

    // aws-sigv4 adds `x-amz-date` (from the time) and `x-amz-security-token` (from the
    // identity) itself; every other signed header is passed with the values received.
    let mut session_token = None;
    let mut headers = Vec::new();
    for &name in &parsed.signed_headers {
        let mut values = request.headers.get_all(name).iter().peekable();
        if values.peek().is_none() {
            return Err(SignatureError::SignedHeaderMissing(name.to_string()));
        }
        for value in values {
            let value = value.to_str().map_err(|_| SignatureError::Mismatch)?;
            match name {
                "x-amz-date" => {}
                "x-amz-security-token" => session_token = Some(value.to_string()),
                _ => headers.push((name, value)),
            }
        }
    }
    let identity: Identity = SdkCredentials::new(
        parsed.access_key_id,
        secret,
        session_token,
        None,
        "proton-local",
    )
    .into();
    let expected = compute_signature(
        request,
        headers,
        &identity,
        parsed.region,
        service,
        signed_at,
    )
    .map_err(|_| SignatureError::Mismatch)?;
    if expected
        .as_bytes()
        .ct_eq(parsed.signature.as_bytes())
        .into()
    {
        Ok((
            VerifiedScope {
                access_key_id: parsed.access_key_id.to_string(),
                region: parsed.region.to_string(),
            },
            caller,
        ))
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Signs a request in place with `aws-sigv4` (adds `x-amz-date` and `authorization`), as an
/// SDK would. Used by the benchmark and tests that speak raw HTTP; every header present at
/// call time is signed, so `host` must be among them.
pub fn sign(
    method: &str,
    path: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<(), SigningFailure> {
    headers.remove("authorization");
    headers.remove("x-amz-date");
    let pairs = headers
        .iter()
        .map(|(name, value)| {
            value
                .to_str()
                .map(|v| (name.as_str(), v))
                .map_err(|_| SigningFailure::HeaderValue(name.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let signable = http_request::SignableRequest::new(
        method,
        signing_uri(path, None),
        pairs.into_iter(),
        body_of(headers, body),
    )
    .map_err(|e| SigningFailure::Signer(e.to_string()))?;
    let identity: Identity = SdkCredentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        None,
        None,
        "proton-local",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings())
        .build()
        .map_err(|e| SigningFailure::Signer(e.to_string()))?
        .into();
    let (instructions, _) = http_request::sign(signable, &params)
        .map_err(|e| SigningFailure::Signer(e.to_string()))?
        .into_parts();
    let (added, _) = instructions.into_parts();
    for header in added {
        let value = HeaderValue::from_str(header.value())
            .map_err(|_| SigningFailure::HeaderValue(header.name().to_string()))?;
        headers.insert(header.name(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        }
    }

    fn at(amz_date: &str) -> SystemTime {
        parse_amz_date(amz_date).unwrap()
    }

    fn signed(body: &[u8], time: SystemTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.0"),
        );
        sign("POST", "/", &mut headers, body, &creds(), "us-east-1", time).unwrap();
        headers
    }

    fn request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> SignableRequest<'a> {
        SignableRequest {
            method: "POST",
            path: "/",
            query: None,
            headers,
            body,
        }
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let time = at("20150830T123600Z");
        let headers = signed(b"{}", time);
        let scope = verify(
            &request(&headers, b"{}"),
            &creds(),
            &[],
            ClockCheck::At(time),
        )
        .unwrap();
        assert_eq!(scope.region, "us-east-1");
        assert_eq!(
            verify(
                &request(&headers, b"{ }"),
                &creds(),
                &[],
                ClockCheck::At(time)
            ),
            Err(SignatureError::Mismatch)
        );
        let other = Credentials {
            secret_access_key: "other".into(),
            ..creds()
        };
        assert_eq!(
            verify(&request(&headers, b"{}"), &other, &[], ClockCheck::At(time)),
            Err(SignatureError::Mismatch)
        );
    }

    // The AWS SigV4 test suite's "get-vanilla" case, signature as published.
    #[test]
    fn matches_aws_test_suite_get_vanilla() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        headers.insert("authorization", HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ));
        let request = SignableRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        let identity: Identity =
            SdkCredentials::new("AKIDEXAMPLE", creds().secret_access_key, None, None, "test")
                .into();
        let signature = compute_signature(
            &request,
            vec![("host", "example.amazonaws.com")],
            &identity,
            "us-east-1",
            "service",
            at("20150830T123600Z"),
        );
        assert_eq!(
            signature.as_deref(),
            Ok("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        );
        // The whole verifier serves `proton` only.
        assert_eq!(
            verify(&request, &creds(), &[], ClockCheck::Off).map(|s| s.region),
            Err(SignatureError::WrongScope(
                "Credential should be scoped to correct service: 'proton'. ".into()
            ))
        );
    }

    #[test]
    fn clock_skew_beyond_fifteen_minutes_is_refused() {
        let signed_at = at("20250101T000000Z");
        let headers = signed(b"{}", signed_at);
        let req = request(&headers, b"{}");
        for ok in [0, 15 * 60] {
            let now = signed_at + Duration::from_secs(ok);
            assert!(
                verify(&req, &creds(), &[], ClockCheck::At(now)).is_ok(),
                "{ok}s"
            );
            let now = signed_at - Duration::from_secs(ok);
            assert!(
                verify(&req, &creds(), &[], ClockCheck::At(now)).is_ok(),
                "-{ok}s"
            );
        }
        let late = signed_at + Duration::from_secs(15 * 60 + 1);
        let err = verify(&req, &creds(), &[], ClockCheck::At(late)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidSignature);
        assert_eq!(
            err.to_string(),
            "Signature expired: 20250101T000000Z is now earlier than 20250101T000001Z (20250101T001501Z - 15 min.)"
        );
        let early = signed_at - Duration::from_secs(15 * 60 + 1);
        let err = verify(&req, &creds(), &[], ClockCheck::At(early)).unwrap_err();
        assert!(
            err.to_string().starts_with("Signature not yet current: "),
            "{err}"
        );
        assert!(verify(&req, &creds(), &[], ClockCheck::Off).is_ok());
    }

    #[test]
    fn malformed_dates_and_headers_are_incomplete_signatures() {
        let time = at("20250101T000000Z");
        let mut headers = signed(b"{}", time);
        headers.insert(
            "x-amz-date",
            HeaderValue::from_static("2025-01-01T00:00:00Z"),
        );
        let err = verify(&request(&headers, b"{}"), &creds(), &[], ClockCheck::Off).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IncompleteSignature);
        headers.insert(
            "authorization",
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/proton/aws4_request",
            ),
        );
        let err = verify(&request(&headers, b"{}"), &creds(), &[], ClockCheck::Off).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::IncompleteSignature);
    }
}
