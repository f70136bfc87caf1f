//! `libpython::asyncio`: Python awaitables awaited from Rust (tokio and `block_on`), Rust
//! futures awaited from Python, cancellation both ways, errors and panics, sub-interpreters,
//! and the end of an interpreter or of Python with work still pending. Tests that end Python,
//! count threads or could hang run in a child process with a deadline.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libpython::asyncio;
use libpython::{Dict, Error, ErrorKind, Interpreter, Object, SubConfig, interp};
use libpython_tests::{assert_child_passes_within, is_child, python};

/// Runs `body` in a child process (or, in the child, runs it), failing if the child does not
/// pass within two minutes.
macro_rules! in_child {
    ($name:literal, $body:block) => {
        if is_child() {
            $body
            return;
        }
        assert_child_passes_within(concat!("asyncio::", $name), &[], Duration::from_secs(120));
    };
}

/// A namespace with `code` run in it.
fn ns(code: &str) -> Dict {
    let g = Dict::new().unwrap();
    libpython::exec(code, &g).unwrap_or_else(|e| panic!("{e}"));
    g
}

fn get(g: &Dict, name: &str) -> Object {
    g.get(name).unwrap().unwrap_or_else(|| panic!("no {name}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Waits until `cond` holds, at most ten seconds; whether it did.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// Threads of this process whose name starts with `prefix` (names are cut to 15 bytes).
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end().starts_with(prefix))
        .count()
}

/// Sets its flag when dropped: shows that a Rust future was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A Rust future that never finishes, flagging when it starts and when it is dropped.
fn pending_forever(
    started: Arc<AtomicBool>,
    dropped: Arc<AtomicBool>,
) -> impl std::future::Future<Output = libpython::Result<()>> + Send + 'static {
    let guard = DropFlag(dropped);
    async move {
        let _guard = guard;
        started.store(true, Ordering::SeqCst);
        std::future::pending::<()>().await;
        Ok(())
    }
}

const AWAITS: &str = r#"
import asyncio

async def add(a, b):
    await asyncio.sleep(0.001)
    return a + b

async def ready():
    return "ready"

async def fails():
    await asyncio.sleep(0)
    raise ValueError("bad value")

class Awaitable:
    def __await__(self):
        yield from asyncio.sleep(0).__await__()
        return "custom"

async def main(aw):
    return await aw

async def gathered():
    return await asyncio.gather(ready(), ready())
"#;

// ---- Python from Rust ----

#[test]
fn coroutines_are_awaited_from_block_on_and_from_tokio() {
    python();
    let g = ns(AWAITS);
    let add = get(&g, "add");
    let r = asyncio::block_on(asyncio::into_future(add.call((1, 2)).unwrap())).unwrap();
    assert_eq!(r.extract::<i64>().unwrap(), 3);
    let rt = runtime();
    let r = rt
        .block_on(async { asyncio::into_future(add.call((20, 22))?).await })
        .unwrap();
    assert_eq!(r.extract::<i64>().unwrap(), 42);
    // A coroutine that finishes without waiting.
    let r = rt
        .block_on(asyncio::into_future(get(&g, "ready").call(()).unwrap()))
        .unwrap();
    assert_eq!(r.extract::<String>().unwrap(), "ready");
}

#[test]
fn every_kind_of_awaitable_is_awaited_and_other_objects_are_a_type_error() {
    python();
    let g = ns(AWAITS);
    let aw = |code: &str| libpython::eval_with(code, &g, None).unwrap();
    let cases = [
        ("asyncio.sleep(0, 'sleep')", "sleep"),
        ("Awaitable()", "custom"),
        ("gathered()", "['ready', 'ready']"),
    ];
    for (code, expected) in cases {
        let r = asyncio::block_on(asyncio::into_future(aw(code)))
            .unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(r.str().unwrap(), expected, "{code}");
    }
    let e = asyncio::block_on(asyncio::into_future(aw("42"))).unwrap_err();
    assert_eq!(
        e.as_python().map(|p| p.type_name().to_owned()).as_deref(),
        Some("TypeError"),
        "{e:?}"
    );
}

#[test]
fn a_python_exception_arrives_as_an_error_with_its_traceback() {
    python();
    let g = ns(AWAITS);
    let e =
        asyncio::block_on(asyncio::into_future(get(&g, "fails").call(()).unwrap())).unwrap_err();
    let p = e
        .as_python()
        .unwrap_or_else(|| panic!("not a Python exception: {e:?}"));
    assert_eq!(p.type_name(), "ValueError");
    assert_eq!(p.message(), "bad value");
    assert!(p.traceback().contains("in fails"), "{}", p.traceback());
    assert!(
        p.traceback().trim_end().ends_with("ValueError: bad value"),
        "{}",
        p.traceback()
    );
}

#[test]
fn ten_thousand_concurrent_awaits_finish() {
    python();
    let sleep = libpython::eval("__import__('asyncio').sleep").unwrap();
    let futures: Vec<_> = (0..10_000i64)
        .map(|i| asyncio::into_future(sleep.call((0.01, i)).unwrap()))
        .collect();
    let rt = runtime();
    let t = Instant::now();
    let total = rt.block_on(async {
        let mut total = 0i64;
        for f in futures {
            total += f.await?.extract::<i64>()?;
        }
        Ok::<_, Error>(total)
    });
    assert_eq!(total.unwrap(), (0..10_000).sum::<i64>());
    // Concurrent, not one after the other (which would take 100 s).
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
}

#[test]
fn dropping_the_rust_future_cancels_the_python_task() {
    python();
    let g = ns(r#"
import asyncio, time
events = []
blocking = []
async def block():
    blocking.append(1)
    time.sleep(0.3)
async def forever():
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        events.append("cancelled")
        raise
"#);
    let rt = runtime();
    let coro = get(&g, "forever").call(()).unwrap();
    let r = rt.block_on(async {
        tokio::time::timeout(Duration::from_millis(50), asyncio::into_future(coro)).await
    });
    assert!(r.is_err(), "the timeout elapsed");
    let events = get(&g, "events");
    assert!(
        eventually(|| events.len().unwrap() == 1),
        "the task was not cancelled"
    );
    assert_eq!(events.str().unwrap(), "['cancelled']");

    // Dropped before the loop started it: the coroutine never runs, and is closed (so Python
    // does not warn that it was never awaited).
    let busy = asyncio::into_future(get(&g, "block").call(()).unwrap());
    let blocking = get(&g, "blocking");
    assert!(eventually(|| blocking.len().unwrap() == 1));
    let coro = get(&g, "forever").call(()).unwrap();
    drop(asyncio::into_future(coro.clone()));
    asyncio::block_on(busy).unwrap();
    let state = libpython::eval("__import__('inspect').getcoroutinestate").unwrap();
    assert!(eventually(|| state
        .call((&coro,))
        .unwrap()
        .extract::<String>()
        .unwrap()
        == "CORO_CLOSED"));
    assert_eq!(events.len().unwrap(), 1, "the dropped coroutine never ran");
}

#[test]
fn a_rust_task_waiting_for_python_holds_no_gil() {
    in_child!("a_rust_task_waiting_for_python_holds_no_gil", {
        python();
        let g = ns(
            "import asyncio\nflag = []\nasync def wait_flag():\n    while not flag:\n        await asyncio.sleep(0.001)\n    return 'seen'",
        );
        let fut = asyncio::into_future(get(&g, "wait_flag").call(()).unwrap());
        let waiter =
            std::thread::spawn(move || asyncio::block_on(fut).map(|r| r.extract::<String>()));
        std::thread::sleep(Duration::from_millis(50));
        // Taking the GIL here would wait forever if the waiting thread held it.
        libpython::attach(|py| {
            let flag = get(&g, "flag");
            flag.bind(py)?.call_method("append", (1,))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(waiter.join().unwrap().unwrap().unwrap(), "seen");
    });
}

#[test]
fn waiting_for_python_while_holding_the_gil_is_an_error_not_a_hang() {
    in_child!(
        "waiting_for_python_while_holding_the_gil_is_an_error_not_a_hang",
        {
            python();
            let sleep = libpython::eval("__import__('asyncio').sleep").unwrap();
            let e = libpython::attach(|_py| {
                Ok(asyncio::block_on(asyncio::into_future(
                    sleep.call((0.05,))?,
                )))
            })
            .unwrap()
            .unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Interp(interp::Error::HoldsGil(_))),
                "{e:?}"
            );
            // Inside `detach` it works.
            let r = libpython::attach(|py| {
                py.detach(|| asyncio::block_on(asyncio::into_future(sleep.call((0.01, 5))?)))
            })
            .unwrap();
            assert_eq!(r.extract::<i64>().unwrap(), 5);
        }
    );
}

#[test]
fn waiting_on_the_thread_of_the_loop_itself_is_an_error_not_a_hang() {
    in_child!(
        "waiting_on_the_thread_of_the_loop_itself_is_an_error_not_a_hang",
        {
            python();
            let g = ns(AWAITS);
            let add = get(&g, "add");
            // A Rust function called by a coroutine on the library's loop waits (without the GIL)
            // for another coroutine of that loop.
            let wait_here = libpython::function("wait_here", None, move |a| {
                let add = add.clone();
                let r = a.py().detach(move || {
                    asyncio::block_on(asyncio::into_future(add.call((1, 1))?)).map(drop)
                });
                Ok(match r {
                    Ok(()) => "finished".to_owned(),
                    Err(e) => e.to_string(),
                })
            })
            .unwrap();
            let g2 = ns("async def caller(f):\n    return f()");
            let r = asyncio::block_on(asyncio::into_future(
                get(&g2, "caller").call((wait_here,)).unwrap(),
            ))
            .unwrap();
            let text = r.extract::<String>().unwrap();
            assert!(text.contains("thread that runs its event loop"), "{text}");
        }
    );
}

// ---- Rust from Python ----

#[test]
fn python_awaits_rust_futures_and_gets_their_converted_output() {
    python();
    let g = ns(AWAITS);
    let main = get(&g, "main");
    let aw = asyncio::future_into_py(async { Ok(vec![1i64, 2, 3]) }).unwrap();
    let r = asyncio::block_on(asyncio::into_future(main.call((aw,)).unwrap())).unwrap();
    assert_eq!(r.extract::<Vec<i64>>().unwrap(), [1, 2, 3]);
    // With tokio's timers.
    let rt = runtime();
    let r = rt.block_on(async {
        let aw = asyncio::tokio::future_into_py(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok("slept in tokio")
        })?;
        asyncio::into_future(main.call((aw,))?).await
    });
    assert_eq!(r.unwrap().extract::<String>().unwrap(), "slept in tokio");
    // An async function, from the caller's own `asyncio.run` on this thread.
    let double = asyncio::async_function("double", None, |a| {
        let x: i64 = a.extract(0)?;
        Ok(async move { Ok(2 * x) })
    })
    .unwrap();
    let g2 = Dict::from_pairs([("double", &double)]).unwrap();
    libpython::exec(
        "import asyncio\nasync def go():\n    return await double(21)\nr = asyncio.run(go())",
        &g2,
    )
    .unwrap();
    assert_eq!(g2.get_as::<i64>("r").unwrap(), Some(42));
}

#[test]
fn an_error_of_a_rust_future_is_raised_as_its_exception() {
    python();
    let g = ns(
        "async def outcome(aw):\n    try:\n        return await aw\n    except Exception as e:\n        return f'{type(e).__name__}: {e}'",
    );
    let outcome = |aw: Object| -> String {
        let r = asyncio::block_on(asyncio::into_future(
            get(&g, "outcome").call((aw,)).unwrap(),
        ))
        .unwrap();
        r.extract().unwrap()
    };
    let aw = asyncio::future_into_py(async { Err::<(), _>(Error::conversion("no good")) }).unwrap();
    assert_eq!(outcome(aw), "ValueError: no good");
    // A Python exception met by the Rust future is raised as itself.
    let aw = asyncio::future_into_py(async { libpython::eval("int('x')").map(drop) }).unwrap();
    assert_eq!(
        outcome(aw),
        "ValueError: invalid literal for int() with base 10: 'x'"
    );
}

#[test]
fn a_panic_in_a_rust_future_is_raised_as_rust_panic() {
    python();
    let g = ns(
        "async def outcome(aw):\n    try:\n        await aw\n    except Exception:\n        return 'caught as an Exception'\n    except BaseException as e:\n        return f'{type(e).__name__}: {e}'",
    );
    let aw = asyncio::future_into_py(async {
        if std::hint::black_box(true) {
            panic!("boom");
        }
        Ok(())
    })
    .unwrap();
    let r = asyncio::block_on(asyncio::into_future(
        get(&g, "outcome").call((aw,)).unwrap(),
    ))
    .unwrap();
    assert_eq!(
        r.extract::<String>().unwrap(),
        "RustPanic: Rust panic: boom"
    );
    // The executor survived it.
    let aw = asyncio::future_into_py(async { Ok(1) }).unwrap();
    let r = asyncio::block_on(asyncio::into_future(
        get(&ns(AWAITS), "main").call((aw,)).unwrap(),
    ))
    .unwrap();
    assert_eq!(r.extract::<i64>().unwrap(), 1);
}

#[test]
fn a_rust_future_can_be_awaited_only_once() {
    python();
    let g = ns(
        "async def twice(aw):\n    await aw\n    try:\n        await aw\n    except RuntimeError as e:\n        return str(e)",
    );
    let aw = asyncio::future_into_py(async { Ok(()) }).unwrap();
    let r = asyncio::block_on(asyncio::into_future(get(&g, "twice").call((aw,)).unwrap())).unwrap();
    assert!(r.extract::<String>().unwrap().contains("only once"), "{r}");
}

#[test]
fn cancelling_the_python_task_drops_the_rust_future() {
    python();
    let g = ns(
        // The Python task waits until the Rust future has started (a loaded machine may take
        // a while to poll it), then gives up on it.
        "import asyncio\nasync def impatient(aw, started):\n    t = asyncio.ensure_future(aw)\n    while not started():\n        await asyncio.sleep(0.001)\n    try:\n        await asyncio.wait_for(t, 0.05)\n    except asyncio.TimeoutError:\n        return 'timed out'",
    );
    let rt = runtime();
    for on_tokio in [false, true] {
        let (started, dropped) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let future = pending_forever(started.clone(), dropped.clone());
        let aw = if on_tokio {
            let _in = rt.enter();
            asyncio::tokio::future_into_py(future).unwrap()
        } else {
            asyncio::future_into_py(future).unwrap()
        };
        let seen = started.clone();
        let started_fn = libpython::function("started", None, move |_a: &libpython::Args<'_>| {
            Ok(seen.load(Ordering::SeqCst))
        })
        .unwrap();
        let r = asyncio::block_on(asyncio::into_future(
            get(&g, "impatient").call((aw, started_fn)).unwrap(),
        ))
        .unwrap();
        assert_eq!(r.extract::<String>().unwrap(), "timed out");
        assert!(started.load(Ordering::SeqCst));
        assert!(
            eventually(|| dropped.load(Ordering::SeqCst)),
            "the Rust future was not dropped (tokio: {on_tokio})"
        );
    }
    // Never awaited: dropped with the awaitable.
    let (started, dropped) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let aw = asyncio::future_into_py(pending_forever(started.clone(), dropped.clone())).unwrap();
    // Dropped on a thread without the GIL: the reference is queued and released at the next
    // acquisition of the GIL.
    drop(aw);
    libpython::attach(|_| Ok(())).unwrap();
    assert!(eventually(|| dropped.load(Ordering::SeqCst)));
    assert!(!started.load(Ordering::SeqCst));
}

#[test]
fn a_rust_future_awaits_python_on_the_loop_of_the_task_awaiting_it() {
    python();
    let g = ns(r#"
import asyncio, threading
async def where():
    return (id(asyncio.get_running_loop()), threading.get_ident())
async def outer(rust_fn):
    here = (id(asyncio.get_running_loop()), threading.get_ident())
    return here == await rust_fn()
def run_outer(rust_fn):
    return asyncio.run(outer(rust_fn))
"#);
    let where_ = get(&g, "where");
    let rust_fn = asyncio::async_function("rust_fn", None, move |a| {
        let coro = where_.bind(a.py())?.call(())?.unbind();
        Ok(async move { asyncio::into_future(coro).await })
    })
    .unwrap();
    // The program's own loop, on this thread.
    let same: bool = get(&g, "run_outer")
        .call((&rust_fn,))
        .unwrap()
        .extract()
        .unwrap();
    assert!(
        same,
        "the inner coroutine ran on another loop than the caller's asyncio.run"
    );
    // The library's loop.
    let r = asyncio::block_on(asyncio::into_future(
        get(&g, "outer").call((&rust_fn,)).unwrap(),
    ))
    .unwrap();
    assert!(
        r.extract::<bool>().unwrap(),
        "the inner coroutine ran on another loop than the library's"
    );
}

#[test]
fn a_spawner_of_ones_own_runs_the_futures_python_awaits() {
    python();
    struct Counting(Arc<AtomicUsize>);
    impl asyncio::Spawn for Counting {
        fn spawn(&self, task: asyncio::Task) {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || asyncio::block_on(task));
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    let square =
        asyncio::async_function_with(Arc::new(Counting(count.clone())), "square", None, |a| {
            let x: i64 = a.extract(0)?;
            Ok(async move { Ok(x * x) })
        })
        .unwrap();
    let g = Dict::from_pairs([("square", &square)]).unwrap();
    libpython::exec("import asyncio\nasync def go():\n    return sum(await asyncio.gather(*(square(i) for i in range(5))))", &g).unwrap();
    let r = asyncio::block_on(asyncio::into_future(get(&g, "go").call(()).unwrap())).unwrap();
    assert_eq!(r.extract::<i64>().unwrap(), 30);
    assert_eq!(count.load(Ordering::SeqCst), 5);
}

#[test]
fn tokio_futures_made_outside_a_runtime_need_a_registered_one() {
    in_child!(
        "tokio_futures_made_outside_a_runtime_need_a_registered_one",
        {
            python();
            let e = asyncio::tokio::future_into_py(async { Ok(1) }).unwrap_err();
            assert!(e.to_string().contains("set_handle"), "{e}");
            let rt = runtime();
            asyncio::tokio::set_handle(rt.handle().clone());
            let aw = asyncio::tokio::future_into_py(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok(1)
            })
            .unwrap();
            let r = asyncio::block_on(asyncio::into_future(
                get(&ns(AWAITS), "main").call((aw,)).unwrap(),
            ))
            .unwrap();
            assert_eq!(r.extract::<i64>().unwrap(), 1);
        }
    );
}

#[test]
fn a_rust_future_its_executor_drops_unfinished_raises_in_python_not_a_hang() {
    in_child!(
        "a_rust_future_its_executor_drops_unfinished_raises_in_python_not_a_hang",
        {
            python();
            let g = ns(r#"
import asyncio, threading
async def main(aw):
    return await aw
def run(aw, res):
    try:
        res.append(asyncio.run(main(aw)))
    except RuntimeError as e:
        res.append(str(e))
def on_a_thread(aw):
    res = []
    threading.Thread(target=run, args=(aw, res), daemon=True).start()
    return res
"#);
            // Awaited on a loop of a Python thread's own, and on the library's loop.
            for on_library_loop in [false, true] {
                let (started, dropped) = (
                    Arc::new(AtomicBool::new(false)),
                    Arc::new(AtomicBool::new(false)),
                );
                let rt = runtime();
                let aw = {
                    let _in = rt.enter();
                    asyncio::tokio::future_into_py(pending_forever(
                        started.clone(),
                        dropped.clone(),
                    ))
                    .unwrap()
                };
                let outcome: Box<dyn Fn() -> Option<String>> = if on_library_loop {
                    let (tx, rx) = std::sync::mpsc::channel();
                    let coro = get(&g, "main").call((aw,)).unwrap();
                    std::thread::spawn(move || {
                        let r = asyncio::block_on(asyncio::into_future(coro));
                        let _ = tx.send(r.map_err(|e| e.to_string()).map(|o| o.to_string()));
                    });
                    Box::new(move || rx.try_recv().ok().map(|r| r.unwrap_err()))
                } else {
                    let res = get(&g, "on_a_thread").call((aw,)).unwrap();
                    Box::new(move || res.extract::<Vec<String>>().unwrap().pop())
                };
                assert!(eventually(|| started.load(Ordering::SeqCst)));
                // The runtime drops its tasks unfinished.
                drop(rt);
                assert!(dropped.load(Ordering::SeqCst));
                let mut seen = None;
                assert!(
                    eventually(|| {
                        seen = outcome();
                        seen.is_some()
                    }),
                    "the Python task still waits for the dropped Rust future (library loop: {on_library_loop})"
                );
                let seen = seen.unwrap();
                assert!(seen.contains("executor dropped the Rust future"), "{seen}");
            }
        }
    );
}

#[test]
fn a_task_nobody_references_awaiting_a_rust_future_is_kept_by_its_running_loop() {
    python();
    let g = ns(r#"
import asyncio, gc
async def record(aw, out):
    out.append(await aw)
async def unreferenced(make):
    out = []
    # Nobody keeps the task: its loop does, as it keeps a task sleeping on a timer.
    asyncio.ensure_future(record(make(), out))
    while not out:
        gc.collect()
        await asyncio.sleep(0.005)
    return out[0]
def run(make):
    return asyncio.run(asyncio.wait_for(unreferenced(make), 10))
"#);
    let rt = runtime();
    let slow = {
        let _in = rt.enter();
        asyncio::tokio::async_function("slow", None, |_a| {
            Ok(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(7i64)
            })
        })
        .unwrap()
    };
    // A Rust future awaiting a Python task of that loop that nobody references either.
    let sleep = libpython::eval("__import__('asyncio').sleep").unwrap();
    let awaits_python = asyncio::async_function("awaits_python", None, move |a| {
        let coro = sleep.bind(a.py())?.call((0.05, 7))?.unbind();
        Ok(async move { asyncio::into_future(coro).await?.extract::<i64>() })
    })
    .unwrap();
    for make in [&slow, &awaits_python] {
        let r = get(&g, "run")
            .call((make,))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.extract::<i64>().unwrap(), 7);
    }
}

/// Counts the Rust futures that started and those dropped.
#[derive(Default)]
struct Counts {
    started: AtomicUsize,
    dropped: AtomicUsize,
}

/// Counts its drop.
struct CountDrop(Arc<Counts>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// File descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn rust_futures_pending_on_a_loop_python_abandoned_are_dropped_and_free_the_loop() {
    in_child!(
        "rust_futures_pending_on_a_loop_python_abandoned_are_dropped_and_free_the_loop",
        {
            python();
            let g = ns(r#"
import asyncio, gc, weakref
async def forever():
    await asyncio.Event().wait()
def abandon(make, started, close):
    # A task awaiting a Rust future, left pending on a loop then closed or just dropped.
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda loop, context: None)
    async def main():
        n = started()
        t = asyncio.ensure_future(make())
        while started() == n:
            await asyncio.sleep(0.001)
    loop.run_until_complete(main())
    if close:
        loop.close()
    return weakref.ref(loop)
def alive(refs):
    gc.collect()
    return sum(1 for r in refs if r() is not None)
"#);
            let rt = runtime();
            let counts = Arc::new(Counts::default());
            let c = counts.clone();
            let started = libpython::function("started", None, move |_a| {
                Ok(c.started.load(Ordering::SeqCst))
            })
            .unwrap();
            let pending = |counts: &Arc<Counts>| {
                let guard = CountDrop(counts.clone());
                let counts = counts.clone();
                async move {
                    let _guard = guard;
                    counts.started.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                    Ok(())
                }
            };
            let c = counts.clone();
            let plain = asyncio::async_function("plain", None, move |_a| Ok(pending(&c))).unwrap();
            let c = counts.clone();
            let on_tokio = {
                let _in = rt.enter();
                asyncio::tokio::async_function("on_tokio", None, move |_a| Ok(pending(&c))).unwrap()
            };
            let c = counts.clone();
            let forever = get(&g, "forever");
            let awaits_python = asyncio::async_function("awaits_python", None, move |a| {
                let coro = forever.bind(a.py())?.call(())?.unbind();
                let guard = CountDrop(c.clone());
                let c = c.clone();
                Ok(async move {
                    let _guard = guard;
                    c.started.fetch_add(1, Ordering::SeqCst);
                    asyncio::into_future(coro).await.map(drop)
                })
            })
            .unwrap();
            let (abandon, alive) = (get(&g, "abandon"), get(&g, "alive"));
            let fds = open_fds();
            for make in [&plain, &on_tokio, &awaits_python] {
                for close in [true, false] {
                    let refs = libpython::List::new().unwrap();
                    for _ in 0..10 {
                        refs.push(abandon.call((make, &started, close)).unwrap())
                            .unwrap();
                    }
                    let mut left = 0;
                    assert!(
                        eventually(|| {
                            left = alive
                                .call((refs.as_object(),))
                                .unwrap()
                                .extract::<usize>()
                                .unwrap();
                            left == 0
                        }),
                        "{left} of 10 loops still alive ({}, closed: {close})",
                        make.getattr("__name__").unwrap()
                    );
                }
            }
            assert_eq!(counts.started.load(Ordering::SeqCst), 60);
            assert!(
                eventually(|| counts.dropped.load(Ordering::SeqCst) == 60),
                "{} of 60 Rust futures dropped",
                counts.dropped.load(Ordering::SeqCst)
            );
            let now = open_fds();
            assert!(now <= fds + 2, "{fds} files open before, {now} after");

            // A Rust future waiting elsewhere for a task of an abandoned loop gets an error
            // when the loop is freed, instead of waiting forever.
            let (tx, rx) = std::sync::mpsc::channel();
            let tx = Mutex::new(tx);
            let forever = get(&g, "forever");
            let c = counts.clone();
            let hands_off = {
                let _in = rt.enter();
                asyncio::tokio::async_function("hands_off", None, move |a| {
                    let coro = forever.bind(a.py())?.call(())?.unbind();
                    let (tx, c) = (tx.lock().unwrap().clone(), c.clone());
                    Ok(async move {
                        // On the loop of the Python task awaiting this future.
                        let waiting = asyncio::into_future(coro);
                        tokio::spawn(async move {
                            let _ = tx.send(waiting.await.map(drop).map_err(|e| e.to_string()));
                        });
                        c.started.fetch_add(1, Ordering::SeqCst);
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                })
                .unwrap()
            };
            let refs = libpython::List::new().unwrap();
            refs.push(abandon.call((&hands_off, &started, false)).unwrap())
                .unwrap();
            assert_eq!(
                alive
                    .call((refs.as_object(),))
                    .unwrap()
                    .extract::<usize>()
                    .unwrap(),
                0
            );
            let e = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("the Rust future still waits for a task of a freed loop")
                .unwrap_err();
            assert!(e.contains("closed or freed"), "{e}");
        }
    );
}

// ---- Interpreters and shutdown ----

#[test]
fn sub_interpreters_run_their_own_loops_and_ending_one_ends_what_waits() {
    in_child!(
        "sub_interpreters_run_their_own_loops_and_ending_one_ends_what_waits",
        {
            python();
            let version = libpython::ffi::library().unwrap().version();
            let mut configs = vec![SubConfig::shared_gil()];
            if version.at_least(3, 12) {
                configs.push(SubConfig::isolated());
            } else {
                let e = Interpreter::new(SubConfig::isolated()).unwrap_err();
                assert!(
                    matches!(
                        e.kind(),
                        ErrorKind::Interp(interp::Error::NeedsVersion { .. })
                    ),
                    "{e:?}"
                );
            }
            let rt = runtime();
            for config in configs {
                let sub = Interpreter::new(config).unwrap();
                let (quick, forever, rust_side) = libpython::with_interpreter(&sub, || {
                    let g = ns(AWAITS);
                    let triple = asyncio::async_function("triple", None, |a| {
                        let x: i64 = a.extract(0)?;
                        Ok(async move { Ok(3 * x) })
                    })?;
                    let sleep = libpython::eval("__import__('asyncio').sleep")?;
                    Ok::<_, Error>((
                        sleep.call((0, "sub"))?,
                        sleep.call((3600,))?,
                        get(&g, "main").call((triple.call((14,))?,))?,
                    ))
                })
                .unwrap()
                .unwrap();
                assert_eq!(
                    asyncio::block_on(asyncio::into_future(quick))
                        .unwrap()
                        .extract::<String>()
                        .unwrap(),
                    "sub"
                );
                assert_eq!(
                    asyncio::block_on(asyncio::into_future(rust_side))
                        .unwrap()
                        .extract::<i64>()
                        .unwrap(),
                    42
                );
                let waiting = rt.spawn(asyncio::into_future(forever));
                assert!(eventually(|| threads_named("libpython-async") == 1));
                sub.end().unwrap();
                let e = rt.block_on(waiting).unwrap().unwrap_err();
                assert!(
                    matches!(e.kind(), ErrorKind::Interp(interp::Error::InterpreterEnded)),
                    "{e:?}"
                );
                assert_eq!(
                    threads_named("libpython-async"),
                    0,
                    "the sub-interpreter's loop thread is gone"
                );
            }
        }
    );
}

#[test]
fn finalize_with_pending_work_ends_it_and_leaves_no_thread() {
    in_child!("finalize_with_pending_work_ends_it_and_leaves_no_thread", {
        python();
        let notes = Arc::new(Mutex::new(Vec::<String>::new()));
        let n = notes.clone();
        let note = libpython::function("note", None, move |a| {
            n.lock().unwrap().push(a.extract(0)?);
            Ok(())
        })
        .unwrap();
        let g = ns(AWAITS);
        g.insert("note", &note).unwrap();
        libpython::exec(
            "async def stubborn():\n    try:\n        await asyncio.sleep(3600)\n    except asyncio.CancelledError:\n        await asyncio.sleep(0.1)\n        note('cleaned up')\n        raise",
            &g,
        )
        .unwrap();
        let rt = runtime();
        let sleep = libpython::eval("__import__('asyncio').sleep").unwrap();
        // Rust waits for Python.
        let waiting = rt.spawn(asyncio::into_future(sleep.call((3600,)).unwrap()));
        let stubborn = rt.spawn(asyncio::into_future(get(&g, "stubborn").call(()).unwrap()));
        // Python waits for Rust, on the built-in executor and on tokio.
        let flags: Vec<_> = (0..4).map(|_| Arc::new(AtomicBool::new(false))).collect();
        let builtin =
            asyncio::future_into_py(pending_forever(flags[0].clone(), flags[1].clone())).unwrap();
        let on_tokio = {
            let _in = rt.enter();
            asyncio::tokio::future_into_py(pending_forever(flags[2].clone(), flags[3].clone()))
                .unwrap()
        };
        let main = get(&g, "main");
        let awaiting =
            [builtin, on_tokio].map(|aw| rt.spawn(asyncio::into_future(main.call((aw,)).unwrap())));
        assert!(eventually(
            || flags[0].load(Ordering::SeqCst) && flags[2].load(Ordering::SeqCst)
        ));
        assert_eq!(threads_named("libpython-async"), 1);
        assert_eq!(threads_named("libpython-execu"), 1);
        let dead = libpython::eval("object()").unwrap();
        libpython::finalize().unwrap();

        let e = rt.block_on(waiting).unwrap().unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalizing)),
            "{e:?}"
        );
        let e = rt.block_on(stubborn).unwrap().unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalizing)),
            "{e:?}"
        );
        assert_eq!(
            *notes.lock().unwrap(),
            ["cleaned up"],
            "a cancelled task got to clean up"
        );
        for w in awaiting {
            let e = rt.block_on(w).unwrap().unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalizing)),
                "{e:?}"
            );
        }
        assert!(
            eventually(|| flags[1].load(Ordering::SeqCst) && flags[3].load(Ordering::SeqCst)),
            "the Rust futures were dropped"
        );
        assert_eq!(
            threads_named("libpython-"),
            0,
            "no thread of the library outlives Python"
        );

        // Work made after finalize is refused; Python started again runs it.
        let e = asyncio::future_into_py(async { Ok(1) }).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalized)),
            "{e:?}"
        );
        let e = asyncio::block_on(asyncio::into_future(dead)).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Interp(interp::Error::Finalized)),
            "{e:?}"
        );
        // Python 3.12 itself crashes importing `ssl` (which asyncio imports) a second time in
        // one process, after a restart: the restart is checked on the other versions.
        let version = libpython::ffi::library().unwrap().version();
        if version.at_least(3, 12) && !version.at_least(3, 13) {
            return;
        }
        libpython::initialize().unwrap();
        let sleep = libpython::eval("__import__('asyncio').sleep").unwrap();
        let r = rt
            .block_on(asyncio::into_future(sleep.call((0, "again")).unwrap()))
            .unwrap();
        assert_eq!(r.extract::<String>().unwrap(), "again");
        drop((r, sleep));
        libpython::finalize().unwrap();
        assert_eq!(threads_named("libpython-"), 0);
    });
}

#[test]
fn block_on_inside_a_future_of_the_builtin_executor_is_an_error_not_a_hang() {
    if is_child() {
        python();
        let g =
            ns("async def inner(f):\n    return await f\nasync def outer(f):\n    return await f");
        let leaf = asyncio::future_into_py(async { Ok(5i64) }).unwrap();
        let coro = get(&g, "inner").call((leaf,)).unwrap();
        // Waiting for `coro` (which waits for another future of the same executor) on the
        // executor's own thread would wait for itself.
        let fut = asyncio::future_into_py(async move {
            let r = asyncio::block_on(asyncio::into_future(coro))?;
            r.extract::<i64>()
        })
        .unwrap();
        let r = asyncio::block_on(asyncio::into_future(get(&g, "outer").call((fut,)).unwrap()));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("would wait for itself"), "{e}");
        return;
    }
    assert_child_passes_within(
        "asyncio::block_on_inside_a_future_of_the_builtin_executor_is_an_error_not_a_hang",
        &[],
        Duration::from_secs(120),
    );
}

#[test]
fn an_end_hook_added_by_the_program_leaves_the_library_s_own_in_place() {
    in_child!(
        "an_end_hook_added_by_the_program_leaves_the_library_s_own_in_place",
        {
            libpython::initialize().unwrap();
            let aw = libpython::eval("__import__('asyncio').sleep(3600)").unwrap();
            let waiter = std::thread::spawn(move || {
                libpython::asyncio::block_on(libpython::asyncio::into_future(aw)).map(drop)
            });
            std::thread::sleep(Duration::from_millis(200));
            // The program's own hook runs as well as the library's, which stops the loop the
            // coroutine runs on: `finalize` does not wait for it.
            libpython::interp::add_end_hook(|_| {});
            libpython::finalize().unwrap();
            let r = libpython_tests::join_within(
                waiter,
                Duration::from_secs(20),
                "the awaited coroutine was not stopped",
            );
            assert!(r.is_err());
        }
    );
}
