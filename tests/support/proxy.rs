//! Plain-HTTP forward proxy and TLS front for the transport tests, each on
//! `127.0.0.1:PORT` with its own runtime thread, stopped when dropped.
//!
//! - [`CountingProxy`] relays absolute-form requests (`GET http://HOST:PORT/PATH`)
//!   to their origin and tunnels `CONNECT HOST:PORT`, and counts both, so a test
//!   can tell whether the provider's calls went through it.
//! - [`TlsFront`] terminates TLS with a certificate from a throwaway CA
//!   (`registry::certificates`) and relays the bytes to a plain-HTTP origin
//!   (proton-local), so the provider reaches proton-local over `https://`.

use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Runs `serve(listener)` on a runtime of its own thread until the returned
/// guard is dropped; the guard's port is the listener's.
struct Background {
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    fn start<F, Fut>(serve: F) -> Background
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                let listener = TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = serve(listener) => {}
                    _ = stopped => {}
                }
            });
        });
        Background {
            port,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a [`CountingProxy`] has relayed so far.
#[derive(Default)]
struct Counts {
    /// Absolute-form requests forwarded to their origin.
    forwarded: AtomicU64,
    /// `CONNECT` tunnels opened.
    tunnels: AtomicU64,
}

/// A forward proxy on `http://127.0.0.1:PORT` that counts what it relays.
pub struct CountingProxy {
    counts: Arc<Counts>,
    background: Background,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

fn empty(status: StatusCode) -> Response<ProxyBody> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}

fn text(status: StatusCode, message: String) -> Response<ProxyBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(message))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
}

impl CountingProxy {
    pub fn start() -> CountingProxy {
        let counts = Arc::new(Counts::default());
        let shared = counts.clone();
        let background = Background::start(move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let counts = shared.clone();
                tokio::task::spawn_local(async move {
                    let service =
                        hyper::service::service_fn(move |request| relay(counts.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        CountingProxy { counts, background }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.background.port)
    }

    /// Absolute-form requests forwarded so far.
    pub fn forwarded(&self) -> u64 {
        self.counts.forwarded.load(Ordering::SeqCst)
    }

    /// `CONNECT` tunnels opened so far.
    pub fn tunnels(&self) -> u64 {
        self.counts.tunnels.load(Ordering::SeqCst)
    }

    /// Everything relayed so far: requests forwarded and tunnels opened.
    pub fn relayed(&self) -> u64 {
        self.forwarded() + self.tunnels()
    }
}

async fn relay(
    counts: Arc<Counts>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    if request.method() == Method::CONNECT {
        return Ok(tunnel(counts, request).await);
    }
    Ok(forward(counts, request).await)
}

/// `CONNECT HOST:PORT`: 200, then the client's bytes to the target and back.
async fn tunnel(counts: Arc<Counts>, request: Request<Incoming>) -> Response<ProxyBody> {
    let Some(authority) = request.uri().authority().map(|a| a.to_string()) else {
        return text(StatusCode::BAD_REQUEST, "CONNECT without HOST:PORT".into());
    };
    let mut target = match TcpStream::connect(&authority).await {
        Ok(target) => target,
        Err(e) => return text(StatusCode::BAD_GATEWAY, format!("{authority}: {e}")),
    };
    counts.tunnels.fetch_add(1, Ordering::SeqCst);
    tokio::task::spawn_local(async move {
        if let Ok(upgraded) = hyper::upgrade::on(request).await {
            let mut client = TokioIo::new(upgraded);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut target).await;
        }
    });
    empty(StatusCode::OK)
}

/// `METHOD http://HOST:PORT/PATH`: the same request in origin form to HOST:PORT,
/// on a connection of its own, and its response back.
async fn forward(counts: Arc<Counts>, mut request: Request<Incoming>) -> Response<ProxyBody> {
    let uri = request.uri().clone();
    let (Some("http"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return text(
            StatusCode::BAD_REQUEST,
            format!("not an absolute-form http:// request: {uri}"),
        );
    };
    let origin = match TcpStream::connect(authority.as_str()).await {
        Ok(origin) => origin,
        Err(e) => return text(StatusCode::BAD_GATEWAY, format!("{authority}: {e}")),
    };
    let Ok((mut sender, connection)) =
        hyper::client::conn::http1::handshake(TokioIo::new(origin)).await
    else {
        return text(StatusCode::BAD_GATEWAY, format!("{authority}: handshake"));
    };
    tokio::task::spawn_local(connection);
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    *request.uri_mut() = path.parse().unwrap();
    request.headers_mut().remove("proxy-connection");
    request.headers_mut().remove("proxy-authorization");
    counts.forwarded.fetch_add(1, Ordering::SeqCst);
    match sender.send_request(request).await {
        Ok(response) => response.map(|body| body.boxed()),
        Err(e) => text(StatusCode::BAD_GATEWAY, format!("{authority}: {e}")),
    }
}

/// TLS on `https://127.0.0.1:PORT` in front of a plain-HTTP origin.
pub struct TlsFront {
    /// The PEM file of the CA that signed the front's certificate.
    pub ca_file: PathBuf,
    connections: Arc<AtomicU64>,
    background: Background,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    /// A front for `origin`, `http://HOST:PORT`.
    pub fn start(origin: &str) -> TlsFront {
        let origin = origin
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{origin} is not http://HOST:PORT"))
            .trim_end_matches('/')
            .to_string();
        let dir = tempfile::Builder::new()
            .prefix("tls-front-")
            .tempdir()
            .unwrap();
        let (ca_pem, tls) = super::registry::certificates();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();
        let connections = Arc::new(AtomicU64::new(0));
        let counted = connections.clone();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let background = Background::start(move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let origin = origin.clone();
                let counted = counted.clone();
                tokio::task::spawn_local(async move {
                    // A client that does not trust the CA ends here.
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    counted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut plain) = TcpStream::connect(&origin).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        TlsFront {
            ca_file,
            connections,
            background,
            _dir: dir,
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.background.port)
    }

    /// TLS connections accepted (handshakes completed) so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn ca_path(&self) -> &Path {
        &self.ca_file
    }
}
