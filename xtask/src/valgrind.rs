//! `cargo xtask valgrind`: the integration suite under valgrind's memcheck.
//!
//! Every test of the `all` executable runs in a process of its own (`BIN --exact NAME
//! --test-threads=1`) under `valgrind --tool=memcheck --trace-children=yes`, so the tests
//! that re-run the executable in a child process are checked too, with
//! `PYTHONMALLOC=malloc` (CPython's own allocator hands out memory valgrind cannot track)
//! and our suppressions (`xtask/valgrind.supp`, each entry says why it is benign). Processes
//! that are plain CPython (the interpreters discovery probes, multiprocessing's workers)
//! are not traced. Tests run two at a time, each with a time limit; every valgrind log is
//! kept under `target/valgrind/`. The last line is `valgrind: N errors in M tests`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::flags::Valgrind as Options;
use crate::util::{self, step};

/// Executables valgrind does not follow into: CPython itself (discovery probes, pip,
/// multiprocessing's spawned workers) and shells. Our code never runs in them.
const SKIP_CHILDREN: &str = "*/bin/python*,*/python3*,*/sh,*/bash,*/dash,/usr/bin/*,*/cargo,*/rustc,*/rustdoc,*/.rustup/*,*/.cargo/bin/*";

/// What one test's run gave.
struct Outcome {
    name: String,
    /// Errors memcheck reported, summed over the test's processes.
    errors: u64,
    /// Processes valgrind ran (the test and its children).
    processes: usize,
    passed: bool,
    timed_out: bool,
    status: String,
    elapsed: Duration,
    logs: PathBuf,
}

pub fn run(opts: &Options) -> Result<(), String> {
    let t0 = Instant::now();
    let version = Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| format!("valgrind is not installed ({e}): apt-get install valgrind"))?;
    let python = util::test_python(opts.python.clone())?;
    let exe = util::build_integration_tests()?;
    // The `examples::` tests run the example binaries from the same target directory.
    step("building the examples (cargo build -p libpython --examples)");
    util::run(util::cargo().args(["build", "--quiet", "-p", "libpython", "--examples"]))?;
    let mut tests = util::list_tests(&exe, "")?;
    if !opts.filters.is_empty() {
        tests.retain(|t| opts.filters.iter().any(|f| t.contains(f.as_str())));
    }
    if tests.is_empty() {
        return Err("no test matches".into());
    }
    let supp = util::workspace_root().join("xtask/valgrind.supp");
    let out_dir = util::workspace_root().join("target/valgrind");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    step(&format!(
        "running {} tests under {} ({} at a time, {}s limit each), Python {}",
        tests.len(),
        String::from_utf8_lossy(&version.stdout).trim(),
        opts.jobs,
        opts.timeout.as_secs(),
        python.display()
    ));
    let total = tests.len();
    let queue = Arc::new(Mutex::new(
        tests.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..opts.jobs)
        .map(|_| {
            let (queue, results) = (queue.clone(), results.clone());
            let (exe, supp, out_dir, python, timeout) = (
                exe.clone(),
                supp.clone(),
                out_dir.clone(),
                python.clone(),
                opts.timeout,
            );
            std::thread::spawn(move || {
                loop {
                    let Some((i, name)) = queue.lock().unwrap().pop_front() else {
                        break;
                    };
                    let o = run_one(&exe, &name, &supp, &out_dir, &python, timeout);
                    let note = if o.timed_out {
                        " TIMED OUT".to_owned()
                    } else if !o.passed {
                        format!(" FAILED ({})", o.status)
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "[{:>3}/{total}] {name}: {} error(s) in {} process(es), {}{note}",
                        i + 1,
                        o.errors,
                        o.processes,
                        util::fmt_duration(o.elapsed)
                    );
                    results.lock().unwrap().push(o);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a worker thread panicked")?;
    }
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let errors: u64 = results.iter().map(|o| o.errors).sum();
    let with_errors: Vec<&Outcome> = results.iter().filter(|o| o.errors > 0).collect();
    let failed: Vec<&Outcome> = results
        .iter()
        .filter(|o| !o.passed && o.errors == 0)
        .collect();
    if !with_errors.is_empty() {
        println!("tests with memcheck errors (logs, suppressions included, in target/valgrind/):");
        for o in &with_errors {
            println!("  {}: {} error(s), {}", o.name, o.errors, o.logs.display());
            for line in first_errors(&o.logs, 12) {
                println!("      {line}");
            }
        }
    }
    if !failed.is_empty() {
        println!("tests that failed under valgrind without a memcheck error:");
        for o in &failed {
            let why = if o.timed_out {
                "timed out".to_owned()
            } else {
                o.status.clone()
            };
            println!("  {}: {why}, {}", o.name, o.logs.display());
        }
    }
    let slowest = results.iter().max_by_key(|o| o.elapsed);
    println!(
        "total time {} for {} tests ({} processes under valgrind){}",
        util::fmt_duration(t0.elapsed()),
        results.len(),
        results.iter().map(|o| o.processes).sum::<usize>(),
        slowest
            .map(|o| format!("; slowest {} ({})", o.name, util::fmt_duration(o.elapsed)))
            .unwrap_or_default()
    );
    println!("valgrind: {errors} errors in {} tests", results.len());
    if errors > 0 || !failed.is_empty() {
        return Err(format!(
            "{} test(s) with memcheck errors, {} failed otherwise",
            with_errors.len(),
            failed.len()
        ));
    }
    Ok(())
}

fn run_one(
    exe: &Path,
    name: &str,
    supp: &Path,
    out_dir: &Path,
    python: &Path,
    timeout: Duration,
) -> Outcome {
    let logs = out_dir.join(name.replace("::", "__"));
    let _ = std::fs::create_dir_all(&logs);
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=memcheck",
        "--error-exitcode=99",
        "--trace-children=yes",
        &format!("--trace-children-skip={SKIP_CHILDREN}"),
        &format!("--suppressions={}", supp.display()),
        "--leak-check=no",
        "--num-callers=40",
        "--gen-suppressions=all",
        &format!("--log-file={}/valgrind.%p.log", logs.display()),
    ])
    .arg(exe)
    .args([name, "--exact", "--test-threads=1", "--nocapture"])
    .env("PYTHONMALLOC", "malloc")
    .env("LIBPYTHON_PYTHON", python)
    // As cargo would run the `tests` package's executable (trybuild reads these to find the
    // package under test; inherited from `cargo xtask`, they would name xtask).
    .env("CARGO_MANIFEST_DIR", util::workspace_root().join("tests"))
    .env("CARGO_PKG_NAME", "libpython-tests")
    .current_dir(util::workspace_root().join("tests"));
    util::clear_python_env(&mut cmd);
    let output_file = logs.join("output.txt");
    let run = util::run_logged(&mut cmd, &output_file, timeout);
    let (errors, processes) = count_errors(&logs);
    let output = std::fs::read_to_string(&output_file).unwrap_or_default();
    Outcome {
        name: name.to_owned(),
        errors,
        processes,
        passed: run.success && output.contains("1 passed"),
        timed_out: run.timed_out,
        status: run.status,
        elapsed: run.elapsed,
        logs,
    }
}

/// Sums `ERROR SUMMARY: N errors` over the valgrind logs of one test (one log per process).
fn count_errors(dir: &Path) -> (u64, usize) {
    let mut errors = 0;
    let mut processes = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("valgrind."))
        {
            continue;
        }
        processes += 1;
        errors += summary_errors(&std::fs::read_to_string(&p).unwrap_or_default()).unwrap_or(0);
    }
    (errors, processes)
}

/// The error count of one valgrind log's `ERROR SUMMARY` line.
fn summary_errors(log: &str) -> Option<u64> {
    let line = log.lines().rev().find(|l| l.contains("ERROR SUMMARY:"))?;
    line.split("ERROR SUMMARY:")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The first lines of the first error reports of a test's logs.
fn first_errors(dir: &Path, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("valgrind."))
        {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        if summary_errors(&text).unwrap_or(0) == 0 {
            continue;
        }
        // Error reports follow the preamble; each line is prefixed by `==PID== `.
        let body: Vec<&str> = text
            .lines()
            .map(|l| l.split_once("== ").map_or(l, |(_, r)| r))
            .skip_while(|l| {
                !(l.starts_with("Invalid")
                    || l.starts_with("Conditional")
                    || l.starts_with("Use of uninit")
                    || l.starts_with("Syscall")
                    || l.contains("free")
                    || l.starts_with("Mismatched")
                    || l.starts_with("Source and destination"))
            })
            .take(n)
            .collect();
        out.extend(body.into_iter().map(str::to_owned));
        out.push(format!("({})", p.display()));
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_error_summary() {
        let log = "==12== Memcheck\n==12== \n==12== ERROR SUMMARY: 3 errors from 2 contexts (suppressed: 40 from 7)\n";
        assert_eq!(summary_errors(log), Some(3));
        assert_eq!(summary_errors("==1== nothing"), None);
    }

    /// Every suppression in our file says why it is benign: a comment after the previous
    /// suppression and before it (one comment may explain consecutive related entries).
    #[test]
    fn every_suppression_is_commented() {
        let text =
            std::fs::read_to_string(util::workspace_root().join("xtask/valgrind.supp")).unwrap();
        let mut n = 0;
        let mut commented = false;
        let mut consecutive = 0;
        for (i, l) in text.lines().enumerate() {
            if l.starts_with('#') {
                commented = true;
                consecutive = 0;
            } else if l == "{" {
                n += 1;
                consecutive += 1;
                assert!(
                    commented,
                    "the suppression at line {} has no comment before it",
                    i + 1
                );
                assert!(
                    consecutive <= 2,
                    "line {}: at most two suppressions share one comment",
                    i + 1
                );
            }
        }
        assert!(n > 0);
        assert_eq!(
            n,
            text.lines().filter(|l| *l == "}").count(),
            "unbalanced braces"
        );
    }
}
