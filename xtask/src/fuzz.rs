//! `cargo xtask fuzz --seconds N`: a long run of the property tests (the conversions' in
//! `tests/all/props.rs`, the hostile objects' in `tests/all/hostile.rs`) with fresh random
//! seeds until N seconds have passed.
//!
//! cargo-fuzz would need a nightly toolchain, the `cargo-fuzz` tool and a `fuzz/` crate of
//! libFuzzer targets; this machine has none of the latter two, so the command runs the
//! documented fallback: the same properties the suite checks with 64 cases, here with many
//! cases per run (`PROPTEST_CASES`) and a new seed per run (`PROPTEST_RNG_SEED`), printed so
//! a failure can be replayed with
//! `PROPTEST_CASES=K PROPTEST_RNG_SEED=S cargo test -p libpython-tests --test all props:: hostile::hostile_objects`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::flags::Fuzz;
use crate::util::{self, step};

pub fn run(opts: &Fuzz) -> Result<(), String> {
    let (seconds, cases) = (opts.seconds, opts.cases);
    let nightly = Command::new("cargo")
        .args(["+nightly", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let cargo_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    step(&format!(
        "nightly toolchain: {}, cargo-fuzz: {}; running the proptest fallback",
        if nightly { "yes" } else { "no" },
        if cargo_fuzz { "yes" } else { "no" }
    ));
    let python = util::test_python(opts.python.clone())?;
    let exe = util::build_integration_tests()?;
    let properties = list_properties(&exe)?;
    step(&format!(
        "{} properties, {cases} cases each per run, {seconds}s",
        properties
    ));
    let budget = Duration::from_secs(seconds);
    let t0 = Instant::now();
    let mut runs = 0u64;
    let mut total_cases = 0u64;
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut last_run = Duration::ZERO;
    while runs == 0 || t0.elapsed() + last_run <= budget {
        let seed = seed(runs);
        let started = Instant::now();
        let left = budget.saturating_sub(t0.elapsed()) + Duration::from_secs(120);
        let (ok, output) = run_props(&exe, &python, cases, seed, left)?;
        last_run = started.elapsed();
        runs += 1;
        let passed = passed_count(&output);
        // Every passing property ran `cases` cases; a failing one ran at most that many.
        total_cases += passed.saturating_sub(1) * cases;
        if ok {
            eprintln!(
                "  run {runs}: seed {seed}: ok ({})",
                util::fmt_duration(last_run)
            );
        } else {
            total_cases += cases;
            eprintln!(
                "  run {runs}: seed {seed}: FAILED ({})",
                util::fmt_duration(last_run)
            );
            failures.push((seed, excerpt(&output)));
        }
    }
    for (seed, text) in &failures {
        println!(
            "failing run, seed {seed} (replay: PROPTEST_CASES={cases} PROPTEST_RNG_SEED={seed} cargo test -p libpython-tests --test all props:: hostile::hostile_objects):"
        );
        for l in text.lines() {
            println!("    {l}");
        }
    }
    println!(
        "fuzz: {total_cases} cases in {runs} runs ({properties} properties x {cases} cases) over {}, {} failing runs",
        util::fmt_duration(t0.elapsed()),
        failures.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} failing run(s)", failures.len()))
    }
}

/// A fresh seed per run: the clock mixed with the run number.
fn seed(run: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ run.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

/// The test filters that select the properties: `props::` (all but one of its tests are
/// properties) and the hostile-object properties of `hostile::` (its other tests are
/// reproductions of what they found, not properties).
const FILTERS: [&str; 2] = ["props::", "hostile::hostile_objects"];

/// How many properties the filters select (for the report).
fn list_properties(exe: &Path) -> Result<u64, String> {
    let props = util::list_tests(exe, FILTERS[0])?.len() as u64;
    if props == 0 {
        return Err("the test executable has no props:: tests".into());
    }
    let hostile = util::list_tests(exe, FILTERS[1])?.len() as u64;
    if hostile == 0 {
        return Err("the test executable has no hostile::hostile_objects tests".into());
    }
    Ok(props.saturating_sub(1) + hostile)
}

fn run_props(
    exe: &Path,
    python: &Path,
    cases: u64,
    seed: u64,
    limit: Duration,
) -> Result<(bool, String), String> {
    use std::os::unix::process::CommandExt;
    let dir = util::workspace_root().join("target/fuzz");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let log = dir.join("last-run.txt");
    let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(FILTERS)
        .arg("--test-threads=2")
        .env("PROPTEST_CASES", cases.to_string())
        .env("PROPTEST_RNG_SEED", seed.to_string())
        .env("LIBPYTHON_PYTHON", python)
        .current_dir(util::workspace_root().join("tests"))
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let (status, killed) = util::wait_or_kill(&mut child, limit).map_err(|e| e.to_string())?;
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    if !killed {
        return Ok((status.success(), output));
    }
    Ok((
        false,
        format!(
            "{output}\n(killed after {}: a hang)",
            util::fmt_duration(limit)
        ),
    ))
}

fn passed_count(output: &str) -> u64 {
    output
        .lines()
        .rev()
        .find(|l| l.starts_with("test result:"))
        .and_then(|l| l.split(". ").nth(1))
        .and_then(|p| p.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The interesting part of a failing run: the failing tests' panic messages (which hold
/// proptest's minimal failing input).
fn excerpt(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("at ")
                && !l
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
        })
        .collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("failures:"))
        .unwrap_or(0);
    lines[start..]
        .iter()
        .take(60)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_passed_count() {
        assert_eq!(
            passed_count("x\ntest result: ok. 9 passed; 0 failed; 0 ignored\n"),
            9
        );
        assert_eq!(passed_count("test result: FAILED. 7 passed; 2 failed;"), 7);
        assert_eq!(passed_count("nothing"), 0);
    }

    #[test]
    fn seeds_differ_between_runs() {
        assert_ne!(seed(0), seed(1));
    }
}
