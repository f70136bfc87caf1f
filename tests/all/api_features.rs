//! Context managers, Rust iterators as Python iterators, bridged maps and vectors as
//! `collections.abc` types (with pandas), sequence keys, objects kept in a `Value`, attribute
//! paths in the import macros, `List::sort`, scoped output capture, and what a restart after
//! `finalize` gives.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libpython::{
    Bridge, Dict, Error, ErrorKind, IterBridge, MapBridge, Object, ToPython, VecBridge,
};
use libpython_tests::{in_child, python, refcount};

/// Runs `code` with `vars` as globals (plus builtins) and returns the globals.
fn run(code: &str, vars: &[(&str, &Object)]) -> Dict {
    let g = Dict::namespace().unwrap();
    for (k, v) in vars {
        g.insert(*k, *v).unwrap();
    }
    libpython::exec(code, &g).unwrap();
    g
}

/// The Python object of a bridged Rust value.
fn bridged<T: Bridge>(value: Arc<T>) -> Object {
    libpython::bridge(value).unwrap()
}

fn get<T: libpython::FromPython>(g: &Dict, name: &str) -> T {
    g.get_as::<T>(name)
        .unwrap()
        .unwrap_or_else(|| panic!("{name} is not set"))
}

// ---------------------------------------------------------------------------------------------
// Bridged maps and vectors are collections.abc types
// ---------------------------------------------------------------------------------------------

#[test]
fn bridged_maps_are_mappings_and_writable_ones_mutable_mappings() {
    python();
    let m = MapBridge::new(BTreeMap::from([
        ("a".to_string(), 1i64),
        ("b".to_string(), 2),
    ]));
    let ro = MapBridge::read_only(imbl::OrdMap::<String, i64>::unit("x".to_string(), 9));
    let (pm, pro) = (bridged(m.clone()), bridged(ro));
    let g = run(
        "from collections.abc import Mapping, MutableMapping\n\
         facts = [isinstance(m, Mapping), isinstance(m, MutableMapping), isinstance(ro, Mapping), isinstance(ro, MutableMapping)]\n\
         as_dict = dict(m)\n\
         spread = {**m}\n\
         eq = (m == {'a': 1, 'b': 2}, m != {'a': 1}, m == [('a', 1)], ro == {'x': 9})\n\
         popped = m.pop('a')\n\
         missing = m.pop('zzz', 'default')\n\
         sd = (m.setdefault('b', 100), m.setdefault('c', 3))\n\
         m.update({'d': 4}, e=5)\n\
         m.update([('f', 6)])\n\
         item = m.popitem()\n\
         try:\n    ro['y'] = 1\nexcept TypeError as e:\n    ro_error = type(e).__name__\n\
         try:\n    m.pop('nope')\nexcept KeyError as e:\n    key_error = repr(e)\n\
         writers = [n for n in ('pop', 'popitem', 'setdefault', 'update', 'clear') if hasattr(ro, n)]\n\
         names = (type(m).__name__, type(ro).__name__)\n",
        &[("m", &pm), ("ro", &pro)],
    );
    assert_eq!(get::<Vec<bool>>(&g, "facts"), [true, true, true, false]);
    assert_eq!(
        get::<BTreeMap<String, i64>>(&g, "as_dict"),
        BTreeMap::from([("a".into(), 1), ("b".into(), 2)])
    );
    assert_eq!(get::<BTreeMap<String, i64>>(&g, "spread").len(), 2);
    assert_eq!(
        get::<(bool, bool, bool, bool)>(&g, "eq"),
        (true, true, false, true)
    );
    assert_eq!(get::<i64>(&g, "popped"), 1);
    assert_eq!(get::<String>(&g, "missing"), "default");
    assert_eq!(get::<(i64, i64)>(&g, "sd"), (2, 3));
    assert_eq!(
        get::<(String, i64)>(&g, "item"),
        ("b".to_string(), 2),
        "a BTreeMap pops its first key"
    );
    assert_eq!(get::<String>(&g, "ro_error"), "TypeError");
    assert_eq!(get::<String>(&g, "key_error"), "KeyError('nope')");
    assert!(get::<Vec<String>>(&g, "writers").is_empty());
    assert_eq!(
        get::<(String, String)>(&g, "names"),
        ("RustMutableMapping".to_string(), "RustMapping".to_string())
    );
    let now: Vec<(String, i64)> = m
        .map()
        .read()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(
        now,
        [
            ("c".into(), 3),
            ("d".into(), 4),
            ("e".into(), 5),
            ("f".into(), 6)
        ]
    );
    run("m.clear()", &[("m", &pm)]);
    assert!(m.map().read().unwrap().is_empty());
    // Bridged maps are unhashable, as mappings are.
    assert!(pm.hash_py().is_err());
}

#[test]
fn bridged_vectors_are_sequences_and_writable_ones_mutable_sequences() {
    python();
    let v = VecBridge::new(vec![3i64, 1, 2]);
    let ro = VecBridge::read_only(vec!["a".to_string(), "b".to_string()]);
    let (pv, pro) = (bridged(v.clone()), bridged(ro));
    let g = run(
        "from collections.abc import Sequence, MutableSequence\n\
         facts = [isinstance(v, Sequence), isinstance(v, MutableSequence), isinstance(ro, Sequence), isinstance(ro, MutableSequence)]\n\
         as_list = list(v)\n\
         rev = list(reversed(v))\n\
         sl = (v[1:], v[::-1], v[-1])\n\
         found = (v.index(1), v.count(2), 2 in v, 7 in v, ro.index('b'))\n\
         eq = (v == [3, 1, 2], v != [3, 1], v == (3, 1, 2), ro == ['a', 'b'])\n\
         v += [4, 5]\n\
         v.insert(0, 0)\n\
         v.insert(-1, 45)\n\
         v.insert(100, 6)\n\
         v.extend(range(7, 9))\n\
         popped = (v.pop(), v.pop(0))\n\
         v.remove(45)\n\
         del v[-1]\n\
         v.reverse()\n\
         after = list(v)\n\
         errors = []\n\
         for f in (lambda: v.remove(99), lambda: v[100], lambda: v.pop(100), lambda: ro.append('c'), lambda: v['x']):\n\
         \x20   try:\n\
         \x20       f()\n\
         \x20   except Exception as e:\n\
         \x20       errors.append(type(e).__name__)\n\
         names = (type(v).__name__, type(ro).__name__)\n",
        &[("v", &pv), ("ro", &pro)],
    );
    assert_eq!(get::<Vec<bool>>(&g, "facts"), [true, true, true, false]);
    assert_eq!(get::<Vec<i64>>(&g, "as_list"), [3, 1, 2]);
    assert_eq!(get::<Vec<i64>>(&g, "rev"), [2, 1, 3]);
    assert_eq!(
        get::<(Vec<i64>, Vec<i64>, i64)>(&g, "sl"),
        (vec![1, 2], vec![2, 1, 3], 2)
    );
    assert_eq!(
        get::<(i64, i64, bool, bool, i64)>(&g, "found"),
        (1, 1, true, false, 1)
    );
    assert_eq!(
        get::<(bool, bool, bool, bool)>(&g, "eq"),
        (true, true, false, true)
    );
    assert_eq!(get::<(i64, i64)>(&g, "popped"), (8, 0));
    assert_eq!(get::<Vec<i64>>(&g, "after"), [6, 5, 4, 2, 1, 3]);
    assert_eq!(*v.vec().read().unwrap(), [6, 5, 4, 2, 1, 3]);
    assert_eq!(
        get::<Vec<String>>(&g, "errors"),
        [
            "ValueError",
            "IndexError",
            "IndexError",
            "AttributeError",
            "TypeError"
        ]
    );
    assert_eq!(
        get::<(String, String)>(&g, "names"),
        (
            "RustMutableSequence".to_string(),
            "RustSequence".to_string()
        )
    );
    run("v.clear()", &[("v", &pv)]);
    assert!(v.vec().read().unwrap().is_empty());
}

#[test]
fn pandas_and_numpy_accept_bridged_maps_and_vectors() {
    python();
    let m = MapBridge::new(BTreeMap::from([
        ("x".to_string(), 1.5f64),
        ("y".to_string(), 2.5),
    ]));
    let v = VecBridge::new(vec![10i64, 20, 30]);
    let ro = VecBridge::read_only(imbl::Vector::from(vec![1.0f64, 2.0, 3.0]));
    let (pm, pv, pro) = (bridged(m), bridged(v), bridged(ro));
    let g = run(
        "import pandas as pd, numpy as np\n\
         s = pd.Series(m)\n\
         series = (list(s.index), list(s.values))\n\
         df = pd.DataFrame({'a': v, 'b': ro})\n\
         frame = (list(df.columns), df['a'].tolist(), df['b'].tolist(), int(df['a'].sum()))\n\
         arr = np.array(v)\n\
         array = (arr.dtype.kind, arr.shape, arr.tolist())\n",
        &[("m", &pm), ("v", &pv), ("ro", &pro)],
    );
    assert_eq!(
        get::<(Vec<String>, Vec<f64>)>(&g, "series"),
        (vec!["x".into(), "y".into()], vec![1.5, 2.5])
    );
    let (cols, a, b, sum): (Vec<String>, Vec<i64>, Vec<f64>, i64) = get(&g, "frame");
    assert_eq!(
        (cols, a, b, sum),
        (
            vec!["a".into(), "b".into()],
            vec![10, 20, 30],
            vec![1.0, 2.0, 3.0],
            60
        )
    );
    let (kind, shape, items): (String, (i64,), Vec<i64>) = get(&g, "array");
    assert_eq!((kind.as_str(), shape, items), ("i", (3,), vec![10, 20, 30]));
}

#[test]
fn json_takes_a_bridged_map_through_dict() {
    python();
    let m = MapBridge::new(BTreeMap::from([("a".to_string(), vec![1i64, 2])]));
    let pm = libpython::bridge(m).unwrap();
    let g = run(
        "import json\n\
         text = json.dumps(dict(m))\n\
         try:\n    json.dumps(m)\nexcept TypeError as e:\n    refused = str(e)\n",
        &[("m", &pm)],
    );
    assert_eq!(get::<String>(&g, "text"), r#"{"a": [1, 2]}"#);
    assert!(get::<String>(&g, "refused").contains("not JSON serializable"));
}

#[test]
fn a_custom_bridge_chooses_its_kind_and_a_sequence_without_iter_is_iterated_by_index() {
    python();
    use libpython::{Bound, Bridge, BridgeKind, PyErr, Python};
    struct Squares(usize);
    impl Bridge for Squares {
        fn kind(&self) -> BridgeKind {
            BridgeKind::Sequence
        }
        fn len(&self) -> libpython::Result<Option<usize>> {
            Ok(Some(self.0))
        }
        fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> libpython::Result<Object> {
            let i: usize = key.extract()?;
            if i >= self.0 {
                return Err(PyErr::from_value(&py.builtin("IndexError")?).into());
            }
            (i * i).to_python(py)
        }
    }
    let sq = libpython::bridge(Arc::new(Squares(4))).unwrap();
    let g = run(
        "from collections.abc import Sequence\nfacts = (isinstance(sq, Sequence), list(sq), sq[3], list(reversed(sq)))",
        &[("sq", &sq)],
    );
    assert_eq!(
        get::<(bool, Vec<i64>, i64, Vec<i64>)>(&g, "facts"),
        (true, vec![0, 1, 4, 9], 9, vec![9, 4, 1, 0])
    );
    // A plain bridge is none of these.
    struct Plain;
    impl Bridge for Plain {}
    let p = libpython::bridge(Arc::new(Plain)).unwrap();
    let g = run(
        "import collections.abc as abc\nfacts = [isinstance(p, c) for c in (abc.Mapping, abc.Sequence, abc.Iterator)] + [type(p).__name__]",
        &[("p", &p)],
    );
    assert_eq!(
        get::<(bool, bool, bool, String)>(&g, "facts"),
        (false, false, false, "RustObject".to_string())
    );
}

#[test]
fn bridge_types_are_registered_per_sub_interpreter() {
    python();
    let sub = libpython::Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
    let facts: (bool, bool) = libpython::with_interpreter(&sub, || {
        let m = libpython::bridge(MapBridge::new(HashMap::from([(1i64, 2i64)])))?;
        let v = libpython::bridge(VecBridge::new(vec![1i64]))?;
        let abc = libpython::import("collections.abc")?;
        Ok::<_, Error>((
            m.is_instance(&abc.getattr("MutableMapping")?)?,
            v.is_instance(&abc.getattr("MutableSequence")?)?,
        ))
    })
    .unwrap()
    .unwrap();
    assert_eq!(facts, (true, true));
    sub.end().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Rust iterators as lazy Python iterators
// ---------------------------------------------------------------------------------------------

/// An iterator over 0.. that counts the items it made and whether it was dropped.
struct Counting {
    next: i64,
    end: Option<i64>,
    made: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Iterator for Counting {
    type Item = i64;
    fn next(&mut self) -> Option<i64> {
        if self.end.is_some_and(|e| self.next >= e) {
            return None;
        }
        self.made.fetch_add(1, Ordering::SeqCst);
        self.next += 1;
        Some(self.next - 1)
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting(end: Option<i64>) -> (Counting, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (made, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    (
        Counting {
            next: 0,
            end,
            made: made.clone(),
            dropped: dropped.clone(),
        },
        made,
        dropped,
    )
}

#[test]
fn a_rust_iterator_is_consumed_lazily_by_python() {
    python();
    let (it, made, dropped) = counting(None);
    let it = IterBridge::new(it).to_python_object();
    let g = run(
        "import itertools, collections.abc\n\
         first = list(itertools.islice(it, 3))\n\
         facts = (iter(it) is it, isinstance(it, collections.abc.Iterator), type(it).__name__, next(it))\n",
        &[("it", &it)],
    );
    assert_eq!(get::<Vec<i64>>(&g, "first"), [0, 1, 2]);
    assert_eq!(
        get::<(bool, bool, String, i64)>(&g, "facts"),
        (true, true, "RustIterator".to_string(), 3)
    );
    assert_eq!(
        made.load(Ordering::SeqCst),
        4,
        "only what Python asked for was made"
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    // Python drops it (its last references: ours and the globals'): the Rust iterator goes.
    drop(g);
    drop(it);
    libpython_tests::wait_for_release(|| dropped.load(Ordering::SeqCst) > 0);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

trait ToObject {
    fn to_python_object(&self) -> Object;
}

impl<T: ToPython> ToObject for T {
    fn to_python_object(&self) -> Object {
        libpython::to_python(self).unwrap()
    }
}

#[test]
fn an_exhausted_rust_iterator_is_dropped_at_once_and_stops_for_good() {
    python();
    let (it, made, dropped) = counting(Some(3));
    let bridge = IterBridge::new(it);
    let obj = bridge.to_python_object();
    assert_eq!(
        bridge.to_python_object().as_ptr(),
        obj.as_ptr(),
        "the same Python iterator while it lives"
    );
    let g = run(
        "all_ = list(it)\nagain = list(it)\ntry:\n    next(it)\nexcept StopIteration:\n    stopped = True\nr = repr(it)\n",
        &[("it", &obj)],
    );
    assert_eq!(get::<Vec<i64>>(&g, "all_"), [0, 1, 2]);
    assert!(get::<Vec<i64>>(&g, "again").is_empty());
    assert!(get::<bool>(&g, "stopped"));
    assert_eq!(get::<String>(&g, "r"), "<Rust iterator (exhausted)>");
    assert_eq!(made.load(Ordering::SeqCst), 3);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "dropped when exhausted, while Python still holds the iterator"
    );
}

#[test]
fn a_rust_iterator_in_a_garbage_cycle_is_dropped_by_the_collector() {
    python();
    let (it, _made, dropped) = counting(None);
    let obj = IterBridge::new(it).to_python_object();
    run(
        "holder = [it]\nholder.append(holder)\nnext(it)\n",
        &[("it", &obj)],
    );
    drop(obj);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        0,
        "still reachable from the cycle"
    );
    // Collected, maybe after another thread's collection under way (during which
    // `gc.collect()` returns at once) or after the release of `obj` queued by its drop here.
    libpython_tests::wait_for_release(|| dropped.load(Ordering::SeqCst) == 1);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    // A bridge Rust still holds whose Python iterator died gives an exhausted one.
    let (it, _made, dropped) = counting(None);
    let bridge = IterBridge::new(it);
    drop(bridge.to_python_object());
    // Released at the next acquisition, maybe another thread's; on a free-threaded build, a
    // release by a thread that did not make the object frees it when this one next runs Python.
    libpython_tests::wait_for_refcount_release(|| dropped.load(Ordering::SeqCst) == 1);
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "dropped with the Python iterator, though Rust holds the bridge"
    );
    let again: Vec<i64> = libpython::builtin("list")
        .unwrap()
        .call((&bridge,))
        .unwrap()
        .extract()
        .unwrap();
    assert!(again.is_empty());
}

#[test]
fn a_rust_iterator_that_reenters_itself_gets_runtime_error_not_a_hang() {
    python();
    let g = Dict::namespace().unwrap();
    let inner = Arc::new(Mutex::new(Vec::new()));
    let (g2, seen) = (g.clone(), inner.clone());
    let it = IterBridge::new((0..3).inspect(move |_| {
        // The Rust iterator's `next` runs Python code that advances the same iterator.
        let r = libpython::eval_with("next(it)", &g2, None);
        seen.lock().unwrap().push(
            r.map(|_| ())
                .map_err(|e| e.as_python().map(|p| p.type_name().to_owned())),
        );
    }))
    .to_python_object();
    g.insert("it", &it).unwrap();
    libpython::exec("got = list(it)", &g).unwrap();
    assert_eq!(get::<Vec<i64>>(&g, "got"), [0, 1, 2]);
    let seen = inner.lock().unwrap().clone();
    assert_eq!(seen, vec![Err(Some("RuntimeError".to_string())); 3]);
}

#[test]
fn a_rust_iterator_advanced_by_two_python_threads_at_once_refuses_the_second() {
    python();
    // The Rust iterator's first `next` says it has begun, then waits in Python (releasing the
    // GIL) until another Python thread, started meanwhile, has tried `next` too (however long
    // a loaded machine takes to run that thread).
    let (inside, errors) = (
        libpython::eval("[]").unwrap(),
        libpython::eval("[]").unwrap(),
    );
    let (began, seen) = (inside.clone(), errors.clone());
    let wait = libpython::eval(
        "lambda inside, errors: inside.append(1) or \
         [__import__('time').sleep(0.01) for _ in range(3000) if not errors]",
    )
    .unwrap();
    let it = IterBridge::new((0..2).inspect(move |i| {
        if *i == 0 {
            wait.call((began.clone(), seen.clone())).unwrap();
        }
    }))
    .to_python_object();
    let g = run(
        "import threading, time\n\
         def other():\n\
         \x20   for _ in range(3000):\n\
         \x20       if inside:\n\
         \x20           break\n\
         \x20       time.sleep(0.01)\n\
         \x20   try:\n\
         \x20       next(it)\n\
         \x20   except RuntimeError as e:\n\
         \x20       errors.append(str(e))\n\
         t = threading.Thread(target=other)\n\
         t.start()\n\
         first = next(it)\n\
         t.join()\n\
         rest = list(it)\n",
        &[("it", &it), ("inside", &inside), ("errors", &errors)],
    );
    assert_eq!(get::<i64>(&g, "first"), 0);
    assert_eq!(get::<Vec<i64>>(&g, "rest"), [1]);
    let errors: Vec<String> = get(&g, "errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("already running"), "{errors:?}");
}

#[test]
fn a_panicking_rust_iterator_raises_rust_panic_then_is_finished_and_dropped() {
    python();
    let (counter, _made, dropped) = counting(None);
    let it = IterBridge::new(counter.map(|i| {
        if i == 1 {
            panic!("item {i} is cursed")
        } else {
            i
        }
    }))
    .to_python_object();
    let g = run(
        "first = next(it)\n\
         try:\n    next(it)\nexcept BaseException as e:\n    caught = (type(e).__name__, str(e))\n\
         rest = list(it)\n",
        &[("it", &it)],
    );
    assert_eq!(get::<i64>(&g, "first"), 0);
    let (kind, msg): (String, String) = get(&g, "caught");
    assert_eq!(kind, "RustPanic");
    assert!(msg.contains("item 1 is cursed"), "{msg}");
    assert!(get::<Vec<i64>>(&g, "rest").is_empty());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn a_fallible_rust_iterator_raises_its_errors_and_goes_on() {
    python();
    let it = IterBridge::fallible(vec![Ok(1i64), Err(Error::conversion("bad item")), Ok(3)])
        .to_python_object();
    let g = run(
        "out = []\n\
         for _ in range(4):\n\
         \x20   try:\n\
         \x20       out.append(next(it))\n\
         \x20   except StopIteration:\n\
         \x20       out.append('end')\n\
         \x20   except ValueError as e:\n\
         \x20       out.append(str(e))\n",
        &[("it", &it)],
    );
    let out: Vec<Object> = get(&g, "out");
    let text: Vec<String> = out.iter().map(|o| o.str().unwrap()).collect();
    assert_eq!(text, ["1", "bad item", "3", "end"]);
    // A Python exception made in Rust is raised as itself.
    let it = IterBridge::fallible((0..1).map(|_| {
        libpython::attach(|py| {
            Err::<i64, _>(
                libpython::PyErr::from_value(&py.builtin("KeyError")?.call(("k",))?).into(),
            )
        })
    }))
    .to_python_object();
    let e = libpython::builtin("next")
        .unwrap()
        .call((&it,))
        .unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "KeyError");
}

// ---------------------------------------------------------------------------------------------
// Sequence keys
// ---------------------------------------------------------------------------------------------

#[test]
fn sequence_keys_become_tuples_and_come_back() {
    python();
    let m: HashMap<Vec<i64>, &str> = HashMap::from([(vec![1, 2], "a"), (vec![], "empty")]);
    let obj = m.to_python_object();
    let g = run(
        "facts = (d[(1, 2)], d[()], all(type(k) is tuple for k in d))",
        &[("d", &obj)],
    );
    assert_eq!(
        get::<(String, String, bool)>(&g, "facts"),
        ("a".to_string(), "empty".to_string(), true)
    );
    let back: HashMap<Vec<i64>, String> = obj.extract().unwrap();
    assert_eq!(back[&vec![1, 2]], "a");

    // Nested sequences, arrays, slices and tuples holding vectors, in sets and ordered maps.
    let s: HashSet<Vec<Vec<u8>>> = HashSet::from([vec![vec![1], vec![2, 3]]]);
    let so = s.to_python_object();
    assert_eq!(so.repr().unwrap(), "{((1,), (2, 3))}");
    assert_eq!(so.extract::<HashSet<Vec<Vec<u8>>>>().unwrap(), s);
    let t: BTreeMap<(i32, Vec<i32>), i32> = BTreeMap::from([((1, vec![2, 3]), 4)]);
    assert_eq!(t.to_python_object().repr().unwrap(), "{(1, (2, 3)): 4}");
    assert_eq!(
        t.to_python_object()
            .extract::<BTreeMap<(i32, Vec<i32>), i32>>()
            .unwrap(),
        t
    );
    let a_vec = vec![7, 8];
    let a: BTreeSet<[u8; 2]> = BTreeSet::from([[1, 2]]);
    assert_eq!(a.to_python_object().repr().unwrap(), "{(1, 2)}");
    let sets: HashMap<BTreeSet<i32>, i32> = HashMap::from([(BTreeSet::from([1]), 1)]);
    assert_eq!(
        sets.to_python_object().repr().unwrap(),
        "{frozenset({1}): 1}"
    );
    // A key behind a reference, a box or an option is frozen as the value it holds.
    let wrapped: BTreeMap<Option<Box<Vec<i32>>>, i32> =
        BTreeMap::from([(None, 0), (Some(Box::new(vec![1])), 1)]);
    assert_eq!(
        wrapped.to_python_object().repr().unwrap(),
        "{None: 0, (1,): 1}"
    );
    let by_ref: HashSet<&Vec<i32>> = HashSet::from([&a_vec]);
    assert_eq!(by_ref.to_python_object().repr().unwrap(), "{(7, 8)}");
    // Values are not keys: a list value stays a list.
    let lv: HashMap<i32, Vec<i32>> = HashMap::from([(1, vec![2])]);
    assert_eq!(lv.to_python_object().repr().unwrap(), "{1: [2]}");
    // Keys nested deep: Python hashes tuples recursively, so a list key is frozen to 128
    // levels; deeper ones are Python's unhashable-type error, never a crash.
    let nested = |levels: usize| {
        let mut v = libpython::Value::list([1]);
        for _ in 0..levels {
            v = libpython::Value::list([v]);
        }
        libpython::Value::dict([(v, 1)])
    };
    assert_eq!(nested(100).to_object().unwrap().len().unwrap(), 1);
    let e = nested(100_000).to_object().unwrap_err();
    assert!(e.to_string().contains("unhashable type: 'list'"), "{e}");
    let deep: HashSet<Vec<Vec<Vec<i8>>>> = HashSet::from([vec![vec![vec![1]]]]);
    assert_eq!(deep.to_python_object().repr().unwrap(), "{(((1,),),)}");
}

#[test]
fn value_lists_as_keys_become_tuples() {
    python();
    use libpython::Value;
    let v = Value::dict([
        (Value::list([1, 2]), Value::from("pair")),
        (Value::from("k"), Value::set([Value::list([3])])),
    ]);
    let obj = v.to_object().unwrap();
    assert_eq!(obj.repr().unwrap(), "{'k': {(3,)}, (1, 2): 'pair'}");
    // Back from Python the keys are tuples.
    let back = Value::from_object(&obj).unwrap();
    assert_eq!(
        back.get(Value::tuple([1, 2])).and_then(Value::as_str),
        Some("pair")
    );
}

#[test]
fn bridged_maps_with_sequence_keys_show_tuples() {
    python();
    let m = MapBridge::new(HashMap::from([(vec![1i64, 2], 3i64)]));
    let pm = libpython::bridge(m.clone()).unwrap();
    let g = run(
        "facts = (m[(1, 2)], list(m), m.keys(), m.items(), dict(m), (1, 2) in m)\nm[(4,)] = 5\n",
        &[("m", &pm)],
    );
    let facts = g.get("facts").unwrap().unwrap();
    let item = |i: usize| facts.get_item(i).unwrap();
    assert_eq!(item(0).extract::<i64>().unwrap(), 3);
    assert_eq!(item(1).extract::<Vec<(i64, i64)>>().unwrap(), [(1, 2)]);
    assert_eq!(item(2).extract::<Vec<(i64, i64)>>().unwrap(), [(1, 2)]);
    assert_eq!(
        item(3).extract::<Vec<((i64, i64), i64)>>().unwrap(),
        [((1, 2), 3)]
    );
    assert_eq!(
        item(4).extract::<HashMap<Vec<i64>, i64>>().unwrap()[&vec![1, 2]],
        3
    );
    assert!(item(5).extract::<bool>().unwrap());
    assert_eq!(m.map().read().unwrap()[&vec![4]], 5);
}

// ---------------------------------------------------------------------------------------------
// Objects a Value cannot copy
// ---------------------------------------------------------------------------------------------

#[test]
fn a_lossless_value_keeps_what_it_cannot_copy_as_the_same_object() {
    python();
    use libpython::Value;
    let g = run(
        "import numpy, datetime\n\
         class Point:\n    pass\n\
         p = Point()\n\
         cyc = [1]\n\
         cyc.append(cyc)\n\
         data = {'arr': numpy.arange(3), 'when': datetime.date(2024, 5, 1), 'p': p, 'ok': [1, 'x'], 'bad': 'a\\udc80', 'cyc': cyc}\n",
        &[],
    );
    let data = g.get("data").unwrap().unwrap();
    assert!(Value::from_object(&data).is_err());
    let strict = Value::from_object(&g.get("p").unwrap().unwrap()).unwrap_err();
    assert!(
        matches!(strict.kind(), ErrorKind::Type { .. }),
        "{strict:#?}"
    );
    let v = Value::from_object_lossless(&data).unwrap();
    assert_eq!(v["ok"], Value::list([Value::from(1), Value::from("x")]));
    for key in ["arr", "when", "p", "bad"] {
        assert_eq!(v[key].type_name(), "object", "{key}");
    }
    // The container met inside itself is kept at the inner occurrence.
    assert_eq!(v["cyc"][0].as_i64(), Some(1));
    assert_eq!(
        v["cyc"][1].as_object().unwrap().as_ptr(),
        g.get("cyc").unwrap().unwrap().as_ptr()
    );
    // The same objects, by identity.
    assert_eq!(
        v["p"].as_object().unwrap().as_ptr(),
        g.get("p").unwrap().unwrap().as_ptr()
    );
    assert_eq!(
        v["arr"].as_object().unwrap().type_name().unwrap(),
        "ndarray"
    );
    assert_eq!(v["when"].to_string(), "datetime.date(2024, 5, 1)");
    // Back into Python: the same objects, not copies.
    let back = v.to_object().unwrap();
    let checks = run(
        "same = (back['p'] is p, back['when'] == data['when'], back['arr'] is data['arr'], back['cyc'][1] is cyc, back['ok'] == [1, 'x'])",
        &[
            ("back", &back),
            ("p", &g.get("p").unwrap().unwrap()),
            ("data", &data),
            ("cyc", &g.get("cyc").unwrap().unwrap()),
        ],
    );
    assert_eq!(
        get::<(bool, bool, bool, bool, bool)>(&checks, "same"),
        (true, true, true, true, true)
    );

    // Equality, order and hash by identity: two handles on one object are equal, equal
    // objects that are not the same are not.
    let again = Value::from_object_lossless(&data).unwrap();
    assert_eq!(v, again);
    let other = Value::from_object_lossless(
        &libpython::eval("__import__('datetime').date(2024, 5, 1)").unwrap(),
    )
    .unwrap();
    assert_ne!(v["when"], other);
    let set: BTreeSet<Value> = [
        v["p"].clone(),
        again["p"].clone(),
        other.clone(),
        Value::from(1),
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 3);
    assert_eq!(
        set.iter().next().and_then(Value::as_i64),
        Some(1),
        "objects sort after every other kind"
    );
    assert_eq!(v["p"].cmp(&other), other.cmp(&v["p"]).reverse());
    let hashed: HashSet<Value> = [v["p"].clone(), again["p"].clone()].into_iter().collect();
    assert_eq!(hashed.len(), 1);

    // serde refuses kept objects in both directions.
    let e = serde_json::to_string(&v["p"]).unwrap_err();
    assert!(
        e.to_string()
            .contains("Point kept in the value as an object"),
        "{e}"
    );
    let e = <i64 as serde::Deserialize>::deserialize(&v["p"]).unwrap_err();
    assert!(
        e.to_string()
            .contains("Point kept in the value as an object"),
        "{e}"
    );
    assert!(serde_json::to_string(&v["ok"]).is_ok());
}

#[test]
fn objects_kept_in_values_inside_a_bridged_vector_are_seen_by_the_collector() {
    python();
    use libpython::Value;
    // A vector of values holding an object that holds the bridged vector: a cycle through Rust.
    let v = VecBridge::new(Vec::<Value>::new());
    let pv = libpython::bridge(v.clone()).unwrap();
    let g = run(
        "import weakref\nclass Holder:\n    pass\nh = Holder()\nh.v = pv\nprobe = weakref.ref(h)\n",
        &[("pv", &pv)],
    );
    let h = g.get("h").unwrap().unwrap();
    v.vec()
        .write()
        .unwrap()
        .push(Value::from_object_lossless(&h).unwrap());
    drop((h, pv, v));
    g.del_item("h").unwrap();
    g.del_item("pv").unwrap();
    libpython::exec("import gc\ngc.collect()\nalive = probe() is not None", &g).unwrap();
    assert!(
        !get::<bool>(&g, "alive"),
        "the cycle through the Rust vector was freed"
    );
}

// ---------------------------------------------------------------------------------------------
// Context managers
// ---------------------------------------------------------------------------------------------

/// A context manager class that records its calls; `__exit__` returns `suppress`, or raises
/// when `fail_exit` is set.
const RECORDER: &str = "\
import weakref
class Recorder:
    def __init__(self, suppress=False, fail_exit=False):
        self.calls = []
        self.suppress = suppress
        self.fail_exit = fail_exit
    def __enter__(self):
        self.calls.append('enter')
        return 'entered'
    def __exit__(self, t, v, tb):
        self.calls.append(('exit', None if t is None else t.__name__, v, tb is not None))
        if self.fail_exit:
            raise OSError('exit failed')
        return self.suppress
";

fn recorder(args: &str) -> (Object, Dict) {
    let g = run(&format!("{RECORDER}\ncm = Recorder({args})"), &[]);
    (g.get("cm").unwrap().unwrap(), g)
}

/// `cm.calls` as (name, exception type name, has traceback) triples, `enter` as ("enter", "", false).
fn calls(cm: &Object) -> Vec<(String, String, bool)> {
    let calls = cm.getattr("calls").unwrap();
    calls
        .try_iter()
        .unwrap()
        .map(|c| {
            let c = c.unwrap();
            if let Ok(s) = c.extract::<String>() {
                return (s, String::new(), false);
            }
            let (name, t, _v, tb): (String, Option<String>, Object, bool) = c.extract().unwrap();
            (name, t.unwrap_or_default(), tb)
        })
        .collect()
}

/// The exception value the recorder's `__exit__` was given (`cm.calls[1]`'s third item).
fn exit_value(cm: &Object) -> Object {
    cm.getattr("calls")
        .unwrap()
        .get_item(1)
        .unwrap()
        .get_item(2)
        .unwrap()
}

#[test]
fn with_context_enters_runs_the_body_and_exits_with_none() {
    python();
    let (cm, _g) = recorder("");
    let r = libpython::attach(|py| {
        cm.bind(py)?
            .with_context(|entered| entered.extract::<String>())
    })
    .unwrap();
    assert_eq!(r.as_deref(), Some("entered"));
    assert_eq!(
        calls(&cm),
        [
            ("enter".into(), "".into(), false),
            ("exit".into(), "".into(), false)
        ]
    );
    // The owned handle runs the body without the GIL.
    let (cm, _g) = recorder("");
    let r = cm
        .with_context(|entered| {
            Ok((
                entered.extract::<String>()?,
                libpython::interp::gil::depth(),
            ))
        })
        .unwrap();
    assert_eq!(r, Some(("entered".to_string(), 0)));
    assert_eq!(calls(&cm).len(), 2);
}

#[test]
fn with_context_passes_the_error_to_exit_and_returns_it_unless_suppressed() {
    python();
    // A Rust error reaches __exit__ as the exception it becomes in Python, and comes back as
    // it was.
    let (cm, _g) = recorder("");
    let e = cm
        .with_context(|_| Err::<(), _>(Error::conversion("no good")))
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Conversion(m) if m == "no good"),
        "{e:#?}"
    );
    let c = calls(&cm);
    assert_eq!(c[1], ("exit".into(), "ValueError".into(), false));
    let v = exit_value(&cm);
    assert_eq!(v.str().unwrap(), "no good");

    // A Python error reaches __exit__ as itself, with its traceback.
    let (cm, _g) = recorder("");
    let e = cm
        .with_context(|_| libpython::eval("{}['missing']"))
        .unwrap_err();
    let c = calls(&cm);
    assert_eq!(c[1], ("exit".into(), "KeyError".into(), true));
    let v = exit_value(&cm);
    assert_eq!(
        v.as_ptr(),
        e.as_python().unwrap().value().unwrap().as_ptr(),
        "the same exception object"
    );

    // A true __exit__ swallows it: no value came out of the body.
    let (cm, _g) = recorder("suppress=True");
    let r = cm.with_context(|_| libpython::eval("1 / 0")).unwrap();
    assert!(r.is_none());
    assert_eq!(calls(&cm)[1].1, "ZeroDivisionError");
    // ... and on success the value is returned whatever __exit__ says.
    assert_eq!(cm.with_context(|_| Ok(5)).unwrap(), Some(5));
}

#[test]
fn an_exception_raised_by_exit_wins_and_is_chained_to_the_bodys() {
    python();
    let (cm, _g) = recorder("fail_exit=True");
    let e = cm.with_context(|_| libpython::eval("1 / 0")).unwrap_err();
    let p = e.as_python().unwrap();
    assert_eq!(p.type_name(), "OSError");
    let ctx = p.value().unwrap().getattr("__context__").unwrap();
    assert_eq!(ctx.type_name().unwrap(), "ZeroDivisionError");
    assert!(
        p.traceback()
            .contains("During handling of the above exception"),
        "{}",
        p.traceback()
    );
    // After a body that succeeded, __exit__'s exception is the result too.
    let e = cm.with_context(|_| Ok(1)).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "OSError");
}

#[test]
fn a_panic_in_the_body_still_exits_then_resumes() {
    python();
    for owned in [false, true] {
        // Even a suppressing __exit__ cannot swallow a panic.
        let (cm, _g) = recorder("suppress=True");
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if owned {
                let _ = cm.with_context(|_| -> libpython::Result<()> { panic!("body exploded") });
            } else {
                let _ = libpython::attach(|py| {
                    cm.bind(py)?
                        .with_context(|_| -> libpython::Result<()> { panic!("body exploded") })
                });
            }
        }))
        .unwrap_err();
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"body exploded"));
        let c = calls(&cm);
        assert_eq!(
            c[1],
            ("exit".into(), "RustPanic".into(), false),
            "owned: {owned}"
        );
        let v = exit_value(&cm);
        assert!(v.str().unwrap().contains("body exploded"));
        // Python is still usable.
        assert_eq!(
            libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(),
            2
        );
    }
}

#[test]
fn with_context_looks_up_the_protocol_on_the_type_and_refuses_other_objects() {
    python();
    let e = libpython::eval("42")
        .unwrap()
        .with_context(|_| Ok(()))
        .unwrap_err();
    let p = e.as_python().unwrap();
    assert_eq!(p.type_name(), "TypeError");
    assert_eq!(
        p.message(),
        "'int' object does not support the context manager protocol"
    );
    // Instance attributes are not the protocol (as for the `with` statement).
    let g = run(
        "class Half:\n    def __enter__(self):\n        return 1\nh = Half()\nh.__exit__ = lambda *a: None\n\
         class Sub(__import__('contextlib').nullcontext):\n    pass\ns = Sub('value')\n",
        &[],
    );
    let e = g
        .get("h")
        .unwrap()
        .unwrap()
        .with_context(|_| Ok(()))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("does not support the context manager protocol (no __exit__ method)"),
        "{e}"
    );
    // Inherited methods are found through the MRO.
    let r = g
        .get("s")
        .unwrap()
        .unwrap()
        .with_context(|v| v.extract::<String>())
        .unwrap();
    assert_eq!(r.as_deref(), Some("value"));
}

#[test]
fn with_context_leaks_nothing() {
    python();
    let g = run(
        &format!(
            "{RECORDER}\n\
             class Boom(Exception):\n    pass\n\
             made = weakref.WeakSet()\n\
             count = [0]\n\
             def boom():\n    e = Boom()\n    made.add(e)\n    count[0] += 1\n    raise e\n\
             class Quiet(Recorder):\n    def __exit__(self, t, v, tb):\n        return True\n\
             cm = Quiet(suppress=True)\n\
             import sys\n"
        ),
        &[],
    );
    let (cm, boom) = (
        g.get("cm").unwrap().unwrap(),
        g.get("boom").unwrap().unwrap(),
    );
    let before = refcount(&cm);
    for i in 0..300 {
        let r = match i % 3 {
            0 => cm.with_context(|_| boom.call0().map(drop)),
            1 => cm.with_context(|_| Err(Error::conversion("rust error"))),
            _ => cm.with_context(|_| Ok(())),
        };
        assert!(r.is_ok());
    }
    libpython::attach(|_| Ok(())).unwrap();
    assert_eq!(
        refcount(&cm),
        before,
        "the context manager keeps its reference count"
    );
    assert_eq!(get::<Vec<i64>>(&g, "count"), [100]);
    // The exceptions are cyclic garbage (exception, traceback, frame), and `gc.collect()`
    // returns at once while another thread's collection runs: collect until they are gone
    // (boundedly; a real leak still fails below).
    let alive = || {
        libpython::exec("alive = len(made)", &g).unwrap();
        get::<i64>(&g, "alive")
    };
    libpython_tests::wait_for_release(|| alive() == 0);
    assert_eq!(alive(), 0, "every exception passed to __exit__ was freed");
}

// ---------------------------------------------------------------------------------------------
// Attribute paths in the import macros; List::sort
// ---------------------------------------------------------------------------------------------

#[test]
fn import_macros_take_attribute_paths_and_submodules() {
    python();
    fn go() -> libpython::Result<()> {
        libpython::from_import!(os.path: join, basename);
        assert_eq!(join.call(("a", "b"))?.extract::<String>()?, "a/b");
        assert_eq!(basename.call(("/x/y",))?.extract::<String>()?, "y");
        libpython::from_import!(collections.OrderedDict: fromkeys);
        assert_eq!(fromkeys.call((vec![1],))?.len()?, 1);
        libpython::from_import!(email: mime);
        assert_eq!(mime.getattr("__name__")?.extract::<String>()?, "email.mime");
        libpython::import_as!(os.path.join as j);
        assert_eq!(j.call(("c", "d"))?.extract::<String>()?, "c/d");
        libpython::import_as!(os.path, p);
        assert_eq!(p.getattr("sep")?.extract::<String>()?, "/");
        libpython::import_as!(xml.etree.ElementTree.Element as element);
        assert_eq!(
            element
                .call(("tag",))?
                .getattr("tag")?
                .extract::<String>()?,
            "tag"
        );
        Ok(())
    }
    go().unwrap();

    fn missing_name() -> libpython::Result<()> {
        libpython::from_import!(os: no_such_name);
        drop(no_such_name);
        Ok(())
    }
    let e = missing_name().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "ImportError");
    assert_eq!(
        e.as_python().unwrap().message(),
        "cannot import name 'no_such_name' from 'os'"
    );
    fn missing_in_package() -> libpython::Result<()> {
        libpython::import_as!(json.no_such_module as m);
        drop(m);
        Ok(())
    }
    let e = missing_in_package().unwrap_err();
    assert_eq!(
        e.as_python().unwrap().message(),
        "cannot import name 'no_such_module' from 'json'"
    );
    fn missing_attribute() -> libpython::Result<()> {
        libpython::import_as!(collections.OrderedDict.no_such_attribute as m);
        drop(m);
        Ok(())
    }
    assert!(
        matches!(missing_attribute().unwrap_err().kind(), ErrorKind::NoAttribute { name, .. } if name == "no_such_attribute")
    );
    fn missing_module() -> libpython::Result<()> {
        libpython::import_as!(no_such_top_level_module as m);
        drop(m);
        Ok(())
    }
    assert_eq!(
        missing_module()
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "ModuleNotFoundError"
    );
}

#[test]
fn an_error_inside_a_submodule_imported_by_a_path_is_not_masked() {
    python();
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("libpython_path_pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(pkg.join("__init__.py"), "").unwrap();
    std::fs::write(
        pkg.join("broken.py"),
        "raise ValueError('broken on import')\n",
    )
    .unwrap();
    std::fs::write(pkg.join("fine.py"), "x = 1\n").unwrap();
    libpython::import("sys")
        .unwrap()
        .getattr("path")
        .unwrap()
        .call_method("insert", (0, dir.path().to_str().unwrap()))
        .unwrap();
    fn fine() -> libpython::Result<i64> {
        libpython::import_as!(libpython_path_pkg.fine.x as x);
        x.extract()
    }
    assert_eq!(fine().unwrap(), 1);
    fn broken() -> libpython::Result<()> {
        libpython::from_import!(libpython_path_pkg: broken);
        drop(broken);
        Ok(())
    }
    let e = broken().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "ValueError");
    assert_eq!(e.as_python().unwrap().message(), "broken on import");
}

#[test]
fn lists_sort_in_place_with_a_key_and_in_reverse() {
    python();
    let l = libpython::List::try_from(libpython::eval("[3, 1, 2, 1.5]").unwrap()).unwrap();
    l.sort().unwrap();
    assert_eq!(l.to_vec::<f64>().unwrap(), [1.0, 1.5, 2.0, 3.0]);
    l.reverse().unwrap();
    assert_eq!(l.to_vec::<f64>().unwrap(), [3.0, 2.0, 1.5, 1.0]);
    // Stable in both directions: equal keys keep their order.
    let words =
        libpython::List::try_from(libpython::eval("['bb', 'a', 'cc', 'd', 'eee']").unwrap())
            .unwrap();
    let len = libpython::builtin("len").unwrap();
    words.sort_with(Some(&len), false).unwrap();
    assert_eq!(
        words.to_vec::<String>().unwrap(),
        ["a", "d", "bb", "cc", "eee"]
    );
    words.sort_with(Some(&len), true).unwrap();
    assert_eq!(
        words.to_vec::<String>().unwrap(),
        ["eee", "bb", "cc", "a", "d"]
    );
    words.sort_with(None, true).unwrap();
    assert_eq!(
        words.to_vec::<String>().unwrap(),
        ["eee", "d", "cc", "bb", "a"]
    );
    // Errors are Python's.
    let mixed = libpython::List::try_from(libpython::eval("[1, 'a']").unwrap()).unwrap();
    assert_eq!(
        mixed.sort().unwrap_err().as_python().unwrap().type_name(),
        "TypeError"
    );
    let bad_key = libpython::function(
        "bad",
        None,
        |_a: &libpython::Args<'_>| -> libpython::Result<i64> { Err(Error::conversion("no key")) },
    )
    .unwrap();
    let e = words.sort_with(Some(&bad_key), false).unwrap_err();
    assert_eq!(e.as_python().unwrap().message(), "no key");
}

// ---------------------------------------------------------------------------------------------
// Scoped output capture
// ---------------------------------------------------------------------------------------------

#[test]
fn capture_output_takes_what_python_prints_during_the_closure_and_nests() {
    python();
    let (r, out) = libpython::capture_output(|| {
        libpython::run_simple_string(
            "import sys\nprint('one')\nsys.stdout.buffer.write(b'bytes\\n')\nprint('warn', file=sys.stderr)\nsys.stdout.write('\\u00e9\\n')",
        )
        .map(drop)
    })
    .unwrap();
    r.unwrap();
    assert_eq!(out.stdout, "one\nbytes\n\u{e9}\n");
    assert_eq!(out.stderr, "warn\n");
    // Nested: each capture gets what was written while it was the innermost.
    let ((inner_r, inner), outer) = libpython::capture_output(|| {
        libpython::run_simple_string("print('a')").unwrap();
        let inner =
            libpython::capture_output(|| libpython::run_simple_string("print('b')").map(drop))
                .unwrap();
        libpython::run_simple_string("print('c')").unwrap();
        inner
    })
    .unwrap();
    inner_r.unwrap();
    assert_eq!(inner.stdout, "b\n");
    assert_eq!(outer.stdout, "a\nc\n");
    // Under a held GIL too.
    let (_, out) =
        libpython::attach(|py| libpython::capture_output(|| py.eval("print('held')").map(drop)))
            .unwrap();
    assert_eq!(out.stdout, "held\n");
}

#[test]
fn capture_output_is_per_thread() {
    in_child!(
        "capture_output_is_per_thread",
        within = Duration::from_secs(120),
        {
            let real = libpython_tests::Captured::default();
            libpython::set_stdout(real.clone()).unwrap();
            let barrier = Arc::new(std::sync::Barrier::new(3));
            let threads: Vec<_> = ["left", "right"]
                .into_iter()
                .map(|tag| {
                    let barrier = barrier.clone();
                    std::thread::spawn(move || {
                        barrier.wait();
                        let (_, out) = libpython::capture_output(|| {
                            for i in 0..50 {
                                libpython::run_simple_string(&format!("print('{tag} {i}')"))
                                    .unwrap();
                                std::thread::yield_now();
                            }
                        })
                        .unwrap();
                        out.stdout
                    })
                })
                .collect();
            // A third thread prints without a capture, meanwhile.
            let b = barrier.clone();
            let free = std::thread::spawn(move || {
                b.wait();
                for i in 0..50 {
                    libpython::run_simple_string(&format!("print('free {i}')")).unwrap();
                    std::thread::yield_now();
                }
            });
            let outs: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            free.join().unwrap();
            for (tag, out) in ["left", "right"].iter().zip(&outs) {
                let expected: String = (0..50).map(|i| format!("{tag} {i}\n")).collect();
                assert_eq!(
                    out, &expected,
                    "each thread captured exactly its own output"
                );
            }
            let expected_free: String = (0..50).map(|i| format!("free {i}\n")).collect();
            assert_eq!(
                real.text(),
                expected_free,
                "output of a thread without a capture passes through"
            );

            // A Python thread started inside the capture is another thread: not captured.
            let (_, out) = libpython::capture_output(|| {
                libpython::run_simple_string(
                    "import threading\nprint('mine')\nt = threading.Thread(target=print, args=('theirs',))\nt.start()\nt.join()",
                )
                .unwrap();
            })
            .unwrap();
            assert_eq!(out.stdout, "mine\n");
            assert!(real.text().ends_with("theirs\n"), "{}", real.text());

            // A panic closes the capture: later output is not captured by it.
            let caught = std::panic::catch_unwind(|| {
                let _ = libpython::capture_output(|| {
                    libpython::run_simple_string("print('lost')").unwrap();
                    panic!("inside a capture");
                });
            });
            assert!(caught.is_err());
            libpython::run_simple_string("print('after the panic')").unwrap();
            assert!(
                real.text().ends_with("theirs\nafter the panic\n"),
                "{}",
                real.text()
            );

            // Text a stream holds back (no write-through) is flushed into the capture.
            let (_, out) = libpython::capture_output(|| {
                libpython::run_simple_string("import sys\nsys.stdout.reconfigure(write_through=False)\nsys.stdout.write('held back')").unwrap();
            })
            .unwrap();
            assert_eq!(out.stdout, "held back");
        }
    );
}

#[test]
fn capture_output_refuses_streams_that_are_not_libpythons() {
    in_child!(
        "capture_output_refuses_streams_that_are_not_libpythons",
        within = Duration::from_secs(60),
        {
            libpython::Builder::new()
                .no_io_redirect()
                .initialize()
                .unwrap();
            let e = libpython::capture_output(|| ()).unwrap_err();
            assert_eq!(e.as_python().unwrap().type_name(), "RuntimeError");
            assert!(
                e.to_string()
                    .contains("sys.stdout is not one of libpython's streams"),
                "{e}"
            );
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Restart after finalize
// ---------------------------------------------------------------------------------------------

#[test]
fn after_a_restart_numpy_loads_only_if_it_was_not_loaded_before() {
    in_child!(
        "after_a_restart_numpy_loads_only_if_it_was_not_loaded_before",
        within = Duration::from_secs(120),
        {
            // First runtime: standard library only.
            libpython::initialize().unwrap();
            assert_eq!(
                libpython::eval("__import__('json').dumps([1])")
                    .unwrap()
                    .extract::<String>()
                    .unwrap(),
                "[1]"
            );
            libpython::finalize().unwrap();

            // Second runtime: numpy has not been loaded in this process yet, so it loads.
            libpython::initialize().unwrap();
            let total: i64 = libpython::eval("int(__import__('numpy').arange(4).sum())")
                .unwrap()
                .extract()
                .unwrap();
            assert_eq!(total, 6);
            let kept = libpython::Value::from_object_lossless(
                &libpython::eval("[1, __import__('numpy').zeros(2)]").unwrap(),
            )
            .unwrap();
            libpython::finalize().unwrap();

            // Third runtime: numpy refuses to load a second time in the process, with a Python
            // exception saying so (its text depends on numpy's version: an ImportError "cannot
            // load module more than once per process" since numpy 2.3, a RuntimeError "CPU
            // dispatcher tracer already initlized" before); the standard library, pure-Python
            // code and Rust bridges work.
            libpython::initialize().unwrap();
            let refused = |e: &Error| {
                assert!(e.as_python().is_some(), "not a Python exception: {e:#?}");
                // The whole traceback: pandas raises its own ImportError from numpy's.
                let m = e.to_string();
                assert!(
                    m.contains("cannot load module more than once per process")
                        || m.contains("CPU dispatcher tracer already initlized"),
                    "{e}"
                );
            };
            refused(&libpython::import("numpy").unwrap_err());
            refused(&libpython::import("pandas").unwrap_err());
            assert_eq!(
                libpython::eval("str(__import__('decimal').Decimal('1.50'))")
                    .unwrap()
                    .extract::<String>()
                    .unwrap(),
                "1.50"
            );
            let m = libpython::bridge(MapBridge::new(HashMap::from([(1i64, 2i64)]))).unwrap();
            assert_eq!(
                libpython::builtin("dict")
                    .unwrap()
                    .call((&m,))
                    .unwrap()
                    .len()
                    .unwrap(),
                1
            );
            // A value that kept an object of an earlier runtime: the data is there, the object is
            // dead (an error to use, nothing to drop).
            assert_eq!(kept[0].as_i64(), Some(1));
            let e = kept.to_object().unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::Interp(libpython::interp::Error::Finalized)
                ),
                "{e:#?}"
            );
            drop(kept);
            libpython::finalize().unwrap();
        }
    );
}
