//! The go-plugin process contract: environment checks, version negotiation,
//! the listener, and the one handshake line on stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use tokio::net::{TcpListener, UnixListener};

/// Environment variable and value Terraform sets so a plugin knows it was
/// started by Terraform (go-plugin's "magic cookie").
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie's value, the same in Terraform and OpenTofu.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version, the handshake's first field.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only plugin protocol this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Why the plugin cannot start.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Started by hand rather than by Terraform.
    #[error(
        "this is a Terraform plugin, run it through terraform \
         (or start it with --debug and attach Terraform with TF_REATTACH_PROVIDERS)"
    )]
    NotLaunchedByTerraform,
    /// Terraform offered no protocol version we speak.
    #[error(
        "this provider speaks plugin protocol {PROTOCOL_VERSION} only, but the client offered \
         \"{offered}\": use Terraform 1.0 or later, or OpenTofu"
    )]
    NoCommonProtocol {
        /// The value of PLUGIN_PROTOCOL_VERSIONS.
        offered: String,
    },
    /// PLUGIN_MIN_PORT / PLUGIN_MAX_PORT are not a port range.
    #[error("invalid PLUGIN_MIN_PORT/PLUGIN_MAX_PORT: {0}")]
    PortRange(String),
    /// Binding the listener failed.
    #[error("cannot listen on {what}: {source}")]
    Listen {
        /// Where we tried to listen.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What Terraform told us through the environment.
#[derive(Debug, Clone, Default)]
pub struct PluginEnv {
    /// PEM of Terraform's client certificate, when AutoMTLS is on.
    pub client_cert_pem: Option<String>,
    /// Where to create the unix socket (the OS temp dir when unset).
    pub unix_socket_dir: Option<PathBuf>,
    /// Group to give the socket to (numeric gid), mode 0660.
    pub unix_socket_group: Option<String>,
    /// TCP port range, used only where unix sockets are unavailable.
    pub port_range: (u16, u16),
}

impl PluginEnv {
    /// Reads and checks the environment of a plugin launched by Terraform.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, HandshakeError> {
        if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotLaunchedByTerraform);
        }
        negotiate(&lookup("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default())?;
        Ok(Self {
            client_cert_pem: lookup("PLUGIN_CLIENT_CERT").filter(|s| !s.trim().is_empty()),
            unix_socket_dir: lookup("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            unix_socket_group: lookup("PLUGIN_UNIX_SOCKET_GROUP").filter(|s| !s.is_empty()),
            port_range: port_range(
                lookup("PLUGIN_MIN_PORT").as_deref(),
                lookup("PLUGIN_MAX_PORT").as_deref(),
            )?,
        })
    }

    /// The environment of `--debug` mode: plaintext, default listener.
    pub fn debug() -> Self {
        Self {
            port_range: (10000, 25000),
            ..Self::default()
        }
    }
}

/// Picks protocol 6 from go-plugin's comma list, whatever its order (it comes
/// from iterating a Go map, so Terraform sends `5,6` or `6,5`).
pub fn negotiate(offered: &str) -> Result<u32, HandshakeError> {
    let speaks_6 = offered
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
    if speaks_6 {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::NoCommonProtocol {
            offered: offered.to_string(),
        })
    }
}

fn port_range(min: Option<&str>, max: Option<&str>) -> Result<(u16, u16), HandshakeError> {
    let parse = |s: Option<&str>, default: u16| -> Result<u16, HandshakeError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s
                .parse::<u16>()
                .map_err(|_| HandshakeError::PortRange(format!("{s:?} is not a port"))),
        }
    };
    let (min, max) = (parse(min, 10000)?, parse(max, 25000)?);
    if min > max {
        return Err(HandshakeError::PortRange(format!("{min} > {max}")));
    }
    Ok((min, max))
}

/// The bound listener, before any connection is accepted.
#[derive(Debug)]
pub enum PluginListener {
    /// go-plugin's default on unix systems.
    Unix {
        /// The listening socket.
        listener: UnixListener,
        /// Its path.
        path: PathBuf,
    },
    /// Loopback TCP, where unix sockets cannot be created.
    Tcp(TcpListener),
}

/// Removes the socket file when dropped: held by the process's main task so
/// the file goes away on every exit path.
#[derive(Debug)]
pub struct SocketPath(pub PathBuf);

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl PluginListener {
    /// Binds a unix socket as go-plugin does (a fresh name in the socket
    /// directory), falling back to TCP on 127.0.0.1 within the port range.
    pub async fn bind(env: &PluginEnv) -> Result<Self, HandshakeError> {
        let dir = env
            .unix_socket_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        match bind_unix(&dir, env.unix_socket_group.as_deref()) {
            Ok((listener, path)) => Ok(Self::Unix { listener, path }),
            Err(err) => {
                tracing::debug!(error = %err, dir = %dir.display(), "unix socket unavailable; using TCP");
                bind_tcp(env.port_range).await.map(Self::Tcp)
            }
        }
    }

    /// The network field of the handshake: `unix` or `tcp`.
    pub fn network(&self) -> &'static str {
        match self {
            Self::Unix { .. } => "unix",
            Self::Tcp(_) => "tcp",
        }
    }

    /// A guard removing the socket file, for unix listeners.
    pub fn socket_guard(&self) -> Option<SocketPath> {
        match self {
            Self::Unix { path, .. } => Some(SocketPath(path.clone())),
            Self::Tcp(_) => None,
        }
    }

    /// The address field of the handshake.
    pub fn address(&self) -> String {
        match self {
            Self::Unix { path, .. } => path.display().to_string(),
            Self::Tcp(listener) => listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
        }
    }
}

fn bind_unix(dir: &Path, group: Option<&str>) -> std::io::Result<(UnixListener, PathBuf)> {
    // Reserve a unique name, then free it for the socket, as go-plugin does.
    let reserved = tempfile::Builder::new().prefix("plugin").tempfile_in(dir)?;
    let path = reserved.path().to_path_buf();
    drop(reserved);
    let listener = UnixListener::bind(&path)?;
    if let Some(group) = group {
        if let Err(err) = set_socket_group(&path, group) {
            let _ = std::fs::remove_file(&path);
            return Err(err);
        }
    }
    Ok((listener, path))
}

fn set_socket_group(path: &Path, group: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let gid = group.parse::<u32>().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("PLUGIN_UNIX_SOCKET_GROUP {group:?} must be a numeric group id"),
        )
    })?;
    std::os::unix::fs::chown(path, None, Some(gid))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
}

async fn bind_tcp((min, max): (u16, u16)) -> Result<TcpListener, HandshakeError> {
    let mut last_error = None;
    for port in min..=max {
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => return Ok(listener),
            Err(err) => last_error = Some(err),
        }
    }
    Err(HandshakeError::Listen {
        what: format!("127.0.0.1 ports {min}-{max}"),
        source: last_error.unwrap_or_else(|| std::io::Error::other("empty port range")),
    })
}

/// The handshake line: `1|6|NETWORK|ADDRESS|grpc|CERT`, where CERT is the
/// server certificate's DER in unpadded standard base64 (go-plugin decodes it
/// with RawStdEncoding) or empty when serving plaintext.
pub fn handshake_line(network: &str, address: &str, certificate_der: Option<&[u8]>) -> String {
    let certificate = certificate_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{address}|grpc|{certificate}")
}

/// Writes a line to stdout and flushes it: the only stdout writes the
/// provider ever makes.
pub fn announce(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// The `TF_REATTACH_PROVIDERS` value for `--debug` mode. `Test: true` makes
/// Terraform 1.0.3 honour protocol 6 (it treats an unset version as 5) and
/// keeps it from killing a process it did not start.
pub fn reattach_json(provider_address: &str, network: &str, address: &str) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": network, "String": address },
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn negotiates_six_in_any_order() {
        assert_eq!(negotiate("5,6").unwrap(), 6);
        assert_eq!(negotiate("6,5").unwrap(), 6);
        assert_eq!(negotiate(" 6 ").unwrap(), 6);
        assert!(negotiate("5").is_err());
        assert!(negotiate("").is_err());
        assert!(negotiate("56").is_err());
    }

    #[test]
    fn refuses_to_start_without_the_cookie() {
        let err = PluginEnv::from_env(|_| None).unwrap_err();
        assert!(err.to_string().contains("run it through terraform"));
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_cert() {
        let line = handshake_line("unix", "/tmp/plugin1", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/plugin1|grpc|AQIDBA");
        assert_eq!(line.split('|').count(), 6);
        assert_eq!(
            handshake_line("tcp", "127.0.0.1:1", None),
            "1|6|tcp|127.0.0.1:1|grpc|"
        );
    }

    #[test]
    fn port_range_defaults_and_checks() {
        assert_eq!(port_range(None, None).unwrap(), (10000, 25000));
        assert_eq!(port_range(Some("5"), Some("7")).unwrap(), (5, 7));
        assert!(port_range(Some("9"), Some("7")).is_err());
        assert!(port_range(Some("x"), None).is_err());
    }
}
