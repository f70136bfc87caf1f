//! The soak: many threads drive Python through the public API for a while, mixing calls,
//! conversions, callbacks that re-enter Rust, handles dropped on other threads, bridged
//! objects and (on 3.12+, isolated; before, sharing the GIL) two sub-interpreters.
//!
//! ```text
//! soak [--seconds N] [--threads T] [--warmup S] [--rss-bound-mib M] [--ops KIND,...]
//! ```
//!
//! The worker threads live for the whole run; a warm-up phase runs the same workload first,
//! then everything is brought to rest (workers paused, every handle they kept released, the
//! deferred-decref queues drained, `gc.collect()` in every interpreter) and measured: RSS, and
//! on a debug build (`sys.gettotalrefcount` exists) the total reference count. The measured
//! phase follows, then the same rest and measurement.
//!
//! It fails (non-zero exit) when:
//! - a worker stops making progress for more than 10 s (a stall: deadlock or hang). The
//!   watchdog reports which threads stalled and exits at once with status 2;
//! - an operation returns an unexpected error or a wrong result, or a worker panics;
//! - RSS grows by more than the bound (default 16 MiB) between the two rests;
//! - on a debug build, the total reference count differs between the two rests.
//!
//! It reports operations per second, per operation kind, the longest deferred-decref queue of
//! each interpreter, RSS at both rests, and the refcount delta.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libpython::value::Value;
use libpython::{Args, Dict, Interpreter, Object, Python, SubConfig, ToPython, VecBridge, attach};
use libpython_tests::bridge::{Node, NodeHooks};

/// How long a worker may go without finishing an operation before the run fails.
const STALL: Duration = Duration::from_secs(10);
/// Handles kept in each shared pool (dropped later, by whichever thread pops them).
const POOL: usize = 512;

const SOAK_PY: &str = r#"
import threading

def add(a, b):
    return a + b

def call_back(f, x):
    return f(x) + 1

def in_thread(f, x):
    out = []
    t = threading.Thread(target=lambda: out.append(f(x)))
    t.start()
    t.join()
    return out[0]

class Payload:
    def __init__(self, v):
        self.v = v
        self.items = [v, str(v), {'k': v}, (v, None)]

def boom(n):
    raise ValueError('boom %d' % n)
"#;

/// Operation kinds, for the report.
const OPS: [&str; 12] = [
    "call",
    "convert",
    "value",
    "callback",
    "python-thread",
    "drop-elsewhere",
    "bridge",
    "vec-bridge",
    "closure",
    "sub-interpreter",
    "error",
    "lock-without-gil",
];

const RUN: u8 = 0;
const PAUSE: u8 = 1;
const EXIT: u8 = 2;

/// What the workers share.
struct Shared {
    phase: AtomicU8,
    /// Per worker: operations done (the watchdog's progress counters).
    progress: Vec<AtomicU64>,
    /// Per worker: paused (at rest).
    paused: Vec<AtomicBool>,
    /// Per operation kind: how many ran.
    per_op: Vec<AtomicU64>,
    errors: AtomicUsize,
    first_errors: Mutex<Vec<String>>,
    /// Handles of the main interpreter, dropped by whichever worker pops them.
    pool: Mutex<Vec<Object>>,
    /// Handles of the sub-interpreters, likewise.
    sub_pool: Mutex<Vec<Object>>,
    counter: Mutex<u64>,
    /// Operation kinds to run (all when empty).
    only: Vec<usize>,
}

impl Shared {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::SeqCst);
        let mut f = self.first_errors.lock().unwrap();
        if f.len() < 10 {
            f.push(what);
        }
    }
}

/// One interpreter's fixture: the soak module's functions and a Rust callback.
struct Fixture {
    interp: Interpreter,
    add: Object,
    call_back: Object,
    in_thread: Object,
    payload: Object,
    boom: Object,
    rust_cb: Object,
    /// The vector-bridge operation's code, compiled once: on free-threaded 3.13 every code
    /// object made once a second thread has started is immortal (CPython's documented
    /// immortalization, gone in 3.14), so compiling the source at each operation would grow
    /// memory by about 580 bytes per operation whatever the library does.
    fill_vec: libpython::Code,
}

impl Fixture {
    fn new(interp: Interpreter) -> libpython::Result<Fixture> {
        libpython::with_interpreter(&interp.clone(), move || {
            let g = Dict::new()?;
            libpython::exec(SOAK_PY, &g)?;
            let add = g.get("add")?.expect("add");
            let add_in_cb = add.clone();
            // Python calls this; it calls Python again.
            let rust_cb = libpython::function("rust_cb", None, move |a: &Args<'_>| {
                let x: i64 = a.extract(0)?;
                let y: i64 = add_in_cb.bind(a.py())?.call((x, 1))?.extract()?;
                Ok(y * 2)
            })?;
            Ok(Fixture {
                interp,
                add,
                call_back: g.get("call_back")?.expect("call_back"),
                in_thread: g.get("in_thread")?.expect("in_thread"),
                payload: g.get("Payload")?.expect("Payload"),
                boom: g.get("boom")?.expect("boom"),
                rust_cb,
                fill_vec: libpython::compile(
                    "for i in range(8):\n    v.append(x + i)\ns = sum(v)",
                    "<soak>",
                    libpython::Mode::Exec,
                )?,
            })
        })?
    }
}

/// What a [`Node`] of the soak adds: an atomic counter, read and incremented by its attribute
/// `n`.
struct Counter(AtomicU64);

impl NodeHooks for Counter {
    fn get_attr(&self, py: Python<'_>, name: &str) -> libpython::Result<Option<Object>> {
        match name {
            "n" => Ok(Some(self.0.fetch_add(1, Ordering::SeqCst).to_python(py)?)),
            _ => Ok(None),
        }
    }
}

/// xorshift64*: a few random bits per operation, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> libpython::Result<()> {
    if ok {
        Ok(())
    } else {
        Err(libpython::Error::conversion(what()))
    }
}

/// One random operation. Returns its kind.
fn operation(
    rng: &mut Rng,
    main: &Fixture,
    subs: &[Fixture],
    shared: &Shared,
) -> (usize, libpython::Result<()>) {
    let x = rng.below(1_000_000) as i64;
    let kind = match rng.below(100) {
        0..=14 => 0,
        15..=29 => 1,
        30..=36 => 2,
        37..=48 => 3,
        49 => 4,
        50..=64 => 5,
        65..=71 => 6,
        72..=76 => 7,
        77..=81 => 8,
        82..=91 => 9,
        92..=95 => 10,
        _ => 11,
    };
    let kind = if kind == 9 && subs.is_empty() {
        0
    } else {
        kind
    };
    // `--ops` narrows the mix (to find which kind of operation a problem comes from).
    let kind = if shared.only.is_empty() || shared.only.contains(&kind) {
        kind
    } else {
        shared.only[(x as usize) % shared.only.len()]
    };
    let r = (|| -> libpython::Result<()> {
        match kind {
            0 => {
                let r: i64 = main.add.call((x, 2 * x))?.extract()?;
                check(r == 3 * x, || format!("add({x}, {}) = {r}", 2 * x))
            }
            1 => {
                let v: Vec<i64> = (0..rng.below(32) as i64).map(|i| i * x).collect();
                let m: HashMap<String, f64> = (0..rng.below(8))
                    .map(|i| (format!("k{i}é😀"), i as f64 / 3.0))
                    .collect();
                let big = -(i128::from(x).pow(5)) - i128::from(i64::MAX);
                let back: (Vec<i64>, HashMap<String, f64>, i128, String) =
                    libpython::to_python(&(v.clone(), m.clone(), big, format!("s{x}")))?
                        .extract()?;
                check(back == (v, m, big, format!("s{x}")), || {
                    "a conversion round trip changed the value".into()
                })
            }
            2 => {
                let v = Value::dict([
                    (
                        "a",
                        Value::list([Value::from(x), Value::from(f64::NAN), Value::from("t")]),
                    ),
                    ("b", Value::tuple([Value::None])),
                ]);
                let back = Value::from_object(&v.to_object()?)?;
                check(back == v, || format!("Value round trip: {v} -> {back}"))
            }
            3 => {
                let r: i64 = main.call_back.call((&main.rust_cb, x))?.extract()?;
                check(r == (x + 1) * 2 + 1, || format!("call_back({x}) = {r}"))
            }
            4 => {
                let r: i64 = main.in_thread.call((&main.rust_cb, x))?.extract()?;
                check(r == (x + 1) * 2, || format!("in_thread({x}) = {r}"))
            }
            5 => {
                // Make a handle, keep it in the pool; drop one another thread made, here,
                // without the GIL (queued) or with it (at once).
                let p = main.payload.call((x,))?;
                let popped = {
                    let mut pool = shared.pool.lock().unwrap();
                    pool.push(p);
                    if pool.len() > POOL {
                        let i = rng.below(pool.len() as u64) as usize;
                        Some(pool.swap_remove(i))
                    } else {
                        None
                    }
                };
                if let Some(o) = popped {
                    if rng.below(2) == 0 {
                        drop(o);
                    } else {
                        attach(move |_| {
                            drop(o);
                            Ok(())
                        })?;
                    }
                }
                Ok(())
            }
            6 => {
                let c = Arc::new(Node::new(Counter(AtomicU64::new(x as u64))));
                let b = libpython::bridge(c.clone())?;
                let n: u64 = b.getattr("n")?.extract()?;
                check(n == x as u64, || format!("bridge n = {n}, not {x}"))?;
                // Sometimes a cycle through the bridge, for the collector.
                if rng.below(4) == 0 {
                    b.setattr("held", &b)?;
                } else {
                    b.setattr("held", main.payload.call((x,))?)?;
                }
                Ok(())
            }
            7 => {
                let v = VecBridge::new(Vec::<i64>::new());
                let b = libpython::bridge(v.clone())?;
                let g = Dict::new()?;
                g.insert("v", &b)?;
                g.insert("x", x)?;
                main.fill_vec.run(&g)?;
                let s: i64 = g.get_as("s")?.unwrap_or_default();
                check(
                    s == 8 * x + 28 && v.vec().read().unwrap().len() == 8,
                    || format!("vec bridge sum {s}"),
                )
            }
            8 => {
                let captured = main.payload.call((x,))?;
                let f = libpython::function("closure", None, move |a: &Args<'_>| {
                    let v: i64 = captured.bind(a.py())?.getattr("v")?.extract()?;
                    Ok(v + a.extract::<i64>(0)?)
                })?;
                let r: i64 = f.call((1,))?.extract()?;
                check(r == x + 1, || format!("closure gave {r}"))
            }
            9 => {
                let s = &subs[rng.below(subs.len() as u64) as usize];
                let r = libpython::with_interpreter(&s.interp, || -> libpython::Result<i64> {
                    let r: i64 = s.call_back.call((&s.rust_cb, x))?.extract()?;
                    let p = s.payload.call((x,))?;
                    let mut pool = shared.sub_pool.lock().unwrap();
                    pool.push(p);
                    if pool.len() > POOL {
                        let i = rng.below(pool.len() as u64) as usize;
                        // Dropped outside the sub-interpreter's GIL: queued on it.
                        let o = pool.swap_remove(i);
                        drop(pool);
                        drop(o);
                    }
                    Ok(r)
                })??;
                check(r == (x + 1) * 2 + 1, || format!("sub call_back({x}) = {r}"))
            }
            10 => match main.boom.call((x,)) {
                Err(e)
                    if e.as_python().is_some_and(|p| {
                        p.type_name() == "ValueError" && p.message() == format!("boom {x}")
                    }) =>
                {
                    Ok(())
                }
                other => check(false, || format!("boom({x}) gave {other:?}")),
            },
            _ => attach(|py| {
                let mut g = libpython::lock_without_gil(&shared.counter);
                *g += 1;
                drop(g);
                let n: u64 = py.detach(|| (0..100u64).sum());
                check(n == 4950, || "detach".into())
            }),
        }
    })();
    (kind, r)
}

fn worker(id: usize, main: Arc<Fixture>, subs: Arc<Vec<Fixture>>, shared: Arc<Shared>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((id as u64 + 1) * 0x1000_0001));
    loop {
        match shared.phase.load(Ordering::SeqCst) {
            EXIT => return,
            PAUSE => {
                shared.paused[id].store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
            _ => shared.paused[id].store(false, Ordering::SeqCst),
        }
        let (kind, r) = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            operation(&mut rng, &main, &subs, &shared)
        })) {
            Ok(v) => v,
            Err(p) => (
                usize::MAX,
                Err(libpython::Error::conversion(format!(
                    "panic: {}",
                    libpython_tests::panic_message(&*p)
                ))),
            ),
        };
        if let Err(e) = r {
            shared.error(format!(
                "thread {id}, {}: {e}",
                OPS.get(kind).unwrap_or(&"panic")
            ));
        } else {
            shared.per_op[kind].fetch_add(1, Ordering::Relaxed);
        }
        shared.progress[id].fetch_add(1, Ordering::SeqCst);
    }
}

/// Watches the workers' progress while they run; fails the process on a stall.
fn watchdog(shared: Arc<Shared>, done: Arc<AtomicBool>) {
    let n = shared.progress.len();
    let mut last: Vec<(u64, Instant)> = (0..n)
        .map(|i| (shared.progress[i].load(Ordering::SeqCst), Instant::now()))
        .collect();
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(250));
        let phase = shared.phase.load(Ordering::SeqCst);
        let mut stalled = Vec::new();
        for (i, l) in last.iter_mut().enumerate() {
            let p = shared.progress[i].load(Ordering::SeqCst);
            // A worker at rest is not stalled; one that was told to rest and has not is.
            let resting = phase == PAUSE && shared.paused[i].load(Ordering::SeqCst);
            if p != l.0 || resting || phase == EXIT {
                *l = (p, Instant::now());
            } else if l.1.elapsed() > STALL {
                stalled.push(i);
            }
        }
        if !stalled.is_empty() {
            eprintln!(
                "soak: STALL: worker thread(s) {stalled:?} made no progress for over {}s (phase {}); queued decrefs in main: {}",
                STALL.as_secs(),
                ["run", "pause", "exit"][phase as usize],
                Interpreter::main().map(|m| m.queued_decrefs()).unwrap_or(0)
            );
            println!("soak: FAILED (stall)");
            std::process::exit(2);
        }
    }
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Pauses the workers, releases what they kept, drains every queue, collects in every
/// interpreter; returns (RSS, total refcount or None on a release build).
fn rest(
    shared: &Shared,
    main: &Fixture,
    subs: &[Fixture],
) -> libpython::Result<(u64, Option<i64>)> {
    shared.phase.store(PAUSE, Ordering::SeqCst);
    while !shared.paused.iter().all(|p| p.load(Ordering::SeqCst)) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let kept = std::mem::take(&mut *shared.pool.lock().unwrap());
    let kept_sub = std::mem::take(&mut *shared.sub_pool.lock().unwrap());
    // Dropped without any GIL: queued on their interpreters.
    drop((kept, kept_sub));
    let gc = "import gc\nfor _ in range(3):\n    gc.collect()\n";
    for s in subs {
        libpython::with_interpreter(&s.interp, || {
            Dict::new().and_then(|d| libpython::exec(gc, &d))
        })??;
    }
    libpython::exec(gc, &Dict::new()?)?;
    let total = attach(|py| {
        let sys = py.import("sys")?;
        if sys.hasattr("gettotalrefcount")? {
            // Twice, so the first call's own allocations are settled.
            sys.call_method("gettotalrefcount", ())?;
            Ok(Some(
                sys.call_method("gettotalrefcount", ())?.extract::<i64>()?,
            ))
        } else {
            Ok(None)
        }
    })?;
    let _ = main;
    Ok((rss_bytes(), total))
}

struct Options {
    seconds: u64,
    threads: usize,
    warmup: u64,
    rss_bound_mib: u64,
    only: Vec<usize>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        seconds: 60,
        threads: 16,
        warmup: 0,
        rss_bound_mib: 16,
        only: Vec::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = || {
            it.next()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(format!("{a} needs a number"))
        };
        match a.as_str() {
            "--seconds" => o.seconds = num()?,
            "--threads" => o.threads = num()? as usize,
            "--warmup" => o.warmup = num()?,
            "--rss-bound-mib" => o.rss_bound_mib = num()?,
            "--ops" => {
                for name in it
                    .next()
                    .ok_or("--ops needs a list of operation kinds")?
                    .split(',')
                {
                    let k = OPS.iter().position(|o| *o == name).ok_or_else(|| {
                        format!("unknown operation {name}; the kinds are {}", OPS.join(","))
                    })?;
                    o.only.push(k);
                }
            }
            other => {
                return Err(format!(
                    "unknown argument {other}\nusage: soak [--seconds N] [--threads T] [--warmup S] [--rss-bound-mib M] [--ops KIND,...]"
                ));
            }
        }
    }
    if o.warmup == 0 {
        o.warmup = (o.seconds / 4).clamp(5, 20);
    }
    Ok(o)
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match soak(&opts) {
        Ok(true) => {
            println!("soak: ok");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("soak: FAILED");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("soak: {e}");
            println!("soak: FAILED");
            ExitCode::FAILURE
        }
    }
}

fn soak(opts: &Options) -> libpython::Result<bool> {
    libpython::initialize()?;
    let lib = libpython::ffi::library().expect("loaded");
    let version = lib.version();
    let main_interp = Interpreter::main()?;
    let main = Arc::new(Fixture::new(main_interp.clone())?);
    let config = if version.at_least(3, 12) {
        SubConfig::isolated()
    } else {
        SubConfig::shared_gil()
    };
    let subs: Vec<Fixture> = (0..2)
        .map(|_| Interpreter::new(config).and_then(Fixture::new))
        .collect::<libpython::Result<_>>()?;
    let sub_interps: Vec<Interpreter> = subs.iter().map(|s| s.interp.clone()).collect();
    let subs = Arc::new(subs);
    println!(
        "soak: Python {version} ({}), {} threads, {}s warm-up then {}s measured, two {} sub-interpreters",
        lib.path().display(),
        opts.threads,
        opts.warmup,
        opts.seconds,
        if config.own_gil {
            "isolated (own GIL)"
        } else {
            "shared-GIL"
        }
    );
    let shared = Arc::new(Shared {
        phase: AtomicU8::new(RUN),
        progress: (0..opts.threads).map(|_| AtomicU64::new(0)).collect(),
        paused: (0..opts.threads).map(|_| AtomicBool::new(false)).collect(),
        per_op: (0..OPS.len()).map(|_| AtomicU64::new(0)).collect(),
        errors: AtomicUsize::new(0),
        first_errors: Mutex::new(Vec::new()),
        pool: Mutex::new(Vec::new()),
        sub_pool: Mutex::new(Vec::new()),
        counter: Mutex::new(0),
        only: opts.only.clone(),
    });
    let done = Arc::new(AtomicBool::new(false));
    let dog = {
        let (s, d) = (shared.clone(), done.clone());
        std::thread::spawn(move || watchdog(s, d))
    };
    let workers: Vec<_> = (0..opts.threads)
        .map(|id| {
            let (m, s, sh) = (main.clone(), subs.clone(), shared.clone());
            std::thread::Builder::new()
                .name(format!("soak-{id}"))
                .spawn(move || worker(id, m, s, sh))
                .expect("a thread")
        })
        .collect();
    // Warm-up, then rest and measure.
    std::thread::sleep(Duration::from_secs(opts.warmup));
    let (rss0, total0) = rest(&shared, &main, &subs)?;
    let ops0: u64 = shared
        .progress
        .iter()
        .map(|p| p.load(Ordering::SeqCst))
        .sum();
    let per_op0: Vec<u64> = shared
        .per_op
        .iter()
        .map(|p| p.load(Ordering::SeqCst))
        .collect();
    println!(
        "soak: warm-up done: {ops0} operations; at rest: RSS {:.1} MiB{}",
        mib(rss0),
        total0
            .map(|t| format!(", total refcount {t}"))
            .unwrap_or_default()
    );
    // The measured phase.
    let t0 = Instant::now();
    shared.phase.store(RUN, Ordering::SeqCst);
    let ops_since_warm_up = || {
        shared
            .progress
            .iter()
            .map(|p| p.load(Ordering::SeqCst))
            .sum::<u64>()
            - ops0
    };
    let mut next_report = 10;
    while t0.elapsed() < Duration::from_secs(opts.seconds) {
        std::thread::sleep(Duration::from_millis(200));
        if t0.elapsed().as_secs() >= next_report {
            let ops = ops_since_warm_up();
            eprintln!(
                "soak: {next_report}s: {ops} operations, {} errors, RSS {:.1} MiB",
                shared.errors.load(Ordering::SeqCst),
                mib(rss_bytes())
            );
            next_report += 10;
        }
    }
    let elapsed = t0.elapsed();
    let (rss1, total1) = rest(&shared, &main, &subs)?;
    let ops = ops_since_warm_up();
    shared.phase.store(EXIT, Ordering::SeqCst);
    let mut panicked = 0;
    for w in workers {
        if w.join().is_err() {
            panicked += 1;
        }
    }
    done.store(true, Ordering::SeqCst);
    let _ = dog.join();
    // Report.
    let per_op: Vec<String> = OPS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "{name} {}",
                shared.per_op[i].load(Ordering::SeqCst) - per_op0[i]
            )
        })
        .collect();
    println!(
        "soak: {ops} operations in {:.1}s: {:.0} ops/s ({})",
        elapsed.as_secs_f64(),
        ops as f64 / elapsed.as_secs_f64(),
        per_op.join(", ")
    );
    let peaks: Vec<String> =
        std::iter::once(("main".to_string(), main_interp.state().queue_peak()))
            .chain(
                sub_interps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("sub {}", i + 1), s.state().queue_peak())),
            )
            .map(|(n, p)| format!("{n} {p}"))
            .collect();
    println!("soak: longest deferred-decref queue: {}", peaks.join(", "));
    let growth = rss1 as i64 - rss0 as i64;
    println!(
        "soak: RSS at rest after warm-up {:.1} MiB, at the end {:.1} MiB: {:+.2} MiB (bound {} MiB)",
        mib(rss0),
        mib(rss1),
        growth as f64 / (1 << 20) as f64,
        opts.rss_bound_mib
    );
    let mut ok = true;
    match (total0, total1) {
        (Some(a), Some(b)) => {
            println!("soak: total refcount at rest {a} -> {b}: delta {}", b - a);
            if a != b {
                ok = false;
                println!("soak: the total refcount moved between the two rests");
            }
        }
        _ => println!("soak: total refcount: not a debug build (no sys.gettotalrefcount)"),
    }
    let errors = shared.errors.load(Ordering::SeqCst);
    println!("soak: {errors} errors, {panicked} worker panics");
    for e in shared.first_errors.lock().unwrap().iter() {
        println!("soak:   {e}");
    }
    if errors > 0 || panicked > 0 {
        ok = false;
    }
    if growth > (opts.rss_bound_mib << 20) as i64 {
        ok = false;
        println!("soak: RSS grew more than {} MiB", opts.rss_bound_mib);
    }
    drop(subs);
    for s in sub_interps {
        s.end()?;
    }
    Ok(ok)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1 << 20) as f64
}
