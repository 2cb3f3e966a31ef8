//! HTTP wiring: the admin API under `/_proton_local/`, Proton's API on `POST /` (awsJson,
//! dispatched on `X-Amz-Target`), and the S3 API (`s3.rs`) for every other request: S3 has no
//! path-style operation on `POST /`, so the two never compete for a request.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::admin::{Admin, FaultDecision, FaultRequest, FaultSettings};
use crate::objects::ObjectStore;
use crate::ops::{Bundles, Engine, EngineConfig};
use crate::sigv4::{self, ClockCheck, Credentials, SignableRequest};
use crate::store::{Log, State as StoreState, StoreError};
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
    credentials: Credentials,
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
        let app = Arc::new(App {
            persistent: config.data_dir.is_some(),
            engine: Arc::new(engine),
            s3: crate::s3::service(
                objects,
                &config.credentials,
                config.regions.clone(),
                config.check_clock_skew,
            ),
            admin: Admin::new(config.faults),
            credentials: config.credentials.clone(),
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
        .fallback(aws_endpoint)
        .with_state(app)
}

/// Proton's API for `POST /`, S3 for anything else.
async fn aws_endpoint(State(app): State<Arc<App>>, request: Request) -> Response<Body> {
    if request.method() == Method::POST && request.uri().path() == "/" {
        return aws_api.call(request, app).await;
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
    let scope = sigv4::verify(
        &SignableRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query(),
            headers,
            body: &body,
        },
        &app.credentials,
        &app.regions,
        if app.check_clock_skew {
            ClockCheck::At(SystemTime::now())
        } else {
            ClockCheck::Off
        },
    )?;
    // awsJson1_0 dispatches on POST + content type + target; anything else names no operation.
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if *method != Method::POST || content_type.as_deref() != Some(wire::CONTENT_TYPE) {
        return Err(unknown_operation());
    }
    let op = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(wire::TARGET_PREFIX))
        .and_then(Operation::from_name)
        .ok_or_else(unknown_operation)?;
    app.admin.count_operation(op);
    let (latency, decision) = app.admin.decide(op);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match decision {
        FaultDecision::Proceed => {}
        FaultDecision::Throttle => {
            app.admin.count_throttled();
            return Err(ApiError::new(ErrorKind::Throttling, "Rate exceeded"));
        }
        FaultDecision::Fail => {
            app.admin.count_failed();
            return Err(ApiError::internal(
                "An internal error occurred (injected by proton-local).",
            ));
        }
    }
    let input = crate::model::parse_body(&body)?;
    let engine = Arc::clone(&app.engine);
    let region = scope.region;
    let (value, effects) = if op.is_mutating() && app.persistent {
        // Writes fsync before answering; keep that off the async workers.
        tokio::task::spawn_blocking(move || engine.handle(op, &region, &input))
            .await
            .map_err(|_| ApiError::internal("An internal error occurred."))??
    } else {
        engine.handle(op, &region, &input)?
    };
    if effects.version_created {
        app.admin.count_version_created();
    }
    Ok(value)
}
