//! Resource identity schemas as data: the attributes that pick out one
//! remote object, which Terraform 1.12+ stores beside the state and accepts
//! in `import { identity = {...} }` blocks.

use crate::plugin::value::{Type, Value};

/// Whether an `import` block must give an identity attribute.
///
/// Terraform gives a third meaning to neither flag being set (mandatory,
/// like required): an enum keeps the two meaningful cases only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForImport {
    /// The import block must set it (`required_for_import`).
    Required,
    /// The import block may leave it out; it arrives null and the provider
    /// fills it in (`optional_for_import`).
    Optional,
}

/// One identity attribute.
#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    /// Name, `[a-z0-9_]+`.
    pub name: String,
    /// Value type; Terraform accepts any, the SDKs primitives and lists.
    pub ty: Type,
    /// Whether an import block must set it.
    pub for_import: ForImport,
    /// Markdown description.
    pub description: String,
}

impl IdentityAttribute {
    /// An attribute every identity import must give.
    pub fn required_for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            name: name.to_string(),
            ty,
            for_import: ForImport::Required,
            description: description.to_string(),
        }
    }

    /// An attribute an identity import may leave null.
    pub fn optional_for_import(name: &str, ty: Type, description: &str) -> Self {
        Self {
            for_import: ForImport::Optional,
            ..Self::required_for_import(name, ty, description)
        }
    }
}

/// A resource type's identity schema, versioned apart from its state schema.
#[derive(Debug, Clone)]
pub struct IdentitySchema {
    /// Bump it whenever the attributes change: Terraform cannot decode a
    /// stored identity whose shape changed at the same version.
    pub version: i64,
    /// The attributes, in documentation order.
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    /// A version-0 identity schema.
    pub fn new(attributes: Vec<IdentityAttribute>) -> Self {
        Self {
            version: 0,
            attributes,
        }
    }

    /// The object type an identity value has on the wire.
    pub fn implied_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|attribute| (attribute.name.clone(), attribute.ty.clone())),
        )
    }

    /// `identity` with every attribute present: those it lacks become null,
    /// since Terraform rejects an identity object with a key missing. A
    /// value that is not an object is returned as is, for the encoder to
    /// refuse.
    pub fn complete(&self, identity: Value) -> Value {
        let Value::Object(mut attributes) = identity else {
            return identity;
        };
        for attribute in &self.attributes {
            attributes
                .entry(attribute.name.clone())
                .or_insert(Value::Null);
        }
        Value::Object(attributes)
    }

    /// The required-for-import attributes `identity` leaves null.
    pub fn missing_for_import<'a>(&'a self, identity: &Value) -> Vec<&'a str> {
        self.attributes
            .iter()
            .filter(|attribute| attribute.for_import == ForImport::Required)
            .filter(|attribute| {
                identity
                    .get_attr(&attribute.name)
                    .is_none_or(Value::is_null)
            })
            .map(|attribute| attribute.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema::new(vec![
            IdentityAttribute::optional_for_import("region", Type::String, "Region."),
            IdentityAttribute::required_for_import("name", Type::String, "Name."),
        ])
    }

    #[test]
    fn the_implied_type_is_an_object_of_the_attributes() {
        assert_eq!(
            schema().implied_type(),
            Type::object([("name", Type::String), ("region", Type::String)])
        );
    }

    #[test]
    fn complete_adds_missing_attributes_as_null_and_keeps_the_rest() {
        let completed = schema().complete(Value::object([("name", Value::string("a"))]));
        assert_eq!(
            completed,
            Value::object([("name", Value::string("a")), ("region", Value::Null)])
        );
        assert_eq!(schema().complete(Value::Null), Value::Null);
    }

    #[test]
    fn only_required_attributes_are_missing_for_import() {
        let schema = schema();
        assert_eq!(
            schema.missing_for_import(&Value::object([("region", Value::Null)])),
            ["name"]
        );
        let named = Value::object([("name", Value::string("a")), ("region", Value::Null)]);
        assert!(schema.missing_for_import(&named).is_empty());
    }
}
