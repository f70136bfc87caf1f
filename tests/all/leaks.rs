//! Reference leaks: every public operation of the `libpython` crate, repeated, leaves the
//! interpreter as it found it.
//!
//! Each operation runs [`WARMUP`] rounds of [`REPS`] calls (imports, caches and free lists
//! settle), then [`ROUNDS`] measured rounds. Around every measured round a snapshot (taken
//! after `gc.collect()`) reads:
//!
//! * on a debug build (`Py_DEBUG`), `sys.gettotalrefcount()`: every reference taken minus
//!   every reference released, in the whole interpreter. As in CPython's own refleak hunter
//!   after its warm-up runs, the delta must be 0 in every round: no noise is allowed, and none
//!   shows (the operations are deterministic once warmed up);
//! * on every build, release and free-threaded included:
//!   - the number of live `Canary` objects (counted by `__init__` and `__del__`). The
//!     operations pass canaries as arguments, store them in containers, attributes and
//!     exceptions and iterate over them, so one reference kept by mistake keeps one alive;
//!   - the sum of `sys.getrefcount` over the fixture's long-lived objects and their items
//!     (the functions called, the containers read from and written to): one reference taken
//!     and not given back moves it. The items are all made at run time, never shared
//!     singletons: the count of a small int or an interned string belongs to the whole
//!     interpreter and moves with its caches (seen on 3.11: an interned `'gamma'` moving by
//!     ±1 when threads come and go), which would be noise, not a leak.
//!
//! These must not move at all, in either direction (a negative delta is an over-release).
//! On top of that the conversion and call operations check, on every build, that each new
//! object they get back has exactly the references of a fresh object (`sys.getrefcount`
//! against a calibrated fresh `[]`), so a result handed over with an extra reference is
//! caught on release builds too. What only the debug build sees is a temporary object leaked
//! *inside* an operation and never handed out: that is why the test matrix has a debug
//! configuration. (`sys.getallocatedblocks()` was tried as a release-build stand-in and
//! rejected: caches and free lists move it by up to a few hundred blocks per round for a
//! long time after warm-up, as much as a real leak of one object per call.)
//!
//! The test runs in a child process of its own (one test thread, nothing else using Python
//! meanwhile), and the parent test writes the child's `leaks: N` line to its standard error
//! past libtest's capture, so `cargo xtask test-matrix` can read it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::io::Write;

use libpython::{
    Bytes, Dict, Error, ErrorKind, Iter, List, Mode, Object, Result, Set, ToPython, attach, call,
    call_attr,
};
use libpython_tests::{is_child, run_child};

/// Rounds run before measuring.
const WARMUP: usize = 2;
/// Measured rounds.
const ROUNDS: usize = 3;
/// Calls of the operation in one round.
const REPS: usize = 40;

/// The Python side: canaries, the callables and long-lived objects the operations use, and
/// the snapshot.
const FIXTURE: &str = r#"
import gc, sys

class Canary:
    alive = 0
    def __init__(self, v=0):
        Canary.alive += 1
        self.v = v
    def __del__(self):
        Canary.alive -= 1
    def method(self, a, b=None, **kw):
        return [self, a, b, kw]
    def __repr__(self):
        return 'Canary(%r)' % (self.v,)

def f(a, b=None, *args, **kw):
    return [a, b, args, kw]

def raiser(payload):
    raise ValueError(payload)

def gen(n, fail):
    for i in range(n):
        yield Canary(i)
    if fail:
        raise KeyError(Canary(-1))

class Holder:
    """A plain object to set and get attributes on."""

holder = Holder()
holder.c = Canary('held')
numbers = [1000 + i for i in range(10)]
# Every container's items are made at run time, so none is a shared singleton (a small int,
# an interned string, a code constant): their reference counts belong to the fixture alone.
floats = tuple(i + 0.5 for i in range(3))
big = 10 ** 30
mapping = {'k%d' % i: float(i) + 0.25 for i in range(5)}
words = {w + '!' for w in ('alpha', 'beta', 'gamma')}
text = 'h\xe9llo w\xf6rld \u2603' * 3
lone = 'a\udc80b'
record = (int('7000'), float('2.5'), ''.join(['sev', 'en']))
raw = b'\x00\x01bytes'
canaries = [Canary(i) for i in range(5)]
HELD = [Canary, f, raiser, gen, Holder, holder, numbers, floats, big, mapping, words, text, lone, record, raw, canaries]

def snapshot():
    gc.collect()
    total = sys.gettotalrefcount() if hasattr(sys, 'gettotalrefcount') else -1
    refs = 0
    for o in HELD:
        refs += sys.getrefcount(o)
        items = [*o.keys(), *o.values()] if isinstance(o, dict) else o if isinstance(o, (list, tuple, set)) else ()
        for i in items:
            refs += sys.getrefcount(i)
    return (total, Canary.alive, refs)
"#;

/// The fixture's objects, as handles.
struct Fx {
    canary: Object,
    f: Object,
    raiser: Object,
    generator: Object,
    holder: Object,
    numbers: Object,
    floats: Object,
    big: Object,
    mapping: Object,
    words: Object,
    text: Object,
    lone: Object,
    record: Object,
    raw: Object,
    canaries: Object,
    snapshot: Object,
    getrefcount: Object,
    /// `sys.getrefcount` of a fresh object held by one handle.
    fresh: i64,
}

impl Fx {
    fn new() -> Result<Fx> {
        let ns = Dict::new()?;
        libpython::exec(FIXTURE, &ns)?;
        let get = |name: &str| {
            ns.get(name)
                .map(|o| o.unwrap_or_else(|| panic!("the fixture defines {name}")))
        };
        // `run_simple_string` runs in `__main__`: give it the canary class there.
        libpython::attach(|py| py.main_dict()?.insert("_LeakCanary", get("Canary")?))?;
        Ok(Fx {
            canary: get("Canary")?,
            f: get("f")?,
            raiser: get("raiser")?,
            generator: get("gen")?,
            holder: get("holder")?,
            numbers: get("numbers")?,
            floats: get("floats")?,
            big: get("big")?,
            mapping: get("mapping")?,
            words: get("words")?,
            text: get("text")?,
            lone: get("lone")?,
            record: get("record")?,
            raw: get("raw")?,
            canaries: get("canaries")?,
            snapshot: get("snapshot")?,
            getrefcount: libpython::import("sys")?.getattr("getrefcount")?,
            fresh: 0,
        })
    }

    /// A new canary.
    fn bird(&self, v: i64) -> Result<Object> {
        self.canary.call((v,))
    }

    /// Checks that `o`, an object just made for the caller, has exactly the references of a
    /// fresh object: the caller's handle and no other.
    fn sole(&self, what: &str, o: &Object) -> Result<()> {
        let n: i64 = self.getrefcount.call((o,))?.extract()?;
        if n == self.fresh {
            Ok(())
        } else {
            Err(Error::conversion(format!(
                "{what}: the new object has {n} references where a fresh one has {}: a reference was kept",
                self.fresh
            )))
        }
    }

    fn snap(&self) -> Result<Snap> {
        // Called and read under one GIL hold, so the result is released at once rather than
        // queued: the snapshot itself leaves nothing behind.
        attach(|py| {
            let r = self.snapshot.bind(py)?.call0()?;
            let (total, alive, refs): (i64, i64, i64) = r.extract()?;
            Ok(Snap { total, alive, refs })
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Snap {
    total: i64,
    alive: i64,
    refs: i64,
}

/// An error the operation expects; an `Ok` is a broken operation, not a leak.
fn expect_err<T: std::fmt::Debug>(r: Result<T>, what: &str) -> Result<Error> {
    match r {
        Ok(v) => panic!("{what} succeeded with {v:?}; expected an error"),
        Err(e) => Ok(e),
    }
}

type Op = fn(&Fx) -> Result<()>;

/// Every public operation, each a round trip that leaves nothing behind it.
const OPS: &[(&str, Op)] = &[
    ("import_module", |_| {
        let json = libpython::import("json")?;
        let abc = libpython::import("collections.abc")?;
        assert!(abc.hasattr("Mapping")?);
        let s: String = json.call_method("dumps", (vec![1i64, 2],))?.extract()?;
        assert_eq!(s, "[1, 2]");
        Ok(())
    }),
    ("from_import!/import_as!", |_| {
        libpython::from_import!(os.path: join, basename);
        libpython::import_as!(collections as col);
        let j: String = join.call(("a", "b"))?.extract()?;
        let b: String = basename.call((j,))?.extract()?;
        assert_eq!(b, "b");
        let d = col.getattr("OrderedDict")?.call0()?;
        assert!(d.is_empty()?);
        Ok(())
    }),
    ("getattr/hasattr", |fx| {
        let c = fx.holder.getattr("c")?;
        assert_eq!(c.type_name()?, "Canary");
        assert!(fx.holder.hasattr("c")?);
        assert!(!fx.holder.hasattr("missing")?);
        let e = expect_err(
            fx.holder.getattr("missing"),
            "getattr of a missing attribute",
        )?;
        assert!(matches!(e.kind(), ErrorKind::NoAttribute { .. }), "{e:?}");
        Ok(())
    }),
    ("setattr/delattr", |fx| {
        fx.holder.setattr("c", fx.bird(1)?)?;
        fx.holder.setattr("tmp", fx.bird(2)?)?;
        fx.holder.setattr("n", 123_456_789i64)?;
        fx.holder.setattr("s", "a string")?;
        fx.holder.delattr("tmp")?;
        fx.holder.delattr("n")?;
        Ok(())
    }),
    ("call (positional)", |fx| {
        let r = fx.f.call((fx.bird(1)?, 2.5, "three"))?;
        assert_eq!(r.len()?, 4);
        fx.sole("f(a, b, c)", &r)?;
        let r = fx.f.call(libpython::Tuple::new(vec![
            fx.bird(2)?,
            fx.bird(3)?,
            fx.bird(4)?,
        ])?)?;
        assert_eq!(r.get_item(2)?.len()?, 1);
        fx.sole("f(*vec)", &r)?;
        let r =
            fx.f.call(libpython::Tuple::new([1i64, 2, 3, 4, 5, 6, 7, 8, 9, 10])?)?;
        assert_eq!(r.get_item(2)?.len()?, 8);
        fx.sole("f(*slice of 10)", &r)?;
        let e = expect_err(fx.f.call0(), "f() without its argument")?;
        assert!(e.as_python().is_some_and(|p| p.type_name() == "TypeError"));
        Ok(())
    }),
    ("call! with kwargs", |fx| {
        let (a, b) = (fx.bird(1)?, fx.bird(2)?);
        let r = call!(
            fx.f,
            a,
            b = b,
            extra = vec![1i64, 2],
            name = "x",
            c = fx.bird(3)?
        )?;
        fx.sole("call!(f, ..)", &r)?;
        let kw = r.get_item(3)?;
        assert_eq!(kw.len()?, 3);
        let r =
            fx.f.call_kw((1i64,), &[("b", &fx.bird(4)? as &dyn ToPython)])?;
        assert_eq!(r.get_item(1)?.type_name()?, "Canary");
        fx.sole("f.call_kw", &r)?;
        Ok(())
    }),
    ("call_method/call_attr!", |fx| {
        let c = fx.holder.getattr("c")?;
        let r = c.call_method("method", (fx.bird(1)?,))?;
        assert_eq!(r.len()?, 4);
        fx.sole("c.method(..)", &r)?;
        let r = call_attr!(c, "method", fx.bird(2)?, b = fx.bird(3)?, k = 3i64)?;
        assert_eq!(r.get_item(3)?.len()?, 1);
        fx.sole("call_attr!(c, \"method\", ..)", &r)?;
        let r = c.call_method_kw("method", (1i64,), &[("z", &fx.bird(4)? as &dyn ToPython)])?;
        assert_eq!(r.len()?, 4);
        let e = expect_err(c.call_method("no_such_method", ()), "a missing method")?;
        drop(e);
        Ok(())
    }),
    ("ints to Python", |fx| {
        // Small ints are shared singletons: converted, but their references are not checked.
        let small = attach(|py| {
            Ok(vec![
                0i64.to_python(py)?,
                7i64.to_python(py)?,
                (-5i64).to_python(py)?,
                (-3i8).to_python(py)?,
            ])
        })?;
        drop(small);
        let made = attach(|py| {
            Ok(vec![
                1_000_000i64.to_python(py)?,
                i64::MIN.to_python(py)?,
                i64::MAX.to_python(py)?,
                u64::MAX.to_python(py)?,
                usize::MAX.to_python(py)?,
                i128::MAX.to_python(py)?,
                (u128::MAX - 5).to_python(py)?,
                num_bigint::BigInt::parse_bytes(b"-123456789012345678901234567890", 10)
                    .unwrap()
                    .to_python(py)?,
            ])
        })?;
        for o in &made {
            fx.sole("an int", o)?;
        }
        let o = libpython::to_python(&123_456_789_012i64)?;
        fx.sole("to_python(&i64)", &o)?;
        assert_eq!(o.extract::<i64>()?, 123_456_789_012);
        Ok(())
    }),
    ("ints from Python", |fx| {
        let v: Vec<i64> = fx.numbers.extract()?;
        assert_eq!(v[9], 1009);
        let u: Vec<u32> = fx.numbers.extract()?;
        assert_eq!(u[0], 1000);
        let big: i128 = fx.big.extract()?;
        assert_eq!(big, 10i128.pow(30));
        let b: num_bigint::BigInt = fx.big.extract()?;
        assert_eq!(b.to_string().len(), 31);
        let e = expect_err(fx.big.extract::<i64>(), "10**30 as i64")?;
        assert!(matches!(e.kind(), ErrorKind::Overflow { .. }), "{e:?}");
        let e = expect_err(fx.numbers.get_item(0)?.extract::<u8>(), "1000 as u8")?;
        assert!(matches!(e.kind(), ErrorKind::Overflow { .. }), "{e:?}");
        let e = expect_err(fx.text.extract::<i64>(), "a str as i64")?;
        assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
        Ok(())
    }),
    ("floats both ways", |fx| {
        let t: (f64, f64, f64) = fx.floats.extract()?;
        assert_eq!(t, (0.5, 1.5, 2.5));
        let v: Vec<f32> = fx.floats.extract()?;
        assert_eq!(v[2], 2.5);
        let from_int: f64 = fx.numbers.get_item(1)?.extract()?;
        assert_eq!(from_int, 1001.0);
        let o = libpython::to_python(&vec![1.25f64, -0.0, f64::INFINITY])?;
        assert_eq!(o.len()?, 3);
        fx.sole("a list of floats", &o)?;
        let o = libpython::to_python(&3.75f32)?;
        fx.sole("a float", &o)?;
        assert_eq!(o.extract::<f64>()?, 3.75);
        let e = expect_err(fx.text.extract::<f64>(), "a str as f64")?;
        assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
        Ok(())
    }),
    ("strings both ways", |fx| {
        let s: String = fx.text.extract()?;
        assert!(s.starts_with("héllo"));
        let o = libpython::to_python(&s)?;
        assert!(o.eq_py(&fx.text)?);
        fx.sole("a str from a String", &o)?;
        let o = libpython::to_python("plain &str ☃")?;
        assert_eq!(o.len()?, 12);
        fx.sole("a str from a &str", &o)?;
        let c: char = libpython::to_python(&'ß')?.extract()?;
        assert_eq!(c, 'ß');
        let lossy = attach(|py| libpython::string_lossy(fx.lone.bind(py)?))?;
        assert_eq!(lossy, "a\u{fffd}b");
        let e = expect_err(fx.lone.extract::<String>(), "a lone surrogate as String")?;
        drop(e);
        let e = expect_err(fx.numbers.extract::<String>(), "a list as String")?;
        assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
        Ok(())
    }),
    ("lists both ways", |fx| {
        let o = libpython::to_python(&vec![vec![1.0f64, 2.0], vec![3.0]])?;
        fx.sole("a nested list", &o)?;
        let back: Vec<Vec<f64>> = o.extract()?;
        assert_eq!(back, [vec![1.0, 2.0], vec![3.0]]);
        let o = libpython::to_python(&vec!["a".to_string(), "b".to_string()])?;
        fx.sole("a list of str", &o)?;
        let back: Vec<String> = o.extract()?;
        assert_eq!(back, ["a", "b"]);
        let o = libpython::to_python(&[1u8, 2, 3])?;
        fx.sole("a list from an array", &o)?;
        let arr: [u8; 3] = o.extract()?;
        assert_eq!(arr, [1, 2, 3]);
        let dq: VecDeque<i64> = fx.numbers.extract()?;
        assert_eq!(dq.len(), 10);
        let birds: Vec<Object> = fx.canaries.extract()?;
        assert_eq!(birds.len(), 5);
        let again = libpython::to_python(&birds)?;
        assert_eq!(again.len()?, 5);
        fx.sole("a list of objects", &again)?;
        let o = libpython::to_python(&vec![fx.bird(1)?, fx.bird(2)?])?;
        assert_eq!(o.len()?, 2);
        Ok(())
    }),
    ("dicts both ways", |fx| {
        let m: HashMap<String, f64> = fx.mapping.extract()?;
        assert_eq!(m["k1"], 1.25);
        let m: BTreeMap<String, Object> = fx.mapping.extract()?;
        assert_eq!(m.len(), 5);
        let mut h = HashMap::new();
        h.insert("one".to_string(), 1i64);
        h.insert("two".to_string(), 2i64);
        let o = libpython::to_python(&h)?;
        fx.sole("a dict from a HashMap", &o)?;
        assert_eq!(o.get_item("two")?.extract::<i64>()?, 2);
        let mut b = BTreeMap::new();
        b.insert(3i64, vec!["x".to_string()]);
        b.insert(4i64, vec![]);
        let o = libpython::to_python(&b)?;
        fx.sole("a dict from a BTreeMap", &o)?;
        let back: BTreeMap<i64, Vec<String>> = o.extract()?;
        assert_eq!(back, b);
        let mut birds = HashMap::new();
        birds.insert("a".to_string(), fx.bird(1)?);
        let o = libpython::to_python(&birds)?;
        assert_eq!(o.len()?, 1);
        let e = expect_err(
            fx.numbers.extract::<HashMap<String, i64>>(),
            "a list as a map",
        )?;
        drop(e);
        Ok(())
    }),
    ("tuples both ways", |fx| {
        let t: (i64, f64, String) = fx.record.extract()?;
        assert_eq!(t, (7000, 2.5, "seven".to_string()));
        let o = libpython::to_python(&(1i64, "two", 3.0f64, fx.bird(4)?))?;
        assert_eq!(o.len()?, 4);
        fx.sole("a tuple", &o)?;
        let (x, y): (Object, Object) =
            libpython::to_python(&(fx.bird(5)?, fx.bird(6)?))?.extract()?;
        assert!(!x.eq_py(&y)?);
        let e = expect_err(fx.record.extract::<(i64, i64)>(), "a 3-tuple as a 2-tuple")?;
        drop(e);
        Ok(())
    }),
    ("sets both ways", |fx| {
        let s: HashSet<String> = fx.words.extract()?;
        assert!(s.contains("beta!"));
        let s: BTreeSet<String> = fx.words.extract()?;
        assert_eq!(s.len(), 3);
        let o = libpython::to_python(&[1i64, 2, 3].into_iter().collect::<HashSet<i64>>())?;
        assert!(o.contains(2i64)?);
        fx.sole("a set from a HashSet", &o)?;
        let o = libpython::to_python(&["x".to_string()].into_iter().collect::<BTreeSet<String>>())?;
        assert_eq!(o.len()?, 1);
        fx.sole("a set from a BTreeSet", &o)?;
        Ok(())
    }),
    ("bool/None/Option/bytes", |fx| {
        attach(|py| {
            true.to_python(py)?;
            ().to_python(py)?;
            Some(5i64).to_python(py)?;
            None::<i64>.to_python(py)?;
            Ok(())
        })?;
        let b: Bytes = fx.raw.extract()?;
        assert_eq!(b.0[2..], *b"bytes");
        let o = libpython::to_python(&Bytes(b"abc".to_vec()))?;
        assert_eq!(o.len()?, 3);
        fx.sole("bytes", &o)?;
        let o = libpython::to_python(&Some(10_000_000i64))?;
        fx.sole("Some(int)", &o)?;
        let v: Vec<u8> = fx.raw.extract()?;
        assert_eq!(v.len(), 7);
        let none: Option<i64> = libpython::eval("None")?.extract()?;
        assert_eq!(none, None);
        let t: bool = libpython::eval("1 < 2")?.extract()?;
        assert!(t);
        Ok(())
    }),
    ("run_simple_string", |_| {
        let r = libpython::run_simple_string(
            "_leak_x = [i * i for i in range(20)]\n_leak_c = [_LeakCanary(1), _LeakCanary(2)]",
        )?;
        let x: Vec<i64> = r.globals.get_as("_leak_x")?.unwrap();
        assert_eq!(x[19], 361);
        assert_eq!(r.locals.get("_leak_c")?.unwrap().len()?, 2);
        let e = expect_err(libpython::run_simple_string("x = ("), "a syntax error")?;
        assert!(
            e.as_python()
                .is_some_and(|p| p.type_name() == "SyntaxError")
        );
        let e = expect_err(libpython::run_simple_string("1 / 0"), "a division by zero")?;
        assert!(e.to_string().contains("ZeroDivisionError"));
        Ok(())
    }),
    ("standard streams", |_| {
        /// A writer whose writes fail as a closed pipe does.
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let out = libpython_tests::Captured::default();
        libpython::set_stdout(out.clone())?;
        libpython::set_stdin(std::io::Cursor::new(b"a line\n".to_vec()))?;
        libpython::run_simple_string(
            "import sys\nprint('x', _LeakCanary(1))\nsys.stdout.buffer.write(memoryview(b'y'))\n_leak_line = input()",
        )?;
        assert!(out.text().starts_with("x "), "{}", out.text());
        libpython::set_stdout(Closed)?;
        let e = expect_err(
            libpython::run_simple_string("print('lost')"),
            "a write to a closed pipe",
        )?;
        assert!(
            e.as_python()
                .is_some_and(|p| p.type_name() == "BrokenPipeError"),
            "{e}"
        );
        libpython::redirect_to_rust()?;
        Ok(())
    }),
    ("eval/exec/compile", |fx| {
        let o = libpython::eval("[1, 2, 3] * 2")?;
        fx.sole("eval's result", &o)?;
        let v: Vec<i64> = o.extract()?;
        assert_eq!(v.len(), 6);
        let g = Dict::from_pairs([("x", 21i64)])?;
        g.insert("Canary", &fx.canary)?;
        libpython::exec("y = x * 2\nz = [Canary(x)]", &g)?;
        assert_eq!(g.get_as::<i64>("y")?, Some(42));
        let code = libpython::compile("a + b", "<leak>", Mode::Eval)?;
        let r: i64 = code
            .run(&Dict::from_pairs([("a", 1i64), ("b", 2i64)])?)?
            .extract()?;
        assert_eq!(r, 3);
        let r: i64 = attach(|py| py.eval("6 * 7")?.extract())?;
        assert_eq!(r, 42);
        let e = expect_err(libpython::eval("undefined_name"), "an undefined name")?;
        assert!(e.as_python().is_some_and(|p| p.is_instance_of("NameError")));
        let e = expect_err(
            libpython::compile("a +", "<leak>", Mode::Eval),
            "a syntax error",
        )?;
        drop(e);
        Ok(())
    }),
    ("errors", |fx| {
        let e = expect_err(fx.raiser.call((fx.bird(1)?,)), "raiser")?;
        let p = e.as_python().expect("a Python exception");
        assert_eq!(p.type_name(), "ValueError");
        assert_eq!(p.message(), "Canary(1)");
        assert!(p.traceback().contains("in raiser"), "{}", p.traceback());
        assert!(p.is_instance_of("Exception"));
        let args = p.value().expect("the exception object").getattr("args")?;
        assert_eq!(args.get_item(0)?.type_name()?, "Canary");
        let copy = e.clone();
        assert!(format!("{copy}").contains("ValueError"));
        drop((e, copy));
        let e = expect_err(
            libpython::import("no_such_module_for_leaks"),
            "a missing module",
        )?;
        assert!(
            e.as_python()
                .is_some_and(|p| p.type_name() == "ModuleNotFoundError")
        );
        let e = expect_err(fx.holder.getattr("bad\0name"), "a NUL in a name")?;
        assert!(matches!(e.kind(), ErrorKind::Nul { .. }), "{e:?}");
        let e = expect_err(fx.numbers.call0(), "calling a list")?;
        drop(e);
        Ok(())
    }),
    ("Dict view", |fx| {
        let d = Dict::new()?;
        fx.sole("Dict::new()", &d)?;
        d.insert("a", fx.bird(1)?)?;
        d.insert(2i64, vec![1i64, 2])?;
        assert!(d.contains_key("a")?);
        assert_eq!(d.get("a")?.unwrap().type_name()?, "Canary");
        assert_eq!(d.get_as::<Vec<i64>>(2i64)?, Some(vec![1, 2]));
        assert!(d.get("missing")?.is_none());
        assert_eq!(d.keys()?.len(), 2);
        assert_eq!(d.values()?.len(), 2);
        assert_eq!(d.items()?.len(), 2);
        let c = d.copy()?;
        assert_eq!(c.len()?, 2);
        fx.sole("Dict::copy()", &c)?;
        assert!(d.remove("a")?.is_some());
        assert!(d.remove("a")?.is_none());
        d.extend(&fx.mapping)?;
        assert_eq!(d.len()?, 6);
        d.clear()?;
        assert!(d.is_empty()?);
        let p = Dict::from_pairs([("x", fx.bird(2)?), ("y", fx.bird(3)?)])?;
        let o: Object = p.clone().into();
        let back = Dict::try_from(o)?;
        assert_eq!(back.len()?, 2);
        let e = expect_err(Dict::try_from(fx.numbers.clone()), "a list as a Dict")?;
        drop(e);
        let main = libpython::module_dict(&libpython::add_module("__main__")?)?;
        assert!(main.contains_key("__name__")?);
        Ok(())
    }),
    ("List view", |fx| {
        let l = List::new()?;
        fx.sole("List::new()", &l)?;
        l.push(fx.bird(1)?)?;
        l.push(2i64)?;
        l.insert(0, "first")?;
        l.set(1, fx.bird(3)?)?;
        assert_eq!(l.get(-1)?.extract::<i64>()?, 2);
        assert_eq!(l.get_as::<String>(0)?, "first");
        l.extend(vec![fx.bird(4)?, fx.bird(5)?])?;
        assert_eq!(l.len()?, 5);
        let v: Vec<Object> = l.to_vec()?;
        assert_eq!(v.len(), 5);
        let popped = l.remove(-1)?;
        assert_eq!(popped.type_name()?, "Canary");
        let l2 = List::try_from(fx.canaries.clone())?;
        assert_eq!(l2.len()?, 5);
        let e = expect_err(l.get(100), "an index out of range")?;
        assert!(e.as_python().is_some_and(|p| p.type_name() == "IndexError"));
        Ok(())
    }),
    ("Set view", |fx| {
        let s = Set::try_from(fx.words.call_method("copy", ())?)?;
        s.add("delta")?;
        assert!(s.contains_value("delta")?);
        assert!(s.remove("alpha!")?);
        assert!(!s.remove("alpha!")?);
        s.add(fx.bird(1)?)?;
        assert_eq!(s.len()?, 4);
        let e = expect_err(s.add(vec![1i64]), "an unhashable item")?;
        drop(e);
        Ok(())
    }),
    ("Iter", |fx| {
        let items: Vec<Object> = Iter::new(&fx.canaries)?.collect::<Result<_>>()?;
        assert_eq!(items.len(), 5);
        let g = fx.generator.call((3i64, false))?;
        assert_eq!(Iter::new(&g)?.count(), 3);
        let g = fx.generator.call((2i64, true))?;
        let results: Vec<Result<Object>> = Iter::new(&g)?.collect();
        assert_eq!(results.len(), 3);
        assert!(
            results[2]
                .as_ref()
                .is_err_and(|e| e.as_python().is_some_and(|p| p.type_name() == "KeyError"))
        );
        let keys: Vec<String> = Iter::new(&fx.mapping)?
            .map(|k| k?.extract())
            .collect::<Result<_>>()?;
        assert_eq!(keys.len(), 5);
        let first: i64 = fx.numbers.try_iter()?.next().unwrap()?.extract()?;
        assert_eq!(first, 1000);
        let e = expect_err(Iter::new(&fx.big), "iterating an int")?;
        drop(e);
        Ok(())
    }),
    ("object protocol", |fx| {
        assert_eq!(fx.record.repr()?, "(7000, 2.5, 'seven')");
        assert_eq!(fx.record.str()?, "(7000, 2.5, 'seven')");
        assert_eq!(
            format!("{:?} {}", fx.record, fx.big),
            format!("(7000, 2.5, 'seven') {}", 10u128.pow(30))
        );
        let d = Dict::new()?;
        d.set_item("k", fx.bird(1)?)?;
        assert!(d.contains("k")?);
        assert_eq!(d.get_item("k")?.type_name()?, "Canary");
        d.del_item("k")?;
        let e = expect_err(d.get_item("k"), "a missing key")?;
        assert!(e.as_python().is_some_and(|p| p.type_name() == "KeyError"));
        assert_eq!(
            fx.numbers
                .get_type()?
                .getattr("__name__")?
                .extract::<String>()?,
            "list"
        );
        assert_eq!(&*fx.numbers.type_symbol()?, "list");
        assert!(fx.holder.is_instance(&fx.holder.get_type()?)?);
        assert!(fx.f.is_callable()? && !fx.numbers.is_callable()?);
        assert!(libpython::eval("None")?.is_none()?);
        assert!(fx.numbers.is_truthy()?);
        assert!(fx.numbers == fx.numbers.clone());
        assert_eq!(fx.text.hash_py()?, fx.text.clone().hash_py()?);
        let mut set = HashSet::new();
        set.insert(fx.text.clone());
        assert!(set.contains(&fx.text));
        assert!(fx.holder.dir()?.contains(&"c".to_string()));
        assert!(fx.holder.doc()?.is_some());
        assert!(fx.holder.att_type_map()?.contains_key("c"));
        let e = expect_err(
            fx.record.hash_py().and_then(|_| fx.numbers.hash_py()),
            "hashing a list",
        )?;
        drop(e);
        Ok(())
    }),
    ("attach/Bound", |fx| {
        attach(|py| {
            let h = fx.holder.bind(py)?;
            let c = h.getattr("c")?;
            let again = c.clone().unbind();
            let r = fx.holder.clone_ref(py);
            assert_eq!(r.as_ptr(), h.as_ptr());
            h.setattr("tmp", again)?;
            h.delattr("tmp")?;
            let b = py.builtins()?;
            let n: usize = b.getattr("len")?.call((&fx.canaries,))?.extract()?;
            assert_eq!(n, 5);
            let m = py.import("math")?;
            let p: f64 = m.getattr("pi")?.extract()?;
            assert!(p > 3.0);
            py.none();
            Ok(())
        })?;
        let len = libpython::builtin("len")?;
        assert_eq!(len.call((&fx.numbers,))?.extract::<usize>()?, 10);
        Ok(())
    }),
    ("clone, drop on another thread", |fx| {
        let c = fx.bird(1)?;
        let copies: Vec<Object> = (0..3).map(|_| c.clone()).collect();
        let list = libpython::to_python(&vec![fx.bird(2)?, fx.bird(3)?])?;
        // Dropped by a thread that does not hold the GIL: queued, released at the next
        // acquisition.
        std::thread::spawn(move || drop((copies, list)))
            .join()
            .unwrap();
        drop(c);
        Ok(())
    }),
    ("drop inside detach", |fx| {
        let d = fx.bird(4)?;
        attach(|py| {
            py.detach(move || drop(d));
            Ok(())
        })?;
        Ok(())
    }),
    ("with_context", |fx| {
        let contextlib = libpython::import("contextlib")?;
        let cm = contextlib.call_method("nullcontext", (fx.bird(1)?,))?;
        assert_eq!(
            cm.with_context(|c| c.type_name())?.as_deref(),
            Some("Canary")
        );
        attach(|py| cm.bind(py)?.with_context(|c| c.getattr("v")).map(drop))?;
        let e = expect_err(
            cm.with_context(|_| fx.raiser.call((fx.bird(2)?,))),
            "a body that raises",
        )?;
        drop(e);
        let suppress = contextlib.call_method("suppress", (libpython::builtin("ValueError")?,))?;
        assert!(
            suppress
                .with_context(|_| fx.raiser.call((fx.bird(3)?,)))?
                .is_none()
        );
        assert!(
            suppress
                .with_context(|_| Err::<(), _>(Error::conversion("from Rust")))?
                .is_none()
        );
        Ok(())
    }),
    ("IterBridge", |fx| {
        let birds: Vec<Object> = (0..3).map(|i| fx.bird(i)).collect::<Result<_>>()?;
        let list = libpython::builtin("list")?.call((libpython::IterBridge::new(birds),))?;
        assert_eq!(list.len()?, 3);
        // Partly consumed, then dropped by Python.
        let it = libpython::to_python(&libpython::IterBridge::new(
            Iter::new(&fx.canaries)?.map(Result::ok),
        ))?;
        assert_eq!(
            libpython::builtin("next")?.call((&it,))?.type_name()?,
            "Canary"
        );
        drop(it);
        let failing =
            libpython::IterBridge::fallible(vec![Ok(fx.bird(4)?), Err(Error::conversion("bad"))]);
        let e = expect_err(
            libpython::builtin("list")?.call((failing,)),
            "an iterator with a failing item",
        )?;
        drop(e);
        Ok(())
    }),
    ("bridged map and vector", |fx| {
        let m = libpython::MapBridge::new(HashMap::from([("a".to_string(), fx.bird(1)?)]));
        let pm = libpython::bridge(m)?;
        pm.set_item("b", fx.bird(2)?)?;
        assert_eq!(libpython::builtin("dict")?.call((&pm,))?.len()?, 2);
        assert_eq!(pm.call_method("items", ())?.len()?, 2);
        assert_eq!(pm.call_method("pop", ("a",))?.type_name()?, "Canary");
        pm.call_method("setdefault", ("c", fx.bird(3)?))?;
        pm.call_method("update", (vec![("d", fx.bird(4)?)],))?;
        assert!(!pm.eq_py(Dict::new()?)?);
        pm.call_method("clear", ())?;
        let v = libpython::VecBridge::new(vec![fx.bird(1)?, fx.bird(2)?]);
        let pv = libpython::bridge(v)?;
        pv.call_method("insert", (0, fx.bird(3)?))?;
        assert_eq!(
            pv.call_method("index", (pv.get_item(1)?,))?
                .extract::<i64>()?,
            1
        );
        assert_eq!(pv.get_item(libpython::eval("slice(0, 2)")?)?.len()?, 2);
        pv.call_method("extend", (vec![fx.bird(5)?],))?;
        pv.call_method("pop", ())?;
        pv.del_item(0)?;
        pv.call_method("reverse", ())?;
        assert_eq!(libpython::builtin("list")?.call((&pv,))?.len()?, 2);
        pv.call_method("clear", ())?;
        Ok(())
    }),
    ("sequence keys, kept objects", |fx| {
        let m: HashMap<Vec<i64>, Vec<i64>> = HashMap::from([(vec![1_000_001, 2], vec![3])]);
        let o = libpython::to_python(&m)?;
        fx.sole("a dict with tuple keys", &o)?;
        assert_eq!(o.extract::<HashMap<Vec<i64>, Vec<i64>>>()?, m);
        let s: HashSet<Vec<Vec<i64>>> = HashSet::from([vec![vec![1_000_002]]]);
        assert_eq!(
            libpython::to_python(&s)?.extract::<HashSet<Vec<Vec<i64>>>>()?,
            s
        );
        let v = libpython::Value::from_object_lossless(&fx.canaries)?;
        assert_eq!(v[0].type_name(), "object");
        let back = v.to_object()?;
        fx.sole("a list of kept objects", &back)?;
        let keyed = libpython::Value::dict([(libpython::Value::list([1_000_003]), v.clone())])
            .to_object()?;
        assert_eq!(keyed.len()?, 1);
        Ok(())
    }),
    ("capture_output", |fx| {
        let (r, out) = libpython::capture_output(|| {
            fx.f.call((fx.bird(1)?,))?;
            libpython::run_simple_string(
                "print('captured')\nimport sys\nprint('too', file=sys.stderr)",
            )
        })?;
        r?;
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("captured\n", "too\n")
        );
        Ok(())
    }),
    ("List::sort", |fx| {
        let l = List::try_from(fx.numbers.call_method("copy", ())?)?;
        l.sort_with(Some(&libpython::builtin("abs")?), true)?;
        l.sort()?;
        l.reverse()?;
        assert_eq!(l.get_as::<i64>(0)?, 1009);
        Ok(())
    }),
    ("use from another thread", |fx| {
        // The other thread takes the GIL itself, then drops its handles.
        let h = fx.holder.clone();
        let n = std::thread::spawn(move || h.getattr("c").and_then(|c| c.type_name()))
            .join()
            .unwrap()?;
        assert_eq!(n, "Canary");
        Ok(())
    }),
];

/// What one operation left behind, if anything.
fn check(name: &str, op: Op, fx: &Fx, debug: bool) -> Option<String> {
    let run = |n: usize| -> std::result::Result<(), String> {
        for _ in 0..n {
            op(fx).map_err(|e| format!("{name} failed: {e}"))?;
        }
        Ok(())
    };
    if let Err(e) = run(WARMUP * REPS) {
        return Some(e);
    }
    let mut deltas: Vec<[i64; 3]> = Vec::new();
    for _ in 0..ROUNDS {
        let a = fx.snap().expect("a snapshot");
        if let Err(e) = run(REPS) {
            return Some(e);
        }
        let b = fx.snap().expect("a snapshot");
        deltas.push([b.total - a.total, b.alive - a.alive, b.refs - a.refs]);
    }
    let col = |i: usize| deltas.iter().map(|d| d[i]).collect::<Vec<_>>();
    let total = if debug {
        format!("{:?}", col(0))
    } else {
        "-".into()
    };
    println!(
        "  {name:<30} total refs {total:<10} live canaries {:<10} held refcounts {:?}",
        format!("{:?}", col(1)),
        col(2)
    );
    let mut found = Vec::new();
    if debug && col(0).iter().any(|d| *d != 0) {
        found.push(format!(
            "sys.gettotalrefcount moved by {:?} per {REPS} calls",
            col(0)
        ));
    }
    if col(1).iter().any(|d| *d != 0) {
        found.push(format!(
            "live canaries moved by {:?} per {REPS} calls",
            col(1)
        ));
    }
    if col(2).iter().any(|d| *d != 0) {
        found.push(format!(
            "refcounts of held objects moved by {:?} per {REPS} calls",
            col(2)
        ));
    }
    if found.is_empty() {
        None
    } else {
        Some(format!("{name}: {}", found.join(", ")))
    }
}

fn leak_check_in_this_process() {
    libpython_tests::python();
    let mut fx = Fx::new().expect("the fixture runs");
    let probe = libpython::eval("[]").expect("a fresh list");
    fx.fresh = fx
        .getrefcount
        .call((&probe,))
        .and_then(|n| n.extract())
        .expect("sys.getrefcount runs");
    drop(probe);
    let debug = fx.snap().expect("a snapshot").total >= 0;
    println!(
        "leak check: {} operations, {WARMUP} warm-up and {ROUNDS} measured rounds of {REPS} calls each; a fresh object has {} references ({})",
        OPS.len(),
        fx.fresh,
        if debug {
            "debug build: sys.gettotalrefcount, live canaries, held refcounts, result refcounts"
        } else {
            "release build: live canaries, held refcounts, result refcounts"
        }
    );
    let leaks: Vec<String> = OPS
        .iter()
        .filter_map(|(name, op)| check(name, *op, &fx, debug))
        .collect();
    let how = if debug {
        "sys.gettotalrefcount, live objects and refcounts"
    } else {
        "live objects and refcounts"
    };
    if leaks.is_empty() {
        println!("leaks: 0 ({} operations checked by {how})", OPS.len());
    } else {
        println!("leaks: {} ({})", leaks.len(), leaks.join("; "));
    }
    drop(fx);
    assert!(
        leaks.is_empty(),
        "operations that leak or over-release references:\n{}",
        leaks.join("\n")
    );
}

/// Every public operation leaves reference counts, live objects and allocated memory where
/// they were (see the module documentation for how each is measured).
#[test]
fn public_operations_leave_no_references_behind() {
    if is_child() {
        return leak_check_in_this_process();
    }
    let run = run_child("leaks::public_operations_leave_no_references_behind", &[]);
    let text = &run.text;
    let line = text
        .lines()
        .find(|l| l.starts_with("leaks: "))
        .map(str::to_owned);
    if let Some(l) = &line {
        // Past libtest's output capture (which only takes `print!`), so the matrix reads it
        // from the test executable's output whether the test passes or fails.
        let _ = writeln!(std::io::stderr(), "{l}");
    }
    assert!(run.passed(), "the leak check failed:\n{text}");
    assert!(
        line.is_some(),
        "the leak check printed no `leaks:` line:\n{text}"
    );
}
