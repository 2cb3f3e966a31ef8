//! cty's MessagePack encoding (`cty/msgpack`), the one Terraform always uses for `DynamicValue`.
//!
//! Bytes are parsed into an `rmpv::Value` tree first and then walked against the expected type, so
//! object completeness, unknown placement and number forms stay under our control.

use std::collections::BTreeMap;

use rmpv::Value as Wire;

use super::type_json::type_from_json;
use super::{
    check_object_attributes, decode_sequence, encode_value, requirement, CodecError, Encoded,
};
use crate::plugin::value::{AttributePath, Number, Type, Value};

/// The extension cty writes for an unknown value: fixext1, type 0, payload 0 (`d4 00 00`). Type 12
/// carries refinements, which we never produce: a plain unknown is always a valid answer.
const UNKNOWN_EXT_TYPE: i8 = 0;

const FORMAT: &str = "MessagePack";

/// Decodes cty MessagePack as a value of `ty`. Empty input is null, as Terraform reads it.
/// Deepest nesting accepted on input. Terraform's values nest as deep as the
/// schema's types (a handful of levels here); hostile or corrupt input nested
/// thousands deep would otherwise exhaust the stack in the recursive reader.
const MAX_NESTING: usize = 64;

pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let root = AttributePath::root();
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut reader = bytes;
    let wire = rmpv::decode::read_value_with_max_depth(&mut reader, MAX_NESTING).map_err(|e| {
        CodecError::Malformed {
            format: FORMAT,
            path: root.clone(),
            message: e.to_string(),
        }
    })?;
    if !reader.is_empty() {
        return Err(CodecError::Malformed {
            format: FORMAT,
            path: root,
            message: format!("{} unexpected bytes after the value", reader.len()),
        });
    }
    decode_value(&wire, ty, &root)
}

/// Encodes `value` as cty MessagePack for `ty`, checking that it conforms to `ty`.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let root = AttributePath::root();
    let wire = encode_value::<Wire>(value, ty, &root)?;
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, &wire).map_err(|e| CodecError::Write {
        format: FORMAT,
        path: root,
        message: e.to_string(),
    })?;
    Ok(bytes)
}

/// The msgpack extension code of a refined unknown (Terraform's object wire format).
const REFINED_UNKNOWN: i8 = 12;

fn decode_value(wire: &Wire, ty: &Type, path: &AttributePath) -> Result<Value, CodecError> {
    // Any extension is an unknown, whatever its code: ext 12 is a refined unknown, and cty treats
    // every other code the same way. This comes before the null and dynamic checks, as in cty.
    if let Wire::Ext(code, payload) = wire {
        if *code == REFINED_UNKNOWN && payload.len() > 1 {
            // Terraform 1.6+ refines unknowns (a string prefix, not-null, bounds); we keep
            // none of it, which the protocol allows. Traced so a test can see it arrive.
            tracing::trace!(path = %path, refinements = payload.len(), "refined unknown received");
        }
        return Ok(Value::Unknown);
    }
    if *ty == Type::Dynamic {
        return decode_dynamic(wire, path);
    }
    if wire.is_nil() {
        return Ok(Value::Null);
    }
    let mismatch = || CodecError::mismatch(path, requirement(ty), Some(describe_wire(wire)));
    match ty {
        Type::String => match wire {
            Wire::String(s) => s.as_str().map(Value::string).ok_or_else(|| {
                CodecError::mismatch(path, "a string", Some("invalid UTF-8".to_owned()))
            }),
            Wire::Binary(b) => std::str::from_utf8(b).map(Value::string).map_err(|_| {
                CodecError::mismatch(path, "a string", Some("invalid UTF-8".to_owned()))
            }),
            _ => Err(mismatch()),
        },
        Type::Number => decode_number(wire, path).map(Value::Number),
        Type::Bool => match wire {
            Wire::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(mismatch()),
        },
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => {
            decode_sequence(ty, wire.as_array(), path, decode_value, mismatch)
        }
        Type::Map(element) => {
            let entries = wire.as_map().ok_or_else(mismatch)?;
            let mut map = BTreeMap::new();
            for (key, item) in entries {
                let key = wire_key(key, path)?;
                let value = decode_value(item, element, &path.child_key(key))?;
                map.insert(key.to_owned(), value);
            }
            Ok(Value::Map(map))
        }
        Type::Object(attribute_types) => {
            let entries = wire.as_map().ok_or_else(mismatch)?;
            // cty requires every attribute to be present, nulls included.
            if entries.len() != attribute_types.len() {
                return Err(CodecError::ObjectAttributeCount {
                    path: path.clone(),
                    expected: attribute_types.len(),
                    given: entries.len(),
                });
            }
            let mut attributes = BTreeMap::new();
            for (key, item) in entries {
                let name = wire_key(key, path)?;
                let Some(attribute_type) = attribute_types.get(name) else {
                    return Err(CodecError::UnsupportedAttribute {
                        path: path.clone(),
                        name: name.to_owned(),
                    });
                };
                let value = decode_value(item, attribute_type, &path.child_attr(name))?;
                attributes.insert(name.to_owned(), value);
            }
            // The count matched and every key is supported, so a missing attribute means a
            // duplicated key took its place.
            check_object_attributes(path, attribute_types, &attributes)?;
            Ok(Value::Object(attributes))
        }
        Type::Dynamic => decode_dynamic(wire, path),
    }
}

/// cty writes a number as an int or float64 when that is exact, else as decimal text; all three
/// (and uint64, float32) are accepted.
fn decode_number(wire: &Wire, path: &AttributePath) -> Result<Number, CodecError> {
    let invalid = |text: String| CodecError::InvalidNumber {
        path: path.clone(),
        text,
    };
    match wire {
        Wire::Integer(i) => i
            .as_i64()
            .map(Number::from_i64)
            .or_else(|| i.as_u64().map(Number::from_u64))
            .ok_or_else(|| invalid(i.to_string())),
        Wire::F32(f) => Number::from_f64(f64::from(*f)).ok_or_else(|| invalid(f.to_string())),
        Wire::F64(f) => Number::from_f64(*f).ok_or_else(|| invalid(f.to_string())),
        Wire::String(s) => match s.as_str() {
            Some(text) => Number::parse(text).ok_or_else(|| invalid(text.to_owned())),
            None => Err(invalid("invalid UTF-8".to_owned())),
        },
        other => Err(CodecError::mismatch(
            path,
            "a number",
            Some(describe_wire(other)),
        )),
    }
}

/// A dynamic value is `[type JSON, value]`; cty writes the type JSON as bin, and str is accepted.
fn decode_dynamic(wire: &Wire, path: &AttributePath) -> Result<Value, CodecError> {
    let expected = "a dynamic value ([type JSON, value])";
    let items = match wire {
        Wire::Nil => return Ok(Value::Null),
        Wire::Array(items) if items.len() == 2 => items,
        other => {
            return Err(CodecError::mismatch(
                path,
                expected,
                Some(describe_wire(other)),
            ))
        }
    };
    let type_json = match &items[0] {
        Wire::Binary(bytes) => bytes.as_slice(),
        Wire::String(s) => s.as_bytes(),
        other => {
            return Err(CodecError::mismatch(
                path,
                "type JSON as the first element of a dynamic value",
                Some(describe_wire(other)),
            ))
        }
    };
    let json = serde_json::from_slice(type_json).map_err(|e| CodecError::InvalidTypeJson {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let concrete = type_from_json(&json, path)?;
    let inner = decode_value(&items[1], &concrete, path)?;
    Ok(Value::Dynamic(concrete, Box::new(inner)))
}

fn wire_key<'a>(key: &'a Wire, path: &AttributePath) -> Result<&'a str, CodecError> {
    match key {
        Wire::String(s) => s.as_str().ok_or_else(|| {
            CodecError::mismatch(
                path,
                "string keys",
                Some("a key that is invalid UTF-8".to_owned()),
            )
        }),
        other => Err(CodecError::mismatch(
            path,
            "string keys",
            Some(format!("a key that is {}", describe_wire(other))),
        )),
    }
}

fn describe_wire(wire: &Wire) -> String {
    match wire {
        Wire::Nil => "nil",
        Wire::Boolean(_) => "a bool",
        Wire::Integer(_) => "an integer",
        Wire::F32(_) | Wire::F64(_) => "a float",
        Wire::String(_) => "a string",
        Wire::Binary(_) => "binary data",
        Wire::Array(_) => "an array",
        Wire::Map(_) => "a map",
        Wire::Ext(..) => "an extension value",
    }
    .to_owned()
}

/// cty's MessagePack: an unknown is an extension value, and a dynamic value is
/// `[type JSON, value]`.
impl Encoded for Wire {
    fn null() -> Wire {
        Wire::Nil
    }
    fn unknown(_path: &AttributePath) -> Result<Wire, CodecError> {
        Ok(Wire::Ext(UNKNOWN_EXT_TYPE, vec![0]))
    }
    fn number(n: &Number, _path: &AttributePath) -> Result<Wire, CodecError> {
        Ok(encode_number(n))
    }
    fn map(entries: Vec<(String, Wire)>) -> Wire {
        Wire::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Wire::from(k), v))
                .collect(),
        )
    }
    fn dynamic(concrete: &Type, inner: Wire) -> Wire {
        Wire::Array(vec![Wire::Binary(concrete.to_json()), inner])
    }
}

/// As cty: an integer when exact, else a float64 when exact (infinities included), else the
/// decimal text, which cty parses back without loss.
fn encode_number(n: &Number) -> Wire {
    if let Some(i) = n.to_i64() {
        Wire::from(i)
    } else if let Some(u) = n.to_u64() {
        Wire::from(u)
    } else if let Some(f) = n.to_exact_f64() {
        Wire::F64(f)
    } else {
        Wire::from(n.to_string())
    }
}
