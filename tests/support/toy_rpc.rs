//! An in-process gRPC harness around the toy provider, for the protocol
//! tests: a tonic client over TCP against the real server, with value and
//! identity encoders and the plan/apply/read calls of the Terraform 1.12+
//! RPCs.

use std::sync::Arc;
use std::time::Duration;

use terraform_provider_proton::plugin::codec::{decode_msgpack, encode_msgpack};
use terraform_provider_proton::plugin::handshake::PluginListener;
use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::proto::tfplugin6::provider_client::ProviderClient;
use terraform_provider_proton::plugin::serve::serve_on;
use terraform_provider_proton::plugin::value::{Type, Value};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::toy::{thing_identity_schema, thing_schema, ToyProvider};

/// Generous bound on waits that only a bug would make long.
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// The client's HTTP/2 flow-control windows, in bytes.
pub const FLOW_WINDOW: u32 = 65_535;

pub struct Harness {
    pub client: ProviderClient<Channel>,
    pub provider: Arc<ToyProvider>,
    shutdown: CancellationToken,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn start() -> Harness {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let provider = Arc::new(ToyProvider::new());
    let shutdown = CancellationToken::new();
    tokio::spawn(serve_on(
        PluginListener::Tcp(listener),
        None,
        provider.clone(),
        shutdown.clone(),
    ));
    // HTTP/2's smallest windows, so how far a listing can run ahead of the
    // client is small and known.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .initial_stream_window_size(FLOW_WINDOW)
        .initial_connection_window_size(FLOW_WINDOW)
        .connect()
        .await
        .unwrap();
    let client = ProviderClient::new(channel).max_decoding_message_size(256 << 20);
    Harness {
        client,
        provider,
        shutdown,
    }
}

pub fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn thing_type() -> Type {
    thing_schema().implied_type()
}

pub fn identity_type() -> Type {
    thing_identity_schema().implied_type()
}

pub fn encoded(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(value, ty).unwrap(),
        json: Vec::new(),
    })
}

pub fn dv(value: &Value) -> Option<pb::DynamicValue> {
    encoded(value, &thing_type())
}

pub fn undv(value: &Option<pb::DynamicValue>) -> Value {
    decode_msgpack(&value.as_ref().unwrap().msgpack, &thing_type()).unwrap()
}

pub fn id_data(identity: &Value) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: encoded(identity, &identity_type()),
    })
}

pub fn un_id(identity: &Option<pb::ResourceIdentityData>) -> Option<Value> {
    let data = identity.as_ref()?.identity_data.as_ref()?;
    Some(decode_msgpack(&data.msgpack, &identity_type()).unwrap())
}

pub fn config(name: &str, description: Option<&str>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", s(name)),
        ("description", description.map(s).unwrap_or(Value::Null)),
        ("mode", Value::Null),
        ("size", Value::Null),
        ("labels", Value::Null),
        ("created_at", Value::Null),
        ("revision", Value::Null),
        ("spec", Value::object([("kind", s("small"))])),
        ("item", Value::Set(Vec::new())),
    ])
}

/// Terraform's proposed new state: the configuration with the prior
/// computed values.
pub fn proposed(config: &Value, prior: &Value) -> Value {
    let mut proposed = config.clone();
    if !prior.is_null() {
        for name in ["id", "created_at", "revision", "mode"] {
            *proposed.get_attr_mut(name).unwrap() = prior.get_attr(name).unwrap().clone();
        }
    }
    proposed
}

pub async fn plan(
    h: &mut Harness,
    prior: &Value,
    prior_identity: Option<&Value>,
    config: &Value,
) -> pb::plan_resource_change::Response {
    h.client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "toy_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(&proposed(config, prior)),
            config: dv(config),
            prior_identity: prior_identity.and_then(id_data),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

pub async fn apply(
    h: &mut Harness,
    prior: &Value,
    planned: &pb::plan_resource_change::Response,
    config: &Value,
) -> pb::apply_resource_change::Response {
    h.client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "toy_thing".into(),
            prior_state: dv(prior),
            planned_state: planned.planned_state.clone(),
            config: dv(config),
            planned_identity: planned.planned_identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// Plans and applies a create: the new state and identity.
pub async fn create(h: &mut Harness, name: &str) -> (Value, Value) {
    let cfg = config(name, None);
    let planned = plan(h, &Value::Null, None, &cfg).await;
    let applied = apply(h, &Value::Null, &planned, &cfg).await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    (
        undv(&applied.new_state),
        un_id(&applied.new_identity).unwrap(),
    )
}

pub async fn read(
    h: &mut Harness,
    state: &Value,
    identity: Option<&Value>,
) -> pb::read_resource::Response {
    h.client
        .read_resource(pb::read_resource::Request {
            type_name: "toy_thing".into(),
            current_state: dv(state),
            current_identity: identity.and_then(id_data),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

pub fn summaries(diagnostics: &[pb::Diagnostic], severity: pb::diagnostic::Severity) -> Vec<&str> {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity as i32)
        .map(|d| d.summary.as_str())
        .collect()
}

pub fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<&str> {
    summaries(diagnostics, pb::diagnostic::Severity::Error)
}

pub fn attribute_names(diagnostic: &pb::Diagnostic) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    diagnostic
        .attribute
        .iter()
        .flat_map(|path| &path.steps)
        .filter_map(|step| match &step.selector {
            Some(Selector::AttributeName(name)) => Some(name.clone()),
            _ => None,
        })
        .collect()
}
