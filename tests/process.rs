//! The built binary under the environment Terraform gives it: handshake,
//! mutual TLS with a go-plugin-style P-521 CA client certificate, ALPN h2,
//! refusal of other clients, Shutdown, SIGINT, and a clean stdout.

use crate::support;

use std::process::{Command, Stdio};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use support::mtls::go_plugin_client_identity;
use support::plugin::{launch, schema_call};
use terraform_provider_proton::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use terraform_provider_proton::plugin::proto::goplugin::grpc_controller_client::GrpcControllerClient;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::UnixStream;
use tokio::process::Child;
use tonic::transport::{Endpoint, Uri};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-proton");

fn provider() -> tokio::process::Command {
    tokio::process::Command::new(BINARY)
}

async fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    // A bound against hanging, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the provider did not exit")
        .unwrap()
}

#[tokio::test]
async fn mutual_tls_handshake_with_terraforms_certificate_shape() {
    for versions in ["5,6", "6,5"] {
        let identity = go_plugin_client_identity();
        let mut plugin = launch(provider(), versions, Some(&identity.pem)).await;
        let handshake = plugin.handshake.clone();
        assert_eq!(handshake.len(), 6, "{handshake:?}");
        assert_eq!(&handshake[..3], ["1", "6", "unix"]);
        assert_eq!(handshake[4], "grpc");
        assert!(
            !handshake[5].contains('='),
            "certificate must be unpadded base64"
        );
        assert!(handshake[5].len() > 50);

        let channel = plugin.connect(Some(&identity)).await.unwrap();
        let schema = schema_call(channel.clone()).await.unwrap();
        assert!(schema.provider.is_some());

        // A different client certificate of the same shape is refused.
        let stranger = go_plugin_client_identity();
        let refused = match plugin.connect(Some(&stranger)).await {
            Ok(channel) => schema_call(channel).await.is_err(),
            Err(_) => true,
        };
        assert!(refused, "a foreign client certificate must be refused");
        // So is a client without a certificate.
        let refused = match plugin.connect(None).await {
            Ok(channel) => schema_call(channel).await.is_err(),
            Err(_) => true,
        };
        assert!(refused, "a client without a certificate must be refused");

        // SIGINT is ignored: Terraform turns Ctrl-C into StopProvider.
        let status = Command::new("kill")
            .args(["-INT", &plugin.child.id().unwrap().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let again = schema_call(channel.clone()).await;
        assert!(again.is_ok(), "the provider must survive SIGINT: {again:?}");
        assert!(plugin.child.try_wait().unwrap().is_none());

        // Shutdown ends the process, cleanly.
        GrpcControllerClient::new(channel)
            .shutdown(())
            .await
            .unwrap();
        let status = wait_for_exit(&mut plugin.child).await;
        assert!(status.success(), "{status:?}");

        // Nothing but the handshake line was written to stdout.
        let mut rest = String::new();
        plugin.stdout.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "", "stdout must carry only the handshake line");
        // The socket file is removed on exit.
        assert!(!std::path::Path::new(&handshake[3]).exists());
    }
}

#[tokio::test]
async fn plaintext_without_a_client_certificate() {
    let mut plugin = launch(provider(), "6", None).await;
    assert_eq!(plugin.handshake.len(), 6);
    assert_eq!(
        plugin.handshake[5], "",
        "no certificate without PLUGIN_CLIENT_CERT"
    );
    let socket = plugin.handshake[3].clone();
    let channel = Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(socket).await?)) }
        }))
        .await
        .unwrap();
    assert!(schema_call(channel.clone()).await.is_ok());
    GrpcControllerClient::new(channel)
        .shutdown(())
        .await
        .unwrap();
    assert!(wait_for_exit(&mut plugin.child).await.success());
}

fn run_to_exit(command: &mut Command) -> (i32, String, String) {
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn started_by_hand_it_explains_and_exits_1() {
    let (code, stdout, stderr) = run_to_exit(Command::new(BINARY).env_remove(MAGIC_COOKIE_KEY));
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("run it through terraform"), "{stderr}");
}

#[test]
fn version_flag_prints_the_version_and_exits_0_even_under_terraform() {
    let expected = format!("terraform-provider-proton {}\n", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-version"] {
        for cookie in [None, Some(MAGIC_COOKIE_VALUE)] {
            let mut command = Command::new(BINARY);
            command.arg(flag).env_remove(MAGIC_COOKIE_KEY);
            if let Some(value) = cookie {
                command.env(MAGIC_COOKIE_KEY, value);
            }
            let (code, stdout, stderr) = run_to_exit(&mut command);
            assert_eq!(
                (code, stdout.as_str()),
                (0, expected.as_str()),
                "{flag}: {stderr}"
            );
        }
    }
}

#[test]
fn without_protocol_6_it_says_so_and_exits_1() {
    let (code, stdout, stderr) = run_to_exit(
        Command::new(BINARY)
            .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("protocol 6"), "{stderr}");
}

#[tokio::test]
async fn debug_mode_prints_reattach_configuration() {
    let mut child = tokio::process::Command::new(BINARY)
        .arg("--debug")
        .env_remove(MAGIC_COOKIE_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let json_line = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).await.unwrap() > 0,
            "no reattach JSON printed"
        );
        if line.trim_start().starts_with('{') {
            break line;
        }
    };
    let reattach: serde_json::Value = serde_json::from_str(json_line.trim()).unwrap();
    let entry = &reattach["registry.terraform.io/awsproton/proton"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Pid"], child.id().unwrap());
    let socket = entry["Addr"]["String"].as_str().unwrap().to_string();
    let channel = Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(socket).await?)) }
        }))
        .await
        .unwrap();
    assert!(schema_call(channel).await.is_ok());
    // In debug mode a person started it, so Ctrl-C stops it.
    Command::new("kill")
        .args(["-INT", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    assert!(wait_for_exit(&mut child).await.success());
}

#[tokio::test]
async fn exits_when_terraform_dies() {
    // A shell stands in for Terraform: it starts the provider and is killed.
    let mut parent = tokio::process::Command::new("sh")
        .args(["-c", "\"$0\" & read _"])
        .arg(BINARY)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("TF_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The provider's stdout is the pipe we hold: its handshake arrives here,
    // and EOF comes once the provider (its last writer) has exited.
    let mut stdout = BufReader::new(parent.stdout.take().unwrap());
    let mut handshake = String::new();
    stdout.read_line(&mut handshake).await.unwrap();
    assert!(handshake.starts_with("1|6|unix|"), "{handshake}");
    parent.kill().await.unwrap();
    let mut rest = String::new();
    tokio::time::timeout(Duration::from_secs(30), stdout.read_to_string(&mut rest))
        .await
        .expect("the provider must exit after its parent died")
        .unwrap();
    assert_eq!(rest, "");
    let mut logs = String::new();
    parent
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .await
        .unwrap();
    assert!(logs.contains("Terraform exited; shutting down"), "{logs}");
}

#[tokio::test]
async fn falls_back_to_tcp_in_the_port_range_without_unix_sockets() {
    let mut child = tokio::process::Command::new(BINARY)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/socket/dir")
        .env("PLUGIN_MIN_PORT", "20000")
        .env("PLUGIN_MAX_PORT", "20999")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).await.unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(&fields[..3], ["1", "6", "tcp"], "{line}");
    let address: std::net::SocketAddr = fields[3].parse().unwrap();
    assert!(address.ip().is_loopback());
    assert!((20000..=20999).contains(&address.port()), "{address}");
    let channel = Endpoint::try_from(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    assert!(schema_call(channel.clone()).await.is_ok());
    GrpcControllerClient::new(channel)
        .shutdown(())
        .await
        .unwrap();
    assert!(wait_for_exit(&mut child).await.success());
}
