//! `cargo xtask soak`: builds the soak binary (`tests/soak/main.rs`) and runs it against the
//! test venv's Python (or `--python EXE`). See docs/reliability.md.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{self, step};

const USAGE: &str = "usage: cargo xtask soak [--seconds N] [--threads T] [--warmup S] [--rss-bound-mib M] [--ops KIND,...] [--python EXE] [--release]
  16 threads (T) drive Python for N seconds (default 60) after a warm-up of S seconds, mixing
  calls, conversions, callbacks into Rust, handles dropped on other threads, bridges and two
  sub-interpreters. Fails on a stall of over 10 s, an operation error, RSS growth over M MiB
  (default 16) between the rests after warm-up and at the end, and on a debug build a total
  refcount that moved. --ops narrows the mix to some operation kinds (call, convert, value,
  callback, python-thread, drop-elsewhere, bridge, vec-bridge, closure, sub-interpreter, error,
  lock-without-gil). Python: EXE, else the test venv `cargo xtask test` makes.";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut pass: Vec<String> = Vec::new();
    let mut python: Option<PathBuf> = None;
    let mut release = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" | "--threads" | "--warmup" | "--rss-bound-mib" => {
                let v = it
                    .next()
                    .filter(|v| v.parse::<u64>().is_ok())
                    .ok_or_else(|| format!("{a} needs a number"))?;
                pass.extend([a.clone(), v.clone()]);
            }
            "--ops" => {
                let v = it
                    .next()
                    .ok_or("--ops needs a comma-separated list of operation kinds")?;
                pass.extend([a.clone(), v.clone()]);
            }
            "--python" => python = Some(it.next().ok_or("--python needs an interpreter")?.into()),
            "--release" => release = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let python = util::test_python(python)?;
    step(&format!(
        "building the soak binary ({})",
        if release {
            "release"
        } else {
            "debug, with debug assertions"
        }
    ));
    let mut build = util::cargo();
    build.args(["build", "--quiet", "-p", "libpython-tests", "--bin", "soak"]);
    if release {
        build.arg("--release");
    }
    util::run(&mut build)?;
    let exe = target_dir()
        .join(if release { "release" } else { "debug" })
        .join("soak");
    step(&format!(
        "running {} {} against {}",
        exe.display(),
        pass.join(" "),
        python.display()
    ));
    let t0 = std::time::Instant::now();
    let st = Command::new(&exe)
        .args(&pass)
        .env("LIBPYTHON_PYTHON", &python)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    step(&format!(
        "soak finished in {}",
        util::fmt_duration(t0.elapsed())
    ));
    if st.success() {
        Ok(())
    } else {
        Err(format!("the soak failed ({st})"))
    }
}

/// Cargo's target directory (`CARGO_TARGET_DIR` or the workspace's `target/`).
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                util::workspace_root().join(d)
            }
        }
        _ => util::workspace_root().join("target"),
    }
}
