//! A signed release of the provider, made once per test process by
//! `scripts/release.sh` with a throwaway RSA 4096 key, and a provider registry
//! that serves it over HTTPS by the provider registry protocol (discovery,
//! versions, download with the signing key), its certificate from a throwaway
//! CA that Terraform trusts through `SSL_CERT_FILE`.
//!
//! Terraform reaches it as `registry.terraform.io` through the CLI
//! configuration's `host` block, so a configuration names the provider by its
//! real source address, `awsproton/proton`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

pub const NAME: &str = "terraform-provider-proton";
/// The version `scripts/release.sh` reads from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The platforms a release carries, as Terraform names them.
pub const PLATFORMS: [&str; 2] = ["linux_amd64", "linux_arm64"];
/// The cargo profile the tests package: the release's targets, linker and
/// glibc floor without its optimisation (Cargo.toml, `[profile.dist-check]`).
const PROFILE: &str = "dist-check";

/// The release every test of this process reads; made on first use.
pub struct Release {
    /// `dist/` as `scripts/release.sh` wrote it.
    pub dir: PathBuf,
    /// The same commit packaged a second time, into another directory.
    pub again: PathBuf,
    /// The signing key's fingerprint and its 16-digit key ID (what Terraform prints).
    pub fingerprint: String,
    pub key_id: String,
    /// The signing key's public half: ASCII-armored (for the registry) and
    /// binary (a keyring for `gpgv`).
    pub public_key: String,
    pub keyring: PathBuf,
    /// `SHA256SUMS` signed by another RSA key.
    pub foreign_signature: Vec<u8>,
}

impl Release {
    pub fn get() -> &'static Release {
        static RELEASE: OnceLock<Release> = OnceLock::new();
        RELEASE.get_or_init(Release::make)
    }

    fn make() -> Release {
        let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("release");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        let keyring = Keyring::new();
        let gpg = |args: &[&str]| keyring.gpg(args);
        let fingerprint = keyring.generate("Release Signing <release@example.invalid>", "rsa4096");
        let other = keyring.generate("Someone Else <other@example.invalid>", "rsa2048");

        let release = |out: &Path| succeed(&mut keyring.release(&fingerprint, out));
        let dir = work.join("dist");
        let again = work.join("dist-again");
        release(&dir);
        release(&again);

        let public_key = String::from_utf8(gpg(&["--armor", "--export", &fingerprint])).unwrap();
        let public_keyring = work.join("signing-key.gpg");
        std::fs::write(&public_keyring, gpg(&["--export", &fingerprint])).unwrap();
        let sums = dir.join(format!("{NAME}_{VERSION}_SHA256SUMS"));
        let foreign = work.join("foreign.sig");
        gpg(&[
            "--local-user",
            &other,
            "--output",
            foreign.to_str().unwrap(),
            "--detach-sign",
            sums.to_str().unwrap(),
        ]);

        Release {
            dir,
            again,
            key_id: fingerprint[fingerprint.len() - 16..].to_string(),
            fingerprint,
            public_key,
            keyring: public_keyring,
            foreign_signature: std::fs::read(foreign).unwrap(),
        }
    }

    /// `terraform-provider-proton_<V>_<suffix>` in the release.
    pub fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{NAME}_{VERSION}_{suffix}"))
    }

    pub fn read(&self, suffix: &str) -> Vec<u8> {
        std::fs::read(self.path(suffix)).unwrap()
    }

    /// `SHA256SUMS` as file name → hex digest.
    pub fn sums(&self) -> BTreeMap<String, String> {
        String::from_utf8(self.read("SHA256SUMS"))
            .unwrap()
            .lines()
            .map(|line| {
                let (digest, name) = line
                    .split_once("  ")
                    .unwrap_or_else(|| panic!("SHA256SUMS line {line:?} is not `HEX  NAME`"));
                (name.to_string(), digest.to_string())
            })
            .collect()
    }

    /// The entries of a platform's zip: name → (Unix mode, contents).
    pub fn zip_entries(&self, platform: &str) -> Vec<(String, u32, Vec<u8>)> {
        zip_entries(&self.read(&format!("{platform}.zip")))
    }

    /// The provider binary of a platform, written to `dir` with mode 0755.
    pub fn extract_binary(&self, platform: &str, dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let binary = format!("{NAME}_v{VERSION}");
        let (_, _, bytes) = self
            .zip_entries(platform)
            .into_iter()
            .find(|(name, _, _)| *name == binary)
            .unwrap_or_else(|| panic!("no {binary} in the {platform} zip"));
        let path = dir.join(&binary);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }
}

/// A throwaway GnuPG home; its agent is stopped when dropped.
pub struct Keyring {
    // A short path: gpg-agent's socket lives in it.
    home: tempfile::TempDir,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring {
            home: tempfile::Builder::new().prefix("gnupg-").tempdir().unwrap(),
        }
    }

    /// `gpg ARGS` in batch mode, without passphrases; its stdout.
    pub fn gpg(&self, args: &[&str]) -> Vec<u8> {
        succeed(
            Command::new("gpg")
                .env("GNUPGHOME", self.home.path())
                .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
                .args(args),
        )
    }

    /// A new signing key (`algorithm` as `gpg --quick-gen-key` names it); its fingerprint.
    pub fn generate(&self, uid: &str, algorithm: &str) -> String {
        self.gpg(&["--quick-gen-key", uid, algorithm, "sign", "never"]);
        let listing =
            String::from_utf8(self.gpg(&["--with-colons", "--list-secret-keys", uid])).unwrap();
        listing
            .lines()
            .find_map(|line| line.strip_prefix("fpr:::::::::"))
            .map(|rest| rest.trim_end_matches(':').to_string())
            .unwrap_or_else(|| panic!("no fingerprint for {uid} in {listing}"))
    }

    /// `scripts/release.sh` of the tests' profile into `out`, signing with `fingerprint`.
    pub fn release(&self, fingerprint: &str, out: &Path) -> Command {
        let mut command = Command::new(repo().join("scripts/release.sh"));
        command
            .args(["--profile", PROFILE, "--out"])
            .arg(out)
            .env("GNUPGHOME", self.home.path())
            .env("GPG_FINGERPRINT", fingerprint);
        command
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .status();
    }
}

/// Runs `command` to success and returns its stdout; a failure shows its stderr.
pub fn succeed(command: &mut Command) -> Vec<u8> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{program} could not start: {e}"));
    assert!(
        output.status.success(),
        "{program} {:?} failed:\n{}",
        command.get_args().collect::<Vec<_>>(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A zip's entries in order: name, Unix mode bits, contents.
pub fn zip_entries(bytes: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut contents = Vec::new();
            entry.read_to_end(&mut contents).unwrap();
            let mode = entry.unix_mode().unwrap_or(0);
            (entry.name().unwrap().to_string(), mode, contents)
        })
        .collect()
}

/// Terraform's `h1:` hash of a package (Go's dirhash Hash1): for each file,
/// sorted by name, a line `sha256-hex  name`; then base64 of the SHA-256 of
/// those lines.
pub fn h1(entries: &[(String, u32, Vec<u8>)]) -> String {
    use base64::Engine;
    let mut files: Vec<(&str, String)> = entries
        .iter()
        .map(|(name, _, contents)| (name.as_str(), hex::encode(Sha256::digest(contents))))
        .collect();
    files.sort();
    let lines: String = files
        .iter()
        .map(|(name, digest)| format!("{digest}  {name}\n"))
        .collect();
    let digest = Sha256::digest(lines.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// What a registry serves wrongly, for the refusal tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    Nothing,
    /// One byte of the linux_amd64 zip flipped.
    ZipByte,
    /// The linux_arm64 line of SHA256SUMS edited (the signature no longer matches).
    SumsLine,
    /// SHA256SUMS signed by a key the registry does not list.
    ForeignSignature,
}

/// A provider registry on `https://localhost:PORT`; stops when dropped.
pub struct Registry {
    pub port: u16,
    /// The CA certificate Terraform must trust (`SSL_CERT_FILE`).
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl Registry {
    pub fn start(release: &Release, tamper: Tamper) -> Registry {
        let dir = tempfile::Builder::new()
            .prefix("registry-")
            .tempdir()
            .unwrap();
        let (ca_pem, tls) = certificates();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(routes(release, tamper, port));
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let routes = routes.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let routes = routes.clone();
                        async move { Ok::<_, Infallible>(respond(&routes, &request)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Registry {
            port,
            ca_file,
            _dir: dir,
            _runtime: runtime,
        }
    }

    /// The CLI configuration that makes this registry `registry.terraform.io`.
    pub fn host_block(&self) -> String {
        host_block(self.port)
    }
}

/// A `host` block sending `registry.terraform.io`'s provider service to
/// `https://localhost:PORT`.
pub fn host_block(port: u16) -> String {
    format!(
        "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"https://localhost:{port}/v1/providers/\"\n  }}\n}}\n"
    )
}

/// A throwaway CA (PEM) and a server configuration whose certificate it
/// signed, for `localhost` and `127.0.0.1` (Go checks subjectAltName only).
pub fn certificates() -> (String, Arc<rustls::ServerConfig>) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "registry test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

/// Path → (content type, body).
type Routes = BTreeMap<String, (&'static str, Vec<u8>)>;

fn routes(release: &Release, tamper: Tamper, port: u16) -> Routes {
    const JSON: &str = "application/json";
    const BYTES: &str = "application/octet-stream";
    let base = format!("https://localhost:{port}");
    let sums = release.sums();
    let mut routes = Routes::new();
    routes.insert(
        "/.well-known/terraform.json".into(),
        (JSON, br#"{"providers.v1":"/v1/providers/"}"#.to_vec()),
    );
    let platforms: Vec<_> = PLATFORMS
        .iter()
        .map(|p| {
            let (os, arch) = p.split_once('_').unwrap();
            serde_json::json!({"os": os, "arch": arch})
        })
        .collect();
    routes.insert(
        "/v1/providers/awsproton/proton/versions".into(),
        (
            JSON,
            serde_json::to_vec(&serde_json::json!({"versions": [
                {"version": VERSION, "protocols": ["6.0"], "platforms": platforms}
            ]}))
            .unwrap(),
        ),
    );
    for platform in PLATFORMS {
        let (os, arch) = platform.split_once('_').unwrap();
        let filename = format!("{NAME}_{VERSION}_{platform}.zip");
        let download = serde_json::json!({
            "protocols": ["6.0"],
            "os": os,
            "arch": arch,
            "filename": filename,
            "download_url": format!("{base}/files/{filename}"),
            "shasums_url": format!("{base}/files/{NAME}_{VERSION}_SHA256SUMS"),
            "shasums_signature_url": format!("{base}/files/{NAME}_{VERSION}_SHA256SUMS.sig"),
            "shasum": sums[&filename],
            "signing_keys": {"gpg_public_keys": [
                {"key_id": release.key_id, "ascii_armor": release.public_key}
            ]},
        });
        routes.insert(
            format!("/v1/providers/awsproton/proton/{VERSION}/download/{os}/{arch}"),
            (JSON, serde_json::to_vec(&download).unwrap()),
        );
    }
    for entry in std::fs::read_dir(&release.dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut bytes = std::fs::read(&path).unwrap();
        match tamper {
            Tamper::ZipByte if name.ends_with("_linux_amd64.zip") => {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0xff;
            }
            Tamper::SumsLine if name.ends_with("_SHA256SUMS") => {
                let text = String::from_utf8(bytes).unwrap();
                let arm64 = &sums[&format!("{NAME}_{VERSION}_linux_arm64.zip")];
                bytes = text.replace(arm64, &"0".repeat(64)).into_bytes();
            }
            Tamper::ForeignSignature if name.ends_with("_SHA256SUMS.sig") => {
                bytes = release.foreign_signature.clone();
            }
            _ => {}
        }
        routes.insert(format!("/files/{name}"), (BYTES, bytes));
    }
    routes
}

fn respond(routes: &Routes, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    match routes.get(request.uri().path()) {
        Some((content_type, body)) => Response::builder()
            .header("content-type", *content_type)
            .body(Full::new(Bytes::from(body.clone())))
            .unwrap(),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found")))
            .unwrap(),
    }
}

/// Where a registry that is not running would be: a port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    listener.local_addr().unwrap().port()
}
