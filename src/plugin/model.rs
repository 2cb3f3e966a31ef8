//! Typed models: a resource's shape is a plain Rust struct, and its
//! attributes are declared once, as [`Fields`] — each one an attribute (or
//! nested block) schema paired with the struct field it reads and writes.
//! The schema, the reading of a configuration, plan or state into the
//! struct, and the writing of a state from it all come from that one list,
//! so an attribute's name is written once, next to its schema. A struct
//! implementing [`NestedModel`] is the value of a nested object or block.
//! Each field also records the struct field it reads, so a test can hold a
//! model 1:1 against the fields that declare it (`check_one_to_one`).
//!
//! Declarative rather than a derive: the schema of a field differs between
//! a resource and its data source, and between families (a kind-dependent
//! name, fields only one kind has), which runtime lists say plainly and a
//! derive's attributes would not. The [`field!`](crate::field) macro only
//! names the struct field, checked by the compiler.
//!
//! Reading is lenient, as Terraform's values may be partial: null and
//! unknown read as the field's empty value (`None`, `""`, empty). Plan-time
//! code that must tell unknown from null reads the raw [`Value`], by the
//! name [`field_name!`](crate::field_name) checks.

use std::collections::{BTreeMap, BTreeSet};

use super::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Validator};
use super::value::{Type, Value};

/// A Rust type that stands for one Terraform attribute value.
pub trait AttrValue: Sized {
    /// The Terraform type, for an attribute declared without one.
    fn terraform_type() -> Type;
    /// The value to record.
    fn to_value(&self) -> Value;
    /// Reads a value; null and unknown give the empty value.
    fn from_value(value: &Value) -> Self;
}

impl AttrValue for String {
    fn terraform_type() -> Type {
        Type::String
    }
    fn to_value(&self) -> Value {
        Value::string(self)
    }
    fn from_value(value: &Value) -> Self {
        value.as_str().unwrap_or_default().to_string()
    }
}

impl AttrValue for bool {
    fn terraform_type() -> Type {
        Type::Bool
    }
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_value(value: &Value) -> Self {
        value.as_bool().unwrap_or_default()
    }
}

/// Null (or unknown) is `None`.
impl<T: AttrValue> AttrValue for Option<T> {
    fn terraform_type() -> Type {
        T::terraform_type()
    }
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
    fn from_value(value: &Value) -> Self {
        (!value.is_null() && !value.is_unknown()).then(|| T::from_value(value))
    }
}

/// A `map(string)`.
impl AttrValue for BTreeMap<String, String> {
    fn terraform_type() -> Type {
        Type::map(Type::String)
    }
    fn to_value(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::string(v)))
                .collect(),
        )
    }
    fn from_value(value: &Value) -> Self {
        match value {
            Value::Map(items) => items
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

/// The wholly known elements of a list or set; none of null or unknown.
fn known_elements(value: &Value) -> impl Iterator<Item = &Value> {
    let items = match value {
        Value::List(items) | Value::Set(items) => items.as_slice(),
        _ => &[],
    };
    items.iter().filter(|item| item.is_wholly_known())
}

/// A set (of strings, or of nested objects for a set block).
impl<T: AttrValue + Ord> AttrValue for BTreeSet<T> {
    fn terraform_type() -> Type {
        Type::set(T::terraform_type())
    }
    fn to_value(&self) -> Value {
        Value::Set(self.iter().map(T::to_value).collect())
    }
    fn from_value(value: &Value) -> Self {
        known_elements(value).map(T::from_value).collect()
    }
}

/// A list (of strings, say), in the configuration's order.
impl<T: AttrValue> AttrValue for Vec<T> {
    fn terraform_type() -> Type {
        Type::List(Box::new(T::terraform_type()))
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(T::to_value).collect())
    }
    fn from_value(value: &Value) -> Self {
        known_elements(value).map(T::from_value).collect()
    }
}

/// A value kept as Terraform sent it (a `timeouts` block, say). Its type
/// comes from the schema it is declared with.
impl AttrValue for Value {
    fn terraform_type() -> Type {
        Type::Dynamic
    }
    fn to_value(&self) -> Value {
        self.clone()
    }
    fn from_value(value: &Value) -> Self {
        value.clone()
    }
}

/// A struct that is the value of a nested object or block, with its
/// [`Fields`]: implementing it makes the struct an [`AttrValue`] (an
/// object).
pub trait NestedModel: Default {
    /// The object's attributes.
    fn fields() -> Fields<Self>;
}

impl<T: NestedModel> AttrValue for T {
    fn terraform_type() -> Type {
        T::fields().object_type()
    }
    fn to_value(&self) -> Value {
        T::fields().write(self)
    }
    fn from_value(value: &Value) -> Self {
        T::fields().read(value)
    }
}

/// Where a field sits in the schema.
enum Slot {
    Attribute(Attribute),
    Block(NestedBlock),
    /// An attribute of a resource identity.
    Identity(IdentityAttribute),
}

/// One attribute or nested block of a model `M`: its schema, and how it is
/// read from and written to `M`.
pub struct Field<M> {
    slot: Slot,
    /// The struct field it reads and writes.
    member: &'static str,
    get: fn(&M) -> Value,
    set: fn(&mut M, &Value),
}

/// A struct field of `M` named for the schema, before its schema is given:
/// what [`field!`](crate::field) makes.
pub struct Accessor<M> {
    name: &'static str,
    member: &'static str,
    ty: Type,
    get: fn(&M) -> Value,
    set: fn(&mut M, &Value),
}

/// `field!(Model, name)`: the field `name` of `Model`, as the attribute
/// `name`. Follow it with the schema: `.computed("…")`, `.optional("…")`,
/// `.attribute(…)` or `.block(…)`.
#[macro_export]
macro_rules! field {
    ($model:ty, $field:ident) => {
        $crate::plugin::model::Accessor::<$model>::new(
            stringify!($field),
            $crate::plugin::model::type_of(|m: &$model| &m.$field),
            |m| $crate::plugin::model::AttrValue::to_value(&m.$field),
            |m, v| m.$field = $crate::plugin::model::AttrValue::from_value(v),
        )
    };
}

/// `field_name!(Model, name)`: `"name"`, checked to be a field of `Model`,
/// for the plan-time code that reads raw values.
#[macro_export]
macro_rules! field_name {
    ($model:ty, $field:ident) => {{
        let _ = |m: &$model| {
            let _ = &m.$field;
        };
        stringify!($field)
    }};
}

/// The Terraform type of the field a getter returns.
pub fn type_of<M, T: AttrValue>(_field: fn(&M) -> &T) -> Type {
    T::terraform_type()
}

impl<M> Accessor<M> {
    /// Used by [`field!`](crate::field).
    pub fn new(
        name: &'static str,
        ty: Type,
        get: fn(&M) -> Value,
        set: fn(&mut M, &Value),
    ) -> Self {
        Self {
            name,
            member: name,
            ty,
            get,
            set,
        }
    }

    /// Uses another attribute name (one that differs by kind).
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    fn with(self, slot: Slot) -> Field<M> {
        Field {
            slot,
            member: self.member,
            get: self.get,
            set: self.set,
        }
    }

    fn attribute_of(self, build: fn(&str, Type, &str) -> Attribute, description: &str) -> Field<M> {
        let attribute = build(self.name, self.ty.clone(), description);
        self.with(Slot::Attribute(attribute))
    }

    /// A required attribute of the field's type.
    pub fn required(self, description: &str) -> Field<M> {
        self.attribute_of(Attribute::required, description)
    }

    /// An optional attribute of the field's type.
    pub fn optional(self, description: &str) -> Field<M> {
        self.attribute_of(Attribute::optional, description)
    }

    /// A computed attribute of the field's type.
    pub fn computed(self, description: &str) -> Field<M> {
        self.attribute_of(Attribute::computed, description)
    }

    /// An optional attribute the provider fills in when unset.
    pub fn optional_computed(self, description: &str) -> Field<M> {
        self.attribute_of(Attribute::optional_computed, description)
    }

    /// An identity attribute every `import { identity = ... }` must give.
    pub fn required_for_import(self, description: &str) -> Field<M> {
        let attribute =
            IdentityAttribute::required_for_import(self.name, self.ty.clone(), description);
        self.with(Slot::Identity(attribute))
    }

    /// An identity attribute an import may leave out (it arrives null).
    pub fn optional_for_import(self, description: &str) -> Field<M> {
        let attribute =
            IdentityAttribute::optional_for_import(self.name, self.ty.clone(), description);
        self.with(Slot::Identity(attribute))
    }

    /// An attribute built elsewhere (shared, like `tags`), under this name.
    pub fn attribute(self, mut attribute: Attribute) -> Field<M> {
        attribute.name = self.name.to_string();
        self.with(Slot::Attribute(attribute))
    }

    /// A nested block, built for this name.
    pub fn block(self, block: impl FnOnce(&str) -> NestedBlock) -> Field<M> {
        let block = block(self.name);
        self.with(Slot::Block(block))
    }

    /// Declares another Terraform type than the field's own (a raw
    /// [`Value`] field).
    pub fn typed(mut self, ty: Type) -> Self {
        self.ty = ty;
        self
    }
}

impl<M> Field<M> {
    /// The attribute or block name.
    pub fn name(&self) -> &str {
        match &self.slot {
            Slot::Attribute(attribute) => &attribute.name,
            Slot::Block(block) => &block.name,
            Slot::Identity(attribute) => &attribute.name,
        }
    }

    fn map_attribute(mut self, f: impl FnOnce(Attribute) -> Attribute) -> Self {
        if let Slot::Attribute(attribute) = self.slot {
            self.slot = Slot::Attribute(f(attribute));
        }
        self
    }

    /// Makes a change replace the object.
    pub fn requires_replace(self) -> Self {
        match self.slot {
            Slot::Block(block) => Self {
                slot: Slot::Block(block.requires_replace()),
                ..self
            },
            Slot::Attribute(_) | Slot::Identity(_) => {
                self.map_attribute(Attribute::requires_replace)
            }
        }
    }

    /// Keeps the prior value in plans instead of "known after apply".
    pub fn use_state_for_unknown(self) -> Self {
        self.map_attribute(Attribute::use_state_for_unknown)
    }

    /// Adds a validator to the attribute.
    pub fn validate(self, validator: Validator) -> Self {
        self.map_attribute(|attribute| attribute.validate(validator))
    }

    /// Adds validators to the attribute, in order.
    pub fn validate_all(self, validators: impl IntoIterator<Item = Validator>) -> Self {
        validators.into_iter().fold(self, Self::validate)
    }
}

/// The attributes and blocks of a model, in name order.
pub struct Fields<M> {
    fields: Vec<Field<M>>,
}

impl<M: Default> Fields<M> {
    /// The fields, sorted by name (the order of schemas and docs).
    pub fn new(fields: impl IntoIterator<Item = Field<M>>) -> Self {
        let mut fields: Vec<_> = fields.into_iter().collect();
        fields.sort_by(|a, b| a.name().cmp(b.name()));
        Self { fields }
    }

    /// Adds more fields (a kind's own), keeping the order.
    pub fn with(self, more: impl IntoIterator<Item = Field<M>>) -> Self {
        Self::new(self.fields.into_iter().chain(more))
    }

    /// Only the fields named `names` (a part of an object, such as what a
    /// list reports of each entry).
    pub fn only(self, names: &[&str]) -> Self {
        let fields = self.fields.into_iter();
        Self::new(fields.filter(|field| names.contains(&field.name())))
    }

    /// Reads a configuration, plan or state.
    pub fn read(&self, value: &Value) -> M {
        let mut model = M::default();
        for field in &self.fields {
            let attribute = value.get_attr(field.name()).unwrap_or(&Value::Null);
            (field.set)(&mut model, attribute);
        }
        model
    }

    /// The object with exactly these attributes and blocks.
    pub fn write(&self, model: &M) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|field| (field.name().to_string(), (field.get)(model)))
                .collect(),
        )
    }

    /// The schema block with these attributes and blocks.
    pub fn block(&self, description: &str) -> Block {
        let mut block = Block::new(description);
        for field in &self.fields {
            match &field.slot {
                Slot::Attribute(attribute) => block.attributes.push(attribute.clone()),
                Slot::Block(nested) => block.blocks.push(nested.clone()),
                Slot::Identity(_) => {}
            }
        }
        block
    }

    /// The identity schema (version 0) of these identity attributes, in
    /// documentation order.
    pub fn identity_schema(&self) -> IdentitySchema {
        let attributes = self.fields.iter().filter_map(|field| match &field.slot {
            Slot::Identity(attribute) => Some(attribute.clone()),
            _ => None,
        });
        IdentitySchema::new(attributes.collect())
    }

    /// The struct fields these fields read and write.
    pub fn members(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|field| field.member)
    }

    /// The object type of a value of these fields.
    pub fn object_type(&self) -> Type {
        self.block("").implied_type()
    }
}

/// The names of the fields of the struct `M`, read from its `Debug` form
/// (Rust has no field reflection): for the tests that hold a model 1:1
/// against the fields that declare it.
#[cfg(test)]
pub(crate) fn struct_members<M: Default + std::fmt::Debug>() -> BTreeSet<String> {
    // `{:#?}` puts each top-level field on its own line, indented by four.
    let debug = format!("{:#?}", M::default());
    debug
        .lines()
        .filter_map(|line| line.strip_prefix("    "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_once(": ").map(|(name, _)| name.to_string()))
        .collect()
}

/// Whether the fields of `M` are exactly the struct fields some of `lists`
/// name: `Ok`, or the fields no list names and the names no field has.
#[cfg(test)]
pub(crate) fn check_one_to_one<M: Default + std::fmt::Debug>(
    lists: &[&Fields<M>],
) -> Result<(), String> {
    let declared: BTreeSet<String> = lists
        .iter()
        .flat_map(|fields| fields.members())
        .map(str::to_string)
        .collect();
    let members = struct_members::<M>();
    if declared == members {
        return Ok(());
    }
    let missing: Vec<_> = members.difference(&declared).collect();
    let unknown: Vec<_> = declared.difference(&members).collect();
    Err(format!(
        "{}: struct fields no schema declares: {missing:?}; declared names that are no struct field: {unknown:?}",
        std::any::type_name::<M>()
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::Nesting;

    #[derive(Debug, Default, PartialEq)]
    struct Thing {
        name: String,
        note: Option<String>,
        enabled: Option<bool>,
        labels: BTreeMap<String, String>,
        parts: BTreeSet<Part>,
        renamed: Option<String>,
    }

    #[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
    struct Part {
        id: String,
    }

    impl NestedModel for Part {
        fn fields() -> Fields<Self> {
            Fields::new([field!(Part, id).required("Part id.")])
        }
    }

    fn fields() -> Fields<Thing> {
        Fields::new([
            field!(Thing, note).optional("A note."),
            field!(Thing, name).required("The name.").requires_replace(),
            field!(Thing, enabled).optional_computed("On?"),
            field!(Thing, labels).computed("Labels."),
            field!(Thing, parts)
                .block(|name| NestedBlock::set(name, Part::fields().block("A part."))),
            field!(Thing, renamed)
                .named("other_name")
                .computed("Renamed."),
        ])
    }

    #[test]
    fn the_schema_comes_from_the_fields_in_name_order() {
        let block = fields().block("A thing.");
        let names: Vec<_> = block.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["enabled", "labels", "name", "note", "other_name"]);
        assert_eq!(block.attributes[1].ty, Type::map(Type::String));
        assert!(block.attributes[2].requires_replace);
        assert_eq!(block.blocks[0].name, "parts");
        assert_eq!(block.blocks[0].nesting, Nesting::Set);
    }

    #[test]
    fn a_model_round_trips_through_its_value() {
        let thing = Thing {
            name: "a".into(),
            note: None,
            enabled: Some(true),
            labels: BTreeMap::from([("k".into(), "v".into())]),
            parts: BTreeSet::from([Part { id: "p".into() }]),
            renamed: Some("r".into()),
        };
        let value = fields().write(&thing);
        assert_eq!(value.get_attr("note"), Some(&Value::Null));
        assert_eq!(value.get_attr("other_name"), Some(&Value::string("r")));
        assert_eq!(fields().read(&value), thing);
    }

    #[test]
    fn unknown_and_missing_values_read_as_empty() {
        let value = Value::object([("note", Value::Unknown), ("name", Value::Unknown)]);
        assert_eq!(fields().read(&value), Thing::default());
    }

    #[test]
    fn a_model_is_held_one_to_one_against_its_fields() {
        assert_eq!(check_one_to_one(&[&fields()]), Ok(()));
        let partial = Fields::new([field!(Thing, name).required("The name.")]);
        let err = check_one_to_one(&[&partial]).unwrap_err();
        assert!(
            err.contains(r#"["enabled", "labels", "note", "parts", "renamed"]"#),
            "{err}"
        );
    }

    #[test]
    fn field_name_is_the_struct_field() {
        assert_eq!(crate::field_name!(Thing, labels), "labels");
    }
}
