//! The interpreter layer: lifecycle, the GIL, thread states, sub-interpreters, deferred
//! decrefs (reliability scenarios 1, 7 to 13, 15 to 17, 19, 20). Tests that start or end
//! Python, or that leave the process in a special state, run in a child process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use libpython::{Args, ErrorKind, Interpreter, Object, SubConfig, interp};
use libpython_tests::{assert_child_passes, in_child, is_child, python, refcount};

fn version() -> libpython::ffi::Version {
    python();
    libpython::ffi::library().unwrap().version()
}

// Scenario 1: deferred decrefs, and draining with a destructor that re-enters Rust.
#[test]
fn drops_without_the_gil_are_queued_and_drained_at_the_next_acquisition() {
    in_child!(
        "drops_without_the_gil_are_queued_and_drained_at_the_next_acquisition",
        {
            python();
            let main = Interpreter::main().unwrap();
            let calls = Arc::new(AtomicUsize::new(0));
            let c = calls.clone();
            // A destructor that calls back into Rust, which uses Python again.
            let hook = libpython::function("on_del", None, move |a: &Args<'_>| {
                c.fetch_add(1, Ordering::SeqCst);
                let n: i64 = a.py().eval("21 * 2")?.extract()?;
                assert_eq!(n, 42);
                Ok(())
            })
            .unwrap();
            let g = libpython::Dict::from_pairs([("hook", &hook)]).unwrap();
            libpython::exec(
                "class D:\n    def __del__(self):\n        hook()\nobjs = [D() for _ in range(5)]",
                &g,
            )
            .unwrap();
            let objs: Vec<Object> = g.get_as("objs").unwrap().unwrap();
            g.remove("objs").unwrap();
            // Temporaries dropped outside the GIL above were queued; the next acquisition drains.
            libpython::attach(|_| Ok(())).unwrap();
            assert_eq!(main.queued_decrefs(), 0);
            let before = main.queued_decrefs();
            std::thread::spawn(move || drop(objs)).join().unwrap();
            assert_eq!(
                main.queued_decrefs(),
                before + 5,
                "five references queued, not released without the GIL"
            );
            assert_eq!(calls.load(Ordering::SeqCst), 0);
            // The next acquisition drains the queue; the destructors run and re-enter Rust.
            libpython::attach(|_| Ok(())).unwrap();
            assert_eq!(main.queued_decrefs(), 0);
            assert_eq!(calls.load(Ordering::SeqCst), 5);
            assert!(main.state().queue_peak() >= 5);
        }
    );
}

// Free-threaded builds hand a release by another thread to the thread that made the object,
// which takes such releases only when it enters the evaluation loop: a thread that uses Python
// through the library alone takes them at its checkpoints, so they do not pile up.
#[test]
fn objects_another_thread_released_are_freed_while_their_thread_only_uses_the_c_api() {
    python();
    const N: usize = 100;
    let freed = Arc::new(AtomicUsize::new(0));
    let (f, in_maker) = (freed.clone(), freed.clone());
    let hook = libpython::function("on_del", None, move |_: &Args<'_>| {
        f.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })
    .unwrap();
    let (to_releaser, objects) = std::sync::mpsc::channel::<Vec<Object>>();
    let (released_tx, released) = std::sync::mpsc::channel::<()>();
    // The maker: a thread of our own makes the objects, then only takes and releases the GIL.
    let maker = std::thread::spawn(move || {
        let g = libpython::Dict::from_pairs([("hook", &hook)]).unwrap();
        libpython::exec(
            &format!(
                "class D:\n    def __del__(self):\n        hook()\nobjs = [D() for _ in range({N})]"
            ),
            &g,
        )
        .unwrap();
        let objs: Vec<Object> = g.get_as("objs").unwrap().unwrap();
        g.remove("objs").unwrap();
        drop((g, hook));
        to_releaser.send(objs).unwrap();
        released.recv().unwrap();
        for _ in 0..2 * interp::gil::CHECKPOINT_EVERY {
            libpython::attach(|_| Ok(())).unwrap();
        }
        // Checked before this thread ends: its end would take them too.
        assert_eq!(in_maker.load(Ordering::SeqCst), N);
    });
    // The releaser drops them holding the GIL: released at once, by another thread.
    let objs = objects.recv().unwrap();
    std::thread::spawn(move || {
        libpython::attach(move |_| {
            drop(objs);
            Ok(())
        })
        .unwrap()
    })
    .join()
    .unwrap();
    released_tx.send(()).unwrap();
    maker.join().unwrap();
}

#[test]
fn a_drop_while_holding_the_gil_is_immediate() {
    python();
    let x = libpython::eval("object()").unwrap();
    let before = refcount(&x);
    let y = x.clone();
    let during = refcount(&x);
    libpython::attach(|_| {
        drop(y);
        Ok(())
    })
    .unwrap();
    let after = refcount(&x);
    assert_eq!((during - before, after), (1, before));
}

// Scenario 7: a thread Python never saw; start-up and shutdown on a background thread.
#[test]
fn threads_python_never_saw_can_start_use_and_finalize_it() {
    in_child!("threads_python_never_saw_can_start_use_and_finalize_it", {
        std::thread::spawn(|| {
            libpython::initialize().unwrap();
            let n: i64 = libpython::eval("sum(range(10))")
                .unwrap()
                .extract()
                .unwrap();
            assert_eq!(n, 45);
        })
        .join()
        .unwrap();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    libpython::eval(&format!("{i} * 10"))
                        .unwrap()
                        .extract::<i64>()
                        .unwrap()
                })
            })
            .collect();
        let r: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(r, [0, 10, 20, 30]);
        let free_threaded = interp::started().unwrap().object_header_size > 16;
        let r = std::thread::spawn(libpython::finalize).join().unwrap();
        if free_threaded {
            // CPython 3.13t crashes finalizing from another thread than the one that started
            // it; the library refuses with a clear error instead.
            let e = r.unwrap_err();
            assert!(e.to_string().contains("thread that started it"), "{e}");
            assert!(interp::is_running());
        } else {
            r.unwrap();
            assert!(interp::is_finalized());
        }
    });
}

// Scenario 8: thread A holds a Rust mutex and wants Python; thread B holds Python and wants
// the mutex. Waiting for the mutex without the GIL lets both finish.
#[test]
fn waiting_for_a_rust_lock_releases_the_gil() {
    python();
    let m = Arc::new(Mutex::new(0));
    let barrier = Arc::new(Barrier::new(2));
    let (m1, b1) = (m.clone(), barrier.clone());
    let a = std::thread::spawn(move || {
        let mut g = m1.lock().unwrap();
        b1.wait();
        std::thread::sleep(Duration::from_millis(50));
        *g += libpython::eval("1").unwrap().extract::<i32>().unwrap();
    });
    let (m2, b2) = (m.clone(), barrier.clone());
    let b = std::thread::spawn(move || {
        libpython::attach(|_py| {
            b2.wait();
            let mut g = libpython::lock_without_gil(&m2);
            *g += 10;
            Ok(())
        })
        .unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(a.is_finished() && b.is_finished()) {
        assert!(
            Instant::now() < deadline,
            "deadlock between the GIL and a Rust mutex"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(*m.lock().unwrap(), 11);
}

// Scenario 9: Rust calls Python calls Rust calls Python, several levels deep.
#[test]
fn nested_calls_across_the_boundary_do_not_deadlock() {
    python();
    let depth = Arc::new(AtomicUsize::new(0));
    let d = depth.clone();
    let f = libpython::function("descend", None, move |a: &Args<'_>| {
        let n: i64 = a.extract(0)?;
        d.fetch_max(n as usize, Ordering::SeqCst);
        if n == 0 {
            return Ok(0i64);
        }
        let me = a.py().import("__main__")?.getattr("descend_py")?;
        // Python calls back into this function from a thread of its own at every other level.
        let r: i64 = me.call((n - 1,))?.extract()?;
        Ok(r + 1)
    })
    .unwrap();
    let main = libpython::add_module("__main__").unwrap();
    main.setattr("descend_rust", &f).unwrap();
    libpython::run_simple_string(
        "import threading\n\
         def descend_py(n):\n\
         \x20   if n % 2:\n\
         \x20       out = []\n\
         \x20       t = threading.Thread(target=lambda: out.append(descend_rust(n)))\n\
         \x20       t.start(); t.join()\n\
         \x20       return out[0]\n\
         \x20   return descend_rust(n)\n",
    )
    .unwrap();
    let r: i64 = f.call((8,)).unwrap().extract().unwrap();
    assert_eq!(r, 8);
    assert_eq!(depth.load(Ordering::SeqCst), 8);
}

// Scenario 10: ten Rust threads call one Python callback while Python threads call into Rust.
#[test]
fn many_rust_threads_and_python_threads_call_across_at_once() {
    python();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let rust_fn = libpython::function("rust_inc", None, move |a: &Args<'_>| {
        h.fetch_add(1, Ordering::SeqCst);
        Ok(a.extract::<i64>(0)? + 1)
    })
    .unwrap();
    let g = libpython::Dict::from_pairs([("rust_inc", &rust_fn)]).unwrap();
    libpython::exec(
        "import threading\n\
         results = []\n\
         def py_cb(x):\n\
         \x20   return x * 2\n\
         def worker(k):\n\
         \x20   for i in range(100):\n\
         \x20       results.append(rust_inc(i))\n\
         threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]\n\
         for t in threads: t.start()\n",
        &g,
    )
    .unwrap();
    let cb = g.get("py_cb").unwrap().unwrap();
    let rust_threads: Vec<_> = (0..10)
        .map(|t| {
            let cb = cb.clone();
            std::thread::spawn(move || {
                (0..100)
                    .map(|i| cb.call((t * 100 + i,)).unwrap().extract::<i64>().unwrap())
                    .sum::<i64>()
            })
        })
        .collect();
    let total: i64 = rust_threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 2 * (0..1000).sum::<i64>());
    libpython::exec("for t in threads: t.join()", &g).unwrap();
    let results: Vec<i64> = g.get_as("results").unwrap().unwrap();
    assert_eq!(results.len(), 400);
    assert_eq!(results.iter().sum::<i64>(), 4 * (1..=100).sum::<i64>());
    assert_eq!(hits.load(Ordering::SeqCst), 400);
}

// Scenario 12: guards release in LIFO order on the thread that took them; misuse panics.
#[test]
fn gil_guards_nest_lifo_and_misuse_panics_clearly() {
    in_child!("gil_guards_nest_lifo_and_misuse_panics_clearly", {
        python();
        let g1 = interp::gil::acquire().unwrap();
        let g2 = interp::gil::acquire().unwrap();
        assert_eq!(interp::gil::depth(), 2);
        drop(g2);
        drop(g1);
        assert_eq!(interp::gil::depth(), 0);
        let outer = interp::gil::acquire().unwrap();
        let inner = interp::gil::acquire().unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(outer)));
        let msg = r.unwrap_err();
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("out of order"), "{msg}");
        drop(inner);
        assert_eq!(
            interp::gil::depth(),
            1,
            "the misused guard kept its hold instead of corrupting the state"
        );
    });
}

#[test]
fn a_guard_of_an_interpreter_switched_away_from_is_out_of_order_until_switched_back() {
    in_child!(
        "a_guard_of_an_interpreter_switched_away_from_is_out_of_order_until_switched_back",
        {
            python();
            let x = Interpreter::new(SubConfig::shared_gil()).unwrap();
            let a = interp::gil::acquire_interp(x.state()).unwrap();
            // Switches to the main interpreter: `a`'s hold is set aside, at the same depth.
            // SAFETY: nothing of the sub-interpreter is used while `b` lives.
            let b = unsafe { interp::gil::acquire_main_switching() }.unwrap();
            assert_eq!(interp::gil::depth(), 1);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(a)));
            let msg = libpython_tests::panic_message(&*r.unwrap_err());
            assert!(msg.contains("out of order"), "{msg}");
            drop(b);
            assert_eq!(
                interp::gil::held_key(),
                x.key(),
                "the switch gave back the hold the misused guard kept"
            );
            assert_eq!(interp::gil::depth(), 1);
        }
    );
}

#[test]
fn a_safe_guard_of_one_interpreter_is_refused_while_the_thread_holds_another_s_gil() {
    python();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    libpython::attach(|py| {
        // The token `py` is the main interpreter's: a guard switching to the sub-interpreter
        // would leave it usable there.
        let e = interp::gil::acquire_interp(sub.state()).unwrap_err();
        assert!(matches!(e, interp::Error::HoldsOtherGil { .. }), "{e:?}");
        let e = libpython::with_interpreter(&sub, || interp::gil::acquire().map(drop));
        assert!(
            matches!(e, Ok(Err(interp::Error::HoldsOtherGil { .. }))),
            "{e:?}"
        );
        assert_eq!(py.eval("1 + 1")?.extract::<i64>()?, 2);
        Ok(())
    })
    .unwrap();
    let in_sub = interp::gil::acquire_interp(sub.state()).unwrap();
    let e = interp::gil::acquire_main().unwrap_err();
    assert!(matches!(e, interp::Error::HoldsOtherGil { .. }), "{e:?}");
    drop(in_sub);
    drop(interp::gil::acquire_main().unwrap());
    sub.end().unwrap();
}

#[test]
fn a_guard_kept_in_a_thread_local_does_not_hang_the_thread_s_exit() {
    in_child!(
        "a_guard_kept_in_a_thread_local_does_not_hang_the_thread_s_exit",
        {
            thread_local! {
                static KEPT: std::cell::RefCell<Option<interp::gil::GilGuard>> =
                    const { std::cell::RefCell::new(None) };
            }
            python();
            // The thread-local is made before the thread's first hold, so it is dropped after
            // the layer's own record of the thread's states.
            let t = std::thread::spawn(|| {
                KEPT.with(|k| *k.borrow_mut() = Some(interp::gil::acquire().unwrap()));
            });
            libpython_tests::join_within(
                t,
                Duration::from_secs(10),
                "the thread's exit waits for the GIL it holds",
            );
            let n: i64 = libpython::eval("6 * 7").unwrap().extract().unwrap();
            assert_eq!(n, 42);
        }
    );
}

#[test]
fn python_used_from_a_thread_local_destructor_after_the_layer_s_own_works() {
    in_child!(
        "python_used_from_a_thread_local_destructor_after_the_layer_s_own_works",
        {
            /// Uses Python when the thread exits, after the layer's record of the thread's
            /// states is gone (it was made later, so it is dropped first).
            struct AtExit(std::sync::mpsc::Sender<String>);
            impl Drop for AtExit {
                fn drop(&mut self) {
                    let r = libpython::eval("6 * 7").and_then(|v| v.extract::<i64>());
                    let _ = self.0.send(format!("{r:?}"));
                }
            }
            thread_local! {
                static LATE: std::cell::RefCell<Option<AtExit>> =
                    const { std::cell::RefCell::new(None) };
            }
            python();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                LATE.with(|l| *l.borrow_mut() = Some(AtExit(tx)));
                let n: i64 = libpython::eval("1 + 1").unwrap().extract().unwrap();
                assert_eq!(n, 2);
            })
            .join()
            .unwrap();
            let r = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            assert_eq!(r, "Ok(42)");
        }
    );
}

// Scenario 13: racing first use while `site` is slow: the loser waits for start-up.
#[test]
fn racing_first_use_waits_for_one_start_up() {
    const SLOW: &str = "LIBPYTHON_TEST_SLOW_SITE";
    if is_child() {
        let b = Arc::new(Barrier::new(4));
        let ts: Vec<_> = (0..4)
            .map(|i| {
                let b = b.clone();
                std::thread::spawn(move || {
                    b.wait();
                    libpython::eval(&format!("__import__('sitecustomize').slow_done + {i}"))
                        .unwrap()
                        .extract::<i64>()
                        .unwrap()
                })
            })
            .collect();
        let r: Vec<i64> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(r, [1, 2, 3, 4]);
        assert_eq!(interp::generation(), 1, "one start-up");
        return;
    }
    let dir = std::env::temp_dir().join(format!("libpython-slow-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sitecustomize.py"),
        "import time\ntime.sleep(1.0)\nslow_done = 1\n",
    )
    .unwrap();
    let _ = SLOW;
    assert_child_passes(
        "interp::racing_first_use_waits_for_one_start_up",
        &[("PYTHONPATH", dir.to_str().unwrap())],
    );
}

// Scenarios 15, 16: initialise, finalise, initialise again; handles that outlive their runtime.
#[test]
fn finalize_then_initialize_again_and_dead_handles_stay_dead() {
    in_child!(
        "finalize_then_initialize_again_and_dead_handles_stay_dead",
        {
            libpython::initialize().unwrap();
            libpython::initialize().unwrap();
            assert_eq!(interp::generation(), 1, "a second initialize is a no-op");
            let old = libpython::eval("[1, 2, 3]").unwrap();
            let old2 = old.clone();
            libpython::finalize().unwrap();
            // Using a handle after finalize is a clear error.
            let e = old.len().unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalized)),
                "{e:?}"
            );
            assert!(e.to_string().contains("finalized"), "{e}");
            // Nothing starts implicitly after an explicit finalize.
            assert!(libpython::eval("1").is_err());
            libpython::initialize().unwrap();
            assert_eq!(interp::generation(), 2);
            let n: i64 = libpython::eval("40 + 2").unwrap().extract().unwrap();
            assert_eq!(n, 42);
            // The old handles are refused in the new runtime and dropping them touches nothing.
            assert!(matches!(
                old2.len().unwrap_err().kind(),
                ErrorKind::Interp(interp::Error::Finalized)
            ));
            let main = Interpreter::main().unwrap();
            libpython::attach(|_| Ok(())).unwrap();
            assert_eq!(main.queued_decrefs(), 0);
            drop(old);
            drop(old2);
            assert_eq!(
                main.queued_decrefs(),
                0,
                "nothing is queued into the new runtime"
            );
            libpython::attach(|py| {
                let stale = libpython::eval("object()");
                let _ = (py, stale);
                Ok(())
            })
            .unwrap();
        }
    );
}

/// Threads drop handles without the GIL while the main thread finalizes and starts Python
/// again, several times: a drop that races a finalize goes to the old runtime's record (kept,
/// never drained) or is released before `Py_FinalizeEx`, and never reaches the new runtime's
/// queue. With `PYTHONMALLOC=debug`, a stale address released in the new runtime would crash.
#[test]
fn drops_racing_finalize_and_a_new_start_never_reach_the_new_runtime() {
    in_child!(
        "drops_racing_finalize_and_a_new_start_never_reach_the_new_runtime",
        env = libpython_tests::DEBUG_MALLOC,
        {
            for round in 0..6 {
                libpython::initialize().unwrap();
                let main = Interpreter::main().unwrap();
                libpython::attach(|_| Ok(())).unwrap();
                assert_eq!(main.queued_decrefs(), 0, "round {round}: a fresh queue");
                let handles: Vec<Vec<Object>> = (0..3)
                    .map(|t| {
                        (0..3000)
                            .map(|i| libpython::eval(&format!("[{t}, {i}]")).unwrap())
                            .collect()
                    })
                    .collect();
                let start = Arc::new(Barrier::new(4));
                let droppers: Vec<_> = handles
                    .into_iter()
                    .map(|hs| {
                        let start = start.clone();
                        std::thread::spawn(move || {
                            start.wait();
                            for h in hs {
                                drop(h);
                                std::hint::spin_loop();
                            }
                        })
                    })
                    .collect();
                start.wait();
                std::thread::sleep(Duration::from_micros(200 * round));
                libpython::finalize().unwrap();
                libpython::initialize().unwrap();
                for d in droppers {
                    d.join().unwrap();
                }
                let main = Interpreter::main().unwrap();
                assert_eq!(
                    main.queued_decrefs(),
                    0,
                    "round {round}: nothing of the old runtime is queued in the new one"
                );
                let n: i64 = libpython::eval("sum(range(10))")
                    .unwrap()
                    .extract()
                    .unwrap();
                assert_eq!(n, 45);
                libpython::finalize().unwrap();
            }
        }
    );
}

/// The end hook of the test below: slow, to widen the windows between ending steps.
fn slow_end_hook(key: interp::InterpKey) {
    let ms = if key.is_main() { 300 } else { 400 };
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn a_sub_interpreter_made_while_finalize_runs_is_ended_before_python_is() {
    in_child!(
        "a_sub_interpreter_made_while_finalize_runs_is_ended_before_python_is",
        {
            python();
            // A destructor that releases the GIL during `Py_FinalizeEx`: a thread that took
            // the GIL then would be stopped by CPython in the middle of Rust frames.
            libpython::run_simple_string(
                "import time\nclass Slow:\n    def __del__(self, sleep=time.sleep):\n        sleep(0.3)\nslow = Slow()",
            )
            .unwrap();
            interp::add_end_hook(slow_end_hook);
            let maker = std::thread::spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                match Interpreter::new(SubConfig::shared_gil()) {
                    Ok(_) => None,
                    Err(e) => Some(e.to_string()),
                }
            });
            libpython::finalize().unwrap();
            let made = libpython_tests::join_within(
                maker,
                Duration::from_secs(10),
                "making the sub-interpreter does not return after finalize",
            );
            // Made before `finalize` listed the interpreters (then ended by it), or refused.
            if let Some(e) = made {
                assert!(e.contains("final"), "{e}");
            }
        }
    );
}

// Scenario 17: a thread that keeps acquiring while another finalises fails cleanly.
#[test]
fn acquiring_during_finalize_fails_cleanly() {
    in_child!("acquiring_during_finalize_fails_cleanly", {
        libpython::initialize().unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let spinner = std::thread::spawn(move || {
            let mut ok = 0u64;
            loop {
                match libpython::eval("1 + 1") {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        assert!(
                            matches!(
                                e.kind(),
                                ErrorKind::Interp(
                                    interp::Error::Finalizing | interp::Error::Finalized
                                )
                            ),
                            "{e:?}"
                        );
                        return ok;
                    }
                }
                if s.load(Ordering::SeqCst) {
                    return ok;
                }
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        libpython::finalize().unwrap();
        let ok = spinner.join().unwrap();
        stop.store(true, Ordering::SeqCst);
        assert!(ok > 0);
    });
}

// Scenario 19: sub-interpreters, several, several times, each with its own modules.
#[test]
fn sub_interpreters_have_their_own_modules_and_end_cleanly() {
    python();
    for round in 0..3 {
        let subs: Vec<Interpreter> = (0..3)
            .map(|_| Interpreter::new(SubConfig::shared_gil()).unwrap())
            .collect();
        for (i, s) in subs.iter().enumerate() {
            libpython::with_interpreter(s, || {
                libpython::run_simple_string(&format!("import sys\nsys.marker_{round} = {i}"))
                    .unwrap();
                assert_eq!(libpython::ensure_bound_interpreter().unwrap(), *s);
            })
            .unwrap();
        }
        for (i, s) in subs.iter().enumerate() {
            let v: i64 = libpython::with_interpreter(s, || {
                libpython::eval(&format!("__import__('sys').marker_{round}"))
                    .unwrap()
                    .extract()
                    .unwrap()
            })
            .unwrap();
            assert_eq!(v as usize, i, "each sub-interpreter has its own sys module");
        }
        let in_main = libpython::eval(&format!("hasattr(__import__('sys'), 'marker_{round}')"))
            .unwrap()
            .extract::<bool>()
            .unwrap();
        assert!(!in_main, "the main interpreter's sys is untouched");
        for s in subs {
            s.end().unwrap();
            assert!(!s.is_alive());
            assert!(matches!(
                s.end().unwrap_err(),
                interp::Error::InterpreterEnded
            ));
            assert!(matches!(
                libpython::with_interpreter(&s, || ()).unwrap_err().kind(),
                ErrorKind::Interp(interp::Error::InterpreterEnded)
            ));
        }
        // The main interpreter is still fine.
        assert_eq!(
            libpython::eval("2 + 2").unwrap().extract::<i64>().unwrap(),
            4
        );
    }
}

#[test]
fn ensure_bound_interpreter_errors_when_nothing_is_bound() {
    python();
    std::thread::spawn(|| {
        assert!(matches!(
            libpython::ensure_bound_interpreter().unwrap_err().kind(),
            ErrorKind::Interp(interp::Error::NotBound)
        ));
        let main = Interpreter::main().unwrap();
        let got =
            libpython::with_interpreter(&main, || libpython::ensure_bound_interpreter().unwrap())
                .unwrap();
        assert_eq!(got, main);
    })
    .join()
    .unwrap();
}

// Scenario 20: objects never cross interpreters.
#[test]
fn objects_of_one_interpreter_are_refused_in_another() {
    python();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let in_sub = libpython::with_interpreter(&sub, || libpython::eval("[1, 2]").unwrap()).unwrap();
    let in_main = libpython::eval("[3]").unwrap();
    // Used from a thread bound to the main interpreter: refused.
    libpython::with_interpreter(&Interpreter::main().unwrap(), || {
        let e = in_sub.len().unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Interp(interp::Error::WrongInterpreter { .. })
            ),
            "{e:?}"
        );
    })
    .unwrap();
    // Passed as an argument under the other interpreter's GIL: refused.
    libpython::with_interpreter(&sub, || {
        let f = libpython::eval("len").unwrap();
        let e = f.call((&in_main,)).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Interp(interp::Error::WrongInterpreter { .. })
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("interpreter"));
    })
    .unwrap();
    // Unbound, the object's own interpreter is used.
    assert_eq!(in_sub.len().unwrap(), 2);
    // Dropped without that interpreter's GIL: queued on it, released when it ends.
    drop(in_sub);
    sub.end().unwrap();
}

/// A callable bridge recording the interpreter each call runs under.
struct Recorder(Mutex<Vec<interp::InterpKey>>);

impl libpython::Bridge for Recorder {
    fn call(&self, args: &Args<'_>) -> libpython::Result<Object> {
        self.0.lock().unwrap().push(args.py().interpreter_key());
        libpython::ToPython::to_python(&(args.extract::<i64>(0)? * 10), args.py())
    }
    // The same as a method of its Python type (made in each interpreter).
    fn methods(&self) -> &'static [&'static str] {
        &["record"]
    }
    fn dynamic_attrs(&self) -> bool {
        false
    }
    fn call_method(&self, args: &Args<'_>, _name: &str) -> libpython::Result<Object> {
        self.call(args)
    }
    // And as a method of its method table.
    fn method_table() -> &'static [libpython::Method<Self>] {
        const METHODS: &[libpython::Method<Recorder>] =
            &[libpython::Method::positional("typed", |r, a| r.call(a))];
        METHODS
    }
}

// Callbacks into Rust made in a sub-interpreter run under it, whoever calls them: its Python
// code on the thread that holds it through us, a Python thread of its own, and nested inside
// such calls (a closure calling Python calling a bridge).
#[test]
fn callbacks_of_a_sub_interpreter_run_under_it_from_every_kind_of_caller() {
    python();
    let mut configs = vec![SubConfig::shared_gil()];
    if version().at_least(3, 12) {
        configs.push(SubConfig::isolated());
    }
    for config in configs {
        let sub = Interpreter::new(config).unwrap();
        let key = sub.as_interp().key();
        let keys = Arc::new(Mutex::new(Vec::new()));
        let k = keys.clone();
        let rec = Arc::new(Recorder(Mutex::new(Vec::new())));
        let out: Vec<i64> = libpython::with_interpreter(&sub, || {
            let f = libpython::function("f", None, move |a: &Args<'_>| {
                k.lock().unwrap().push(a.py().interpreter_key());
                let extra: i64 = match a.get(1) {
                    Some(cb) => cb.call(())?.extract()?,
                    None => 0,
                };
                Ok(a.extract::<i64>(0)? + 1 + extra)
            })
            .unwrap();
            let r = libpython::bridge(rec.clone()).unwrap();
            let g = libpython::Dict::from_pairs([("f", &f), ("r", &r)]).unwrap();
            libpython::exec(
                "import threading\n\
                 out = [f(1), r(2), f(7, lambda: r.record(8)), r.typed(9)]\n\
                 def work():\n\
                 \x20   out.append(f(3))\n\
                 \x20   out.append(r.record(4))\n\
                 \x20   out.append(f(5, lambda: r(6)))\n\
                 \x20   out.append(f(2, lambda: r.typed(1)))\n\
                 t = threading.Thread(target=work)\n\
                 t.start()\n\
                 t.join()\n",
                &g,
            )
            .unwrap();
            g.get_as("out").unwrap().unwrap()
        })
        .unwrap();
        assert_eq!(out, [2, 20, 88, 90, 4, 40, 66, 13], "{config:?}");
        let keys = keys.lock().unwrap().clone();
        assert_eq!(keys.len(), 5, "{config:?}");
        assert!(
            keys.iter().all(|k| *k == key),
            "{config:?}: closures ran under {keys:?}, not {key:?}"
        );
        let rec_keys = rec.0.lock().unwrap().clone();
        assert_eq!(rec_keys.len(), 6, "{config:?}");
        assert!(
            rec_keys.iter().all(|k| *k == key),
            "{config:?}: the bridge ran under {rec_keys:?}, not {key:?}"
        );
        // Nothing is left held: the thread holds no GIL, and the interpreter ends.
        assert_eq!(interp::gil::depth(), 0);
        sub.end().unwrap();
        // The main interpreter's callbacks still run under it.
        let g = libpython::function("g", None, |a: &Args<'_>| {
            Ok(a.py().interpreter_key().index())
        })
        .unwrap();
        assert_eq!(g.call(()).unwrap().extract::<u32>().unwrap(), 0);
    }
}

// Every interpreter's key records how reference counts change (handles under a token test the
// key instead of loading the mode): the mode in use, which follows from the build.
#[test]
fn every_interpreter_key_records_how_counts_change() {
    use libpython::ffi::RefcountMode;
    python();
    let lib = libpython::ffi::library().unwrap();
    let v = lib.version();
    let linux_thread_id = cfg!(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ));
    let expected = if lib.ref_debug() || v.at_least(3, 14) {
        RefcountMode::Call
    } else if interp::free_threaded() {
        // The owner's count in place where the thread id is read as CPython reads it.
        assert!(lib.gil_disabled());
        if linux_thread_id {
            RefcountMode::Biased
        } else {
            RefcountMode::Call
        }
    } else if v.at_least(3, 12) {
        RefcountMode::Immortal32
    } else {
        RefcountMode::Plain
    };
    assert_eq!(
        libpython::ffi::refcount_mode_in_use(),
        expected,
        "Python {v}"
    );
    let check = |k: interp::InterpKey, what: &str| {
        assert_eq!(
            k.counts_plain(),
            expected == RefcountMode::Plain,
            "{what}: {k:?}"
        );
        assert_eq!(
            k.counts_immortal32(),
            expected == RefcountMode::Immortal32,
            "{what}: {k:?}"
        );
    };
    let main = libpython::attach(|py| Ok(py.interpreter_key())).unwrap();
    check(main, "main interpreter");
    assert_eq!(main.index(), 0);
    let mut configs = vec![SubConfig::shared_gil()];
    if v.at_least(3, 12) && !interp::free_threaded() {
        configs.push(SubConfig::isolated());
    }
    for config in configs {
        let sub = Interpreter::new(config).unwrap();
        let key = sub.as_interp().key();
        check(key, "sub-interpreter");
        assert_ne!(key.index(), 0);
        // Objects made and released there are counted the recorded way: a list kept by a
        // handle, copied and dropped, leaves the count where it was.
        let n = libpython::with_interpreter(&sub, || -> libpython::Result<i64> {
            let l = libpython::eval("[1, 2, 3]")?;
            let before = refcount(&l);
            libpython::attach(|py| {
                let b = l.bind(py)?;
                let copies: Vec<_> = (0..10).map(|_| b.clone()).collect();
                assert_eq!(refcount(&l), before + 10);
                drop(copies);
                Ok(())
            })?;
            Ok(refcount(&l) - before)
        })
        .unwrap()
        .unwrap();
        assert_eq!(n, 0, "{config:?}");
        sub.end().unwrap();
    }
}

// References to one object added and given up at once by its owning thread and by others
// (on free-threaded builds: the owner's count changed in place, the others' atomically by
// CPython) balance: the count ends where it began and the object stays usable.
#[test]
fn references_added_and_given_up_on_many_threads_at_once_balance() {
    python();
    let obj = libpython::eval("[object() for _ in range(4)]").unwrap();
    let items: Vec<Object> = (0..4).map(|i| obj.get_item(i).unwrap()).collect();
    let before: Vec<i64> = items.iter().map(refcount).collect();
    std::thread::scope(|s| {
        for t in 0..4 {
            let items = &items;
            s.spawn(move || {
                for round in 0..200 {
                    libpython::attach(|py| {
                        let bound: Vec<_> = items
                            .iter()
                            .map(|o| o.bind(py))
                            .collect::<libpython::Result<_>>()?;
                        let copies: Vec<libpython::Bound<'_>> = bound
                            .iter()
                            .flat_map(|&b| std::iter::repeat_n(b, (t + round) % 5))
                            .cloned()
                            .collect();
                        drop(copies);
                        Ok(())
                    })
                    .unwrap();
                    // Handles cloned and dropped outside any attach too (queued releases).
                    let owned: Vec<Object> = items.iter().map(Object::clone).collect();
                    drop(owned);
                }
            });
        }
    });
    // Another thread may be releasing the last of the queued references meanwhile.
    libpython_tests::wait_for_refcount_release(|| {
        items.iter().map(refcount).collect::<Vec<i64>>() == before
    });
    let after: Vec<i64> = items.iter().map(refcount).collect();
    assert_eq!(after, before);
    assert_eq!(obj.len().unwrap(), 4);
    for o in &items {
        let kind = o.getattr("__class__").unwrap().getattr("__name__").unwrap();
        assert_eq!(kind.extract::<String>().unwrap(), "object");
    }
}

#[test]
fn own_gil_sub_interpreters_need_3_12_and_refuse_single_phase_modules() {
    let v = version();
    if !v.at_least(3, 12) {
        let e = Interpreter::new(SubConfig::isolated()).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::Interp(interp::Error::NeedsVersion { .. })
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("3.12"));
        return;
    }
    let sub = Interpreter::new(SubConfig::isolated()).unwrap();
    assert!(sub.own_gil());
    libpython::with_interpreter(&sub, || {
        assert_eq!(
            libpython::eval("6 * 7").unwrap().extract::<i64>().unwrap(),
            42
        );
        // numpy does not support isolated sub-interpreters: an exception, not a crash
        // (ImportError; numpy's free-threaded build raises RuntimeError from its own check).
        let e = libpython::import("numpy").unwrap_err();
        let p = e.as_python().expect("a Python exception");
        assert!(
            p.is_instance_of("ImportError") || p.is_instance_of("RuntimeError"),
            "{e}"
        );
    })
    .unwrap();
    sub.end().unwrap();
}

#[test]
fn sub_interpreter_thread_states_are_cleaned_up_when_threads_exit_and_when_it_ends() {
    python();
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let ts: Vec<_> = (0..4)
        .map(|i| {
            let sub = sub.clone();
            std::thread::spawn(move || {
                libpython::with_interpreter(&sub, || {
                    libpython::eval(&format!("{i} + 1"))
                        .unwrap()
                        .extract::<i64>()
                        .unwrap()
                })
                .unwrap()
            })
        })
        .collect();
    let r: Vec<i64> = ts.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(r, [1, 2, 3, 4]);
    let threads_alive = libpython::with_interpreter(&sub, || libpython::eval("1").is_ok()).unwrap();
    assert!(threads_alive);
    // A thread keeps its state until the interpreter ends under it.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let sub2 = sub.clone();
    let keeper = std::thread::spawn(move || {
        libpython::with_interpreter(&sub2, || libpython::eval("1").unwrap()).unwrap();
        rx.recv().unwrap();
        // After the end, the thread exits without touching the deleted state.
    });
    std::thread::sleep(Duration::from_millis(50));
    sub.end().unwrap();
    tx.send(()).unwrap();
    keeper.join().unwrap();
}

/// Starts a daemon thread Python runs `target` on (defined by `code`, which sees the Rust
/// function `f`), and waits until `f` has been entered (`entered` counts its calls).
fn start_daemon_thread_calling(f: Object, code: &str, entered: &AtomicUsize) {
    let g = libpython::Dict::from_pairs([("f", &f)]).unwrap();
    libpython::exec(
        &format!("import threading\n{code}\nthreading.Thread(target=target, daemon=True).start()"),
        &g,
    )
    .unwrap();
    drop((g, f));
    let start = Instant::now();
    while entered.load(Ordering::SeqCst) == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "never called");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_thread_python_started_inside_detach_when_python_shuts_down_stays_parked() {
    in_child!(
        "a_thread_python_started_inside_detach_when_python_shuts_down_stays_parked",
        {
            python();
            let entered = Arc::new(AtomicUsize::new(0));
            let returned = Arc::new(AtomicUsize::new(0));
            let (e, r) = (entered.clone(), returned.clone());
            // The call releases the GIL and takes it back: after `Py_FinalizeEx` marked
            // Python finalizing, CPython would end the thread there, in the middle of Rust
            // frames (before 3.14); and a daemon thread blocked there must not keep Python
            // from shutting down.
            let f = libpython::function("block", None, move |a: &Args<'_>| {
                e.fetch_add(1, Ordering::SeqCst);
                a.py()
                    .detach(|| std::thread::sleep(Duration::from_millis(300)));
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
            start_daemon_thread_calling(f, "def target():\n    while True:\n        f()", &entered);
            libpython::finalize().unwrap();
            // The thread never takes the GIL back: it stays parked inside `detach`.
            std::thread::sleep(Duration::from_millis(700));
            assert_eq!(returned.load(Ordering::SeqCst), 0);
            assert_eq!(entered.load(Ordering::SeqCst), 1);
            libpython::initialize().unwrap();
            assert_eq!(
                libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(),
                2
            );
            assert_eq!(returned.load(Ordering::SeqCst), 0);
        }
    );
}

#[test]
fn threads_python_joins_at_shutdown_may_call_into_rust_until_joined_then_calls_are_refused() {
    in_child!(
        "threads_python_joins_at_shutdown_may_call_into_rust_until_joined_then_calls_are_refused",
        {
            python();
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let calls = Arc::new(AtomicUsize::new(0));
            let (f1, f2, c) = (flag.clone(), flag.clone(), calls.clone());
            // A thread `threading` joins at shutdown waits, inside Rust, for another that sets
            // a flag through Rust once `finalize` has begun; a daemon thread calls in a loop.
            let wait = libpython::function("wait", None, move |a: &Args<'_>| {
                while !f1.load(Ordering::SeqCst) {
                    a.py()
                        .detach(|| std::thread::sleep(Duration::from_millis(5)));
                }
                Ok(())
            })
            .unwrap();
            let set = libpython::function("set", None, move |_a: &Args<'_>| {
                f2.store(true, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
            let tick = libpython::function("tick", None, move |_a: &Args<'_>| {
                c.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
            let g = libpython::Dict::from_pairs([("wait", &wait), ("set", &set), ("tick", &tick)])
                .unwrap();
            libpython::exec(
                "import threading, time\n\
                 threading.Thread(target=wait).start()\n\
                 def setter():\n\
                 \x20   time.sleep(0.3)\n\
                 \x20   set()\n\
                 threading.Thread(target=setter).start()\n\
                 def ticker():\n\
                 \x20   while True:\n\
                 \x20       tick()\n\
                 threading.Thread(target=ticker, daemon=True).start()\n",
                &g,
            )
            .unwrap();
            drop((g, wait, set, tick));
            std::thread::sleep(Duration::from_millis(50));
            libpython::finalize().unwrap();
            assert!(flag.load(Ordering::SeqCst));
            let after = calls.load(Ordering::SeqCst);
            assert!(after > 0);
            std::thread::sleep(Duration::from_millis(200));
            assert_eq!(calls.load(Ordering::SeqCst), after);
        }
    );
}

#[test]
fn daemon_threads_printing_while_python_is_finalized_and_started_again_do_not_abort_it() {
    in_child!(
        "daemon_threads_printing_while_python_is_finalized_and_started_again_do_not_abort_it",
        {
            for _ in 0..8 {
                python();
                libpython::exec(
                    "import threading\ndef loop():\n    while True:\n        print('x' * 100)\nthreading.Thread(target=loop, daemon=True).start()",
                    &libpython::Dict::new().unwrap(),
                )
                .unwrap();
                std::thread::sleep(Duration::from_millis(50));
                libpython::finalize().unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    );
}

#[test]
fn a_sub_interpreter_running_a_daemon_thread_python_started_is_busy_not_a_fatal_error() {
    in_child!(
        "a_sub_interpreter_running_a_daemon_thread_python_started_is_busy_not_a_fatal_error",
        {
            python();
            let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
            let started = libpython::with_interpreter(&sub, || {
                let g = libpython::Dict::new()?;
                libpython::exec(
                    "import threading, time\n\
                     def loop():\n\
                     \x20   while True:\n\
                     \x20       time.sleep(0.01)\n\
                     try:\n\
                     \x20   threading.Thread(target=loop, daemon=True).start()\n\
                     \x20   started = True\n\
                     except RuntimeError:\n\
                     \x20   started = False\n",
                    &g,
                )?;
                g.get_as::<bool>("started")
            })
            .unwrap()
            .unwrap()
            .unwrap();
            std::thread::sleep(Duration::from_millis(50));
            if started {
                // CPython aborts ending an interpreter with a thread of its own still alive.
                let e = sub.end().unwrap_err();
                assert!(matches!(e, interp::Error::InterpreterBusy), "{e:?}");
                assert!(sub.is_alive());
                // Still usable.
                let n = libpython::with_interpreter(&sub, || {
                    libpython::eval("6 * 7")?.extract::<i64>()
                })
                .unwrap()
                .unwrap();
                assert_eq!(n, 42);
                // CPython cannot finalize with a sub-interpreter left either: refused too.
                let e = libpython::finalize().unwrap_err();
                assert!(
                    matches!(e.kind(), ErrorKind::Interp(interp::Error::InterpreterBusy)),
                    "{e:?}"
                );
                assert_eq!(
                    libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap(),
                    2
                );
            } else {
                // Sub-interpreters that refuse daemon threads (3.12 and later) end as usual.
                sub.end().unwrap();
                libpython::finalize().unwrap();
            }
        }
    );
}

/// The main interpreter's thread states (a walk of its list under the GIL).
fn main_thread_states() -> usize {
    libpython::attach(|_py| {
        let api = libpython_ffi::api();
        let (head, next) = (
            api.PyInterpreterState_ThreadHead.expect("exported"),
            api.PyThreadState_Next.expect("exported"),
        );
        // SAFETY: the main GIL is held (attach), so the list does not change during the walk.
        let n = unsafe {
            let mut t = head(libpython_ffi::PyInterpreterState_Get());
            let mut n = 0;
            while !t.is_null() {
                n += 1;
                t = next(t);
            }
            n
        };
        Ok(n)
    })
    .unwrap()
}

#[test]
fn a_thread_named_main_gives_its_thread_state_back_when_it_exits() {
    in_child!(
        "a_thread_named_main_gives_its_thread_state_back_when_it_exits",
        {
            python();
            let before = main_thread_states();
            for _ in 0..5 {
                std::thread::Builder::new()
                    .name("main".into())
                    .spawn(|| libpython::eval("1 + 1").unwrap().extract::<i64>().unwrap())
                    .unwrap()
                    .join()
                    .unwrap();
            }
            assert_eq!(main_thread_states(), before);
        }
    );
}

#[test]
fn a_program_running_atexit_callbacks_itself_neither_parks_nor_waits_for_its_threads() {
    in_child!(
        "a_program_running_atexit_callbacks_itself_neither_parks_nor_waits_for_its_threads",
        within = Duration::from_secs(60),
        {
            python();
            // From inside a call into Rust on a thread Python started, and beside one inside
            // `detach`: Python is not shutting down, so the library's callback does nothing.
            let call = libpython::function("call", None, |a: &Args<'_>| {
                a.py().exec(
                    "import atexit; atexit._run_exitfuncs()",
                    &libpython::Dict::new()?,
                )?;
                Ok(())
            })
            .unwrap();
            let block = libpython::function("block", None, |a: &Args<'_>| {
                a.py()
                    .detach(|| std::thread::sleep(Duration::from_millis(300)));
                Ok(())
            })
            .unwrap();
            let g = libpython::Dict::from_pairs([("call", &call), ("block", &block)]).unwrap();
            libpython::exec(
                "import threading, time, atexit\n\
                 t = threading.Thread(target=call)\n\
                 t.start()\n\
                 t.join(10)\n\
                 first = not t.is_alive()\n\
                 t = threading.Thread(target=block)\n\
                 t.start()\n\
                 time.sleep(0.1)\n\
                 atexit._run_exitfuncs()\n\
                 t.join(10)\n\
                 second = not t.is_alive()\n\
                 t = threading.Thread(target=call)\n\
                 t.start()\n\
                 t.join(10)\n\
                 third = not t.is_alive()\n",
                &g,
            )
            .unwrap();
            for name in ["first", "second", "third"] {
                assert!(g.get_as::<bool>(name).unwrap().unwrap(), "{name}");
            }
        }
    );
}

/// Held by a Rust thread while a thread Python started waits for it at shutdown.
static SHUTDOWN_LOCK: Mutex<u32> = Mutex::new(0);

#[test]
fn a_lock_taken_without_the_gil_by_a_thread_parked_at_shutdown_is_let_go() {
    in_child!(
        "a_lock_taken_without_the_gil_by_a_thread_parked_at_shutdown_is_let_go",
        within = Duration::from_secs(60),
        {
            python();
            let entered = Arc::new(AtomicUsize::new(0));
            let e = entered.clone();
            let holder = std::thread::spawn(|| {
                let g = SHUTDOWN_LOCK.lock().unwrap();
                std::thread::sleep(Duration::from_millis(600));
                drop(g);
            });
            std::thread::sleep(Duration::from_millis(50));
            let f = libpython::function("f", None, move |_a: &Args<'_>| {
                e.fetch_add(1, Ordering::SeqCst);
                *libpython::lock_without_gil(&SHUTDOWN_LOCK) += 1;
                Ok(())
            })
            .unwrap();
            start_daemon_thread_calling(f, "target = f", &entered);
            // The daemon thread waits for the lock without the GIL, gets it once shutdown is
            // under way, and stays parked: without the lock.
            libpython::finalize().unwrap();
            holder.join().unwrap();
            std::thread::sleep(Duration::from_millis(200));
            assert!(SHUTDOWN_LOCK.try_lock().is_ok());
        }
    );
}
