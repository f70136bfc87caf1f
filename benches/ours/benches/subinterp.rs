//! Sub-interpreter parallelism (issue 3): two isolated sub-interpreters, each with its own GIL
//! (Python 3.12+), run the same CPU-bound pure-Python loop on two threads at once, against the
//! same two loops run one after the other. The speedup is `sequential / parallel`; on two
//! cores the goal is at least 1.8x.
//!
//! One Python per process: `cargo xtask bench` runs this once per version with
//! `LIBPYTHON_PYTHON` naming it. The criterion group is `subinterp_3.X`.

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
        let (jobs, job_rx) = channel::<()>();
        let (done_tx, done) = channel::<()>();
        let thread = std::thread::spawn(move || {
            libpython::with_interpreter(&interp, || {
                libpython::run_simple_string(WORK).expect("defining work() failed");
                for () in job_rx {
                    libpython::run_simple_string("work()").expect("work() failed");
                    done_tx.send(()).expect("the bench is gone");
                }
            })
            .expect("the sub-interpreter is gone");
        });
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
    g.bench_function("sequential", |bch| {
        bch.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                wa.start();
                wa.wait();
                wb.start();
                wb.wait();
            }
            t.elapsed()
        })
    });
    g.bench_function("parallel", |bch| {
        bch.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                wa.start();
                wb.start();
                wa.wait();
                wb.wait();
            }
            t.elapsed()
        })
    });
    g.finish();
    c.final_summary();
    drop((wa, wb));
    a.end().expect("ending A");
    b.end().expect("ending B");
}
