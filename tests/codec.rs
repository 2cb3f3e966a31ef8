//! The value model and the cty MessagePack/JSON codecs, through the crate's public API.

use std::collections::BTreeMap;

use proptest::prelude::*;
use terraform_provider_proton::plugin::codec::*;
use terraform_provider_proton::plugin::value::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Bytes from a spaced hex dump, with `'text'` runs for string payloads: `a1 'a' c0`.
fn bytes(dump: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = dump.trim();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'').expect("closing quote");
            out.extend_from_slice(&quoted.as_bytes()[..end]);
            rest = quoted[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(u8::from_str_radix(&rest[..end], 16).expect("hex byte"));
            rest = rest[end..].trim_start();
        }
    }
    out
}

fn num(text: &str) -> Value {
    Value::Number(Number::parse(text).expect("number literal"))
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn obj(attrs: &[(&str, Value)]) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn obj_type(attrs: &[(&str, Type)]) -> Type {
    Type::Object(
        attrs
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn set(t: Type) -> Type {
    Type::Set(Box::new(t))
}

fn map_of(t: Type) -> Type {
    Type::Map(Box::new(t))
}

fn msgpack_round_trip(value: &Value, ty: &Type) -> Value {
    let encoded =
        encode_msgpack(value, ty).unwrap_or_else(|e| panic!("encode {value:?} as {ty:?}: {e}"));
    decode_msgpack(&encoded, ty).unwrap_or_else(|e| panic!("decode {encoded:02x?} as {ty:?}: {e}"))
}

fn json_round_trip(value: &Value, ty: &Type) -> Value {
    let encoded =
        encode_json(value, ty).unwrap_or_else(|e| panic!("encode {value:?} as {ty:?}: {e}"));
    decode_json(&encoded, ty).unwrap_or_else(|e| {
        panic!(
            "decode {} as {ty:?}: {e}",
            String::from_utf8_lossy(&encoded)
        )
    })
}

fn assert_round_trips(value: Value, ty: Type) {
    assert_eq!(
        msgpack_round_trip(&value, &ty),
        value,
        "msgpack round trip of {ty:?}"
    );
    if value.is_wholly_known() {
        assert_eq!(
            json_round_trip(&value, &ty),
            value,
            "JSON round trip of {ty:?}"
        );
    }
}

/// A resource-shaped type: attributes plus nested blocks of every nesting mode.
fn resource_type() -> Type {
    let s3 = obj_type(&[("bucket", Type::String), ("key", Type::String)]);
    obj_type(&[
        ("id", Type::String),
        ("name", Type::String),
        ("version", Type::Number),
        ("enabled", Type::Bool),
        ("tags", map_of(Type::String)),
        ("source", obj_type(&[("s3", list(s3.clone()))])),
        (
            "rules",
            set(obj_type(&[("port", Type::Number), ("cidr", Type::String)])),
        ),
        ("endpoints", map_of(obj_type(&[("url", Type::String)]))),
    ])
}

fn resource_value() -> Value {
    obj(&[
        ("id", Value::Unknown),
        ("name", s("env")),
        ("version", num("3")),
        ("enabled", Value::Null),
        ("tags", map(&[("Name", s("x")), ("Owner", Value::Null)])),
        (
            "source",
            obj(&[(
                "s3",
                Value::List(vec![obj(&[("bucket", s("b")), ("key", Value::Unknown)])]),
            )]),
        ),
        (
            "rules",
            Value::Set(vec![
                obj(&[("port", num("443")), ("cidr", s("0.0.0.0/0"))]),
                obj(&[("port", Value::Unknown), ("cidr", s("10.0.0.0/8"))]),
            ]),
        ),
        (
            "endpoints",
            map(&[("api", obj(&[("url", s("https://x"))]))]),
        ),
    ])
}

// ---------------------------------------------------------------------------------------------
// Round trips for every type

#[test]
fn primitives_round_trip() {
    assert_round_trips(s("hello, wörld"), Type::String);
    assert_round_trips(s(""), Type::String);
    assert_round_trips(Value::Bool(true), Type::Bool);
    assert_round_trips(Value::Bool(false), Type::Bool);
    assert_round_trips(num("42"), Type::Number);
    assert_round_trips(num("-7.25"), Type::Number);
    for ty in [Type::String, Type::Number, Type::Bool, Type::Dynamic] {
        assert_round_trips(Value::Null, ty.clone());
        assert_round_trips(Value::Unknown, ty);
    }
}

#[test]
fn collections_round_trip() {
    assert_round_trips(
        Value::List(vec![s("a"), Value::Null, Value::Unknown]),
        list(Type::String),
    );
    assert_round_trips(Value::List(vec![]), list(Type::String));
    assert_round_trips(
        Value::Set(vec![num("1"), num("2"), Value::Null]),
        set(Type::Number),
    );
    assert_round_trips(Value::Set(vec![]), set(Type::Number));
    assert_round_trips(
        map(&[("a", Value::Bool(true)), ("b", Value::Unknown)]),
        map_of(Type::Bool),
    );
    assert_round_trips(map(&[]), map_of(Type::Bool));
    assert_round_trips(
        Value::Tuple(vec![s("a"), num("1"), Value::Unknown]),
        Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
    );
    assert_round_trips(Value::Tuple(vec![]), Type::Tuple(vec![]));
    assert_round_trips(obj(&[]), obj_type(&[]));
    assert_round_trips(
        Value::List(vec![
            Value::List(vec![s("deep")]),
            Value::Unknown,
            Value::Null,
        ]),
        list(list(Type::String)),
    );
}

#[test]
fn nested_block_shapes_round_trip() {
    assert_round_trips(resource_value(), resource_type());
    // An absent block set is an empty collection, and a whole nested block may be unknown.
    let mut value = resource_value();
    *value.get_attr_mut("rules").unwrap() = Value::Set(vec![]);
    *value.get_attr_mut("source").unwrap() = Value::Unknown;
    assert_round_trips(value, resource_type());
    let known: Value = obj(&[
        ("id", s("i-1")),
        ("name", s("env")),
        ("version", num("1.5")),
        ("enabled", Value::Bool(true)),
        ("tags", map(&[])),
        ("source", obj(&[("s3", Value::List(vec![]))])),
        (
            "rules",
            Value::Set(vec![obj(&[("port", num("22")), ("cidr", Value::Null)])]),
        ),
        ("endpoints", map(&[])),
    ]);
    assert_round_trips(known, resource_type());
}

#[test]
fn unknowns_at_every_depth_round_trip() {
    let ty = resource_type();
    assert_round_trips(Value::Unknown, ty.clone());
    for name in ["id", "tags", "source", "rules", "endpoints"] {
        let mut value = resource_value();
        *value.get_attr_mut(name).unwrap() = Value::Unknown;
        assert_round_trips(value, ty.clone());
    }
    let mut value = resource_value();
    *value.get_attr_mut("source").unwrap() =
        obj(&[("s3", Value::List(vec![Value::Unknown, Value::Unknown]))]);
    assert_round_trips(value, ty);
}

#[test]
fn sets_with_unknown_elements_keep_each_unknown() {
    let ty = set(obj_type(&[("a", Type::String)]));
    // cty never merges elements containing unknowns: two unknown blocks are two elements.
    let value = Value::Set(vec![
        Value::Unknown,
        Value::Unknown,
        obj(&[("a", Value::Unknown)]),
        obj(&[("a", Value::Unknown)]),
        obj(&[("a", s("x"))]),
    ]);
    let decoded = msgpack_round_trip(&value, &ty);
    let Value::Set(elements) = &decoded else {
        panic!("not a set: {decoded:?}")
    };
    assert_eq!(elements.len(), 5);
    assert_eq!(decoded, value);
    assert_ne!(
        decoded,
        Value::Set(vec![
            Value::Unknown,
            obj(&[("a", Value::Unknown)]),
            obj(&[("a", s("x"))])
        ])
    );
}

#[test]
fn sets_deduplicate_equal_known_elements() {
    let ty = set(Type::Number);
    let value = Value::Set(vec![
        num("1"),
        num("1.0"),
        num("2"),
        Value::Null,
        Value::Null,
    ]);
    assert_eq!(encode_msgpack(&value, &ty).unwrap(), bytes("93 01 02 c0"));
    assert_eq!(encode_json(&value, &ty).unwrap(), b"[1,2,null]");
    assert_eq!(value, Value::Set(vec![num("2"), Value::Null, num("1")]));
}

#[test]
fn dynamic_values_round_trip() {
    let string = Value::Dynamic(Type::String, Box::new(s("hello")));
    assert_round_trips(string.clone(), Type::Dynamic);
    assert_eq!(
        encode_msgpack(&string, &Type::Dynamic).unwrap(),
        bytes(r#"92 c4 08 '"string"' a5 'hello'"#)
    );
    assert_eq!(
        encode_json(&string, &Type::Dynamic).unwrap(),
        br#"{"value":"hello","type":"string"}"#
    );

    let object_type = obj_type(&[("a", Type::Number), ("b", list(Type::String))]);
    let object = obj(&[("a", num("1")), ("b", Value::List(vec![s("x")]))]);
    assert_round_trips(
        Value::Dynamic(object_type.clone(), Box::new(object.clone())),
        Type::Dynamic,
    );
    assert_round_trips(
        Value::Dynamic(
            object_type.clone(),
            Box::new(obj(&[("a", Value::Unknown), ("b", Value::Null)])),
        ),
        Type::Dynamic,
    );

    let list_value = Value::Dynamic(
        list(Type::Bool),
        Box::new(Value::List(vec![Value::Bool(true)])),
    );
    assert_round_trips(list_value.clone(), Type::Dynamic);
    assert_eq!(
        encode_json(&list_value, &Type::Dynamic).unwrap(),
        br#"{"value":[true],"type":["list","bool"]}"#
    );

    // Dynamic attributes inside an object, and typed nulls/unknowns inside the wrapper.
    let holder = obj_type(&[("any", Type::Dynamic), ("n", Type::Number)]);
    assert_round_trips(
        obj(&[("any", string.clone()), ("n", num("1"))]),
        holder.clone(),
    );
    assert_round_trips(
        obj(&[("any", Value::Unknown), ("n", Value::Null)]),
        holder.clone(),
    );
    assert_round_trips(obj(&[("any", Value::Null), ("n", Value::Null)]), holder);
    assert_round_trips(
        Value::Dynamic(Type::String, Box::new(Value::Null)),
        Type::Dynamic,
    );
    assert_round_trips(
        Value::Dynamic(Type::String, Box::new(Value::Unknown)),
        Type::Dynamic,
    );

    // Accessors look through the wrapper.
    assert_eq!(string.as_str(), Some("hello"));
    let wrapped_object = Value::Dynamic(object_type, Box::new(object));
    assert_eq!(wrapped_object.get_attr("a"), Some(&num("1")));
}

#[test]
fn dynamic_type_json_may_be_a_msgpack_string() {
    let decoded = decode_msgpack(&bytes(r#"92 a8 '"number"' 05"#), &Type::Dynamic).unwrap();
    assert_eq!(decoded, Value::Dynamic(Type::Number, Box::new(num("5"))));
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[test]
fn numbers_beyond_64_bits() {
    let two_pow_70 = num("1180591620717411303424");
    // 2^70 is exactly a float64, so cty writes it as one.
    assert_eq!(
        encode_msgpack(&two_pow_70, &Type::Number).unwrap(),
        bytes("cb 44 50 00 00 00 00 00 00")
    );
    assert_round_trips(two_pow_70.clone(), Type::Number);

    let two_pow_70_plus_1 = num("1180591620717411303425");
    assert_eq!(
        encode_msgpack(&two_pow_70_plus_1, &Type::Number).unwrap(),
        bytes(r#"b6 '1180591620717411303425'"#)
    );
    assert_round_trips(two_pow_70_plus_1.clone(), Type::Number);
    assert_ne!(two_pow_70, two_pow_70_plus_1);

    let huge = num("123456789012345678901234567890.000000000000000000001");
    assert_round_trips(huge.clone(), Type::Number);
    assert_eq!(
        encode_json(&huge, &Type::Number).unwrap(),
        b"123456789012345678901234567890.000000000000000000001"
    );

    let e400 = num("1e400");
    assert_eq!(e400.as_number().unwrap().to_f64(), f64::INFINITY);
    assert_round_trips(e400.clone(), Type::Number);
    assert_eq!(decode_json(b"1E400", &Type::Number).unwrap(), e400);
    assert_eq!(decode_json(b"\"1e400\"", &Type::Number).unwrap(), e400);
    let tiny = num("-1e-400");
    assert_round_trips(tiny, Type::Number);
}

#[test]
fn integer_forms_and_limits() {
    let cases: [(Value, &str); 7] = [
        (num("0"), "00"),
        (num("127"), "7f"),
        (num("-1"), "ff"),
        (num("-129"), "d1 ff 7f"),
        (
            Value::Number(Number::from_i64(i64::MIN)),
            "d3 80 00 00 00 00 00 00 00",
        ),
        (
            Value::Number(Number::from_u64(u64::MAX)),
            "cf ff ff ff ff ff ff ff ff",
        ),
        (num("3.0"), "03"),
    ];
    for (value, wire) in cases {
        assert_eq!(
            encode_msgpack(&value, &Type::Number).unwrap(),
            bytes(wire),
            "{value:?}"
        );
        assert_eq!(decode_msgpack(&bytes(wire), &Type::Number).unwrap(), value);
        assert_round_trips(value, Type::Number);
    }
    let max = Number::from_u64(u64::MAX);
    assert_eq!(max.to_string(), "18446744073709551615");
    assert_eq!(max.to_i64(), None);
    assert_eq!(Number::from_i64(-5).to_i64(), Some(-5));
    assert_eq!(Number::parse("1e3").unwrap().to_i64(), Some(1000));
    assert_eq!(Number::parse("1.5").unwrap().to_i64(), None);
    assert_eq!(
        encode_json(&Value::Number(max), &Type::Number).unwrap(),
        b"18446744073709551615"
    );
}

#[test]
fn floats_are_exact_like_cty() {
    // 0.1 as a float64 is exactly representable, so it is written (and read back) as that float64.
    let float_tenth = Number::from_f64(0.1).unwrap();
    let wire = bytes("cb 3f b9 99 99 99 99 99 9a");
    assert_eq!(
        encode_msgpack(&Value::Number(float_tenth.clone()), &Type::Number).unwrap(),
        wire
    );
    let decoded = decode_msgpack(&wire, &Type::Number).unwrap();
    assert_eq!(decoded, Value::Number(float_tenth.clone()));
    assert_eq!(decoded.as_number().unwrap().to_f64(), 0.1);
    // Decimal 0.1 is not a float64, so it travels as text and stays decimal 0.1.
    let decimal_tenth = Number::parse("0.1").unwrap();
    assert_ne!(decimal_tenth, float_tenth);
    assert_eq!(
        encode_msgpack(&Value::Number(decimal_tenth.clone()), &Type::Number).unwrap(),
        bytes(r#"a3 '0.1'"#)
    );
    assert_round_trips(Value::Number(decimal_tenth.clone()), Type::Number);
    assert_eq!(decimal_tenth.to_f64(), 0.1);
    // Binary fractions are exact both ways.
    assert_eq!(
        encode_msgpack(&num("1.5"), &Type::Number).unwrap(),
        bytes("cb 3f f8 00 00 00 00 00 00")
    );
    assert_eq!(
        decode_msgpack(&bytes("ca 3f c0 00 00"), &Type::Number).unwrap(),
        num("1.5")
    );
    assert_eq!(Number::from_f64(f64::NAN), None);
    let nan = decode_msgpack(&bytes("cb 7f f8 00 00 00 00 00 00"), &Type::Number);
    assert!(
        matches!(nan, Err(CodecError::InvalidNumber { .. })),
        "{nan:?}"
    );
}

#[test]
fn infinities() {
    let pos = Value::Number(Number::from_f64(f64::INFINITY).unwrap());
    let neg = Value::Number(Number::parse("-Inf").unwrap());
    assert_eq!(
        encode_msgpack(&pos, &Type::Number).unwrap(),
        bytes("cb 7f f0 00 00 00 00 00 00")
    );
    assert_eq!(
        encode_msgpack(&neg, &Type::Number).unwrap(),
        bytes("cb ff f0 00 00 00 00 00 00")
    );
    assert_eq!(msgpack_round_trip(&pos, &Type::Number), pos);
    assert_eq!(msgpack_round_trip(&neg, &Type::Number), neg);
    assert_eq!(pos.as_number().unwrap().to_string(), "+Inf");
    assert!(neg.as_number().unwrap() < &Number::from_i64(i64::MIN));
    assert!(pos.as_number().unwrap() > &Number::parse("1e400").unwrap());
    let err = encode_json(&obj(&[("n", pos)]), &obj_type(&[("n", Type::Number)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at n: an infinite number cannot be represented in JSON"
    );
}

#[test]
fn number_model() {
    assert_eq!(Number::parse("1").unwrap(), Number::parse("1.000").unwrap());
    assert_eq!(Number::parse("100").unwrap(), Number::parse("1e2").unwrap());
    assert_eq!(Number::parse("-0").unwrap(), Number::from_i64(0));
    assert_eq!(Number::from(3i64).to_string(), "3");
    assert_eq!(Number::parse("1.50").unwrap().to_string(), "1.5");
    assert_eq!(Number::parse("1e2").unwrap().to_string(), "100");
    assert_eq!(Number::parse("0.000001").unwrap().to_string(), "0.000001");
    assert_eq!(
        Number::parse("123456789012345678901234567890")
            .unwrap()
            .to_string(),
        "123456789012345678901234567890"
    );
    assert!(Number::parse("2").unwrap() > Number::parse("1.999999999999999999999999").unwrap());
    for bad in ["", "abc", "1.2.3", "NaN", "0x10", "1_000", "--1", " 1"] {
        assert_eq!(Number::parse(bad), None, "{bad:?}");
    }
    let hash = |n: &Number| {
        use std::hash::{BuildHasher, RandomState};
        static STATE: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
        STATE.get_or_init(RandomState::new).hash_one(n)
    };
    assert_eq!(
        hash(&Number::parse("2.50").unwrap()),
        hash(&Number::parse("2.5").unwrap())
    );
}

// ---------------------------------------------------------------------------------------------
// Bytes as Terraform writes them

#[test]
fn decodes_terraform_object_with_null_and_unknown() {
    let ty = obj_type(&[
        ("a", Type::String),
        ("b", Type::Number),
        ("c", list(Type::String)),
    ]);
    // {"a": nil, "b": unknown, "c": ["x"]}
    let wire = bytes(r#"83 a1 'a' c0 a1 'b' d4 00 00 a1 'c' 91 a1 'x'"#);
    let decoded = decode_msgpack(&wire, &ty).unwrap();
    assert_eq!(
        decoded,
        obj(&[
            ("a", Value::Null),
            ("b", Value::Unknown),
            ("c", Value::List(vec![s("x")]))
        ])
    );
    assert!(decoded.get_attr("a").unwrap().is_null());
    assert!(decoded.get_attr("b").unwrap().is_unknown());
    assert!(!decoded.is_wholly_known());
    // And we write exactly the same bytes back.
    assert_eq!(encode_msgpack(&decoded, &ty).unwrap(), wire);
}

#[test]
fn decodes_refined_unknowns_and_any_extension() {
    let ty = obj_type(&[("id", Type::String), ("n", Type::Number)]);
    // ext8 type 12 with refinements {1: false} (not null), and a fixext1 with some other code.
    let wire = bytes(r#"82 a2 'id' c7 03 0c 81 01 c2 a1 'n' d4 05 00"#);
    assert_eq!(
        decode_msgpack(&wire, &ty).unwrap(),
        obj(&[("id", Value::Unknown), ("n", Value::Unknown)])
    );
    // A refined unknown string prefix {2: "ab"}, whole value, for a dynamic type too.
    let refined = bytes(r#"c7 05 0c 81 02 a2 'ab'"#);
    assert_eq!(
        decode_msgpack(&refined, &Type::String).unwrap(),
        Value::Unknown
    );
    assert_eq!(
        decode_msgpack(&refined, &Type::Dynamic).unwrap(),
        Value::Unknown
    );
    // We only ever write the plain unknown.
    assert_eq!(
        encode_msgpack(&Value::Unknown, &Type::String).unwrap(),
        bytes("d4 00 00")
    );
}

#[test]
fn decodes_decimal_string_numbers() {
    let wire = bytes(r#"be '123456789012345678901234567890'"#);
    let decoded = decode_msgpack(&wire, &Type::Number).unwrap();
    assert_eq!(
        decoded.as_number().unwrap().to_string(),
        "123456789012345678901234567890"
    );
    assert_eq!(encode_msgpack(&decoded, &Type::Number).unwrap(), wire);
    assert_eq!(
        decode_msgpack(&bytes(r#"a4 '-2.5'"#), &Type::Number).unwrap(),
        num("-2.5")
    );
    let err = decode_msgpack(&bytes(r#"a3 'abc'"#), &Type::Number).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"a number is required ("abc" is not a valid number)"#
    );
}

#[test]
fn empty_bytes_are_null() {
    assert_eq!(decode_msgpack(&[], &resource_type()).unwrap(), Value::Null);
    assert_eq!(decode_json(&[], &resource_type()).unwrap(), Value::Null);
    assert_eq!(
        decode_msgpack(&bytes("c0"), &resource_type()).unwrap(),
        Value::Null
    );
    assert_eq!(
        encode_msgpack(&Value::Null, &resource_type()).unwrap(),
        bytes("c0")
    );
    assert_eq!(
        encode_json(&Value::Null, &resource_type()).unwrap(),
        b"null"
    );
}

#[test]
fn objects_are_written_with_every_attribute_in_order() {
    let ty = obj_type(&[("b", Type::String), ("a", list(Type::String))]);
    let value = Value::empty_of(&ty);
    assert_eq!(value, obj(&[("a", Value::Null), ("b", Value::Null)]));
    assert_eq!(
        encode_msgpack(&value, &ty).unwrap(),
        bytes(r#"82 a1 'a' c0 a1 'b' c0"#)
    );
    assert_eq!(encode_json(&value, &ty).unwrap(), br#"{"a":null,"b":null}"#);
}

// ---------------------------------------------------------------------------------------------
// Errors name the path

fn source_type(s3_attrs: &[&str]) -> Type {
    let s3 = obj_type(
        &s3_attrs
            .iter()
            .map(|a| (*a, Type::String))
            .collect::<Vec<_>>(),
    );
    obj_type(&[("source", obj_type(&[("s3", s3)]))])
}

fn source_value(s3_attrs: &[&str]) -> Value {
    let s3 = obj(&s3_attrs.iter().map(|a| (*a, s("v"))).collect::<Vec<_>>());
    obj(&[("source", obj(&[("s3", s3)]))])
}

#[test]
fn wrong_attribute_count_names_the_path() {
    let wire = encode_msgpack(
        &source_value(&["a", "b", "c"]),
        &source_type(&["a", "b", "c"]),
    )
    .unwrap();
    let err = decode_msgpack(&wire, &source_type(&["a", "b"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at source.s3: an object with 2 attributes is required (3 given)"
    );
    assert_eq!(err.path(), &AttributePath::attr("source").child_attr("s3"));
    assert!(matches!(
        err,
        CodecError::ObjectAttributeCount {
            expected: 2,
            given: 3,
            ..
        }
    ));
    // An empty map is not an object with attributes either.
    let err = decode_msgpack(&bytes("80"), &source_type(&["a"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "an object with 1 attributes is required (0 given)"
    );
}

#[test]
fn unsupported_attribute_names_the_path() {
    let wire = encode_msgpack(&source_value(&["a", "x"]), &source_type(&["a", "x"])).unwrap();
    let err = decode_msgpack(&wire, &source_type(&["a", "b"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"at source.s3: unsupported attribute "x""#
    );
    let json = encode_json(&source_value(&["a", "x"]), &source_type(&["a", "x"])).unwrap();
    let err = decode_json(&json, &source_type(&["a", "b"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"at source.s3: unsupported attribute "x""#
    );
    // Encoding checks the same, in both directions.
    let err = encode_msgpack(&source_value(&["a", "x"]), &source_type(&["a", "b"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"at source.s3: unsupported attribute "x""#
    );
    let err = encode_msgpack(&source_value(&["a"]), &source_type(&["a", "b"])).unwrap_err();
    assert_eq!(err.to_string(), r#"at source.s3: missing attribute "b""#);
}

#[test]
fn json_fills_missing_attributes_with_null() {
    let decoded =
        decode_json(br#"{"source":{"s3":{"a":"v"}}}"#, &source_type(&["a", "b"])).unwrap();
    assert_eq!(
        decoded,
        obj(&[(
            "source",
            obj(&[("s3", obj(&[("a", s("v")), ("b", Value::Null)]))])
        )])
    );
    let decoded = decode_json(b"{}", &source_type(&["a"])).unwrap();
    assert_eq!(decoded, obj(&[("source", Value::Null)]));
}

#[test]
fn type_mismatch_names_the_path() {
    let ty = obj_type(&[
        ("tags", map_of(Type::Number)),
        ("s3", list(obj_type(&[("bucket", Type::String)]))),
    ]);
    let value = obj(&[
        ("tags", map(&[("Name", s("x"))])),
        ("s3", Value::List(vec![])),
    ]);
    let err = encode_msgpack(&value, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"at tags["Name"]: a number is required (found a string)"#
    );
    assert_eq!(
        encode_json(&value, &ty).unwrap_err().to_string(),
        err.to_string()
    );

    let value = obj(&[
        ("tags", map(&[])),
        (
            "s3",
            Value::List(vec![obj(&[("bucket", Value::Bool(true))])]),
        ),
    ]);
    let err = encode_msgpack(&value, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at s3[0].bucket: a string is required (found a bool)"
    );

    let wire = bytes(r#"82 a2 's3' 91 81 a6 'bucket' 07 a4 'tags' 80"#);
    let err = decode_msgpack(&wire, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at s3[0].bucket: a string is required (found an integer)"
    );
    let err = decode_json(br#"{"s3":{},"tags":{}}"#, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at s3: a list is required (found an object)"
    );

    // A dynamic position needs the value's type.
    let err = encode_msgpack(&s("x"), &Type::Dynamic).unwrap_err();
    assert!(err.to_string().contains("Value::Dynamic"), "{err}");
}

#[test]
fn json_cannot_carry_unknowns() {
    let err = encode_json(&resource_value(), &resource_type()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at id: an unknown value cannot be represented in JSON"
    );
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    assert!(matches!(
        decode_msgpack(&bytes("92 01"), &list(Type::Number)),
        Err(CodecError::Malformed { .. })
    ));
    assert!(matches!(
        decode_msgpack(&bytes("01 02"), &Type::Number),
        Err(CodecError::Malformed { .. })
    ));
    assert!(matches!(
        decode_json(b"{", &Type::Dynamic),
        Err(CodecError::Malformed { .. })
    ));
    assert!(decode_msgpack(&bytes("91 01"), &Type::Tuple(vec![])).is_err());
    assert!(decode_msgpack(&bytes("93 01 02 03"), &Type::Dynamic).is_err());
    assert!(decode_msgpack(&bytes(r#"92 c4 05 '"bad"' 01"#), &Type::Dynamic).is_err());
    assert!(decode_json(br#"{"value":1}"#, &Type::Dynamic).is_err());
}

// ---------------------------------------------------------------------------------------------
// Type JSON

#[test]
fn type_json_matches_cty() {
    let cases: [(Type, &str); 7] = [
        (Type::String, r#""string""#),
        (Type::Dynamic, r#""dynamic""#),
        (list(Type::String), r#"["list","string"]"#),
        (set(map_of(Type::Bool)), r#"["set",["map","bool"]]"#),
        (
            obj_type(&[("b", Type::Number), ("a", Type::String)]),
            r#"["object",{"a":"string","b":"number"}]"#,
        ),
        (
            Type::Tuple(vec![Type::String, Type::Dynamic]),
            r#"["tuple",["string","dynamic"]]"#,
        ),
        (obj_type(&[]), r#"["object",{}]"#),
    ];
    for (ty, json) in cases {
        assert_eq!(String::from_utf8(ty.to_json()).unwrap(), json);
        assert_eq!(Type::from_json(json.as_bytes()).unwrap(), ty);
    }
    let with_optional =
        Type::from_json(br#"["object",{"a":"string","b":"number"},["b"]]"#).unwrap();
    assert_eq!(
        with_optional,
        obj_type(&[("a", Type::String), ("b", Type::Number)])
    );
    for bad in [
        r#""strin""#,
        r#"["list"]"#,
        r#"["list","string","x"]"#,
        r#"["frob","string"]"#,
        "3",
        "",
        r#""string" 1"#,
    ] {
        assert!(Type::from_json(bad.as_bytes()).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// Value model

#[test]
fn value_equality_is_cty_equality() {
    assert_eq!(num("1"), num("1.0"));
    assert_eq!(
        Value::Set(vec![s("a"), s("b")]),
        Value::Set(vec![s("b"), s("a"), s("a")])
    );
    assert_ne!(Value::Set(vec![s("a")]), Value::Set(vec![s("a"), s("b")]));
    assert_ne!(
        Value::List(vec![s("a"), s("b")]),
        Value::List(vec![s("b"), s("a")])
    );
    assert_ne!(Value::List(vec![]), Value::Set(vec![]));
    assert_ne!(Value::Null, Value::Unknown);
    assert_ne!(Value::Map(BTreeMap::new()), obj(&[]));
    assert_eq!(
        Value::Set(vec![Value::Set(vec![num("1"), num("2")])]),
        Value::Set(vec![Value::Set(vec![num("2.0"), num("1")])])
    );
}

#[test]
fn empty_values() {
    assert_eq!(Value::empty_of(&list(Type::String)), Value::List(vec![]));
    assert_eq!(Value::empty_of(&set(Type::String)), Value::Set(vec![]));
    assert_eq!(Value::empty_of(&map_of(Type::String)), map(&[]));
    assert_eq!(
        Value::empty_of(&Type::Tuple(vec![Type::String])),
        Value::Tuple(vec![Value::Null])
    );
    assert_eq!(Value::empty_of(&Type::Number), Value::Null);
    assert_eq!(Value::null_of(&resource_type()), Value::Null);
}

#[test]
fn attribute_paths() {
    let path = AttributePath::attr("source")
        .child_attr("s3")
        .child_index(0)
        .child_attr("key");
    assert_eq!(path.to_string(), "source.s3[0].key");
    assert_eq!(
        AttributePath::attr("tags")
            .child_key("Name \"1\"")
            .to_string(),
        r#"tags["Name \"1\""]"#
    );
    assert_eq!(AttributePath::root().to_string(), "");
    let value = resource_value();
    assert_eq!(path.get(&value), Some(&Value::Unknown));
    assert_eq!(
        AttributePath::attr("source")
            .child_attr("s3")
            .child_index(0)
            .child_attr("bucket")
            .get(&value),
        Some(&s("b"))
    );
    assert_eq!(
        AttributePath::attr("tags").child_key("Name").get(&value),
        Some(&s("x"))
    );
    assert_eq!(
        AttributePath::attr("tags").child_key("Nope").get(&value),
        None
    );
    assert_eq!(
        AttributePath::attr("rules").child_index(0).get(&value),
        None
    );
    assert_eq!(
        AttributePath::attr("source")
            .child_attr("s3")
            .child_index(-1)
            .get(&value),
        None
    );
    assert_eq!(AttributePath::root().get(&value), Some(&value));
}

// ---------------------------------------------------------------------------------------------
// Property tests

fn arb_type(depth: u32) -> BoxedStrategy<Type> {
    let leaf = prop_oneof![
        Just(Type::String),
        Just(Type::Number),
        Just(Type::Bool),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
    .boxed()
}

fn arb_number(allow_infinity: bool) -> BoxedStrategy<Number> {
    let finite = prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter_map("finite", |f| f
            .is_finite()
            .then(|| Number::from_f64(f))
            .flatten()),
        ("-?[0-9]{1,40}(\\.[0-9]{1,30})?", -500i32..500)
            .prop_map(|(digits, exp)| Number::parse(&format!("{digits}e{exp}")).unwrap()),
    ];
    if allow_infinity {
        prop_oneof![
            8 => finite,
            1 => Just(Number::positive_infinity()),
            1 => Just(Number::negative_infinity()),
        ]
        .boxed()
    } else {
        finite.boxed()
    }
}

/// What generated values may contain; JSON cannot carry unknowns or infinities.
#[derive(Clone, Copy)]
struct Allow {
    unknown: bool,
    infinity: bool,
}

/// A value conforming to `ty`: null or (when allowed) unknown at any depth, else known.
fn arb_value(ty: &Type, allow: Allow) -> BoxedStrategy<Value> {
    let known = arb_known_value(ty, allow);
    if allow.unknown {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn arb_known_value(ty: &Type, allow: Allow) -> BoxedStrategy<Value> {
    match ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number(allow.infinity).prop_map(Value::Number).boxed(),
        Type::Dynamic => arb_type(2)
            .prop_flat_map(move |concrete| {
                arb_value(&concrete, allow)
                    .prop_map(move |v| Value::Dynamic(concrete.clone(), Box::new(v)))
            })
            .boxed(),
        Type::List(element) => prop::collection::vec(arb_value(element, allow), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => prop::collection::vec(arb_value(element, allow), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(element) => {
            prop::collection::btree_map("[a-zA-Z ]{0,4}", arb_value(element, allow), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Tuple(elements) => elements
            .iter()
            .map(|t| arb_value(t, allow))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(attributes) => attributes
            .iter()
            .map(|(name, t)| {
                let name = name.clone();
                arb_value(t, allow).prop_map(move |v| (name.clone(), v))
            })
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
    }
}

fn arb_typed_value(allow: Allow) -> impl Strategy<Value = (Type, Value)> {
    arb_type(4).prop_flat_map(move |ty| arb_value(&ty, allow).prop_map(move |v| (ty.clone(), v)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn msgpack_round_trips_any_value((ty, value) in arb_typed_value(Allow { unknown: true, infinity: true })) {
        let encoded = encode_msgpack(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let decoded = decode_msgpack(&encoded, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&decoded, &value);
        // Encoding is deterministic once sets are deduplicated.
        prop_assert_eq!(encode_msgpack(&decoded, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?, encoded);
    }

    #[test]
    fn json_round_trips_wholly_known_values((ty, value) in arb_typed_value(Allow { unknown: false, infinity: false })) {
        prop_assert!(value.is_wholly_known());
        let encoded = encode_json(&value, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let decoded = decode_json(&encoded, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&decoded, &value);
        // The JSON and msgpack views of a value agree.
        let via_msgpack = decode_msgpack(&encode_msgpack(&decoded, &ty).map_err(|e| TestCaseError::fail(e.to_string()))?, &ty)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&via_msgpack, &value);
    }

    #[test]
    fn type_json_round_trips(ty in arb_type(5)) {
        let json = ty.to_json();
        let parsed = Type::from_json(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed, ty);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(wire in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type(3)) {
        let _ = decode_msgpack(&wire, &ty);
        let _ = decode_json(&wire, &ty);
        let _ = Type::from_json(&wire);
    }

    #[test]
    fn number_text_round_trips(n in arb_number(true)) {
        prop_assert_eq!(Number::parse(&n.to_string()), Some(n));
    }
}
