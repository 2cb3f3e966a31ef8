//! cty's JSON encoding (`cty/json`): used for `UpgradeResourceState.raw_state` and as the
//! `DynamicValue.json` alternative. JSON cannot carry unknown values.
//!
//! serde_json is built with `arbitrary_precision`, so numbers keep every digit both ways.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::{Map as JsonMap, Value as Json};

use super::type_json::{type_from_json, type_to_json};
use super::{
    check_supported, decode_sequence, encode_value, map_entries, requirement, CodecError, Encoded,
};
use crate::plugin::value::{AttributePath, Number, Type, Value};

const FORMAT: &str = "JSON";

/// Decodes cty JSON as a value of `ty`. Empty input is null; object attributes missing from the
/// JSON are null (unlike MessagePack, cty's JSON decoder fills them in).
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let root = AttributePath::root();
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let json: Json = serde_json::from_slice(bytes).map_err(|e| CodecError::Malformed {
        format: FORMAT,
        path: root.clone(),
        message: e.to_string(),
    })?;
    decode_value(&json, ty, &root)
}

/// Encodes a wholly-known `value` as cty JSON for `ty`, checking that it conforms to `ty`.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let root = AttributePath::root();
    let json = encode_value::<Json>(value, ty, &root)?;
    serde_json::to_vec(&json).map_err(|e| CodecError::Write {
        format: FORMAT,
        path: root,
        message: e.to_string(),
    })
}

fn decode_value(json: &Json, ty: &Type, path: &AttributePath) -> Result<Value, CodecError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    let mismatch = || CodecError::mismatch(path, requirement(ty), Some(describe_json(json)));
    match ty {
        Type::Dynamic => decode_dynamic(json, path),
        // cty converts between primitive types here, as its JSON decoder does.
        Type::String => match json {
            Json::String(s) => Ok(Value::string(s.as_str())),
            Json::Number(n) => Ok(Value::String(n.to_string())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch()),
        },
        Type::Number => {
            let text = match json {
                Json::Number(n) => n.to_string(),
                Json::String(s) => s.clone(),
                _ => return Err(mismatch()),
            };
            Number::parse(&text)
                .map(Value::Number)
                .ok_or(CodecError::InvalidNumber {
                    path: path.clone(),
                    text,
                })
        }
        Type::Bool => match json {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" => Ok(Value::Bool(true)),
            Json::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(mismatch()),
        },
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
            decode_sequence(ty, json.as_array(), path, decode_value, mismatch)
        }
        Type::Map(element) => {
            let entries = json.as_object().ok_or_else(mismatch)?;
            map_entries(entries, element, path, decode_value).map(Value::Map)
        }
        Type::Object(attribute_types) => {
            let entries = json.as_object().ok_or_else(mismatch)?;
            check_supported(path, attribute_types, entries.keys())?;
            attribute_types
                .iter()
                .map(|(name, ty)| {
                    let value = match entries.get(name) {
                        Some(item) => decode_value(item, ty, &path.child_attr(name))?,
                        None => Value::Null,
                    };
                    Ok((name.clone(), value))
                })
                .collect::<Result<BTreeMap<_, _>, CodecError>>()
                .map(Value::Object)
        }
    }
}

/// A dynamic value is `{"value": ..., "type": <type JSON>}`, both keys required and no others.
fn decode_dynamic(json: &Json, path: &AttributePath) -> Result<Value, CodecError> {
    let expected = "a dynamic value ({\"value\": ..., \"type\": ...})";
    let Json::Object(entries) = json else {
        return Err(CodecError::mismatch(
            path,
            expected,
            Some(describe_json(json)),
        ));
    };
    if let Some(key) = entries
        .keys()
        .find(|key| !matches!(key.as_str(), "type" | "value"))
    {
        return Err(CodecError::mismatch(
            path,
            expected,
            Some(format!("key {key:?}")),
        ));
    }
    let (Some(type_json), Some(value_json)) = (entries.get("type"), entries.get("value")) else {
        return Err(CodecError::mismatch(
            path,
            expected,
            Some("a missing \"type\" or \"value\"".to_owned()),
        ));
    };
    let concrete = type_from_json(type_json, path)?;
    let inner = decode_value(value_json, &concrete, path)?;
    Ok(Value::Dynamic(concrete, Box::new(inner)))
}

fn describe_json(json: &Json) -> String {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
    .to_owned()
}

/// cty's JSON: no unknowns, and a dynamic value as `{"value": ..., "type": <type JSON>}`.
impl Encoded for Json {
    fn null() -> Json {
        Json::Null
    }
    fn unknown(path: &AttributePath) -> Result<Json, CodecError> {
        Err(CodecError::NotRepresentableInJson {
            path: path.clone(),
            what: "an unknown value",
        })
    }
    fn number(n: &Number, path: &AttributePath) -> Result<Json, CodecError> {
        encode_number(n, path).map(Json::Number)
    }
    fn map(entries: Vec<(String, Json)>) -> Json {
        Json::Object(entries.into_iter().collect())
    }
    fn dynamic(concrete: &Type, inner: Json) -> Json {
        let mut wrapper = JsonMap::new();
        wrapper.insert("value".to_owned(), inner);
        wrapper.insert("type".to_owned(), type_to_json(concrete));
        Json::Object(wrapper)
    }
}

/// Full-precision decimal text as a JSON number; JSON has no infinity.
fn encode_number(n: &Number, path: &AttributePath) -> Result<serde_json::Number, CodecError> {
    if n.is_infinite() {
        return Err(CodecError::NotRepresentableInJson {
            path: path.clone(),
            what: "an infinite number",
        });
    }
    let text = n.to_string();
    serde_json::Number::from_str(&text).map_err(|_| CodecError::InvalidNumber {
        path: path.clone(),
        text,
    })
}
