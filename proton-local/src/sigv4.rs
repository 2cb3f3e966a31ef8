//! AWS Signature Version 4 verification (header-based, as the AWS SDKs sign awsJson requests).
//!
//! The signature is recomputed from the request as received (method, path, query, the headers
//! named in `SignedHeaders`, body hash) with the configured secret and compared in constant
//! time. The region comes from the credential scope. Clock skew is deliberately not checked so
//! recorded requests can be replayed by benchmarks.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::wire::{ApiError, ErrorKind};

type HmacSha256 = Hmac<Sha256>;

/// The signing name of Proton.
pub const SERVICE: &str = "proton";

/// The key pair the endpoint accepts, and the regions it serves (empty = any).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// What a verified request was signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedScope {
    pub access_key_id: String,
    pub region: String,
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

struct ParsedAuthorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::IncompleteSignature, message)
}

fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, ApiError> {
    let rest = value.strip_prefix(ALGORITHM).ok_or_else(|| {
        incomplete(format!(
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
    let missing = [
        ("Credential", credential.is_none()),
        ("Signature", signature.is_none()),
        ("SignedHeaders", signed_headers.is_none()),
    ];
    for (name, absent) in missing {
        if absent {
            return Err(incomplete(format!(
                "Authorization header requires '{name}' parameter. Authorization={value}"
            )));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(incomplete("Authorization header is incomplete"));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(incomplete(format!(
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

/// URI-encodes per SigV4: everything but unreserved characters; `/` kept when `keep_slash`.
fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn percent_decode(input: &str) -> String {
    percent_encoding::percent_decode_str(input)
        .decode_utf8_lossy()
        .into_owned()
}

/// Canonical URI for non-S3 services: the wire path encoded once more (SDKs double-encode).
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    uri_encode(path, true)
}

fn canonical_query(query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn normalize_header_value(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so construction cannot fail; an empty MAC would only
    // make the signature mismatch.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The header value for `name` as it enters the canonical request (repeated values joined).
fn canonical_header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| normalize_header_value(v.as_bytes()))
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

fn string_to_sign(
    request: &SignableRequest<'_>,
    signed_headers: &[&str],
    amz_date: &str,
    scope: &str,
) -> Result<String, ApiError> {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = canonical_header_value(request.headers, name).ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidSignature,
                format!("The request signature we calculated does not match the signature you provided: signed header '{name}' is not present in the request."),
            )
        })?;
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&value);
        canonical_headers.push('\n');
    }
    let payload_hash = match request
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
        _ => hex::encode(Sha256::digest(request.body)),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.path),
        canonical_query(request.query),
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    );
    Ok(format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    ))
}

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// Verifies a request's SigV4 `Authorization` header against `credentials`.
///
/// `allowed_regions` empty means any region is served.
pub fn verify(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    allowed_regions: &[String],
) -> Result<VerifiedScope, ApiError> {
    let Some(authorization) = request.headers.get("authorization") else {
        return Err(ApiError::new(
            ErrorKind::MissingAuthenticationToken,
            "Missing Authentication Token",
        ));
    };
    let authorization = authorization
        .to_str()
        .map_err(|_| incomplete("Authorization header is not valid ASCII"))?;
    let parsed = parse_authorization(authorization)?;
    if parsed.access_key_id != credentials.access_key_id {
        return Err(ApiError::new(
            ErrorKind::UnrecognizedClient,
            "The security token included in the request is invalid.",
        ));
    }
    if parsed.service != SERVICE {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to correct service: '{SERVICE}'. "),
        ));
    }
    if parsed.terminator != "aws4_request" {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            "Credential should be scoped with a valid terminator: 'aws4_request', not '"
                .to_string()
                + parsed.terminator
                + "'. ",
        ));
    }
    if !allowed_regions.is_empty() && !allowed_regions.iter().any(|r| r == parsed.region) {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                parsed.region
            ),
        ));
    }
    let amz_date = request
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"
            ))
        })?;
    if !amz_date.starts_with(parsed.date) {
        return Err(ApiError::new(
            ErrorKind::InvalidSignature,
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                parsed.date,
                amz_date.get(..8).unwrap_or(amz_date)
            ),
        ));
    }
    let scope = format!(
        "{}/{}/{}/{}",
        parsed.date, parsed.region, parsed.service, parsed.terminator
    );
    let to_sign = string_to_sign(request, &parsed.signed_headers, amz_date, &scope)?;
    let key = signing_key(
        &credentials.secret_access_key,
        parsed.date,
        parsed.region,
        parsed.service,
    );
    let expected = hex::encode(hmac(&key, to_sign.as_bytes()));
    if expected
        .as_bytes()
        .ct_eq(parsed.signature.as_bytes())
        .into()
    {
        Ok(VerifiedScope {
            access_key_id: parsed.access_key_id.to_string(),
            region: parsed.region.to_string(),
        })
    } else {
        Err(ApiError::new(
            ErrorKind::InvalidSignature,
            SIGNATURE_MISMATCH,
        ))
    }
}

/// Signs a request in place (adds `x-amz-date` and `authorization`). Used by the benchmark and
/// tests that speak raw HTTP; every header present at call time is signed.
pub fn sign(
    method: &str,
    path: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    amz_date: &str,
) {
    if let Ok(v) = axum::http::HeaderValue::from_str(amz_date) {
        headers.insert("x-amz-date", v);
    }
    headers.remove("authorization");
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
    names.sort();
    names.dedup();
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let scope = format!("{date}/{region}/{SERVICE}/aws4_request");
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let request = SignableRequest {
        method,
        path,
        query: None,
        headers,
        body,
    };
    let Ok(to_sign) = string_to_sign(&request, &name_refs, amz_date, &scope) else {
        return;
    };
    let key = signing_key(&credentials.secret_access_key, date, region, SERVICE);
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    let value = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        credentials.access_key_id,
        names.join(";")
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
        headers.insert("authorization", v);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use axum::http::HeaderValue;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        }
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.0"),
        );
        sign(
            "POST",
            "/",
            &mut headers,
            b"{}",
            &creds(),
            "us-east-1",
            "20150830T123600Z",
        );
        let req = SignableRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: b"{}",
        };
        let scope = verify(&req, &creds(), &[]).unwrap();
        assert_eq!(scope.region, "us-east-1");
        let tampered = SignableRequest {
            body: b"{ }",
            ..req
        };
        assert_eq!(
            verify(&tampered, &creds(), &[]).unwrap_err().kind,
            ErrorKind::InvalidSignature
        );
    }

    // The AWS SigV4 test suite's "get-vanilla" case.
    #[test]
    fn matches_aws_test_suite_get_vanilla() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let req = SignableRequest {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        let scope = "20150830/us-east-1/service/aws4_request";
        let sts = string_to_sign(&req, &["host", "x-amz-date"], "20150830T123600Z", scope).unwrap();
        let key = signing_key(
            &creds().secret_access_key,
            "20150830",
            "us-east-1",
            "service",
        );
        assert_eq!(
            hex::encode(hmac(&key, sts.as_bytes())),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }
}
