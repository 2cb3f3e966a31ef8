//! cty's JSON encoding (`cty/json`): used for `UpgradeResourceState.raw_state` and as the
//! `DynamicValue.json` alternative. JSON cannot carry unknown values.
//!
//! serde_json is built with `arbitrary_precision`, so numbers keep every digit both ways.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::{Map as JsonMap, Value as Json};

use super::type_json::{type_from_json, type_to_json};
use super::{
    check_object_attributes, decode_sequence, describe_value, encode_sequence, requirement,
    CodecError,
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
    let json = encode_value(value, ty, &root)?;
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
            let Json::Array(items) = json else {
                return Err(mismatch());
            };
            decode_sequence(ty, items, path, decode_value).unwrap_or_else(|| Err(mismatch()))
        }
        Type::Map(element) => {
            let Json::Object(entries) = json else {
                return Err(mismatch());
            };
            entries
                .iter()
                .map(|(key, item)| {
                    Ok((
                        key.clone(),
                        decode_value(item, element, &path.child_key(key))?,
                    ))
                })
                .collect::<Result<BTreeMap<_, _>, CodecError>>()
                .map(Value::Map)
        }
        Type::Object(attribute_types) => {
            let Json::Object(entries) = json else {
                return Err(mismatch());
            };
            if let Some(name) = entries
                .keys()
                .find(|name| !attribute_types.contains_key(*name))
            {
                return Err(CodecError::UnsupportedAttribute {
                    path: path.clone(),
                    name: name.clone(),
                });
            }
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

fn encode_value(value: &Value, ty: &Type, path: &AttributePath) -> Result<Json, CodecError> {
    let mismatch = || CodecError::mismatch(path, requirement(ty), Some(describe_value(value)));
    Ok(match (value, ty) {
        (Value::Null, _) => Json::Null,
        (Value::Unknown, _) => {
            return Err(CodecError::NotRepresentableInJson {
                path: path.clone(),
                what: "an unknown value",
            })
        }
        (Value::Dynamic(concrete, inner), Type::Dynamic) => {
            let mut wrapper = JsonMap::new();
            wrapper.insert("value".to_owned(), encode_value(inner, concrete, path)?);
            wrapper.insert("type".to_owned(), type_to_json(concrete));
            Json::Object(wrapper)
        }
        (_, Type::Dynamic) => return Err(mismatch()),
        // A wrapper that states exactly the expected type adds nothing: write what it wraps.
        (Value::Dynamic(concrete, inner), _) if concrete == ty => encode_value(inner, ty, path)?,
        (Value::String(s), Type::String) => Json::String(s.clone()),
        (Value::Number(n), Type::Number) => Json::Number(encode_number(n, path)?),
        (Value::Bool(b), Type::Bool) => Json::Bool(*b),
        (Value::List(_), Type::List(_))
        | (Value::Set(_), Type::Set(_))
        | (Value::Tuple(_), Type::Tuple(_)) => Json::Array(
            encode_sequence(value, ty, path, encode_value).unwrap_or_else(|| Err(mismatch()))?,
        ),
        (Value::Map(entries), Type::Map(element)) => Json::Object(
            entries
                .iter()
                .map(|(key, item)| {
                    Ok((
                        key.clone(),
                        encode_value(item, element, &path.child_key(key))?,
                    ))
                })
                .collect::<Result<_, CodecError>>()?,
        ),
        (Value::Object(attributes), Type::Object(attribute_types)) => {
            check_object_attributes(path, attribute_types, attributes)?;
            Json::Object(
                attributes
                    .iter()
                    .zip(attribute_types.values())
                    .map(|((name, item), ty)| {
                        Ok((
                            name.clone(),
                            encode_value(item, ty, &path.child_attr(name))?,
                        ))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        _ => return Err(mismatch()),
    })
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
