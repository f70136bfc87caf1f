//! `cargo xtask soak`: builds the soak binary (`tests/soak/main.rs`) and runs it against the
//! test venv's Python (or `--python EXE`). See docs/reliability.md.

use std::path::PathBuf;
use std::process::Command;

use crate::flags::Soak;
use crate::util::{self, step};

pub fn run(opts: &Soak) -> Result<(), String> {
    let pass = opts.soak_args();
    let release = opts.release;
    let python = util::test_python(opts.python.clone())?;
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
