//! Property tests of the conversions: random nested values go Rust -> Python ->
//! Rust unchanged, through the `Value` model and through the typed conversions; random Python
//! objects (random values and hostile objects) converted to the wrong Rust types give errors,
//! never panics or crashes.
//!
//! 64 cases per property by default, so the suite stays fast. `PROPTEST_CASES=N` and
//! `PROPTEST_RNG_SEED=S` override the count and the (otherwise random) seed; `cargo xtask fuzz
//! --seconds N` runs these properties over and over with fresh seeds for N seconds. Failures
//! are not persisted to files: a failure prints the minimal input and the seed reproduces it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use libpython::value::Value;
use libpython::value::imbl::{OrdMap, Vector};
use libpython::{Bytes, Dict, ErrorKind, FromPython, Object, ToPython};
use libpython_tests::{panic_message, python};
use num_bigint::{BigInt, Sign};
use proptest::prelude::*;

/// The suite's configuration: 64 cases unless `PROPTEST_CASES` says otherwise (read by
/// `ProptestConfig::default`, as is `PROPTEST_RNG_SEED`), no regression files.
fn config() -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = 64;
    }
    c.failure_persistence = None;
    c
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Integers beyond `i64`, up to 512 bits, of either sign.
fn big_beyond_i64() -> impl Strategy<Value = BigInt> {
    (
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 9..=64),
    )
        .prop_filter_map("fits i64", |(neg, bytes)| {
            let b = BigInt::from_bytes_le(if neg { Sign::Minus } else { Sign::Plus }, &bytes);
            i64::try_from(&b).is_err().then_some(b)
        })
}

/// Text of any Unicode scalar values (proptest's `String` draws from every plane).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z]{0,3}",
        proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..24)
}

/// Hashable values whose Python forms never compare equal across kinds (no bools or floats
/// next to ints, `BigInt` only beyond `i64`), so a dict or set keeps exactly its entries.
fn key() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<i64>().prop_map(Value::Int),
        big_beyond_i64().prop_map(Value::from),
        text().prop_map(Value::from),
        bytes().prop_map(Value::bytes),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner, 0..4).prop_map(Value::tuple),
            proptest::collection::btree_set(any::<i64>(), 0..4).prop_map(Value::frozenset),
        ]
    })
}

/// Any nested value whose dict keys and set elements are [`key`]s.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        big_beyond_i64().prop_map(Value::from),
        any::<f64>().prop_map(Value::Float),
        text().prop_map(Value::from),
        bytes().prop_map(Value::bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::list),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::tuple),
            proptest::collection::vec((key(), inner), 0..6).prop_map(Value::dict),
            proptest::collection::vec(key(), 0..6).prop_map(Value::set),
            proptest::collection::vec(key(), 0..6).prop_map(Value::frozenset),
        ]
    })
}

/// Keys of every kind, bools and floats (NaN, ±0.0) included: some collide in Python.
fn any_key() -> impl Strategy<Value = Value> {
    prop_oneof![
        key(),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            any::<f64>(),
            Just(0.0),
            Just(-0.0),
            Just(1.0),
            Just(f64::NAN)
        ]
        .prop_map(Value::Float),
        (-2i64..3).prop_map(Value::Int),
    ]
}

// ---------------------------------------------------------------------------------------------
// Round trips through the Value model
// ---------------------------------------------------------------------------------------------

fn pickle_round_trip(o: &Object) -> Object {
    let pickle = libpython::import("pickle").unwrap();
    let b = pickle.call_method("dumps", (o,)).unwrap();
    pickle.call_method("loads", (b,)).unwrap()
}

proptest! {
    #![proptest_config(config())]

    /// Rust -> Python -> Rust gives the same value, also after Python copies the object
    /// (pickle reads every part of it, so a malformed object would show).
    #[test]
    fn values_round_trip_through_python(v in value()) {
        python();
        let o = v.to_object().unwrap();
        let back = Value::from_object(&o).unwrap();
        prop_assert_eq!(&back, &v);
        let copy = pickle_round_trip(&o);
        prop_assert_eq!(Value::from_object(&copy).unwrap(), v);
    }

    /// Dicts and sets with keys that may collide in Python (1, 1.0, True; 0.0, -0.0): a round
    /// trip either keeps every entry or is a conversion error, never a silent loss or a panic.
    #[test]
    fn colliding_keys_round_trip_or_are_refused(keys in proptest::collection::vec(any_key(), 0..8), frozen in any::<bool>()) {
        python();
        let dict = Value::dict(keys.iter().cloned().map(|k| (k, Value::Int(7))));
        let set = if frozen { Value::frozenset(keys) } else { Value::set(keys) };
        for v in [dict, set] {
            match v.to_object() {
                Ok(o) => prop_assert_eq!(Value::from_object(&o).unwrap(), v),
                Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::Conversion(_)), "{:?}", e),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips through the typed conversions
// ---------------------------------------------------------------------------------------------

fn typed<T: ToPython + FromPython>(v: &T) -> T {
    libpython::to_python(v).unwrap().extract().unwrap()
}

/// Asserts, in a property, that each value comes back equal from Python through its type's
/// own conversions.
macro_rules! prop_assert_round_trip {
    ($($v:expr),+ $(,)?) => {
        $(prop_assert_eq!(typed(&$v), $v);)+
    };
}

/// Float equality by bits (NaN payloads and signed zeros included).
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn integers_of_every_width_round_trip(a in any::<i8>(), b in any::<u16>(), c in any::<i32>(), d in any::<u64>(), e in any::<i128>(), f in any::<u128>(), g in any::<isize>()) {
        python();
        prop_assert_round_trip!(a, b, c, d, e, f, g);
        // Each also reads as a big integer, and back.
        prop_assert_eq!(libpython::to_python(&e).unwrap().extract::<BigInt>().unwrap(), BigInt::from(e));
        prop_assert_round_trip!(BigInt::from(f));
    }

    #[test]
    fn big_integers_of_any_size_round_trip(neg in any::<bool>(), mag in proptest::collection::vec(any::<u8>(), 0..200)) {
        python();
        let b = BigInt::from_bytes_le(if neg { Sign::Minus } else { Sign::Plus }, &mag);
        let o = libpython::to_python(&b).unwrap();
        prop_assert_eq!(o.extract::<BigInt>().unwrap(), b.clone());
        // Python agrees on the value (its decimal text).
        prop_assert_eq!(o.str().unwrap(), b.to_string());
        // Narrow targets: the value, or an overflow error.
        match o.extract::<i64>() {
            Ok(v) => prop_assert_eq!(BigInt::from(v), b.clone()),
            Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::Overflow { target: "i64", .. }) && i64::try_from(&b).is_err(), "{:?}", e),
        }
        match o.extract::<u128>() {
            Ok(v) => prop_assert_eq!(BigInt::from(v), b.clone()),
            Err(e) => prop_assert!(matches!(e.kind(), ErrorKind::Overflow { target: "u128", .. }) && u128::try_from(&b).is_err(), "{:?}", e),
        }
    }

    #[test]
    fn floats_round_trip_bit_for_bit(xs in proptest::collection::vec(any::<f64>(), 0..8), y in any::<f32>()) {
        python();
        prop_assert!(same_bits(&typed(&xs), &xs));
        prop_assert_eq!(typed(&y).to_bits(), y.to_bits());
    }

    #[test]
    fn text_and_bytes_round_trip(s in text(), c in any::<char>(), b in bytes()) {
        python();
        prop_assert_eq!(typed(&s), s.clone());
        prop_assert_eq!(typed(&c), c);
        prop_assert_eq!(typed(&Bytes(b.clone())), Bytes(b.clone()));
        // Python sees the same code points.
        let n: usize = libpython::to_python(&s).unwrap().len().unwrap();
        prop_assert_eq!(n, s.chars().count());
    }

    #[test]
    fn nested_collections_round_trip(
        a in proptest::collection::vec(proptest::option::of(any::<i64>()), 0..8),
        b in proptest::collection::hash_map(text(), proptest::collection::vec(any::<i32>(), 0..4), 0..6),
        c in proptest::collection::btree_set(any::<i64>(), 0..8),
        d in proptest::collection::btree_map(any::<i64>(), (text(), bytes().prop_map(Bytes)), 0..6),
        e in (any::<bool>(), text(), any::<u32>(), proptest::collection::vec(proptest::collection::vec(text(), 0..3), 0..3)),
        f in proptest::collection::hash_set(text(), 0..6),
    ) {
        python();
        prop_assert_round_trip!(a, b, c, d, e, f);
    }
}

// ---------------------------------------------------------------------------------------------
// Random Python objects into the wrong Rust types: errors, never panics
// ---------------------------------------------------------------------------------------------

/// Hostile and unusual Python objects, made once: every one is a target for every Rust type.
const HOSTILE: &str = r#"
import decimal, fractions, numpy, collections

class BadIndex:
    def __index__(self):
        raise ValueError('bad __index__')
class WrongIndex:
    def __index__(self):
        return 'not an int'
class BadFloat:
    def __float__(self):
        raise ArithmeticError('bad __float__')
class BadIter:
    def __iter__(self):
        raise RuntimeError('bad __iter__')
class BadNext:
    def __iter__(self):
        return self
    def __next__(self):
        raise MemoryError('bad __next__')
class BadItems:
    def items(self):
        raise OSError('bad items')
class ItemsNotPairs:
    def items(self):
        return [1, 2, 3]
class BadLen(list):
    def __len__(self):
        return -1
class BadEq:
    def __eq__(self, other):
        raise TypeError('bad __eq__')
    __hash__ = object.__hash__
class BadHash:
    def __hash__(self):
        raise TypeError('bad __hash__')
class IntSub(int): pass
class StrSub(str): pass
class FloatSub(float): pass
class ListSub(list): pass
class DictSub(dict): pass
def gen_fails():
    yield 1
    raise KeyError('half-way')
Point = collections.namedtuple('Point', 'x y')

def objects():
    return [
        object(), 1 + 2j, range(3), iter([1, 2]), (x for x in [1, 'a']), gen_fails(),
        decimal.Decimal('1.5'), decimal.Decimal('NaN'), fractions.Fraction(1, 3),
        numpy.arange(3), numpy.zeros((2, 2)), numpy.float32(2.5), numpy.int64(-3), numpy.uint8(200),
        numpy.bool_(True), numpy.array('x'), type, len, NotImplemented, ..., None,
        bytearray(b'xy'), memoryview(b'ab'), {1: 2}.keys(), {1: 2}.items(), frozenset({1}),
        BadIndex(), WrongIndex(), BadFloat(), BadIter(), BadNext(), BadItems(), ItemsNotPairs(),
        BadLen([1, 2]), [BadIndex()], {'k': BadIndex()}, {BadEq(): 1}, [BadHash()], (BadFloat(),),
        IntSub(5), StrSub('s'), FloatSub(0.5), ListSub([1, 2]), DictSub(a=1), Point(1, 2),
        'a\udc80b', ['a\ud800'], {'\udfff': 1}, 10 ** 400, -(10 ** 400), float('nan'), float('-inf'),
        b'\xff' * 3, [[1, 2], [3]], [1, [2, [3, [4]]]], {'a': {'b': {'c': None}}}, (1, 'x'),
        (1.0, 2.0, 3.0), [True, False], {1, 2, 3}, {'x': 1, 'y': 2}, '', [], {}, (), 'abc', 'é',
    ]
"#;

/// The hostile objects' factory (a Python function: each case gets fresh objects, since some
/// are iterators that converting consumes).
fn hostile() -> &'static Object {
    static F: OnceLock<Object> = OnceLock::new();
    F.get_or_init(|| {
        let g = Dict::new().unwrap();
        libpython::exec(HOSTILE, &g).unwrap();
        g.get("objects").unwrap().unwrap()
    })
}

fn hostile_count() -> usize {
    hostile().call0().unwrap().len().unwrap()
}

/// Where a random object comes from.
#[derive(Debug, Clone)]
enum Source {
    Value(Value),
    Hostile(usize),
}

/// What an extraction gave: `Ok`, an error (its `Debug`), or a panic (its message).
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    Err(String),
    Panic(String),
}

fn attempt<T: FromPython>(o: &Object) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| o.extract::<T>())) {
        Ok(Ok(_)) => Outcome::Ok,
        Ok(Err(e)) => Outcome::Err(format!("{e:?}")),
        Err(p) => Outcome::Panic(panic_message(&*p)),
    }
}

/// Every Rust target type, by name, with its outcome for `o`.
fn every_target(o: &Object) -> Vec<(&'static str, Outcome)> {
    macro_rules! targets { ($($t:ty),* $(,)?) => { vec![$((stringify!($t), attempt::<$t>(o))),*] } }
    targets![
        i8, u8, i64, u64, i128, u128, usize, f32, f64, bool, char, String, (), Bytes, BigInt, Value,
        Vec<u8>, Vec<i64>, Vec<String>, Vec<Vec<f64>>, VecDeque<i64>, [i64; 2], (i64, String), (f64, f64, f64),
        HashMap<String, i64>, BTreeMap<i64, Vec<String>>, HashSet<i64>, BTreeSet<String>, Option<i64>,
        Option<Vec<bool>>, Vector<i64>, OrdMap<String, Value>, Object,
    ]
}

/// The elements a Python iteration of `v` yields, if `v` is iterable.
fn elements(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(x) | Value::Tuple(x) => Some(x.iter().cloned().collect()),
        Value::Set(x) | Value::FrozenSet(x) => Some(x.iter().cloned().collect()),
        Value::Dict(x) => Some(x.keys().cloned().collect()),
        Value::Bytes(b) => Some(b.iter().map(|&x| Value::Int(i64::from(x))).collect()),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<BigInt> {
    match v {
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::BigInt(b) => Some((**b).clone()),
        _ => None,
    }
}

/// What must succeed, for the targets whose rules are simple enough to state: `Some(true)`
/// when the conversion must succeed, `Some(false)` when it must fail, `None` to only require
/// that it does not panic.
fn expected(v: &Value, target: &str) -> Option<bool> {
    let int_in = |lo: BigInt, hi: BigInt| as_int(v).is_some_and(|i| i >= lo && i <= hi);
    let all = |f: &dyn Fn(&Value) -> bool| elements(v).is_some_and(|xs| xs.iter().all(f));
    Some(match target {
        "i64" => int_in(BigInt::from(i64::MIN), BigInt::from(i64::MAX)),
        "u8" => int_in(BigInt::from(0), BigInt::from(255)),
        "u128" => int_in(BigInt::from(0), BigInt::from(u128::MAX)),
        "BigInt" => as_int(v).is_some(),
        "f64" => matches!(v, Value::Float(_)) || as_int(v).is_some(),
        "bool" => matches!(v, Value::Bool(_)),
        "String" => matches!(v, Value::Str(_)),
        "()" => v.is_none(),
        "Value" | "Object" => true,
        "Option<i64>" => v.is_none() || int_in(BigInt::from(i64::MIN), BigInt::from(i64::MAX)),
        "Vec<i64>" => {
            !matches!(v, Value::Str(_))
                && all(&|x| as_int(x).is_some_and(|i| i64::try_from(&i).is_ok()))
        }
        "Vec<String>" => !matches!(v, Value::Str(_)) && all(&|x| matches!(x, Value::Str(_))),
        "Vec<u8>" => match v {
            Value::Bytes(_) => true,
            Value::Str(_) => false,
            _ => all(&|x| as_int(x).is_some_and(|i| u8::try_from(&i).is_ok())),
        },
        "HashMap<String, i64>" => match v {
            Value::Dict(m) => m.iter().all(|(k, x)| {
                matches!(k, Value::Str(_)) && as_int(x).is_some_and(|i| i64::try_from(&i).is_ok())
            }),
            _ => false,
        },
        _ => return None,
    })
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        value().prop_map(Source::Value),
        (0..72usize).prop_map(Source::Hostile)
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_objects_into_every_rust_type_never_panic(src in source()) {
        python();
        let (obj, value) = match &src {
            Source::Value(v) => (v.to_object().unwrap(), Some(v)),
            Source::Hostile(i) => {
                let all = hostile().call0().unwrap();
                let n = all.len().unwrap();
                (all.get_item(i % n).unwrap(), None)
            }
        };
        for (target, outcome) in every_target(&obj) {
            prop_assert!(!matches!(outcome, Outcome::Panic(_)), "{} -> {}: {:?}", obj.repr().unwrap_or_default(), target, outcome);
            if let Outcome::Err(e) = &outcome {
                prop_assert!(!e.starts_with("Interp"), "{} -> {}: {}", obj.repr().unwrap_or_default(), target, e);
            }
            if let Some(v) = value
                && let Some(ok) = expected(v, target)
            {
                prop_assert_eq!(outcome == Outcome::Ok, ok, "{:?} -> {}: {:?}", v, target, outcome);
            }
        }
        // Python is in a clean state afterwards: no exception left pending.
        prop_assert_eq!(libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(), 2);
    }
}

#[test]
fn every_hostile_object_is_reachable_by_the_strategy() {
    python();
    // The strategy draws indexes below 72; the list must not outgrow it unnoticed.
    let n = hostile_count();
    assert!((60..=72).contains(&n), "{n} hostile objects");
    // Every target the oracle knows is one `every_target` tries, under the same name.
    let names: Vec<&str> = every_target(&libpython::eval("[1]").unwrap())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let v = Value::list([1]);
    for t in [
        "i64",
        "u8",
        "u128",
        "BigInt",
        "f64",
        "bool",
        "String",
        "()",
        "Value",
        "Object",
        "Option<i64>",
        "Vec<i64>",
        "Vec<String>",
        "Vec<u8>",
        "HashMap<String, i64>",
    ] {
        assert!(names.contains(&t), "{t} not in {names:?}");
        assert!(expected(&v, t).is_some(), "no rule for {t}");
    }
    assert_eq!(expected(&v, "Vec<i64>"), Some(true));
    assert_eq!(expected(&v, "String"), Some(false));
}
