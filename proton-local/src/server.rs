//! HTTP wiring: the admin API under `/_proton_local/`, STS (`sts.rs`, Query protocol) and
//! Proton's API (awsJson, dispatched on `X-Amz-Target`) on `POST /`, and the S3 API (`s3.rs`)
//! for every other request: S3 has no path-style operation on `POST /`, so it never competes
//! for a request.
//!
//! A `POST /` is STS's when it has no `X-Amz-Target`, its content type is
//! `application/x-www-form-urlencoded`, and it is signed for service `sts` or, unsigned, names
//! an STS action and version (`Action=GetCallerIdentity&Version=2011-06-15`; only
//! AssumeRoleWithWebIdentity succeeds unsigned). A `POST /` whose `X-Amz-Target` starts with
//! `ResourceGroupsTaggingAPI_20170126.` is the Resource Groups Tagging API's (`tagging.rs`),
//! signed for service `tagging`. Everything else on `POST /` stays Proton's, with Proton's
//! errors.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::accounts::{Accounts, Caller, KeyRefusal, Role};
use crate::admin::{Admin, FaultRequest, FaultSettings, Injected};
use crate::objects::ObjectStore;
use crate::ops::{Bundles, Engine, EngineConfig};
use crate::sigv4::{self, ClockCheck, Credentials, SignableRequest, SignatureError};
use crate::store::{Log, State as StoreState, StoreError};
use crate::sts::{self, Params, StsError};
use crate::tagging::{self, TaggingError};
use crate::wire::{self, ApiError, ErrorKind, Operation};

/// Path prefix of the admin API; no AWS operation uses a path other than `/`.
pub(crate) const ADMIN_PREFIX: &str = "/_proton_local";

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: String,
    pub data_dir: Option<PathBuf>,
    /// Where the S3 API keeps buckets (`DIR/BUCKET/KEY`); without it `DATA_DIR/s3`, else memory.
    pub bundle_dir: Option<PathBuf>,
    /// Register every bundle with a canned schema instead of reading it (tests only).
    pub canned_bundles: bool,
    pub registration_delay: Duration,
    pub credentials: Credentials,
    pub account_id: String,
    /// Regions served; empty means any.
    pub regions: Vec<String>,
    /// Whether requests signed more than 15 minutes from now are refused (as AWS does).
    pub check_clock_skew: bool,
    pub faults: FaultSettings,
    /// Roles STS lets callers assume (`--role`); more can be declared through the admin API.
    pub roles: Vec<Role>,
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot open the data directory: {0}")]
    Store(#[from] StoreError),
    #[error("server failed: {0}")]
    Serve(std::io::Error),
}

struct App {
    engine: Arc<Engine>,
    s3: s3s::service::S3Service,
    /// Whether writes go to disk (and so run on the blocking pool).
    persistent: bool,
    admin: Admin,
    /// The key pair's account, roles, issued sessions and the clock they expire by.
    accounts: Arc<Accounts>,
    regions: Vec<String>,
    check_clock_skew: bool,
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    router: Router,
    local_addr: SocketAddr,
}

impl Server {
    /// Opens the store and binds the listener.
    pub async fn bind(config: ServerConfig) -> Result<Server, ServerError> {
        let (state, log) = match &config.data_dir {
            Some(dir) => {
                let dir = dir.clone();
                let opened = tokio::task::spawn_blocking(move || Log::open(&dir))
                    .await
                    .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??;
                (opened.1, Some(opened.0))
            }
            None => (StoreState::default(), None),
        };
        let objects = Arc::new(match (&config.bundle_dir, &config.data_dir) {
            (Some(bundles), _) => ObjectStore::directory(bundles.clone()),
            (None, Some(data)) => ObjectStore::directory(data.join("s3")),
            (None, None) => ObjectStore::in_memory(),
        });
        let engine = Engine::new(
            EngineConfig {
                account_id: config.account_id.clone(),
                bundles: match config.canned_bundles {
                    true => Bundles::Canned,
                    false => Bundles::Stored(Arc::clone(&objects)),
                },
                registration_delay_ms: u64::try_from(config.registration_delay.as_millis())
                    .unwrap_or(u64::MAX / 2),
            },
            state,
            log,
        );
        let accounts = Arc::new(Accounts::new(
            config.credentials.clone(),
            config.account_id.clone(),
            config.roles.clone(),
        ));
        let app = Arc::new(App {
            persistent: config.data_dir.is_some(),
            engine: Arc::new(engine),
            s3: crate::s3::service(
                objects,
                Arc::clone(&accounts),
                config.regions.clone(),
                config.check_clock_skew,
            ),
            admin: Admin::new(config.faults),
            accounts,
            regions: config.regions.clone(),
            check_clock_skew: config.check_clock_skew,
        });
        let listener =
            TcpListener::bind(&config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen.clone(),
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.listen.clone(),
            source,
        })?;
        Ok(Server {
            listener,
            router: router(app),
            local_addr,
        })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Serve)
    }
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(&format!("{ADMIN_PREFIX}/counters"), get(get_counters))
        .route(
            &format!("{ADMIN_PREFIX}/faults"),
            get(get_faults).post(post_faults),
        )
        .route(
            &format!("{ADMIN_PREFIX}/reset-counters"),
            post(reset_counters),
        )
        .route(&format!("{ADMIN_PREFIX}/health"), get(health))
        .route(
            &format!("{ADMIN_PREFIX}/roles"),
            get(get_roles).post(post_role),
        )
        .route(
            &format!("{ADMIN_PREFIX}/clock"),
            get(get_clock).post(post_clock),
        )
        .fallback(aws_endpoint)
        .with_state(app)
}

/// STS or Proton for `POST /` (see the module doc), S3 for anything else.
async fn aws_endpoint(State(app): State<Arc<App>>, request: Request) -> Response<Body> {
    if request.method() == Method::POST && request.uri().path() == "/" {
        let (method, uri, headers) = (
            request.method().clone(),
            request.uri().clone(),
            request.headers().clone(),
        );
        // The `Bytes` extractor, as before STS: axum's default body limit (2 MB) still holds.
        let body = match Bytes::from_request(request, &()).await {
            Ok(body) => body,
            Err(rejection) => return rejection.into_response(),
        };
        if is_tagging_request(&headers) {
            return tagging_api(&app, &method, &uri, &headers, &body).await;
        }
        if let Some(params) = sts_request(&headers, &body) {
            return sts_api(&app, &method, &uri, &headers, &body, params).await;
        }
        return aws_api(State(app), method, uri, headers, body).await;
    }
    if let Some(refusal) = s3_session_refusal(&app, &request) {
        return refusal;
    }
    let request = request.map(s3s::Body::http_body_unsync);
    match app.s3.call(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::error!(error = ?e, "the S3 service failed");
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// The content type, lower-cased and without parameters.
fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// The service named in the `Authorization` header's credential scope.
fn signed_service(headers: &HeaderMap) -> Option<&str> {
    let authorization = headers.get("authorization")?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    scope.split('/').nth(3)
}

/// The form parameters when `POST /` is an STS request (module doc), else `None`.
fn sts_request(headers: &HeaderMap, body: &[u8]) -> Option<Params> {
    if headers.contains_key("x-amz-target")
        || content_type(headers).as_deref() != Some(sts::CONTENT_TYPE)
    {
        return None;
    }
    match signed_service(headers) {
        Some(service) => (service == sts::SERVICE).then(|| Params::parse(body)),
        None if headers.contains_key("authorization") => None,
        None => {
            // Unsigned: STS's when it names an STS action (then STS says what is missing).
            let params = Params::parse(body);
            params.action().is_ok().then_some(params)
        }
    }
}

impl App {
    /// The clock-skew check as configured.
    fn clock_check(&self) -> ClockCheck {
        if self.check_clock_skew {
            ClockCheck::At(SystemTime::now())
        } else {
            ClockCheck::Off
        }
    }

    /// Verifies a request signed for `service` with any key proton-local knows: the
    /// configured pair or an issued session (whose token must be the one carried).
    fn authenticate(
        &self,
        request: &SignableRequest<'_>,
        service: &str,
    ) -> Result<(sigv4::VerifiedScope, Caller), SignatureError> {
        sigv4::verify_with(
            request,
            service,
            |access_key_id, token| {
                self.accounts
                    .lookup(access_key_id, token)
                    .map_err(|refusal| match refusal {
                        KeyRefusal::Invalid => SignatureError::UnknownAccessKey,
                        KeyRefusal::Expired => SignatureError::ExpiredToken,
                    })
            },
            &self.regions,
            self.clock_check(),
        )
    }
}

async fn sts_api(
    app: &Arc<App>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    params: Params,
) -> Response<Body> {
    let request_id = uuid::Uuid::new_v4().to_string();
    app.admin.count_request();
    let result = (|| -> Result<String, StsError> {
        let action = params.action()?;
        app.admin.count_named(action.name());
        if !action.is_signed() {
            // The web identity token is the only credential.
            return sts::assume_role_with_web_identity(&app.accounts, &params);
        }
        let (_, caller) = app.authenticate(
            &SignableRequest::new(method, uri, headers, body),
            sts::SERVICE,
        )?;
        sts::handle_signed(&app.accounts, &caller, action, &params)
    })();
    match result {
        Ok(xml) => sts::success_response(&xml, &request_id),
        Err(error) => {
            tracing::debug!(%request_id, error = %error, "STS request failed");
            sts::error_response(&error, &request_id)
        }
    }
}

/// Whether `POST /` is the Resource Groups Tagging API's: its `X-Amz-Target` has the
/// tagging API's prefix (`tagging.rs`).
fn is_tagging_request(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with(tagging::TARGET_PREFIX))
}

async fn tagging_api(
    app: &Arc<App>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    let request_id = uuid::Uuid::new_v4().to_string();
    app.admin.count_request();
    match tagging_process(app, method, uri, headers, body).await {
        Ok(value) => tagging::success_response(&value, &request_id),
        Err(error) => {
            tracing::debug!(%request_id, error = %error, "tagging request failed");
            tagging::error_response(&error, &request_id)
        }
    }
}

/// Authenticates (signing name `tagging`, the same keys and sessions as Proton's), names the
/// operation, counts it, applies its faults and answers it over the caller's objects.
async fn tagging_process(
    app: &Arc<App>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, TaggingError> {
    let (scope, caller) = app
        .authenticate(
            &SignableRequest::new(method, uri, headers, body),
            tagging::SERVICE,
        )
        .map_err(ApiError::from)?;
    if *method != Method::POST || content_type(headers).as_deref() != Some(tagging::CONTENT_TYPE) {
        return Err(unknown_operation().into());
    }
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(tagging::TARGET_PREFIX))
        .and_then(|name| tagging::OPERATIONS.into_iter().find(|op| *op == name))
        .ok_or_else(unknown_operation)?;
    app.admin.count_named(operation);
    app.admin
        .inject(operation)
        .await
        .map_err(|injected| match injected {
            Injected::Throttled => TaggingError::Throttled,
            Injected::Failed => TaggingError::InternalService(INJECTED_FAILURE.into()),
            Injected::Denied => TaggingError::Protocol(access_denied(operation)),
        })?;
    let input = crate::model::parse_body(body)?;
    let account = caller.account();
    let index = app.engine.tag_index(&scope.region, account);
    let now_ms = app
        .accounts
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    tagging::get_resources(
        &input,
        &scope.region,
        account,
        crate::ops::arn_partition(&scope.region),
        &index,
        now_ms,
    )
}

/// An S3 request signed with a session key must carry that session's token, unexpired;
/// `s3s` checks the signature but knows nothing of tokens, so this is checked before it.
/// Answers S3's errors (`InvalidToken`, `ExpiredToken`, both 400).
fn s3_session_refusal(app: &App, request: &Request) -> Option<Response<Body>> {
    let query_param = |name: &str| {
        request.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        })
    };
    let access_key_id = match request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
    {
        Some(key) => key.to_string(),
        None => query_param("X-Amz-Credential")?
            .split('/')
            .next()?
            .to_string(),
    };
    if !access_key_id.starts_with("ASIA") {
        return None;
    }
    let token = request
        .headers()
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query_param("X-Amz-Security-Token"));
    let (code, message) = match app.accounts.lookup(&access_key_id, token.as_deref()) {
        Ok(_) => return None,
        Err(KeyRefusal::Invalid) => (
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        ),
        Err(KeyRefusal::Expired) => ("ExpiredToken", "The provided token has expired."),
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    Some(response)
}

/// Body of `POST /_proton_local/roles`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRequest {
    arn: String,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    max_session_duration: Option<u32>,
}

async fn get_roles(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({ "roles": app.accounts.roles() }))
}

async fn post_role(State(app): State<Arc<App>>, body: Bytes) -> (StatusCode, Json<Value>) {
    let declared = serde_json::from_slice::<RoleRequest>(&body)
        .map_err(|e| format!("invalid role request: {e}"))
        .and_then(|r| {
            Role::new(&r.arn, r.external_id, r.max_session_duration).map_err(|e| e.to_string())
        });
    match declared {
        Ok(role) => {
            app.accounts.declare_role(role.clone());
            (StatusCode::OK, Json(json!({ "role": role })))
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))),
    }
}

/// Body of `POST /_proton_local/clock`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: u64,
}

fn clock_json(app: &App) -> Value {
    let now = app
        .accounts
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    json!({ "offset_seconds": app.accounts.clock_offset(), "now_epoch_seconds": now })
}

async fn get_clock(State(app): State<Arc<App>>) -> Json<Value> {
    Json(clock_json(&app))
}

async fn post_clock(State(app): State<Arc<App>>, body: Bytes) -> (StatusCode, Json<Value>) {
    match serde_json::from_slice::<ClockRequest>(&body) {
        Ok(request) => match app.accounts.advance_clock(request.advance_seconds) {
            Ok(_) => (StatusCode::OK, Json(clock_json(&app))),
            Err(e) => (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            ),
        },
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("invalid clock request: {e}") })),
        ),
    }
}

async fn get_counters(State(app): State<Arc<App>>) -> Json<Value> {
    Json(serde_json::to_value(app.admin.counters()).unwrap_or_default())
}

async fn get_faults(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.admin.faults_json())
}

async fn post_faults(State(app): State<Arc<App>>, body: Bytes) -> (StatusCode, Json<Value>) {
    let request: FaultRequest = if body.iter().all(u8::is_ascii_whitespace) {
        FaultRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": format!("invalid fault request: {e}") })),
                )
            }
        }
    };
    match app.admin.set_faults(request) {
        Ok(()) => (StatusCode::OK, Json(app.admin.faults_json())),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))),
    }
}

async fn reset_counters(State(app): State<Arc<App>>) -> Json<Value> {
    app.admin.reset_counters();
    Json(json!({}))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn aws_api(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let request_id = uuid::Uuid::new_v4().to_string();
    app.admin.count_request();
    match process(&app, &method, &uri, &headers, body).await {
        Ok(value) => wire::success_response(&value, &request_id),
        Err(error) => {
            tracing::debug!(%request_id, error = %error, "request failed");
            wire::error_response(&error, &request_id)
        }
    }
}

fn unknown_operation() -> ApiError {
    ApiError::new(ErrorKind::UnknownOperation, "")
}

async fn process(
    app: &Arc<App>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Value, ApiError> {
    let (scope, caller) = app.authenticate(
        &SignableRequest::new(method, uri, headers, &body),
        sigv4::SERVICE,
    )?;
    // awsJson1_0 dispatches on POST + content type + target; anything else names no operation.
    if *method != Method::POST || content_type(headers).as_deref() != Some(wire::CONTENT_TYPE) {
        return Err(unknown_operation());
    }
    let op = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(wire::TARGET_PREFIX))
        .and_then(Operation::from_name)
        .ok_or_else(unknown_operation)?;
    app.admin.count_operation(op);
    let account = caller.account().to_string();
    if op.is_mutating() {
        app.admin.count_write(&account);
    }
    app.admin
        .inject(&op.name())
        .await
        .map_err(|injected| match injected {
            Injected::Throttled => ApiError::new(ErrorKind::Throttling, "Rate exceeded"),
            Injected::Failed => ApiError::internal(INJECTED_FAILURE),
            Injected::Denied => access_denied(&op.name()),
        })?;
    let input = crate::model::parse_body(&body)?;
    let engine = Arc::clone(&app.engine);
    let region = scope.region;
    let (value, effects) = if op.is_mutating() && app.persistent {
        // Writes fsync before answering; keep that off the async workers.
        tokio::task::spawn_blocking(move || engine.handle_in(op, &region, &account, &input))
            .await
            .map_err(|_| ApiError::internal("An internal error occurred."))??
    } else {
        engine.handle_in(op, &region, &account, &input)?
    };
    if effects.version_created {
        app.admin.count_version_created();
    }
    Ok(value)
}

/// The message of an injected internal error.
const INJECTED_FAILURE: &str = "An internal error occurred (injected by proton-local).";

/// What AWS answers a caller whose IAM policy does not allow `operation` (injected by the
/// `deny_rate` fault).
fn access_denied(operation: &str) -> ApiError {
    ApiError::new(
        ErrorKind::AccessDenied,
        format!(
            "User is not authorized to perform: {operation} (denied by proton-local's deny_rate fault)"
        ),
    )
}
