//! A provider process started as Terraform starts it (go-plugin's
//! environment, stdout piped for the handshake line), and the calls the
//! process tests make on it.

use std::process::Stdio;

use base64::Engine;
use terraform_provider_proton::plugin::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::proto::tfplugin6::provider_client::ProviderClient;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tonic::transport::Channel;

use super::mtls::{self, ClientIdentity};

/// A started provider, after its handshake line.
pub struct Plugin {
    pub child: Child,
    pub stdout: BufReader<ChildStdout>,
    /// The handshake line's fields: core version, protocol, network, address,
    /// `grpc`, the server certificate.
    pub handshake: Vec<String>,
}

/// Starts `command` (the provider, or an emulator running it) with only the
/// environment Terraform gives a plugin, offering protocol `versions` and
/// presenting `client_pem` as Terraform's client certificate.
pub async fn launch(mut command: Command, versions: &str, client_pem: Option<&str>) -> Plugin {
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", versions)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(pem) = client_pem {
        command.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).await.unwrap();
    let handshake = line
        .trim_end_matches('\n')
        .split('|')
        .map(str::to_string)
        .collect();
    Plugin {
        child,
        stdout,
        handshake,
    }
}

impl Plugin {
    /// A channel to the plugin over mutual TLS, trusting the handshake's certificate.
    pub async fn connect(
        &self,
        identity: Option<&ClientIdentity>,
    ) -> Result<Channel, tonic::transport::Error> {
        let server_der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&self.handshake[5])
            .unwrap();
        mtls::connect(self.handshake[3].clone(), server_der, identity).await
    }
}

/// GetProviderSchema.
pub async fn schema_call(
    channel: Channel,
) -> Result<pb::get_provider_schema::Response, tonic::Status> {
    ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .map(tonic::Response::into_inner)
}
