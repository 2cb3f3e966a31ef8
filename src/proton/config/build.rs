//! The SDK client: settings checked and resolved, then one client with the provider's retry
//! policy and time bounds.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::os_shim_internal::Env;

use super::assume;
use super::profile::{check_profile_exists, profile_files, resolve_region, static_credentials};
use super::settings::{is_http_url, max_attempts, normalized, retry_mode};
use super::transport::Transport;
use super::{ConfigError, ProtonSettings};
use crate::proton::bundle_store::BundleStore;
use crate::proton::client::ProtonClient;
use crate::proton::no_response::NoResponseLimit;
use crate::proton::tag_index::TagIndex;

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

/// Where to look for ambient configuration; tests substitute both.
pub(crate) struct Ambient {
    pub(crate) env: Env,
    pub(crate) http_client: Option<SharedHttpClient>,
}

/// Builds the one Proton client the provider uses for all RPCs, and the S3 client for bundles.
///
/// Makes no network call unless `allowed_account_ids` / `forbidden_account_ids` are set or
/// `skip_credentials_validation = false`: then STS GetCallerIdentity, once, whose account the
/// lists must allow (resolving the credentials for it assumes every configured role). The
/// region comes only from the settings, `AWS_REGION` / `AWS_DEFAULT_REGION` or the shared
/// config profile (never instance metadata), and credentials are otherwise resolved lazily
/// on the first request. With `access_key` + `secret_key`
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
pub async fn build_client(settings: &ProtonSettings) -> Result<Regions, ConfigError> {
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
) -> Result<Regions, ConfigError> {
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
    if !settings.allowed_account_ids.is_empty() && !settings.forbidden_account_ids.is_empty() {
        return Err(ConfigError::ConflictingAccountLists);
    }
    for (attribute, url) in [
        ("endpoints.proton", &endpoint),
        ("endpoints.s3", &settings.s3_endpoint),
        ("endpoints.sts", &settings.sts_endpoint),
        (
            "endpoints.resourcegroupstaggingapi",
            &settings.tagging_endpoint,
        ),
    ] {
        if let Some(url) = url.as_ref().filter(|url| !is_http_url(url)) {
            return Err(ConfigError::InvalidEndpoint {
                attribute,
                endpoint: url.clone(),
            });
        }
    }
    // Proxies and the CA bundle, for every client below (STS included): checked before
    // anything is built, so a bad bundle is an error here rather than a panic in the SDK.
    let transport = Transport::resolve(&settings, &ambient.env)?;

    if let Some(profile) = &settings.profile {
        check_profile_exists(profile, &ambient.env, profile_files.as_ref(), &settings).await?;
    }
    let region = resolve_region(&settings, &ambient.env, profile_files.as_ref())
        .await
        .ok_or(ConfigError::MissingRegion)?;
    let max_attempts = max_attempts(&settings, &ambient.env)?;
    let retry_mode = retry_mode(&settings, &ambient.env)?;
    let connect_timeout = settings.connect_timeout.unwrap_or(CONNECT_TIMEOUT);
    let attempt_timeout = settings.attempt_timeout.unwrap_or(ATTEMPT_TIMEOUT);

    let mut loader: ConfigLoader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(
            RetryConfig::standard()
                .with_retry_mode(retry_mode)
                .with_max_attempts(max_attempts),
        )
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
    let http_client = match ambient.http_client {
        Some(http_client) => http_client,
        None => transport.http_client()?,
    };
    loader = loader.http_client(http_client);
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(files) = profile_files {
        loader = loader.profile_files(files);
    }
    let sdk_config = loader.load().await;
    // Every client signs with the end of the chain: base, web identity, then each role.
    let sdk_config = match assume::chain(
        &sdk_config,
        settings.sts_endpoint.as_deref(),
        settings.web_identity.as_ref(),
        &settings.assume_roles,
        &ambient.env,
    )? {
        Some(credentials) => sdk_config
            .into_builder()
            .credentials_provider(credentials)
            .build(),
        None => sdk_config,
    };
    let account_lists =
        !settings.allowed_account_ids.is_empty() || !settings.forbidden_account_ids.is_empty();
    if account_lists || settings.validate_credentials {
        // Before any Proton or S3 call: a wrong account must not see a single write.
        let sts = assume::sts_client(&sdk_config, None, settings.sts_endpoint.as_deref());
        let account = assume::caller_account(&sts).await?;
        assume::check_account(
            &account,
            &settings.allowed_account_ids,
            &settings.forbidden_account_ids,
        )?;
        tracing::debug!(account, "credentials validated with GetCallerIdentity");
    }
    let no_response = NoResponseLimit {
        max_attempts: NO_RESPONSE_ATTEMPTS.min(max_attempts),
        connect_timeout,
        attempt_timeout,
    };

    let tagging = TaggingEndpoint::choose(&settings, &ambient.env, &sdk_config);
    let recipe = Recipe {
        sdk_config,
        proton_endpoint: endpoint,
        s3_endpoint: settings.s3_endpoint.clone(),
        s3_use_path_style: settings.s3_use_path_style,
        tagging,
        no_response,
    };
    Ok(Regions::new(recipe))
}

/// How every region's clients are made from the one resolved configuration.
#[derive(Debug)]
struct Recipe {
    sdk_config: aws_types::SdkConfig,
    proton_endpoint: Option<String>,
    s3_endpoint: Option<String>,
    s3_use_path_style: bool,
    tagging: TaggingEndpoint,
    no_response: NoResponseLimit,
}

/// Where the tag index (`proton::tag_index`) is asked, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TaggingEndpoint {
    /// `endpoints.resourcegroupstaggingapi`.
    Explicit(String),
    /// The SDK's choice: `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`, `AWS_ENDPOINT_URL`,
    /// else AWS's regional endpoint.
    Default,
    /// Nowhere: Proton is reached at a custom endpoint (proton-local, say) and the Tagging API
    /// at none, so AWS's index would not know its objects. Each object's own
    /// ListTagsForResource answers instead.
    None,
}

impl TaggingEndpoint {
    /// The endpoint `settings`, the environment `env` and the resolved `sdk_config` give.
    fn choose(settings: &ProtonSettings, env: &Env, sdk_config: &aws_types::SdkConfig) -> Self {
        let env_set = |name: &str| env.get(name).is_ok_and(|value| !value.is_empty());
        if let Some(url) = &settings.tagging_endpoint {
            return Self::Explicit(url.clone());
        }
        let custom_proton = settings.endpoint.is_some() || env_set("AWS_ENDPOINT_URL_PROTON");
        let custom_tagging = env_set("AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API")
            || sdk_config.endpoint_url().is_some();
        match custom_proton && !custom_tagging {
            true => Self::None,
            false => Self::Default,
        }
    }
}

impl Recipe {
    /// The clients of `region`: the same credentials, retry policy, time bounds and endpoints,
    /// signing for `region` (and, without a custom endpoint, sent to its regional endpoint).
    fn clients_in(&self, region_name: &str) -> Clients {
        let region = aws_types::region::Region::new(region_name.to_string());
        let sdk_config = &self.sdk_config;
        // Each endpoint is the service's own: a global one would send Proton's calls to S3's
        // endpoint or the other way round. Name the endpoint in transport errors: the explicit
        // one, else one from the environment.
        // (Setting none would drop the one `AWS_ENDPOINT_URL_<SERVICE>` gives.)
        let mut proton_config = aws_sdk_proton::config::Builder::from(sdk_config);
        if let Some(endpoint) = &self.proton_endpoint {
            proton_config.set_endpoint_url(Some(endpoint.clone()));
        }
        let proton_config = proton_config
            .region(region.clone())
            .interceptor(self.no_response.clone())
            .build();
        let endpoint =
            (self.proton_endpoint.clone()).or_else(|| sdk_config.endpoint_url().map(str::to_owned));
        let proton = aws_sdk_proton::Client::from_conf(proton_config);
        let mut s3_config = aws_sdk_s3::config::Builder::from(sdk_config);
        if let Some(endpoint) = &self.s3_endpoint {
            s3_config.set_endpoint_url(Some(endpoint.clone()));
        }
        let s3_config = s3_config
            .region(region)
            .force_path_style(self.s3_use_path_style)
            .interceptor(self.no_response.clone())
            .build();
        let s3_endpoint =
            (self.s3_endpoint.clone()).or_else(|| sdk_config.endpoint_url().map(str::to_owned));
        let bundles = BundleStore::new(aws_sdk_s3::Client::from_conf(s3_config), s3_endpoint);
        let proton = ProtonClient::from_sdk(proton, endpoint);
        Clients {
            proton: proton.with_tag_index(self.tag_index_in(region_name)),
            bundles,
        }
    }

    /// The tag index of `region`, built like the other clients, if the provider may use one.
    fn tag_index_in(&self, region: &str) -> TagIndex {
        let sdk_config = &self.sdk_config;
        let mut config = aws_sdk_resourcegroupstagging::config::Builder::from(sdk_config);
        let endpoint = match &self.tagging {
            TaggingEndpoint::None => return TagIndex::none(),
            TaggingEndpoint::Explicit(url) => {
                config.set_endpoint_url(Some(url.clone()));
                Some(url.clone())
            }
            TaggingEndpoint::Default => sdk_config.endpoint_url().map(str::to_owned),
        };
        let config = config
            .region(aws_types::region::Region::new(region.to_string()))
            .interceptor(self.no_response.clone())
            .build();
        TagIndex::new(
            aws_sdk_resourcegroupstagging::Client::from_conf(config),
            endpoint,
        )
    }
}

/// The clients of one region: Proton's, and S3's for bundle uploads (used only for versions
/// whose source is a directory). Cheap to clone; clones share the Proton client's ledger.
#[derive(Clone, Debug)]
pub struct Clients {
    pub proton: ProtonClient,
    pub bundles: BundleStore,
}

/// The clients of every region the provider works in, built from one configuration: the
/// provider's region's at once, any other's the first time an object names it (a resource's
/// `region`). Each region has one set for the life of the process, so that its ledger sees
/// every operation there (a Proton name is unique per account and region, not across regions).
#[derive(Debug)]
pub struct Regions {
    recipe: Recipe,
    default_region: String,
    built: Mutex<BTreeMap<String, Clients>>,
}

impl Regions {
    fn new(recipe: Recipe) -> Self {
        let default_region = recipe
            .sdk_config
            .region()
            .map(|region| region.as_ref().to_string())
            .unwrap_or_default();
        let default = recipe.clients_in(&default_region);
        Self {
            built: Mutex::new(BTreeMap::from([(default_region.clone(), default)])),
            recipe,
            default_region,
        }
    }

    /// The provider's region: where objects that name none live.
    pub fn default_region(&self) -> &str {
        &self.default_region
    }

    /// The clients of `region`, or of the provider's region for `None`.
    pub fn clients(&self, region: Option<&str>) -> Clients {
        let region = region.unwrap_or(&self.default_region);
        // A poisoned lock only means another thread panicked while inserting: the map is
        // still whole.
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        built
            .entry(region.to_string())
            .or_insert_with(|| self.recipe.clients_in(region))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use aws_smithy_http_client::test_util::{infallible_client_fn, NeverClient};
    use aws_smithy_runtime_api::shared::IntoShared;

    use super::super::fixtures::{empty_config_file, profile_from, static_settings};
    use super::*;
    use crate::proton::model::{TemplateKind, VersionKey};
    use crate::proton::ProtonError;

    /// Why `settings` build no client, with no ambient configuration.
    async fn refusal(settings: &ProtonSettings) -> ConfigError {
        build_client_with(settings, empty_ambient(None))
            .await
            .unwrap_err()
    }

    /// The client `settings` build, with no ambient configuration.
    async fn built(
        settings: &ProtonSettings,
        http_client: Option<SharedHttpClient>,
    ) -> ProtonClient {
        build_client_with(settings, empty_ambient(http_client))
            .await
            .unwrap()
            .clients(None)
            .proton
    }

    /// No ambient configuration at all.
    fn empty_ambient(http_client: Option<SharedHttpClient>) -> Ambient {
        Ambient {
            env: Env::from_slice(&[]),
            http_client,
        }
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

    #[tokio::test]
    async fn static_credentials_and_endpoint_build_without_network_and_are_used() {
        let (http_client, seen) = recording_client();
        let client = built(&static_settings(), Some(http_client)).await;
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

    /// One Proton and one S3 call through `clients`, whatever they answer.
    async fn call_each_service(clients: &Clients) {
        let key = VersionKey::new("web", "1", "0");
        let _ = clients
            .proton
            .find_version(TemplateKind::Environment, &key)
            .await;
        let _ = clients
            .bundles
            .put_once("bundles", "web/abc.tar.gz", vec![1])
            .await;
    }

    /// Builds both clients from `settings` with `env` as the environment, sends one Proton
    /// and one S3 call, and returns the URIs they went to.
    async fn uris_of_each_service(settings: &ProtonSettings, env: &[(&str, &str)]) -> Vec<String> {
        let (clients, seen) = recorded_clients(settings, env).await;
        call_each_service(&clients).await;
        let seen = seen.lock().unwrap();
        seen.iter().map(|(uri, _)| uri.clone()).collect()
    }

    /// The provider's region's clients that `settings` and `env` build, and what they send.
    async fn recorded_clients(settings: &ProtonSettings, env: &[(&str, &str)]) -> (Clients, Seen) {
        let (http_client, seen) = recording_client();
        let ambient = Ambient {
            env: Env::from_slice(env),
            http_client: Some(http_client),
        };
        let regions = build_client_with(settings, ambient).await.unwrap();
        (regions.clients(None), seen)
    }

    #[tokio::test]
    async fn each_service_has_its_own_endpoint_from_the_settings_or_its_variable() {
        let from_settings = ProtonSettings {
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_use_path_style: true,
            ..static_settings()
        };
        let uris = uris_of_each_service(&from_settings, &[]).await;
        assert!(uris[0].starts_with("http://127.0.0.1:4566/"), "{uris:?}");
        // HEAD, then PUT (the recording client answers 404), path-style.
        assert!(
            uris[1..]
                .iter()
                .all(|u| u.starts_with("http://127.0.0.1:9000/bundles/web/abc.tar.gz")),
            "{uris:?}"
        );

        let from_env = ProtonSettings {
            endpoint: None,
            s3_use_path_style: true,
            ..static_settings()
        };
        let env = [
            ("AWS_ENDPOINT_URL_PROTON", "http://proton.env:1"),
            ("AWS_ENDPOINT_URL_S3", "http://s3.env:2"),
        ];
        let uris = uris_of_each_service(&from_env, &env).await;
        assert!(uris[0].starts_with("http://proton.env:1/"), "{uris:?}");
        assert!(uris[1].starts_with("http://s3.env:2/bundles/"), "{uris:?}");
    }

    /// The URIs one tag-index read (`GetResources`) went to, with `settings` and `env`, and
    /// whether the index answered at all.
    async fn tag_index_uris(
        settings: &ProtonSettings,
        env: &[(&str, &str)],
    ) -> (Vec<String>, bool) {
        let (clients, seen) = recorded_clients(settings, env).await;
        let arn = "arn:aws:proton:us-east-1:123456789012:environment-template/web".to_string();
        // The recording client answers 404: an error, unless no request is made.
        let answered = !matches!(clients.proton.tag_index().tags_of(&[arn]).await, Ok(None));
        let seen = seen.lock().unwrap();
        (seen.iter().map(|(uri, _)| uri.clone()).collect(), answered)
    }

    #[tokio::test]
    async fn the_tag_index_has_its_own_endpoint_and_none_beside_a_custom_proton_endpoint() {
        // A custom Proton endpoint and no tagging one: AWS's index would not know its objects.
        let (uris, answered) = tag_index_uris(&static_settings(), &[]).await;
        assert_eq!((uris, answered), (Vec::new(), false));
        let env_proton = [("AWS_ENDPOINT_URL_PROTON", "http://proton.env:1")];
        let without_endpoint = ProtonSettings {
            endpoint: None,
            ..static_settings()
        };
        let (uris, answered) = tag_index_uris(&without_endpoint, &env_proton).await;
        assert_eq!((uris, answered), (Vec::new(), false));

        let explicit = ProtonSettings {
            tagging_endpoint: Some("http://127.0.0.1:7000".into()),
            ..static_settings()
        };
        let (uris, answered) = tag_index_uris(&explicit, &[]).await;
        assert!(answered);
        assert!(
            uris.iter()
                .all(|uri| uri.starts_with("http://127.0.0.1:7000/")),
            "{uris:?}"
        );
        assert!(!uris.is_empty());
        let env_both = [
            ("AWS_ENDPOINT_URL_PROTON", "http://proton.env:1"),
            (
                "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API",
                "http://tagging.env:3",
            ),
        ];
        let (uris, _) = tag_index_uris(&without_endpoint, &env_both).await;
        assert!(!uris.is_empty());
        assert!(
            uris.iter()
                .all(|uri| uri.starts_with("http://tagging.env:3/")),
            "{uris:?}"
        );
    }

    #[tokio::test]
    async fn missing_region_is_a_clear_error() {
        let (config, settings) = profile_from("nobody", "[profile nobody]\noutput = json");
        let settings = ProtonSettings {
            shared_credentials_files: vec![config.path().display().to_string()],
            ..settings
        };
        let err = refusal(&settings).await;
        assert_eq!(err, ConfigError::MissingRegion);
        let msg = err.to_string();
        assert!(
            msg.contains("set `region` in the provider block or AWS_REGION"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn partial_static_credentials_name_both_attributes() {
        let only_access = ProtonSettings {
            secret_key: None,
            ..static_settings()
        };
        let only_secret = ProtonSettings {
            access_key: None,
            ..static_settings()
        };
        for (settings, says) in [
            (
                only_access,
                "`secret_key` is required when `access_key` is set",
            ),
            (
                only_secret,
                "`access_key` is required when `secret_key` is set",
            ),
        ] {
            let msg = refusal(&settings).await.to_string();
            assert!(msg.contains(says), "{msg}");
        }

        let only_token = ProtonSettings {
            access_key: None,
            secret_key: None,
            ..static_settings()
        };
        let err = refusal(&only_token).await;
        assert_eq!(err, ConfigError::TokenWithoutKeys);
    }

    #[tokio::test]
    async fn rejects_empty_values_and_bad_endpoints() {
        let empty_region = ProtonSettings {
            region: Some("  ".into()),
            ..static_settings()
        };
        assert_eq!(
            refusal(&empty_region).await,
            ConfigError::Empty {
                attribute: "region"
            }
        );
        for endpoint in ["127.0.0.1:4566", "ftp://host", "http://", "https:///path"] {
            let settings = ProtonSettings {
                endpoint: Some(endpoint.into()),
                ..static_settings()
            };
            let err = refusal(&settings).await;
            assert!(
                matches!(err, ConfigError::InvalidEndpoint { .. }),
                "{endpoint}"
            );
        }
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
        built(&settings, Some(http_client)).await;
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
        let client = built(&settings, None).await;
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
        let err = refusal(&settings).await;
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
        let client = built(&settings, Some(never.clone().into_shared())).await;
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

    /// An HTTP client that answers every request as STS GetCallerIdentity for `account`
    /// and records the URI and body of each.
    fn caller_identity_client(account: &'static str) -> (SharedHttpClient, Seen) {
        let seen: Seen = Arc::default();
        let recorder = seen.clone();
        let client = infallible_client_fn(move |req: http::Request<_>| {
            let body = String::from_utf8_lossy(req.body().bytes().unwrap_or_default()).into_owned();
            recorder.lock().unwrap().push((req.uri().to_string(), body));
            http::Response::builder()
                .status(200)
                .body(format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/u</Arn>\
                     <UserId>AIDAEXAMPLE</UserId><Account>{account}</Account>\
                     </GetCallerIdentityResult></GetCallerIdentityResponse>"
                ))
                .unwrap()
        });
        (client, seen)
    }

    #[tokio::test]
    async fn account_lists_ask_sts_once_at_its_endpoint_and_refuse_before_any_other_call() {
        let (http_client, seen) = caller_identity_client("123456789012");
        let settings = ProtonSettings {
            sts_endpoint: Some("http://127.0.0.1:4599".into()),
            allowed_account_ids: vec!["210987654321".into()],
            ..static_settings()
        };
        let err = build_client_with(&settings, empty_ambient(Some(http_client)))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::AccountNotAllowed {
                account: "123456789012".into(),
                allowed: "210987654321".into(),
            }
        );
        assert_eq!(err.attribute(), Some("allowed_account_ids"));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].0.starts_with("http://127.0.0.1:4599"), "{seen:?}");
        assert!(seen[0].1.contains("Action=GetCallerIdentity"), "{seen:?}");
    }

    #[tokio::test]
    async fn without_endpoints_sts_the_account_check_goes_to_aws_endpoint_url_sts() {
        let (http_client, seen) = caller_identity_client("123456789012");
        let settings = ProtonSettings {
            allowed_account_ids: vec!["123456789012".into()],
            ..static_settings()
        };
        let ambient = Ambient {
            env: Env::from_slice(&[("AWS_ENDPOINT_URL_STS", "http://sts.env:3")]),
            http_client: Some(http_client),
        };
        build_client_with(&settings, ambient).await.unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].0.starts_with("http://sts.env:3"), "{seen:?}");
    }

    #[tokio::test]
    async fn credentials_are_validated_only_when_asked_or_when_account_lists_are_set() {
        let (http_client, seen) = caller_identity_client("123456789012");
        let quiet = ProtonSettings {
            sts_endpoint: Some("http://127.0.0.1:4599".into()),
            ..static_settings()
        };
        build_client_with(&quiet, empty_ambient(Some(http_client.clone())))
            .await
            .unwrap();
        assert!(seen.lock().unwrap().is_empty());
        let validating = ProtonSettings {
            validate_credentials: true,
            forbidden_account_ids: vec!["999999999999".into()],
            ..quiet
        };
        build_client_with(&validating, empty_ambient(Some(http_client)))
            .await
            .unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    /// A plain-HTTP listener that records each request line and answers 404, as a proxy
    /// would relay it; its URL and what it saw.
    async fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let recorder = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let recorder = recorder.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&head);
                    let line = line.lines().next().unwrap_or_default().to_string();
                    recorder.lock().unwrap().push(line);
                    let _ = stream
                        .write_all(b"HTTP/1.1 404 Not Found\r\nx-amzn-requestid: r\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        (url, seen)
    }

    /// `http_proxy` applies to every client the provider builds: STS (the credential check),
    /// Proton and S3 all send their calls to the proxy, in absolute form.
    #[tokio::test]
    async fn sts_proton_and_s3_calls_all_go_through_the_proxy() {
        let (proxy, seen) = recording_proxy().await;
        let settings = ProtonSettings {
            http_proxy: Some(proxy),
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_use_path_style: true,
            sts_endpoint: Some("http://127.0.0.1:4599".into()),
            max_retries: Some(0),
            ..static_settings()
        };
        let checking = ProtonSettings {
            validate_credentials: true,
            ..settings.clone()
        };
        let err = refusal(&checking).await;
        assert!(matches!(err, ConfigError::CallerIdentity { .. }), "{err:?}");

        let clients = build_client_with(&settings, empty_ambient(None))
            .await
            .unwrap()
            .clients(None);
        call_each_service(&clients).await;
        let seen = seen.lock().unwrap();
        for expected in [
            "POST http://127.0.0.1:4599/ HTTP/1.1",
            "POST http://127.0.0.1:4566/ HTTP/1.1",
            "HEAD http://127.0.0.1:9000/bundles/web/abc.tar.gz",
        ] {
            assert!(
                seen.iter().any(|line| line.starts_with(expected)),
                "no `{expected}` in {seen:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_ca_bundle_without_certificates_is_refused_before_any_call() {
        let file = empty_config_file();
        std::fs::write(file.path(), "not a certificate").unwrap();
        let path = file.path().display().to_string();
        let settings = ProtonSettings {
            custom_ca_bundle: Some(path.clone()),
            ..static_settings()
        };
        assert_eq!(
            refusal(&settings).await,
            ConfigError::CaBundleWithoutCertificate {
                setting: "custom_ca_bundle",
                path
            }
        );
    }

    #[tokio::test]
    async fn zero_timeouts_are_refused() {
        let settings = ProtonSettings {
            attempt_timeout: Some(Duration::ZERO),
            ..static_settings()
        };
        assert_eq!(
            refusal(&settings).await,
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
        let client = built(&settings, Some(never.clone().into_shared())).await;
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
