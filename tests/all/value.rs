//! The persistent `Value` model: Python data to `Value` and back, deep and cyclic data, the
//! structural equality, order and hashing, formatting, and imbl collections.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use libpython::value::Value;
use libpython::{Dict, ErrorKind, Object, ToPython};
use libpython_tests::namespace::get;
use libpython_tests::{on_small_stack, python};
use num_bigint::BigInt;
use proptest::prelude::*;

/// Runs `code` in a fresh namespace and returns it.
fn run(code: &str) -> Dict {
    python();
    let g = Dict::new().expect("a dict");
    libpython::exec(code, &g).unwrap_or_else(|e| panic!("{code}\n{e}"));
    g
}

const SAME: &str = r#"
import math
def same(a, b):
    "Equal, with the same types all the way down (and float signs and NaNs)."
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b) and math.copysign(1, a) == math.copysign(1, b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b or not same(v, b[k]):
                return False
            if not same(k, next(k2 for k2 in b if k2 == k)):
                return False
        return True
    if isinstance(a, (set, frozenset)):
        return a == b and all(same(x, next(y for y in b if y == x)) for x in a)
    return a == b
"#;

/// Whether two objects are equal with the same types throughout (Python's `same` above).
fn same(a: &Object, b: &Object) -> bool {
    let g = run(SAME);
    get(&g, "same")
        .call((a, b))
        .and_then(|r| r.extract::<bool>())
        .expect("same() runs")
}

/// Python -> Value -> Python, asserting the copy is the same as the original.
fn round_trip(expr: &str) -> Value {
    python();
    let obj = libpython::eval(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let v = Value::from_object(&obj).unwrap_or_else(|e| panic!("{expr} -> Value: {e}"));
    let back = v
        .to_object()
        .unwrap_or_else(|e| panic!("{expr} -> Value -> Python: {e}"));
    assert!(
        same(&obj, &back),
        "{expr} came back as {back:?} (Value {v})"
    );
    // And the Value read back from the copy is equal to the first one.
    let again = Value::from_object(&back).expect("the copy converts");
    assert_eq!(again, v, "{expr}");
    v
}

fn hash_of(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// A list nested `n` deep, built with a loop: `[[[...[]...]]]`.
fn deep_list(n: usize) -> Value {
    let mut v = Value::list(Vec::<Value>::new());
    for _ in 0..n {
        v = Value::list([v]);
    }
    v
}

#[test]
fn scalars_round_trip_into_the_expected_variants() {
    assert!(matches!(round_trip("None"), Value::None));
    assert!(matches!(round_trip("True"), Value::Bool(true)));
    assert!(matches!(round_trip("False"), Value::Bool(false)));
    assert!(matches!(round_trip("0"), Value::Int(0)));
    assert!(matches!(round_trip("-7"), Value::Int(-7)));
    assert!(matches!(round_trip("2**63 - 1"), Value::Int(i64::MAX)));
    assert!(matches!(round_trip("-2**63"), Value::Int(i64::MIN)));
    assert!(matches!(round_trip("1.5"), Value::Float(x) if x == 1.5));
    assert!(matches!(round_trip("''"), Value::Str(ref s) if s.is_empty()));
    assert!(matches!(round_trip("'héllo'"), Value::Str(ref s) if &**s == "héllo"));
    assert!(matches!(round_trip("b''"), Value::Bytes(ref b) if b.is_empty()));
    assert!(matches!(round_trip("b'\\x00\\xff'"), Value::Bytes(ref b) if **b == [0, 255]));
    assert!(matches!(round_trip("'a\\x00b'"), Value::Str(ref s) if &**s == "a\0b"));
}

#[test]
fn ints_beyond_i64_are_big_ints_of_any_size() {
    let two = BigInt::from(2);
    match &round_trip("2**63") {
        Value::BigInt(b) => assert_eq!(**b, two.pow(63)),
        other => panic!("2**63 became {other}"),
    }
    match &round_trip("-2**63 - 1") {
        Value::BigInt(b) => assert_eq!(**b, -two.pow(63) - 1),
        other => panic!("-2**63-1 became {other}"),
    }
    // Far beyond Python's 4300-digit limit for int <-> decimal str conversion.
    match &round_trip("2**100000 + 12345") {
        Value::BigInt(b) => assert_eq!(**b, two.pow(100000) + 12345),
        other => panic!("2**100000 became {}", other.type_name()),
    }
    match &round_trip("-(3**5000)") {
        Value::BigInt(b) => assert_eq!(**b, -BigInt::from(3).pow(5000)),
        other => panic!("-(3**5000) became {}", other.type_name()),
    }
    // A BigInt made in Rust reaches Python with its value.
    let v = Value::from(BigInt::from(-5) * two.pow(200));
    let obj = v.to_object().unwrap();
    assert!(obj.eq_py(libpython::eval("-5 * 2**200").unwrap()).unwrap());
    // Small BigInts are normalised by From, and compare equal to Int anyway.
    assert!(matches!(Value::from(BigInt::from(42)), Value::Int(42)));
    assert_eq!(Value::BigInt(Arc::new(BigInt::from(42))), Value::Int(42));
    assert_eq!(
        hash_of(&Value::BigInt(Arc::new(BigInt::from(42)))),
        hash_of(&Value::Int(42))
    );
    // A non-normalised BigInt still reaches Python as an int.
    assert_eq!(
        Value::BigInt(Arc::new(BigInt::from(7)))
            .to_object()
            .unwrap()
            .extract::<i64>()
            .unwrap(),
        7
    );
    assert!(matches!(Value::from(u64::MAX), Value::BigInt(_)));
    assert!(matches!(Value::from(u128::MAX), Value::BigInt(_)));
    assert_eq!(
        Value::from(u128::MAX)
            .to_object()
            .unwrap()
            .extract::<u128>()
            .unwrap(),
        u128::MAX
    );
    assert_eq!(
        Value::from(i128::MIN)
            .to_object()
            .unwrap()
            .extract::<i128>()
            .unwrap(),
        i128::MIN
    );
}

#[test]
fn nan_infinities_and_signed_zeros_survive() {
    assert!(matches!(round_trip("float('nan')"), Value::Float(x) if x.is_nan()));
    assert!(matches!(round_trip("float('inf')"), Value::Float(x) if x == f64::INFINITY));
    assert!(matches!(round_trip("float('-inf')"), Value::Float(x) if x == f64::NEG_INFINITY));
    assert!(matches!(round_trip("-0.0"), Value::Float(x) if x == 0.0 && x.is_sign_negative()));
    assert!(matches!(round_trip("5e-324"), Value::Float(x) if x == 5e-324));
    assert!(matches!(round_trip("1.7976931348623157e308"), Value::Float(x) if x == f64::MAX));
    round_trip("[float('nan'), float('inf'), -0.0, 0.0]");
    // From Rust.
    let obj = Value::list([f64::NAN, f64::INFINITY, -0.0])
        .to_object()
        .unwrap();
    assert_eq!(obj.repr().unwrap(), "[nan, inf, -0.0]");
}

#[test]
fn text_beyond_the_basic_multilingual_plane_survives() {
    let v = round_trip("'😀 𝄞 \\U0010ffff ü'");
    assert_eq!(v.as_str(), Some("😀 𝄞 \u{10ffff} ü"));
    assert_eq!(v.len(), 7);
    let obj = Value::from("𐍈𝒳").to_object().unwrap();
    assert_eq!(obj.len().unwrap(), 2);
    assert!(obj.eq_py("𐍈𝒳").unwrap());
}

#[test]
fn lone_surrogates_are_a_clear_error_naming_where() {
    python();
    let obj = libpython::eval("['ok', {'k': 'a\\udc80b'}]").unwrap();
    match Value::from_object(&obj).map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Conversion(m)) => {
            assert!(m.contains("$[1]['k']"), "{m}");
            assert!(m.contains("not valid Unicode"), "{m}");
            assert!(m.contains("surrogates not allowed"), "{m}");
        }
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

#[test]
fn nested_mixes_round_trip() {
    let v = round_trip(
        "{'name': 'x', 'list': [1, 2.5, None, True, b'b', (1, 'two', [3.0])], \
          'set': {1, 2, 3}, 'fs': frozenset({'a', 'b'}), 'empty': [[], (), {}, set(), frozenset()], \
          'nested': {'a': {'b': {'c': [{'d': (None,)}]}}}, 'big': [2**70, -2**70]}",
    );
    assert_eq!(v["list"][5][1].as_str(), Some("two"));
    assert!(matches!(v["list"][5], Value::Tuple(_)));
    assert!(matches!(v["set"], Value::Set(_)));
    assert!(matches!(v["fs"], Value::FrozenSet(_)));
    assert!(matches!(v["empty"][4], Value::FrozenSet(ref s) if s.is_empty()));
    assert!(v["nested"]["a"]["b"]["c"][0]["d"][0].is_none());
    assert_eq!(v["big"][0].as_bigint(), Some(BigInt::from(2).pow(70)));
}

#[test]
fn dicts_with_tuple_and_other_hashable_keys_round_trip() {
    let v = round_trip(
        "{(1, 2): 'pair', (1, (2, 3)): 'nested', frozenset({1}): 'fs', None: 'none', 2.5: 'f', \
          b'k': 'bytes', 7: 'int', True: 'bool', (): 'empty'}",
    );
    assert_eq!(
        v.get(Value::tuple([1, 2])).and_then(Value::as_str),
        Some("pair")
    );
    let nested = Value::tuple([Value::from(1), Value::tuple([2, 3])]);
    assert_eq!(v[&nested].as_str(), Some("nested"));
    assert_eq!(v[&Value::frozenset([1])].as_str(), Some("fs"));
    assert_eq!(v[&Value::None].as_str(), Some("none"));
    assert_eq!(v[&Value::from(true)].as_str(), Some("bool"));
    assert_eq!(v[&Value::from(7)].as_str(), Some("int"));
    assert_eq!(v[&Value::bytes(b"k".as_slice())].as_str(), Some("bytes"));
    assert_eq!(v.len(), 9);
}

#[test]
fn subclasses_and_other_builtin_kinds_convert_as_their_base() {
    let g = run("import collections, enum\n\
         class Color(enum.IntEnum):\n    RED = 1\n\
         P = collections.namedtuple('P', 'x y')\n\
         x = [collections.OrderedDict(a=1), P(1, 2), Color.RED, bytearray(b'ab'), \
              collections.defaultdict(list, k=[1])]\n");
    let v = Value::from_object(&get(&g, "x")).unwrap();
    assert_eq!(v.to_string(), "[{'a': 1}, (1, 2), 1, b'ab', {'k': [1]}]");
}

#[test]
fn unsupported_types_are_type_errors_naming_where() {
    python();
    let obj = libpython::eval("[1, {'a': complex(1, 2)}]").unwrap();
    match Value::from_object(&obj).map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Type {
            expected, found, ..
        }) => {
            assert_eq!(found, "complex");
            assert!(expected.contains("$[1]['a']"), "{expected}");
        }
        other => panic!("expected a type error, got {other:?}"),
    }
    let obj = libpython::eval("{'f': len}").unwrap();
    assert!(
        matches!(Value::from_object(&obj).as_ref().map_err(libpython::Error::kind), Err(ErrorKind::Type { found, .. }) if found == "builtin_function_or_method")
    );
}

#[test]
fn self_referential_lists_and_dicts_are_errors() {
    let g = run("a = []\na.append(a)\n\
         b = [1, [2, []]]\nb[1][1].append(b)\n\
         d = {}\nd['self'] = d\n\
         e = {'k': [{'x': None}]}\ne['k'][0]['x'] = e\n\
         t = ([],)\nt[0].append(t)\n");
    for (name, type_name) in [
        ("a", "list"),
        ("b", "list"),
        ("d", "dict"),
        ("e", "dict"),
        ("t", "tuple"),
    ] {
        match Value::from_object(&get(&g, name)).map_err(libpython::Error::into_kind) {
            Err(ErrorKind::SelfReferential { type_name: t }) => assert_eq!(t, type_name, "{name}"),
            other => panic!("{name}: expected SelfReferential, got {other:?}"),
        }
    }
}

#[test]
fn shared_containers_are_not_cycles_and_are_copied_once() {
    let g =
        run("x = [1, 2]\ny = [x, x, {'again': x}]\nz = []\nfor _ in range(300):\n    z = [z, z]\n");
    let y = Value::from_object(&get(&g, "y")).unwrap();
    assert_eq!(y.to_string(), "[[1, 2], [1, 2], {'again': [1, 2]}]");
    let (a, b) = (y[0].as_seq().unwrap(), y[1].as_seq().unwrap());
    assert!(
        a.ptr_eq(b),
        "the same Python list becomes one shared Vector"
    );
    // 2^300 paths through 300 shared lists: copied in linear time.
    let z = Value::from_object(&get(&g, "z")).unwrap();
    let mut level = &z;
    for _ in 0..300 {
        let items = level.as_seq().expect("a list");
        assert_eq!(items.len(), 2);
        if !items[0].is_empty() {
            assert!(
                items[0]
                    .as_seq()
                    .unwrap()
                    .ptr_eq(items[1].as_seq().unwrap())
            );
        }
        level = &items[0];
    }
    assert!(level.is_empty());
    assert_eq!(z, z.clone());
}

#[test]
fn keys_equal_as_values_but_distinct_in_python_are_an_error() {
    python();
    let obj = libpython::eval("{float('nan'): 1, float('nan'): 2}").unwrap();
    assert!(
        matches!(Value::from_object(&obj).as_ref().map_err(libpython::Error::kind), Err(ErrorKind::Conversion(m)) if m.contains("lose an entry"))
    );
    let obj = libpython::eval("[{float('nan'), float('nan')}]").unwrap();
    assert!(
        matches!(Value::from_object(&obj).as_ref().map_err(libpython::Error::kind), Err(ErrorKind::Conversion(m)) if m.contains("lose an element") && m.contains("$[0]"))
    );
}

#[test]
fn keys_distinct_as_values_but_equal_in_python_are_an_error() {
    python();
    let d = Value::dict([(Value::from(1), "int"), (Value::from(1.0), "float")]);
    match d.to_object().map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Conversion(m)) => assert!(m.contains("equals an earlier key"), "{m}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let nested = Value::list([Value::set([Value::from(true), Value::from(1)])]);
    match nested.to_object().map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Conversion(m)) => assert!(
            m.starts_with("$[0]") && m.contains("lose an element"),
            "{m}"
        ),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn unhashable_keys_are_an_error_naming_where() {
    python();
    // A list inside a key becomes a tuple; a dict cannot be made hashable.
    let d = Value::dict([(
        "outer",
        Value::dict([(Value::tuple([Value::list([1]), Value::dict([(1, 2)])]), 1)]),
    )]);
    match d.to_object().map_err(libpython::Error::into_kind) {
        Err(ErrorKind::Conversion(m)) => {
            assert!(m.starts_with("$['outer']"), "{m}");
            assert!(m.contains("unhashable type: 'dict'"), "{m}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let s = Value::set([Value::dict([(1, 2)])]);
    assert!(
        matches!(s.to_object().as_ref().map_err(libpython::Error::kind), Err(ErrorKind::Conversion(m)) if m.contains("set element"))
    );
}

#[test]
fn a_100000_deep_python_list_dict_and_tuple_convert_on_a_2_mib_stack() {
    python();
    let depths = on_small_stack(|| {
        let g = run("x = []\nfor _ in range(100000):\n    x = [x]\n\
             d = {}\nfor _ in range(100000):\n    d = {'k': d}\n\
             t = ()\nfor _ in range(100000):\n    t = (t, 1)\n");
        let mut out = Vec::new();
        for name in ["x", "d", "t"] {
            let v = Value::from_object(&get(&g, name)).expect("a deep value converts");
            out.push(v.depth());
        }
        // The namespace (and its deep objects) is freed by Python with its trashcan.
        out
    });
    assert_eq!(depths, [100000, 100000, 100000]);
}

#[test]
fn a_100000_deep_value_converts_to_python_on_a_2_mib_stack() {
    python();
    let (list_depth, dict_depth, tuple_depth) = on_small_stack(|| {
        let g = run(
            "def depth(x):\n    n = 0\n    while isinstance(x, (list, tuple, dict)) and len(x):\n        \
             x = x['k'] if isinstance(x, dict) else x[0]\n        n += 1\n    return n\n",
        );
        let depth = get(&g, "depth");
        let mut d = Value::dict(Vec::<(Value, Value)>::new());
        let mut t = Value::tuple(Vec::<Value>::new());
        for i in 0..100000 {
            d = Value::dict([("k", d)]);
            t = Value::tuple([t, Value::from(i)]);
        }
        let l = deep_list(100000);
        let measure = |v: &Value| -> i64 {
            depth
                .call((v.to_object().expect("converts"),))
                .unwrap()
                .extract()
                .unwrap()
        };
        (measure(&l), measure(&d), measure(&t))
    });
    assert_eq!(
        (list_depth, dict_depth, tuple_depth),
        (100000, 100000, 100000)
    );
}

#[test]
fn a_deep_value_clones_compares_hashes_formats_and_drops_on_a_2_mib_stack() {
    let ok = on_small_stack(|| {
        let a = deep_list(100000);
        let b = deep_list(100000);
        assert!(!a.as_seq().unwrap().ptr_eq(b.as_seq().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        assert_eq!(hash_of(&a), hash_of(&b));
        let c = a.clone();
        assert_eq!(c.depth(), 100000);
        let mut different = Value::list([1]);
        for _ in 0..100000 {
            different = Value::list([different]);
        }
        assert_ne!(a, different);
        assert!(different > a, "[[...[1]...]] sorts after [[...[]...]]");
        let text = a.to_string();
        assert_eq!(text.len(), 200002);
        assert!(text.starts_with("[[[") && text.ends_with("]]]"));
        // A 100,000-deep dict, dropped while a clone of its inner part is still alive.
        let mut d = Value::None;
        for _ in 0..100_000 {
            d = Value::dict([(Value::from("k"), d)]);
        }
        let inner = d["k"]["k"].clone();
        drop(d);
        assert_eq!(inner.depth(), 99_998);
        drop((a, b, c, different, inner));
        true
    });
    assert!(ok);
}

#[test]
fn equality_order_and_hashing_are_structural_and_documented() {
    assert_ne!(Value::from(1), Value::from(1.0));
    assert_ne!(Value::from(true), Value::from(1));
    assert_ne!(Value::list([1]), Value::tuple([1]));
    assert_ne!(Value::set([1]), Value::frozenset([1]));
    assert_eq!(Value::from(f64::NAN), Value::from(f64::NAN));
    assert_eq!(
        hash_of(&Value::from(f64::NAN)),
        hash_of(&Value::from(f64::NAN))
    );
    assert_ne!(Value::from(0.0), Value::from(-0.0));
    assert!(Value::from(-0.0) < Value::from(0.0));
    assert!(Value::from(f64::INFINITY) < Value::from(f64::NAN));
    let order = [
        Value::None,
        Value::from(false),
        Value::from(true),
        Value::from(i64::MIN),
        Value::from(-1),
        Value::from(u64::MAX),
        Value::from(f64::NEG_INFINITY),
        Value::from(0.5),
        Value::from(""),
        Value::from("a"),
        Value::from("b"),
        Value::bytes(b"".as_slice()),
        Value::list(Vec::<Value>::new()),
        Value::list([1]),
        Value::list([1, 2]),
        Value::list([2]),
        Value::tuple([0]),
        Value::dict([(1, 1)]),
        Value::dict([(1, 2)]),
        Value::set([0]),
        Value::frozenset([0]),
    ];
    for w in order.windows(2) {
        assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
        assert_ne!(w[0], w[1]);
    }
    let mut shuffled: Vec<Value> = order.iter().rev().cloned().collect();
    shuffled.sort();
    assert_eq!(shuffled, order);
    // Equal values hash alike, whichever way they were built.
    let a = Value::dict([("x", Value::list([1, 2])), ("y", Value::set(["s"]))]);
    let b = Value::dict([("y", Value::set(["s"])), ("x", Value::list([1, 2]))]);
    assert_eq!(a, b);
    assert_eq!(hash_of(&a), hash_of(&b));
    // Element boundaries count: [[1], 2] is not [[1, 2]].
    assert_ne!(
        Value::list([Value::list([1]), Value::from(2)]),
        Value::list([Value::list([1, 2])])
    );
    assert_ne!(
        hash_of(&Value::list([Value::list([1]), Value::from(2)])),
        hash_of(&Value::list([Value::list([1, 2])]))
    );
}

#[test]
fn display_is_python_repr() {
    python();
    let values = [
        Value::None,
        Value::from(true),
        Value::from(-12),
        Value::from(BigInt::from(10).pow(30)),
        Value::from(0.1),
        Value::from(1e16),
        Value::from(1.5e300),
        Value::from(1e-5),
        Value::from(-2.5e-300),
        Value::from(123456789.125),
        Value::from(-0.0),
        Value::from(f64::NAN),
        Value::from(f64::NEG_INFINITY),
        Value::from("it's"),
        Value::from("both ' and \""),
        Value::from("tab\t new\n back\\ bell\x07 del\x7f é 😀"),
        Value::bytes(b"a'b\x00\xff\n\\".as_slice()),
        Value::bytes(b"\"'".as_slice()),
        Value::tuple([1]),
        Value::tuple(Vec::<Value>::new()),
        Value::list([Value::None, Value::tuple([1, 2])]),
        Value::dict([
            (Value::from("a"), Value::from(1)),
            (Value::tuple([1]), Value::list(["x"])),
        ]),
        Value::set(Vec::<Value>::new()),
        Value::set([3, 1, 2]),
        Value::frozenset(Vec::<Value>::new()),
        Value::frozenset(["z"]),
    ];
    for v in values {
        let repr = v.to_object().unwrap().repr().unwrap();
        assert_eq!(v.to_string(), repr);
        assert_eq!(format!("{v:?}"), repr);
    }
}

#[test]
fn constructors_from_impls_and_accessors() {
    let mut v = Value::dict([
        (Value::from("n"), Value::from(3u8)),
        (Value::from("l"), Value::from(vec![1, 2])),
        (Value::from("o"), Value::from(Option::<i32>::None)),
        (Value::from("c"), Value::from('é')),
        (Value::from("b"), Value::from(libpython::Bytes(vec![1]))),
        (Value::from("f"), Value::from(2.5f32)),
    ]);
    assert_eq!(v["n"].as_i64(), Some(3));
    assert_eq!(v["l"][1].as_i64(), Some(2));
    assert!(v["o"].is_none());
    assert_eq!(v["c"].as_str(), Some("é"));
    assert_eq!(v["b"].as_bytes(), Some(&[1u8][..]));
    assert_eq!(v["f"].as_f64(), Some(2.5));
    assert_eq!(v["n"].as_f64(), Some(3.0));
    assert!(v["missing"].is_none() && v["l"][9].is_none() && v[0].is_none());
    assert_eq!(v.get(String::from("n")), Some(&Value::from(3)));
    assert_eq!(v.type_name(), "dict");
    assert_eq!(v.len(), 6);
    assert!(!v.is_empty());
    *v.get_mut("n").unwrap() = Value::from("three");
    v.get_mut("l")
        .unwrap()
        .as_seq_mut()
        .unwrap()
        .push_back(Value::from(3));
    assert_eq!(v["n"].as_str(), Some("three"));
    assert_eq!(v["l"].len(), 3);
    let collected: Value = (0..3).map(|i| i * 10).collect();
    assert_eq!(collected.to_string(), "[0, 10, 20]");
    assert_eq!(collected.clone().into_seq().map(|s| s.len()), Some(3));
    assert_eq!(Value::set(["a"]).into_set().map(|s| s.len()), Some(1));
    assert_eq!(v.clone().into_dict().map(|d| d.len()), Some(6));
    assert_eq!(Value::from(1).into_dict(), None);
    let std_map: std::collections::BTreeMap<&str, i32> = [("k", 1)].into();
    assert_eq!(Value::from(std_map).to_string(), "{'k': 1}");
    assert_eq!(Value::from(()).type_name(), "NoneType");
    assert_eq!(Value::default(), Value::None);
}

#[test]
fn a_value_is_three_words_and_small_lists_live_inline() {
    // Containers and big ints sit behind an Arc, so elements are small: imbl keeps up to two
    // of them inside the vector itself, and a chunk of 64 slots is 1.5 KiB, not 4.6 KiB.
    assert_eq!(std::mem::size_of::<Value>(), 24);
    let pair = Value::list([1, 2]);
    let copy = pair.clone();
    assert!(
        std::ptr::eq(pair.as_seq().unwrap(), copy.as_seq().unwrap()),
        "a clone shares the vector"
    );
}

#[test]
fn persistent_updates_leave_other_copies_alone() {
    let a = Value::list((0..1000).collect::<Vec<i32>>());
    let mut b = a.clone();
    b.as_seq_mut().unwrap().set(500, Value::from("changed"));
    assert_eq!(a[500].as_i64(), Some(500));
    assert_eq!(b[500].as_str(), Some("changed"));
    assert_ne!(a, b);
}

#[test]
fn imbl_collections_convert_both_ways() {
    python();
    libpython::attach(|py| {
        let v: imbl::Vector<i64> = imbl::vector![1, 2, 3];
        let obj = v.to_python(py)?;
        assert_eq!(obj.bind(py)?.repr()?, "[1, 2, 3]");
        assert_eq!(obj.bind(py)?.extract::<imbl::Vector<i64>>()?, v);

        let m: imbl::HashMap<String, i64> =
            imbl::hashmap! {"a".to_string() => 1, "b".to_string() => 2};
        let obj = m.to_python(py)?;
        assert_eq!(obj.bind(py)?.extract::<imbl::HashMap<String, i64>>()?, m);
        assert_eq!(obj.bind(py)?.type_name()?, "dict");

        let o: imbl::OrdMap<i64, Vec<String>> = imbl::ordmap! {2 => vec!["b".into()], 1 => vec![]};
        let obj = o.to_python(py)?;
        assert_eq!(obj.bind(py)?.repr()?, "{1: [], 2: ['b']}");
        assert_eq!(
            obj.bind(py)?.extract::<imbl::OrdMap<i64, Vec<String>>>()?,
            o
        );

        let s: imbl::HashSet<i64> = imbl::hashset! {5, 6};
        let obj = s.to_python(py)?;
        assert_eq!(obj.bind(py)?.type_name()?, "set");
        assert_eq!(obj.bind(py)?.extract::<imbl::HashSet<i64>>()?, s);

        let os: imbl::OrdSet<String> = imbl::ordset! {"x".to_string()};
        assert_eq!(
            os.to_python(py)?
                .bind(py)?
                .extract::<imbl::OrdSet<String>>()?,
            os
        );

        // Values inside imbl collections use the Value conversion.
        let nested: imbl::Vector<Value> = imbl::vector![Value::tuple([1]), Value::None];
        assert_eq!(nested.to_python(py)?.bind(py)?.repr()?, "[(1,), None]");
        Ok(())
    })
    .unwrap();
}

#[test]
fn values_cross_threads() {
    python();
    let v = Value::from_object(&libpython::eval("{'a': [1, 2, {3}]}").unwrap()).unwrap();
    let copy = v.clone();
    let back = std::thread::spawn(move || copy.to_object().and_then(|o| o.repr()))
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(back, "{'a': [1, 2, {3}]}");
    assert_eq!(v.depth(), 3);
}

/// JSON-like values whose Python forms cannot collide (string dict keys, sets of strings).
fn arb_value() -> impl Strategy<Value = Value> {
    let text = "[a-z'\"\\\\\n é😀]{0,6}";
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<i128>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text.prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(Value::bytes),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::list),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::tuple),
            proptest::collection::btree_map(text, inner, 0..6).prop_map(Value::from),
            proptest::collection::btree_set(text, 0..6).prop_map(Value::set),
            proptest::collection::btree_set(any::<i64>(), 0..6).prop_map(Value::frozenset),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_json_like_value_round_trips_through_python(v in arb_value()) {
        python();
        let obj = v.to_object().unwrap();
        let back = Value::from_object(&obj).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(hash_of(&back), hash_of(&v));
        prop_assert_eq!(back.cmp(&v), std::cmp::Ordering::Equal);
    }
}
