//! Copying conversions both ways (libpython-clj's ->python / ->jvm), and their errors
//! (reliability scenarios 23 to 25).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use libpython::{Bytes, Error, ErrorKind, FromPython, Object, ToPython};
use libpython_tests::{in_child, python, refcount};
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
    limits!(
        i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128
    );
    assert_eq!(py("2**64 - 1").extract::<u64>().unwrap(), u64::MAX);
    assert_eq!(py("-2**127").extract::<i128>().unwrap(), i128::MIN);
    assert_eq!(
        py("__import__('numpy').int16(-7)")
            .extract::<i32>()
            .unwrap(),
        -7,
        "numpy integers convert through __index__"
    );
}

#[test]
fn an_int_out_of_range_whose_repr_is_any_text_is_an_overflow_error() {
    python();
    // An int subclass or an `__index__` object may have any repr: the error's shortened value
    // is cut by characters.
    let g = libpython::Dict::new().unwrap();
    libpython::exec(
        "class I(int):\n    __repr__ = lambda s: '\\u20ac' * 70\nclass X:\n    __index__ = lambda s: 1000\n    __repr__ = lambda s: '\\u00e9' * 61\ni = I(1000)\nx = X()\nitems = [1, 2, I(1000)]\n",
        &g,
    )
    .unwrap();
    let get = |name: &str| g.get(name).unwrap().unwrap();
    let e = get("i").extract::<i8>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "i8", .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains(&"\u{20ac}".repeat(20)), "{e}");
    let e = get("x").extract::<i8>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "i8", .. }),
        "{e:?}"
    );
    let e = get("items").extract::<Vec<i8>>().unwrap_err();
    assert!(e.to_string().contains("i8"), "{e}");
}

#[test]
fn integer_overflow_and_type_errors_are_clear() {
    python();
    let e = py("1 << 130").extract::<u128>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "u128", .. }),
        "{e:?}"
    );
    let e = py("1 << 130").extract::<i64>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "i64", .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("does not fit in i64"));
    let e = py("-1").extract::<u64>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "u64", .. }),
        "{e:?}"
    );
    let e = py("300").extract::<u8>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "u8", .. }),
        "{e:?}"
    );
    let e = py("12.0").extract::<i64>().unwrap_err();
    match e.kind() {
        ErrorKind::Type {
            expected, found, ..
        } => {
            assert!(expected.starts_with("int"), "{expected}");
            assert_eq!(found, "float");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        py("'12'").extract::<i32>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
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
    roundtrip(
        BigInt::parse_bytes(
            b"123456789012345678901234567890123456789012345678901234567890",
            10,
        )
        .unwrap(),
    );
}

#[test]
fn floats_round_trip_exactly_including_specials() {
    python();
    for v in [
        0.0,
        -0.0,
        1.5,
        f64::MIN,
        f64::MAX,
        f64::EPSILON,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let back: f64 = libpython::to_python(&v).unwrap().extract().unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{v}");
    }
    let nan: f64 = libpython::to_python(&f64::NAN).unwrap().extract().unwrap();
    assert!(nan.is_nan());
    assert!(py("float('nan')").extract::<f64>().unwrap().is_nan());
    roundtrip(1.25f32);
    assert_eq!(
        py("3").extract::<f64>().unwrap(),
        3.0,
        "ints convert to floats"
    );
    assert!(matches!(
        py("'1.0'").extract::<f64>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
}

#[test]
fn bools_chars_and_none() {
    python();
    roundtrip(true);
    roundtrip(false);
    assert!(
        matches!(
            py("1").extract::<bool>().unwrap_err().kind(),
            ErrorKind::Type { .. }
        ),
        "ints are not bools"
    );
    assert!(
        py("__import__('numpy').bool_(True)")
            .extract::<bool>()
            .unwrap()
    );
    roundtrip('x');
    roundtrip('😀');
    assert!(matches!(
        py("'ab'").extract::<char>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    roundtrip(Some(3i64));
    roundtrip(None::<i64>);
    assert!(py("None").is_none().unwrap());
    libpython::attach(|p| <()>::from_python(py("None").bind(p)?)).unwrap();
    assert!(libpython::attach(|p| <()>::from_python(py("0").bind(p)?)).is_err());
}

#[test]
fn strings_strict_lossy_and_non_bmp() {
    python();
    roundtrip(String::from("héllo wörld 😀 𝄞 中文"));
    roundtrip(String::new());
    let lone = py("'a\\ud800b'");
    let e = lone.extract::<String>().unwrap_err();
    assert_eq!(
        e.as_python().unwrap().type_name(),
        "UnicodeEncodeError",
        "{e}"
    );
    let lossy = lone.with(libpython::string_lossy).unwrap();
    assert_eq!(lossy, "a\u{FFFD}b");
    assert!(matches!(
        py("b'x'").extract::<String>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    // A NUL inside a Rust string given where C wants a C string is an error, not truncation.
    let e = py("object()").getattr("a\0b").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Nul { .. }), "{e:?}");
    let e = libpython::import("os\0.path").unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Nul {
                what: "module name",
                ..
            }
        ),
        "{e:?}"
    );
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
    assert!(py("bytearray()").extract::<Vec<u8>>().unwrap().is_empty());
    let big = py("bytearray(range(256)) * 40");
    let want: Vec<u8> = (0..40).flat_map(|_| 0..=255u8).collect();
    assert_eq!(big.extract::<Vec<u8>>().unwrap(), want);
    assert_eq!(big.extract::<Bytes>().unwrap().0, want);
    // The copy gave its buffer export back: the bytearray can be resized again.
    big.call_method("extend", (Bytes(vec![1]),)).unwrap();
    assert_eq!(big.len().unwrap(), want.len() + 1);
    roundtrip(Bytes(b"payload".to_vec()));
    // A Vec<u8> is a list of ints like any other vector.
    assert_eq!(
        libpython::to_python(&vec![1u8, 2]).unwrap().repr().unwrap(),
        "[1, 2]"
    );
}

#[test]
fn collections_round_trip() {
    python();
    roundtrip(vec![1i64, 2, 3]);
    roundtrip(Vec::<String>::new());
    roundtrip([1.5f64, 2.5]);
    roundtrip((1i64, "x".to_string(), (true, 2.5f64)));
    roundtrip(HashMap::from([
        ("a".to_string(), 1i64),
        ("b".to_string(), 2),
    ]));
    roundtrip(BTreeMap::from([(1i64, vec!["x".to_string()]), (2, vec![])]));
    roundtrip(HashSet::from([1i64, 2, 3]));
    roundtrip(BTreeSet::from(["a".to_string()]));
    roundtrip(vec![Some(1i64), None]);
    assert_eq!(py("(1, 2, 3)").extract::<Vec<i64>>().unwrap(), [1, 2, 3]);
    assert_eq!(py("range(4)").extract::<Vec<i64>>().unwrap(), [0, 1, 2, 3]);
    assert_eq!(py("[1, 2]").extract::<(i64, i64)>().unwrap(), (1, 2));
    assert_eq!(
        py("{'a': 1}.items()")
            .extract::<Vec<(String, i64)>>()
            .unwrap(),
        [("a".into(), 1)]
    );
    assert!(matches!(
        py("(1, 2, 3)").extract::<(i64, i64)>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    assert!(matches!(
        py("'abc'").extract::<Vec<String>>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    assert!(matches!(
        py("5").extract::<Vec<i64>>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    assert!(matches!(
        py("[1, 'x']").extract::<Vec<i64>>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    assert!(matches!(
        py("[1]").extract::<HashMap<i64, i64>>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    let e = py("[1, 2, 3]").extract::<[i64; 2]>().unwrap_err();
    assert!(e.to_string().contains("length 2"), "{e}");
}

#[test]
fn sequences_convert_through_the_inline_paths_and_their_fallbacks() {
    python();
    // Lists and tuples of every size, and subclasses of both (a namedtuple is a tuple).
    assert_eq!(
        py("list(range(100000))").extract::<Vec<i64>>().unwrap(),
        (0..100_000).collect::<Vec<i64>>()
    );
    assert_eq!(
        py("tuple(range(1000))").extract::<Vec<u16>>().unwrap(),
        (0..1000).collect::<Vec<u16>>()
    );
    assert_eq!(py("[]").extract::<Vec<i64>>().unwrap(), Vec::<i64>::new());
    assert_eq!(
        py("()").extract::<Vec<String>>().unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        py("type('L', (list,), {})([1, 2, 3])")
            .extract::<Vec<i64>>()
            .unwrap(),
        [1, 2, 3]
    );
    assert_eq!(
        py("__import__('collections').namedtuple('P', 'a b c')(1, 2, 3)")
            .extract::<Vec<i64>>()
            .unwrap(),
        [1, 2, 3]
    );
    assert_eq!(
        py("__import__('collections').namedtuple('P', 'a b')('x', 2.5)")
            .extract::<(String, f64)>()
            .unwrap(),
        ("x".to_string(), 2.5)
    );
    // Items that need Python code (bool and numpy integers through __index__) next to exact ones.
    assert_eq!(
        py("[1, None, __import__('numpy').int64(3), True]")
            .extract::<Vec<Option<i64>>>()
            .unwrap(),
        [Some(1), None, Some(3), Some(1)]
    );
    assert_eq!(
        py("[0.5, 2, -1.25]").extract::<Vec<f32>>().unwrap(),
        [0.5, 2.0, -1.25]
    );
    assert_eq!(
        py("[[1, 2], (3,), []]").extract::<Vec<Vec<i64>>>().unwrap(),
        [vec![1, 2], vec![3], vec![]]
    );
    // Errors name the item's problem, from either path.
    let e = py("[1, 2, 2**70]").extract::<Vec<i64>>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Overflow { target: "i64", .. }),
        "{e:?}"
    );
    let e = py("(1, 'x')").extract::<Vec<i64>>().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
    let e = py("[None, 1.5]").extract::<Vec<Option<i64>>>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Type { found, .. } if found == "float"),
        "{e:?}"
    );
    // Objects are the items themselves, each with one reference of its own. Counted under one
    // hold of the GIL: an item of a list is reachable from the collector's lists, and Python
    // code another thread runs in between could hold it for a moment.
    let l = py("[object(), 'shared', 7]");
    libpython::attach(|_| {
        let first = l.get_item(0)?;
        let before = refcount(&first);
        let items: Vec<Object> = l.extract()?;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ptr(), first.as_ptr());
        assert_eq!(refcount(&first), before + 1);
        drop(items);
        assert_eq!(refcount(&first), before);
        Ok(())
    })
    .unwrap();
}

#[test]
fn rust_sequences_become_lists_in_order() {
    python();
    let mut dq = std::collections::VecDeque::from([3i64, 4, 5]);
    dq.push_front(2);
    dq.push_front(1);
    assert!(!dq.as_slices().1.is_empty() || !dq.as_slices().0.is_empty());
    assert_eq!(
        libpython::to_python(&dq).unwrap().repr().unwrap(),
        "[1, 2, 3, 4, 5]"
    );
    let v: Vec<i64> = (0..10_000).collect();
    let l = libpython::to_python(&v).unwrap();
    assert_eq!(l.len().unwrap(), 10_000);
    assert_eq!(l.extract::<Vec<i64>>().unwrap(), v);
    assert_eq!(
        libpython::to_python(&[0u8; 0]).unwrap().repr().unwrap(),
        "[]"
    );
    assert_eq!(
        libpython::to_python(&["a", "b"]).unwrap().repr().unwrap(),
        "['a', 'b']"
    );
    assert_eq!(
        libpython::to_python(&(1i64, "two", 3.0f64))
            .unwrap()
            .repr()
            .unwrap(),
        "(1, 'two', 3.0)"
    );
    // A conversion failing half-way releases the half-built list (and what it held).
    let shared = py("object()");
    let before = refcount(&shared);
    struct FailsAt(usize, Object);
    impl ToPython for FailsAt {
        fn to_python(&self, py: libpython::Python<'_>) -> libpython::Result<Object> {
            if self.0 == 2 {
                Err(Error::conversion("item 2 refuses"))
            } else {
                self.1.to_python(py)
            }
        }
    }
    let items: Vec<FailsAt> = (0..4).map(|i| FailsAt(i, shared.clone())).collect();
    let e = libpython::to_python(&items).unwrap_err();
    assert!(e.to_string().contains("item 2 refuses"), "{e}");
    drop(items);
    assert_eq!(refcount(&shared), before);
}

#[test]
fn a_list_changed_by_the_conversion_of_its_items_is_read_safely() {
    python();
    let g = libpython::Dict::new().unwrap();
    libpython::exec(
        "class Clearing:\n\
         \x20   def __init__(self, target):\n\
         \x20       self.target = target\n\
         \x20   def __index__(self):\n\
         \x20       self.target.clear()\n\
         \x20       return 1\n\
         \x20   def __hash__(self):\n\
         \x20       self.target.clear()\n\
         \x20       return 1\n\
         outer = []\n\
         outer.extend([[Clearing(outer)], [2], [3]])\n\
         hashed = []\n\
         hashed.extend([Clearing(hashed), Clearing(hashed), Clearing(hashed)])\n\
         grown = []\n\
         class Growing:\n\
         \x20   def __index__(self):\n\
         \x20       grown.extend(range(10000))\n\
         \x20       return 0\n\
         grown.append(Growing())\n",
        &g,
    )
    .unwrap();
    let var = |name: &str| g.get(name).unwrap().unwrap();
    // An inner conversion empties the outer list: the copy stops there.
    assert_eq!(var("outer").extract::<Vec<Vec<i64>>>().unwrap(), [vec![1]]);
    // Inserting into a Rust set runs __hash__, which empties the list being read.
    let set = var("hashed").extract::<HashSet<Object>>().unwrap();
    assert_eq!(set.len(), 1);
    // A list that grows (and moves its items) while being read: every item is read.
    let v = var("grown").extract::<Vec<i64>>().unwrap();
    assert_eq!(v.len(), 10_001);
    assert_eq!(v[10_000], 9_999);
}

#[test]
fn maps_and_sets_convert_with_their_size_known() {
    python();
    let m = py("{f'k{i}': i for i in range(10000)}")
        .extract::<HashMap<String, i64>>()
        .unwrap();
    assert_eq!(m.len(), 10_000);
    assert_eq!(m["k9999"], 9999);
    let s = py("[1, 2, 2, 3]").extract::<HashSet<i64>>().unwrap();
    assert_eq!(s, HashSet::from([1, 2, 3]));
    let back = libpython::to_python(&m).unwrap();
    assert_eq!(back.len().unwrap(), 10_000);
    assert_eq!(back.get_item("k42").unwrap().extract::<i64>().unwrap(), 42);
    let e = py("{'a': 1, 'b': 'x'}")
        .extract::<HashMap<String, i64>>()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
    let e = py("{1: 1}").extract::<HashMap<String, i64>>().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
    // A key or a value that fails to convert half-way: the dict and the key made for the
    // failing entry are released (the shared object's count comes back).
    let shared = py("object()");
    let before = refcount(&shared);
    #[derive(PartialEq, Eq, Hash)]
    struct Key(i64);
    impl ToPython for Key {
        fn to_python(&self, py: libpython::Python<'_>) -> libpython::Result<Object> {
            if self.0 == 3 {
                Err(Error::conversion("key 3 refuses"))
            } else {
                self.0.to_python(py)
            }
        }
    }
    let values: HashMap<Key, Object> = (0..5).map(|i| (Key(i), shared.clone())).collect();
    let e = libpython::to_python(&values).unwrap_err();
    assert!(e.to_string().contains("key 3 refuses"), "{e}");
    drop(values);
    assert_eq!(refcount(&shared), before);
    // The shared object inside each key (a tuple), next to a value that may fail.
    struct Value(i64);
    impl ToPython for Value {
        fn to_python(&self, py: libpython::Python<'_>) -> libpython::Result<Object> {
            if self.0 == 3 {
                Err(Error::conversion("value 3 refuses"))
            } else {
                self.0.to_python(py)
            }
        }
    }
    struct WithShared(Object, i64);
    impl PartialEq for WithShared {
        fn eq(&self, other: &Self) -> bool {
            self.1 == other.1
        }
    }
    impl Eq for WithShared {}
    impl std::hash::Hash for WithShared {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            self.1.hash(h)
        }
    }
    impl ToPython for WithShared {
        fn to_python(&self, py: libpython::Python<'_>) -> libpython::Result<Object> {
            // A tuple holding the shared object: hashable, and it holds one reference.
            (self.0.clone(), self.1).to_python(py)
        }
    }
    let keyed: HashMap<WithShared, Value> = (0..5)
        .map(|i| (WithShared(shared.clone(), i), Value(i)))
        .collect();
    let e = libpython::to_python(&keyed).unwrap_err();
    assert!(e.to_string().contains("value 3 refuses"), "{e}");
    drop(keyed);
    assert_eq!(refcount(&shared), before);
}

/// Every entry of the dict `d` as `walk` gives them: (key, value, position after it), keys and
/// values owned.
fn walk_entries(
    p: libpython::Python<'_>,
    d: &Object,
    walk: unsafe fn(
        *mut libpython_ffi::PyObject,
        &mut libpython_ffi::Py_ssize_t,
        &mut *mut libpython_ffi::PyObject,
        &mut *mut libpython_ffi::PyObject,
    ) -> bool,
    mut between: impl FnMut(usize),
) -> Vec<(Object, Object, isize)> {
    let ptr = d.bind(p).unwrap().as_ptr();
    let (mut pos, mut out) = (0, Vec::new());
    loop {
        let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: a live dict of the running interpreter, whose GIL `p` holds, reachable by
        // no other thread; the borrowed key and value are owned before anything else runs.
        let entry = unsafe {
            walk(ptr, &mut pos, &mut k, &mut v).then(|| {
                (
                    Object::from_borrowed_ptr(p, k),
                    Object::from_borrowed_ptr(p, v),
                )
            })
        };
        let Some((k, v)) = entry else {
            return out;
        };
        out.push((k, v, pos));
        between(out.len());
    }
}

/// `PyDict_Next` itself, as a `walk_entries` walk.
unsafe fn exported_next(
    d: *mut libpython_ffi::PyObject,
    pos: &mut libpython_ffi::Py_ssize_t,
    k: &mut *mut libpython_ffi::PyObject,
    v: &mut *mut libpython_ffi::PyObject,
) -> bool {
    // SAFETY: forwarded from `walk_entries`.
    unsafe { (libpython_ffi::api().PyDict_Next)(d, pos, k, v) != 0 }
}

#[test]
fn dict_entries_read_in_place_are_the_ones_the_c_api_gives() {
    python();
    let minor = py("__import__('sys').version_info[1]")
        .extract::<u32>()
        .unwrap();
    assert_eq!(
        libpython_ffi::dict_entries_in_place(),
        (11..=14).contains(&minor),
        "dict entries are read in place exactly on the versions whose layout is known"
    );
    let same = |a: &Object, b: &Object| a.eq_py(b).unwrap();
    for expr in [
        "{}",
        "{'a': 1, 'b': 2, 'c': 3}",
        "{1: 'x', (2, 3): 'y', None: 0, 'z': 1.5}",
        "dict.fromkeys(range(300))",
        "dict.fromkeys(map(str, range(700)), 1)",
        // Deleted entries, in tables of `str` keys and of any keys.
        "(lambda d: [d.pop(k) for k in list(d)[::3]] and d)(dict.fromkeys(map(str, range(50))))",
        "(lambda d: [d.pop(k) for k in list(d)[1::2]] and d)(dict.fromkeys(range(400)))",
        // A split table (an instance's attributes), walked by the C API.
        "(lambda o: (setattr(o, 'a', 1), setattr(o, 'b', 2), o.__dict__)[2])(type('C', (), {})())",
        "type('D', (dict,), {})(a=1, b=2)",
    ] {
        for change in [false, true] {
            // The same dict twice, walked each way; with `change`, keys are removed and added
            // between steps, the same in both.
            let (a, b) = (py(expr), py(expr));
            let walks = libpython::attach(|p| {
                let run = |d: &Object, walk| {
                    let changer = d.clone();
                    walk_entries(p, d, walk, |n| {
                        if change && n == 2 {
                            libpython::exec(
                                "d.pop(next(iter(d)), None)\nd.update({'new1': 1, 'new2': 2})\n",
                                &libpython::Dict::from_pairs([("d", &changer)]).unwrap(),
                            )
                            .unwrap();
                        }
                    })
                };
                Ok((run(&a, libpython_ffi::dict_next), run(&b, exported_next)))
            })
            .unwrap();
            let (mine, theirs) = walks;
            assert_eq!(mine.len(), theirs.len(), "{expr} (changed: {change})");
            for ((mk, mv, mp), (tk, tv, tp)) in mine.iter().zip(&theirs) {
                assert!(
                    same(mk, tk) && same(mv, tv) && mp == tp,
                    "{expr} (changed: {change})"
                );
            }
        }
    }
}

#[test]
fn inline_list_access_is_used_exactly_on_gil_builds() {
    python();
    let free_threaded = py("__import__('sysconfig').get_config_var('Py_GIL_DISABLED')")
        .is_truthy()
        .unwrap();
    assert_eq!(libpython_ffi::seq_layout().is_some(), !free_threaded);
    // Under a list's critical section, every version this library knows reads it in place.
    let locked = libpython_ffi::locked_seq_layout();
    assert!(locked.is_some());
    if !free_threaded {
        assert_eq!(locked, libpython_ffi::seq_layout());
    }
    // A dict's size is read in place on every version this library knows, and right.
    assert!(libpython_ffi::dict_size_in_place());
    for n in [0, 1, 5, 100] {
        let d = py(&format!("dict.fromkeys(range({n}))"));
        let sub = py(&format!(
            "type('D', (dict,), {{}})(dict.fromkeys(range({n})))"
        ));
        for o in [&d, &sub] {
            let read = libpython::attach(|p| {
                let ptr = o.bind(p)?.as_ptr();
                // SAFETY: a live dict of the running interpreter, whose GIL `attach` holds.
                Ok(unsafe { libpython_ffi::PyDict_GET_SIZE(ptr) })
            });
            assert_eq!(read.unwrap(), n);
        }
    }
}

#[test]
fn a_list_changed_by_another_thread_while_copied_gives_whole_items() {
    // In a process of its own: the busy Python thread would hold up the suite's other threads.
    in_child!(
        "a_list_changed_by_another_thread_while_copied_gives_whole_items",
        {
            python();
            let g = libpython::Dict::new().unwrap();
            // Another thread grows, shrinks, empties and refills the list as fast as it can (on a
            // free-threaded build at the same time as the copies; on the others between them).
            libpython::exec(
                "import threading\n\
                 items = list(range(50))\n\
                 stop = threading.Event()\n\
                 def churn():\n\
                 \x20   while not stop.is_set():\n\
                 \x20       items.extend(range(50, 200))\n\
                 \x20       del items[100:]\n\
                 \x20       items.clear()\n\
                 \x20       items.extend(range(50))\n\
                 \x20       items[0] = 1000\n\
                 worker = threading.Thread(target=churn)\n\
                 worker.start()\n",
                &g,
            )
            .unwrap();
            let items = g.get("items").unwrap().unwrap();
            let copied = std::panic::catch_unwind(|| {
                for _ in 0..1000 {
                    let v = items.extract::<Vec<i64>>().unwrap();
                    assert!(v.len() <= 200, "{} items", v.len());
                    assert!(
                        v.iter().all(|&x| (0..200).contains(&x) || x == 1000),
                        "{v:?}"
                    );
                    for x in libpython::attach(|py| {
                        items
                            .bind(py)?
                            .try_iter()?
                            .extract::<i64>()
                            .collect::<libpython::Result<Vec<_>>>()
                    })
                    .unwrap()
                    {
                        assert!((0..200).contains(&x) || x == 1000, "{x}");
                    }
                }
            });
            libpython::exec("stop.set()\nworker.join()\n", &g).unwrap();
            copied.unwrap();
        }
    );
}

#[test]
fn small_ints_are_read_in_place_on_every_known_version_and_read_right() {
    python();
    // Known on every version this library knows, GIL or free-threaded.
    assert!(libpython_ffi::long_layout().is_some());
    // One digit (read in place), two and more (through the exported functions), both signs,
    // the cached small ints, the edges of i64 and u64, and a bool (a subclass of int).
    let values: Vec<i128> = [0i128, 1, -1, 5, -5, 256, 257, -6, 1 << 29, (1 << 30) - 1]
        .into_iter()
        .chain([
            1 << 30,
            -(1 << 30),
            1 << 45,
            -(1 << 60),
            i64::MAX.into(),
            i64::MIN.into(),
        ])
        .collect();
    for v in values {
        let o = py(&v.to_string());
        assert_eq!(o.extract::<i64>().unwrap() as i128, v, "{v} as i64");
        assert_eq!(
            o.extract::<u64>().ok().map(i128::from),
            u64::try_from(v).ok().map(i128::from),
            "{v} as u64"
        );
        assert_eq!(
            o.extract::<i8>().ok().map(i128::from),
            i8::try_from(v).ok().map(i128::from),
            "{v} as i8"
        );
        assert!(o.extract::<Vec<i64>>().is_err());
        assert_eq!(
            py(&format!("[{v}]")).extract::<Vec<i64>>().unwrap(),
            [v as i64]
        );
    }
    assert_eq!(
        py(&u64::MAX.to_string()).extract::<u64>().unwrap(),
        u64::MAX
    );
    assert_eq!(py("True").extract::<i64>().unwrap(), 1);
    assert!(py("-3").extract::<u32>().is_err());
}

#[test]
fn floats_are_read_in_place_on_every_known_version_and_read_right() {
    python();
    // Known on every version this library knows, GIL or free-threaded.
    assert!(libpython_ffi::float_read_in_place());
    let values = [
        0.0,
        -0.0,
        1.5,
        -2.75e300,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let sub = py("type('F', (float,), {'__float__': lambda self: 99.0})");
    for v in values {
        let o = libpython::to_python(&v).unwrap();
        assert_eq!(o.extract::<f64>().unwrap().to_bits(), v.to_bits(), "{v}");
        assert_eq!(
            o.extract::<libpython::Value>().unwrap(),
            libpython::Value::Float(v),
            "{v} as a value"
        );
        assert_eq!(
            libpython::from_python_serde::<f64>(&o).unwrap().to_bits(),
            v.to_bits(),
            "{v} through serde"
        );
        // A subclass's value is its own, as CPython reads it: `__float__` is not called.
        let s = sub.call((v,)).unwrap();
        assert_eq!(
            s.extract::<f64>().unwrap().to_bits(),
            v.to_bits(),
            "{v} of a subclass"
        );
        assert_eq!(
            libpython::from_python_serde::<f64>(&s).unwrap().to_bits(),
            v.to_bits(),
            "{v} of a subclass through serde"
        );
    }
    let nan = py("float('nan')");
    assert!(nan.extract::<f64>().unwrap().is_nan());
    assert!(libpython::from_python_serde::<f64>(&nan).unwrap().is_nan());
}

#[test]
fn strs_are_read_in_place_on_gil_builds_of_known_versions_and_read_right() {
    python();
    let lib = libpython_ffi::library().expect("Python is loaded");
    let known_gil = !lib.gil_disabled() && lib.version().minor <= 14;
    assert_eq!(libpython_ffi::unicode_read_in_place(), known_gil);
    let texts = [
        "",
        "a",
        "field_name",
        "an ASCII text longer than any small-string cache",
        "caf\u{e9}",
        "\u{20ac}uro",
        "\u{1f600}!",
        "__name__",
    ];
    // A subclass of str, whose instances are not compact: read by the C API.
    let sub = py("type('S', (str,), {})");
    for text in texts {
        let o = libpython::to_python(text).unwrap();
        assert_eq!(o.extract::<String>().unwrap(), text);
        assert_eq!(o.to_string(), text, "{text} through str()");
        assert_eq!(
            o.extract::<libpython::Value>().unwrap(),
            libpython::Value::Str(text.into()),
            "{text} as a value"
        );
        assert_eq!(
            libpython::from_python_serde::<String>(&o).unwrap(),
            text,
            "{text} through serde"
        );
        let list = libpython::to_python(&vec![text, text]).unwrap();
        assert_eq!(
            list.extract::<Vec<String>>().unwrap(),
            [text, text],
            "{text} in a list"
        );
        let s = sub.call((text,)).unwrap();
        assert_eq!(s.extract::<String>().unwrap(), text, "{text} of a subclass");
        assert_eq!(
            libpython::from_python_serde::<String>(&s).unwrap(),
            text,
            "{text} of a subclass through serde"
        );
    }
}

#[test]
fn a_keyword_value_failing_to_convert_releases_every_argument_made_before_it() {
    python();
    let shared = py("object()");
    let f = py("lambda *a, **k: None");
    let before = refcount(&shared);
    struct Refuses;
    impl ToPython for Refuses {
        fn to_python(&self, _py: libpython::Python<'_>) -> libpython::Result<Object> {
            Err(Error::conversion("this keyword value refuses"))
        }
    }
    // Positional and earlier keyword values are converted onto the stack first.
    let e = libpython::call!(f, &shared, &shared, a = &shared, b = Refuses).unwrap_err();
    assert!(e.to_string().contains("refuses"), "{e}");
    let e =
        libpython::call_attr!(py("[]"), "count", &shared, x = &shared, y = Refuses).unwrap_err();
    assert!(e.to_string().contains("refuses"), "{e}");
    assert_eq!(refcount(&shared), before);
    // And a successful keyword call leaves the count as it was too.
    let r = libpython::call!(f, &shared, a = &shared).unwrap();
    assert!(r.is_none().unwrap());
    assert_eq!(refcount(&shared), before);
}
