//! Sub-interpreter parallelism: two isolated sub-interpreters, each with its own GIL
//! (Python 3.12+), run the same CPU-bound pure-Python loop on two threads at once, against the
//! same two loops run one after the other. The speedup is `sequential / parallel`; on two
//! cores the goal is at least 1.8x.
//!
//! One Python per process: `cargo xtask bench` runs this once per version with
//! `LIBPYTHON_PYTHON` naming it. The criterion group is `subinterp_3.X`, with `sequential` and
//! `parallel` for the interpreters and `rust_threads_sequential` / `rust_threads_parallel` for
//! two Rust threads doing work of the same length: the parallelism the machine gave at the time
//! (a machine busy with other work cannot show 2x for either).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use libpython::{Interpreter, SubConfig};

/// The loop each interpreter runs: about 0.1 s of pure-Python arithmetic on an idle machine
/// of the project's kind.
const WORK: &str = r#"
def work():
    s = 0
    for i in range(1_000_000):
        s += i * i
    return s
"#;

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
                libpython::run_simple_string(WORK).expect("defining work() failed");
                for () in job_rx {
                    libpython::run_simple_string("work()").expect("work() failed");
                    done_tx.send(()).expect("the bench is gone");
                }
            })
            .expect("the sub-interpreter is gone");
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
        Worker { jobs: Some(jobs), done, thread: Some(thread) }
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
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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
        let t = Instant::now();
        probe.start();
        probe.wait();
        let per_spin = t.elapsed().as_secs_f64() / PROBE as f64;
        let t = Instant::now();
        wa.start();
        wa.wait();
        let spins = (t.elapsed().as_secs_f64() / per_spin) as u64;
        (Worker::rust(spins), Worker::rust(spins))
    };
    for (kind, (x, y)) in [("", (&wa, &wb)), ("rust_threads_", (&ra, &rb))] {
        g.bench_function(format!("{kind}sequential"), |bch| {
            bch.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    x.start();
                    x.wait();
                    y.start();
                    y.wait();
                }
                t.elapsed()
            })
        });
        g.bench_function(format!("{kind}parallel"), |bch| {
            bch.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    x.start();
                    y.start();
                    x.wait();
                    y.wait();
                }
                t.elapsed()
            })
        });
    }
    g.finish();
    c.final_summary();
    drop((wa, wb, ra, rb));
    a.end().expect("ending A");
    b.end().expect("ending B");
}
