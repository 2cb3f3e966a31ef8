//! What each fuzz target checks, shared by the cargo-fuzz targets
//! (`fuzz_targets/*.rs`) and the stable corpus replay
//! (`tests/fuzz_regressions.rs`), so CI feeds the corpus through exactly the
//! code the fuzzer ran. Every function panics on a broken invariant and
//! returns quietly otherwise.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::OnceLock;

use terraform_provider_proton::plugin::codec::{
    decode_json, decode_msgpack, encode_json, encode_msgpack,
};
use terraform_provider_proton::plugin::provider::Provider;
use terraform_provider_proton::plugin::value::Type;
use terraform_provider_proton::proton::{TemplateKind, VersionKey};
use terraform_provider_proton::provider::ProtonProvider;

/// The implied types Terraform encodes values with: the provider block's and
/// every resource's (state, plan and config all use the resource type).
pub fn schema_types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let provider = ProtonProvider::new();
        let mut types = vec![provider.schema().implied_type()];
        types.extend(
            provider
                .resources()
                .iter()
                .map(|resource| resource.schema().implied_type()),
        );
        types
    })
}

/// First byte picks the schema type, the rest is the payload.
fn split(data: &[u8]) -> Option<(&'static Type, &[u8])> {
    let (&selector, payload) = data.split_first()?;
    let types = schema_types();
    Some((&types[usize::from(selector) % types.len()], payload))
}

/// cty MessagePack: decoding never panics; whatever decodes re-encodes, and
/// the re-encoding decodes to the same value (a fixed point).
pub fn msgpack_value(data: &[u8]) {
    let Some((ty, payload)) = split(data) else {
        return;
    };
    let Ok(value) = decode_msgpack(payload, ty) else {
        return;
    };
    let encoded = encode_msgpack(&value, ty)
        .unwrap_or_else(|e| panic!("decoded value does not re-encode: {e}: {value:?}"));
    let again = decode_msgpack(&encoded, ty)
        .unwrap_or_else(|e| panic!("re-encoded value does not decode: {e}: {value:?}"));
    assert_eq!(again, value, "msgpack round trip changed the value");
}

/// cty JSON: as for MessagePack.
pub fn json_value(data: &[u8]) {
    let Some((ty, payload)) = split(data) else {
        return;
    };
    let Ok(value) = decode_json(payload, ty) else {
        return;
    };
    let encoded = encode_json(&value, ty)
        .unwrap_or_else(|e| panic!("decoded value does not re-encode: {e}: {value:?}"));
    let again = decode_json(&encoded, ty)
        .unwrap_or_else(|e| panic!("re-encoded value does not decode: {e}: {value:?}"));
    assert_eq!(again, value, "json round trip changed the value");
}

/// `terraform import` ids: never panics; an accepted id names a key whose
/// canonical `NAME:MAJOR.MINOR` form parses back to the same key.
pub fn import_id(data: &[u8]) {
    let Ok(id) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [TemplateKind::Environment, TemplateKind::Service] {
        if let Ok(key) = VersionKey::parse_id(kind, id) {
            let canonical = format!("{}:{}.{}", key.template_name, key.major, key.minor);
            assert_eq!(
                VersionKey::parse_id(kind, &canonical).as_ref(),
                Ok(&key),
                "{id:?} parsed, its canonical form {canonical:?} does not"
            );
        }
    }
}

/// proton-local's request path after the socket: SigV4 `Authorization`
/// parsing and verification, body parsing, and every operation's input
/// validation and handling, on a small in-memory state.
///
/// Input: chunks separated by NUL. The first chunk is the Authorization
/// header; each later chunk (at most 8) is a request: first byte picks the
/// operation, the rest is the JSON body.
pub fn proton_local_request(data: &[u8]) {
    use proton_local::kind::TemplateKind;
    use proton_local::ops::{Engine, EngineConfig};
    use proton_local::sigv4::{self, Credentials, SignableRequest};
    use proton_local::store::State;
    use proton_local::wire::{Action, Operation};

    let mut chunks = data.split(|&b| b == 0);
    let authorization = chunks.next().unwrap_or_default();
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(authorization) {
        headers.insert("authorization", value);
    }
    headers.insert("host", http::HeaderValue::from_static("127.0.0.1:4580"));
    headers.insert(
        "x-amz-date",
        http::HeaderValue::from_static("20240101T000000Z"),
    );
    let credentials = Credentials {
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    };
    let request = SignableRequest {
        method: "POST",
        path: "/",
        query: None,
        headers: &headers,
        body: data,
    };
    // The fuzzed date is fixed, so the clock is not consulted.
    let _ = sigv4::verify(&request, &credentials, &[], sigv4::ClockCheck::Off);

    let engine = Engine::new(
        EngineConfig {
            account_id: "123456789012".into(),
            bundles: proton_local::ops::Bundles::Canned,
            registration_delay_ms: 0,
        },
        State::default(),
        None,
    );
    let seed = [
        (
            Operation::Template(Action::Create, TemplateKind::Environment),
            r#"{"name":"web"}"#,
        ),
        (
            Operation::Template(Action::Create, TemplateKind::Service),
            r#"{"name":"svc","pipelineProvisioning":"CUSTOMER_MANAGED"}"#,
        ),
        (
            Operation::Version(Action::Create, TemplateKind::Environment),
            r#"{"templateName":"web","source":{"s3":{"bucket":"bundles","key":"k"}}}"#,
        ),
    ];
    for (op, body) in seed {
        let input = proton_local::model::parse_body(body.as_bytes()).unwrap();
        engine.handle(op, "us-east-1", &input).unwrap();
    }
    for chunk in chunks.take(8) {
        let Some((&selector, body)) = chunk.split_first() else {
            continue;
        };
        let all: Vec<Operation> = Operation::all().collect();
        let op = all[usize::from(selector) % all.len()];
        let Ok(input) = proton_local::model::parse_body(body) else {
            continue;
        };
        if let Ok((value, _)) = engine.handle(op, "us-east-1", &input) {
            assert!(value.is_object(), "{op:?} answered a non-object: {value}");
        }
    }
}

/// proton-local's operations over `(operation, JSON body)`: the first byte picks the operation,
/// the rest is the request body, answered on a state seeded with templates, versions and tags.
/// Never panics; a success is an object within the model's output constraints; an error is one
/// the model lists for the operation (or the protocol's `SerializationException`).
pub fn proton_local_operation(data: &[u8]) {
    use proton_local::kind::TemplateKind;
    use proton_local::ops::{Engine, EngineConfig};
    use proton_local::store::State;
    use proton_local::wire::{Action, ErrorKind, Operation};

    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let all: Vec<Operation> = Operation::all().collect();
    let op = all[usize::from(selector) % all.len()];
    let engine = Engine::new(
        EngineConfig {
            account_id: "123456789012".into(),
            bundles: proton_local::ops::Bundles::Canned,
            registration_delay_ms: 0,
        },
        State::default(),
        None,
    );
    let arn = "arn:aws:proton:us-east-1:123456789012:environment-template/web";
    let seed = [
        (Operation::Template(Action::Create, TemplateKind::Environment), r#"{"name":"web","tags":[{"key":"team","value":"a"}]}"#.to_string()),
        (Operation::Template(Action::Create, TemplateKind::Service), r#"{"name":"svc"}"#.to_string()),
        (
            Operation::Version(Action::Create, TemplateKind::Environment),
            r#"{"templateName":"web","source":{"s3":{"bucket":"bundles","key":"k"}}}"#.to_string(),
        ),
        (
            Operation::Version(Action::Update, TemplateKind::Environment),
            r#"{"templateName":"web","majorVersion":"1","minorVersion":"0","status":"PUBLISHED"}"#.to_string(),
        ),
        (
            Operation::Version(Action::Create, TemplateKind::Service),
            r#"{"templateName":"svc","source":{"s3":{"bucket":"bundles","key":"k"}},"compatibleEnvironmentTemplates":[{"templateName":"web","majorVersion":"1"}]}"#.to_string(),
        ),
        (Operation::TagResource, format!(r#"{{"resourceArn":"{arn}:1.0","tags":[{{"key":"k","value":"v"}}]}}"#)),
    ];
    for (op, body) in seed {
        let input = proton_local::model::parse_body(body.as_bytes()).unwrap();
        engine.handle(op, "us-east-1", &input).unwrap();
    }
    let Ok(input) = proton_local::model::parse_body(body) else {
        return;
    };
    match engine.handle(op, "us-east-1", &input) {
        Ok((value, _)) => {
            assert!(value.is_object(), "{op:?} answered a non-object: {value}");
            let violations = proton_local::model::output_violations(&value);
            assert!(
                violations.is_empty(),
                "{op:?} answered {value}: {violations:?}"
            );
        }
        Err(error) => assert!(
            error.kind == ErrorKind::Serialization || op.model_errors().contains(&error.kind),
            "{op:?} answered {error}, which the model does not list"
        ),
    }
}
