//! The cty value model: types, numbers, values and attribute paths.
//!
//! This mirrors what Terraform's cty library can express, so that everything Terraform sends in a
//! `DynamicValue` can be represented exactly and written back unchanged. The wire encodings live in
//! [`crate::plugin::codec`].

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{ToPrimitive, Zero};
use bigdecimal::BigDecimal;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    String,
    Number,
    Bool,
    /// cty's `DynamicPseudoType`: the concrete type travels with each known value.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    /// `list(element)`.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// `set(element)`.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// `map(element)`.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// `object({name = type, ...})`.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Type)>) -> Type {
        Type::Object(named(attributes))
    }

    /// A short human-readable name, as used in error messages ("list of string").
    pub fn friendly_name(&self) -> String {
        match self {
            Type::String => "string".to_owned(),
            Type::Number => "number".to_owned(),
            Type::Bool => "bool".to_owned(),
            Type::Dynamic => "dynamic".to_owned(),
            Type::List(e) => format!("list of {}", e.friendly_name()),
            Type::Set(e) => format!("set of {}", e.friendly_name()),
            Type::Map(e) => format!("map of {}", e.friendly_name()),
            Type::Object(_) => "object".to_owned(),
            Type::Tuple(_) => "tuple".to_owned(),
        }
    }
}

/// Decimal exponents beyond this magnitude are refused by [`Number::parse`]: such a number would
/// take megabytes to print in plain notation (which cty's encoders use), so it can only be an
/// attack or a bug.
const MAX_DECIMAL_EXPONENT: i64 = 100_000;

/// An arbitrary-precision cty number: an exact decimal, or +/-infinity (which cty allows).
///
/// Equality, ordering and hashing are by numeric value, so `1` equals `1.0`. Conversions from `f64`
/// are exact (0.1f64 becomes 0.1000000000000000055511151231257827021181583404541015625), as cty's
/// are; that is what lets a float64 Terraform sent be written back as the same float64.
#[derive(Debug, Clone)]
pub struct Number(NumberRepr);

#[derive(Debug, Clone)]
enum NumberRepr {
    NegativeInfinity,
    /// Always normalized (no trailing zeros in the digits), so structural equality is numeric.
    Finite(BigDecimal),
    PositiveInfinity,
}

impl Number {
    pub fn from_i64(i: i64) -> Self {
        Self::finite(BigDecimal::from(i))
    }

    pub fn from_u64(u: u64) -> Self {
        Self::finite(BigDecimal::from(u))
    }

    /// The exact value of `f`; infinities are kept, NaN has no cty counterpart and gives `None`.
    pub fn from_f64(f: f64) -> Option<Self> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(if f > 0.0 {
                Self::positive_infinity()
            } else {
                Self::negative_infinity()
            });
        }
        Some(Self::finite(exact_decimal_of_f64(f)))
    }

    /// Parses a decimal literal such as `-12`, `1.5`, `2e70`, or `+Inf`/`-Inf`/`Infinity`.
    pub fn parse(text: &str) -> Option<Self> {
        let unsigned = text.trim_start_matches(['+', '-']);
        if unsigned.len() + 1 < text.len() {
            return None;
        }
        if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
            return Some(if text.starts_with('-') {
                Self::negative_infinity()
            } else {
                Self::positive_infinity()
            });
        }
        // BigDecimal accepts forms cty does not ("1_000", "0x..."); keep to plain decimal syntax.
        let plain_syntax = unsigned
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
            && unsigned
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        if !plain_syntax {
            return None;
        }
        let decimal = BigDecimal::from_str(text).ok()?;
        let number = Self::finite(decimal);
        match &number.0 {
            NumberRepr::Finite(d) if d.fractional_digit_count().abs() > MAX_DECIMAL_EXPONENT => {
                None
            }
            _ => Some(number),
        }
    }

    pub fn positive_infinity() -> Self {
        Number(NumberRepr::PositiveInfinity)
    }

    pub fn negative_infinity() -> Self {
        Number(NumberRepr::NegativeInfinity)
    }

    pub fn is_infinite(&self) -> bool {
        !matches!(self.0, NumberRepr::Finite(_))
    }

    /// True for finite numbers without a fractional part.
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            // Normalized, so a non-positive scale is exactly "no fractional digits".
            NumberRepr::Finite(d) => d.fractional_digit_count() <= 0,
            _ => false,
        }
    }

    /// The value as an `i64` when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint()?.to_i64()
    }

    /// The value as a `u64` when it is a non-negative integer in range.
    pub fn to_u64(&self) -> Option<u64> {
        self.to_bigint()?.to_u64()
    }

    /// The nearest `f64` (correctly rounded; out-of-range values become +/-infinity).
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            NumberRepr::NegativeInfinity => f64::NEG_INFINITY,
            NumberRepr::PositiveInfinity => f64::INFINITY,
            NumberRepr::Finite(d) => {
                let (digits, scale) = d.as_bigint_and_exponent();
                // Rust's float parser rounds correctly, and scientific notation keeps it cheap.
                format!("{digits}e{}", -scale).parse().unwrap_or(f64::NAN)
            }
        }
    }

    /// The `f64` with exactly this value, if there is one (infinities included).
    pub fn to_exact_f64(&self) -> Option<f64> {
        let nearest = self.to_f64();
        match &self.0 {
            NumberRepr::Finite(d) => {
                // f64 values have at most 1074 fractional and 309 integer decimal digits; checking
                // that first keeps absurd exponents away from the exact comparison.
                let scale = d.fractional_digit_count();
                let exact = nearest.is_finite()
                    && (-309..=1074).contains(&scale)
                    && exact_decimal_of_f64(nearest) == *d;
                exact.then_some(nearest)
            }
            _ => Some(nearest),
        }
    }

    fn finite(d: BigDecimal) -> Self {
        Number(NumberRepr::Finite(d.normalized()))
    }

    fn to_bigint(&self) -> Option<BigInt> {
        match &self.0 {
            NumberRepr::Finite(d) => {
                let (digits, scale) = d.as_bigint_and_exponent();
                match scale {
                    0 => Some(digits),
                    // 20 decimal digits already overflow u64; don't build 10^huge to find out.
                    s if (-20..0).contains(&s) => {
                        Some(digits * BigInt::from(10u8).pow(s.unsigned_abs() as u32))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The exact decimal value of a finite `f64`: every binary fraction has a finite decimal expansion.
fn exact_decimal_of_f64(f: f64) -> BigDecimal {
    if f == 0.0 {
        return BigDecimal::zero();
    }
    let bits = f.to_bits();
    let negative = bits >> 63 == 1;
    let biased_exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074) // subnormal
    } else {
        (fraction | (1u64 << 52), biased_exponent - 1075)
    };
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    let mantissa = BigInt::from_biguint(sign, mantissa.into());
    if exponent >= 0 {
        BigDecimal::new(mantissa << exponent as usize, 0)
    } else {
        // m * 2^-k == m * 5^k / 10^k
        let k = exponent.unsigned_abs();
        BigDecimal::new(mantissa * BigInt::from(5u8).pow(k as u32), k as i64)
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Self {
        Number::from_u64(u)
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Self {
        Number::from_i64(i.into())
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // Both normalized: equal values have equal digits and scale.
            (NumberRepr::Finite(a), NumberRepr::Finite(b)) => {
                a.as_bigint_and_exponent() == b.as_bigint_and_exponent()
            }
            (NumberRepr::PositiveInfinity, NumberRepr::PositiveInfinity)
            | (NumberRepr::NegativeInfinity, NumberRepr::NegativeInfinity) => true,
            _ => false,
        }
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        fn rank(n: &NumberRepr) -> u8 {
            match n {
                NumberRepr::NegativeInfinity => 0,
                NumberRepr::Finite(_) => 1,
                NumberRepr::PositiveInfinity => 2,
            }
        }
        match (&self.0, &other.0) {
            (NumberRepr::Finite(a), NumberRepr::Finite(b)) => a.cmp(b),
            (a, b) => rank(a).cmp(&rank(b)),
        }
    }
}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            NumberRepr::Finite(d) => {
                let (digits, scale) = d.as_bigint_and_exponent();
                digits.hash(state);
                scale.hash(state);
            }
            NumberRepr::PositiveInfinity => 1u8.hash(state),
            NumberRepr::NegativeInfinity => 2u8.hash(state),
        }
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation with no trailing zeros ("3", "1.5"); infinities as Go prints them
    /// ("+Inf", "-Inf").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            NumberRepr::Finite(d) => d.write_plain_string(f),
            NumberRepr::PositiveInfinity => f.write_str("+Inf"),
            NumberRepr::NegativeInfinity => f.write_str("-Inf"),
        }
    }
}

/// A cty value: null, unknown, or known. Known collections hold values that may themselves be
/// null or unknown.
#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Element order carries no meaning; equal wholly-known elements count once.
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    /// A known value in a position whose schema type is `dynamic`: it carries its concrete type.
    Dynamic(Type, Box<Value>),
}

impl PartialEq for Value {
    /// cty equality, made total: numbers compare numerically, sets as sets; unknowns compare
    /// structurally (an `Unknown` equals an `Unknown` in the same place), as cty's `RawEquals`.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => set_elements_equal(a, b),
            (Value::Dynamic(ta, va), Value::Dynamic(tb, vb)) => ta == tb && va == vb,
            _ => false,
        }
    }
}

impl Eq for Value {}

/// Set equality as cty sees it: wholly-known elements form a set (duplicates collapse), while each
/// element containing an unknown is distinct from every other (cty never merges them), so those
/// are compared as a multiset.
fn set_elements_equal(a: &[Value], b: &[Value]) -> bool {
    let (known_a, partial_a): (Vec<&Value>, Vec<&Value>) =
        a.iter().partition(|v| v.is_wholly_known());
    let (known_b, partial_b): (Vec<&Value>, Vec<&Value>) =
        b.iter().partition(|v| v.is_wholly_known());
    let known_equal =
        known_a.iter().all(|x| known_b.contains(x)) && known_b.iter().all(|x| known_a.contains(x));
    if !known_equal || partial_a.len() != partial_b.len() {
        return false;
    }
    let mut matched = vec![false; partial_b.len()];
    partial_a.iter().all(|x| {
        let found = partial_b
            .iter()
            .zip(matched.iter_mut())
            .find(|(y, used)| !**used && *x == **y);
        match found {
            Some((_, used)) => {
                *used = true;
                true
            }
            None => false,
        }
    })
}

/// The attributes of an object (type or value) from `(name, item)` pairs.
fn named<N: Into<String>, T>(attributes: impl IntoIterator<Item = (N, T)>) -> BTreeMap<String, T> {
    attributes
        .into_iter()
        .map(|(name, item)| (name.into(), item))
        .collect()
}

/// Drops later duplicates of wholly-known elements, keeping order, as cty's set construction does.
pub(crate) fn dedup_set_elements(elements: Vec<Value>) -> Vec<Value> {
    let mut kept: Vec<Value> = Vec::with_capacity(elements.len());
    for element in elements {
        if !is_duplicate_in_set(&kept, &element) {
            kept.push(element);
        }
    }
    kept
}

/// The distinct elements of a set, borrowed: [`dedup_set_elements`] without the copy.
pub(crate) fn distinct_set_elements(elements: &[Value]) -> Vec<&Value> {
    let mut kept: Vec<&Value> = Vec::with_capacity(elements.len());
    for element in elements {
        if !is_duplicate_in_set(kept.iter().copied(), element) {
            kept.push(element);
        }
    }
    kept
}

/// cty merges set elements only when they are definitely equal, which needs them wholly known.
fn is_duplicate_in_set<'a>(kept: impl IntoIterator<Item = &'a Value>, element: &Value) -> bool {
    element.is_wholly_known()
        && kept
            .into_iter()
            .any(|k| k.is_wholly_known() && k == element)
}

impl Value {
    /// True for `Null`, including a typed null inside a dynamic wrapper.
    pub fn is_null(&self) -> bool {
        matches!(self.without_dynamic(), Value::Null)
    }

    /// True for `Unknown`, including a typed unknown inside a dynamic wrapper.
    pub fn is_unknown(&self) -> bool {
        matches!(self.without_dynamic(), Value::Unknown)
    }

    /// No `Unknown` anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.without_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.without_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.without_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// An object attribute; `None` if this is not a known object or has no such attribute.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    pub fn get_attr_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self.without_dynamic_mut() {
            Value::Object(attrs) => attrs.get_mut(name),
            _ => None,
        }
    }

    /// The null value of `ty`. Our nulls are untyped, so this is `Value::Null`; it exists so call
    /// sites read like cty's `NullVal(ty)`.
    pub fn null_of(_ty: &Type) -> Value {
        Value::Null
    }

    /// The empty value of `ty`: empty list/set/map, an object whose attributes are all null, a
    /// tuple of nulls; `Null` for primitives and `dynamic`.
    pub fn empty_of(ty: &Type) -> Value {
        match ty {
            Type::String | Type::Number | Type::Bool | Type::Dynamic => Value::Null,
            Type::List(_) => Value::List(Vec::new()),
            Type::Set(_) => Value::Set(Vec::new()),
            Type::Map(_) => Value::Map(BTreeMap::new()),
            Type::Tuple(elements) => Value::Tuple(vec![Value::Null; elements.len()]),
            Type::Object(attrs) => Value::Object(
                attrs
                    .keys()
                    .map(|name| (name.clone(), Value::Null))
                    .collect(),
            ),
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// An object value from `(name, value)` pairs.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Value)>) -> Value {
        Value::Object(named(attributes))
    }

    /// The value inside a dynamic wrapper (recursively), or the value itself.
    pub fn without_dynamic(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        value
    }

    fn without_dynamic_mut(&mut self) -> &mut Value {
        match self {
            Value::Dynamic(_, inner) => inner.without_dynamic_mut(),
            other => other,
        }
    }
}

/// A path to a value inside an object, as the protocol's `AttributePath` steps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AttributePath(pub Vec<PathStep>);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    Attribute(String),
    ElementKeyString(String),
    ElementKeyInt(i64),
}

impl AttributePath {
    pub fn root() -> Self {
        AttributePath(Vec::new())
    }

    pub fn attr(name: &str) -> Self {
        AttributePath(vec![PathStep::Attribute(name.to_owned())])
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child_attr(&self, name: &str) -> Self {
        self.child(PathStep::Attribute(name.to_owned()))
    }

    pub fn child_key(&self, key: &str) -> Self {
        self.child(PathStep::ElementKeyString(key.to_owned()))
    }

    pub fn child_index(&self, index: i64) -> Self {
        self.child(PathStep::ElementKeyInt(index))
    }

    pub fn child(&self, step: PathStep) -> Self {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        AttributePath(steps)
    }

    /// The value this path addresses inside `value`. Dynamic wrappers are looked through; set
    /// elements have no key and cannot be addressed.
    pub fn get<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(value, |current, step| {
            match (step, current.without_dynamic()) {
                (PathStep::Attribute(name), Value::Object(attrs)) => attrs.get(name),
                (PathStep::ElementKeyString(key), Value::Map(entries)) => entries.get(key),
                (PathStep::ElementKeyInt(index), Value::List(items) | Value::Tuple(items)) => {
                    usize::try_from(*index).ok().and_then(|i| items.get(i))
                }
                _ => None,
            }
        })
    }
}

impl fmt::Display for AttributePath {
    /// HCL-like traversal syntax: `source.s3[0].bucket`, `tags["Name"]`. The root is empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if position == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::ElementKeyString(key) => {
                    // JSON string syntax is HCL's too, and escapes quotes and control characters.
                    let quoted = serde_json::to_string(key).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?
                }
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
