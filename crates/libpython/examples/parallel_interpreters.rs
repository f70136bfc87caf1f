//! Two sub-interpreters computing in parallel on two threads.
//!
//! ```text
//! cargo run --example parallel_interpreters
//! ```
//!
//! On Python 3.12 and later each sub-interpreter made with [`SubConfig::isolated`] has a GIL
//! of its own, so pure-Python work in two of them runs in parallel on two cores. Older
//! Pythons only have sub-interpreters that share the main GIL: the example then falls back
//! to those, says so, and the two threads take turns. Either way it prints the time of the
//! same two jobs run one after the other and run on two threads at once.
//!
//! Isolated sub-interpreters can import only extension modules that support them (numpy
//! does not yet), so the jobs here are plain Python.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use libpython::{Dict, Interpreter, SubConfig, with_interpreter};

/// The job: count the primes below `n` by trial division, in plain Python.
const JOB: &str = "
def count_primes(n):
    count = 0
    for k in range(2, n):
        d = 2
        while d * d <= k:
            if k % d == 0:
                break
            d += 1
        else:
            count += 1
    return count
";

/// Size of each job (about half a second of CPU).
const N: u64 = 120_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parallel_interpreters failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the job in the interpreter `interp`, on the calling thread. Every object the job
/// makes belongs to that interpreter and is dropped before this returns.
fn job(interp: &Interpreter, n: u64) -> Result<u64, libpython::Error> {
    with_interpreter(interp, || {
        let scope = Dict::new()?; // made in `interp`: the thread is bound to it here
        libpython::exec(JOB, &scope)?;
        scope.insert("n", n)?;
        libpython::attach(|py| py.eval_with("count_primes(n)", &scope, None)?.extract())
    })?
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Start Python first: sub-interpreters are made from the main one.
    libpython::initialize()?;
    let version: String = libpython::eval("__import__('sys').version.split()[0]")?.extract()?;
    println!("Python {version}");

    // Two isolated sub-interpreters with their own GIL (3.12+), else two sharing the GIL.
    let (a, b) = match Interpreter::new(SubConfig::isolated()).map_err(libpython::Error::into_kind)
    {
        Ok(a) => (a, Interpreter::new(SubConfig::isolated())?),
        Err(libpython::ErrorKind::Interp(libpython::interp::Error::NeedsVersion {
            feature,
            needs,
            have,
        })) => {
            println!("note: {feature} needs Python {needs}+ and this is {have}: falling back to");
            println!("      sub-interpreters that share the main GIL (correct, but not parallel)");
            (
                Interpreter::new(SubConfig::shared_gil())?,
                Interpreter::new(SubConfig::shared_gil())?,
            )
        }
        Err(e) => return Err(libpython::Error::from(e).into()),
    };
    println!(
        "two sub-interpreters, own GIL: {} / {}",
        a.own_gil(),
        b.own_gil()
    );

    // Warm up (first use of each interpreter on this thread makes its thread state).
    job(&a, 1_000)?;
    job(&b, 1_000)?;

    // One after the other, on this thread.
    let t0 = Instant::now();
    let (ra, rb) = (job(&a, N)?, job(&b, N)?);
    let sequential = t0.elapsed();
    println!(
        "sequential: primes below {N}: {ra} and {rb} in {}",
        secs(sequential)
    );

    // At the same time, one thread per interpreter. `Interpreter` handles are `Send`.
    let t0 = Instant::now();
    let (pa, pb) = std::thread::scope(|s| {
        let ha = s.spawn(|| job(&a, N));
        let hb = s.spawn(|| job(&b, N));
        (
            ha.join().expect("thread a panicked"),
            hb.join().expect("thread b panicked"),
        )
    });
    let (pa, pb) = (pa?, pb?);
    let parallel = t0.elapsed();
    println!(
        "parallel:   primes below {N}: {pa} and {pb} in {}",
        secs(parallel)
    );
    assert_eq!((pa, pb), (ra, rb), "both runs compute the same counts");

    let speedup = sequential.as_secs_f64() / parallel.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("speed-up: {speedup:.2}x on {cores} core(s)");
    if a.own_gil() && cores >= 2 && speedup < 1.3 {
        println!(
            "note: little speed-up although each interpreter has its own GIL: the machine is busy?"
        );
    }

    // End the sub-interpreters (Python would end them at exit anyway).
    a.end()?;
    b.end()?;
    println!("sub-interpreters ended");
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
