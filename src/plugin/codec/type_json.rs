//! cty's JSON description of types (`cty.Type.MarshalJSON`), used for schema attribute types and
//! inside dynamic values: `"string"`, `["list","string"]`, `["object",{"a":"string"}]`,
//! `["tuple",["bool"]]`, `"dynamic"`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::CodecError;
use crate::plugin::value::{AttributePath, Type};

impl Type {
    /// The compact cty type JSON for this type. Object attributes come out sorted, as cty's do.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing a serde_json::Value into a Vec cannot fail (no maps with non-string keys).
        serde_json::to_vec(&type_to_json(self)).unwrap_or_default()
    }

    /// Parses cty type JSON. The optional-attributes list that newer Terraform appends to
    /// `["object",{...},["attr"]]` is accepted and ignored: it only matters to Terraform's config
    /// decoding, never to the wire encoding of values.
    pub fn from_json(bytes: &[u8]) -> Result<Type, CodecError> {
        let root = AttributePath::root();
        let json: Json =
            serde_json::from_slice(bytes).map_err(|e| CodecError::InvalidTypeJson {
                path: root.clone(),
                message: e.to_string(),
            })?;
        type_from_json(&json, &root)
    }
}

pub(crate) fn type_to_json(ty: &Type) -> Json {
    let tagged = |kind: &str, inner: Json| Json::Array(vec![Json::String(kind.to_owned()), inner]);
    match ty {
        Type::String => Json::String("string".to_owned()),
        Type::Number => Json::String("number".to_owned()),
        Type::Bool => Json::String("bool".to_owned()),
        Type::Dynamic => Json::String("dynamic".to_owned()),
        Type::List(element) => tagged("list", type_to_json(element)),
        Type::Set(element) => tagged("set", type_to_json(element)),
        Type::Map(element) => tagged("map", type_to_json(element)),
        Type::Object(attributes) => tagged(
            "object",
            Json::Object(
                attributes
                    .iter()
                    .map(|(name, ty)| (name.clone(), type_to_json(ty)))
                    .collect(),
            ),
        ),
        Type::Tuple(elements) => tagged(
            "tuple",
            Json::Array(elements.iter().map(type_to_json).collect()),
        ),
    }
}

/// `path` is only used to place errors (a type inside a dynamic value).
pub(crate) fn type_from_json(json: &Json, path: &AttributePath) -> Result<Type, CodecError> {
    let invalid = |message: String| CodecError::InvalidTypeJson {
        path: path.clone(),
        message,
    };
    match json {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(invalid(format!("invalid primitive type name {other:?}"))),
        },
        Json::Array(items) => {
            let Some(Json::String(kind)) = items.first() else {
                return Err(invalid("invalid complex type kind name".to_owned()));
            };
            let allowed_len = if kind == "object" { 2..=3 } else { 2..=2 };
            if !allowed_len.contains(&items.len()) {
                return Err(invalid(format!(
                    "unexpected number of elements in {kind:?} type description"
                )));
            }
            let inner = &items[1];
            match kind.as_str() {
                "list" => Ok(Type::List(Box::new(type_from_json(inner, path)?))),
                "set" => Ok(Type::Set(Box::new(type_from_json(inner, path)?))),
                "map" => Ok(Type::Map(Box::new(type_from_json(inner, path)?))),
                "object" => {
                    let Json::Object(attributes) = inner else {
                        return Err(invalid(
                            "object attribute types must be a JSON object".to_owned(),
                        ));
                    };
                    if let Some(optional) = items.get(2) {
                        let names_only = matches!(optional, Json::Array(names) if names.iter().all(Json::is_string));
                        if !names_only {
                            return Err(invalid(
                                "optional attributes must be a list of names".to_owned(),
                            ));
                        }
                    }
                    let attributes = attributes
                        .iter()
                        .map(|(name, ty)| Ok((name.clone(), type_from_json(ty, path)?)))
                        .collect::<Result<BTreeMap<_, _>, CodecError>>()?;
                    Ok(Type::Object(attributes))
                }
                "tuple" => {
                    let Json::Array(elements) = inner else {
                        return Err(invalid(
                            "tuple element types must be a JSON array".to_owned(),
                        ));
                    };
                    let elements = elements
                        .iter()
                        .map(|ty| type_from_json(ty, path))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(Type::Tuple(elements))
                }
                other => Err(invalid(format!("invalid complex type kind name {other:?}"))),
            }
        }
        _ => Err(invalid("a type must be a string or an array".to_owned())),
    }
}
