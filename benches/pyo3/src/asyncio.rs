//! The asyncio cases, PyO3 side: Python coroutines awaited from a tokio program through
//! `pyo3-async-runtimes` (`into_future_with_locals`), on an event loop that runs on a Python
//! thread of its own, as the library's runs on a thread of its own.

use std::ffi::CString;
use std::hint::black_box;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_async_runtimes::{TaskLocals, into_future_with_locals};

use crate::common::{self, Case, Size, case};

/// A tokio runtime on the measuring thread, as `#[tokio::main(flavor = "current_thread")]`.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

/// Starts an event loop on a Python thread; the setup's `ready` and `sleep`, and the loop.
fn fixtures() -> (Py<PyAny>, Py<PyAny>, Py<PyAny>) {
    Python::attach(|py| {
        let globals = PyDict::new(py);
        let code = CString::new(common::ASYNC_SETUP).expect("no NUL in the setup code");
        py.run(&code, Some(&globals), None)
            .expect("the asyncio setup code failed");
        py.run(
            c"import threading\nbench_loop = asyncio.new_event_loop()\nthreading.Thread(target=bench_loop.run_forever, daemon=True).start()",
            Some(&globals),
            None,
        )
        .expect("starting the event loop failed");
        let get = |n: &str| {
            globals
                .get_item(n)
                .expect("reading a global failed")
                .unwrap_or_else(|| panic!("no {n}"))
                .unbind()
        };
        (get("ready"), get("sleep"), get("bench_loop"))
    })
}

pub fn cases() -> Vec<Case<'static>> {
    let (ready, sleep, event_loop) = fixtures();
    let locals = Python::attach(|py| TaskLocals::new(event_loop.bind(py).clone()));
    let locals2 = locals.clone();
    let mut v = Vec::new();

    // Awaiting a coroutine that finishes without waiting: make it, await it, read the result.
    let rt = runtime();
    v.push(case(
        "await_ready_coroutine",
        "pyo3",
        Size::Small,
        Box::new(move |iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let fut = Python::attach(|py| {
                        into_future_with_locals(&locals, ready.bind(py).call0()?)
                    })
                    .unwrap();
                    let r = fut.await.unwrap();
                    Python::attach(|py| black_box(r.extract::<i64>(py).unwrap()));
                }
                t.elapsed()
            })
        }),
    ));

    // 10,000 `asyncio.sleep(0)` at once: made under one GIL hold, then all awaited.
    let rt = runtime();
    v.push(case(
        "sleep0_10k",
        "pyo3",
        Size::Big(Duration::from_secs(3)),
        Box::new(move |iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let futures = Python::attach(|py| {
                        let sleep = sleep.bind(py);
                        (0..common::SLEEPS)
                            .map(|_| into_future_with_locals(&locals2, sleep.call1((0,))?))
                            .collect::<PyResult<Vec<_>>>()
                    })
                    .unwrap();
                    for f in futures {
                        black_box(f.await.unwrap());
                    }
                }
                t.elapsed()
            })
        }),
    ));
    v
}
