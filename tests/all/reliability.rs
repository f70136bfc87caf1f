//! Reliability scenarios 2 to 5, 14, 18 and 21 to 28 of the scenarios list (the embedders'
//! anchors: PyO3, pythonnet, JPype, libpython-clj, CPython's embedding tests). Scenarios 1, 7 to
//! 13, 15 to 17, 19 and 20 are in `interp.rs`; scenario 6 (Py_DEBUG refcount deltas) is
//! `leaks.rs`; the `Value` model's side of 26 and 27 is `value.rs`; this file covers the
//! plain (typed) conversions' side. Scenario 28 is `cargo xtask valgrind` plus the
//! `PYTHONMALLOC=debug` test below.
//!
//! Tests that count references of objects other tests may share (the bridge type), install
//! process-wide hooks (signal handlers, `sys.unraisablehook`) or measure the process (RSS) run
//! in a child process of their own.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_int, c_long};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use libpython::{
    Args, Bridge, ClassBuilder, Dict, ErrorKind, Interpreter, MapBridge, Object, Python, VecBridge,
    Visit, attach, ffi,
};
use libpython_tests::bridge::{Node, NodeHooks};
use libpython_tests::namespace::get;
use libpython_tests::{assert_child_passes, in_child, is_child, python, refcount};

/// Drains the deferred-decref queue (by taking the GIL) and runs the cycle collector.
fn collect() -> usize {
    libpython::import("gc")
        .unwrap()
        .call_method("collect", ())
        .unwrap()
        .extract()
        .unwrap()
}

/// Counts drops of the value it is part of.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

fn run(code: &str) -> Dict {
    let g = Dict::new().unwrap();
    libpython::exec(code, &g).unwrap();
    g
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: the refcount of a bridge type over 1000 instances.
// ---------------------------------------------------------------------------------------------

struct Plain {
    _drops: DropCount,
}

impl Bridge for Plain {}

#[test]
fn the_bridge_type_and_a_rust_made_class_keep_their_refcounts_over_1000_instances() {
    in_child!(
        "the_bridge_type_and_a_rust_made_class_keep_their_refcounts_over_1000_instances",
        {
            python();
            let drops = counter();
            let first = libpython::bridge(Arc::new(Plain {
                _drops: DropCount(drops.clone()),
            }))
            .unwrap();
            let tp = first.get_type().unwrap();
            drop(first);
            collect();
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            let before = refcount(&tp);
            for _ in 0..1000 {
                let o = libpython::bridge(Arc::new(Plain {
                    _drops: DropCount(drops.clone()),
                }))
                .unwrap();
                assert_eq!(
                    o.get_type().unwrap().as_ptr(),
                    tp.as_ptr(),
                    "one bridge type per interpreter"
                );
                drop(o);
            }
            // Half of them dropped on threads without the GIL (queued, drained below).
            let batch: Vec<Object> = (0..1000)
                .map(|_| {
                    libpython::bridge(Arc::new(Plain {
                        _drops: DropCount(drops.clone()),
                    }))
                    .unwrap()
                })
                .collect();
            assert_eq!(
                refcount(&tp),
                before + 1000,
                "each instance holds its heap type"
            );
            std::thread::spawn(move || drop(batch)).join().unwrap();
            collect();
            assert_eq!(refcount(&tp), before, "the bridge type's refcount moved");
            assert_eq!(
                drops.load(Ordering::SeqCst),
                2001,
                "every instance's Rust data was dropped"
            );

            // A class made from Rust, with a Rust method: its instances and the method calls
            // leave the class's refcount where it was.
            let cls = ClassBuilder::new("Thing")
                .method("twice", |a: &Args<'_>| Ok(a.extract::<i64>(1)? * 2))
                .build()
                .unwrap();
            let before = refcount(&cls);
            for i in 0..1000i64 {
                let o = cls.call0().unwrap();
                assert_eq!(
                    o.call_method("twice", (i,))
                        .unwrap()
                        .extract::<i64>()
                        .unwrap(),
                    2 * i
                );
            }
            collect();
            assert_eq!(
                refcount(&cls),
                before,
                "the Rust-made class's refcount moved"
            );
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: one object pushed 10,000 times into a Rust-owned container bridged to Python.
// ---------------------------------------------------------------------------------------------

#[test]
fn ten_thousand_pushes_into_a_bridged_rust_vector_are_all_released() {
    in_child!(
        "ten_thousand_pushes_into_a_bridged_rust_vector_are_all_released",
        {
            python();
            let main = Interpreter::main().unwrap();
            let o = libpython::eval("object()").unwrap();
            let base = refcount(&o);
            // Twice: the Rust vector dropped last by Rust on a thread without the GIL (its
            // references are queued and drained), then by Python's deallocation (released at once).
            for rust_drops_last in [true, false] {
                let v = VecBridge::new(Vec::<Object>::new());
                let pv = libpython::bridge(v.clone()).unwrap();
                let g = Dict::new().unwrap();
                g.insert("v", &pv).unwrap();
                g.insert("o", &o).unwrap();
                libpython::exec("for _ in range(10000):\n    v.append(o)\nn = len(v)", &g).unwrap();
                assert_eq!(g.get_as::<usize>("n").unwrap(), Some(10_000));
                assert_eq!(v.vec().read().unwrap().len(), 10_000);
                assert_eq!(
                    refcount(&o) - base,
                    10_000 + 1,
                    "10,000 in the vector and one in the globals"
                );
                g.clear().unwrap();
                drop(g);
                if rust_drops_last {
                    drop(pv);
                    collect();
                    assert_eq!(
                        refcount(&o) - base,
                        10_000,
                        "the Rust vector still holds them"
                    );
                    std::thread::spawn(move || drop(v)).join().unwrap();
                    assert!(
                        main.queued_decrefs() >= 10_000,
                        "dropped without the GIL: queued"
                    );
                } else {
                    drop(v);
                    drop(pv);
                }
                collect();
                attach(|_| Ok(())).unwrap();
                assert_eq!(main.queued_decrefs(), 0);
                assert_eq!(
                    refcount(&o),
                    base,
                    "sys.getrefcount delta after dropping the container"
                );
            }
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 4: a __del__ counter on every value passed across; RSS stays flat.
// ---------------------------------------------------------------------------------------------

unsafe extern "C" {
    fn sysconf(name: c_int) -> c_long;
}

/// Resident set size in bytes, from `/proc/self/statm`.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    const SC_PAGESIZE: c_int = 30;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { sysconf(SC_PAGESIZE) };
    pages * page as u64
}

#[test]
fn values_passed_across_are_all_destroyed_and_rss_stays_flat() {
    in_child!(
        "values_passed_across_are_all_destroyed_and_rss_stays_flat",
        {
            python();
            const CALLS: usize = 5000;
            const ROUNDS: usize = 10;
            let kept = Arc::new(Mutex::new(Vec::<Object>::new()));
            let k = kept.clone();
            // Python passes a tracked value (and a list holding it) to Rust; Rust reads it, keeps
            // every tenth one (dropped later on another thread), and returns it.
            let rust = libpython::function("rust", None, move |a: &Args<'_>| {
                let t = a.get(0).unwrap();
                let v: i64 = t.getattr("v")?.extract()?;
                let pair: (Object, i64) = a.extract(1)?;
                assert_eq!(pair.1, v);
                if v % 10 == 0 {
                    k.lock().unwrap().push(t.to_owned().unbind());
                }
                Ok(t.to_owned().unbind())
            })
            .unwrap();
            let g = run("import gc\n\
             class Tracked:\n\
             \x20   created = 0\n\
             \x20   destroyed = 0\n\
             \x20   def __init__(self, v):\n\
             \x20       Tracked.created += 1\n\
             \x20       self.v = v\n\
             \x20   def __del__(self):\n\
             \x20       Tracked.destroyed += 1\n\
             def through(v, rust):\n\
             \x20   t = Tracked(v)\n\
             \x20   return rust(t, [t, v])\n\
             def alive():\n\
             \x20   gc.collect()\n\
             \x20   return Tracked.created - Tracked.destroyed\n");
            let through = get(&g, "through");
            let alive = get(&g, "alive");
            let tracked = get(&g, "Tracked");
            let round = |r: usize| {
                for i in 0..CALLS {
                    let v = (r * CALLS + i) as i64;
                    let back = through.call((v, &rust)).unwrap();
                    assert_eq!(back.getattr("v").unwrap().extract::<i64>().unwrap(), v);
                    // Rust-made values cross too: a tracked value built from Rust.
                    if i % 7 == 0 {
                        let t = tracked.call((v,)).unwrap();
                        let copy = t.clone();
                        std::mem::drop(t);
                        assert_eq!(copy.getattr("v").unwrap().extract::<i64>().unwrap(), v);
                    }
                }
                let batch = std::mem::take(&mut *kept.lock().unwrap());
                assert_eq!(batch.len(), CALLS / 10);
                std::thread::spawn(move || drop(batch)).join().unwrap();
                let n: i64 = alive.call0().unwrap().extract().unwrap();
                assert_eq!(
                    n, 0,
                    "tracked values created minus destroyed after round {r}"
                );
            };
            // Warm-up: caches, free lists, arenas (RSS steps once, by about 300 KiB, in the first
            // two rounds).
            round(0);
            round(1);
            round(2);
            let start = rss_bytes();
            // RSS after each round: a leak grows it every round; the allocator taking one more
            // arena (256 KiB at once) is a single step. The median growth per round tells the
            // two apart, so a leak of 4 bytes a call (20 KB a round) still fails.
            let mut deltas = Vec::with_capacity(ROUNDS);
            let mut prev = start;
            for r in 3..3 + ROUNDS {
                round(r);
                let now = rss_bytes();
                deltas.push(now as f64 - prev as f64);
                prev = now;
            }
            let end = prev;
            deltas.sort_by(f64::total_cmp);
            let median = deltas[deltas.len() / 2];
            let per_call = median / CALLS as f64;
            println!(
                "RSS {start} -> {end} bytes over {} calls; median growth a round {median} bytes: {per_call:.3} bytes a call",
                ROUNDS * CALLS
            );
            let created: i64 = tracked.getattr("created").unwrap().extract().unwrap();
            assert_eq!(created as usize, (3 + ROUNDS) * (CALLS + CALLS.div_ceil(7)));
            // Under valgrind the process's RSS is valgrind's (shadow memory, freed blocks held
            // back to catch use after free), not the program's.
            let under_valgrind = std::fs::read_to_string("/proc/self/maps")
                .unwrap()
                .contains("vgpreload");
            assert!(
                per_call < 4.0 || under_valgrind,
                "RSS grew {per_call:.3} bytes a call ({start} -> {end})"
            );
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 5: Rust data owned by a Python object is dropped with it, cycles included.
// ---------------------------------------------------------------------------------------------

/// A [`Node`] whose drop is counted.
fn counted_node(drops: &Arc<AtomicUsize>) -> Arc<Node<DropCount>> {
    Arc::new(Node::new(DropCount(drops.clone())))
}

impl NodeHooks for DropCount {}

#[test]
fn bridged_rust_data_is_dropped_with_its_python_object() {
    python();
    let drops = counter();
    let n = libpython::bridge(counted_node(&drops)).unwrap();
    n.setattr("held", libpython::eval("[1, 2]").unwrap())
        .unwrap();
    assert_eq!(
        n.getattr("held").unwrap().extract::<Vec<i64>>().unwrap(),
        [1, 2]
    );
    drop(n);
    libpython_tests::wait_for_refcount_release(|| drops.load(Ordering::SeqCst) == 1);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "no cycle: freed by reference counting"
    );
    // Kept alive by Python alone (a dict entry), freed when Python lets go.
    let d = run("keep = {}");
    get(&d, "keep")
        .set_item("n", libpython::bridge(counted_node(&drops)).unwrap())
        .unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    libpython::exec("del keep['n']", &d).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn bridges_in_reference_cycles_are_collected_by_gc() {
    in_child!("bridges_in_reference_cycles_are_collected_by_gc", {
        python();
        let drops = counter();
        let gc = libpython::import("gc").unwrap();
        // A bridge holding itself, a bridge holding a list holding it, and a ring of 100.
        let a = libpython::bridge(counted_node(&drops)).unwrap();
        a.setattr("held", &a).unwrap();
        let b = libpython::bridge(counted_node(&drops)).unwrap();
        let l = libpython::eval("[]").unwrap();
        l.call_method("append", (&b,)).unwrap();
        b.setattr("held", &l).unwrap();
        let ring: Vec<Object> = (0..100)
            .map(|_| libpython::bridge(counted_node(&drops)).unwrap())
            .collect();
        for i in 0..100 {
            ring[i].setattr("held", &ring[(i + 1) % 100]).unwrap();
        }
        assert!(
            gc.call_method("is_tracked", (&a,))
                .unwrap()
                .extract::<bool>()
                .unwrap()
        );
        drop((a, b, l, ring));
        attach(|_| Ok(())).unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "cycles are not freed by reference counting"
        );
        let found = collect();
        assert!(found >= 102, "gc.collect() found {found} objects");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            102,
            "every bridge in a cycle was dropped by gc.collect()"
        );
    });
}

/// One bridged container in a cycle: a Python `Probe` whose `back` attribute is the bridged
/// container, which holds the probe (`hold` puts it in, `b` being the container). Returns a
/// weak reference to the probe; the Rust side only keeps `bridged`.
fn probe_cycle(bridged: Object, hold: &str) -> Object {
    let g = run("import weakref\nclass Probe:\n    pass\n");
    g.insert("b", bridged).unwrap();
    libpython::exec(
        &format!("p = Probe()\np.back = b\n{hold}\nw = weakref.ref(p)\ndel p, b"),
        &g,
    )
    .unwrap();
    get(&g, "w")
}

fn probe_alive(w: &Object) -> bool {
    !w.call0().unwrap().is_none().unwrap()
}

#[test]
fn cycles_through_bridged_rust_vectors_and_maps_are_collected_by_gc() {
    python();
    // Each case: the bridged container's Python object, how Python puts the probe in, whether
    // the Rust container is still alive, how many items it holds, and Rust's last `Arc`.
    type Case = (
        Object,
        &'static str,
        Box<dyn Fn() -> bool>,
        Box<dyn Fn() -> usize>,
        Box<dyn Any>,
    );
    fn case<T: Bridge>(
        arc: Arc<T>,
        hold: &'static str,
        len: impl Fn(&T) -> usize + 'static,
    ) -> Case {
        let weak = Arc::downgrade(&arc);
        let weak2 = weak.clone();
        (
            libpython::bridge(arc.clone()).unwrap(),
            hold,
            Box::new(move || weak.upgrade().is_some()),
            Box::new(move || weak2.upgrade().map_or(0, |a| len(&a))),
            Box::new(arc),
        )
    }
    let cases: Vec<Case> = vec![
        case(VecBridge::new(Vec::<Object>::new()), "b.append(p)", |v| {
            v.vec().read().unwrap().len()
        }),
        case(
            VecBridge::new(Vec::<Option<Object>>::new()),
            "b.append(p)",
            |v| v.vec().read().unwrap().len(),
        ),
        case(
            VecBridge::new(Vec::<Vec<Object>>::new()),
            "b.append([p, p])",
            |v| v.vec().read().unwrap().len(),
        ),
        case(
            MapBridge::new(HashMap::<String, Object>::new()),
            "b['p'] = p",
            |m| m.map().read().unwrap().len(),
        ),
        case(
            MapBridge::new(BTreeMap::<i64, Option<Object>>::new()),
            "b[1] = p",
            |m| m.map().read().unwrap().len(),
        ),
    ];
    // `imbl`'s persistent collections share nodes between clones, so a handle in one may not
    // be the bridge's alone: their objects are not reported, and a cycle through one stays.
    let shared: Vec<Case> = vec![
        case(
            VecBridge::new(imbl::Vector::<Object>::new()),
            "b.append(p)",
            |v| v.vec().read().unwrap().len(),
        ),
        case(
            MapBridge::new(imbl::OrdMap::<String, Object>::new()),
            "b['p'] = p",
            |m| m.map().read().unwrap().len(),
        ),
    ];
    for (i, (bridged, hold, rust_alive, _len, arc)) in shared.into_iter().enumerate() {
        let w = probe_cycle(bridged, hold);
        drop(arc);
        collect();
        assert!(
            probe_alive(&w),
            "imbl case {i}: an object in shared nodes was reported"
        );
        assert!(rust_alive(), "imbl case {i}");
    }
    for (i, (bridged, hold, rust_alive, len, arc)) in cases.into_iter().enumerate() {
        let w = probe_cycle(bridged, hold);
        assert_eq!(len(), 1, "case {i}: the probe went in");
        // While Rust holds the container it can still reach the probe: nothing is collected,
        // and the collector does not empty the container.
        collect();
        assert!(
            probe_alive(&w),
            "case {i}: collected while Rust holds the container"
        );
        assert_eq!(len(), 1, "case {i}: emptied while Rust holds the container");
        // Only the cycle holds it now: reference counting cannot free it, the collector does.
        drop(arc);
        attach(|_| Ok(())).unwrap();
        assert!(rust_alive(), "case {i}: freed without a collection");
        assert!(probe_alive(&w));
        collect();
        assert!(
            !probe_alive(&w),
            "case {i}: the probe in the cycle was not freed by gc.collect()"
        );
        assert!(
            !rust_alive(),
            "case {i}: the Rust container in the cycle was not dropped"
        );
    }
}

#[test]
fn python_code_run_by_a_bridged_vector_may_use_that_vector() {
    python();
    // `x in v` compares with the items' `__eq__`, Python code that appends to `v`: the
    // vector's lock must not be held meanwhile (it was, and the append waited forever).
    let v = VecBridge::new(Vec::<Object>::new());
    let pv = libpython::bridge(v.clone()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let g = run(
            "class Loud:\n    def __eq__(self, other):\n        v.append(other)\n        return False\n",
        );
        g.insert("v", pv).unwrap();
        let r = libpython::exec("v.append(Loud())\nfound = 7 in v\nn = len(v)", &g)
            .map(|()| (g.get_as::<bool>("found"), g.get_as::<usize>("n")));
        let _ = tx.send(format!("{r:?}"));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("`in` on a bridged vector whose item's __eq__ appends to it did not finish");
    assert_eq!(got, "Ok((Ok(Some(false)), Ok(Some(2))))");
    assert_eq!(v.vec().read().unwrap().len(), 2);
}

#[test]
fn closures_are_dropped_with_their_function_objects() {
    python();
    let drops = counter();
    let d = DropCount(drops.clone());
    let f = libpython::function("f", None, move |_a: &Args<'_>| {
        let _keep = &d;
        Ok(1)
    })
    .unwrap();
    assert_eq!(f.call0().unwrap().extract::<i64>().unwrap(), 1);
    // Dropped on a thread without the GIL: queued, then released at the next acquisition.
    std::thread::spawn(move || drop(f)).join().unwrap();
    libpython_tests::wait_for_refcount_release(|| drops.load(Ordering::SeqCst) == 1);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    // A closure holding a Python object that holds the function: the capsule that owns the
    // closure is not traversed by the collector, so this cycle is only freed once it is
    // broken by hand (clearing the list); after that the closure and its data go at once.
    let d = DropCount(drops.clone());
    let l = libpython::eval("[]").unwrap();
    let held = l.clone();
    let f = libpython::function("g", None, move |_a: &Args<'_>| {
        let _keep = (&d, &held);
        Ok(2)
    })
    .unwrap();
    l.call_method("append", (&f,)).unwrap();
    drop(f);
    assert_eq!(
        l.get_item(0)
            .unwrap()
            .call0()
            .unwrap()
            .extract::<i64>()
            .unwrap(),
        2
    );
    l.call_method("clear", ()).unwrap();
    libpython_tests::wait_for_refcount_release(|| drops.load(Ordering::SeqCst) == 2);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        2,
        "the closure went with its function once nothing held it"
    );
    drop(l);
}

// ---------------------------------------------------------------------------------------------
// Scenario 14: KeyboardInterrupt into looping Python code; the host's signal handlers.
// ---------------------------------------------------------------------------------------------

unsafe extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
    fn raise(sig: c_int) -> c_int;
}

const SIGINT: c_int = 2;
const SIGUSR1: c_int = 10;
const SIGTERM: c_int = 15;
const SIG_DFL: usize = 0;

static HOST_HANDLER_CALLS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn host_handler(_sig: c_int) {
    HOST_HANDLER_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn keyboard_interrupt_stops_looping_python_and_host_signal_handlers_still_fire() {
    in_child!(
        "keyboard_interrupt_stops_looping_python_and_host_signal_handlers_still_fire",
        {
            assert!(!libpython::interp::is_running());
            // SAFETY: installing a handler that only touches an atomic, and leaving SIGINT at
            // its default (a process started in the background by a shell inherits it
            // ignored); no other thread uses signals in this child process.
            unsafe {
                signal(SIGUSR1, host_handler as *const () as usize);
                signal(SIGTERM, host_handler as *const () as usize);
                signal(SIGINT, SIG_DFL);
            }
            python();
            // Python started without installing handlers: SIGINT is still the default.
            // SAFETY: reading a signal disposition (sigaction with no new action).
            let sigint = unsafe { ffi::PyOS_getsig(SIGINT) };
            assert_eq!(sigint, SIG_DFL, "start-up installed a SIGINT handler");
            // Modules that deal with signals leave the host's handlers alone; Python sees them as
            // foreign (None) and takes over SIGINT only because it was left at the default.
            let g = run("import signal, subprocess, threading, asyncio\n\
             usr1 = signal.getsignal(signal.SIGUSR1)\n\
             term = signal.getsignal(signal.SIGTERM)\n\
             int_is_python = signal.getsignal(signal.SIGINT) is signal.default_int_handler\n");
            assert!(
                get(&g, "usr1").is_none().unwrap() && get(&g, "term").is_none().unwrap(),
                "Python claims the host's handlers"
            );
            assert!(g.get_as::<bool>("int_is_python").unwrap().unwrap());
            // SAFETY: raising a signal whose handler only touches an atomic.
            unsafe {
                raise(SIGUSR1);
                raise(SIGTERM);
            }
            assert_eq!(
                HOST_HANDLER_CALLS.load(Ordering::SeqCst),
                2,
                "the host's handlers did not fire"
            );

            // KeyboardInterrupt into a looping Python thread (PyThreadState_SetAsyncExc).
            let g = run("import threading\n\
             started = threading.Event()\n\
             caught = []\n\
             def loop():\n\
             \x20   started.set()\n\
             \x20   try:\n\
             \x20       while True:\n\
             \x20           pass\n\
             \x20   except KeyboardInterrupt:\n\
             \x20       caught.append('KeyboardInterrupt')\n\
             t = threading.Thread(target=loop)\n\
             t.start()\n\
             started.wait()\n");
            let t = get(&g, "t");
            let ident: u64 = t.getattr("ident").unwrap().extract().unwrap();
            let n = attach(|_| {
                // SAFETY: GIL held; the exception class is a live builtin; the id is a live thread's.
                Ok(unsafe {
                    ffi::PyThreadState_SetAsyncExc(
                        ident as _,
                        *ffi::data::PyExc_KeyboardInterrupt(),
                    )
                })
            })
            .unwrap();
            assert_eq!(n, 1, "one thread state modified");
            t.call_method("join", (60.0,)).unwrap();
            assert!(
                !t.call_method("is_alive", ())
                    .unwrap()
                    .extract::<bool>()
                    .unwrap(),
                "the looping thread was not stopped"
            );
            assert_eq!(
                g.get_as::<Vec<String>>("caught").unwrap().unwrap(),
                ["KeyboardInterrupt"]
            );

            // KeyboardInterrupt into Python looping on the thread that started it (a simulated
            // SIGINT, PyErr_SetInterruptEx), sent from another Rust thread once the loop runs.
            let looping = Arc::new(AtomicBool::new(false));
            let l = looping.clone();
            let ready = libpython::function("ready", None, move |_a: &Args<'_>| {
                l.store(true, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
            // The interrupter keeps interrupting until the loop has stopped, and the loop has a
            // deadline, so a lost interrupt fails the test instead of hanging it.
            let stopped = Arc::new(AtomicBool::new(false));
            let stop_seen = stopped.clone();
            let interrupter = std::thread::spawn(move || {
                while !looping.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                while !stop_seen.load(Ordering::SeqCst) {
                    // SAFETY: both functions may be called without the GIL (they only set a flag).
                    unsafe {
                        match ffi::api().PyErr_SetInterruptEx {
                            Some(f) => assert_eq!(f(SIGINT), 0),
                            None => ffi::PyErr_SetInterrupt(),
                        }
                    }
                    // Up to 3.12 a signal tripped on another thread than Python's main thread
                    // does not set the main thread's eval breaker by itself; the main thread
                    // notices the pending signal when it next checks the breaker, which a
                    // request for the GIL from another thread makes it do (every real host also
                    // does something of the sort). 3.13 sets the main thread's breaker directly.
                    attach(|_| Ok(())).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            });
            let g = Dict::new().unwrap();
            g.insert("ready", &ready).unwrap();
            let e = libpython::exec(
                "import time
ready()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    pass
raise TimeoutError('no KeyboardInterrupt within 60 s')
",
                &g,
            )
            .unwrap_err();
            stopped.store(true, Ordering::SeqCst);
            interrupter.join().unwrap();
            // An interrupt sent after the loop stopped may still be pending: handle it now.
            attach(|_| {
                // SAFETY: GIL held; a KeyboardInterrupt raised by a pending signal is cleared.
                unsafe {
                    if ffi::PyErr_CheckSignals() < 0 {
                        ffi::PyErr_Clear();
                    }
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(
                e.as_python().map(|p| p.type_name().to_owned()),
                Some("KeyboardInterrupt".into()),
                "{e}"
            );
            // Python carries on, and the host's handler still fires.
            assert_eq!(
                libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(),
                2
            );
            // SAFETY: as above.
            unsafe { raise(SIGUSR1) };
            assert_eq!(HOST_HANDLER_CALLS.load(Ordering::SeqCst), 3);
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 18: multiprocessing does not re-run the host binary.
// ---------------------------------------------------------------------------------------------

#[test]
fn multiprocessing_spawns_the_real_interpreter_not_the_host_binary() {
    in_child!(
        "multiprocessing_spawns_the_real_interpreter_not_the_host_binary",
        {
            python();
            let g = run(
                "import os, sys, multiprocessing as mp, multiprocessing.spawn as spawn\n\
             exe = sys.executable\n\
             spawn_exe = os.fsdecode(spawn.get_executable())\n\
             ctx = mp.get_context('spawn')\n\
             with ctx.Pool(2) as pool:\n\
             \x20   result = pool.map_async(abs, [-1, -2, -3, -4]).get(timeout=300)\n",
            );
            let host = std::env::current_exe().unwrap();
            let exe: String = g.get_as("exe").unwrap().unwrap();
            let spawn_exe: String = g.get_as("spawn_exe").unwrap().unwrap();
            assert_ne!(
                std::path::Path::new(&exe),
                host,
                "sys.executable is the host binary"
            );
            assert_ne!(
                std::path::Path::new(&spawn_exe),
                host,
                "multiprocessing would spawn the host binary"
            );
            let name = std::path::Path::new(&spawn_exe)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(name.starts_with("python"), "spawned executable {spawn_exe}");
            assert_eq!(
                g.get_as::<Vec<i64>>("result").unwrap().unwrap(),
                [1, 2, 3, 4]
            );
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 21: panics at every entry point from C become Python exceptions.
// ---------------------------------------------------------------------------------------------

struct Bomb;

impl Bridge for Bomb {
    fn get_attr(&self, _py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        if name == "boom" {
            panic!("attribute boom");
        }
        Ok(None)
    }
    fn call(&self, _args: &Args<'_>) -> libpython::Result<Object> {
        panic!("call boom")
    }
    fn len(&self) -> libpython::Result<Option<usize>> {
        panic!("len boom")
    }
    fn get_item(&self, _py: Python<'_>, _key: &libpython::Bound<'_>) -> libpython::Result<Object> {
        std::panic::panic_any(42u8)
    }
    fn iter(&self, _py: Python<'_>) -> libpython::Result<Object> {
        panic!("iter {}", "boom\0with a NUL")
    }
    fn repr(&self) -> String {
        panic!("repr boom")
    }
}

fn assert_panic_exception(r: libpython::Result<Object>, needle: &str) {
    let e = r.unwrap_err();
    let p = e
        .as_python()
        .unwrap_or_else(|| panic!("not a Python exception: {e:?}"));
    assert_eq!(p.type_name(), "RustPanic", "{e}");
    assert!(
        p.message().contains(needle),
        "{:?} lacks {needle:?}",
        p.message()
    );
}

#[test]
fn panics_in_bridge_methods_become_python_exceptions() {
    python();
    let b = libpython::bridge(Arc::new(Bomb)).unwrap();
    assert_panic_exception(b.getattr("boom"), "attribute boom");
    assert_panic_exception(b.call0(), "call boom");
    assert_panic_exception(
        b.len().map(|_| libpython::eval("None").unwrap()),
        "len boom",
    );
    assert_panic_exception(b.get_item(1), "non-string payload");
    assert_panic_exception(
        b.try_iter().map(|i| i.as_object().clone()),
        "boom\\0with a NUL",
    );
    assert_panic_exception(
        b.repr().map(|_| libpython::eval("None").unwrap()),
        "repr boom",
    );
    assert!(format!("{b:?}").contains("repr failed"));
    // `bool(b)` asks for the length too.
    assert_panic_exception(
        b.is_truthy().map(|_| libpython::eval("None").unwrap()),
        "len boom",
    );
    // Python code can catch it as a BaseException and carry on.
    let g = Dict::new().unwrap();
    g.insert("b", &b).unwrap();
    libpython::exec(
        "try:\n    b.boom\nexcept BaseException as e:\n    kind = type(e).__name__\n",
        &g,
    )
    .unwrap();
    assert_eq!(g.get_as::<String>("kind").unwrap().unwrap(), "RustPanic");
    assert_eq!(
        b.getattr("__class__")
            .unwrap()
            .getattr("__name__")
            .unwrap()
            .extract::<String>()
            .unwrap(),
        "RustObject"
    );
}

#[test]
fn a_panic_in_a_callback_on_a_python_thread_reaches_that_thread_as_an_exception() {
    python();
    let f = libpython::function("explode", None, |_a: &Args<'_>| -> libpython::Result<i64> {
        panic!("from a Python thread")
    })
    .unwrap();
    let g = Dict::new().unwrap();
    g.insert("explode", &f).unwrap();
    libpython::exec(
        "import threading\n\
         seen = []\n\
         def body():\n\
         \x20   try:\n\
         \x20       explode()\n\
         \x20   except BaseException as e:\n\
         \x20       seen.append(str(e))\n\
         t = threading.Thread(target=body)\n\
         t.start()\n\
         t.join()\n",
        &g,
    )
    .unwrap();
    let seen: Vec<String> = g.get_as("seen").unwrap().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("from a Python thread"), "{seen:?}");
}

/// A [`Node`] whose destructor-time hooks panic: in `clear` (the collector breaking a cycle)
/// if `in_clear`, else in `on_python_drop` (deallocation).
fn panics_late(in_clear: bool) -> Arc<Node<PanicsLate>> {
    Arc::new(Node::new(PanicsLate { in_clear }))
}

struct PanicsLate {
    in_clear: bool,
}

impl NodeHooks for PanicsLate {
    fn after_clear(&self) {
        if self.in_clear {
            panic!("panic in clear");
        }
    }
    fn on_python_drop(&self) {
        if !self.in_clear {
            panic!("panic in on_python_drop");
        }
    }
}

#[test]
fn panics_in_destructors_and_the_collector_are_reported_as_unraisable_not_aborts() {
    in_child!(
        "panics_in_destructors_and_the_collector_are_reported_as_unraisable_not_aborts",
        {
            python();
            let g = run(
                "import sys, gc\nseen = []\nsys.unraisablehook = lambda u: seen.append(str(u.exc_value))\n",
            );
            // In on_python_drop (deallocation). The deallocation still completes: the
            // instance is freed and gives back its reference to the bridge type.
            let probe = libpython::bridge(panics_late(true)).unwrap();
            let tp = probe.get_type().unwrap();
            drop(probe);
            attach(|_| Ok(())).unwrap();
            let type_refs = refcount(&tp);
            let b = libpython::bridge(panics_late(false)).unwrap();
            drop(b);
            attach(|_| Ok(())).unwrap();
            assert_eq!(
                refcount(&tp),
                type_refs,
                "after a panic in on_python_drop the instance was not freed (it still holds its type)"
            );
            // In Bridge::clear, called by the collector breaking a cycle.
            let c = libpython::bridge(panics_late(true)).unwrap();
            c.setattr("held", &c).unwrap();
            drop(c);
            collect();
            // In the drop of a closure's captured data (dropped with the function's `self`).
            struct PanicOnDrop;
            impl Drop for PanicOnDrop {
                fn drop(&mut self) {
                    panic!("panic in a captured value's drop");
                }
            }
            let p = PanicOnDrop;
            let f = libpython::function("f", None, move |_a: &Args<'_>| {
                let _keep = &p;
                Ok(())
            })
            .unwrap();
            drop(f);
            attach(|_| Ok(())).unwrap();
            let seen: Vec<String> = g.get_as("seen").unwrap().unwrap();
            for needle in [
                "panic in on_python_drop",
                "panic in clear",
                "panic in a captured value's drop",
            ] {
                assert!(
                    seen.iter().any(|s| s.contains(needle)),
                    "{needle:?} not reported: {seen:?}"
                );
            }
            assert_eq!(
                libpython::eval("2 + 2").unwrap().extract::<i64>().unwrap(),
                4,
                "Python is fine afterwards"
            );
        }
    );
}

/// A bridge whose `traverse` panics (a bug in the bridge: it must not unwind into the
/// collector, which is C).
struct PanicsInTraverse;

impl Bridge for PanicsInTraverse {
    fn traverse(&self, _visit: &mut Visit<'_>) {
        panic!("panic in traverse");
    }
}

#[test]
fn a_panic_in_bridge_traverse_does_not_abort_the_process() {
    in_child!("a_panic_in_bridge_traverse_does_not_abort_the_process", {
        python();
        let b = libpython::bridge(Arc::new(PanicsInTraverse)).unwrap();
        // The collector visits every tracked object, this one included.
        let _ = libpython::import("gc").unwrap().call_method("collect", ());
        assert_eq!(
            libpython::eval("3 * 3").unwrap().extract::<i64>().unwrap(),
            9
        );
        drop(b);
    });
}

/// A bridge whose `traverse` tries what the collector forbids: running Python code through an
/// object it holds and through `attach`, releasing the GIL, and dropping the last reference to
/// an object (which would free it while the collector walks its lists).
struct MisbehavesInTraverse {
    held: Object,
    dropped: Mutex<Option<Object>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Bridge for MisbehavesInTraverse {
    fn traverse(&self, visit: &mut Visit<'_>) {
        let Ok(mut seen) = self.seen.try_lock() else {
            return;
        };
        let outcome = |r: libpython::Result<String>| match r {
            Ok(v) => format!("ran Python: {v}"),
            Err(e) => format!("refused: {e}"),
        };
        seen.push(outcome(self.held.repr()));
        seen.push(outcome(attach(|py| {
            py.eval("'evaluated'")?.extract::<String>()
        })));
        seen.push(format!("detach gave {}", libpython::detach(|| 7)));
        let copy = self.held.clone();
        seen.push(format!(
            "a clone is alive: {}",
            copy.interpreter_key() == self.held.interpreter_key()
        ));
        drop(copy);
        drop(self.dropped.lock().unwrap().take());
        // SAFETY: the handle is this object's own field, reported once.
        unsafe { visit.call(&self.held) };
    }
}

#[test]
fn a_bridge_traverse_cannot_run_python_or_free_objects() {
    in_child!("a_bridge_traverse_cannot_run_python_or_free_objects", {
        python();
        let g = Dict::new().unwrap();
        libpython::exec(
            "import gc, weakref\nclass Victim: pass\nvictim = Victim()\nw = weakref.ref(victim)",
            &g,
        )
        .unwrap();
        let victim = g.get("victim").unwrap().unwrap();
        g.del_item("victim").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let b = libpython::bridge(Arc::new(MisbehavesInTraverse {
            held: libpython::eval("[1, 2]").unwrap(),
            dropped: Mutex::new(Some(victim)),
            seen: seen.clone(),
        }))
        .unwrap();
        libpython::exec("gc.collect()", &g).unwrap();
        let seen = seen.lock().unwrap().clone();
        assert!(
            seen.len() >= 4,
            "the collector traversed the bridge: {seen:?}"
        );
        for line in &seen[..2] {
            assert!(
                line.starts_with("refused:") && line.contains("garbage collector"),
                "Python ran inside a traversal: {seen:?}"
            );
        }
        assert_eq!(seen[2], "detach gave 7");
        assert_eq!(seen[3], "a clone is alive: true");
        // The reference dropped in the traversal is released afterwards, once the GIL is
        // taken again.
        libpython::exec("gc.collect()\nfreed = w() is None", &g).unwrap();
        assert!(g.get_as::<bool>("freed").unwrap().unwrap());
        assert_eq!(
            libpython::eval("3 * 3").unwrap().extract::<i64>().unwrap(),
            9
        );
        drop(b);
    });
}

// ---------------------------------------------------------------------------------------------
// Scenario 22: exceptions that cannot be formatted.
// ---------------------------------------------------------------------------------------------

#[test]
fn exceptions_whose_str_or_traceback_misbehave_still_give_error_values() {
    python();
    let cases = [
        (
            "class E(Exception):\n    def __str__(self):\n        return 5\nraise E()",
            "E",
        ),
        (
            "class E(Exception):\n    def __str__(self):\n        return 'a\\ud800b'\nraise E()",
            "E",
        ),
        (
            "class E(Exception):\n    def __str__(self):\n        raise SystemExit(3)\nraise E()",
            "E",
        ),
        (
            "class E(Exception):\n    def __str__(self):\n        raise KeyboardInterrupt\nraise E()",
            "E",
        ),
        (
            "class E(Exception):\n    @property\n    def __traceback__(self):\n        raise RuntimeError('no tb')\nraise E('msg')",
            "E",
        ),
        (
            "e = ValueError('loop')\ne.__context__ = e\ne.__cause__ = e\nraise e",
            "ValueError",
        ),
        ("raise ValueError('x' * 1000000)", "ValueError"),
        ("def f(n):\n    return f(n + 1)\nf(0)", "RecursionError"),
    ];
    for (code, ty) in cases {
        let g = Dict::new().unwrap();
        let e = libpython::exec(code, &g).unwrap_err();
        let p = e
            .as_python()
            .unwrap_or_else(|| panic!("{code}: not a Python exception: {e:?}"));
        assert_eq!(p.type_name(), ty, "{code}");
        assert!(!e.to_string().is_empty());
        assert!(p.value().is_some());
    }
    // Python is fine afterwards, and no exception was left pending.
    assert_eq!(libpython::eval("1").unwrap().extract::<i64>().unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// Scenarios 23 to 25: edge conversions not covered by api_conversions.rs.
// ---------------------------------------------------------------------------------------------

fn py(expr: &str) -> Object {
    libpython::eval(expr).unwrap()
}

#[test]
fn integer_edges() {
    python();
    assert!(matches!(
        py("-1").extract::<u128>().unwrap_err().kind(),
        ErrorKind::Overflow { target: "u128", .. }
    ));
    assert!(matches!(
        py("1 << 127").extract::<i128>().unwrap_err().kind(),
        ErrorKind::Overflow { target: "i128", .. }
    ));
    assert_eq!(py("-(1 << 127)").extract::<i128>().unwrap(), i128::MIN);
    assert!(matches!(
        py("1 << 64").extract::<u64>().unwrap_err().kind(),
        ErrorKind::Overflow { target: "u64", .. }
    ));
    assert!(matches!(
        py("-129").extract::<i8>().unwrap_err().kind(),
        ErrorKind::Overflow { target: "i8", .. }
    ));
    // A huge value's error message is shortened, not ten thousand digits.
    let e = py("10 ** 10000").extract::<i64>().unwrap_err();
    assert!(e.to_string().len() < 200, "{}", e.to_string().len());
    let big: num_bigint::BigInt = py("-(10 ** 10000)").extract().unwrap();
    assert_eq!(big.to_string().len(), 10002);
    assert!(matches!(
        py("1.5")
            .extract::<num_bigint::BigInt>()
            .unwrap_err()
            .kind(),
        ErrorKind::Type { .. }
    ));
    assert!(matches!(
        py("'7'").extract::<u8>().unwrap_err().kind(),
        ErrorKind::Type { .. }
    ));
    // bool is an int subclass in Python.
    assert_eq!(py("True").extract::<i64>().unwrap(), 1);
    // __index__ that raises, or returns a non-int, is an error, not a crash.
    let g = run(
        "class BadIndex:\n    def __index__(self):\n        raise ValueError('bad index')\n\
         class WrongIndex:\n    def __index__(self):\n        return 'seven'\n\
         a = BadIndex()\nb = WrongIndex()\n",
    );
    let e = get(&g, "a").extract::<i64>().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "ValueError");
    let e = get(&g, "b").extract::<u32>().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "TypeError");
    assert!(get(&g, "a").extract::<i128>().is_err());
    assert!(get(&g, "b").extract::<num_bigint::BigInt>().is_err());
}

#[test]
fn float_edges_keep_their_bits() {
    python();
    let specials = [
        f64::from_bits(1),                     // the smallest subnormal
        f64::from_bits(0x000f_ffff_ffff_ffff), // the largest subnormal
        -f64::MIN_POSITIVE,
        f64::from_bits(0x7ff8_0000_0000_1234), // a quiet NaN with a payload
        f64::from_bits(0xfff8_0000_0000_0000), // a negative NaN
        -0.0,
    ];
    for v in specials {
        let back: f64 = libpython::to_python(&v).unwrap().extract().unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{v:e}");
    }
    assert!(py("float('-inf')").extract::<f64>().unwrap() == f64::NEG_INFINITY);
    // An int too large for a double is an OverflowError, not infinity.
    let e = py("10 ** 400").extract::<f64>().unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "OverflowError");
    let g = run(
        "class BadFloat:\n    def __float__(self):\n        raise ArithmeticError('no')\nx = BadFloat()\n",
    );
    assert_eq!(
        get(&g, "x")
            .extract::<f64>()
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "ArithmeticError"
    );
}

#[test]
fn string_edges() {
    python();
    // Two lone surrogates that would form a pair in UTF-16 are still not text.
    let s = py("'\\ud83d\\ude00'");
    assert!(s.extract::<String>().is_err());
    assert_eq!(s.with(libpython::string_lossy).unwrap(), "\u{FFFD}\u{FFFD}");
    assert!(s.extract::<char>().is_err());
    // Noncharacters and the extremes of Unicode are text and survive.
    for t in [
        "\u{FFFF}\u{FFFE}\u{10FFFF}\u{0}",
        "\u{E000}\u{FDD0}",
        "\u{1F600}\u{200D}\u{1F469}",
    ] {
        assert_eq!(
            libpython::to_python(&t.to_string())
                .unwrap()
                .extract::<String>()
                .unwrap(),
            t
        );
    }
    // A NUL in a Rust string given where C wants a C string is an error, everywhere.
    let e = libpython::function("a\0b", None, |_a: &Args<'_>| Ok(())).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Nul {
                what: "function name",
                ..
            }
        ),
        "{e:?}"
    );
    let e = libpython::function("f", Some("doc\0"), |_a: &Args<'_>| Ok(())).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Nul {
                what: "docstring",
                ..
            }
        ),
        "{e:?}"
    );
    let e = libpython::add_module("m\0").unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Nul { .. }), "{e:?}");
    let e = libpython::compile("1", "file\0name", libpython::Mode::Eval).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Nul {
                what: "file name",
                ..
            }
        ),
        "{e:?}"
    );
    let e = py("dict")
        .call_kw((), &[("a\0", &1i64 as &dyn libpython::ToPython)])
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Nul { .. }), "{e:?}");
    let e = py("object()").setattr("x\0y", 1).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Nul { .. }), "{e:?}");
    assert!(matches!(
        py("object()").hasattr("x\0").unwrap_err().kind(),
        ErrorKind::Nul { .. }
    ));
    // NULs inside Python strings are data, as keys too.
    let d = Dict::new().unwrap();
    d.insert("k\0ey", 1).unwrap();
    assert_eq!(d.get_as::<i64>("k\0ey").unwrap(), Some(1));
}

#[test]
fn conversions_whose_python_side_mutates_the_source_do_not_crash() {
    python();
    // Items whose __index__ empties the container being copied.
    let g = run("class Clearing:\n\
         \x20   def __init__(self, target):\n\
         \x20       self.target = target\n\
         \x20   def __index__(self):\n\
         \x20       self.target.clear()\n\
         \x20       return 1\n\
         l = []\n\
         l.extend([Clearing(l), Clearing(l), Clearing(l)])\n\
         d = {}\n\
         d.update({'a': Clearing(d), 'b': Clearing(d), 'c': Clearing(d)})\n");
    let r = get(&g, "l").extract::<Vec<i64>>();
    assert!(matches!(&r, Ok(v) if v == &[1]), "{r:?}");
    // Copying a dict that changes size while being read: a value or an error, never a crash.
    match get(&g, "d").extract::<std::collections::HashMap<String, i64>>() {
        Ok(m) => assert!(m.len() <= 3),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    // Iterables that fail half-way, and mappings whose items() fails.
    let g = run(
        "def gen():\n    yield 1\n    raise LookupError('half-way')\n\
         class M:\n    def items(self):\n        raise OSError('no items')\n\
         class BadLen(list):\n    def __len__(self):\n        return -1\n\
         g = gen()\nm = M()\nbl = BadLen([1, 2])\n",
    );
    assert_eq!(
        get(&g, "g")
            .extract::<Vec<i64>>()
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "LookupError"
    );
    assert_eq!(
        get(&g, "m")
            .extract::<std::collections::BTreeMap<String, i64>>()
            .unwrap_err()
            .as_python()
            .unwrap()
            .type_name(),
        "OSError"
    );
    assert_eq!(get(&g, "bl").extract::<Vec<i64>>().unwrap(), [1, 2]);
    assert!(
        get(&g, "bl").len().is_err(),
        "a negative __len__ is an error"
    );
}

// ---------------------------------------------------------------------------------------------
// Scenarios 26 and 27: self-referential and very deep containers, plain conversions.
// ---------------------------------------------------------------------------------------------

/// Runs `f` on a thread with a 2 MiB stack (Rust's default for spawned threads), so a
/// conversion that recurses per level would overflow it.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn typed_conversions_of_self_referential_containers_stop_at_the_types_depth() {
    python();
    // A typed conversion recurses as deep as its Rust type, never deeper: a container that
    // contains itself is a type error at the first level whose Rust type is not a container.
    let g =
        run("l = []\nl.append(l)\nl.append(l)\nd = {}\nd['self'] = d\nt = [[]]\nt[0].append(t)\n");
    let l = get(&g, "l");
    let e = l.extract::<Vec<Vec<Vec<i64>>>>().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Type { found, .. } if found == "list"),
        "{e:?}"
    );
    let e = get(&g, "d")
        .extract::<std::collections::HashMap<String, std::collections::HashMap<String, String>>>()
        .unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Type { found, .. } if found == "dict"),
        "{e:?}"
    );
    let e = get(&g, "t")
        .extract::<Vec<Vec<Vec<Vec<Option<i64>>>>>>()
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
    // Handles in the leaves share the nodes instead of copying them.
    let shared: Vec<Vec<Object>> = l.extract().unwrap();
    assert_eq!(shared.len(), 2);
    assert!(shared.iter().flatten().all(|o| o.as_ptr() == l.as_ptr()));
    // Formatting, comparing and copying them in Python stays bounded too.
    assert_eq!(format!("{l:?}"), "[[...], [...]]");
    let l2 = libpython::eval("(lambda x: (x.extend([x, x]), x)[1])([])").unwrap();
    let e = l.eq_py(&l2).unwrap_err();
    assert_eq!(e.as_python().unwrap().type_name(), "RecursionError", "{e}");
    assert!(l.eq_py(&l).unwrap(), "identity short-cut");
    l2.call_method("clear", ()).unwrap();
    let copy = libpython::import("copy")
        .unwrap()
        .call_method("deepcopy", (&l,))
        .unwrap();
    assert_eq!(copy.len().unwrap(), 2);
    // Clean up the cycles.
    libpython::exec("l.clear()\nd.clear()\nt.clear()", &g).unwrap();
}

#[test]
fn typed_conversions_of_100000_deep_containers_do_not_overflow_the_stack() {
    python();
    on_small_stack(|| {
        let g = run("deep = []\n\
             for _ in range(100000):\n\
             \x20   deep = [deep]\n\
             deep2 = []\n\
             for _ in range(100000):\n\
             \x20   deep2 = [deep2]\n\
             deep_d = {}\n\
             for _ in range(100000):\n\
             \x20   deep_d = {'k': deep_d}\n");
        let deep = get(&g, "deep");
        let e = deep.extract::<Vec<Vec<Vec<i64>>>>().unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
        let e = get(&g, "deep_d")
            .extract::<std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>>(
            )
            .unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Type { .. }), "{e:?}");
        let v: Vec<Object> = deep.extract().unwrap();
        assert_eq!(v.len(), 1);
        // repr and == raise RecursionError on such depth; both come back as values.
        let dbg = format!("{deep:?}");
        assert!(
            dbg.contains("repr failed") || dbg.starts_with("[["),
            "{}",
            &dbg[..dbg.len().min(100)]
        );
        let e = deep.eq_py(get(&g, "deep2")).unwrap_err();
        assert_eq!(e.as_python().unwrap().type_name(), "RecursionError", "{e}");
        assert!(deep.eq_py(&deep).unwrap(), "identity short-cut");
        // Dropped from a thread without the GIL: queued, freed by Python's trashcan.
        drop((v, deep, g));
        attach(|_| Ok(())).unwrap();
    });
}

#[test]
fn unbounded_recursion_between_rust_and_python_is_a_recursion_error_not_a_stack_overflow() {
    in_child!(
        "unbounded_recursion_between_rust_and_python_is_a_recursion_error_not_a_stack_overflow",
        {
            python();
            let calls = Arc::new(AtomicUsize::new(0));
            let c = calls.clone();
            let down = libpython::function("down", None, move |a: &Args<'_>| {
                c.fetch_add(1, Ordering::SeqCst);
                let back = a.get(0).unwrap();
                back.call((back,)).map(libpython::Bound::unbind)
            })
            .unwrap();
            let g = Dict::new().unwrap();
            g.insert("down", &down).unwrap();
            libpython::exec("def up(me):\n    return down(me)\n", &g).unwrap();
            let up = get(&g, "up");
            // On a thread with Rust's default 2 MiB stack, where the stack runs out before
            // Python's recursion limit is reached, and on one with a 256 MiB stack, where
            // Python's limit comes first (and the error is read while still at the limit).
            for stack in [2usize << 20, 256 << 20] {
                let up = up.clone();
                let e = std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn(move || up.call((&up,)).unwrap_err().to_string())
                    .unwrap()
                    .join()
                    .unwrap();
                assert!(
                    e.contains("RecursionError"),
                    "{} MiB stack: {e}",
                    stack >> 20
                );
            }
            assert!(calls.load(Ordering::SeqCst) > 10);
            assert_eq!(
                libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(),
                2
            );
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Scenario 28: Python's memory debug hooks see no misuse.
// ---------------------------------------------------------------------------------------------

#[test]
fn python_memory_debug_hooks_see_no_misuse() {
    if !is_child() {
        // Free-threaded builds only have mimalloc (and its debug hooks); others get the debug
        // hooks over the C allocator (so valgrind can follow them too).
        python();
        let free_threaded = libpython::interp::started().unwrap().object_header_size > 16;
        let alloc = if free_threaded {
            "mimalloc_debug"
        } else {
            "malloc_debug"
        };
        assert_child_passes(
            "reliability::python_memory_debug_hooks_see_no_misuse",
            &[("PYTHONMALLOC", alloc)],
        );
        return;
    }
    in_child!("python_memory_debug_hooks_see_no_misuse", {
        python();
        // The debug hooks over the C allocator (so valgrind can follow them too) are on:
        // misuse (an allocation without the GIL, a buffer overrun, a write
        // after free of a Python object) makes them abort the process, failing the parent.
        let on: String =
                libpython::eval("next(f() for f in (getattr(__import__(m), 'pymem_getallocatorsname', None) for m in ('_testcapi', '_testinternalcapi')) if f)")
                    .unwrap()
                    .extract()
                    .unwrap();
        assert_eq!(on, std::env::var("PYTHONMALLOC").unwrap());
        let f = libpython::function("echo", None, |a: &Args<'_>| {
            Ok(a.get(0).unwrap().to_owned().unbind())
        })
        .unwrap();
        let drops = counter();
        let mut workers = Vec::new();
        for t in 0..4i64 {
            let f = f.clone();
            let drops = drops.clone();
            workers.push(std::thread::spawn(move || {
                let mut keep = Vec::new();
                for i in 0..300i64 {
                    let v = vec![format!("{t}-{i}"); 3];
                    let o = f.call((v.clone(),)).unwrap();
                    assert_eq!(o.extract::<Vec<String>>().unwrap(), v);
                    let n = libpython::bridge(counted_node(&drops)).unwrap();
                    n.setattr("held", &o).unwrap();
                    keep.push(n);
                    keep.push(o);
                }
                keep
            }));
        }
        let kept: Vec<Vec<Object>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        std::thread::spawn(move || drop(kept)).join().unwrap();
        collect();
        assert_eq!(drops.load(Ordering::SeqCst), 4 * 300);
        let sub = Interpreter::new(libpython::SubConfig::shared_gil()).unwrap();
        let in_sub = libpython::with_interpreter(&sub, || {
            libpython::eval("[str(i) for i in range(100)]").unwrap()
        })
        .unwrap();
        std::thread::spawn(move || drop(in_sub)).join().unwrap();
        sub.end().unwrap();
    });
}

/// The function `f` (made in `g`, held only by the returned handle).
fn function_in(g: &Dict) -> Object {
    libpython::exec("import gc\ndef f():\n    return len('abc')\n", g).unwrap();
    let f = g.get("f").unwrap().unwrap();
    g.del_item("f").unwrap();
    f
}

static SHARED_OBJECT: std::sync::OnceLock<Object> = std::sync::OnceLock::new();
static SHARED_KEY: String = String::new();

/// A map whose one entry is a handle kept by a `static`, not by the map.
struct EntryKeptElsewhere;

impl libpython::MapLike for EntryKeptElsewhere {
    type Key = String;
    type Value = Object;
    fn map_len(&self) -> usize {
        1
    }
    fn map_get(&self, _k: &String) -> Option<&Object> {
        SHARED_OBJECT.get()
    }
    fn map_insert(&mut self, _k: String, _v: Object) {}
    fn map_remove(&mut self, _k: &String) -> Option<Object> {
        None
    }
    fn map_entries(&self) -> Vec<(&String, &Object)> {
        vec![(&SHARED_KEY, SHARED_OBJECT.get().unwrap())]
    }
}

#[test]
fn a_map_that_does_not_own_its_entries_reports_none_to_the_collector() {
    in_child!(
        "a_map_that_does_not_own_its_entries_reports_none_to_the_collector",
        {
            python();
            let g = Dict::new().unwrap();
            let f = SHARED_OBJECT.get_or_init(|| function_in(&g));
            // A cycle f -> bridge -> (the map's entry) f, whose one reference is the
            // static's: reported, the collector would clear the function still in use (it
            // crashed when called afterwards).
            let b = libpython::bridge(MapBridge::new(EntryKeptElsewhere)).unwrap();
            f.setattr("b", &b).unwrap();
            drop(b);
            libpython::exec("gc.collect()", &g).unwrap();
            assert_eq!(f.call(()).unwrap().extract::<i64>().unwrap(), 3);
        }
    );
}
