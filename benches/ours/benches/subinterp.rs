//! Sub-interpreter parallelism: two isolated sub-interpreters, each with its own GIL
//! (Python 3.12+), run the same CPU-bound pure-Python loop on two threads at once, against the
//! same two loops run one after the other. The speedup is `sequential / parallel`; on two
//! cores the goal is at least 1.8x.
//!
//! One Python per process: `cargo xtask bench` runs this once per version with
//! `LIBPYTHON_PYTHON` naming it. The criterion group is `subinterp_3.X`, with a
//! `sequential` and a `parallel` measurement for each of four pairs of workers:
//!
//! - (no prefix) ours: two threads bound to their sub-interpreter with `with_interpreter`,
//!   each job a `run_simple_string("work()")`;
//! - `floor_`: the same with the raw C API only: `Py_NewInterpreterFromConfig` with its own
//!   GIL, one `PyThreadState_New` per thread, each job `PyEval_RestoreThread`,
//!   `PyRun_SimpleString("work()")`, `PyEval_SaveThread`. What CPython gives; ours is measured
//!   against it;
//! - `processes_`: two `python` processes running the same loop (nothing shared at all): what
//!   the machine gives this Python workload, so a loss of the floor against it is CPython's
//!   sharing between interpreters;
//! - `rust_threads_`: two Rust threads doing pure arithmetic of the same length: the
//!   parallelism the machine gave at the time (a machine busy with other work cannot show 2x
//!   for any of them).

use std::ffi::CStr;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use libpython::{Interpreter, SubConfig};
use libpython_ffi as ffi;

/// The loop each interpreter runs: about 0.1 s of pure-Python arithmetic on an idle machine
/// of the project's kind (NUL-terminated for the floor's C API).
const WORK: &CStr = c"
def work():
    s = 0
    for i in range(1_000_000):
        s += i * i
    return s
";

/// What the `python` processes run after [`WORK`]: `work()` once per line read, a line
/// written when done.
const SERVE: &str = r#"
import sys
for _ in sys.stdin:
    work()
    sys.stdout.write("done\n")
    sys.stdout.flush()
"#;

fn work_source() -> &'static str {
    WORK.to_str().expect("the loop's source is ASCII")
}

/// A thread bound to one sub-interpreter for its whole life, running `work()` on request.
struct Worker {
    jobs: Option<Sender<()>>,
    done: Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn new(interp: Interpreter) -> Worker {
        Worker::spawn(move |job_rx, done_tx| {
            libpython::with_interpreter(&interp, || {
                libpython::run_simple_string(work_source()).expect("defining work() failed");
                for () in job_rx {
                    libpython::run_simple_string("work()").expect("work() failed");
                    done_tx.send(()).expect("the bench is gone");
                }
            })
            .expect("the sub-interpreter is gone");
        })
    }

    /// A worker of the floor: a thread with its own thread state for the sub-interpreter
    /// `interp` (a raw `PyInterpreterState`), taking its GIL for each job by hand. The thread
    /// state is deleted when the worker ends, before the interpreter is.
    fn floor(interp: FloorInterp) -> Worker {
        Worker::spawn(move |job_rx, done_tx| {
            // SAFETY: the interpreter lives until `FloorInterp::end`, which runs after every
            // worker has been joined; `PyThreadState_New` needs no GIL. Each job takes the
            // interpreter's GIL with this thread's own state and releases it; the state is
            // cleared under that GIL and deleted once it is released, as the C API documents.
            unsafe {
                let t = ffi::PyThreadState_New(interp.raw());
                assert!(!t.is_null(), "PyThreadState_New failed");
                ffi::PyEval_RestoreThread(t);
                assert_eq!(
                    ffi::PyRun_SimpleStringFlags(WORK.as_ptr(), std::ptr::null_mut()),
                    0,
                    "defining work() failed"
                );
                ffi::PyEval_SaveThread();
                for () in job_rx {
                    ffi::PyEval_RestoreThread(t);
                    let rc = ffi::PyRun_SimpleStringFlags(c"work()".as_ptr(), std::ptr::null_mut());
                    ffi::PyEval_SaveThread();
                    assert_eq!(rc, 0, "work() failed");
                    done_tx.send(()).expect("the bench is gone");
                }
                ffi::PyEval_RestoreThread(t);
                ffi::PyThreadState_Clear(t);
                ffi::PyEval_SaveThread();
                ffi::PyThreadState_Delete(t);
            }
        })
    }

    /// A worker driving a `python` process that runs the loop once per line it reads.
    fn process(python: &std::path::Path) -> Worker {
        let mut child: Child = Command::new(python)
            .args(["-I", "-c", &format!("{}{SERVE}", work_source())])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting a python process");
        let mut stdin: ChildStdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        Worker::spawn(move |job_rx, done_tx| {
            let mut line = String::new();
            for () in job_rx {
                stdin.write_all(b"go\n").expect("the python process died");
                stdin.flush().expect("the python process died");
                line.clear();
                stdout
                    .read_line(&mut line)
                    .expect("the python process died");
                assert_eq!(line, "done\n", "the python process failed");
                done_tx.send(()).expect("the bench is gone");
            }
            drop(stdin);
            let _ = child.wait();
        })
    }

    /// A worker running a pure-Rust loop of `spins` steps: what the machine gives two threads
    /// at the moment (other work on it takes cores away from both measurements alike).
    fn rust(spins: u64) -> Worker {
        Worker::spawn(move |job_rx, done_tx| {
            for () in job_rx {
                let mut x = 0u64;
                for i in 0..spins {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
                }
                std::hint::black_box(x);
                done_tx.send(()).expect("the bench is gone");
            }
        })
    }

    fn spawn(body: impl FnOnce(Receiver<()>, Sender<()>) + Send + 'static) -> Worker {
        let (jobs, job_rx) = channel::<()>();
        let (done_tx, done) = channel::<()>();
        let thread = std::thread::spawn(move || body(job_rx, done_tx));
        Worker {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
        }
    }

    fn start(&self) {
        self.jobs
            .as_ref()
            .expect("running")
            .send(())
            .expect("the worker died");
    }

    fn wait(&self) {
        self.done.recv().expect("the worker died");
    }

    /// How long one job takes.
    fn time_one(&self) -> Duration {
        let t = Instant::now();
        self.start();
        self.wait();
        t.elapsed()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A sub-interpreter of the floor, made and ended with the raw C API (libpython's layer does
/// not know it).
#[derive(Clone, Copy)]
struct FloorInterp(*mut ffi::PyInterpreterState, *mut ffi::PyThreadState);

// SAFETY: the pointers are only handed back to CPython, under the GIL rules of the C API.
unsafe impl Send for FloorInterp {}

impl FloorInterp {
    /// Makes an isolated sub-interpreter with its own GIL, the same settings as
    /// `SubConfig::isolated()`; called by a thread that holds no GIL.
    fn new() -> FloorInterp {
        let cfg = ffi::PyInterpreterConfig {
            use_main_obmalloc: 0,
            allow_fork: 0,
            allow_exec: 0,
            allow_threads: 1,
            allow_daemon_threads: 0,
            check_multi_interp_extensions: 1,
            gil: ffi::PyInterpreterConfig_OWN_GIL,
        };
        let new_from_config = ffi::api()
            .Py_NewInterpreterFromConfig
            .expect("Python 3.12+ has Py_NewInterpreterFromConfig");
        // SAFETY: this thread holds no GIL; `PyGILState_Ensure` takes the main one with this
        // thread's main-interpreter state. Creating the sub-interpreter makes its first thread
        // state current (releasing the main GIL, taking the new one); swapping back to the
        // saved state releases that and takes the main GIL again, which `PyGILState_Release`
        // then releases. The new interpreter's first state stays unused until `end`.
        unsafe {
            let g = ffi::PyGILState_Ensure();
            let saved = ffi::PyThreadState_Get();
            let mut t: *mut ffi::PyThreadState = std::ptr::null_mut();
            let status = new_from_config(&mut t, &cfg);
            assert!(
                status._type == ffi::PYSTATUS_OK && !t.is_null(),
                "Py_NewInterpreterFromConfig failed"
            );
            let raw = ffi::PyThreadState_GetInterpreter(t);
            ffi::PyThreadState_Swap(saved);
            ffi::PyGILState_Release(g);
            FloorInterp(raw, t)
        }
    }

    /// The interpreter (a method, so closures capture the whole `Send` value).
    fn raw(self) -> *mut ffi::PyInterpreterState {
        self.0
    }

    /// Ends the interpreter; every worker's thread state for it is gone (workers joined).
    fn end(self) {
        // SAFETY: as in `new`: the main GIL is taken, then swapping to the interpreter's first
        // state takes its GIL; `Py_EndInterpreter` leaves no state current and no GIL held
        // (3.12+), so the saved main state is restored with `PyEval_RestoreThread`.
        unsafe {
            let g = ffi::PyGILState_Ensure();
            let saved = ffi::PyThreadState_Get();
            ffi::PyThreadState_Swap(self.1);
            ffi::Py_EndInterpreter(self.1);
            ffi::PyEval_RestoreThread(saved);
            ffi::PyGILState_Release(g);
        }
    }
}

/// Both jobs of a pair, one after the other.
fn sequential(x: &Worker, y: &Worker) -> Duration {
    let t = Instant::now();
    x.start();
    x.wait();
    y.start();
    y.wait();
    t.elapsed()
}

/// Both jobs of a pair at once.
fn parallel(x: &Worker, y: &Worker) -> Duration {
    let t = Instant::now();
    x.start();
    y.start();
    x.wait();
    y.wait();
    t.elapsed()
}

/// Rounds of the paired measurement.
const ROUNDS: usize = 15;

/// The speedups of each pair measured round by round: in a round, each pair's sequential and
/// parallel runs are taken back to back (which of the two first alternates), the pairs one
/// after the other in an order rotated each round. The machine's speed drifts between
/// criterion's measurements, minutes apart (on a shared virtual machine, by up to 2x); within
/// a round it hardly moves, so the ratio of two pairs' speedups in one round is what tells
/// them apart. Returns, for each pair, its speedup in each round.
fn paired_speedups(pairs: &[(&str, (&Worker, &Worker))]) -> Vec<Vec<f64>> {
    let mut speedups = vec![Vec::with_capacity(ROUNDS); pairs.len()];
    for round in 0..ROUNDS {
        for k in 0..pairs.len() {
            let i = (round + k) % pairs.len();
            let (x, y) = pairs[i].1;
            let (s, p) = if round % 2 == 0 {
                let s = sequential(x, y);
                (s, parallel(x, y))
            } else {
                let p = parallel(x, y);
                (sequential(x, y), p)
            };
            speedups[i].push(s.as_secs_f64() / p.as_secs_f64());
        }
    }
    speedups
}

/// Measures [`paired_speedups`] and writes them next to criterion's results of the group
/// (`<CRITERION_HOME>/<group>/paired.json`: each pair's name, without its trailing `_`, and
/// its speedup per round), where `cargo xtask bench` reads them.
fn write_paired(group: &str, pairs: &[(&str, (&Worker, &Worker))]) {
    let speedups = paired_speedups(pairs);
    let fields: Vec<String> = pairs
        .iter()
        .zip(&speedups)
        .map(|((kind, _), v)| {
            let name = match kind.trim_end_matches('_') {
                "" => "ours",
                k => k,
            };
            let list: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
            format!("\"{name}\": [{}]", list.join(", "))
        })
        .collect();
    let home = std::env::var_os("CRITERION_HOME")
        .map_or_else(|| std::path::PathBuf::from("target/criterion"), Into::into);
    let dir = home.join(group);
    let path = dir.join("paired.json");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, format!("{{{}}}\n", fields.join(", "))));
    match written {
        Ok(()) => println!(
            "paired speedups ({ROUNDS} rounds) written to {}",
            path.display()
        ),
        Err(e) => eprintln!("subinterp: writing {}: {e}", path.display()),
    }
}

fn main() {
    libpython::initialize().expect("libpython could not start Python (set LIBPYTHON_PYTHON)");
    let version = libpython_ffi::library().expect("loaded").version();
    if !version.at_least(3, 12) {
        eprintln!(
            "subinterp: Python {version} has no per-interpreter GIL (3.12+); nothing to measure"
        );
        return;
    }
    let a = Interpreter::new(SubConfig::isolated()).expect("creating sub-interpreter A");
    let b = Interpreter::new(SubConfig::isolated()).expect("creating sub-interpreter B");
    assert!(a.own_gil() && b.own_gil());
    let (wa, wb) = (Worker::new(a.clone()), Worker::new(b.clone()));
    let (fa, fb) = (FloorInterp::new(), FloorInterp::new());
    let (wfa, wfb) = (Worker::floor(fa), Worker::floor(fb));
    let python = libpython::interp::started()
        .and_then(|s| s.found.program_name)
        .filter(|p| p.is_file());
    let procs = python
        .as_deref()
        .map(|p| (Worker::process(p), Worker::process(p)));
    if procs.is_none() {
        eprintln!("subinterp: no python executable known: the processes' pair is skipped");
    }

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group(format!("subinterp_{}.{}", version.major, version.minor));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    // The same pair of measurements for two Rust threads doing work of the same length as one
    // Python loop, so the report can tell the interpreters' parallelism from the machine's.
    let (ra, rb) = {
        const PROBE: u64 = 10_000_000;
        let probe = Worker::rust(PROBE);
        let per_spin = probe.time_one().as_secs_f64() / PROBE as f64;
        let spins = (wa.time_one().as_secs_f64() / per_spin) as u64;
        (Worker::rust(spins), Worker::rust(spins))
    };
    let mut pairs = vec![("", (&wa, &wb)), ("floor_", (&wfa, &wfb))];
    if let Some((pa, pb)) = &procs {
        pairs.push(("processes_", (pa, pb)));
    }
    pairs.push(("rust_threads_", (&ra, &rb)));
    for &(kind, (x, y)) in &pairs {
        g.bench_function(format!("{kind}sequential"), |bch| {
            bch.iter_custom(|iters| (0..iters).map(|_| sequential(x, y)).sum())
        });
        g.bench_function(format!("{kind}parallel"), |bch| {
            bch.iter_custom(|iters| (0..iters).map(|_| parallel(x, y)).sum())
        });
    }
    g.finish();
    c.final_summary();
    write_paired(
        &format!("subinterp_{}.{}", version.major, version.minor),
        &pairs,
    );
    drop((wa, wb, wfa, wfb, ra, rb, procs));
    fa.end();
    fb.end();
    a.end().expect("ending A");
    b.end().expect("ending B");
}
