//! Provider settings → one shared Proton client.

use std::fmt;
use std::time::Duration;

use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::os_shim_internal::{Env, Fs};

use super::client::ProtonClient;
use super::no_response::NoResponseLimit;

/// Attempts per API call when neither `max_retries` nor `AWS_MAX_ATTEMPTS` is set: 1 + 9
/// retries. terraform-provider-aws defaults to 25 retries (up to about an hour); Proton calls
/// are small and interactive, so we give up sooner and let the user raise it.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
/// Time allowed to establish a TCP/TLS connection, unless `connect_timeout` says otherwise.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one HTTP attempt, from send to the full response, unless
/// `attempt_timeout` says otherwise. Proton answers in well under a second.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts of one call that get no response at all (refused, connect or attempt timeout)
/// before giving up: the SDK's own default attempt count. With the default timeouts a dead
/// endpoint is reported within about 15 s and a stalled one within about 60 s.
pub const NO_RESPONSE_ATTEMPTS: u32 = 3;
/// Hard bound on one API call including every retry and backoff.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

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
    /// Retries after the first attempt; standard retry mode makes `max_retries + 1` attempts.
    pub max_retries: Option<u32>,
    /// Time to establish a connection; [`CONNECT_TIMEOUT`] when unset.
    pub connect_timeout: Option<Duration>,
    /// Time for one attempt of a call; [`ATTEMPT_TIMEOUT`] when unset.
    pub attempt_timeout: Option<Duration>,
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
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
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
    #[error("`endpoint` `{endpoint}` is not an http:// or https:// URL")]
    InvalidEndpoint { endpoint: String },
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
}

/// Where to look for ambient configuration; tests substitute both.
pub(crate) struct Ambient {
    pub(crate) env: Env,
    pub(crate) http_client: Option<SharedHttpClient>,
}

/// Builds the one Proton client the provider uses for all RPCs.
///
/// Makes no network call: the region comes only from the settings, `AWS_REGION` /
/// `AWS_DEFAULT_REGION` or the shared config profile (never instance metadata), and
/// credentials are resolved lazily on the first request. With `access_key` + `secret_key`
/// the credentials are static and instance metadata is never consulted.
///
/// Time bounds per API call: connecting may take `connect_timeout` ([`CONNECT_TIMEOUT`], 5 s),
/// each attempt `attempt_timeout` ([`ATTEMPT_TIMEOUT`], 20 s), and the whole call including
/// retries at most [`OPERATION_TIMEOUT`] (5 min). Retries use the SDK's standard mode
/// (exponential backoff with jitter, up to 20 s) for throttling, 5xx and transient network
/// errors, with `max_retries + 1` attempts, else `AWS_MAX_ATTEMPTS`, else
/// [`DEFAULT_MAX_ATTEMPTS`] (10); but attempts that get no response at all stop after
/// [`NO_RESPONSE_ATTEMPTS`] (3, see `no_response`). A refused connection is thus reported in
/// a few seconds (it took about 71 s of retry backoff before), an endpoint that drops
/// connections within about 15 s, and one that accepts and never answers within about 60 s.
///
/// A `profile` that none of the shared files defines is an error here, rather than the
/// credential chain falling through to instance metadata and reporting that.
pub async fn build_client(settings: &ProtonSettings) -> Result<ProtonClient, ConfigError> {
    build_client_with(
        settings,
        Ambient {
            env: Env::real(),
            http_client: None,
        },
    )
    .await
}

pub(crate) async fn build_client_with(
    settings: &ProtonSettings,
    ambient: Ambient,
) -> Result<ProtonClient, ConfigError> {
    let settings = normalized(settings)?;
    // The SDK's debug output names its identity's access key id; keep every
    // credential we can know of out of the logs.
    let from_env = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ]
    .map(|var| ambient.env.get(var).ok());
    for secret in [&settings.access_key, &settings.secret_key, &settings.token]
        .into_iter()
        .chain(&from_env)
        .flatten()
    {
        crate::plugin::logging::redact(secret);
    }
    let credentials = static_credentials(&settings)?;
    let profile_files = profile_files(&settings);
    let endpoint = settings.endpoint.clone();
    if let Some(endpoint) = &endpoint {
        if !is_http_url(endpoint) {
            return Err(ConfigError::InvalidEndpoint {
                endpoint: endpoint.clone(),
            });
        }
    }

    if let Some(profile) = &settings.profile {
        check_profile_exists(profile, &ambient.env, profile_files.as_ref(), &settings).await?;
    }
    let region = resolve_region(&settings, &ambient.env, profile_files.as_ref())
        .await
        .ok_or(ConfigError::MissingRegion)?;
    let max_attempts = max_attempts(&settings, &ambient.env)?;
    let connect_timeout = settings.connect_timeout.unwrap_or(CONNECT_TIMEOUT);
    let attempt_timeout = settings.attempt_timeout.unwrap_or(ATTEMPT_TIMEOUT);

    let mut loader: ConfigLoader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(connect_timeout)
                .operation_attempt_timeout(attempt_timeout)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
    // Tests also hide the process environment from the SDK's own lookups (FIPS, dual-stack,
    // endpoint URLs, credentials), so they behave the same on every machine.
    #[cfg(test)]
    {
        loader = loader.env(ambient.env.clone());
    }
    if let Some(http_client) = ambient.http_client {
        loader = loader.http_client(http_client);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(files) = profile_files {
        loader = loader.profile_files(files);
    }
    if let Some(endpoint) = &endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk_config = loader.load().await;

    // Name the endpoint in transport errors: the explicit one, else one from the environment.
    let endpoint = endpoint.or_else(|| sdk_config.endpoint_url().map(str::to_owned));
    let proton_config = aws_sdk_proton::config::Builder::from(&sdk_config)
        .interceptor(NoResponseLimit {
            max_attempts: NO_RESPONSE_ATTEMPTS.min(max_attempts),
            connect_timeout,
            attempt_timeout,
        })
        .build();
    let client = aws_sdk_proton::Client::from_conf(proton_config);
    Ok(ProtonClient::from_sdk(client, endpoint))
}

/// Trims values and turns empty strings into errors, so `""` from an unset variable in the
/// provider block never silently means "default".
fn normalized(settings: &ProtonSettings) -> Result<ProtonSettings, ConfigError> {
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
        endpoint: field(&settings.endpoint, "endpoint")?,
        max_retries: settings.max_retries,
        connect_timeout: nonzero(settings.connect_timeout, "connect_timeout")?,
        attempt_timeout: nonzero(settings.attempt_timeout, "attempt_timeout")?,
    })
}

fn nonzero(
    timeout: Option<Duration>,
    attribute: &'static str,
) -> Result<Option<Duration>, ConfigError> {
    match timeout {
        Some(timeout) if timeout.is_zero() => Err(ConfigError::ZeroTimeout { attribute }),
        other => Ok(other),
    }
}

/// Fails unless one of the shared files (the explicit ones, else the defaults) defines
/// `profile`.
async fn check_profile_exists(
    profile: &str,
    env: &Env,
    profile_files: Option<&EnvConfigFiles>,
    settings: &ProtonSettings,
) -> Result<(), ConfigError> {
    let default_files = EnvConfigFiles::default();
    let files = profile_files.unwrap_or(&default_files);
    let profiles = aws_config::profile::load(&Fs::real(), env, files, None)
        .await
        .map_err(|err| ConfigError::ProfileFiles {
            message: crate::proton::error::error_chain(&err),
        })?;
    if profiles.get_profile(profile).is_some() {
        return Ok(());
    }
    let mut searched: Vec<String> = Vec::new();
    match settings.shared_config_files.as_slice() {
        [] => searched.push("~/.aws/config".to_string()),
        files => searched.extend(files.iter().cloned()),
    }
    match settings.shared_credentials_files.as_slice() {
        [] => searched.push("~/.aws/credentials".to_string()),
        files => searched.extend(files.iter().cloned()),
    }
    Err(ConfigError::ProfileNotFound {
        profile: profile.to_string(),
        searched: searched.join(", "),
    })
}

fn static_credentials(settings: &ProtonSettings) -> Result<Option<Credentials>, ConfigError> {
    match (&settings.access_key, &settings.secret_key) {
        (Some(access_key), Some(secret_key)) => Ok(Some(Credentials::new(
            access_key,
            secret_key,
            settings.token.clone(),
            None,
            "terraform-provider-proton",
        ))),
        (Some(_), None) => Err(ConfigError::IncompleteStaticCredentials {
            given: "access_key",
            missing: "secret_key",
        }),
        (None, Some(_)) => Err(ConfigError::IncompleteStaticCredentials {
            given: "secret_key",
            missing: "access_key",
        }),
        (None, None) if settings.token.is_some() => Err(ConfigError::TokenWithoutKeys),
        (None, None) => Ok(None),
    }
}

/// Explicit shared files replace the defaults of their kind (`~/.aws/config`,
/// `~/.aws/credentials`); with none given, the SDK's defaults apply unchanged.
fn profile_files(settings: &ProtonSettings) -> Option<EnvConfigFiles> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return None;
    }
    let mut builder = EnvConfigFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    for file in &settings.shared_config_files {
        builder = builder.with_file(EnvConfigFileKind::Config, file);
    }
    for file in &settings.shared_credentials_files {
        builder = builder.with_file(EnvConfigFileKind::Credentials, file);
    }
    Some(builder.build())
}

/// Settings → `AWS_REGION` → `AWS_DEFAULT_REGION` → the selected profile's `region`.
/// Instance metadata is deliberately not consulted (terraform-provider-aws doesn't either),
/// which keeps client construction free of network calls.
async fn resolve_region(
    settings: &ProtonSettings,
    env: &Env,
    profile_files: Option<&EnvConfigFiles>,
) -> Option<Region> {
    if let Some(region) = &settings.region {
        return Some(Region::new(region.clone()));
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Ok(region) = env.get(var) {
            if !region.trim().is_empty() {
                return Some(Region::new(region.trim().to_owned()));
            }
        }
    }
    let mut profile_region = ProfileFileRegionProvider::builder();
    if let Some(profile) = &settings.profile {
        profile_region = profile_region.profile_name(profile);
    }
    if let Some(files) = profile_files {
        profile_region = profile_region.profile_files(files.clone());
    }
    profile_region.build().region().await
}

fn max_attempts(settings: &ProtonSettings, env: &Env) -> Result<u32, ConfigError> {
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

fn is_http_url(endpoint: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        endpoint
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use aws_smithy_http_client::test_util::{infallible_client_fn, NeverClient};
    use aws_smithy_runtime_api::shared::IntoShared;

    use super::*;
    use crate::proton::model::{TemplateKind, VersionKey};
    use crate::proton::ProtonError;

    fn static_settings() -> ProtonSettings {
        ProtonSettings {
            region: Some("eu-west-1".into()),
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            token: Some("session-token-value".into()),
            endpoint: Some("http://127.0.0.1:4566".into()),
            ..Default::default()
        }
    }

    /// No ambient configuration at all.
    fn empty_ambient(http_client: Option<SharedHttpClient>) -> Ambient {
        Ambient {
            env: Env::from_slice(&[]),
            http_client,
        }
    }

    /// An empty shared config file, so tests never read the developer's `~/.aws`.
    fn empty_config_file() -> tempfile::NamedTempFile {
        tempfile::NamedTempFile::new().unwrap()
    }

    type Seen = Arc<Mutex<Vec<(String, String)>>>;

    /// An HTTP client that records (URI, Authorization) and answers NotFound.
    fn recording_client() -> (SharedHttpClient, Seen) {
        let seen: Seen = Arc::default();
        let recorder = seen.clone();
        let client = infallible_client_fn(move |req: http::Request<_>| {
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            recorder.lock().unwrap().push((req.uri().to_string(), auth));
            http::Response::builder()
                .status(404)
                .header("x-amzn-requestid", "rid-1")
                .body(r#"{"__type":"ResourceNotFoundException","message":"nope"}"#)
                .unwrap()
        });
        (client, seen)
    }

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
    }

    #[tokio::test]
    async fn static_credentials_and_endpoint_build_without_network_and_are_used() {
        let (http_client, seen) = recording_client();
        let client = build_client_with(&static_settings(), empty_ambient(Some(http_client)))
            .await
            .unwrap();
        assert!(seen.lock().unwrap().is_empty(), "building made a request");
        assert_eq!(client.endpoint(), Some("http://127.0.0.1:4566"));

        let found = client
            .find_version(TemplateKind::Environment, &VersionKey::new("web", "1", "0"))
            .await
            .unwrap();
        assert_eq!(found, None);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let (uri, auth) = &seen[0];
        assert!(uri.starts_with("http://127.0.0.1:4566"), "{uri}");
        assert!(
            auth.contains("Credential=AKIDEXAMPLE/") && auth.contains("/eu-west-1/proton/"),
            "{auth}"
        );
    }

    #[tokio::test]
    async fn missing_region_is_a_clear_error() {
        let mut config = empty_config_file();
        writeln!(config, "[profile nobody]\noutput = json").unwrap();
        let settings = ProtonSettings {
            region: None,
            profile: Some("nobody".into()),
            shared_config_files: vec![config.path().display().to_string()],
            shared_credentials_files: vec![config.path().display().to_string()],
            ..static_settings()
        };
        let err = build_client_with(&settings, empty_ambient(None))
            .await
            .unwrap_err();
        assert_eq!(err, ConfigError::MissingRegion);
        let msg = err.to_string();
        assert!(
            msg.contains("set `region` in the provider block or AWS_REGION"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn region_falls_back_to_environment_then_profile() {
        let mut config = empty_config_file();
        writeln!(config, "[profile dev]\nregion = ap-southeast-2").unwrap();
        let settings = ProtonSettings {
            region: None,
            profile: Some("dev".into()),
            shared_config_files: vec![config.path().display().to_string()],
            ..static_settings()
        };
        let files = profile_files(&settings);
        assert_eq!(
            resolve_region(&settings, &Env::from_slice(&[]), files.as_ref()).await,
            Some(Region::new("ap-southeast-2"))
        );
        let env = Env::from_slice(&[("AWS_DEFAULT_REGION", "us-west-2")]);
        assert_eq!(
            resolve_region(&settings, &env, files.as_ref()).await,
            Some(Region::new("us-west-2"))
        );

        let settings = ProtonSettings {
            region: None,
            ..static_settings()
        };
        let env = Env::from_slice(&[("AWS_REGION", "ca-central-1")]);
        assert_eq!(
            resolve_region(&settings, &env, None).await,
            Some(Region::new("ca-central-1"))
        );
        // An explicit setting wins over everything.
        assert_eq!(
            resolve_region(&static_settings(), &env, None).await,
            Some(Region::new("eu-west-1"))
        );
    }

    #[tokio::test]
    async fn partial_static_credentials_name_both_attributes() {
        let only_access = ProtonSettings {
            secret_key: None,
            ..static_settings()
        };
        let msg = build_client_with(&only_access, empty_ambient(None))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`secret_key` is required when `access_key` is set"),
            "{msg}"
        );

        let only_secret = ProtonSettings {
            access_key: None,
            ..static_settings()
        };
        let msg = build_client_with(&only_secret, empty_ambient(None))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`access_key` is required when `secret_key` is set"),
            "{msg}"
        );

        let only_token = ProtonSettings {
            access_key: None,
            secret_key: None,
            ..static_settings()
        };
        let err = build_client_with(&only_token, empty_ambient(None))
            .await
            .unwrap_err();
        assert_eq!(err, ConfigError::TokenWithoutKeys);
    }

    #[tokio::test]
    async fn rejects_empty_values_and_bad_endpoints() {
        let empty_region = ProtonSettings {
            region: Some("  ".into()),
            ..static_settings()
        };
        assert_eq!(
            build_client_with(&empty_region, empty_ambient(None))
                .await
                .unwrap_err(),
            ConfigError::Empty {
                attribute: "region"
            }
        );
        for endpoint in ["127.0.0.1:4566", "ftp://host", "http://", "https:///path"] {
            let settings = ProtonSettings {
                endpoint: Some(endpoint.into()),
                ..static_settings()
            };
            let err = build_client_with(&settings, empty_ambient(None))
                .await
                .unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidEndpoint { .. }),
                "{endpoint}"
            );
        }
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

    #[test]
    fn explicit_profile_files_replace_only_their_own_kind_of_default() {
        assert!(profile_files(&static_settings()).is_none());
        let settings = ProtonSettings {
            shared_credentials_files: vec!["/tmp/creds".into()],
            ..static_settings()
        };
        let files = format!("{:?}", profile_files(&settings).unwrap());
        assert!(files.contains("/tmp/creds"), "{files}");
        assert!(
            files.contains("Config"),
            "default config file kept: {files}"
        );
    }

    #[tokio::test]
    async fn without_static_credentials_the_chain_is_resolved_lazily() {
        let config = empty_config_file();
        let (http_client, seen) = recording_client();
        let settings = ProtonSettings {
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec![config.path().display().to_string()],
            shared_credentials_files: vec![config.path().display().to_string()],
            ..static_settings()
        };
        build_client_with(&settings, empty_ambient(Some(http_client)))
            .await
            .unwrap();
        // Nothing (not even instance metadata) is asked until the first real call.
        assert!(
            seen.lock().unwrap().is_empty(),
            "{:?}",
            seen.lock().unwrap()
        );
    }

    #[tokio::test]
    async fn refused_connection_is_a_transport_error_naming_the_endpoint() {
        // A loopback port that was just free: connecting is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let settings = ProtonSettings {
            endpoint: Some(endpoint.clone()),
            max_retries: Some(0),
            ..static_settings()
        };
        let client = build_client_with(&settings, empty_ambient(None))
            .await
            .unwrap();
        let err = client
            .find_version(TemplateKind::Service, &VersionKey::new("api", "1", "0"))
            .await
            .unwrap_err();
        assert!(matches!(err, ProtonError::Transport { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "GetServiceTemplateVersion on service template version `api:1.0` could not \
                 reach AWS Proton at {endpoint}: "
            )),
            "{msg}"
        );
    }

    #[test]
    fn client_and_errors_can_be_shared_across_tasks() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<ProtonClient>();
        shareable::<ProtonError>();
        shareable::<ConfigError>();
    }

    #[tokio::test]
    async fn a_profile_no_file_defines_is_named() {
        let mut config = empty_config_file();
        writeln!(config, "[profile dev]\nregion = eu-west-1").unwrap();
        let file = config.path().display().to_string();
        let settings = ProtonSettings {
            profile: Some("nope".into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec![file.clone()],
            shared_credentials_files: vec![file.clone()],
            ..static_settings()
        };
        let err = build_client_with(&settings, empty_ambient(None))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::ProfileNotFound {
                profile: "nope".into(),
                searched: format!("{file}, {file}"),
            }
        );
        assert!(
            err.to_string().starts_with("profile `nope` not found in "),
            "{err}"
        );
        let found = ProtonSettings {
            profile: Some("dev".into()),
            ..settings
        };
        assert!(build_client_with(&found, empty_ambient(None)).await.is_ok());
    }

    /// Without any response, a call stops after [`NO_RESPONSE_ATTEMPTS`] attempts of the
    /// configured attempt timeout although `max_retries` allows more, and says so.
    #[tokio::test(start_paused = true)]
    async fn a_stalled_endpoint_is_given_up_on_after_three_attempts_of_the_configured_timeout() {
        let never = NeverClient::new();
        let settings = ProtonSettings {
            attempt_timeout: Some(Duration::from_secs(1)),
            connect_timeout: Some(Duration::from_secs(2)),
            ..static_settings()
        };
        let client = build_client_with(&settings, empty_ambient(Some(never.clone().into_shared())))
            .await
            .unwrap();
        let err = client
            .get_version(TemplateKind::Environment, &VersionKey::new("web", "1", "0"))
            .await
            .unwrap_err();
        assert_eq!(never.num_calls(), NO_RESPONSE_ATTEMPTS as usize);
        let msg = err.to_string();
        assert!(
            msg.contains(
                "could not reach AWS Proton at http://127.0.0.1:4566: no response after 3 attempts (connect timeout 2s, attempt timeout 1s): "
            ),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn zero_timeouts_are_refused() {
        let settings = ProtonSettings {
            attempt_timeout: Some(Duration::ZERO),
            ..static_settings()
        };
        assert_eq!(
            build_client_with(&settings, empty_ambient(None))
                .await
                .unwrap_err(),
            ConfigError::ZeroTimeout {
                attribute: "attempt_timeout"
            }
        );
    }

    /// A hanging endpoint fails within the attempt timeout × attempts, as a transport error
    /// that names the endpoint.
    #[tokio::test(start_paused = true)]
    async fn hanging_endpoint_fails_in_bounded_time() {
        let never = NeverClient::new();
        let settings = ProtonSettings {
            max_retries: Some(1),
            ..static_settings()
        };
        let client = build_client_with(&settings, empty_ambient(Some(never.clone().into_shared())))
            .await
            .unwrap();
        let start = tokio::time::Instant::now();
        let err = client
            .get_version(TemplateKind::Environment, &VersionKey::new("web", "1", "0"))
            .await
            .unwrap_err();
        let elapsed = start.elapsed();
        assert!(matches!(err, ProtonError::Transport { .. }), "{err:?}");
        assert!(err.to_string().contains("http://127.0.0.1:4566"), "{err}");
        assert!(
            err.to_string().contains("no response after 2 attempts"),
            "{err}"
        );
        assert_eq!(never.num_calls(), 2);
        assert!(
            elapsed >= ATTEMPT_TIMEOUT * 2
                && elapsed <= ATTEMPT_TIMEOUT * 2 + Duration::from_secs(25),
            "{elapsed:?}"
        );
    }
}
