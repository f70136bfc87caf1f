//! Helpers shared by the xtask commands: finding the base Python, virtual environments kept
//! outside the clone, running commands with progress.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::json::Json;

/// Prints a progress line.
pub fn step(msg: &str) {
    eprintln!("==> {msg}");
}

/// `cargo` as invoked by the user.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Runs a command, inheriting output; an error names it and its exit status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let st = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {st}", cmd.get_program()))
    }
}

/// Where caches live: `$LIBPYTHON_CACHE`, else `$XDG_CACHE_HOME/libpython`, else
/// `~/.cache/libpython`. Outside the clone, so fresh clones reuse them.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LIBPYTHON_CACHE") {
        return d.into();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into())).join(".cache")
        });
    base.join("libpython")
}

/// The Python the demo and tests are based on: `LIBPYTHON_PYTHON`, else `python3` on `PATH`.
pub fn base_python() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("LIBPYTHON_PYTHON") {
        return Ok(p.into());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for d in std::env::split_paths(&path) {
        let p = d.join("python3");
        if p.is_file() {
            return Ok(p);
        }
    }
    Err("no python3 on PATH; install Python 3.9+ with its shared library (see README, Troubleshooting)".into())
}

/// A virtual environment made by [`ensure_venv`].
pub struct Venv {
    /// Its `bin/python`.
    pub python: PathBuf,
}

/// `python -c CODE` output, trimmed.
pub fn python_output(python: &Path, code: &str) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", code])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} -c {code:?} failed: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Makes (once) a virtual environment of `base` named `purpose`, with `packages` installed,
/// under the cache directory; reuses it when it already has them.
pub fn ensure_venv(base: &Path, purpose: &str, packages: &[&str]) -> Result<Venv, String> {
    let tag = python_output(
        base,
        "import sys, sysconfig; print('%d.%d%s' % (sys.version_info[0], sys.version_info[1], 't' if sysconfig.get_config_var('Py_GIL_DISABLED') else ('d' if hasattr(sys, 'gettotalrefcount') else '')))",
    )?;
    let dir = cache_dir().join("venvs").join(format!("{purpose}-{tag}"));
    ensure_venv_at(base, &dir, packages, &[])
}

/// Makes (once) a virtual environment at `dir` with `packages` installed (`pip_args` are
/// passed to `pip install`).
pub fn ensure_venv_at(
    base: &Path,
    dir: &Path,
    packages: &[&str],
    pip_args: &[&str],
) -> Result<Venv, String> {
    let python = dir.join("bin/python");
    let stamp = dir.join(".libpython-packages");
    let want = packages.join(" ");
    if python.exists()
        && std::fs::read_to_string(&stamp)
            .map(|s| s == want)
            .unwrap_or(false)
    {
        step(&format!("reusing {} ({want})", dir.display()));
        return Ok(Venv { python });
    }
    step(&format!(
        "creating a virtual environment at {} from {}",
        dir.display(),
        base.display()
    ));
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.parent().unwrap()).map_err(|e| e.to_string())?;
    run(Command::new(base).args(["-m", "venv"]).arg(dir))?;
    if !packages.is_empty() {
        step(&format!("installing {want} (first time only)"));
        // pip's report goes to standard error with the other progress lines, so standard
        // output keeps only a command's results (the matrix's table).
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--progress-bar",
                "off",
            ])
            .args(pip_args)
            .args(packages)
            .stdout(std::io::stderr()))?;
    }
    std::fs::write(&stamp, &want).map_err(|e| e.to_string())?;
    Ok(Venv { python })
}

/// A duration as `1m05s` or `4.2s`.
pub fn fmt_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}

/// The Python a reliability command runs against: `given` (its `--python`), else the test venv
/// `cargo xtask test` makes.
pub fn test_python(given: Option<PathBuf>) -> Result<PathBuf, String> {
    match given {
        Some(p) => Ok(p),
        None => Ok(ensure_venv(&base_python()?, "test", crate::TEST_PACKAGES)?.python),
    }
}

/// Builds the integration test executable (`tests/all`) and returns its path, as cargo's
/// JSON messages name it.
pub fn build_integration_tests() -> Result<PathBuf, String> {
    step("building the integration tests (cargo test -p libpython-tests --test all --no-run)");
    let out = cargo()
        .args([
            "test",
            "-p",
            "libpython-tests",
            "--test",
            "all",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo test --no-run failed ({})", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| Json::parse(l).ok())
        .filter(|m| {
            m.get("reason").as_str() == Some("compiler-artifact")
                && m.get("target").get("name").as_str() == Some("all")
        })
        .find_map(|m| m.get("executable").as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no `all` test executable".into())
}

/// The tests of a libtest executable whose names contain `filter` (every test for `""`).
pub fn list_tests(exe: &Path, filter: &str) -> Result<Vec<String>, String> {
    let out = Command::new(exe)
        .args([filter, "--list", "--format", "terse"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!("{} --list failed ({})", exe.display(), out.status));
    }
    Ok(parse_test_list(&String::from_utf8_lossy(&out.stdout)))
}

/// The test names in libtest's terse listing (`NAME: test` lines; benchmarks left out).
fn parse_test_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tests_from_libtest_terse_output() {
        let text = "a::b: test\nc: test\nd: bench\n\n2 tests, 1 benchmark\n";
        assert_eq!(parse_test_list(text), ["a::b", "c"]);
    }
}
