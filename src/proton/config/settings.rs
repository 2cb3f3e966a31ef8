//! What the provider block says about reaching AWS, and the checks on it that need nothing
//! but the settings and the environment.

use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryMode;
use aws_types::os_shim_internal::Env;

use super::assume::{AssumeRole, WebIdentity};
use super::transport::redacted as redacted_url;
use super::DEFAULT_MAX_ATTEMPTS;
#[cfg(doc)]
use super::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT};

/// What the provider block (and the environment) say about reaching AWS.
///
/// Every field is optional; unset values fall back to the standard AWS chain (environment
/// variables, shared config/credentials files and profiles, SSO, web identity, container and
/// instance metadata credentials, `AWS_ENDPOINT_URL_PROTON` / `AWS_ENDPOINT_URL`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProtonSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    /// Custom Proton endpoint URL, e.g. the local emulator's `http://127.0.0.1:PORT`.
    pub endpoint: Option<String>,
    /// Custom S3 endpoint URL, where bundles built from a directory are uploaded.
    pub s3_endpoint: Option<String>,
    /// Address S3 objects as `ENDPOINT/BUCKET/KEY` instead of `BUCKET.ENDPOINT/KEY`.
    pub s3_use_path_style: bool,
    /// Retries after the first attempt; standard retry mode makes `max_retries + 1` attempts.
    pub max_retries: Option<u32>,
    /// `standard` or `adaptive` (client-side rate limiting as well); falls back to
    /// `AWS_RETRY_MODE`, then `standard`.
    pub retry_mode: Option<String>,
    /// Time to establish a connection; [`CONNECT_TIMEOUT`] when unset.
    pub connect_timeout: Option<Duration>,
    /// Time for one attempt of a call; [`ATTEMPT_TIMEOUT`] when unset.
    pub attempt_timeout: Option<Duration>,
    /// Custom STS endpoint URL (GetCallerIdentity and every role assumed).
    pub sts_endpoint: Option<String>,
    /// Custom Resource Groups Tagging API endpoint URL (`tag_index`).
    pub tagging_endpoint: Option<String>,
    /// `assume_role` blocks in order: each is assumed with the credentials of the one before.
    pub assume_roles: Vec<AssumeRole>,
    /// `assume_role_with_web_identity`: assumed first, before any `assume_role`.
    pub web_identity: Option<WebIdentity>,
    /// The only accounts the credentials may act in (empty: any).
    pub allowed_account_ids: Vec<String>,
    /// Accounts the credentials must not act in.
    pub forbidden_account_ids: Vec<String>,
    /// Ask STS GetCallerIdentity at configure even without account lists
    /// (`skip_credentials_validation = false`; the account lists always ask).
    pub validate_credentials: bool,
    /// Accepted for terraform-provider-aws compatibility; the provider never needs the
    /// account id beyond the account lists.
    pub skip_requesting_account_id: bool,
    /// PEM file of the certificates to trust instead of the system's; falls back to
    /// `AWS_CA_BUNDLE`.
    pub custom_ca_bundle: Option<String>,
    /// Proxy URL for `http://` endpoints; falls back to `HTTP_PROXY` / `http_proxy`. `""`: none.
    pub http_proxy: Option<String>,
    /// Proxy URL for `https://` endpoints; falls back to `HTTPS_PROXY` / `https_proxy`. `""`: none.
    pub https_proxy: Option<String>,
    /// Comma-separated hosts reached without a proxy; falls back to `NO_PROXY` / `no_proxy`.
    pub no_proxy: Option<String>,
}

// Hand-written so credentials never reach logs or diagnostics.
impl fmt::Debug for ProtonSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(value: &Option<String>) -> Option<&'static str> {
            value.as_ref().map(|_| "<redacted>")
        }
        f.debug_struct("ProtonSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key", &redacted(&self.access_key))
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("endpoint", &self.endpoint)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_use_path_style", &self.s3_use_path_style)
            .field("max_retries", &self.max_retries)
            .field("retry_mode", &self.retry_mode)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("tagging_endpoint", &self.tagging_endpoint)
            .field("assume_roles", &self.assume_roles)
            .field("web_identity", &self.web_identity)
            .field("allowed_account_ids", &self.allowed_account_ids)
            .field("forbidden_account_ids", &self.forbidden_account_ids)
            .field("validate_credentials", &self.validate_credentials)
            .field(
                "skip_requesting_account_id",
                &self.skip_requesting_account_id,
            )
            .field("custom_ca_bundle", &self.custom_ca_bundle)
            .field("http_proxy", &self.http_proxy.as_deref().map(redacted_url))
            .field(
                "https_proxy",
                &self.https_proxy.as_deref().map(redacted_url),
            )
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// Why settings could not be turned into a client. Messages say what to set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no AWS region is configured: set `region` in the provider block or AWS_REGION \
         (AWS_DEFAULT_REGION and a `region` entry in the selected shared config profile also work)"
    )]
    MissingRegion,
    #[error(
        "`{missing}` is required when `{given}` is set: static credentials need both \
         `access_key` and `secret_key`"
    )]
    IncompleteStaticCredentials {
        given: &'static str,
        missing: &'static str,
    },
    #[error("`token` (a session token) needs `access_key` and `secret_key` to be set too")]
    TokenWithoutKeys,
    #[error("`{attribute}` must not be empty")]
    Empty { attribute: &'static str },
    #[error("`{attribute}` `{endpoint}` is not an http:// or https:// URL")]
    InvalidEndpoint {
        attribute: &'static str,
        endpoint: String,
    },
    #[error("{setting} `{value}` is not a retry mode: use `standard` or `adaptive`")]
    InvalidRetryMode {
        setting: &'static str,
        value: String,
    },
    #[error("AWS_MAX_ATTEMPTS `{value}` is not a positive integer")]
    InvalidMaxAttempts { value: String },
    #[error(
        "profile `{profile}` not found in {searched}: check the name, or set \
         `shared_config_files` / `shared_credentials_files` to the files that define it"
    )]
    ProfileNotFound { profile: String, searched: String },
    #[error("the shared config files could not be read: {message}")]
    ProfileFiles { message: String },
    #[error("`{attribute}` must be longer than zero")]
    ZeroTimeout { attribute: &'static str },
    #[error(
        "`assume_role_with_web_identity` needs `{what}` (or its environment variable: \
         AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE)"
    )]
    WebIdentityWithout { what: &'static str },
    #[error(
        "`allowed_account_ids` and `forbidden_account_ids` cannot both be set: \
         keep the one list that says what you mean"
    )]
    ConflictingAccountLists,
    #[error("the credentials could not be validated with STS GetCallerIdentity: {detail}")]
    CallerIdentity { detail: String },
    #[error(
        "the credentials act in AWS account {account}; {account} is not in \
         allowed_account_ids ({allowed})"
    )]
    AccountNotAllowed { account: String, allowed: String },
    #[error(
        "the credentials act in AWS account {account}; {account} is in \
         forbidden_account_ids ({forbidden})"
    )]
    AccountForbidden { account: String, forbidden: String },
    /// `value` has any credentials redacted.
    #[error("{} `{value}` is not a proxy URL: {reason}", quoted(setting))]
    InvalidProxy {
        setting: &'static str,
        value: String,
        reason: String,
    },
    #[error("{} {path} could not be read: {reason}", quoted(setting))]
    CaBundleUnreadable {
        setting: &'static str,
        path: String,
        reason: String,
    },
    #[error(
        "{} {path} holds no PEM certificate (`-----BEGIN CERTIFICATE-----` blocks)",
        quoted(setting)
    )]
    CaBundleWithoutCertificate { setting: &'static str, path: String },
    #[error("{} {path} is not a usable CA bundle: {reason}", quoted(setting))]
    CaBundleInvalid {
        setting: &'static str,
        path: String,
        reason: String,
    },
}

/// An attribute in backquotes; an environment variable (upper case) as it is.
fn quoted(setting: &str) -> String {
    match setting.bytes().any(|b| b.is_ascii_lowercase()) {
        true => format!("`{setting}`"),
        false => setting.to_string(),
    }
}

/// The attribute `setting` is, if it is one (not an environment variable).
fn attribute_named(setting: &'static str) -> Option<&'static str> {
    setting
        .bytes()
        .any(|b| b.is_ascii_lowercase())
        .then_some(setting)
}

impl ConfigError {
    /// The top-level provider attribute the error is about, where there is one.
    pub fn attribute(&self) -> Option<&'static str> {
        match self {
            ConfigError::AccountNotAllowed { .. } => Some("allowed_account_ids"),
            ConfigError::AccountForbidden { .. } | ConfigError::ConflictingAccountLists => {
                Some("forbidden_account_ids")
            }
            ConfigError::WebIdentityWithout { .. } => Some("assume_role_with_web_identity"),
            ConfigError::InvalidProxy { setting, .. }
            | ConfigError::CaBundleUnreadable { setting, .. }
            | ConfigError::CaBundleWithoutCertificate { setting, .. }
            | ConfigError::CaBundleInvalid { setting, .. } => attribute_named(setting),
            _ => None,
        }
    }
}

/// Trims values and turns empty strings into errors, so `""` from an unset variable in the
/// provider block never silently means "default".
pub(super) fn normalized(settings: &ProtonSettings) -> Result<ProtonSettings, ConfigError> {
    fn field(
        value: &Option<String>,
        attribute: &'static str,
    ) -> Result<Option<String>, ConfigError> {
        match value.as_deref().map(str::trim) {
            Some("") => Err(ConfigError::Empty { attribute }),
            other => Ok(other.map(str::to_owned)),
        }
    }
    Ok(ProtonSettings {
        region: field(&settings.region, "region")?,
        profile: field(&settings.profile, "profile")?,
        access_key: field(&settings.access_key, "access_key")?,
        secret_key: field(&settings.secret_key, "secret_key")?,
        token: field(&settings.token, "token")?,
        shared_config_files: settings.shared_config_files.clone(),
        shared_credentials_files: settings.shared_credentials_files.clone(),
        endpoint: field(&settings.endpoint, "endpoints.proton")?,
        s3_endpoint: field(&settings.s3_endpoint, "endpoints.s3")?,
        s3_use_path_style: settings.s3_use_path_style,
        max_retries: settings.max_retries,
        connect_timeout: nonzero(settings.connect_timeout, "connect_timeout")?,
        attempt_timeout: nonzero(settings.attempt_timeout, "attempt_timeout")?,
        sts_endpoint: field(&settings.sts_endpoint, "endpoints.sts")?,
        tagging_endpoint: field(
            &settings.tagging_endpoint,
            "endpoints.resourcegroupstaggingapi",
        )?,
        // Proxies keep `""`: it means "no proxy", overriding the environment.
        custom_ca_bundle: field(&settings.custom_ca_bundle, "custom_ca_bundle")?,
        ..settings.clone()
    })
}

pub(super) fn nonzero(
    timeout: Option<Duration>,
    attribute: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    match timeout {
        Some(timeout) if timeout.is_zero() => Err(ConfigError::ZeroTimeout { attribute }),
        other => Ok(other),
    }
}

pub(super) fn max_attempts(settings: &ProtonSettings, env: &Env) -> Result<u32, ConfigError> {
    if let Some(retries) = settings.max_retries {
        return Ok(retries.saturating_add(1));
    }
    match env.get("AWS_MAX_ATTEMPTS") {
        Ok(value) => match value.trim().parse::<u32>() {
            Ok(attempts) if attempts > 0 => Ok(attempts),
            _ => Err(ConfigError::InvalidMaxAttempts { value }),
        },
        Err(_) => Ok(DEFAULT_MAX_ATTEMPTS),
    }
}

/// The retry mode: the setting, else `AWS_RETRY_MODE`, else standard (what the SDK defaults
/// to; set here because an explicit retry configuration hides the SDK's own lookup).
pub(super) fn retry_mode(settings: &ProtonSettings, env: &Env) -> Result<RetryMode, ConfigError> {
    let (setting, value) = match (&settings.retry_mode, env.get("AWS_RETRY_MODE")) {
        (Some(value), _) => ("retry_mode", value.clone()),
        (None, Ok(value)) => ("AWS_RETRY_MODE", value),
        (None, Err(_)) => return Ok(RetryMode::Standard),
    };
    value
        .parse()
        .map_err(|_| ConfigError::InvalidRetryMode { setting, value })
}

pub(super) fn is_http_url(endpoint: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        endpoint
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::super::fixtures::static_settings;
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let shown = format!("{:?}", static_settings());
        assert!(!shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(!shown.contains("session-token-value"), "{shown}");
        assert!(
            shown.contains("secret_key: Some(\"<redacted>\")"),
            "{shown}"
        );
        assert!(shown.contains("region: Some(\"eu-west-1\")"), "{shown}");
        let unset = format!("{:?}", ProtonSettings::default());
        assert!(unset.contains("secret_key: None"), "{unset}");
        let proxied = ProtonSettings {
            https_proxy: Some("http://alice:pr0xy-pass@proxy.internal:3128".into()),
            ..static_settings()
        };
        let shown = format!("{proxied:?}");
        assert!(
            !shown.contains("pr0xy-pass") && !shown.contains("alice"),
            "{shown}"
        );
        assert!(
            shown.contains("https_proxy: Some(\"http://<redacted>@proxy.internal:3128\")"),
            "{shown}"
        );
    }

    #[test]
    fn retry_mode_precedence() {
        let none = Env::from_slice(&[]);
        let env = Env::from_slice(&[("AWS_RETRY_MODE", "adaptive")]);
        let mut settings = static_settings();
        assert_eq!(retry_mode(&settings, &none).unwrap(), RetryMode::Standard);
        assert_eq!(retry_mode(&settings, &env).unwrap(), RetryMode::Adaptive);
        settings.retry_mode = Some("standard".into());
        assert_eq!(retry_mode(&settings, &env).unwrap(), RetryMode::Standard);
        settings.retry_mode = None;
        let bad = Env::from_slice(&[("AWS_RETRY_MODE", "legacy")]);
        assert_eq!(
            retry_mode(&settings, &bad).unwrap_err().to_string(),
            "AWS_RETRY_MODE `legacy` is not a retry mode: use `standard` or `adaptive`"
        );
    }

    #[test]
    fn retry_attempts_precedence() {
        let none = Env::from_slice(&[]);
        let env = Env::from_slice(&[("AWS_MAX_ATTEMPTS", "4")]);
        let mut settings = static_settings();
        assert_eq!(
            max_attempts(&settings, &none).unwrap(),
            DEFAULT_MAX_ATTEMPTS
        );
        assert_eq!(max_attempts(&settings, &env).unwrap(), 4);
        settings.max_retries = Some(0);
        assert_eq!(max_attempts(&settings, &env).unwrap(), 1);
        settings.max_retries = Some(u32::MAX);
        assert_eq!(max_attempts(&settings, &none).unwrap(), u32::MAX);
        settings.max_retries = None;
        let bad = Env::from_slice(&[("AWS_MAX_ATTEMPTS", "zero")]);
        assert!(matches!(
            max_attempts(&settings, &bad),
            Err(ConfigError::InvalidMaxAttempts { .. })
        ));
    }
}
