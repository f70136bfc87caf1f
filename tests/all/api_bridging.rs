//! Bridging: live views of Python collections, Rust closures as Python callables, Rust
//! objects behind a bridge trait, Rust maps and vectors as Python mappings and sequences,
//! Python classes made from Rust.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use libpython::{
    Args, Bridge, ClassBuilder, Dict, Error, ErrorKind, Iter, List, MapBridge, Method, Object,
    Python, Set, ToPython, VecBridge, call,
};
use libpython_tests::python;

#[test]
fn dict_list_and_set_views_see_changes_from_both_sides() {
    python();
    let g = Dict::new().unwrap();
    libpython::exec("d = {'a': 1}\nl = [1]\ns = {1}", &g).unwrap();
    let d: Dict = g.get_as("d").unwrap().unwrap();
    let l: List = g.get_as("l").unwrap().unwrap();
    let s: Set = g.get_as("s").unwrap().unwrap();
    d.insert("b", 2).unwrap();
    l.push(2).unwrap();
    s.add(2).unwrap();
    libpython::exec("d['c'] = d['a'] + d['b']\nl.append(3)\ns.add(3)", &g).unwrap();
    assert_eq!(d.len().unwrap(), 3);
    assert_eq!(d.get_as::<i64>("c").unwrap(), Some(3));
    assert_eq!(d.remove("a").unwrap().unwrap().extract::<i64>().unwrap(), 1);
    assert!(!eval_in("'a' in d", &g).extract::<bool>().unwrap());
    assert_eq!(l.to_vec::<i64>().unwrap(), [1, 2, 3]);
    assert_eq!(l.get_as::<i64>(-1).unwrap(), 3);
    l.insert(0, 0).unwrap();
    l.extend(vec![4, 5]).unwrap();
    assert_eq!(l.remove(-1).unwrap().extract::<i64>().unwrap(), 5);
    assert_eq!(
        eval_in("l", &g).extract::<Vec<i64>>().unwrap(),
        [0, 1, 2, 3, 4]
    );
    assert!(s.contains_value(3).unwrap());
    assert!(s.remove(1).unwrap());
    assert_eq!(s.len().unwrap(), 2);
    let keys: Vec<String> = d
        .keys()
        .unwrap()
        .iter()
        .map(|k| k.extract().unwrap())
        .collect();
    assert_eq!(keys, ["b", "c"]);
    assert!(matches!(
        Dict::try_from(l.as_object().clone()).unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
}

fn eval_in(expr: &str, g: &Dict) -> Object {
    libpython::attach(|py| py.eval_with(expr, g, None).map(libpython::Bound::unbind)).unwrap()
}

#[test]
fn python_iterators_are_rust_iterators() {
    python();
    let squares = libpython::eval("(x * x for x in range(5))").unwrap();
    let v: Vec<i64> = Iter::new(&squares)
        .unwrap()
        .map(|x| x.unwrap().extract().unwrap())
        .collect();
    assert_eq!(v, [0, 1, 4, 9, 16]);
    let failing = libpython::eval("(1 / x for x in [1, 0, 2])").unwrap();
    let items: Vec<libpython::Result<Object>> = Iter::new(&failing).unwrap().collect();
    assert_eq!(
        items.len(),
        2,
        "the error is yielded once, then iteration ends"
    );
    assert!(items[0].is_ok());
    assert_eq!(
        items[1]
            .as_ref()
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "ZeroDivisionError"
    );
    assert!(Iter::new(&libpython::eval("5").unwrap()).is_err());
}

#[test]
fn rust_closures_are_python_callables_with_keywords_name_and_doc() {
    python();
    let greet = libpython::function("greet", Some("Greet someone."), |a: &Args<'_>| {
        let name: String = a.extract(0)?;
        let punct: String = a.kwarg_as("punct")?.unwrap_or_else(|| "!".into());
        Ok(format!("hello {name}{punct}"))
    })
    .unwrap();
    assert_eq!(
        call!(greet, "ada").unwrap().extract::<String>().unwrap(),
        "hello ada!"
    );
    assert_eq!(
        call!(greet, "ada", punct = "?")
            .unwrap()
            .extract::<String>()
            .unwrap(),
        "hello ada?"
    );
    assert_eq!(
        greet
            .getattr("__name__")
            .unwrap()
            .extract::<String>()
            .unwrap(),
        "greet"
    );
    assert_eq!(greet.doc().unwrap().as_deref(), Some("Greet someone."));
    // Used by Python code as a sort key.
    let key = libpython::function("key", None, |a: &Args<'_>| Ok(-a.extract::<i64>(0)?)).unwrap();
    let sorted = libpython::builtin("sorted").unwrap();
    let r: Vec<i64> = call!(sorted, vec![2, 3, 1], key = key)
        .unwrap()
        .extract()
        .unwrap();
    assert_eq!(r, [3, 2, 1]);
    // A missing argument is a TypeError naming it.
    let e = greet.call(()).unwrap_err();
    let p = e.as_python().unwrap();
    assert_eq!(p.type_name(), "TypeError");
    assert!(
        p.message().contains("1 positional argument"),
        "{}",
        p.message()
    );
}

#[test]
fn a_rust_function_owns_its_closure_until_python_releases_it() {
    python();
    let token = Arc::new(());
    let t = token.clone();
    let f = libpython::function("keep", None, move |_a: &Args<'_>| {
        Ok(Arc::strong_count(&t) as i64)
    })
    .unwrap();
    assert_eq!(Arc::strong_count(&token), 2);
    assert_eq!(f.call(()).unwrap().extract::<i64>().unwrap(), 2);
    // Its `self` holds the closure: a private type Python code cannot instantiate.
    let slf = f.getattr("__self__").unwrap();
    let cls = slf.getattr("__class__").unwrap();
    assert_eq!(
        cls.getattr("__name__")
            .unwrap()
            .extract::<String>()
            .unwrap(),
        "FunctionData"
    );
    let e = cls.call(()).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError", "{e}");
    drop((slf, cls));
    // Python's references keep it alive; the closure is dropped with the last one.
    let g = Dict::from_pairs([("keep", &f)]).unwrap();
    drop(f);
    libpython::exec("out = keep()", &g).unwrap();
    assert_eq!(g.get_as::<i64>("out").unwrap(), Some(2));
    assert_eq!(Arc::strong_count(&token), 2);
    g.clear().unwrap();
    drop(g);
    libpython_tests::wait_for_refcount_release(|| Arc::strong_count(&token) == 1);
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "the closure was not dropped with the function"
    );
}

struct Counter {
    n: AtomicUsize,
    dropped_by_python: Arc<AtomicUsize>,
    log: Mutex<Vec<String>>,
}

impl Bridge for Counter {
    fn get_attr(&self, py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        match name {
            "count" => Ok(Some(self.n.load(Ordering::SeqCst).to_python(py)?)),
            _ => Ok(None),
        }
    }
    fn set_attr(
        &self,
        _py: Python<'_>,
        name: &str,
        value: Option<&libpython::Bound<'_>>,
    ) -> libpython::Result<()> {
        match (name, value) {
            ("count", Some(v)) => {
                self.n.store(v.extract()?, Ordering::SeqCst);
                Ok(())
            }
            _ => Err(Error::from(ErrorKind::NoAttribute {
                type_name: "Counter".into(),
                name: name.into(),
            })),
        }
    }
    fn dir(&self) -> Vec<String> {
        vec!["count".into()]
    }
    fn call(&self, args: &Args<'_>) -> libpython::Result<Object> {
        let by: usize = args.kwarg_as("by")?.unwrap_or(1);
        self.log.lock().unwrap().push(format!("call by {by}"));
        (self.n.fetch_add(by, Ordering::SeqCst) + by).to_python(args.py())
    }
    fn type_name(&self) -> &str {
        "Counter"
    }
    fn on_python_drop(&self) {
        self.dropped_by_python.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn rust_objects_behind_the_bridge_trait() {
    python();
    let dropped = Arc::new(AtomicUsize::new(0));
    let c = Arc::new(Counter {
        n: AtomicUsize::new(0),
        dropped_by_python: dropped.clone(),
        log: Mutex::new(vec![]),
    });
    let obj = libpython::bridge(c.clone()).unwrap();
    let g = Dict::from_pairs([("c", &obj)]).unwrap();
    libpython::exec(
        "c()\nc(by=5)\nc.count = c.count * 2\nnames = dir(c)\nr = repr(c)\nt = type(c).__name__",
        &g,
    )
    .unwrap();
    assert_eq!(c.n.load(Ordering::SeqCst), 12);
    assert_eq!(*c.log.lock().unwrap(), ["call by 1", "call by 5"]);
    let names: Vec<String> = g.get_as("names").unwrap().unwrap();
    assert!(names.contains(&"count".to_string()) && names.contains(&"__class__".to_string()));
    assert_eq!(g.get_as::<String>("r").unwrap().unwrap(), "<Counter>");
    {
        // (AttributeError keeps the object in `.obj`: these errors are dropped before the
        // end-of-life checks below.)
        let e = libpython::exec("c.other = 1", &g).unwrap_err();
        assert_eq!(e.as_python().unwrap().type_name(), "AttributeError");
        let e = libpython::exec("c.nothing", &g).unwrap_err();
        assert_eq!(e.as_python().unwrap().type_name(), "AttributeError");
    }
    // The wrapped object comes back out.
    let back: Arc<Counter> = libpython::bridged(&obj).unwrap().unwrap();
    assert!(Arc::ptr_eq(&back, &c));
    assert!(
        libpython::bridged::<Counter>(&libpython::eval("1").unwrap())
            .unwrap()
            .is_none()
    );
    // The same Rust object bridges to the same Python object.
    assert_eq!(libpython::bridge(c.clone()).unwrap().as_ptr(), obj.as_ptr());
    // When Python deletes the bridge, the hook runs and the Rust side loses its reference.
    let before = Arc::strong_count(&c);
    drop(obj);
    g.clear().unwrap();
    libpython_tests::wait_for_release(|| dropped.load(Ordering::SeqCst) > 0);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(Arc::strong_count(&c), before - 1);
}

#[test]
fn rust_maps_and_vectors_are_python_mappings_and_sequences() {
    python();
    let m = MapBridge::new(HashMap::from([
        ("x".to_string(), 1i64),
        ("y".to_string(), 2),
    ]));
    let v = VecBridge::new(vec![1.5f64, 2.5]);
    let om = MapBridge::read_only(imbl::OrdMap::<i64, String>::from_iter([
        (1i64, "one".to_string()),
        (2, "two".to_string()),
    ]));
    let iv = VecBridge::read_only(imbl::vector![10i64, 20, 30]);
    let bm = MapBridge::new(BTreeMap::from([(3i64, 9i64)]));
    let g = Dict::from_pairs([
        ("m", libpython::bridge(m.clone()).unwrap()),
        ("v", libpython::bridge(v.clone()).unwrap()),
        ("om", libpython::bridge(om.clone()).unwrap()),
        ("iv", libpython::bridge(iv).unwrap()),
        ("bm", libpython::bridge(bm.clone()).unwrap()),
    ])
    .unwrap();
    libpython::exec(
        "import json\n\
         n = len(m)\n\
         has = 'x' in m and 'zz' not in m\n\
         m['z'] = m['x'] + m['y']\n\
         del m['y']\n\
         as_dict = dict(m)\n\
         js = json.dumps(dict(m), sort_keys=True)\n\
         keys = sorted(iter(m))\n\
         got = m.get('nope', -1)\n\
         v[0] = 9.0\n\
         v.append(3.5)\n\
         vl = list(v)\n\
         vlen = len(v)\n\
         last = v[-1]\n\
         odict = dict(om)\n\
         il = list(iv)\n\
         bm[4] = 16\n\
         try:\n\
         \x20   m['missing']\n\
         except KeyError as e:\n\
         \x20   ke = repr(e)\n\
         try:\n\
         \x20   om[3] = 'three'\n\
         except TypeError:\n\
         \x20   ro = True\n",
        &g,
    )
    .unwrap();
    assert_eq!(g.get_as::<i64>("n").unwrap(), Some(2));
    assert_eq!(g.get_as::<bool>("has").unwrap(), Some(true));
    assert_eq!(
        g.get_as::<String>("js").unwrap().unwrap(),
        r#"{"x": 1, "z": 3}"#
    );
    assert_eq!(
        g.get_as::<HashMap<String, i64>>("as_dict")
            .unwrap()
            .unwrap(),
        HashMap::from([("x".into(), 1), ("z".into(), 3)])
    );
    assert_eq!(
        g.get_as::<Vec<String>>("keys").unwrap().unwrap(),
        ["x", "z"]
    );
    assert_eq!(g.get_as::<i64>("got").unwrap(), Some(-1));
    assert_eq!(
        *m.map().read().unwrap(),
        HashMap::from([("x".into(), 1), ("z".into(), 3)])
    );
    assert_eq!(
        g.get_as::<Vec<f64>>("vl").unwrap().unwrap(),
        [9.0, 2.5, 3.5]
    );
    assert_eq!(*v.vec().read().unwrap(), [9.0, 2.5, 3.5]);
    assert_eq!(g.get_as::<f64>("last").unwrap(), Some(3.5));
    assert_eq!(
        g.get_as::<BTreeMap<i64, String>>("odict")
            .unwrap()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(g.get_as::<Vec<i64>>("il").unwrap().unwrap(), [10, 20, 30]);
    assert_eq!(bm.map().read().unwrap()[&4], 16);
    assert_eq!(
        g.get_as::<String>("ke").unwrap().unwrap(),
        "KeyError('missing')"
    );
    assert_eq!(g.get_as::<bool>("ro").unwrap(), Some(true));
}

/// A map whose length is off by `lie` from its keys: `keys()` must fail cleanly, never hand
/// Python a list with empty slots or swallow an IndexError.
struct LyingMap {
    map: BTreeMap<i64, i64>,
    lie: isize,
}

impl libpython::MapLike for LyingMap {
    type Key = i64;
    type Value = i64;
    fn map_len(&self) -> usize {
        self.map.len().saturating_add_signed(self.lie)
    }
    fn map_get(&self, k: &i64) -> Option<&i64> {
        self.map.get(k)
    }
    fn map_insert(&mut self, k: i64, v: i64) {
        self.map.insert(k, v);
    }
    fn map_remove(&mut self, k: &i64) -> Option<i64> {
        self.map.remove(k)
    }
    fn map_entries(&self) -> Vec<(&i64, &i64)> {
        self.map.iter().collect()
    }
}

#[test]
fn python_waiting_for_a_thread_that_needs_a_map_locked_by_rust_is_refused_not_hung() {
    python();
    let m = MapBridge::new(HashMap::from([("a".to_string(), 1i64)]));
    let g = Dict::new().unwrap();
    g.insert("m", libpython::bridge(m.clone()).unwrap())
        .unwrap();
    // Rust code holds a guard and runs Python, which waits for a thread that writes the map:
    // that thread is refused at once (it cannot know what the holder waits for).
    let guard = m.map().read().unwrap();
    let e = libpython::exec(
        "import concurrent.futures as cf\nwith cf.ThreadPoolExecutor(1) as ex:\n    ex.submit(lambda: m.__setitem__('b', 2)).result()",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("locked by another thread"), "{e}");
    assert_eq!(guard.len(), 1);
    drop(guard);
    libpython::exec("m['b'] = 2", &g).unwrap();
    assert_eq!(m.map().read().unwrap()["b"], 2);
}

#[test]
fn a_key_holding_a_python_object_whose_hash_waits_for_a_writer_gets_it_refused_not_hung() {
    python();
    // The key type is a pair holding an object: looking one up runs its `__hash__` under the
    // map's lock, and that `__hash__` waits for a thread that writes the map.
    let m: Arc<MapBridge<HashMap<(Object, i64), i64>>> = MapBridge::new(HashMap::from([(
        (libpython::eval("'first'").unwrap(), 0),
        0,
    )]));
    let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
    let lookup = std::thread::spawn(move || {
        libpython::exec(
            "import concurrent.futures as cf\n\
             errors = []\n\
             def write():\n\
             \x20   try:\n\
             \x20       m[('other', 1)] = 2\n\
             \x20   except RuntimeError as e:\n\
             \x20       errors.append(str(e))\n\
             class Key:\n\
             \x20   def __hash__(self):\n\
             \x20       with cf.ThreadPoolExecutor(1) as ex:\n\
             \x20           ex.submit(write).result()\n\
             \x20       return 1\n\
             found = m.get((Key(), 1))\n",
            &g,
        )
        .unwrap();
        g.get_as::<Vec<String>>("errors").unwrap().unwrap()
    });
    let errors = libpython_tests::join_within(
        lookup,
        std::time::Duration::from_secs(30),
        "the lookup waited for a writer that waited for it",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("locked by another thread"), "{errors:?}");
    // Once the lookup is over, writes go through.
    let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
    libpython::exec("m[('other', 1)] = 2", &g).unwrap();
    assert_eq!(m.map().read().unwrap().len(), 2);
}

#[test]
fn python_waiting_for_a_writer_of_a_map_held_by_a_try_guard_is_refused_not_hung() {
    python();
    let m = MapBridge::new(HashMap::<String, i64>::new());
    let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
    let writer = std::thread::spawn(move || {
        let guard = m.map().try_write().unwrap();
        let r = libpython::exec(
            "import threading\n\
             errors = []\n\
             def write():\n\
             \x20   try:\n\
             \x20       m['a'] = 1\n\
             \x20   except RuntimeError as e:\n\
             \x20       errors.append(str(e))\n\
             t = threading.Thread(target=write)\n\
             t.start()\n\
             t.join()\n",
            &g,
        );
        drop(guard);
        r.unwrap();
        g.get_as::<Vec<String>>("errors").unwrap().unwrap()
    });
    let errors = libpython_tests::join_within(
        writer,
        std::time::Duration::from_secs(30),
        "a thread waited for a map whose holder waited for it",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("locked by another thread"), "{errors:?}");
}

/// A map of plain keys whose insertion tells Python about it: its own code runs Python.
#[derive(Default)]
struct Announced(HashMap<i64, i64>);

impl libpython::MapLike for Announced {
    type Key = i64;
    type Value = i64;
    fn map_len(&self) -> usize {
        self.0.len()
    }
    fn map_get(&self, k: &i64) -> Option<&i64> {
        self.0.get(k)
    }
    fn map_insert(&mut self, k: i64, v: i64) {
        libpython::run_simple_string("import builtins\nbuiltins.on_insert()").unwrap();
        self.0.insert(k, v);
    }
    fn map_remove(&mut self, k: &i64) -> Option<i64> {
        self.0.remove(k)
    }
    fn map_entries(&self) -> Vec<(&i64, &i64)> {
        self.0.iter().collect()
    }
}

#[test]
fn a_map_of_one_s_own_whose_insertion_runs_python_refuses_waiters_by_default() {
    python();
    let m = MapBridge::new(Announced::default());
    let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
    let inserter = std::thread::spawn(move || {
        libpython::exec(
            "import threading, builtins\n\
             errors = []\n\
             def reader():\n\
             \x20   try:\n\
             \x20       m.get(1)\n\
             \x20   except RuntimeError as e:\n\
             \x20       errors.append(str(e))\n\
             def on_insert():\n\
             \x20   t = threading.Thread(target=reader)\n\
             \x20   t.start()\n\
             \x20   t.join()\n\
             builtins.on_insert = on_insert\n\
             m[1] = 1\n",
            &g,
        )
        .unwrap();
        g.get_as::<Vec<String>>("errors").unwrap().unwrap()
    });
    let errors = libpython_tests::join_within(
        inserter,
        std::time::Duration::from_secs(30),
        "a reader waited for a map whose insertion waited for it",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(m.map().read().unwrap().0[&1], 1);
}

#[test]
fn threads_writing_a_map_of_plain_keys_at_once_wait_for_each_other() {
    python();
    let m: Arc<MapBridge<HashMap<(String, i64), i64>>> = MapBridge::new(HashMap::new());
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                let g = Dict::from_pairs([("m", libpython::bridge(m).unwrap())]).unwrap();
                g.insert("t", t).unwrap();
                libpython::exec("for i in range(300):\n    m[('k', t * 1000 + i)] = i", &g)
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap().unwrap();
    }
    assert_eq!(m.map().read().unwrap().len(), 1200);
}

#[test]
fn a_rust_map_whose_length_disagrees_with_its_keys_gives_its_keys() {
    python();
    for lie in [-1isize, 1, 0] {
        let m = MapBridge::new(LyingMap {
            map: BTreeMap::from([(1, 10), (2, 20), (3, 30)]),
            lie,
        });
        let g = Dict::from_pairs([("m", libpython::bridge(m).unwrap())]).unwrap();
        libpython::exec(
            "try:\n\
             \x20   ks = m.keys()\n\
             \x20   got = repr(ks)\n\
             except Exception as e:\n\
             \x20   got = type(e).__name__ + ': ' + str(e)\n",
            &g,
        )
        .unwrap();
        // The keys are read from the map (copied out under its lock), whatever length it
        // reports.
        let got = g.get_as::<String>("got").unwrap().unwrap();
        assert_eq!(got, "[1, 2, 3]", "{lie}");
    }
}

#[test]
fn python_classes_made_from_rust() {
    python();
    let base = libpython::eval("type('Base', (), {'kind': lambda self: 'base'})").unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let cls = ClassBuilder::new("Vec2")
        .base(&base)
        .doc("A 2-vector.")
        .attr("dims", 2)
        .method("__init__", |a: &Args<'_>| {
            let me = a.get(0).unwrap();
            me.setattr("x", a.extract::<f64>(1)?)?;
            me.setattr("y", a.extract::<f64>(2)?)?;
            Ok(())
        })
        .method("dot", move |a: &Args<'_>| {
            c2.fetch_add(1, Ordering::SeqCst);
            let (me, other) = (a.get(0).unwrap(), a.get(1).unwrap());
            let f = |o: &libpython::Bound<'_>, n: &str| -> libpython::Result<f64> {
                o.getattr(n)?.extract()
            };
            Ok(f(&me, "x")? * f(&other, "x")? + f(&me, "y")? * f(&other, "y")?)
        })
        .build()
        .unwrap();
    let g = Dict::from_pairs([("Vec2", &cls), ("Base", &base)]).unwrap();
    libpython::exec("a = Vec2(1, 2)\nb = Vec2(3, 4)\nd = a.dot(b)\nk = a.kind()\nname = Vec2.__name__\nsub = issubclass(Vec2, Base)\ndoc = Vec2.__doc__", &g).unwrap();
    assert_eq!(g.get_as::<f64>("d").unwrap(), Some(11.0));
    assert_eq!(g.get_as::<String>("k").unwrap().as_deref(), Some("base"));
    assert_eq!(g.get_as::<String>("name").unwrap().as_deref(), Some("Vec2"));
    assert_eq!(g.get_as::<bool>("sub").unwrap(), Some(true));
    assert_eq!(
        g.get_as::<String>("doc").unwrap().as_deref(),
        Some("A 2-vector.")
    );
    assert_eq!(cls.getattr("dims").unwrap().extract::<i64>().unwrap(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

struct Adder {
    base: i64,
    dropped_by_python: Arc<AtomicUsize>,
    /// Whether the methods live on the Python type (`dynamic_attrs` false).
    static_attrs: bool,
}

impl Bridge for Adder {
    fn methods(&self) -> &'static [&'static str] {
        &["add", "fail"]
    }
    fn dynamic_attrs(&self) -> bool {
        !self.static_attrs
    }
    fn call_method(&self, args: &Args<'_>, name: &str) -> libpython::Result<Object> {
        match name {
            "add" => {
                let by: i64 = args.kwarg_as("by")?.unwrap_or(0);
                (self.base + args.extract::<i64>(0)? + by).to_python(args.py())
            }
            _ => Err(Error::conversion(format!("{name} failed"))),
        }
    }
    fn type_name(&self) -> &str {
        "Adder"
    }
    fn on_python_drop(&self) {
        self.dropped_by_python.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_bridge_method_is_a_bound_callable_that_keeps_its_object() {
    python();
    // The same behaviour whether the method is found by the bridge or on its type.
    for static_attrs in [false, true] {
        bound_methods_keep_their_object(static_attrs);
    }
}

fn bound_methods_keep_their_object(static_attrs: bool) {
    let dropped = Arc::new(AtomicUsize::new(0));
    let a = Arc::new(Adder {
        base: 10,
        dropped_by_python: dropped.clone(),
        static_attrs,
    });
    let obj = libpython::bridge(a.clone()).unwrap();
    let g = Dict::from_pairs([("a", &obj)]).unwrap();
    drop(obj);
    libpython::exec(
        "m = a.add\n\
         name = m.__name__\n\
         same = m.__self__ is a\n\
         r = repr(m)\n\
         direct = a.add(1)\n\
         kw = a.add(1, by=100)\n\
         star = m(*[2], **{'by': 3})\n\
         via_map = list(map(a.add, [1, 2]))\n\
         try:\n    a.fail()\nexcept Exception as e:\n    err = str(e)\n\
         try:\n    type(m)()()\nexcept TypeError as e:\n    empty = 'TypeError'\n\
         del a",
        &g,
    )
    .unwrap();
    assert_eq!(g.get_as::<String>("name").unwrap().unwrap(), "add");
    assert!(g.get_as::<bool>("same").unwrap().unwrap());
    let r = g.get_as::<String>("r").unwrap().unwrap();
    if static_attrs {
        // One of CPython's own methods, bound.
        assert!(r.starts_with("<built-in method add of "), "{r}");
    } else {
        assert_eq!(r, "<bound method Adder.add of <Adder>>");
    }
    assert_eq!(g.get_as::<i64>("direct").unwrap(), Some(11));
    assert_eq!(g.get_as::<i64>("kw").unwrap(), Some(111));
    assert_eq!(g.get_as::<i64>("star").unwrap(), Some(15));
    assert_eq!(g.get_as::<Vec<i64>>("via_map").unwrap().unwrap(), [11, 12]);
    assert!(
        g.get_as::<String>("err")
            .unwrap()
            .unwrap()
            .contains("fail failed")
    );
    assert_eq!(g.get_as::<String>("empty").unwrap().unwrap(), "TypeError");
    // The bound method alone keeps the object alive; it goes with the method.
    libpython::exec("after = m(5)", &g).unwrap();
    assert_eq!(g.get_as::<i64>("after").unwrap(), Some(15));
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    libpython::exec("del m", &g).unwrap();
    libpython_tests::wait_for_refcount_release(|| dropped.load(Ordering::SeqCst) == 1);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    // A cycle through a bound method (stored on a Python object the method's object can reach
    // only through Python) is collected.
    let obj = libpython::bridge(a.clone()).unwrap();
    let g = Dict::from_pairs([("a", &obj)]).unwrap();
    drop(obj);
    libpython::exec(
        "import gc\nclass Box: pass\nb = Box()\nb.m = a.add\nb.self = b\ndel a, b\ngc.collect()",
        &g,
    )
    .unwrap();
    libpython_tests::wait_for_refcount_release(|| dropped.load(Ordering::SeqCst) == 2);
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    assert_eq!(Arc::strong_count(&a), 1);
}

/// A Rust type with a method table, and names of its own for `get_attr` and `methods`.
struct Tally {
    total: Mutex<i64>,
    dropped_by_python: Arc<AtomicUsize>,
}

impl Tally {
    fn add(&self, a: &Args<'_>) -> libpython::Result<Object> {
        let mut t = self.total.lock().unwrap();
        *t += a.extract::<i64>(0)?;
        t.to_python(a.py())
    }
}

impl Bridge for Tally {
    fn method_table() -> &'static [Method<Self>] {
        const METHODS: &[Method<Tally>] = &[
            Method::positional("add", Tally::add),
            Method::new("scaled", |t, a| {
                let by: i64 = a.kwarg_as("by")?.unwrap_or(1);
                (*t.total.lock().unwrap() * by).to_python(a.py())
            }),
            Method::positional("fail", |_, _| Err(Error::conversion("tally failed"))),
            Method::positional("boom", |_, _| panic!("tally panicked")),
        ];
        METHODS
    }
    fn get_attr(&self, py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        match name {
            "total" => Ok(Some(self.total.lock().unwrap().to_python(py)?)),
            _ => Ok(None),
        }
    }
    // A name also in the table: the table's method is the one called.
    fn methods(&self) -> &'static [&'static str] {
        &["add", "named"]
    }
    fn call_method(&self, args: &Args<'_>, name: &str) -> libpython::Result<Object> {
        match name {
            "named" => "by name".to_python(args.py()),
            _ => Err(Error::conversion(format!("{name} called by name"))),
        }
    }
    fn on_python_drop(&self) {
        self.dropped_by_python.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_method_table_gives_python_methods_that_get_the_rust_object_itself() {
    python();
    let dropped = Arc::new(AtomicUsize::new(0));
    let t = Arc::new(Tally {
        total: Mutex::new(1),
        dropped_by_python: dropped.clone(),
    });
    let obj = libpython::bridge(t.clone()).unwrap();
    // Another object of the same Rust type shares its Python type; an object of another type
    // with a table gets another.
    let twin = libpython::bridge(Arc::new(Tally {
        total: Mutex::new(0),
        dropped_by_python: Arc::new(AtomicUsize::new(0)),
    }))
    .unwrap();
    let rec = libpython::bridge(Arc::new(Stranger)).unwrap();
    let g = Dict::from_pairs([("a", &obj), ("twin", &twin), ("other", &rec)]).unwrap();
    drop(obj);
    libpython::exec(
        "direct = [a.add(2), a.add(3)]\n\
         total = a.total\n\
         scaled = [a.scaled(), a.scaled(by=10)]\n\
         m = a.add\n\
         same = m.__self__ is a\n\
         r = repr(m)\n\
         unbound = type(a).add(a, 4)\n\
         named = a.named()\n\
         listed = all(n in dir(a) for n in ('add', 'scaled', 'named'))\n\
         shared = type(a) is type(twin)\n\
         apart = type(a) is not type(other)\n\
         def err(f):\n\
         \x20   try:\n\
         \x20       f()\n\
         \x20   except BaseException as e:\n\
         \x20       return type(e).__name__ + ': ' + str(e)\n\
         kw = err(lambda: a.add(x=1))\n\
         few = err(lambda: a.add())\n\
         fail = err(lambda: a.fail())\n\
         boom = err(lambda: a.boom())\n\
         wrong = err(lambda: type(a).add(other, 1))\n\
         missing = err(lambda: a.nope)\n\
         del a",
        &g,
    )
    .unwrap();
    let s = |k: &str| g.get_as::<String>(k).unwrap().unwrap();
    assert_eq!(g.get_as::<Vec<i64>>("direct").unwrap().unwrap(), [3, 6]);
    assert_eq!(g.get_as::<i64>("total").unwrap(), Some(6));
    assert_eq!(g.get_as::<Vec<i64>>("scaled").unwrap().unwrap(), [6, 60]);
    assert!(g.get_as::<bool>("same").unwrap().unwrap());
    assert!(s("r").starts_with("<built-in method add of "), "{}", s("r"));
    assert_eq!(g.get_as::<i64>("unbound").unwrap(), Some(10));
    assert_eq!(*t.total.lock().unwrap(), 10);
    assert_eq!(s("named"), "by name");
    assert!(g.get_as::<bool>("listed").unwrap().unwrap());
    assert!(g.get_as::<bool>("shared").unwrap().unwrap());
    assert!(g.get_as::<bool>("apart").unwrap().unwrap());
    // Keywords refused by Python itself, before the call.
    assert!(
        s("kw").starts_with("TypeError") && s("kw").contains("keyword"),
        "{}",
        s("kw")
    );
    assert!(s("few").starts_with("TypeError"), "{}", s("few"));
    assert!(s("fail").contains("tally failed"), "{}", s("fail"));
    assert!(s("boom").contains("tally panicked"), "{}", s("boom"));
    // The descriptor refuses an object of another type before any cast.
    assert!(s("wrong").starts_with("TypeError"), "{}", s("wrong"));
    assert!(
        s("missing").starts_with("AttributeError"),
        "{}",
        s("missing")
    );
    // The bound method alone keeps the object alive; it goes with the method.
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    libpython::exec("after = m(1)\ndel m", &g).unwrap();
    assert_eq!(g.get_as::<i64>("after").unwrap(), Some(11));
    libpython_tests::wait_for_refcount_release(|| dropped.load(Ordering::SeqCst) == 1);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

/// A Rust type with a method table and no other behaviour.
struct Stranger;

impl Bridge for Stranger {
    fn method_table() -> &'static [Method<Self>] {
        const METHODS: &[Method<Stranger>] = &[Method::positional("add", |_, a| {
            a.py().none().to_python(a.py())
        })];
        METHODS
    }
    fn dynamic_attrs(&self) -> bool {
        false
    }
}

/// A table with a NUL in a name.
struct NulName;

impl Bridge for NulName {
    fn method_table() -> &'static [Method<Self>] {
        const METHODS: &[Method<NulName>] =
            &[Method::positional("a\0b", |_, a| 1.to_python(a.py()))];
        METHODS
    }
}

/// A table longer than a type may have.
struct TooMany;

impl Bridge for TooMany {
    fn method_table() -> &'static [Method<Self>] {
        const ONE: Method<TooMany> = Method::positional("m", |_, a| 1.to_python(a.py()));
        const METHODS: &[Method<TooMany>] = &[ONE; 65];
        METHODS
    }
}

#[test]
fn a_method_table_that_python_cannot_hold_is_an_error_when_bridged() {
    python();
    let e = libpython::bridge(Arc::new(NulName)).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Nul { what: "method name", value } if value == "a\0b"),
        "{e:?}"
    );
    let e = libpython::bridge(Arc::new(TooMany)).unwrap_err();
    assert!(e.to_string().contains("at most 64"), "{e}");
    assert!(e.to_string().contains("65 methods"), "{e}");
}

#[test]
fn methods_of_a_bridge_without_dynamic_attributes_live_on_its_type() {
    python();
    let dropped = Arc::new(AtomicUsize::new(0));
    let adder = |base, static_attrs| {
        libpython::bridge(Arc::new(Adder {
            base,
            dropped_by_python: dropped.clone(),
            static_attrs,
        }))
        .unwrap()
    };
    let g = Dict::from_pairs([
        ("a", adder(10, true)),
        ("b", adder(20, true)),
        ("d", adder(30, false)),
    ])
    .unwrap();
    libpython::exec(
        r#"
T = type(a)
same_type = T is type(b) and type(d) is not T
on_type = 'add' in vars(T) and 'add' not in vars(type(d))
descr = vars(T)['add']
through_type = T.add(b, 1, by=100)
through_get = descr.__get__(a, T)(2)
from_class = T.add is descr and descr.__objclass__ is T and descr.__name__ == 'add'
bound_self = a.add.__self__ is a
listed = 'add' in dir(a) and 'fail' in dir(a)
dynamic = d.add(1)
errors = []
for bad in (lambda: T.add(42, 1), lambda: T.add(), lambda: descr.__get__(42, int),
            lambda: T.add(d, 1), lambda: type(descr)()(a, 1), lambda: T.add(T(), 1)):
    try:
        bad()
    except TypeError:
        errors.append('TypeError')
try:
    a.size
except AttributeError as e:
    missing = str(e)
"#,
        &g,
    )
    .unwrap();
    let get = |k: &str| g.get(k).unwrap().unwrap();
    assert!(get("same_type").extract::<bool>().unwrap());
    assert!(get("on_type").extract::<bool>().unwrap());
    assert_eq!(get("through_type").extract::<i64>().unwrap(), 121);
    assert_eq!(get("through_get").extract::<i64>().unwrap(), 12);
    assert!(get("from_class").extract::<bool>().unwrap());
    assert!(get("bound_self").extract::<bool>().unwrap());
    assert!(get("listed").extract::<bool>().unwrap());
    assert_eq!(get("dynamic").extract::<i64>().unwrap(), 31);
    // An object that is not an instance of the method's type, no object, another type's
    // bridge, a descriptor made from Python, an instance made from Python: TypeError each.
    assert_eq!(get("errors").extract::<Vec<String>>().unwrap().len(), 6);
    assert!(get("missing").extract::<String>().unwrap().contains("size"));
    // Their last references go: the three bridges with them (the collector frees the
    // functions that may still hold something on free-threaded builds).
    libpython::exec("del a, b, d, bad\nimport gc\ngc.collect()", &g).unwrap();
    libpython_tests::wait_for_refcount_release(|| dropped.load(Ordering::SeqCst) == 3);
    assert_eq!(dropped.load(Ordering::SeqCst), 3);
}

/// A bridge with many methods: `m0`, `m1`, ... each returning its number.
struct Many(&'static [&'static str]);

impl Bridge for Many {
    fn methods(&self) -> &'static [&'static str] {
        self.0
    }
    fn dynamic_attrs(&self) -> bool {
        false
    }
    fn call_method(&self, args: &Args<'_>, name: &str) -> libpython::Result<Object> {
        let n: i64 = name[1..].parse().unwrap();
        (n * 1000 + args.extract::<i64>(0)?).to_python(args.py())
    }
}

#[test]
fn every_method_of_a_long_method_list_is_called_by_its_name() {
    python();
    // Past the first methods (CPython's method descriptors), the library's own descriptors.
    let names: Vec<&'static str> = (0..100)
        .map(|i| &*Box::leak(format!("m{i}").into_boxed_str()))
        .collect();
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    let obj = libpython::bridge(Arc::new(Many(names))).unwrap();
    let g = Dict::from_pairs([("o", &obj)]).unwrap();
    libpython::exec(
        "out = [getattr(o, f'm{i}')(i) for i in range(100)]\n\
         late = type(o).m99(o, 5), repr(vars(type(o))['m99'])",
        &g,
    )
    .unwrap();
    let out: Vec<i64> = g.get_as("out").unwrap().unwrap();
    assert_eq!(out, (0..100).map(|i| i * 1000 + i).collect::<Vec<_>>());
    let (late, repr): (i64, String) = g.get_as("late").unwrap().unwrap();
    assert_eq!(late, 99_005);
    assert_eq!(repr, "<method 'm99' of Rust objects>");
}
