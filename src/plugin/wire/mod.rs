//! The protobuf ⇄ model boundary, as terraform-plugin-framework keeps
//! `fromproto6`/`toproto6` apart from its server: `DynamicValue`s to and from
//! [`Value`]s and stored `RawState` to [`StoredState`] (here), diagnostics
//! and attribute paths ([`diagnostics`]), schemas ([`schema`]).
//!
//! Besides the gRPC service (`plugin::server`), this is the only module that
//! imports the generated tfplugin6 types. It may import the model (values,
//! codec, diagnostics, schemas, the lifecycle's input types), never a
//! resource or the service; it decides nothing about what an answer means.

mod diagnostics;
mod schema;

pub(crate) use diagnostics::{attribute_path, diagnostics};
pub(crate) use schema::{identity_schema, schema};

use super::codec;
use super::diag::Diagnostics;
use super::lifecycle::StoredState;
use super::proto::tfplugin6 as pb;
use super::value::{Type, Value};

/// Decodes a DynamicValue: msgpack when present, else JSON, else null.
/// `what` names the value in the error ("prior state", "configuration").
pub(crate) fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        codec::decode_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        codec::decode_json(&value.json, ty)
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|err| {
        Diagnostics::from_codec_error(&format!("Invalid {what} from Terraform"), &err)
    })
}

/// Encodes a value as msgpack, the encoding Terraform reads everywhere.
pub(crate) fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
    codec::encode_msgpack(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|err| {
            Diagnostics::from_codec_error("Provider produced a value it cannot encode", &err)
        })
}

/// Decodes an identity Terraform sent: `None` when the message, its value
/// or the value itself is absent or null (Terraform sends none for a null
/// identity).
pub(crate) fn decode_identity(
    identity: Option<&pb::ResourceIdentityData>,
    ty: &Type,
    what: &str,
) -> Result<Option<Value>, Diagnostics> {
    let value = decode(
        identity.and_then(|identity| identity.identity_data.as_ref()),
        ty,
        what,
    )?;
    Ok((!value.is_null()).then_some(value))
}

/// Encodes an identity; `None` sends no message, which Terraform reads as
/// "no identity".
pub(crate) fn encode_identity(
    identity: Option<&Value>,
    ty: &Type,
) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
    identity
        .map(|identity| {
            Ok(pb::ResourceIdentityData {
                identity_data: Some(encode(identity, ty)?),
            })
        })
        .transpose()
}

/// Which form a stored state arrived in; JSON wins when both are set.
pub(crate) fn stored_state(raw: Option<&pb::RawState>) -> StoredState<'_> {
    match raw {
        Some(raw) if !raw.json.is_empty() => StoredState::Json(&raw.json),
        Some(raw) if !raw.flatmap.is_empty() => StoredState::Flatmap,
        _ => StoredState::Absent,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_absent_or_empty_dynamic_value_is_null() {
        assert_eq!(decode(None, &Type::String, "state").unwrap(), Value::Null);
        let empty = pb::DynamicValue::default();
        assert_eq!(
            decode(Some(&empty), &Type::String, "state").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn values_round_trip_as_msgpack() {
        let value = Value::string("x");
        let encoded = encode(&value, &Type::String).unwrap();
        assert!(encoded.json.is_empty());
        assert_eq!(
            decode(Some(&encoded), &Type::String, "state").unwrap(),
            value
        );
    }

    #[test]
    fn undecodable_values_name_what_they_were() {
        let garbage = pb::DynamicValue {
            msgpack: vec![0xa5, b'x'],
            json: Vec::new(),
        };
        let diags = decode(Some(&garbage), &Type::String, "prior state").unwrap_err();
        assert_eq!(diags.0[0].summary, "Invalid prior state from Terraform");
    }

    #[test]
    fn identities_absent_or_null_decode_to_none_and_round_trip() {
        let ty = Type::object([("name", Type::String)]);
        assert_eq!(decode_identity(None, &ty, "identity").unwrap(), None);
        let empty = pb::ResourceIdentityData::default();
        assert_eq!(
            decode_identity(Some(&empty), &ty, "identity").unwrap(),
            None
        );
        let identity = Value::object([("name", Value::string("a"))]);
        let encoded = encode_identity(Some(&identity), &ty).unwrap();
        assert_eq!(
            decode_identity(encoded.as_ref(), &ty, "identity").unwrap(),
            Some(identity)
        );
        assert_eq!(encode_identity(None, &ty).unwrap(), None);
    }

    #[test]
    fn stored_state_prefers_json() {
        let both = pb::RawState {
            json: b"{}".to_vec(),
            flatmap: [("a".to_string(), "b".to_string())].into(),
        };
        assert!(matches!(
            stored_state(Some(&both)),
            StoredState::Json(b"{}")
        ));
        let flatmap = pb::RawState {
            json: Vec::new(),
            ..both
        };
        assert!(matches!(stored_state(Some(&flatmap)), StoredState::Flatmap));
        assert!(matches!(stored_state(None), StoredState::Absent));
    }
}
