//! Soundness: what a hostile but ordinary user can do with safe code only, and the design
//! that keeps each class of misuse from reaching undefined behaviour, a hang or a leak
//! (docs/soundness.md names the invariant each test proves). Tests that could crash or hang
//! the process if the invariant broke run in a child process, with a deadline, and with
//! `PYTHONMALLOC=debug` where a use after free would otherwise go unnoticed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libpython::{
    Args, Bridge, Dict, ErrorKind, Interpreter, MapBridge, Object, Python, SubConfig, ToPython,
    VecBridge,
};
use libpython_tests::{DEBUG_MALLOC, in_child, python, refcount};

/// How long a test run in a child process may take: a hang is a failure, not a stuck suite.
const DEADLINE: Duration = Duration::from_secs(60);

fn exec_in(code: &str, g: &Dict) {
    libpython::exec(code, g).unwrap_or_else(|e| panic!("{e}"));
}

// ---- Objects cross interpreters only checked ----

#[test]
fn a_handle_cloned_under_another_interpreters_gil_owns_its_reference() {
    python();
    let obj = libpython::eval("object()").unwrap();
    let before = refcount(&obj);
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    libpython::with_interpreter(&sub, || {
        libpython::attach(|_py| {
            let copy = obj.clone();
            drop(copy);
            Ok(())
        })
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        refcount(&obj),
        before,
        "a clone made under another interpreter's GIL must add the reference it later releases"
    );
    sub.end().unwrap();
}

#[test]
fn an_exception_of_another_interpreter_is_raised_there_as_a_copy() {
    python();
    let err =
        libpython::run_simple_string("e = ValueError('raised in main')\ne.tag = 'main'\nraise e")
            .unwrap_err();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let (tag, msg) = libpython::with_interpreter(&sub, move || -> libpython::Result<(Option<String>, String)> {
        let f = libpython::function("raise_it", None, move |_: &Args<'_>| Err::<(), _>(err.clone()))?;
        let g = Dict::from_pairs([("f", &f)])?;
        libpython::exec("try:\n    f()\nexcept ValueError as e:\n    tag = getattr(e, 'tag', None)\n    msg = str(e)", &g)?;
        Ok((g.get_as::<Option<String>>("tag")?.flatten(), g.get_as::<String>("msg")?.unwrap_or_default()))
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        tag, None,
        "the main interpreter's exception object itself must not enter the sub-interpreter"
    );
    assert!(msg.contains("raised in main"), "{msg}");
    sub.end().unwrap();
}

#[test]
fn an_exception_of_a_finalized_runtime_is_raised_as_a_copy() {
    in_child!(
        "an_exception_of_a_finalized_runtime_is_raised_as_a_copy",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            // Both the exception and its class (a class of the old runtime) are gone after finalize.
            let err = libpython::run_simple_string(
                "class OldError(Exception):\n    pass\nraise OldError('old runtime')",
            )
            .unwrap_err();
            let builtin = libpython::run_simple_string("raise KeyError('old key')").unwrap_err();
            libpython::finalize().unwrap();
            libpython::initialize().unwrap();
            let f = libpython::function("raise_it", None, move |a: &Args<'_>| {
                Err::<(), _>(if a.extract::<bool>(0)? {
                    err.clone()
                } else {
                    builtin.clone()
                })
            })
            .unwrap();
            let g = Dict::from_pairs([("f", &f)]).unwrap();
            exec_in(
                "def run(which):\n    try:\n        f(which)\n    except Exception as e:\n        return type(e).__name__, str(e)\nmine = run(True)\nbuiltin = run(False)",
                &g,
            );
            let (kind, msg): (String, String) = g.get_as("mine").unwrap().unwrap();
            assert_eq!(kind, "RuntimeError");
            assert!(msg.contains("OldError"), "{msg}");
            let (kind, _): (String, String) = g.get_as("builtin").unwrap().unwrap();
            assert_eq!(kind, "KeyError");
        }
    );
}

struct Leaky(Object);

impl Bridge for Leaky {
    fn get_attr(&self, _py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        Ok((name == "x").then(|| self.0.clone()))
    }
}

#[test]
fn a_bridge_returning_another_interpreters_object_raises() {
    python();
    let main_obj = libpython::eval("['main']").unwrap();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let msg = libpython::with_interpreter(&sub, move || -> libpython::Result<String> {
        let b = libpython::bridge(Arc::new(Leaky(main_obj)))?;
        let g = Dict::from_pairs([("b", &b)])?;
        libpython::exec(
            "try:\n    b.x\n    msg = 'no error'\nexcept Exception as e:\n    msg = str(e)",
            &g,
        )?;
        Ok(g.get_as::<String>("msg")?.unwrap())
    })
    .unwrap()
    .unwrap();
    assert!(msg.contains("interpreter"), "{msg}");
    sub.end().unwrap();
}

struct Stored(Object);

impl ToPython for Stored {
    fn to_python(&self, _py: Python<'_>) -> libpython::Result<Object> {
        Ok(self.0.clone())
    }
}

#[test]
fn a_conversion_returning_another_interpreters_object_is_refused() {
    python();
    let main_obj = libpython::eval("['main']").unwrap();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let r = libpython::with_interpreter(&sub, move || -> libpython::Result<()> {
        let list = libpython::eval("[]")?;
        list.call_method("append", (Stored(main_obj.clone()),))?;
        Ok(())
    })
    .unwrap();
    assert!(
        matches!(
            r.as_ref().map_err(libpython::Error::kind),
            Err(ErrorKind::Interp(
                libpython::interp::Error::WrongInterpreter { .. }
            ))
        ),
        "{r:?}"
    );
    sub.end().unwrap();
}

#[test]
fn the_gil_inside_a_callback_on_a_sub_interpreters_thread_is_that_interpreters() {
    python();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let got = libpython::with_interpreter(&sub, || -> libpython::Result<u64> {
        let f = libpython::function("which", None, |_: &Args<'_>| libpython::attach(|py| Ok(py.interpreter_key().to_bits())))?;
        let g = Dict::from_pairs([("f", &f)])?;
        libpython::exec("import threading\nout = []\nt = threading.Thread(target=lambda: out.append(f()))\nt.start()\nt.join()\nr = out[0]", &g)?;
        Ok(g.get_as::<u64>("r")?.unwrap())
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        got,
        sub.key().to_bits(),
        "attach in a callback must stay in the interpreter that called it"
    );
    sub.end().unwrap();
}

// ---- Borrowed references are never held across Python code ----

#[test]
fn a_dict_key_that_clears_the_dict_during_extraction_is_an_error_not_a_crash() {
    in_child!(
        "a_dict_key_that_clears_the_dict_during_extraction_is_an_error_not_a_crash",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            let g = Dict::new().unwrap();
            exec_in(
                "class K:\n    def __index__(self):\n        d.clear()\n        return 1\n    def __hash__(self):\n        return 1\nd = {K(): ''.join(['ab'] * 50)}",
                &g,
            );
            let d = g.get("d").unwrap().unwrap();
            // Every build, free-threaded ones included (which read the dict itself under its
            // critical section), stops as Python's own iteration does.
            let e = d.extract::<HashMap<i64, String>>().unwrap_err().to_string();
            assert!(e.contains("changed size during iteration"), "{e}");
        }
    );
}

#[test]
fn a_rust_function_that_drops_the_last_reference_to_itself_runs_to_its_end() {
    in_child!(
        "a_rust_function_that_drops_the_last_reference_to_itself_runs_to_its_end",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            // CPython calls a trace function through a borrowed pointer: one that unsets
            // itself gives up the last reference to itself in the middle of its own call.
            let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
            struct Captured(Arc<std::sync::atomic::AtomicBool>, Vec<u8>);
            impl Drop for Captured {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::SeqCst);
                    self.1.fill(0xEE);
                }
            }
            let captured = Captured(dropped.clone(), vec![b'a'; 16]);
            let seen = Arc::new(Mutex::new(None));
            let s = seen.clone();
            let tracer = libpython::function("tracer", None, move |_a: &Args<'_>| {
                libpython::import("sys")?.call_method("settrace", (libpython::eval("None")?,))?;
                let alive = !captured.0.load(std::sync::atomic::Ordering::SeqCst);
                *s.lock().unwrap() = Some((alive, captured.1.clone()));
                Ok(())
            })
            .unwrap();
            let g = Dict::new().unwrap();
            g.insert("f", &tracer).unwrap();
            drop(tracer);
            exec_in(
                "import sys\nsys.settrace(f)\ndel f\ndef g():\n    return 1\ng()",
                &g,
            );
            let (alive, bytes) = seen.lock().unwrap().take().expect("the tracer ran");
            assert!(alive, "the closure was dropped while it ran");
            assert_eq!(bytes, vec![b'a'; 16]);
            assert!(
                dropped.load(std::sync::atomic::Ordering::SeqCst),
                "dropped after its call"
            );
        }
    );
}

/// Python code that makes `victim`, whose `__del__` unsets the profile function: released from
/// the queue of references dropped without the GIL, it drops the last reference to a profile
/// function that CPython calls through a borrowed pointer.
const UNSETS_THE_PROFILE_FUNCTION: &str =
    "import sys\nclass D:\n    def __del__(self):\n        sys.setprofile(None)\nvictim = D()\n";

/// A value that records its drop and scribbles over its bytes then, for the tests below.
struct Scribbled(Arc<std::sync::atomic::AtomicBool>, Vec<u8>);

impl Drop for Scribbled {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        self.1.fill(0xEE);
    }
}

impl Scribbled {
    fn new() -> Self {
        Scribbled(
            Arc::new(std::sync::atomic::AtomicBool::new(false)),
            vec![b'a'; 16],
        )
    }

    /// Whether it is alive and intact.
    fn intact(&self) -> bool {
        !self.0.load(std::sync::atomic::Ordering::SeqCst) && self.1 == vec![b'a'; 16]
    }
}

/// Drops `o` on a thread that does not hold the GIL: its release is queued for the next call
/// from Python into Rust.
fn drop_without_the_gil(o: Object) {
    std::thread::spawn(move || drop(o)).join().unwrap();
}

/// Installs the callable `make` returns as the profile function (through
/// `sys.setprofile`, which CPython then calls through a borrowed pointer) and runs a little
/// Python. `make` gets a slot holding `victim` (see [`UNSETS_THE_PROFILE_FUNCTION`]), which
/// the callable drops without the GIL at its first call, the value it owns and checks at
/// each call, and where to record what it found. Checks that it ran, that the queued release
/// freed it (it unset itself), and that it was intact whenever it ran.
fn assert_a_profile_function_freed_by_a_queued_release_runs_intact(
    what: &str,
    make: impl FnOnce(Mutex<Option<Object>>, Scribbled, Arc<Mutex<Vec<bool>>>) -> Object,
) {
    let g = Dict::new().unwrap();
    exec_in(UNSETS_THE_PROFILE_FUNCTION, &g);
    let victim: Object = g.get("victim").unwrap().unwrap();
    g.del_item("victim").unwrap();
    let mine = Scribbled::new();
    let dropped = mine.0.clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let prof = make(Mutex::new(Some(victim)), mine, seen.clone());
    g.insert("prof", &prof).unwrap();
    drop(prof);
    exec_in("sys.setprofile(prof)\ndel prof\nlen('a')\nlen('b')\n", &g);
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the profile function ran");
    assert!(
        dropped.load(std::sync::atomic::Ordering::SeqCst),
        "the queued release unset the profile function, which freed it"
    );
    assert!(
        seen.iter().all(|&ok| ok),
        "{what} ran after its drop: {seen:?}"
    );
}

/// What a profile function does at each call, for the tests below: records whether `mine` is
/// intact, and drops the object in `slot` (the first time) without the GIL.
fn profile_call(slot: &Mutex<Option<Object>>, mine: &Scribbled, seen: &Mutex<Vec<bool>>) {
    seen.lock().unwrap().push(mine.intact());
    if let Some(o) = slot.lock().unwrap().take() {
        drop_without_the_gil(o);
    }
}

#[test]
fn a_queued_release_run_by_a_call_into_a_rust_function_does_not_free_it_under_its_body() {
    in_child!(
        "a_queued_release_run_by_a_call_into_a_rust_function_does_not_free_it_under_its_body",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            assert_a_profile_function_freed_by_a_queued_release_runs_intact(
                "the closure",
                |slot, mine, seen| {
                    libpython::function("prof", None, move |_a: &Args<'_>| {
                        profile_call(&slot, &mine, &seen);
                        Ok(())
                    })
                    .unwrap()
                },
            );
        }
    );
}

/// A bridged object used as a profile function, for the test below.
struct Profiler {
    slot: Mutex<Option<Object>>,
    seen: Arc<Mutex<Vec<bool>>>,
    mine: Scribbled,
}

impl Bridge for Profiler {
    fn call(&self, _args: &Args<'_>) -> libpython::Result<Object> {
        profile_call(&self.slot, &self.mine, &self.seen);
        libpython::eval("None")
    }
}

#[test]
fn a_queued_release_run_by_a_call_into_a_bridged_object_does_not_free_it_under_its_body() {
    in_child!(
        "a_queued_release_run_by_a_call_into_a_bridged_object_does_not_free_it_under_its_body",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            assert_a_profile_function_freed_by_a_queued_release_runs_intact(
                "the bridged object",
                |slot, mine, seen| {
                    libpython::bridge(Arc::new(Profiler { slot, seen, mine })).unwrap()
                },
            );
        }
    );
}

/// A struct read field by field from a dict, for the test below.
#[derive(Debug, libpython::FromPython)]
struct Keyed {
    k: String,
}

#[test]
fn a_str_item_that_cannot_be_utf8_is_read_owned_while_the_collector_empties_its_container() {
    in_child!(
        "a_str_item_that_cannot_be_utf8_is_read_owned_while_the_collector_empties_its_container",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            // A str with a lone surrogate has no UTF-8 form: reading it raises, and making the
            // exception may run a collection (at once on 3.9 to 3.11), whose callback here
            // empties the list and the dict that hold the only other reference to the item.
            let setup = || {
                let g = Dict::new().unwrap();
                exec_in(
                    "import gc\ngc.disable()\nlst = ['ab\\udc80'.replace('b', 'c')]\n\
                     d = {'k': lst[0]}\n\
                     def cb(phase, info):\n    lst.clear()\n    d.clear()\n\
                     gc.callbacks.append(cb)\ngc.set_threshold(1)\ngc.enable()",
                    &g,
                );
                (g.get("lst").unwrap().unwrap(), g.get("d").unwrap().unwrap())
            };
            let refused = |what: &str, e: libpython::Error| {
                let text = e.to_string();
                assert!(text.contains("surrogates not allowed"), "{what}: {text}");
            };
            let (lst, _) = setup();
            refused("Vec<String>", lst.extract::<Vec<String>>().unwrap_err());
            let (_, d) = setup();
            refused(
                "HashMap<String, String>",
                d.extract::<HashMap<String, String>>().unwrap_err(),
            );
            let (_, d) = setup();
            refused("a derived struct", d.extract::<Keyed>().unwrap_err());
            let fine = libpython::eval("{'k': 'text'}").unwrap();
            assert_eq!(fine.extract::<Keyed>().unwrap().k, "text");
            let (lst, _) = setup();
            let read = libpython::attach(|py| {
                lst.bind(py)?
                    .try_iter()?
                    .extract::<String>()
                    .collect::<libpython::Result<Vec<String>>>()
            });
            refused("an iterator's items", read.unwrap_err());
        }
    );
}

#[test]
fn lists_and_tuples_being_filled_are_not_handed_out_by_the_collector() {
    in_child!(
        "lists_and_tuples_being_filled_are_not_handed_out_by_the_collector",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            // A collection at every allocation of a tracked object, and a callback that reads
            // every item of every list and tuple the collector knows: a container with an
            // empty slot found there crashes it.
            let g = Dict::new().unwrap();
            exec_in(
                "import gc\n\
                 def scan(phase, info):\n    \
                     n = 0\n    \
                     for o in gc.get_objects():\n        \
                         if type(o) in (list, tuple):\n            \
                             n += sum(1 for x in o if type(x) is not type)\n\
                 gc.callbacks.append(scan)\n\
                 old = gc.get_threshold()\n\
                 gc.set_threshold(1)",
                &g,
            );
            let maps: Vec<HashMap<String, i64>> = (0..20)
                .map(|i| HashMap::from([(format!("k{i}"), i)]))
                .collect();
            let list = libpython::to_python(&maps).unwrap();
            let tuple = libpython::to_python(&(
                maps.clone(),
                HashMap::from([("a".to_string(), 1)]),
                maps.clone(),
            ))
            .unwrap();
            let deque: std::collections::VecDeque<_> = maps.iter().cloned().collect();
            let from_deque = libpython::to_python(&deque).unwrap();
            exec_in("gc.callbacks.remove(scan)\ngc.set_threshold(*old)", &g);
            assert_eq!(list.len().unwrap(), 20);
            assert_eq!(tuple.len().unwrap(), 3);
            assert_eq!(from_deque.len().unwrap(), 20);
            let tracked = libpython::eval("__import__('gc').is_tracked").unwrap();
            for o in [&list, &tuple, &from_deque] {
                assert!(tracked.call((o,)).unwrap().extract::<bool>().unwrap());
            }
        }
    );
}

struct ClearsKwargs;

impl Bridge for ClearsKwargs {
    fn call(&self, args: &Args<'_>) -> libpython::Result<Object> {
        args.get(0).unwrap().call0()?;
        let x: String = args.kwarg_as("x")?.unwrap();
        x.to_python(args.py())
    }
}

#[test]
fn keyword_arguments_outlive_the_callers_dict() {
    in_child!(
        "keyword_arguments_outlive_the_callers_dict",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            let b = libpython::bridge(Arc::new(ClearsKwargs)).unwrap();
            let g = Dict::from_pairs([("b", &b)]).unwrap();
            exec_in(
                "import ctypes\ncall = ctypes.pythonapi.PyObject_Call\ncall.restype = ctypes.py_object\n\
             call.argtypes = [ctypes.py_object] * 3\nd = {'x': ''.join(['ab'] * 50)}\nr = call(b, (d.clear,), d)",
                &g,
            );
            assert_eq!(g.get_as::<String>("r").unwrap().unwrap(), "ab".repeat(50));
        }
    );
}

// ---- Casts are decided by a TypeId the library stored ----

struct Inner {
    text: String,
}

impl Bridge for Inner {}

/// Holds an `Inner`, and used to say so when asked what it wraps: the downcast trusted that
/// answer and read an `Outer` as an `Inner`.
struct Outer {
    _n: u64,
    inner: Inner,
}

impl Bridge for Outer {}

#[test]
fn bridged_downcasts_to_the_type_that_was_bridged_only() {
    python();
    let o = libpython::bridge(Arc::new(Outer {
        _n: 7,
        inner: Inner {
            text: "inner".into(),
        },
    }))
    .unwrap();
    let wrong = libpython::bridged::<Inner>(&o).unwrap();
    assert!(
        wrong.is_none(),
        "an Outer bridge downcast to Inner: {:?}",
        wrong.map(|i| i.text.clone())
    );
    let outer = libpython::bridged::<Outer>(&o).unwrap().unwrap();
    assert_eq!(outer.inner.text, "inner");
}

// ---- Safe functions check their preconditions ----

#[test]
fn a_nested_guard_without_the_gil_is_refused() {
    in_child!(
        "a_nested_guard_without_the_gil_is_refused",
        within = DEADLINE,
        {
            python();
            let key = Interpreter::main().unwrap().key();
            let g = libpython::interp::gil::acquire_interp_nested(key);
            assert!(
                matches!(g, Err(libpython::interp::Error::GilNotHeld)),
                "{g:?}"
            );
            drop(g);
            let n: i64 = libpython::eval("1 + 1").unwrap().extract().unwrap();
            assert_eq!(n, 2);
            let inside = libpython::attach(|_| {
                Ok(libpython::interp::gil::acquire_interp_nested(key).is_ok())
            })
            .unwrap();
            assert!(inside);
        }
    );
}

struct Huge;

impl Bridge for Huge {
    fn len(&self) -> libpython::Result<Option<usize>> {
        Ok(Some(usize::MAX))
    }
}

#[test]
fn a_bridge_length_beyond_isize_is_an_overflow_error() {
    python();
    let b = libpython::bridge(Arc::new(Huge)).unwrap();
    let g = Dict::from_pairs([("b", &b)]).unwrap();
    exec_in(
        "try:\n    len(b)\n    kind = 'none'\nexcept Exception as e:\n    kind = type(e).__name__",
        &g,
    );
    assert_eq!(
        g.get_as::<String>("kind").unwrap().unwrap(),
        "OverflowError"
    );
}

#[test]
fn a_vector_that_shrinks_during_an_assignment_raises_index_error() {
    python();
    let v = VecBridge::new(vec![1i64, 2, 3]);
    let v2 = v.clone();
    let shrink = libpython::function("shrink", None, move |_: &Args<'_>| {
        v2.vec().write().unwrap().clear();
        Ok(())
    })
    .unwrap();
    let g = Dict::from_pairs([
        ("v", libpython::bridge(v.clone()).unwrap()),
        ("shrink", shrink),
    ])
    .unwrap();
    exec_in(
        "class I:\n    def __index__(self):\n        shrink()\n        return 5\ntry:\n    v[0] = I()\n    kind = 'none'\nexcept BaseException as e:\n    kind = type(e).__name__",
        &g,
    );
    assert_eq!(g.get_as::<String>("kind").unwrap().unwrap(), "IndexError");
}

// ---- No Python runs under a Rust lock; re-entry is detected ----

#[test]
fn a_map_key_whose_hash_reenters_the_map_gets_runtime_error() {
    in_child!(
        "a_map_key_whose_hash_reenters_the_map_gets_runtime_error",
        within = DEADLINE,
        {
            python();
            // Not empty: a lookup in an empty map hashes nothing.
            let m = MapBridge::new(HashMap::from([(libpython::eval("'seed'").unwrap(), 0i64)]));
            let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
            exec_in(
                "errs = []\nclass K:\n    def __hash__(self):\n        try:\n            m['other'] = 1\n        except RuntimeError as e:\n            errs.append(str(e))\n        return 1\n\
             try:\n    m[K()]\nexcept KeyError:\n    pass",
                &g,
            );
            let errs: Vec<String> = g.get_as("errs").unwrap().unwrap();
            assert!(!errs.is_empty() && errs[0].contains("in use"), "{errs:?}");
        }
    );
}

#[test]
fn python_using_a_map_that_rust_holds_locked_gets_runtime_error() {
    in_child!(
        "python_using_a_map_that_rust_holds_locked_gets_runtime_error",
        within = DEADLINE,
        {
            python();
            let m = MapBridge::new(HashMap::<String, i64>::new());
            let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
            let guard = m.map().read().unwrap();
            let e = libpython::exec("m['x'] = 1", &g).unwrap_err();
            drop(guard);
            assert_eq!(
                e.as_python().map(|p| p.type_name().to_owned()).as_deref(),
                Some("RuntimeError"),
                "{e}"
            );
            exec_in("m['x'] = 1", &g);
            assert_eq!(m.map().read().unwrap().get("x"), Some(&1));
        }
    );
}

// ---- Lifecycle: no lock a slot function takes is held across Py_FinalizeEx ----

struct Plain;

impl Bridge for Plain {}

#[test]
fn finalize_with_a_live_bridge_finishes() {
    in_child!("finalize_with_a_live_bridge_finishes", within = DEADLINE, {
        python();
        let b = libpython::bridge(Arc::new(Plain)).unwrap();
        let main = libpython::run_simple_string("pass").unwrap().globals;
        main.insert("kept", &b).unwrap();
        drop((b, main));
        libpython::finalize().unwrap();
    });
}

// ---- Bounded resources ----

#[test]
fn references_dropped_during_a_long_python_loop_do_not_pile_up() {
    in_child!(
        "references_dropped_during_a_long_python_loop_do_not_pile_up",
        within = DEADLINE,
        {
            python();
            // A worker thread drops each object the callable makes (without the GIL, so the
            // reference is queued), and says when it has: exactly one reference is queued per call.
            let (tx, rx) = std::sync::mpsc::channel::<Object>();
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            let worker = std::thread::spawn(move || {
                for o in rx {
                    drop(o);
                    done_tx.send(()).unwrap();
                }
            });
            let link = Mutex::new((tx, done_rx));
            let make = libpython::function("make", None, move |a: &Args<'_>| {
                let o = a.py().eval("object()")?.unbind();
                let link = link.lock().unwrap();
                link.0.send(o).unwrap();
                link.1.recv().unwrap();
                Ok(Interpreter::main()?.queued_decrefs())
            })
            .unwrap();
            let g = Dict::from_pairs([("make", &make)]).unwrap();
            exec_in("peak = max(make() for _ in range(20000))", &g);
            let peak: usize = g.get_as("peak").unwrap().unwrap();
            drop((make, g));
            libpython::attach(|_| Ok(())).unwrap();
            drop(worker);
            // Before, every reference waited for the end of the loop (19,999); now each call
            // releases, once its body is done, what was queued until then: a body sees at most
            // the previous call's reference and its own.
            assert!(
                peak <= 2,
                "{peak} references waited in the queue while Python ran"
            );
        }
    );
}

#[test]
fn bridged_maps_that_hold_their_own_methods_are_collected() {
    python();
    let g = Dict::new().unwrap();
    let mut weak = Vec::new();
    for _ in 0..500 {
        let m = MapBridge::new(HashMap::<String, Object>::new());
        weak.push(Arc::downgrade(&m));
        g.insert("m", libpython::bridge(m).unwrap()).unwrap();
        exec_in("m['k'] = m.keys\ndel m", &g);
    }
    exec_in("import gc\ngc.collect()", &g);
    libpython::attach(|_| Ok(())).unwrap();
    let alive = weak.iter().filter(|w| w.upgrade().is_some()).count();
    assert_eq!(
        alive, 0,
        "{alive} of 500 maps outlived their last Python reference"
    );
}

/// The clones [`KeepsClones`] made.
static CLONES: Mutex<Vec<Object>> = Mutex::new(Vec::new());

/// A bridge whose `traverse` keeps a clone of what it holds: for another interpreter's object
/// the collector refuses the clone, which leaves a dead handle.
struct KeepsClones(Mutex<Option<Object>>);

impl Bridge for KeepsClones {
    fn traverse(&self, _visit: &mut libpython::Visit<'_>) {
        if let (Ok(held), Ok(mut clones)) = (self.0.try_lock(), CLONES.try_lock())
            && let Some(o) = held.as_ref()
        {
            clones.push(o.clone());
        }
    }
}

#[test]
fn a_dead_handle_cloned_adds_no_reference_to_the_object_at_its_address() {
    python();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let in_sub = libpython::with_interpreter(&sub, || libpython::eval("object()"))
        .unwrap()
        .unwrap();
    // The bridge holds the only `Arc`: the collector traverses it.
    let bridged =
        libpython::bridge(Arc::new(KeepsClones(Mutex::new(Some(in_sub.clone()))))).unwrap();
    libpython::run_simple_string("import gc; gc.collect()").unwrap();
    let dead = CLONES
        .lock()
        .unwrap()
        .pop()
        .expect("the collector traversed the bridge");
    let count = || libpython::with_interpreter(&sub, || refcount(&in_sub)).unwrap();
    let before = count();
    // From a thread that holds no GIL: a dead handle owns nothing and names no interpreter.
    let clones: Vec<Object> = std::thread::spawn(move || (0..100).map(|_| dead.clone()).collect())
        .join()
        .unwrap();
    assert_eq!(count(), before);
    drop((clones, bridged, in_sub));
    sub.end().unwrap();
}

#[test]
fn copying_another_interpreter_s_object_out_of_a_map_runs_no_python_under_its_lock() {
    in_child!(
        "copying_another_interpreter_s_object_out_of_a_map_runs_no_python_under_its_lock",
        {
            python();
            // A map of the main interpreter's objects, read from a sub-interpreter: the value
            // is copied (a reference added under the main GIL) under the map's lock.
            let m = MapBridge::new(HashMap::from([(
                "k".to_string(),
                libpython::eval("[1, 2, 3]").unwrap(),
            )]));
            let g = Dict::from_pairs([("m", libpython::bridge(m.clone()).unwrap())]).unwrap();
            // A release queued on the main interpreter whose `__del__` waits for a thread that
            // writes the map: run under the lock, it would wait for ever.
            exec_in(
                "import threading\n\
                 class D:\n\
                 \x20   def __del__(self):\n\
                 \x20       t = threading.Thread(target=lambda: m.__setitem__('z', 1))\n\
                 \x20       t.start()\n\
                 \x20       t.join()\n\
                 d = D()\n",
                &g,
            );
            let d = g.remove("d").unwrap().unwrap();
            let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
            let reader = std::thread::spawn(move || {
                libpython::with_interpreter(&sub, move || {
                    drop(d);
                    let g = Dict::from_pairs([("m", libpython::bridge(m).unwrap())]).unwrap();
                    exec_in(
                        "try:\n    m['k']\n    r = 'read'\nexcept Exception as e:\n    r = str(e)\n",
                        &g,
                    );
                    g.get_as::<String>("r").unwrap().unwrap()
                })
                .unwrap()
            });
            let r = libpython_tests::join_within(
                reader,
                Duration::from_secs(20),
                "the read waited for a destructor run under the map's lock",
            );
            // The object is the main interpreter's: refused in the sub-interpreter.
            assert!(r.contains("interpreter"), "{r}");
        }
    );
}

#[test]
fn a_bridged_object_and_key_that_their_caller_lets_go_during_a_slot_stay_alive() {
    in_child!(
        "a_bridged_object_and_key_that_their_caller_lets_go_during_a_slot_stay_alive",
        env = DEBUG_MALLOC,
        within = DEADLINE,
        {
            python();
            let g = Dict::namespace().unwrap();
            let make = libpython::function("make", None, |_a: &Args<'_>| {
                libpython::bridge(VecBridge::new(vec![1i64, 2, 3]))
            })
            .unwrap();
            g.insert("make", &make).unwrap();
            // `functools.partial` lends its stored arguments to the call; Python code run by
            // the slot (`extend` iterating `Evil`) replaces them, which frees the bridged
            // vector while `+=` works on it, and the slot returns it.
            exec_in(
                "import functools, operator, gc\n\
                 class Evil:\n\
                 \x20   def __iter__(self):\n\
                 \x20       p.__setstate__((operator.iadd, ([], []), None, None))\n\
                 \x20       gc.collect()\n\
                 \x20       return iter([4])\n\
                 p = functools.partial(operator.iadd, make(), Evil())\n\
                 r = p()\n\
                 got = list(r)\n",
                &g,
            );
            assert_eq!(g.get_as::<Vec<i64>>("got").unwrap().unwrap(), [1, 2, 3, 4]);
        }
    );
}
