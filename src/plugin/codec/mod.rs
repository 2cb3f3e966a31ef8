//! `DynamicValue` codecs: cty's MessagePack and JSON encodings of [`Value`]s, and cty's type JSON.
//!
//! Both encodings are driven by the expected [`Type`], exactly as cty's are: the bytes alone do not
//! say whether a map is an object or a map, or a string a number. Every error names the
//! [`AttributePath`] where it happened.

use std::collections::BTreeMap;
use std::fmt;

use crate::plugin::value::{AttributePath, Number, Type, Value};

mod json;
mod msgpack;
mod type_json;

pub use json::{decode_json, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};

/// Why bytes could not be decoded into a value, or a value could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not well-formed MessagePack / JSON at all.
    #[error("{}malformed {format}: {message}", Location(path))]
    Malformed {
        format: &'static str,
        path: AttributePath,
        message: String,
    },
    /// The value found (or given, when encoding) is not of the kind the type requires.
    #[error("{}{expected} is required{}", Location(path), Found(found))]
    TypeMismatch {
        path: AttributePath,
        /// What the type requires, e.g. "a list" or "number".
        expected: String,
        /// What was there instead, when worth saying.
        found: Option<String>,
    },
    /// A MessagePack object must carry exactly one entry per attribute of its type.
    #[error(
        "{}an object with {expected} attributes is required ({given} given)",
        Location(path)
    )]
    ObjectAttributeCount {
        path: AttributePath,
        expected: usize,
        given: usize,
    },
    /// An object carries an attribute its type does not have.
    #[error("{}unsupported attribute {name:?}", Location(path))]
    UnsupportedAttribute { path: AttributePath, name: String },
    /// An object lacks an attribute its type has (encoding, or duplicate keys on decoding).
    #[error("{}missing attribute {name:?}", Location(path))]
    MissingAttribute { path: AttributePath, name: String },
    /// A tuple with the wrong number of elements.
    #[error(
        "{}a tuple of length {expected} is required ({given} given)",
        Location(path)
    )]
    TupleLength {
        path: AttributePath,
        expected: usize,
        given: usize,
    },
    /// A number that cty cannot hold (NaN) or text that is not a number.
    #[error(
        "{}a number is required ({text:?} is not a valid number)",
        Location(path)
    )]
    InvalidNumber { path: AttributePath, text: String },
    /// JSON has no way to write an unknown value (or infinity).
    #[error("{}{what} cannot be represented in JSON", Location(path))]
    NotRepresentableInJson {
        path: AttributePath,
        what: &'static str,
    },
    /// Invalid cty type JSON, either standalone or inside a dynamic value.
    #[error("{}invalid type description: {message}", Location(path))]
    InvalidTypeJson {
        path: AttributePath,
        message: String,
    },
    /// Writing the encoded bytes failed (only possible through allocation failure in practice).
    #[error("{}cannot write {format}: {message}", Location(path))]
    Write {
        format: &'static str,
        path: AttributePath,
        message: String,
    },
}

impl CodecError {
    /// Where in the value the problem is (the root for whole-document problems).
    pub fn path(&self) -> &AttributePath {
        match self {
            CodecError::Malformed { path, .. }
            | CodecError::TypeMismatch { path, .. }
            | CodecError::ObjectAttributeCount { path, .. }
            | CodecError::UnsupportedAttribute { path, .. }
            | CodecError::MissingAttribute { path, .. }
            | CodecError::TupleLength { path, .. }
            | CodecError::InvalidNumber { path, .. }
            | CodecError::NotRepresentableInJson { path, .. }
            | CodecError::InvalidTypeJson { path, .. }
            | CodecError::Write { path, .. } => path,
        }
    }

    pub(crate) fn mismatch(
        path: &AttributePath,
        expected: impl Into<String>,
        found: Option<String>,
    ) -> Self {
        CodecError::TypeMismatch {
            path: path.clone(),
            expected: expected.into(),
            found,
        }
    }
}

/// Formats "at PATH: " before a message, or nothing at the root.
struct Location<'a>(&'a AttributePath);

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_root() {
            Ok(())
        } else {
            write!(f, "at {}: ", self.0)
        }
    }
}

struct Found<'a>(&'a Option<String>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(found) => write!(f, " (found {found})"),
            None => Ok(()),
        }
    }
}

/// What a type requires, phrased for "… is required" messages, as cty phrases them.
pub(crate) fn requirement(ty: &Type) -> String {
    match ty {
        Type::String => "a string".to_owned(),
        Type::Number => "a number".to_owned(),
        Type::Bool => "a bool".to_owned(),
        Type::Dynamic => "a value with its type (Value::Dynamic)".to_owned(),
        Type::List(_) => "a list".to_owned(),
        Type::Set(_) => "a set".to_owned(),
        Type::Map(_) => "a map".to_owned(),
        Type::Object(_) => "an object".to_owned(),
        Type::Tuple(_) => "a tuple".to_owned(),
    }
}

/// A short description of a value's kind, for mismatch messages.
pub(crate) fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Unknown => "an unknown value".to_owned(),
        Value::Bool(_) => "a bool".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::List(_) => "a list".to_owned(),
        Value::Set(_) => "a set".to_owned(),
        Value::Tuple(_) => "a tuple".to_owned(),
        Value::Map(_) => "a map".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        Value::Dynamic(ty, _) => format!("a dynamic value of type {}", ty.friendly_name()),
    }
}

/// The attribute-path step for an element of a list, set or tuple. Set elements have no real key;
/// their position in the encoded array is still the most useful thing to report.
pub(crate) fn index_step(path: &AttributePath, index: usize) -> AttributePath {
    path.child_index(i64::try_from(index).unwrap_or(i64::MAX))
}

/// Decodes a list, set or tuple of type `ty` from `items`, the format's array if it found one
/// (both wire formats carry them as an array), with the format's own `decode` for each item;
/// `mismatch()` when there is no array or `ty` is not one of those.
pub(crate) fn decode_sequence<W>(
    ty: &Type,
    items: Option<&Vec<W>>,
    path: &AttributePath,
    decode: impl Fn(&W, &Type, &AttributePath) -> Result<Value, CodecError>,
    mismatch: impl FnOnce() -> CodecError,
) -> Result<Value, CodecError> {
    let Some(items) = items else {
        return Err(mismatch());
    };
    let elements = |element: &Type| -> Result<Vec<Value>, CodecError> {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| decode(item, element, &index_step(path, i)))
            .collect()
    };
    match ty {
        Type::List(element) => elements(element).map(Value::List),
        Type::Set(element) => elements(element)
            .map(|items| Value::Set(crate::plugin::value::dedup_set_elements(items))),
        Type::Tuple(element_types) if items.len() != element_types.len() => {
            Err(CodecError::TupleLength {
                path: path.clone(),
                expected: element_types.len(),
                given: items.len(),
            })
        }
        Type::Tuple(element_types) => items
            .iter()
            .zip(element_types)
            .enumerate()
            .map(|(i, (item, ty))| decode(item, ty, &index_step(path, i)))
            .collect::<Result<_, _>>()
            .map(Value::Tuple),
        _ => Err(mismatch()),
    }
}

/// Encodes the items of a list, set or tuple `value` of type `ty` with the format's own
/// `encode` for each item, for the format to wrap in its array; `None` when `value` and `ty`
/// are not such a pair. Equal known set elements are one element in cty, so a set is written
/// with its distinct elements only.
fn encode_sequence<W>(
    value: &Value,
    ty: &Type,
    path: &AttributePath,
    encode: impl Fn(&Value, &Type, &AttributePath) -> Result<W, CodecError>,
) -> Option<Result<Vec<W>, CodecError>> {
    let elements = |items: Vec<&Value>, element: &Type| -> Result<Vec<W>, CodecError> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| encode(item, element, &index_step(path, i)))
            .collect()
    };
    Some(match (value, ty) {
        (Value::List(items), Type::List(element)) => elements(items.iter().collect(), element),
        (Value::Set(items), Type::Set(element)) => {
            elements(crate::plugin::value::distinct_set_elements(items), element)
        }
        (Value::Tuple(items), Type::Tuple(element_types)) if items.len() != element_types.len() => {
            Err(CodecError::TupleLength {
                path: path.clone(),
                expected: element_types.len(),
                given: items.len(),
            })
        }
        (Value::Tuple(items), Type::Tuple(element_types)) => items
            .iter()
            .zip(element_types)
            .enumerate()
            .map(|(i, (item, ty))| encode(item, ty, &index_step(path, i)))
            .collect(),
        _ => return None,
    })
}

/// Fails on the first of `names` that the object type has no attribute for.
pub(crate) fn check_supported<'a>(
    path: &AttributePath,
    attribute_types: &BTreeMap<String, Type>,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), CodecError> {
    match first_absent(names, attribute_types) {
        Some(name) => Err(CodecError::UnsupportedAttribute {
            path: path.clone(),
            name,
        }),
        None => Ok(()),
    }
}

/// Checks that an object value has exactly the attributes of its type.
pub(crate) fn check_object_attributes(
    path: &AttributePath,
    attribute_types: &BTreeMap<String, Type>,
    attributes: &BTreeMap<String, Value>,
) -> Result<(), CodecError> {
    check_supported(path, attribute_types, attributes.keys())?;
    match first_absent(attribute_types.keys(), attributes) {
        Some(name) => Err(CodecError::MissingAttribute {
            path: path.clone(),
            name,
        }),
        None => Ok(()),
    }
}

/// The first of `names` that `map` has no entry for.
fn first_absent<'a, V>(
    names: impl IntoIterator<Item = &'a String>,
    map: &BTreeMap<String, V>,
) -> Option<String> {
    names
        .into_iter()
        .find(|name| !map.contains_key(*name))
        .cloned()
}

/// Decodes or encodes each entry of a map with `code` (the element type, the entry's path),
/// keeping the keys.
pub(crate) fn map_entries<'a, A: 'a, B, C: FromIterator<(String, B)>>(
    entries: impl IntoIterator<Item = (&'a String, &'a A)>,
    element: &Type,
    path: &AttributePath,
    code: impl Fn(&A, &Type, &AttributePath) -> Result<B, CodecError>,
) -> Result<C, CodecError> {
    entries
        .into_iter()
        .map(|(key, item)| Ok((key.clone(), code(item, element, &path.child_key(key))?)))
        .collect()
}

/// A wire format's value tree, as [`encode_value`] builds it: that walk checks a value against
/// its type once for both formats, and the tree says only how each piece is written. Strings,
/// bools and arrays (of a list, set or tuple) convert into it.
pub(crate) trait Encoded:
    Sized + for<'s> From<&'s str> + From<bool> + From<Vec<Self>>
{
    fn null() -> Self;
    /// An unknown value, where the format can carry one.
    fn unknown(path: &AttributePath) -> Result<Self, CodecError>;
    fn number(n: &Number, path: &AttributePath) -> Result<Self, CodecError>;
    /// The entries of a map or the attributes of an object, in order.
    fn map(entries: Vec<(String, Self)>) -> Self;
    /// A value of type `concrete` (already written as `inner`) where the type is dynamic.
    fn dynamic(concrete: &Type, inner: Self) -> Self;
}

/// Encodes `value` for `ty` as the format's tree `E`, checking that it conforms to `ty`.
pub(crate) fn encode_value<E: Encoded>(
    value: &Value,
    ty: &Type,
    path: &AttributePath,
) -> Result<E, CodecError> {
    let mismatch = || CodecError::mismatch(path, requirement(ty), Some(describe_value(value)));
    let encode = encode_value::<E>;
    Ok(match (value, ty) {
        (Value::Null, _) => E::null(),
        (Value::Unknown, _) => E::unknown(path)?,
        (Value::Dynamic(concrete, inner), Type::Dynamic) => {
            E::dynamic(concrete, encode(inner, concrete, path)?)
        }
        (_, Type::Dynamic) => return Err(mismatch()),
        // A wrapper that states exactly the expected type adds nothing: write what it wraps.
        (Value::Dynamic(concrete, inner), _) if concrete == ty => encode(inner, ty, path)?,
        (Value::String(s), Type::String) => E::from(s.as_str()),
        (Value::Number(n), Type::Number) => E::number(n, path)?,
        (Value::Bool(b), Type::Bool) => E::from(*b),
        (Value::List(_), Type::List(_))
        | (Value::Set(_), Type::Set(_))
        | (Value::Tuple(_), Type::Tuple(_)) => {
            E::from(encode_sequence(value, ty, path, encode).unwrap_or_else(|| Err(mismatch()))?)
        }
        (Value::Map(entries), Type::Map(element)) => {
            E::map(map_entries(entries, element, path, encode)?)
        }
        (Value::Object(attributes), Type::Object(attribute_types)) => {
            check_object_attributes(path, attribute_types, attributes)?;
            E::map(
                attributes
                    .iter()
                    .zip(attribute_types.values())
                    .map(|((name, item), ty)| {
                        Ok((name.clone(), encode(item, ty, &path.child_attr(name))?))
                    })
                    .collect::<Result<_, CodecError>>()?,
            )
        }
        _ => return Err(mismatch()),
    })
}
