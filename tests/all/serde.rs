//! serde: Rust types into Python objects and back, without an intermediate format; errors
//! naming where; `Serialize`/`Deserialize` for `Value`; nesting limits instead of overflows.

use std::collections::{BTreeMap, HashMap, HashSet};

use libpython::ToPython;
use libpython::value::{Serde, Value, from_python_serde, to_python_serde};
use libpython::{ErrorKind, Object};
use libpython_tests::{in_child, on_small_stack, python};
use proptest::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that go through serde's bytes methods (as `serde_bytes` does).
#[derive(Debug, Clone, PartialEq)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Meters(f64);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Pair(i32, String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inner {
    a: i32,
    b: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Everything {
    t: bool,
    i8: i8,
    i16: i16,
    i32: i32,
    i64: i64,
    u8: u8,
    u16: u16,
    u32: u32,
    u64: u64,
    i128: i128,
    u128: u128,
    f32: f32,
    f64: f64,
    c: char,
    s: String,
    some: Option<u8>,
    none: Option<u8>,
    list: Vec<i64>,
    tuple: (u8, String, f64),
    inner: Inner,
    map: BTreeMap<String, Vec<u8>>,
    int_keys: BTreeMap<i32, bool>,
    tuple_keys: BTreeMap<(i32, i32), String>,
    unit: (),
    unit_struct: Unit,
    newtype: Meters,
    pair: Pair,
    blob: Blob,
    nested: Vec<Vec<Option<Inner>>>,
}

fn everything() -> Everything {
    Everything {
        t: true,
        i8: -8,
        i16: -16,
        i32: -32,
        i64: i64::MIN,
        u8: 255,
        u16: 16,
        u32: 32,
        u64: u64::MAX,
        i128: i128::MIN,
        u128: u128::MAX,
        f32: 1.5,
        f64: f64::INFINITY,
        c: '😀',
        s: "héllo 𝄞".into(),
        some: Some(3),
        none: None,
        list: vec![1, -2, 3],
        tuple: (1, "two".into(), 3.5),
        inner: Inner {
            a: 1,
            b: Some("bee".into()),
        },
        map: BTreeMap::from([("k".into(), vec![1, 2])]),
        int_keys: BTreeMap::from([(1, true), (-2, false)]),
        tuple_keys: BTreeMap::from([((1, 2), "x".into())]),
        unit: (),
        unit_struct: Unit,
        newtype: Meters(2.5),
        pair: Pair(7, "seven".into()),
        blob: Blob(vec![0, 255, 10]),
        nested: vec![vec![None, Some(Inner { a: 2, b: None })], vec![]],
    }
}

/// `python_expr(obj)` evaluated with the object bound to `x`.
fn py_check(obj: &Object, expr: &str) -> bool {
    let g = libpython::Dict::new().unwrap();
    g.insert("x", obj).unwrap();
    libpython::attach(|py| py.eval_with(expr, &g, None)?.extract::<bool>()).unwrap()
}

/// The message of a conversion error.
fn conversion_message<T: std::fmt::Debug>(r: libpython::Result<T>) -> String {
    match r.map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Conversion(m)) => m,
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

#[test]
fn a_struct_with_every_kind_of_field_round_trips() {
    python();
    let e = everything();
    let obj = to_python_serde(&e).unwrap();
    // The Python shape.
    for check in [
        "type(x) is dict and list(x)[:3] == ['t', 'i8', 'i16']",
        "x['t'] is True and x['i64'] == -2**63 and x['u64'] == 2**64 - 1",
        "x['i128'] == -2**127 and x['u128'] == 2**128 - 1",
        "x['f32'] == 1.5 and x['f64'] == float('inf') and x['c'] == '😀' and x['s'] == 'héllo 𝄞'",
        "x['some'] == 3 and x['none'] is None and x['list'] == [1, -2, 3]",
        "x['tuple'] == (1, 'two', 3.5) and type(x['tuple']) is tuple",
        "x['inner'] == {'a': 1, 'b': 'bee'} and x['map'] == {'k': [1, 2]}",
        "x['int_keys'] == {-2: False, 1: True} and x['tuple_keys'] == {(1, 2): 'x'}",
        "x['unit'] is None and x['unit_struct'] is None and x['newtype'] == 2.5",
        "x['pair'] == (7, 'seven') and x['blob'] == b'\\x00\\xff\\n'",
        "x['nested'] == [[None, {'a': 2, 'b': None}], []]",
    ] {
        assert!(py_check(&obj, check), "{check}\n{obj:?}");
    }
    let back: Everything = from_python_serde(&obj).unwrap();
    assert_eq!(back, e);
}

#[test]
fn enums_are_externally_tagged_like_serde_json() {
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum E {
        Unit,
        New(u8),
        Tup(i32, String),
        Struct { a: i32, b: Vec<bool> },
        Nested(Box<E>),
    }
    python();
    let values = vec![
        E::Unit,
        E::New(1),
        E::Tup(-1, "t".into()),
        E::Struct {
            a: 2,
            b: vec![true],
        },
        E::Nested(Box::new(E::Tup(0, String::new()))),
    ];
    let obj = to_python_serde(&values).unwrap();
    assert_eq!(
        obj.repr().unwrap(),
        "['Unit', {'New': 1}, {'Tup': (-1, 't')}, {'Struct': {'a': 2, 'b': [True]}}, {'Nested': {'Tup': (0, '')}}]"
    );
    let back: Vec<E> = from_python_serde(&obj).unwrap();
    assert_eq!(back, values);
    // A unit variant may also be written {'Unit': None}; lists work for tuple variants.
    let obj = libpython::eval("[{'Unit': None}, {'Tup': [1, 'x']}]").unwrap();
    assert_eq!(
        from_python_serde::<Vec<E>>(&obj).unwrap(),
        [E::Unit, E::Tup(1, "x".into())]
    );
    // Errors name the variant and the place.
    let obj = libpython::eval("[{'Struct': {'a': 'no', 'b': []}}]").unwrap();
    let m = conversion_message(from_python_serde::<Vec<E>>(&obj));
    assert_eq!(
        m,
        "$[0].Struct.a: invalid type: string \"no\", expected i32"
    );
    let obj = libpython::eval("{'Nope': 1}").unwrap();
    let m = conversion_message(from_python_serde::<E>(&obj));
    assert!(m.contains("unknown variant `Nope`"), "{m}");
    let obj = libpython::eval("{'New': 1, 'Unit': None}").unwrap();
    let m = conversion_message(from_python_serde::<E>(&obj));
    assert!(m.contains("exactly one key"), "{m}");
    let obj = libpython::eval("3").unwrap();
    assert!(conversion_message(from_python_serde::<E>(&obj)).contains("not a Python int"));
}

#[test]
fn options_units_and_maps_round_trip() {
    python();
    type Mix = (
        Option<i32>,
        Option<Option<i32>>,
        (),
        HashMap<String, Vec<f64>>,
    );
    let v: Mix = (
        None,
        Some(Some(1)),
        (),
        HashMap::from([("xs".to_string(), vec![0.5, -1.0])]),
    );
    let obj = to_python_serde(&v).unwrap();
    assert_eq!(obj.repr().unwrap(), "(None, 1, None, {'xs': [0.5, -1.0]})");
    let back: Mix = from_python_serde(&obj).unwrap();
    assert_eq!(back, v);
    // Python sets, frozensets, tuples and lists all read as sequences.
    let obj = libpython::eval("({3, 1}, frozenset({2}), (4, 5), [6])").unwrap();
    let (a, b, c, d): (HashSet<i32>, Vec<i32>, Vec<i32>, (i32,)) = from_python_serde(&obj).unwrap();
    assert_eq!(
        (a, b, c, d),
        (HashSet::from([1, 3]), vec![2], vec![4, 5], (6,))
    );
    // Ints are accepted as floats, not the other way round.
    let obj = libpython::eval("[1, 2.5]").unwrap();
    assert_eq!(from_python_serde::<Vec<f64>>(&obj).unwrap(), [1.0, 2.5]);
    let m = conversion_message(from_python_serde::<Vec<i64>>(&obj));
    assert_eq!(m, "$[1]: invalid type: floating point `2.5`, expected i64");
}

#[test]
fn wide_integers_map_to_python_ints_and_are_range_checked() {
    python();
    let obj = to_python_serde(&(u128::MAX, i128::MIN, u64::MAX, i64::MIN)).unwrap();
    assert!(py_check(
        &obj,
        "x == (2**128 - 1, -2**127, 2**64 - 1, -2**63)"
    ));
    let back: (u128, i128, u64, i64) = from_python_serde(&obj).unwrap();
    assert_eq!(back, (u128::MAX, i128::MIN, u64::MAX, i64::MIN));
    let obj = libpython::eval("[2**200]").unwrap();
    assert_eq!(
        conversion_message(from_python_serde::<Vec<u128>>(&obj)),
        format!(
            "$[0]: the int {} does not fit in 128 bits",
            num_bigint::BigInt::from(2).pow(200)
        )
    );
    let obj = libpython::eval("{'n': -1}").unwrap();
    assert_eq!(
        conversion_message(from_python_serde::<HashMap<String, u8>>(&obj)),
        "$.n: invalid value: integer `-1`, expected u8"
    );
    let obj = libpython::eval("2**64").unwrap();
    assert!(conversion_message(from_python_serde::<u64>(&obj)).contains("expected u64"));
}

#[test]
fn numbers_bools_and_none_in_a_dict_read_as_every_target_reads_them() {
    #[derive(Debug, Deserialize, PartialEq)]
    enum E {
        A,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct S {
        small: u8,
        big: u64,
        neg: i64,
        x: f64,
        from_int: f64,
        flag: bool,
        none: Option<u8>,
        some: Option<u8>,
        unit: (),
        any: Value,
    }
    python();
    let obj = libpython::eval(
        "{'small': 5, 'big': 2**40, 'neg': -7, 'x': 1.5, 'from_int': 3, 'flag': True, \
          'none': None, 'some': 9, 'unit': None, 'any': 2.5}",
    )
    .unwrap();
    let s: S = from_python_serde(&obj).unwrap();
    assert_eq!(
        s,
        S {
            small: 5,
            big: 1 << 40,
            neg: -7,
            x: 1.5,
            from_int: 3.0,
            flag: true,
            none: None,
            some: Some(9),
            unit: (),
            any: Value::Float(2.5),
        }
    );
    let map: HashMap<String, f64> =
        from_python_serde(&libpython::eval("{'a': 1, 'b': 2.5}").unwrap()).unwrap();
    assert_eq!(map, HashMap::from([("a".into(), 1.0), ("b".into(), 2.5)]));
    let m = conversion_message(from_python_serde::<HashMap<String, f64>>(
        &libpython::eval("{'a': 1, 'c': True}").unwrap(),
    ));
    assert_eq!(m, "$.c: invalid type: boolean `true`, expected f64");
    // The same messages, and paths, as for any other value.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        e: Option<E>,
        n: Option<i32>,
        t: Option<String>,
    }
    let cases = [
        (
            "{'e': 5, 'n': 1, 't': 'x'}",
            "$.e: an enum is a str (unit variant) or a dict with one key (the variant), not a Python int",
        ),
        (
            "{'e': 'A', 'n': 1.5, 't': 'x'}",
            "$.n: invalid type: floating point `1.5`, expected i32",
        ),
        (
            "{'e': 'A', 'n': True, 't': 'x'}",
            "$.n: invalid type: boolean `true`, expected i32",
        ),
        (
            "{'e': 'A', 'n': 2**40, 't': 'x'}",
            "$.n: invalid value: integer `1099511627776`, expected i32",
        ),
        (
            "{'e': 'A', 'n': 1, 't': 7}",
            "$.t: invalid type: integer `7`, expected a string",
        ),
        (
            "{'e': None, 'n': None, 't': False}",
            "$.t: invalid type: boolean `false`, expected a string",
        ),
    ];
    for (expr, expected) in cases {
        let m = conversion_message(from_python_serde::<Wrong>(&libpython::eval(expr).unwrap()));
        assert_eq!(m, expected, "{expr}");
    }
}

#[test]
fn errors_name_the_field_index_and_key() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        items: Vec<Inner>,
        by_name: HashMap<String, Inner>,
    }
    python();
    let cases = [
        (
            "{'inner': {'b': None}, 'items': [], 'by_name': {}}",
            "$.inner: missing field `a`",
        ),
        (
            "{'inner': {'a': 1}, 'items': [{'a': 1}, {'a': 'x'}], 'by_name': {}}",
            "$.items[1].a: invalid type: string \"x\", expected i32",
        ),
        (
            "{'inner': {'a': 1}, 'items': [], 'by_name': {'two words': {'a': None}}}",
            "$.by_name['two words'].a: invalid type: unit value, expected i32",
        ),
        (
            "{'inner': {'a': 1}, 'items': [], 'by_name': {'k': {'a': 1, 'b': 3}}}",
            "$.by_name.k.b: invalid type: integer `3`, expected a string",
        ),
        (
            "{'inner': {'a': 1}, 'items': [], 'by_name': {5: {'a': 1}}}",
            "$.by_name[key 5]: invalid type: integer `5`, expected a string",
        ),
        (
            "{'inner': {'a': 1}, 'items': []}",
            "missing field `by_name`",
        ),
        (
            "'str'",
            "invalid type: string \"str\", expected struct Outer",
        ),
    ];
    for (expr, expected) in cases {
        let obj = libpython::eval(expr).unwrap();
        let m = conversion_message(from_python_serde::<Outer>(&obj));
        assert_eq!(m, expected, "{expr}");
    }
    // A field known by its name's kept `str` is named as its key would be.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Renamed {
        #[serde(rename = "two words")]
        a: i32,
        #[serde(rename = "it's")]
        b: i32,
        c: i32,
    }
    for (expr, expected) in [
        (
            "{'two words': None, \"it's\": 1, 'c': 1}",
            "$['two words']: invalid type: unit value, expected i32",
        ),
        (
            "{'two words': 1, \"it's\": None, 'c': 1}",
            "$[\"it's\"]: invalid type: unit value, expected i32",
        ),
        (
            "{'c': 'x', 'two words': 1, \"it's\": 1}",
            "$.c: invalid type: string \"x\", expected i32",
        ),
    ] {
        let obj = libpython::eval(expr).unwrap();
        let m = conversion_message(from_python_serde::<Renamed>(&obj));
        assert_eq!(m, expected, "{expr}");
    }
    // Python objects outside the data model are named.
    let obj = libpython::eval("{'a': complex(1, 2)}").unwrap();
    let m = conversion_message(from_python_serde::<HashMap<String, f64>>(&obj));
    assert!(
        m.starts_with("$.a: cannot deserialize a Python complex"),
        "{m}"
    );
    // Lone surrogates are refused with a clear message.
    let obj = libpython::eval("['\\udc80']").unwrap();
    let m = conversion_message(from_python_serde::<Vec<String>>(&obj));
    assert!(
        m.starts_with("$[0]: the str is not valid Unicode text"),
        "{m}"
    );
    // Too many elements for a tuple.
    let obj = libpython::eval("(1, 2, 3)").unwrap();
    let m = conversion_message(from_python_serde::<(i32, i32)>(&obj));
    assert!(m.contains("invalid length 3"), "{m}");
}

#[test]
fn serialisation_errors_name_the_field_too() {
    #[derive(Serialize)]
    struct Bad {
        ok: u8,
        keys: Vec<HashMap<Vec<i32>, i32>>,
    }
    struct Fails;
    impl Serialize for Fails {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("this value refuses"))
        }
    }
    #[derive(Serialize)]
    enum E {
        V { inner: Vec<Fails> },
    }
    python();
    let bad = Bad {
        ok: 1,
        keys: vec![HashMap::new(), HashMap::from([(vec![1], 2)])],
    };
    let m = conversion_message(to_python_serde(&bad));
    assert_eq!(m, "$.keys[1][[1]]: TypeError: unhashable type: 'list'");
    let m = conversion_message(to_python_serde(&E::V { inner: vec![Fails] }));
    assert_eq!(m, "$.V.inner[0]: this value refuses");
}

#[test]
fn the_serde_wrapper_converts_arguments_and_results() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Config {
        name: String,
        sizes: Vec<u32>,
    }
    python();
    let json = libpython::import("json").unwrap();
    let cfg = Config {
        name: "n".into(),
        sizes: vec![1, 2],
    };
    let text: String = json
        .call_method("dumps", (Serde(&cfg),))
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(text, r#"{"name": "n", "sizes": [1, 2]}"#);
    let Serde(back) = json
        .call_method("loads", (text,))
        .unwrap()
        .extract::<Serde<Config>>()
        .unwrap();
    assert_eq!(back, cfg);
    libpython::attach(|py| {
        let obj = Serde(&cfg).to_python(py)?;
        let Serde(again) = obj.bind(py)?.extract::<Serde<Config>>()?;
        assert_eq!(again, cfg);
        Ok(())
    })
    .unwrap();
}

#[test]
fn values_serialize_and_deserialize_with_serde() {
    python();
    let v = Value::dict([
        (
            Value::from("list"),
            Value::list([Value::from(1), Value::from(2.5), Value::None]),
        ),
        (Value::from("tuple"), Value::tuple([Value::from("a")])),
        (Value::from("set"), Value::set([3, 1])),
        (Value::from("bytes"), Value::bytes(b"\x01".as_slice())),
        (Value::from("big"), Value::from(u128::MAX)),
        (Value::from("neg"), Value::from(i128::MIN)),
    ]);
    // Through serde_json: sets and tuples become arrays, bytes arrays of numbers.
    let text = serde_json::to_string(&v).unwrap();
    assert_eq!(
        text,
        r#"{"big":340282366920938463463374607431768211455,"bytes":[1],"list":[1,2.5,null],"neg":-170141183460469231731687303715884105728,"set":[1,3],"tuple":["a"]}"#
    );
    let back: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["list"], v["list"]);
    assert_eq!(back["set"], Value::list([1, 3]));
    assert_eq!(
        back["neg"].type_name(),
        "float",
        "serde_json reads integers beyond 64 bits as floats"
    );
    // Through Python with serde: tuples stay tuples, bytes stay bytes, sets become lists.
    let obj = to_python_serde(&v).unwrap();
    assert!(py_check(
        &obj,
        "x['tuple'] == ('a',) and x['bytes'] == b'\\x01' and x['set'] == [1, 3] and x['big'] == 2**128 - 1"
    ));
    let read: Value = from_python_serde(&obj).unwrap();
    assert_eq!(read["bytes"], v["bytes"]);
    assert_eq!(read["tuple"], Value::list(["a"]));
    // A Value is a serde Deserializer too.
    #[derive(Deserialize, Debug, PartialEq)]
    struct P {
        x: i32,
        tags: Vec<String>,
        kind: Kind,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    enum Kind {
        A,
        B(u8),
    }
    let pv = Value::dict([
        ("x", Value::from(1)),
        ("tags", Value::tuple(["t"])),
        ("kind", Value::dict([("B", 9)])),
    ]);
    assert_eq!(
        P::deserialize(&pv).unwrap(),
        P {
            x: 1,
            tags: vec!["t".into()],
            kind: Kind::B(9)
        }
    );
    let bad = Value::dict([("x", Value::from("no"))]);
    assert_eq!(
        conversion_message(P::deserialize(&bad)),
        "$.x: invalid type: string \"no\", expected i32"
    );
    let bad = Value::dict([
        ("x", Value::from(1)),
        ("tags", Value::list([Value::from("a"), Value::from(2)])),
    ]);
    assert_eq!(
        conversion_message(P::deserialize(&bad)),
        "$.tags[1]: invalid type: integer `2`, expected a string"
    );
    let bad = Value::dict([
        ("x", Value::from(1)),
        ("tags", Value::list(["a"])),
        ("kind", Value::dict([("B", "nine")])),
    ]);
    assert_eq!(
        conversion_message(P::deserialize(&bad)),
        "$.kind.B: invalid type: string \"nine\", expected u8"
    );
    assert_eq!(Kind::deserialize(&Value::from("A")).unwrap(), Kind::A);
    // Beyond 128 bits serde has no integer type.
    let huge = Value::from(num_bigint::BigInt::from(2).pow(130));
    assert!(
        serde_json::to_string(&huge)
            .unwrap_err()
            .to_string()
            .contains("does not fit in 128 bits")
    );
}

#[test]
fn fields_nothing_reads_are_skipped_in_objects_and_values_alike() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Few {
        a: i32,
    }
    // Neither a >128-bit int nor an object kept as it is can be read by serde, but in a
    // field the type ignores neither is read.
    let obj = libpython::eval("{'a': 1, 'big': 2**200, 'other': object()}").unwrap();
    assert_eq!(from_python_serde::<Few>(&obj).unwrap(), Few { a: 1 });
    let v = Value::from_object_lossless(&obj).unwrap();
    assert_eq!(Few::deserialize(&v).unwrap(), Few { a: 1 });
    // A field that is read still is.
    let e = from_python_serde::<Few>(&libpython::eval("{'a': 2**200}").unwrap()).unwrap_err();
    assert!(e.to_string().starts_with("$.a: the int"), "{e}");
}

/// A struct whose keys are renamed, aliased and skipped, for the reading of keys by identity.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keyed {
    #[serde(rename = "first-name")]
    first: String,
    #[serde(alias = "years")]
    age: u8,
    #[serde(skip)]
    cache: u32,
    tags: Vec<String>,
}

fn keyed() -> Keyed {
    Keyed {
        first: "Ada".into(),
        age: 36,
        cache: 0,
        tags: vec!["a".into(), "b".into()],
    }
}

#[test]
fn struct_keys_are_found_by_identity_or_by_text_alike() {
    python();
    let k = keyed();
    // Twice: the second time every name is the interpreter's kept `str`.
    for _ in 0..2 {
        let obj = to_python_serde(&k).unwrap();
        assert!(py_check(&obj, "list(x) == ['first-name', 'age', 'tags']"));
        assert!(py_check(
            &obj,
            "all(k is __import__('sys').intern(k) for k in x)"
        ));
        assert_eq!(from_python_serde::<Keyed>(&obj).unwrap(), k);
    }
    // Keys written in Python source (interned by the compiler), keys made at run time (not
    // interned: read by their text), an alias, keys in another order, a str subclass.
    for source in [
        "{'first-name': 'Ada', 'age': 36, 'tags': ['a', 'b']}",
        "{''.join(['first', '-name']): 'Ada', ''.join(['a', 'ge']): 36, 'tags': ['a', 'b']}",
        "{'tags': ['a', 'b'], 'years': 36, 'first-name': 'Ada'}",
        "__import__('json').loads('{\"age\": 36, \"tags\": [\"a\", \"b\"], \"first-name\": \"Ada\"}')",
        "{type('S', (str,), {})('age'): 36, 'first-name': 'Ada', 'tags': ['a', 'b']}",
    ] {
        let obj = libpython::eval(source).unwrap();
        assert_eq!(from_python_serde::<Keyed>(&obj).unwrap(), k, "{source}");
    }
    // Errors still name the key, found by identity or not.
    let e = from_python_serde::<Keyed>(
        &libpython::eval("{'first-name': 'Ada', 'age': 'old', 'tags': []}").unwrap(),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("$.age: invalid type"), "{e}");
    let e = from_python_serde::<Keyed>(
        &libpython::eval("{'first-name': 'Ada', 'age': 3, 'tags': [], 'cache': 1}").unwrap(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown field `cache`"), "{e}");
}

/// Two structs with the same field names in other orders, and one with a field of its own.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Ab {
    a: i64,
    b: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Ba {
    b: i64,
    a: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Abc {
    a: i64,
    b: i64,
    c: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Mixed {
    ab: Ab,
    ba: Vec<Ba>,
    abc: Abc,
    again: Vec<Ab>,
}

#[test]
fn structs_of_several_types_read_in_turn_each_find_their_own_fields() {
    python();
    // The same dicts read as each type in turn, and nested so that the types alternate within
    // one read: each field gets its own value whichever type was read just before.
    let d = libpython::eval("{'a': 1, 'b': 2, 'c': 3}").unwrap();
    for _ in 0..3 {
        assert_eq!(from_python_serde::<Ab>(&d).unwrap(), Ab { a: 1, b: 2 });
        assert_eq!(from_python_serde::<Ba>(&d).unwrap(), Ba { b: 2, a: 1 });
        assert_eq!(
            from_python_serde::<Abc>(&d).unwrap(),
            Abc { a: 1, b: 2, c: 3 }
        );
    }
    let m = Mixed {
        ab: Ab { a: 1, b: 2 },
        ba: vec![Ba { b: 3, a: 4 }, Ba { b: 5, a: 6 }],
        abc: Abc { a: 7, b: 8, c: 9 },
        again: vec![Ab { a: 10, b: 11 }, Ab { a: 12, b: 13 }],
    };
    let obj = to_python_serde(&m).unwrap();
    assert!(py_check(
        &obj,
        "x['ba'][0] == {'b': 3, 'a': 4} and x['again'][1] == {'a': 12, 'b': 13}"
    ));
    for _ in 0..3 {
        assert_eq!(from_python_serde::<Mixed>(&obj).unwrap(), m);
    }
}

#[test]
fn each_interpreter_keeps_its_own_names() {
    python();
    let k = keyed();
    let round_trip = || -> libpython::Result<Keyed> {
        let obj = to_python_serde(&keyed())?;
        from_python_serde::<Keyed>(&obj)
    };
    assert_eq!(round_trip().unwrap(), k);
    for _ in 0..2 {
        let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
        for _ in 0..2 {
            let back = libpython::with_interpreter(&sub, round_trip).unwrap();
            assert_eq!(back.unwrap(), k);
            assert_eq!(round_trip().unwrap(), k);
        }
        // An object made in the sub-interpreter, read there by its own names.
        let obj = libpython::with_interpreter(&sub, || to_python_serde(&keyed()))
            .unwrap()
            .unwrap();
        let back = libpython::with_interpreter(&sub, || from_python_serde::<Keyed>(&obj));
        assert_eq!(back.unwrap().unwrap(), k);
        drop(obj);
        drop(sub);
        assert_eq!(round_trip().unwrap(), k);
    }
}

/// A struct read by hand, its keys read as `K` (not as serde's identifiers).
#[derive(Debug, PartialEq)]
struct KeysAs<K>(Vec<(K, u8)>);

impl<'de, K: Deserialize<'de>> Deserialize<'de> for KeysAs<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<K>(std::marker::PhantomData<K>);
        impl<'de, K: Deserialize<'de>> serde::de::Visitor<'de> for V<K> {
            type Value = KeysAs<K>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a struct")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<KeysAs<K>, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = m.next_key::<K>()? {
                    v.push((k, m.next_value()?));
                }
                Ok(KeysAs(v))
            }
        }
        d.deserialize_struct("KeysAs", &["a", "zz"], V(std::marker::PhantomData))
    }
}

#[derive(Debug, PartialEq, Deserialize)]
#[allow(non_camel_case_types)]
enum Key {
    a,
}

#[test]
fn struct_keys_read_as_any_type_read_alike_by_identity_or_text() {
    python();
    // The same dicts with keys the interpreter interned (found by identity) and keys made
    // at run time (read by their text): every reading gives the same result or message.
    let both = |json: &str| {
        let literal = libpython::eval(json).unwrap();
        let loaded = libpython::eval(&format!("__import__('json').loads({json:?})")).unwrap();
        assert!(py_check(&loaded, &format!("x == {json}")));
        (literal, loaded)
    };
    fn same<T: for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        (literal, loaded): &(Object, Object),
    ) -> String {
        let a = from_python_serde::<T>(literal).map_err(|e| e.to_string());
        let b = from_python_serde::<T>(loaded).map_err(|e| e.to_string());
        assert_eq!(a, b);
        format!("{a:?}")
    }
    let ok = both(r#"{"a": 1, "zz": 2}"#);
    assert_eq!(
        same::<KeysAs<String>>(&ok),
        r#"Ok(KeysAs([("a", 1), ("zz", 2)]))"#
    );
    assert_eq!(
        same::<KeysAs<Option<String>>>(&ok),
        r#"Ok(KeysAs([(Some("a"), 1), (Some("zz"), 2)]))"#
    );
    assert_eq!(
        same::<KeysAs<serde::de::IgnoredAny>>(&ok),
        "Ok(KeysAs([(IgnoredAny, 1), (IgnoredAny, 2)]))"
    );
    let e = same::<KeysAs<Key>>(&ok);
    assert!(e.contains("[key 'zz']: unknown variant `zz`"), "{e}");
    let e = same::<KeysAs<u8>>(&ok);
    assert!(e.contains("[key 'a']: invalid type: string"), "{e}");
    let e = same::<KeysAs<(u8,)>>(&ok);
    assert!(e.contains("[key 'a']: invalid type: string"), "{e}");
}

thread_local! {
    /// The field list [`ByFields`] reads its struct with.
    static FIELDS: std::cell::Cell<&'static [&'static str]> = const { std::cell::Cell::new(&[]) };
}

/// A struct whose field list is chosen at run time ([`FIELDS`]), its keys read as text.
#[derive(Debug, PartialEq)]
struct ByFields(Vec<(String, u8)>);

impl<'de> Deserialize<'de> for ByFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let KeysAs(v) = {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = KeysAs<String>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a struct")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut m: A,
                ) -> Result<KeysAs<String>, A::Error> {
                    let mut v = Vec::new();
                    while let Some(k) = m.next_key::<String>()? {
                        v.push((k, m.next_value()?));
                    }
                    Ok(KeysAs(v))
                }
            }
            d.deserialize_struct("ByFields", FIELDS.get(), V)?
        };
        Ok(ByFields(v))
    }
}

#[test]
fn structs_beyond_the_kept_field_lists_are_read_by_their_keys_text() {
    python();
    // In a sub-interpreter of its own, so that the tables this fills are that interpreter's.
    let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
    libpython::with_interpreter(&sub, || {
        // More distinct field lists than an interpreter keeps the keys of (1024): the later
        // ones are read by the keys' text, with the same results.
        for i in 0..1100 {
            let name: &'static str = Box::leak(format!("f{i}").into_boxed_str());
            let fields: &'static [&'static str] = Box::leak(Box::new([name, "b"]));
            FIELDS.set(fields);
            let obj = libpython::eval(&format!("{{'{name}': 1, 'b': 2, 'c': 3}}")).unwrap();
            let back = from_python_serde::<ByFields>(&obj).unwrap();
            let expected = [(name, 1), ("b", 2), ("c", 3)].map(|(k, v)| (k.to_owned(), v));
            assert_eq!(back, ByFields(expected.to_vec()), "field list {i}");
        }
    })
    .unwrap();
}

/// A sequence that announces `said` items and yields `items`, as a list or a tuple.
struct Liar {
    said: usize,
    items: Vec<u8>,
    tuple: bool,
}

impl Serialize for Liar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq as _, SerializeTuple as _};
        if self.tuple {
            let mut t = s.serialize_tuple(self.said)?;
            for i in &self.items {
                t.serialize_element(i)?;
            }
            t.end()
        } else {
            let mut l = s.serialize_seq(Some(self.said))?;
            for i in &self.items {
                l.serialize_element(i)?;
            }
            l.end()
        }
    }
}

#[test]
fn sequences_of_another_length_than_announced_are_whole() {
    python();
    for tuple in [false, true] {
        for (said, n) in [(5, 2), (0, 3), (1, 4), (3, 3), (4, 0), (usize::MAX, 2)] {
            let items: Vec<u8> = (0..n).collect();
            let obj = to_python_serde(&Liar {
                said,
                items: items.clone(),
                tuple,
            })
            .unwrap();
            let ty = if tuple { "tuple" } else { "list" };
            let expr = format!(
                "type(x) is {ty} and list(x) == {items:?} and (x == () or __import__('gc').is_tracked(x))"
            );
            assert!(py_check(&obj, &expr), "{expr}: {obj:?}");
        }
    }
}

/// An item whose serialisation runs Python code that looks at every list the collector
/// knows.
struct Prober;

impl Serialize for Prober {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = libpython::Dict::new().map_err(serde::ser::Error::custom)?;
        libpython::exec(
            "import gc\nn = sum(len([type(i) for i in o]) for o in gc.get_objects() if type(o) is list)",
            &g,
        )
        .map_err(serde::ser::Error::custom)?;
        s.serialize_u8(1)
    }
}

#[test]
fn lists_being_filled_are_not_handed_out_by_the_collector() {
    // In a process of its own: the probe holds, for a moment, every item of every list of the
    // process, which other tests' reference counts would see.
    libpython_tests::in_child!("lists_being_filled_are_not_handed_out_by_the_collector", {
        python();
        let obj = to_python_serde(&vec![vec![Prober, Prober], vec![Prober]]).unwrap();
        assert!(py_check(&obj, "x == [[1, 1], [1]]"));
    });
}

/// A linked list, serde's classic recursive type.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Node {
    value: u32,
    next: Option<Box<Node>>,
}

fn chain(n: u32) -> Node {
    let mut node = Node {
        value: 0,
        next: None,
    };
    for i in 1..n {
        node = Node {
            value: i,
            next: Some(Box::new(node)),
        };
    }
    node
}

/// A list nested `n` deep, built with a loop.
fn deep_value(n: usize) -> Value {
    let mut v = Value::None;
    for _ in 0..n {
        v = Value::list([v]);
    }
    v
}

/// Unlinks a chain iteratively (its own recursive drop would need a deep stack).
fn unlink(node: Node) {
    let mut next = node.next;
    while let Some(mut n) = next {
        next = n.next.take();
    }
}

#[test]
fn nesting_up_to_the_limit_works_on_a_2_mib_stack() {
    python();
    let ok = on_small_stack(|| {
        // 128 levels of containers: the limit, in every direction.
        let node = chain(128);
        let obj = to_python_serde(&node).expect("128 levels serialise");
        let back: Node = from_python_serde(&obj).expect("128 levels deserialise");
        assert!(back == node);
        let v = deep_value(128);
        let obj = to_python_serde(&v).expect("a 128-deep Value serialises");
        let read: Value = from_python_serde(&obj).expect("a 128-deep list deserialises");
        assert!(read == v);
        let text = serde_json::to_string(&v).expect("serde_json takes it");
        assert_eq!(text.len(), 128 * 2 + 4);
        assert!(Value::deserialize(&v).expect("a 128-deep Value reads itself") == v);
        let node_value = Value::from_object(&to_python_serde(&node).unwrap()).unwrap();
        let from_value = Node::deserialize(&node_value).expect("128 levels read from a Value");
        assert!(from_value == node);
        unlink(from_value);
        unlink(back);
        unlink(node);
        true
    });
    assert!(ok);
}

#[test]
fn deeper_nesting_is_an_error_not_a_stack_overflow() {
    python();
    let messages = on_small_stack(|| {
        let mut out = Vec::new();
        for depth in [129, 100_000] {
            // Python data, read into Value and into a recursive type.
            let g = libpython::Dict::new().unwrap();
            libpython::exec(
                &format!("x = None\nfor _ in range({depth}):\n    x = [x]\n"),
                &g,
            )
            .unwrap();
            let x = g.get("x").unwrap().unwrap();
            out.push(conversion_message(from_python_serde::<Value>(&x)));
            #[derive(Deserialize, Debug)]
            struct Rec(#[allow(dead_code)] Vec<Option<Rec>>);
            out.push(conversion_message(from_python_serde::<Rec>(&x)));
            // A Value, serialised into Python and into JSON, and read as a recursive type.
            let v = deep_value(depth);
            out.push(conversion_message(to_python_serde(&v)));
            out.push(serde_json::to_string(&v).unwrap_err().to_string());
            out.push(conversion_message(Rec::deserialize(&v)));
            out.push(conversion_message(Value::deserialize(&v)));
            // A recursive Rust type.
            let node = chain(depth as u32);
            out.push(conversion_message(to_python_serde(&node)));
            unlink(node);
        }
        out
    });
    assert_eq!(messages.len(), 14);
    for m in messages {
        assert!(m.contains("nests more than 128 levels deep"), "{m}");
        assert!(m.len() < 300, "the path in the message is shortened: {m}");
    }
}

#[test]
fn deep_data_on_a_thread_python_started_with_a_small_stack_is_an_error_not_a_crash() {
    in_child!(
        "deep_data_on_a_thread_python_started_with_a_small_stack_is_an_error_not_a_crash",
        {
            python();
            // A thread with a small stack (`threading.stack_size`) has less room than the
            // nesting limit assumes: the stack itself is asked too, at every level.
            let read = libpython::function("read", None, |a: &libpython::Args<'_>| {
                let x: Object = a.extract(0)?;
                let back = from_python_serde::<Value>(&x).map(|_| ());
                let write = to_python_serde(&deep_value(120)).map(|_| ());
                Ok(vec![conversion_message(back), conversion_message(write)])
            })
            .unwrap();
            let g = libpython::Dict::new().unwrap();
            g.insert("read", &read).unwrap();
            libpython::exec(
                "import threading\nx = 1\nfor _ in range(120):\n    x = [x]\nout = []\nthreading.stack_size(256 * 1024)\nt = threading.Thread(target=lambda: out.append(read(x)))\nt.start()\nt.join()\nthreading.stack_size(0)\n",
                &g,
            )
            .unwrap();
            let out: Vec<Vec<String>> = g.get("out").unwrap().unwrap().extract().unwrap();
            assert_eq!(out.len(), 1, "the thread returned");
            for m in &out[0] {
                assert!(m.contains("nearly exhausted"), "{m}");
            }
        }
    );
}

#[test]
fn python_data_converts_like_the_value_model() {
    python();
    let obj = libpython::eval(
        "{'a': [1, 2.5, None, 'x', b'y', True], 'b': {'c': [[], {}]}, 'n': -2**70}",
    )
    .unwrap();
    let direct = Value::from_object(&obj).unwrap();
    let via_serde: Value = from_python_serde(&obj).unwrap();
    assert_eq!(via_serde, direct);
    let again = to_python_serde(&direct).unwrap();
    assert!(again.eq_py(&obj).unwrap());
}

/// JSON-like values that serde carries without loss (no tuples, no sets, string keys).
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i128>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,5}".prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..5).prop_map(Value::bytes),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::list),
            proptest::collection::btree_map(".{0,4}", inner, 0..5).prop_map(Value::from),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_value_round_trips_through_python_with_serde(v in arb_value()) {
        python();
        let obj = to_python_serde(&v).unwrap();
        let back: Value = from_python_serde(&obj).unwrap();
        prop_assert_eq!(&back, &v);
        // And the serde form is the same object the Value conversion makes.
        let has_nan = v.to_string().contains("nan");
        prop_assert!(has_nan || obj.eq_py(v.to_object().unwrap()).unwrap());
    }

    #[test]
    fn any_struct_round_trips(a in any::<i32>(), b in proptest::option::of(".{0,8}"), xs in proptest::collection::vec(any::<(u16, bool)>(), 0..8)) {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct S { a: i32, b: Option<String>, xs: Vec<(u16, bool)> }
        python();
        let s = S { a, b, xs };
        let back: S = from_python_serde(&to_python_serde(&s).unwrap()).unwrap();
        prop_assert_eq!(back, s);
    }
}

/// A struct whose own `Deserialize` reads its keys as an enum, an `Option` and a newtype (what
/// serde's derive never does, but a hand-written impl may): each key, found among the fields
/// by its kept `str`, reads as that `str` would.
#[test]
fn struct_keys_read_as_any_str_type() {
    use serde::de::{MapAccess, Visitor};

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Field {
        A,
        B,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Name(String);

    #[derive(Debug, PartialEq)]
    struct S(Vec<String>);

    impl<'de> Deserialize<'de> for S {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<S, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = S;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("struct S")
                }
                fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<S, M::Error> {
                    let mut seen = Vec::new();
                    let f: Field = m.next_key()?.expect("a first key");
                    seen.push(format!("{f:?}={}", m.next_value::<i32>()?));
                    let o: Option<String> = m.next_key()?.expect("a second key");
                    seen.push(format!("{o:?}={}", m.next_value::<i32>()?));
                    let n: Name = m.next_key()?.expect("a third key");
                    seen.push(format!("{n:?}={}", m.next_value::<i32>()?));
                    assert!(m.next_key::<String>()?.is_none());
                    Ok(S(seen))
                }
            }
            d.deserialize_struct("S", &["a", "b", "c"], V)
        }
    }

    python();
    let obj = libpython::eval("{'a': 1, 'b': 2, 'c': 3}").unwrap();
    let s = from_python_serde::<S>(&obj).unwrap();
    assert_eq!(s.0, ["A=1", "Some(\"b\")=2", "Name(\"c\")=3"]);
    // The same keys made at run time (not the interpreter's kept `str`s) read alike.
    let obj = libpython::eval("{''.join(['a']): 1, ''.join(['b']): 2, ''.join(['c']): 3}").unwrap();
    let s = from_python_serde::<S>(&obj).unwrap();
    assert_eq!(s.0, ["A=1", "Some(\"b\")=2", "Name(\"c\")=3"]);
}

/// A value whose deserializer runs Python code that changes the dict being read: the read
/// ends with the error Python's own iteration gives, never with entries of a changed dict
/// taken as the struct's (keys removed meanwhile: at the walk's end; keys added: as soon as
/// the walk meets more entries than the dict had).
#[test]
fn a_dict_changed_by_a_value_s_own_deserializer_is_an_error() {
    thread_local! {
        /// The namespace whose `d` is read, and the statement a `Changes` value runs.
        static CHANGE: std::cell::RefCell<Option<(libpython::Dict, &'static str)>> =
            const { std::cell::RefCell::new(None) };
    }
    /// An int read, then the statement run.
    struct Changes;
    impl<'de> Deserialize<'de> for Changes {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            i64::deserialize(d)?;
            CHANGE.with_borrow(|c| {
                let (g, code) = c.as_ref().expect("a change to run");
                libpython::exec(code, g).map_err(serde::de::Error::custom)
            })?;
            Ok(Changes)
        }
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Read {
        a: Changes,
        b: i64,
        c: Option<i64>,
    }
    impl std::fmt::Debug for Changes {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Changes")
        }
    }
    python();
    for (code, expected) in [
        ("d.pop('c', None)", "changed size during iteration"),
        ("d['z'] = 0", "changed during iteration"),
        ("d.clear()", "changed size during iteration"),
    ] {
        let g = libpython::Dict::new().unwrap();
        libpython::exec("d = {'a': 1, 'b': 2, 'c': 3}", &g).unwrap();
        CHANGE.with_borrow_mut(|c| *c = Some((g.clone(), code)));
        let d = g.get("d").unwrap().unwrap();
        let e = from_python_serde::<Read>(&d).unwrap_err().to_string();
        assert!(e.contains(expected), "{code}: {e}");
        // The same change under a map that is not a struct's.
        libpython::exec("d = {'a': 1, 'b': 2, 'c': 3}", &g).unwrap();
        let d = g.get("d").unwrap().unwrap();
        let e = from_python_serde::<BTreeMap<String, Changes>>(&d)
            .unwrap_err()
            .to_string();
        assert!(e.contains(expected), "{code} (map): {e}");
        CHANGE.with_borrow_mut(|c| *c = None);
    }
}

/// serde reads a dict itself (under its critical section on a free-threaded build, which the
/// changing thread waits for): a read gives a whole struct or map, or the error Python's own
/// iteration gives, while another thread adds and removes keys as fast as it can.
#[test]
fn dicts_changed_by_another_thread_while_read_give_whole_values_or_errors() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Point {
        x: i64,
        y: i64,
    }
    // In a process of its own: the busy Python thread would hold up the suite's other threads.
    libpython_tests::in_child!(
        "dicts_changed_by_another_thread_while_read_give_whole_values_or_errors",
        {
            python();
            let g = libpython::Dict::new().unwrap();
            libpython::exec(
                "import threading\n\
                 d = {'x': 1, 'y': 2}\n\
                 stop = threading.Event()\n\
                 def churn():\n\
                 \x20   i = 0\n\
                 \x20   while not stop.is_set():\n\
                 \x20       d['z'] = i\n\
                 \x20       d['x'] = i\n\
                 \x20       del d['z']\n\
                 \x20       i += 1\n\
                 worker = threading.Thread(target=churn)\n\
                 worker.start()\n",
                &g,
            )
            .unwrap();
            let d = g.get("d").unwrap().unwrap();
            let read = std::panic::catch_unwind(|| {
                let (mut whole, mut changed) = (0, 0);
                for _ in 0..2000 {
                    for r in [
                        from_python_serde::<Point>(&d).map(|p| vec![p.x, p.y]),
                        from_python_serde::<BTreeMap<String, i64>>(&d)
                            .map(|m| m.into_values().collect()),
                    ] {
                        match r {
                            Ok(v) => {
                                assert!(v.len() == 2 || v.len() == 3, "{v:?}");
                                whole += 1;
                            }
                            Err(e) => {
                                let m = e.to_string();
                                assert!(
                                    m.contains("changed size during iteration")
                                        || m.contains("changed during iteration"),
                                    "{m}"
                                );
                                changed += 1;
                            }
                        }
                    }
                }
                assert_eq!(whole + changed, 4000);
                assert!(whole > 0, "no read was whole ({changed} changed)");
            });
            libpython::exec("stop.set()\nworker.join()\n", &g).unwrap();
            read.unwrap();
        }
    );
}

/// A value's own `Deserialize` that runs Python code walking the very dict being read (on a
/// free-threaded build, from inside that dict's critical section, which the walk takes again)
/// finishes: no deadlock, and the struct reads whole.
#[test]
fn python_code_walking_the_dict_being_read_from_inside_its_read_finishes() {
    static GLOBALS: std::sync::OnceLock<libpython::Dict> = std::sync::OnceLock::new();

    /// An int, plus the number of keys Python counts in `d` while it is read.
    #[derive(Debug)]
    struct Counted(i64);

    impl<'de> Deserialize<'de> for Counted {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Counted, D::Error> {
            let v = i64::deserialize(d)?;
            let g = GLOBALS.get().expect("the globals");
            libpython::exec("n = sum(1 for _ in d) + len(list(d.items()))", g)
                .map_err(serde::de::Error::custom)?;
            let n: i64 = g
                .get_as("n")
                .map_err(serde::de::Error::custom)?
                .unwrap_or(-1);
            Ok(Counted(v + n))
        }
    }

    #[derive(Debug, Deserialize)]
    struct S {
        a: Counted,
        b: i64,
    }

    libpython_tests::in_child!(
        "python_code_walking_the_dict_being_read_from_inside_its_read_finishes",
        within = std::time::Duration::from_secs(60),
        {
            python();
            let g = GLOBALS.get_or_init(|| libpython::Dict::new().unwrap());
            libpython::exec("d = {'a': 1, 'b': 2}", g).unwrap();
            let d = g.get("d").unwrap().unwrap();
            let s = from_python_serde::<S>(&d).unwrap();
            assert_eq!((s.a.0, s.b), (1 + 2 + 2, 2));
            let m = from_python_serde::<BTreeMap<String, Counted>>(&d).unwrap();
            assert_eq!(m["a"].0 + m["b"].0, 1 + 4 + 2 + 4);
        }
    );
}
