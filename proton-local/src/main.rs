//! The `proton-local` binary: parses flags, prints the listening line, serves until signalled.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use proton_local::accounts::Role;
use proton_local::admin::FaultSettings;
use proton_local::sigv4::Credentials;
use proton_local::{Server, ServerConfig};

/// A local AWS Proton endpoint (template operations) for tests and offline work.
///
/// Point an AWS SDK or the AWS CLI at it with AWS_ENDPOINT_URL_PROTON=http://127.0.0.1:4580
/// and the configured key pair (default test/test). The same port serves the S3 API,
/// path-style (http://127.0.0.1:4580/BUCKET/KEY, AWS_ENDPOINT_URL_S3): CreateBucket,
/// HeadBucket, ListBuckets, PutObject, GetObject, HeadObject, ListObjectsV2, DeleteObject.
/// Template versions register from the bundles stored there. STS (GetCallerIdentity,
/// AssumeRole, AssumeRoleWithWebIdentity; AWS_ENDPOINT_URL_STS) is served on the same port:
/// the key pair belongs to --account-id, and sessions for a --role act in the role's account.
/// The admin API for tests lives under /_proton_local/ on the same port and needs no
/// signature.
#[derive(Debug, Parser)]
#[command(name = "proton-local", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:4580", value_name = "ADDR")]
    listen: String,

    /// Persist state in this directory (created if missing); in memory when omitted.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Keep the S3 API's buckets here: s3://BUCKET/KEY is the file DIR/BUCKET/KEY, so files
    /// written there by hand are objects too. Without it buckets live in DATA_DIR/s3 with
    /// --data-dir, else in memory.
    #[arg(long, value_name = "DIR")]
    bundle_dir: Option<PathBuf>,

    /// For tests that want no bundles: read none, register every version with a canned schema,
    /// except keys containing "fail-registration", which fail registration. Without it a
    /// version whose bundle object (or bucket) does not exist fails registration.
    #[arg(long)]
    canned_bundles: bool,

    /// Time a new version spends in REGISTRATION_IN_PROGRESS (e.g. 0s, 500ms, 2s).
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    registration_delay: Duration,

    /// Access key id requests must be signed with.
    #[arg(long, default_value = "test", value_name = "ID")]
    access_key_id: String,

    /// Secret access key requests must be signed with.
    #[arg(long, default_value = "test", value_name = "SECRET")]
    secret_access_key: String,

    /// Account id used in ARNs (12 digits).
    #[arg(long, default_value = "123456789012", value_name = "ACCOUNT", value_parser = parse_account_id)]
    account_id: String,

    /// Regions served (repeatable or comma-separated); any region when omitted.
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    region: Vec<String>,

    /// Accept requests whatever their signing time (by default, like AWS, a request signed more
    /// than 15 minutes before or after the server's clock is refused: "Signature expired").
    #[arg(long)]
    no_clock_skew_check: bool,

    /// Latency added to every request (e.g. 50ms); changeable at run time via the admin API.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    latency: Duration,

    /// Fraction (0..1) of requests answered with 429 ThrottlingException.
    #[arg(long, default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    throttle_rate: f64,

    /// Fraction (0..1) of requests answered with 500 InternalServerException.
    #[arg(long, default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    error_rate: f64,

    /// A role STS lets callers assume, as ARN[:EXTERNAL-ID] (repeatable), e.g.
    /// arn:aws:iam::210987654321:role/deployer:secret-ext. Its sessions act in the ARN's
    /// account; with an external id, AssumeRole must pass exactly it. More roles can be
    /// declared with POST /_proton_local/roles.
    #[arg(long = "role", value_name = "ARN[:EXTERNAL-ID]", value_parser = parse_role)]
    roles: Vec<Role>,

    /// Shut down when standard input ends. A harness that starts the server gives it a pipe it
    /// never writes to, so the server ends with the harness however that ends: the pipe closes
    /// with it, even on SIGKILL or a process exit that runs no destructor.
    #[arg(long)]
    exit_with_stdin: bool,
}

fn parse_account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(format!("'{s}' is not a 12-digit AWS account id"))
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse_flag(s).map_err(|e| e.to_string())
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s.parse().map_err(|e| format!("not a number: {e}"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0 and 1"))
    }
}

/// Resolves when standard input ends (`--exit-with-stdin`). The read runs on a thread of its
/// own, not on the runtime's blocking pool, so that a shutdown for another reason never waits
/// for it.
async fn stdin_closed() {
    let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
    let reader = std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed.send(());
        });
    if let Err(e) = reader {
        tracing::error!(error = %e, "cannot watch standard input");
        std::future::pending::<()>().await;
    }
    let _ = on_close.await;
    tracing::info!("standard input closed");
}

async fn shutdown_signal(exit_with_stdin: bool) {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let stdin = async {
        match exit_with_stdin {
            true => stdin_closed().await,
            false => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
        () = stdin => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let exit_with_stdin = args.exit_with_stdin;
    let config = ServerConfig {
        listen: args.listen,
        data_dir: args.data_dir,
        bundle_dir: args.bundle_dir,
        canned_bundles: args.canned_bundles,
        registration_delay: args.registration_delay,
        credentials: Credentials {
            access_key_id: args.access_key_id,
            secret_access_key: args.secret_access_key,
        },
        account_id: args.account_id,
        regions: args
            .region
            .into_iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        check_clock_skew: !args.no_clock_skew_check,
        faults: FaultSettings {
            latency_ms: u64::try_from(args.latency.as_millis()).unwrap_or(u64::MAX),
            throttle_rate: args.throttle_rate,
            error_rate: args.error_rate,
            deny_rate: 0.0,
        },
        roles: args.roles,
    };
    let server = match Server::bind(config).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let addr = server.local_addr();
    {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "proton-local listening on http://{addr}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            tracing::warn!("cannot write the listening line to stdout");
        }
    }
    tracing::info!(%addr, "listening");
    match server.run(shutdown_signal(exit_with_stdin)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
