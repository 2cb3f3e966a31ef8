//! Running the plugin process: listener, TLS, the gRPC services go-plugin
//! expects, the handshake line, signals and shutdown.

use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::handshake::{self, HandshakeError, PluginEnv, PluginListener};
use super::proto::goplugin::{
    grpc_broker_server::{GrpcBroker, GrpcBrokerServer},
    grpc_controller_server::{GrpcController, GrpcControllerServer},
    grpc_stdio_server::{GrpcStdio, GrpcStdioServer},
    ConnInfo, StdioData,
};
use super::provider::Provider;
use super::server::ProviderService;
use super::tls::ServerTls;

/// go-plugin and Terraform allow gRPC messages up to 256 MiB; tonic's default
/// decode limit is 4 MiB, too small for large schemas or states.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long in-flight RPCs get to finish once shutdown is requested;
/// go-plugin kills the process 2 s after asking.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The process contract was not met.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    /// The gRPC server failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Writing the handshake line failed.
    #[error("cannot write the handshake line: {0}")]
    Stdout(std::io::Error),
}

/// How the binary was asked to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `--debug`: plaintext, print `TF_REATTACH_PROVIDERS` instead of the
    /// handshake, run until Ctrl-C.
    pub debug: bool,
    /// The provider's source address, for the reattach JSON.
    pub provider_address: String,
}

/// The plugin's `main`: returns the process exit code.
pub async fn run(provider: Arc<dyn Provider>, options: RunOptions) -> ExitCode {
    match run_inner(provider, &options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "provider failed");
            // Not a log line: a person ran the binary and must read this.
            eprintln!("terraform-provider-proton: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run_inner(provider: Arc<dyn Provider>, options: &RunOptions) -> Result<(), ServeError> {
    let env = if options.debug {
        PluginEnv::debug()
    } else {
        PluginEnv::from_env(|k| std::env::var(k).ok())?
    };
    let tls = match &env.client_cert_pem {
        Some(pem) => Some(ServerTls::from_client_pem(pem)?),
        None => None,
    };
    let listener = PluginListener::bind(&env).await?;
    let _socket_guard = listener.socket_guard();
    let shutdown = CancellationToken::new();
    watch_signals(shutdown.clone(), options.debug);
    if !options.debug {
        exit_with_parent(shutdown.clone());
    }

    let network = listener.network();
    let address = listener.address();
    let certificate = tls.as_ref().map(|t| t.certificate_der.clone());
    let server = tokio::spawn(serve_on(listener, tls, provider, shutdown.clone()));

    // The server task is already accepting (the socket was bound above and the
    // accept loop starts on spawn), so Terraform can dial as soon as it reads this.
    let line = if options.debug {
        format!(
            "Provider started. To attach Terraform, set TF_REATTACH_PROVIDERS to:\n\n\t{}\n",
            handshake::reattach_json(&options.provider_address, network, &address)
        )
    } else {
        handshake::handshake_line(network, &address, certificate.as_deref())
    };
    handshake::announce(&line).map_err(ServeError::Stdout)?;
    tracing::debug!(network, address = %address, tls = certificate.is_some(), "plugin serving");

    shutdown.cancelled().await;
    // Give in-flight RPCs a moment, then exit whatever they do.
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => {
            tracing::error!(error = %join, "server task failed");
            Ok(())
        }
        Err(_) => Ok(()),
    }
}

/// Shuts down when the Terraform process that started us goes away (our
/// parent changes), so a killed Terraform leaves no provider running. A
/// once-a-second check of the parent id: portable, and unlike Linux's
/// parent-death signal it cannot fire while Terraform still lives.
fn exit_with_parent(shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    if std::os::unix::process::parent_id() != parent {
                        tracing::warn!("Terraform exited; shutting down");
                        shutdown.cancel();
                        return;
                    }
                }
            }
        }
    });
}

/// SIGINT is ignored (Terraform turns Ctrl-C into StopProvider, and the
/// signal reaches the whole process group); SIGTERM shuts down. In debug mode
/// Ctrl-C stops the server, since a person started it.
fn watch_signals(shutdown: CancellationToken, debug: bool) {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    tokio::spawn(async move {
        let (Ok(mut interrupt), Ok(mut terminate)) = (interrupt, terminate) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        loop {
            tokio::select! {
                Some(()) = interrupt.recv() => {
                    if debug {
                        shutdown.cancel();
                        return;
                    }
                    tracing::debug!("ignoring SIGINT; Terraform stops providers through StopProvider");
                }
                Some(()) = terminate.recv() => {
                    shutdown.cancel();
                    return;
                }
                else => return,
            }
        }
    });
}

/// Serves every plugin service on `listener` until `shutdown` fires. Used by
/// the binary and, in process, by tests.
pub async fn serve_on(
    listener: PluginListener,
    tls: Option<ServerTls>,
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider_service = ProviderService::new(provider).into_grpc(MAX_MESSAGE_SIZE);
    let incoming = accept_connections(
        listener,
        tls.map(|t| TlsAcceptor::from(t.config)),
        shutdown.clone(),
    );

    tonic::transport::Server::builder()
        .add_service(provider_service)
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }))
        .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
        .await?;
    Ok(())
}

/// Accepts connections, completing TLS handshakes off the accept loop so a
/// slow or hostile peer cannot stall other connections. Refused handshakes are
/// logged and dropped.
fn accept_connections(
    listener: PluginListener,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) -> impl Stream<Item = Result<PluginConnection, std::io::Error>> {
    let (sender, receiver) = mpsc::channel(16);
    tokio::spawn(async move {
        // The listener (and its socket file) lives as long as this loop.
        loop {
            let accepted: std::io::Result<Box<dyn Io>> = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = accept_one(&listener) => accepted,
            };
            let stream = match accepted {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    continue;
                }
            };
            let sender = sender.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let connection = match tls {
                    None => PluginConnection(stream),
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(tls_stream) => PluginConnection(Box::new(tls_stream)),
                        Err(err) => {
                            tracing::warn!(error = %err, "refused a TLS connection");
                            return;
                        }
                    },
                };
                let _ = sender.send(Ok(connection)).await;
            });
        }
    });
    ReceiverStream::new(receiver)
}

async fn accept_one(listener: &PluginListener) -> std::io::Result<Box<dyn Io>> {
    match listener {
        PluginListener::Unix { listener, .. } => {
            let (stream, _) = listener.accept().await?;
            Ok(Box::new(stream))
        }
        PluginListener::Tcp(listener) => {
            let (stream, _) = listener.accept().await?;
            // Avoid Nagle + delayed-ACK stalls between small RPCs.
            stream.set_nodelay(true)?;
            Ok(Box::new(stream))
        }
    }
}

/// Anything a connection can be: unix or TCP, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection, whatever its transport.
pub struct PluginConnection(Box<dyn Io>);

impl std::fmt::Debug for PluginConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PluginConnection")
    }
}

impl tonic::transport::server::Connected for PluginConnection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PluginConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// go-plugin's GRPCController: Shutdown ends the process.
#[derive(Debug)]
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _: Request<()>) -> Result<Response<()>, Status> {
        tracing::debug!("shutdown requested by the client");
        self.shutdown.cancel();
        Ok(Response::new(()))
    }
}

/// A stream that stays open, silent, until shutdown.
type SilentStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

fn silent_stream<T: Send + 'static>(
    shutdown: CancellationToken,
) -> impl Stream<Item = Result<T, Status>> + Send {
    let (sender, receiver) = mpsc::channel::<Result<T, Status>>(1);
    tokio::spawn(async move {
        shutdown.cancelled().await;
        drop(sender);
    });
    ReceiverStream::new(receiver)
}

/// go-plugin's GRPCStdio. The provider never writes to stdout or stderr
/// through it (logs go to stderr directly), so the stream stays silent.
#[derive(Debug)]
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<SilentStream<StdioData>>, Status> {
        Ok(Response::new(Box::pin(silent_stream(
            self.shutdown.clone(),
        ))))
    }
}

/// go-plugin's GRPCBroker. Terraform providers never broker connections, but
/// the client opens the stream; keep it open and ignore what arrives.
#[derive(Debug)]
struct Broker {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<SilentStream<ConnInfo>>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    message = inbound.message() => match message {
                        Ok(Some(info)) => tracing::debug!(service_id = info.service_id, "ignoring broker message"),
                        _ => return,
                    },
                }
            }
        });
        Ok(Response::new(Box::pin(silent_stream(
            self.shutdown.clone(),
        ))))
    }
}
