//! Start-up to handshake, and per-RPC round trips in process (plain TCP and unix socket with
//! mutual TLS) and against the built binary (unix socket, mutual TLS, as Terraform connects).

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use terraform_provider_proton::plugin::codec::encode_msgpack;
use terraform_provider_proton::plugin::handshake::{
    PluginListener, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE,
};
use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::proto::tfplugin6::provider_client::ProviderClient;
use terraform_provider_proton::plugin::serve::serve_on;
use terraform_provider_proton::plugin::tls::ServerTls;
use terraform_provider_proton::plugin::value::{Type, Value};
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Endpoint};

use crate::support::mtls::{self, go_plugin_client_identity, ClientIdentity};
use crate::support::terraform::provider_binary;
use crate::support::toy::{thing_schema, ToyProvider};

/// p50/p99 of one RPC over one transport.
#[derive(Debug, Clone)]
pub struct RpcStats {
    pub transport: &'static str,
    pub rpc: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// A channel over the unix socket at `socket`, with mutual TLS pinned to `server_der`.
async fn connect_tls(socket: String, server_der: Vec<u8>, identity: &ClientIdentity) -> Channel {
    mtls::connect(socket, server_der, Some(identity))
        .await
        .unwrap()
}

fn plugin_command(identity: &ClientIdentity) -> std::process::Command {
    let mut command = std::process::Command::new(provider_binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env("PLUGIN_CLIENT_CERT", &identity.pem)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// Milliseconds from spawning the binary to reading its handshake line, `runs` times.
pub fn startup_times(runs: usize) -> Vec<f64> {
    let identity = go_plugin_client_identity();
    // One untimed launch to warm the page cache.
    let mut times = Vec::new();
    for run in 0..=runs {
        let start = Instant::now();
        let mut child = plugin_command(&identity).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        assert!(line.starts_with("1|6|unix|"), "handshake line {line:?}");
        child.kill().unwrap();
        child.wait().unwrap();
        if run > 0 {
            times.push(elapsed);
        }
    }
    times
}

fn thing_type() -> Type {
    thing_schema().implied_type()
}

fn dv(value: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(value, &thing_type()).unwrap(),
        json: Vec::new(),
    })
}

/// A toy_thing as it is in state after a create.
fn thing_state() -> Value {
    let s = Value::string;
    Value::object([
        ("id", s("bench")),
        ("name", s("bench")),
        ("description", Value::Null),
        ("mode", s("fast")),
        ("size", Value::Null),
        ("labels", Value::Null),
        ("created_at", s("2024-01-01T00:00:00Z")),
        ("revision", Value::Null),
        ("spec", Value::object([("kind", s("small"))])),
        (
            "item",
            Value::Set(vec![Value::object([("key", s("a")), ("value", s("1"))])]),
        ),
    ])
}

/// The same with computed attributes null, as a configuration.
fn thing_config() -> Value {
    let mut config = thing_state();
    for name in ["id", "mode", "created_at"] {
        *config.get_attr_mut(name).unwrap() = Value::Null;
    }
    config
}

async fn time_calls<F, Fut>(iterations: usize, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..(iterations / 10).max(5) {
        call().await;
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        call().await;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    (
        super::percentile(&times, 50.0),
        super::percentile(&times, 99.0),
    )
}

/// Schema, plan and read against a toy provider whose backend holds `thing_state()`.
async fn toy_rpcs(
    transport: &'static str,
    channel: Channel,
    iterations: usize,
    out: &mut Vec<RpcStats>,
) {
    let client = ProviderClient::new(channel).max_decoding_message_size(256 << 20);
    let state = thing_state();
    let config = thing_config();
    let (p50, p99) = time_calls(iterations, || {
        let mut client = client.clone();
        async move {
            let schema = client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .unwrap()
                .into_inner();
            assert!(schema.resource_schemas.contains_key("toy_thing"));
        }
    })
    .await;
    out.push(stats(transport, "GetProviderSchema", p50, p99));

    let mut proposed = config.clone();
    for name in ["id", "mode", "created_at"] {
        *proposed.get_attr_mut(name).unwrap() = state.get_attr(name).unwrap().clone();
    }
    let plan = pb::plan_resource_change::Request {
        type_name: "toy_thing".into(),
        prior_state: dv(&state),
        proposed_new_state: dv(&proposed),
        config: dv(&config),
        ..Default::default()
    };
    let (p50, p99) = time_calls(iterations, || {
        let mut client = client.clone();
        let plan = plan.clone();
        async move {
            let planned = client
                .plan_resource_change(plan)
                .await
                .unwrap()
                .into_inner();
            assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
            assert!(planned.requires_replace.is_empty());
        }
    })
    .await;
    out.push(stats(transport, "PlanResourceChange (no-op)", p50, p99));

    let read = pb::read_resource::Request {
        type_name: "toy_thing".into(),
        current_state: dv(&state),
        ..Default::default()
    };
    let (p50, p99) = time_calls(iterations, || {
        let mut client = client.clone();
        let read = read.clone();
        async move {
            let read = client.read_resource(read).await.unwrap().into_inner();
            assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
            assert!(read.new_state.is_some());
        }
    })
    .await;
    out.push(stats(transport, "ReadResource", p50, p99));
}

fn stats(transport: &'static str, rpc: &'static str, p50: f64, p99: f64) -> RpcStats {
    RpcStats {
        transport,
        rpc,
        p50_ms: p50,
        p99_ms: p99,
    }
}

fn toy() -> Arc<ToyProvider> {
    let provider = Arc::new(ToyProvider::new());
    provider
        .backend
        .things
        .lock()
        .unwrap()
        .insert("bench".into(), thing_state());
    provider
}

/// Every RPC latency of target 3.
pub fn rpc_latencies(iterations: usize) -> Vec<RpcStats> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut out = Vec::new();
        let shutdown = CancellationToken::new();

        // In process, loopback TCP without TLS (as tests/protocol_rpc.rs).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve_on(
            PluginListener::Tcp(listener),
            None,
            toy(),
            shutdown.clone(),
        ));
        let channel = Endpoint::try_from(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        toy_rpcs("in process, TCP, plaintext", channel, iterations, &mut out).await;

        // In process, the real transport: unix socket with mutual TLS.
        let identity = go_plugin_client_identity();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugin.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let tls = ServerTls::from_client_pem(&identity.pem).unwrap();
        let server_der = tls.certificate_der.clone();
        tokio::spawn(serve_on(
            PluginListener::Unix {
                listener,
                path: path.clone(),
            },
            Some(tls),
            toy(),
            shutdown.clone(),
        ));
        let channel = connect_tls(path.display().to_string(), server_der, &identity).await;
        toy_rpcs(
            "in process, unix socket, mTLS",
            channel,
            iterations,
            &mut out,
        )
        .await;
        shutdown.cancel();

        // The built binary as Terraform starts it: unix socket, mutual TLS.
        let mut child = tokio::process::Command::from(plugin_command(&identity))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut line = String::new();
        {
            use tokio::io::AsyncBufReadExt;
            tokio::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .await
                .unwrap();
        }
        let parts: Vec<&str> = line.trim_end().split('|').collect();
        let server_der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .unwrap();
        let channel = connect_tls(parts[3].to_string(), server_der, &identity).await;
        let client = ProviderClient::new(channel).max_decoding_message_size(256 << 20);
        let (p50, p99) = time_calls(iterations, || {
            let mut client = client.clone();
            async move {
                let schema = client
                    .get_provider_schema(pb::get_provider_schema::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                assert!(schema
                    .resource_schemas
                    .contains_key("proton_environment_template_version"));
            }
        })
        .await;
        out.push(stats(
            "provider binary, unix socket, mTLS",
            "GetProviderSchema",
            p50,
            p99,
        ));
        child.kill().await.unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        out
    })
}
