//! What the bench binaries share: the Python fixtures every side runs against, the sizes, the
//! criterion settings, and the start-up measurement. Included with `#[path]` by each bench, so
//! the three sides run literally the same Python code with the same settings.

#![allow(dead_code)]

use std::collections::HashMap;
use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode};

/// Elements of the list cases.
pub const LIST_LEN: usize = 1_000_000;
/// Items of the dict cases.
pub const DICT_LEN: usize = 100_000;
/// Calls of the Rust function from the Python loop (and of the Rust object's method).
pub const CALLS: usize = 1_000_000;
/// Threads of the GIL contention case.
pub const CONTENDING_THREADS: usize = 2;
/// The factor of the Rust object of the method case (`Scaler.scale(x)` is `x * SCALE`).
pub const SCALE: i64 = 3;

/// Run once in `__main__` by each side before measuring; the cases read these globals.
pub const SETUP: &str = r#"
import numpy as np

def f(a, b, c):
    return a

class C:
    def __init__(self):
        self.x = 1

    def m(self, a, b=0):
        return a

obj = C()
lst = list(range(1_000_000))
dct = {f"k{i}": i for i in range(100_000)}
big_str = "x" * 1_000_000
arr_1e3 = np.arange(1_000, dtype=np.float64)
arr_1e7 = np.arange(10_000_000, dtype=np.float64)

def drive(fn, n):
    for i in range(n):
        fn(i)

def drive_method(o, n):
    for i in range(n):
        o.scale(i)

def nop():
    pass
"#;

/// The objects every case works on, the globals [`SETUP`] defines, as each side holds them
/// (`O`: its handle of a Python object).
pub struct Fixtures<O> {
    pub f: O,
    pub obj: O,
    pub lst: O,
    pub dct: O,
    pub big_str: O,
    pub arr_1e3: O,
    pub arr_1e7: O,
    pub drive: O,
    pub drive_method: O,
    pub nop: O,
}

impl<O> Fixtures<O> {
    /// The fixtures, each read by `global` from the namespace [`SETUP`] ran in.
    pub fn from_globals(mut global: impl FnMut(&str) -> O) -> Self {
        Fixtures {
            f: global("f"),
            obj: global("obj"),
            lst: global("lst"),
            dct: global("dct"),
            big_str: global("big_str"),
            arr_1e3: global("arr_1e3"),
            arr_1e7: global("arr_1e7"),
            drive: global("drive"),
            drive_method: global("drive_method"),
            nop: global("nop"),
        }
    }
}

/// Run once by each side for the asyncio cases (in a namespace of its own): a coroutine that
/// finishes without waiting, and `asyncio.sleep`.
pub const ASYNC_SETUP: &str = r#"
import asyncio
from asyncio import sleep

async def ready():
    return 1
"#;

/// Concurrent `asyncio.sleep(0)` awaits of the `sleep0_10k` case.
pub const SLEEPS: usize = 10_000;

/// The nested struct of the serde round trip: what a program sends to Python and reads back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub id: u64,
    pub customer: Customer,
    pub lines: Vec<Line>,
    pub tags: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    pub name: String,
    pub email: String,
    pub vip: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub sku: String,
    pub qty: u32,
    pub price: f64,
}

/// `impl From<common::Order> for Order` for the calling module's own `Order`, `Customer` and
/// `Line` (the serde case's order as structs that derive a library's conversions, for
/// `serde_roundtrip (derive)`: the same data, and so the same dicts, on every side).
macro_rules! order_from_common {
    () => {
        impl From<$crate::common::Order> for Order {
            fn from(o: $crate::common::Order) -> Order {
                Order {
                    id: o.id,
                    customer: Customer {
                        name: o.customer.name,
                        email: o.customer.email,
                        vip: o.customer.vip,
                    },
                    lines: o
                        .lines
                        .into_iter()
                        .map(|l| Line {
                            sku: l.sku,
                            qty: l.qty,
                            price: l.price,
                        })
                        .collect(),
                    tags: o.tags,
                    note: o.note,
                }
            }
        }
    };
}
pub(crate) use order_from_common;

/// The Rust side of the conversion cases: the ints `0..LIST_LEN` (`vec_to_list_1e6`), kept
/// for the process.
pub fn ints() -> &'static [i64] {
    Box::leak((0..LIST_LEN as i64).collect::<Box<[i64]>>())
}

/// The map `{"k0": 0, "k1": 1, ...}` of [`DICT_LEN`] items (`hashmap_to_dict_1e5`), kept for
/// the process.
pub fn map() -> &'static HashMap<String, i64> {
    Box::leak(Box::new(
        (0..DICT_LEN as i64).map(|i| (format!("k{i}"), i)).collect(),
    ))
}

/// Lines of the serde case's order.
pub const ORDER_LINES: usize = 10;

/// The serde case's value: an order of [`ORDER_LINES`] lines, three tags, no note.
pub fn order() -> Order {
    Order {
        id: 4_711,
        customer: Customer {
            name: "Ada Lovelace".into(),
            email: "ada@example.org".into(),
            vip: true,
        },
        lines: (0..ORDER_LINES)
            .map(|i| Line {
                sku: format!("SKU-{i:04}"),
                qty: i as u32 + 1,
                price: 9.5 + i as f64,
            })
            .collect(),
        tags: vec!["express".into(), "gift".into(), "fragile".into()],
        note: None,
    }
}

/// Criterion with the command line's settings (filters, `--save-baseline`, ...).
pub fn criterion() -> Criterion {
    Criterion::default().configure_from_args()
}

/// Settings for cases of nanoseconds to microseconds.
pub fn small(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(2))
        .sample_size(60);
}

/// Settings for cases of milliseconds and more: few flat samples.
pub fn big(g: &mut BenchmarkGroup<'_, WallTime>, measurement: Duration) {
    g.sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(800))
        .measurement_time(measurement)
        .sample_size(10);
}

/// Wall time of `iters` runs of a child process, each to its end; panics if one fails (a
/// broken child must not pass for a fast one).
pub fn time_children(iters: u64, mut make: impl FnMut() -> Command) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut cmd = make();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let t = Instant::now();
        let status = cmd
            .status()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        total += t.elapsed();
        assert!(status.success(), "{cmd:?} failed: {status}");
    }
    total
}

/// Runs a start-up child once, untimed, the first time a case asks: a broken child fails before
/// it is measured.
pub fn check_child_once(done: &mut bool, make: impl FnOnce() -> Command) {
    if !*done {
        check_child(make());
        *done = true;
    }
}

/// Runs a start-up child once, untimed, and panics with its output if it fails.
pub fn check_child(mut cmd: Command) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Environment variable naming the venv's interpreter (also what libpython's discovery reads).
pub const PYTHON_ENV: &str = "LIBPYTHON_PYTHON";

// ---------------------------------------------------------------------------------------------
// Cases: one runner per side of each case, shared by the criterion benches and the profilers.

/// How long one iteration is, which decides the criterion settings.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    /// Nanoseconds to microseconds.
    Small,
    /// Milliseconds and more: few flat samples over this measurement time.
    Big(Duration),
}

/// Runs `iters` iterations of a case and returns the time they took.
pub type Runner<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// One side of one case.
pub struct Case<'a> {
    /// The criterion group: the case.
    pub group: &'static str,
    /// The criterion function: `floor`, `ours`, `pyo3`, or a variant (`ours_explicit`,
    /// `pyo3_buffer`).
    pub side: &'static str,
    pub size: Size,
    pub run: Runner<'a>,
}

/// Times `iters` calls of `body`, as criterion's `b.iter` does.
#[inline(always)]
pub fn timed<R>(iters: u64, mut body: impl FnMut() -> R) -> Duration {
    let t = Instant::now();
    for _ in 0..iters {
        black_box(body());
    }
    t.elapsed()
}

/// A case.
pub fn case<'a>(group: &'static str, side: &'static str, size: Size, run: Runner<'a>) -> Case<'a> {
    Case {
        group,
        side,
        size,
        run,
    }
}

/// Measures every case with criterion, one group per case, in the order given.
pub fn run_criterion(mut all: Vec<Case<'_>>) {
    let mut c = criterion();
    let mut i = 0;
    while i < all.len() {
        let group = all[i].group;
        let mut g = c.benchmark_group(group);
        match all[i].size {
            Size::Small => small(&mut g),
            Size::Big(t) => big(&mut g, t),
        }
        while i < all.len() && all[i].group == group {
            let case = &mut all[i];
            g.bench_function(case.side, |b| b.iter_custom(|iters| (case.run)(iters)));
            i += 1;
        }
        g.finish();
    }
    c.final_summary();
}

/// The profiling binaries' main: `PROGRAM GROUP SIDE ITERS` runs one side of one case `ITERS`
/// times (after one untimed iteration) inside [`measured`], and prints the time per iteration.
pub fn run_profile(all: &mut [Case<'_>]) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [group, side, iters] = args.as_slice() else {
        eprintln!("usage: PROGRAM GROUP SIDE ITERS");
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERS is a number");
    let Some(case) = all.iter_mut().find(|c| c.group == group && c.side == side) else {
        eprintln!("no case {group}/{side}");
        std::process::exit(2);
    };
    // One untimed iteration first: lazily made state (interned strings, caches) is not counted.
    (case.run)(1);
    let t = measured(&mut case.run, iters);
    println!(
        "{group}/{side}: {iters} iterations in {t:?} ({:.1} ns each)",
        t.as_nanos() as f64 / iters as f64
    );
}

/// The measured iterations, in a function of their own for profilers to select
/// (`valgrind --tool=callgrind --toggle-collect='*common::measured*'`).
#[inline(never)]
pub fn measured(run: &mut Runner<'_>, iters: u64) -> Duration {
    run(iters)
}

/// Runs `worker(iters)` on [`CONTENDING_THREADS`] threads at once and returns the wall time
/// from their common start to the last one's end. Each thread first runs `worker(1)` untimed
/// (its thread state and other lazily made state are not counted), then all start together.
pub fn contend(iters: u64, worker: &(dyn Fn(u64) + Sync)) -> Duration {
    let barrier = std::sync::Barrier::new(CONTENDING_THREADS + 1);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..CONTENDING_THREADS)
            .map(|_| {
                s.spawn(|| {
                    worker(1);
                    barrier.wait();
                    measured_worker(worker, iters);
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        for th in threads {
            th.join().expect("a contending thread panicked");
        }
        t.elapsed()
    })
}

/// One contending thread's measured iterations, in a function of its own for profilers (its
/// name matches the same `*common::measured*` as [`measured`]; callgrind toggles collection per
/// thread).
#[inline(never)]
pub fn measured_worker(worker: &(dyn Fn(u64) + Sync), iters: u64) {
    worker(iters)
}

/// A binary of this package beside (or one level above) the running executable: the bins are
/// built into the profile directory and benches run from its `deps/`.
pub fn sibling_exe(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join(name), dir.parent()?.join(name)]
        .into_iter()
        .find(|p| p.exists())
}

/// A runner for the start-up case: `cmd` run to its end once per iteration (after one untimed
/// run that must succeed, so a broken child fails loudly instead of passing for a fast one).
pub fn startup_runner<'a>(cmd: Command) -> Runner<'a> {
    let mut checked = false;
    Box::new(move |iters| {
        let make = || {
            let mut c = Command::new(cmd.get_program());
            c.args(cmd.get_args());
            c
        };
        check_child_once(&mut checked, make);
        time_children(iters, make)
    })
}
