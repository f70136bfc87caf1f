//! The asyncio cases, ours side: Python coroutines awaited from a tokio program through
//! `libpython::asyncio::into_future`, on the event loop the library runs on a thread of its
//! own.

use std::hint::black_box;
use std::time::{Duration, Instant};

use libpython::asyncio;

use crate::common::{self, Case, Size, case};

/// A tokio runtime on the measuring thread, as `#[tokio::main(flavor = "current_thread")]`.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

pub fn cases() -> Vec<Case<'static>> {
    let ns = libpython::Dict::new().expect("a dict");
    libpython::exec(common::ASYNC_SETUP, &ns).expect("the asyncio setup code failed");
    let get = |n: &str| {
        ns.get(n)
            .expect("reading a global failed")
            .unwrap_or_else(|| panic!("no {n}"))
    };
    let (ready, sleep) = (get("ready"), get("sleep"));
    let mut v = Vec::new();

    // Awaiting a coroutine that finishes without waiting: make it, await it, read the result.
    let rt = runtime();
    v.push(case(
        "await_ready_coroutine",
        "ours",
        Size::Small,
        Box::new(move |iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let coro = ready.call0().unwrap();
                    let r = asyncio::into_future(coro).await.unwrap();
                    black_box(r.extract::<i64>().unwrap());
                }
                t.elapsed()
            })
        }),
    ));

    // 10,000 `asyncio.sleep(0)` at once: made under one GIL hold, then all awaited.
    let rt = runtime();
    v.push(case(
        "sleep0_10k",
        "ours",
        Size::Big(Duration::from_secs(3)),
        Box::new(move |iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    let futures = libpython::attach(|py| {
                        let sleep = sleep.bind(py)?;
                        (0..common::SLEEPS)
                            .map(|_| Ok(asyncio::into_future(sleep.call((0,))?.unbind())))
                            .collect::<libpython::Result<Vec<_>>>()
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
