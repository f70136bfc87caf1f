//! Copying conversions both ways (the seed's ->python / ->jvm), and their errors
//! (reliability scenarios 23 to 25).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use libpython::{Bytes, Error, FromPython, Object, ToPython};
use libpython_tests::python;
use num_bigint::BigInt;

fn roundtrip<T: ToPython + FromPython + PartialEq + std::fmt::Debug>(v: T) {
    let o = libpython::to_python(&v).unwrap();
    let back: T = o.extract().unwrap();
    assert_eq!(back, v);
}

fn py(expr: &str) -> Object {
    libpython::eval(expr).unwrap()
}

#[test]
fn every_integer_width_round_trips_at_its_limits() {
    python();
    macro_rules! limits { ($($t:ty),*) => { $( roundtrip(<$t>::MIN); roundtrip(<$t>::MAX); roundtrip(0 as $t); )* } }
    limits!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128);
    assert_eq!(py("2**64 - 1").extract::<u64>().unwrap(), u64::MAX);
    assert_eq!(py("-2**127").extract::<i128>().unwrap(), i128::MIN);
    assert_eq!(py("__import__('numpy').int16(-7)").extract::<i32>().unwrap(), -7, "numpy integers convert through __index__");
}

#[test]
fn integer_overflow_and_type_errors_are_clear() {
    python();
    let e = py("1 << 130").extract::<u128>().unwrap_err();
    assert!(matches!(e, Error::Overflow { target: "u128", .. }), "{e:?}");
    let e = py("1 << 130").extract::<i64>().unwrap_err();
    assert!(matches!(e, Error::Overflow { target: "i64", .. }), "{e:?}");
    assert!(e.to_string().contains("does not fit in i64"));
    let e = py("-1").extract::<u64>().unwrap_err();
    assert!(matches!(e, Error::Overflow { target: "u64", .. }), "{e:?}");
    let e = py("300").extract::<u8>().unwrap_err();
    assert!(matches!(e, Error::Overflow { target: "u8", .. }), "{e:?}");
    let e = py("12.0").extract::<i64>().unwrap_err();
    match &e {
        Error::Type { expected, found } => {
            assert!(expected.starts_with("int"), "{expected}");
            assert_eq!(found, "float");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(py("'12'").extract::<i32>().unwrap_err(), Error::Type { .. }));
}

#[test]
fn integers_beyond_128_bits_are_big_integers() {
    python();
    let big = py("-(3 ** 200)");
    let b: BigInt = big.extract().unwrap();
    assert_eq!(b.to_string(), format!("-{}", BigInt::from(3u8).pow(200)));
    let back = libpython::to_python(&b).unwrap();
    assert!(back.eq_py(&big).unwrap());
    roundtrip(BigInt::from(0));
    roundtrip(BigInt::from(-1));
    roundtrip(BigInt::parse_bytes(b"123456789012345678901234567890123456789012345678901234567890", 10).unwrap());
}

#[test]
fn floats_round_trip_exactly_including_specials() {
    python();
    for v in [0.0, -0.0, 1.5, f64::MIN, f64::MAX, f64::EPSILON, f64::MIN_POSITIVE, f64::INFINITY, f64::NEG_INFINITY] {
        let back: f64 = libpython::to_python(&v).unwrap().extract().unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{v}");
    }
    let nan: f64 = libpython::to_python(&f64::NAN).unwrap().extract().unwrap();
    assert!(nan.is_nan());
    assert!(py("float('nan')").extract::<f64>().unwrap().is_nan());
    roundtrip(1.25f32);
    assert_eq!(py("3").extract::<f64>().unwrap(), 3.0, "ints convert to floats");
    assert!(matches!(py("'1.0'").extract::<f64>().unwrap_err(), Error::Type { .. }));
}

#[test]
fn bools_chars_and_none() {
    python();
    roundtrip(true);
    roundtrip(false);
    assert!(matches!(py("1").extract::<bool>().unwrap_err(), Error::Type { .. }), "ints are not bools");
    assert!(py("__import__('numpy').bool_(True)").extract::<bool>().unwrap());
    roundtrip('x');
    roundtrip('😀');
    assert!(matches!(py("'ab'").extract::<char>().unwrap_err(), Error::Type { .. }));
    roundtrip(Some(3i64));
    roundtrip(None::<i64>);
    assert!(py("None").is_none().unwrap());
    libpython::with_gil(|p| <()>::from_python(py("None").bind(p)?)).unwrap();
    assert!(libpython::with_gil(|p| <()>::from_python(py("0").bind(p)?)).is_err());
}

#[test]
fn strings_strict_lossy_and_non_bmp() {
    python();
    roundtrip(String::from("héllo wörld 😀 𝄞 中文"));
    roundtrip(String::new());
    let lone = py("'a\\ud800b'");
    let e = lone.extract::<String>().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "UnicodeEncodeError", "{e}");
    let lossy = lone.with(|b| libpython::string_lossy(b)).unwrap();
    assert_eq!(lossy, "a\u{FFFD}b");
    assert!(matches!(py("b'x'").extract::<String>().unwrap_err(), Error::Type { .. }));
    // A NUL inside a Rust string given where C wants a C string is an error, not truncation.
    let e = py("object()").getattr("a\0b").unwrap_err();
    assert!(matches!(e, Error::Nul { .. }), "{e:?}");
    let e = libpython::import_module("os\0.path").unwrap_err();
    assert!(matches!(e, Error::Nul { what: "module name", .. }), "{e:?}");
    // NULs inside Python strings are data.
    roundtrip(String::from("a\0b"));
}

#[test]
fn bytes_and_byte_buffers() {
    python();
    let b = libpython::to_python(&Bytes(vec![0, 1, 255])).unwrap();
    assert_eq!(b.repr().unwrap(), "b'\\x00\\x01\\xff'");
    assert_eq!(b.extract::<Vec<u8>>().unwrap(), [0, 1, 255]);
    assert_eq!(py("bytearray(b'ab')").extract::<Vec<u8>>().unwrap(), b"ab");
    roundtrip(Bytes(b"payload".to_vec()));
    // A Vec<u8> is a list of ints like any other vector.
    assert_eq!(libpython::to_python(&vec![1u8, 2]).unwrap().repr().unwrap(), "[1, 2]");
}

#[test]
fn collections_round_trip() {
    python();
    roundtrip(vec![1i64, 2, 3]);
    roundtrip(Vec::<String>::new());
    roundtrip([1.5f64, 2.5]);
    roundtrip((1i64, "x".to_string(), (true, 2.5f64)));
    roundtrip(HashMap::from([("a".to_string(), 1i64), ("b".to_string(), 2)]));
    roundtrip(BTreeMap::from([(1i64, vec!["x".to_string()]), (2, vec![])]));
    roundtrip(HashSet::from([1i64, 2, 3]));
    roundtrip(BTreeSet::from(["a".to_string()]));
    roundtrip(vec![Some(1i64), None]);
    assert_eq!(py("(1, 2, 3)").extract::<Vec<i64>>().unwrap(), [1, 2, 3]);
    assert_eq!(py("range(4)").extract::<Vec<i64>>().unwrap(), [0, 1, 2, 3]);
    assert_eq!(py("[1, 2]").extract::<(i64, i64)>().unwrap(), (1, 2));
    assert_eq!(py("{'a': 1}.items()").extract::<Vec<(String, i64)>>().unwrap(), [("a".into(), 1)]);
    assert!(matches!(py("(1, 2, 3)").extract::<(i64, i64)>().unwrap_err(), Error::Type { .. }));
    assert!(matches!(py("'abc'").extract::<Vec<String>>().unwrap_err(), Error::Type { .. }));
    assert!(matches!(py("5").extract::<Vec<i64>>().unwrap_err(), Error::Type { .. }));
    assert!(matches!(py("[1, 'x']").extract::<Vec<i64>>().unwrap_err(), Error::Type { .. }));
    assert!(matches!(py("[1]").extract::<HashMap<i64, i64>>().unwrap_err(), Error::Type { .. }));
    let e = py("[1, 2, 3]").extract::<[i64; 2]>().unwrap_err();
    assert!(e.to_string().contains("length 2"), "{e}");
}
