//! `cargo xtask test-matrix`: one build of the test executables, run against every Python of
//! the machine.
//!
//! The configurations are every CPython 3.9+ pyenv has, every Debian `/usr/bin/python3.X`,
//! Debian's debug build of it (`python3.X-dbg`, installed if missing) and a free-threaded
//! 3.13 built from Debian trixie's source ([`crate::freethreaded`]). Each gets a virtual
//! environment of its own with the test packages, kept in the cache directory and reused.
//!
//! The unit and integration test executables are built once (`cargo test --no-run`); every
//! configuration runs those same files, choosing its Python with `LIBPYTHON_PYTHON`, and each
//! row of the table shows the SHA-256 of every executable, hashed again just before the
//! configuration runs. Doctests cannot be prebuilt: rustdoc compiles them on each
//! `cargo test --doc`, so they are run per configuration too (unless `--no-doc`) and counted
//! in a column of their own, outside the hashed set.
//!
//! The leak test (`tests/all/leaks.rs`) prints a `leaks: N` line that fills the table's
//! "leaks" column; on a debug build it counts with `sys.gettotalrefcount`.
//!
//! The last line printed is `matrix: N passed, M failed`, counting configurations; the exit
//! status is non-zero when any configuration failed or could not be prepared.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use crate::flags::TestMatrix as Options;
use crate::util::{
    RunResult, cache_dir, ensure_venv_at, fmt_duration, python_output, run_logged, step,
    workspace_root,
};

/// The minor versions the suite needs pyenv to have (a missing one is a failed configuration).
const REQUIRED_PYENV: std::ops::RangeInclusive<u32> = 9..=13;

/// What kind of CPython build a configuration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ordinary build.
    Release,
    /// A `Py_DEBUG` build (`sys.gettotalrefcount` exists).
    Debug,
    /// A free-threaded build (`Py_GIL_DISABLED`).
    FreeThreaded,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Release => "release",
            Kind::Debug => "debug",
            Kind::FreeThreaded => "free-threaded",
        }
    }
}

/// One Python the matrix runs against.
struct Config {
    /// Shown in the table (`pyenv 3.12`, `debian 3.11d`, ...).
    name: String,
    /// Names its virtual environment (`matrix-<slug>`).
    slug: String,
    kind: Kind,
    /// Finds (installing or building if needed) the base interpreter.
    base: Box<dyn Fn() -> Result<PathBuf, String>>,
    /// One of the newest versions ([`crate::newest`]): its test packages are installed from
    /// wheels only, and if they cannot be (no wheel for it yet) it is listed as not testable
    /// here instead of failing the matrix.
    newest: bool,
}

/// One test executable of the build.
#[derive(Debug, Clone)]
struct Binary {
    /// A short label (`all`, `ffi`, `interp`, ...).
    label: String,
    path: PathBuf,
    /// The package's directory: the working directory cargo would run it in.
    package_dir: PathBuf,
    package: String,
    crate_name: String,
}

/// The counts read from libtest output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Sum of `N passed` over the `test result:` lines.
    pub passed: u32,
    /// Sum of `N failed`.
    pub failed: u32,
    /// How many `test result:` lines there were.
    pub results: u32,
    /// Names of the tests reported `FAILED`.
    pub failures: Vec<String>,
    /// The `leaks: N ...` line, if any: (N, the whole line).
    pub leaks: Option<(u32, String)>,
}

/// Whose output [`parse_libtest`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// One test executable: only its last `test result:` line counts. A failed test's
    /// captured output, which libtest prints before the run's own summary, may hold the
    /// summary of a child process the test started (the suite re-runs itself for tests that
    /// need a fresh process).
    Executable,
    /// `cargo test --doc`: every `test result:` line counts (each crate's merged doctests and
    /// its standalone ones have one each; doctests start no child test runs).
    Doctests,
}

/// Reads libtest's output: the `test result: ok. 3 passed; 0 failed; ...` lines (see
/// [`Source`] for which count), `test NAME ... FAILED` lines, and the leak test's `leaks: N`
/// line (the largest N if there are several).
pub fn parse_libtest(text: &str, source: Source) -> Outcome {
    let mut o = Outcome::default();
    let mut results: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(rest) = line.trim_start().strip_prefix("test result: ") {
            results.push(rest);
        } else if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
        {
            if !o.failures.iter().any(|f| f == name) {
                o.failures.push(name.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("leaks: ") {
            let n = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<u32>().ok());
            if let Some(n) = n
                && o.leaks.as_ref().is_none_or(|(m, _)| n > *m)
            {
                o.leaks = Some((n, line.to_owned()));
            }
        }
    }
    if source == Source::Executable && results.len() > 1 {
        results.drain(..results.len() - 1);
    }
    for rest in results {
        o.results += 1;
        for part in rest.split([';', '.']) {
            let mut w = part.split_whitespace();
            if let (Some(n), Some(what)) = (w.next().and_then(|n| n.parse::<u32>().ok()), w.next())
            {
                match what {
                    "passed" => o.passed += n,
                    "failed" => o.failed += n,
                    _ => {}
                }
            }
        }
    }
    o
}

/// A configuration's row of the table.
#[derive(Debug, Default)]
struct Row {
    name: String,
    python: Option<PathBuf>,
    version: String,
    kind: String,
    prepare: Duration,
    run: Duration,
    tests: Outcome,
    doc: Option<Outcome>,
    /// (label, sha256) of every executable, hashed just before this row ran.
    hashes: Vec<(String, String)>,
    /// Why the configuration failed; empty when it passed.
    problems: Vec<String>,
    /// Output excerpts of failed runs, shown after the table.
    details: Vec<String>,
    /// Why a configuration of the newest versions could not be tested here (not a failure).
    unavailable: Option<String>,
}

/// Runs the matrix. The last line printed is `matrix: N passed, M failed`.
pub fn run(opts: &Options) -> ExitCode {
    let only: Vec<&str> = opts
        .only
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    let t0 = Instant::now();
    let (mut configs, newest) = configurations(opts.recheck_newest);
    for line in crate::newest::report(&newest) {
        eprintln!("{line}");
    }
    if !only.is_empty() {
        configs.retain(|c| {
            only.iter()
                .any(|o| c.name.contains(o) || c.slug.contains(o))
        });
    }
    step(&format!(
        "test matrix: {} configurations ({}); cache {}",
        configs.len(),
        configs
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        cache_dir().display()
    ));

    let mut rows: Vec<Row> = Vec::new();
    let binaries = match build() {
        Ok(b) => b,
        Err(e) => {
            for c in &configs {
                rows.push(Row {
                    name: c.name.clone(),
                    kind: c.kind.label().into(),
                    problems: vec![format!("build failed: {e}")],
                    ..Row::default()
                });
            }
            return finish(&rows, &[], &newest, t0);
        }
    };
    let reference: Vec<(String, String)> = match hash_all(&binaries) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("xtask test-matrix: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (label, h) in &reference {
        eprintln!("    {label:<12} sha256 {h}");
    }

    let logs = target_dir().join("test-matrix");
    let _ = std::fs::create_dir_all(&logs);
    let n = configs.len();
    for (i, c) in configs.iter().enumerate() {
        step(&format!("[{}/{n}] {}: preparing", i + 1, c.name));
        let mut row = Row {
            name: c.name.clone(),
            kind: c.kind.label().into(),
            ..Row::default()
        };
        let tp = Instant::now();
        let prepared = prepare(c);
        row.prepare = tp.elapsed();
        match prepared {
            Err(e) if c.newest => {
                eprintln!("    {}: not testable here: {e}", c.name);
                row.unavailable = Some(e);
            }
            Err(e) => {
                eprintln!("    {}: cannot be prepared: {e}", c.name);
                row.problems.push(format!("cannot be prepared: {e}"));
            }
            Ok(p) => {
                row.python = Some(p.python.clone());
                row.version = p.version.clone();
                step(&format!(
                    "[{}/{n}] {}: Python {} ({}), numpy {}, {}",
                    i + 1,
                    c.name,
                    p.version,
                    c.kind.label(),
                    p.numpy,
                    p.python.display()
                ));
                let tr = Instant::now();
                run_config(
                    &mut row,
                    &p.python,
                    &binaries,
                    &reference,
                    &logs.join(&c.slug),
                    opts,
                );
                row.run = tr.elapsed();
            }
        }
        let verdict = if !row.problems.is_empty() {
            format!("FAILED: {}", row.problems.join("; "))
        } else if row.unavailable.is_some() {
            "not testable here (not counted)".to_owned()
        } else {
            "passed".to_owned()
        };
        eprintln!("    {}: {verdict}", c.name);
        rows.push(row);
    }
    finish(&rows, &reference, &newest, t0)
}

/// Prints the table, the details of failures and the closing line; the exit status.
/// Configurations of the newest versions that could not be tested here count neither way.
fn finish(
    rows: &[Row],
    reference: &[(String, String)],
    newest: &[crate::newest::Lookup],
    t0: Instant,
) -> ExitCode {
    let failed = rows.iter().filter(|r| !r.problems.is_empty()).count();
    let passed = rows
        .iter()
        .filter(|r| r.problems.is_empty() && r.unavailable.is_none())
        .count();
    println!();
    for line in crate::newest::report(newest) {
        println!("{line}");
    }
    for r in rows.iter().filter(|r| r.problems.is_empty()) {
        if let Some(why) = &r.unavailable {
            println!("  {}: found, but not testable here: {why}", r.name);
        }
    }
    println!();
    println!("{}", table(rows));
    if !reference.is_empty() {
        let same = rows
            .iter()
            .filter(|r| !r.hashes.is_empty())
            .all(|r| r.hashes == reference);
        println!(
            "test executables (built once; sha256 in every row, hashed again before each configuration ran):"
        );
        for (label, h) in reference {
            println!("  {label:<10} {h}");
        }
        println!(
            "same executables in every row: {}",
            if same { "yes" } else { "NO" }
        );
    }
    for r in rows.iter().filter(|r| !r.problems.is_empty()) {
        println!();
        println!("{} FAILED:", r.name);
        for p in &r.problems {
            println!("  - {p}");
        }
        for d in &r.details {
            for l in d.lines() {
                println!("    {l}");
            }
        }
    }
    println!();
    println!("total time {}", fmt_duration(t0.elapsed()));
    println!("matrix: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn table(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let ran = r.tests.results > 0;
            vec![
                r.name.clone(),
                if r.version.is_empty() {
                    "-".into()
                } else {
                    r.version.clone()
                },
                r.kind.clone(),
                if ran {
                    format!("{}/{}", r.tests.passed, r.tests.failed)
                } else {
                    "-".into()
                },
                match &r.doc {
                    Some(d) if d.results > 0 => format!("{}/{}", d.passed, d.failed),
                    Some(_) => "error".into(),
                    None => "-".into(),
                },
                match &r.tests.leaks {
                    Some((n, _)) => n.to_string(),
                    None if ran => "missing".into(),
                    None => "-".into(),
                },
                fmt_duration(r.prepare),
                if ran { fmt_duration(r.run) } else { "-".into() },
                if r.hashes.is_empty() {
                    "-".into()
                } else {
                    r.hashes
                        .iter()
                        .map(|(l, h)| format!("{l}:{}", &h[..10]))
                        .collect::<Vec<_>>()
                        .join(" ")
                },
                if !r.problems.is_empty() {
                    "FAILED".into()
                } else if r.unavailable.is_some() {
                    "n/a".into()
                } else {
                    "ok".into()
                },
            ]
        })
        .collect();
    crate::util::text_table(
        &[
            "configuration",
            "version",
            "build",
            "tests passed/failed",
            "doctests",
            "leaks",
            "prepare",
            "run",
            "executables (sha256, first 10 hex digits)",
            "result",
        ],
        &cells,
    )
}

/// The configurations of this machine, and what the search for the newest versions found
/// ([`crate::newest`]; `recheck` asks the package archives again).
fn configurations(recheck: bool) -> (Vec<Config>, Vec<crate::newest::Lookup>) {
    let mut out = Vec::new();
    // pyenv: the newest patch release of every 3.9+ minor version.
    let root = crate::util::pyenv_root();
    let mut newest: BTreeMap<u32, (u32, PathBuf)> = BTreeMap::new();
    // Free-threaded pyenv builds (`3.14.0t`), by minor version.
    let mut newest_t: BTreeMap<u32, (u32, PathBuf)> = BTreeMap::new();
    for p in crate::util::pyenv_pythons(&root)
        .into_iter()
        .filter(|p| p.minor >= 9)
    {
        let map = if p.free_threaded {
            &mut newest_t
        } else {
            &mut newest
        };
        if map.get(&p.minor).is_none_or(|(patch, _)| p.patch > *patch) {
            map.insert(p.minor, (p.patch, p.executable));
        }
    }
    let mut pyenv_configs: BTreeMap<(u32, bool), String> = BTreeMap::new();
    for (&minor, (_, exe)) in &newest_t {
        let exe = exe.clone();
        pyenv_configs.insert((minor, true), format!("pyenv 3.{minor}t"));
        out.push(Config {
            name: format!("pyenv 3.{minor}t"),
            slug: format!("pyenv-3.{minor}t"),
            kind: Kind::FreeThreaded,
            base: Box::new(move || Ok(exe.clone())),
            newest: minor >= 14,
        });
    }
    for minor in REQUIRED_PYENV {
        newest.entry(minor).or_insert((0, PathBuf::new()));
    }
    for (minor, (_, exe)) in newest {
        let root = root.clone();
        if !exe.as_os_str().is_empty() {
            pyenv_configs.insert((minor, false), format!("pyenv 3.{minor}"));
        }
        out.push(Config {
            name: format!("pyenv 3.{minor}"),
            slug: format!("pyenv-3.{minor}"),
            kind: Kind::Release,
            base: Box::new(move || {
                if exe.as_os_str().is_empty() {
                    Err(format!("pyenv ({}) has no Python 3.{minor}; the suite needs 3.9 to 3.13: `PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.{minor}`", root.display()))
                } else {
                    Ok(exe.clone())
                }
            }),
            newest: minor >= 14,
        });
    }
    // Debian's own interpreters, and the debug build of each.
    let mut debian: Vec<u32> = std::fs::read_dir("/usr/bin")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_prefix("python3.")?
                .parse::<u32>()
                .ok()
        })
        .filter(|m| *m >= 9)
        .collect();
    debian.sort();
    for &minor in &debian {
        out.push(Config {
            name: format!("debian 3.{minor}"),
            slug: format!("debian-3.{minor}"),
            kind: Kind::Release,
            base: Box::new(move || {
                let exe = PathBuf::from(format!("/usr/bin/python3.{minor}"));
                if python_output(&exe, "import venv, ensurepip").is_err() {
                    crate::apt::install(&[&format!("python3.{minor}-venv")])?;
                }
                Ok(exe)
            }),
            newest: false,
        });
    }
    let debug_minors = if debian.is_empty() { vec![11] } else { debian };
    for minor in debug_minors {
        out.push(Config {
            name: format!("debian 3.{minor}d"),
            slug: format!("debian-3.{minor}d"),
            kind: Kind::Debug,
            base: Box::new(move || {
                let exe = PathBuf::from(format!("/usr/bin/python3.{minor}d"));
                if !exe.exists() {
                    crate::apt::install(&[&format!("python3.{minor}-dbg")])?;
                }
                if python_output(&exe, "import venv, ensurepip").is_err() {
                    crate::apt::install(&[&format!("python3.{minor}-venv")])?;
                }
                Ok(exe)
            }),
            newest: false,
        });
    }
    out.push(Config {
        name: "built 3.13t".into(),
        slug: "built-3.13t".into(),
        kind: Kind::FreeThreaded,
        base: Box::new(crate::freethreaded::ensure),
        newest: false,
    });
    let lookups = crate::newest::look(&pyenv_configs, recheck);
    for l in &lookups {
        if let crate::newest::Outcome::Found { config, python, .. } = &l.outcome {
            let python = python.clone();
            out.push(Config {
                name: config.clone(),
                slug: config.replace(' ', "-"),
                kind: if l.free_threaded {
                    Kind::FreeThreaded
                } else {
                    Kind::Release
                },
                base: Box::new(move || Ok(python.clone())),
                newest: true,
            });
        }
    }
    (out, lookups)
}

/// A configuration ready to run.
struct Prepared {
    /// The virtual environment's interpreter (what `LIBPYTHON_PYTHON` is set to).
    python: PathBuf,
    version: String,
    numpy: String,
}

const PROBE: &str = "import sys, sysconfig
kind = 'free-threaded' if sysconfig.get_config_var('Py_GIL_DISABLED') else ('debug' if hasattr(sys, 'gettotalrefcount') else 'release')
import numpy
print(sys.version.split()[0], kind, numpy.__version__)";

/// Finds or makes the base interpreter and the configuration's virtual environment with the
/// test packages, and checks it is the kind of build expected.
fn prepare(c: &Config) -> Result<Prepared, String> {
    let base = (c.base)()?;
    let (packages, pip_args): (Vec<String>, Vec<&str>) = match c.kind {
        // The newest versions: wheels only (building numpy from source takes many minutes);
        // without one the configuration is not testable here yet.
        _ if c.newest => (
            crate::TEST_PACKAGES.iter().map(|p| p.to_string()).collect(),
            vec!["--only-binary=:all:"],
        ),
        // numpy's newest release has no free-threaded wheel here: pip would build it from
        // source for many minutes. 2.3.x has cp313t wheels.
        Kind::FreeThreaded => (
            crate::TEST_PACKAGES
                .iter()
                .map(|p| {
                    if *p == "numpy" {
                        "numpy<2.4".to_owned()
                    } else {
                        p.to_string()
                    }
                })
                .collect(),
            vec!["--only-binary=:all:"],
        ),
        _ => (
            crate::TEST_PACKAGES.iter().map(|p| p.to_string()).collect(),
            vec![],
        ),
    };
    let packages: Vec<&str> = packages.iter().map(String::as_str).collect();
    let dir = cache_dir().join("venvs").join(format!("matrix-{}", c.slug));
    let mut attempt = 0;
    loop {
        let venv = ensure_venv_at(&base, &dir, &packages, &pip_args)?;
        match python_output(&venv.python, PROBE) {
            Ok(out) => {
                let w: Vec<&str> = out.split_whitespace().collect();
                let [version, kind, numpy] = w[..] else {
                    return Err(format!("unexpected probe output {out:?}"));
                };
                if kind != c.kind.label() {
                    return Err(format!(
                        "{} is a {kind} build, expected {}",
                        base.display(),
                        c.kind.label()
                    ));
                }
                return Ok(Prepared {
                    python: venv.python,
                    version: version.into(),
                    numpy: numpy.into(),
                });
            }
            // A cached environment that no longer works (its base changed): make it again.
            Err(e) if attempt == 0 => {
                step(&format!(
                    "the environment at {} does not work ({}); making it again",
                    dir.display(),
                    e.lines().last().unwrap_or("")
                ));
                let _ = std::fs::remove_dir_all(&dir);
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The target directory cargo builds into.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(
            || workspace_root().join("target"),
            |p| workspace_root().join(p),
        )
}

/// Builds the unit and integration test executables once and lists them.
fn build() -> Result<Vec<Binary>, String> {
    step("building the test executables once (cargo test --workspace --exclude xtask --no-run)");
    let built = crate::cargo_json::build(crate::util::cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "xtask",
        "--no-run",
    ]))?;
    let mut bins = Vec::new();
    for a in built {
        let Some(exe) = a.executable.filter(|_| a.profile.test) else {
            continue;
        };
        let name = a.target.name;
        let label = if a.target.kind.iter().any(|k| k == "lib") {
            name.strip_prefix("libpython_").unwrap_or(&name).to_owned()
        } else {
            name.clone()
        };
        bins.push(Binary {
            label,
            path: exe,
            package_dir: a
                .manifest_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(workspace_root),
            package: package_name(&a.package_id, &a.manifest_path),
            crate_name: name.replace('-', "_"),
        });
    }
    if bins.is_empty() {
        return Err("cargo built no test executable".into());
    }
    bins.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(bins)
}

/// The package name from a package id (`path+file:///w/tests#libpython-tests@0.1.0`), else
/// from the manifest's directory.
fn package_name(id: &str, manifest: &Path) -> String {
    if let Some(frag) = id.rsplit_once('#').map(|(_, f)| f) {
        let name = frag.split('@').next().unwrap_or(frag);
        if !name.is_empty() && !name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return name.to_owned();
        }
    }
    manifest
        .parent()
        .and_then(|d| d.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn hash_all(binaries: &[Binary]) -> Result<Vec<(String, String)>, String> {
    binaries
        .iter()
        .map(|b| Ok((b.label.clone(), crate::util::sha256_file(&b.path)?)))
        .collect()
}

/// Runs every executable (and the doctests) against `python`, filling the row.
fn run_config(
    row: &mut Row,
    python: &Path,
    binaries: &[Binary],
    reference: &[(String, String)],
    logs: &Path,
    opts: &Options,
) {
    let _ = std::fs::remove_dir_all(logs);
    if let Err(e) = std::fs::create_dir_all(logs) {
        row.problems
            .push(format!("cannot create {}: {e}", logs.display()));
        return;
    }
    match hash_all(binaries) {
        Ok(h) => {
            if h != reference {
                row.problems.push(
                    "the test executables changed since the build (another build ran meanwhile?)"
                        .into(),
                );
            }
            row.hashes = h;
        }
        Err(e) => row.problems.push(e),
    }
    for b in binaries {
        // A test that kills the whole executable (a stack overflow, an abort) takes every
        // other test's result with it: name it, count it failed, and run the executable again
        // without it, up to MAX_CRASHES times.
        let mut crashed: Vec<String> = Vec::new();
        loop {
            let suffix = if crashed.is_empty() {
                String::new()
            } else {
                format!(".rerun{}", crashed.len())
            };
            let log = logs.join(format!("{}{suffix}.log", b.label));
            let mut cmd = Command::new(&b.path);
            cmd.current_dir(&b.package_dir)
                .env("LIBPYTHON_PYTHON", python)
                .env("CARGO_MANIFEST_DIR", &b.package_dir)
                .env("CARGO_PKG_NAME", &b.package)
                .env("CARGO_CRATE_NAME", &b.crate_name)
                .env("RUST_BACKTRACE", "1");
            if !crashed.is_empty() {
                cmd.arg("--exact");
                for name in &crashed {
                    cmd.args(["--skip", name]);
                }
            }
            crate::util::clear_python_env(&mut cmd);
            let r = run_logged(&mut cmd, &log, opts.timeout);
            let text = std::fs::read(&log)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let o = parse_libtest(&text, Source::Executable);
            let label = if crashed.is_empty() {
                b.label.clone()
            } else {
                format!("{} (without {})", b.label, crashed.join(", "))
            };
            eprintln!(
                "    {:<10} {} passed, {} failed ({}){}",
                label,
                o.passed,
                o.failed,
                fmt_duration(r.elapsed),
                r.note()
            );
            if !r.success
                && !r.timed_out
                && o.results == 0
                && crashed.len() < MAX_CRASHES
                && let Some(name) = crashed_test(&text).filter(|n| !crashed.contains(n))
            {
                row.problems.push(format!(
                    "{}: test {name} killed the executable ({})",
                    b.label, r.status
                ));
                row.details.push(format!(
                    "--- {} (full output: {}) ---\n{}",
                    b.label,
                    log.display(),
                    excerpt(&text)
                ));
                row.tests.failed += 1;
                row.tests.failures.push(format!("{}: {name}", b.label));
                crashed.push(name);
                continue;
            }
            judge(row, &label, &o, &r, &text, &log);
            row.tests.passed += o.passed;
            row.tests.failed += o.failed;
            row.tests.results += o.results;
            row.tests
                .failures
                .extend(o.failures.iter().map(|f| format!("{}: {f}", b.label)));
            if let Some(l) = o.leaks {
                let total = row.tests.leaks.as_ref().map_or(0, |(n, _)| *n) + l.0;
                row.tests.leaks = Some((total, l.1));
            }
            break;
        }
    }
    match &row.tests.leaks {
        Some((0, _)) => {}
        Some((_, line)) => row.problems.push(format!("reference leaks: {line}")),
        None => row.problems.push(
            "no `leaks:` line in the output: the leak test (tests/all/leaks.rs) did not run".into(),
        ),
    }
    if !opts.no_doc {
        let log = logs.join("doctests.log");
        let mut cmd = crate::util::cargo();
        cmd.args(["test", "--workspace", "--exclude", "xtask", "--doc"])
            .env("LIBPYTHON_PYTHON", python)
            .env_remove("LIBPYTHON_LIBRARY");
        let r = run_logged(&mut cmd, &log, opts.timeout);
        let text = std::fs::read(&log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let o = parse_libtest(&text, Source::Doctests);
        eprintln!(
            "    {:<10} {} passed, {} failed ({}){}",
            "doctests",
            o.passed,
            o.failed,
            fmt_duration(r.elapsed),
            r.note()
        );
        judge(row, "doctests", &o, &r, &text, &log);
        row.doc = Some(o);
    }
}

/// How many crashing tests one executable may have before the matrix stops re-running it.
const MAX_CRASHES: usize = 5;

/// The test that killed an executable, from the runtime's last words: `thread 'NAME' (ID) has
/// overflowed its stack`, or the last `thread 'NAME' ... panicked` before an abort.
pub fn crashed_test(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .filter(|l| l.contains("has overflowed its stack") || l.contains("panicked at"))
        .filter_map(|l| {
            l.strip_prefix("thread '")?
                .split_once('\'')
                .map(|(name, _)| name.to_owned())
        })
        .find(|name| name != "main" && !name.is_empty())
}

/// Adds the problems a run shows to the row.
fn judge(row: &mut Row, label: &str, o: &Outcome, r: &RunResult, text: &str, log: &Path) {
    let mut bad = false;
    if r.timed_out {
        row.problems.push(format!(
            "{label}: killed after {} (timeout)",
            fmt_duration(r.elapsed)
        ));
        bad = true;
    } else if o.failed > 0 {
        row.problems.push(format!(
            "{label}: {} failed: {}",
            o.failed,
            o.failures.join(", ")
        ));
        bad = true;
    } else if !r.success {
        let why = if o.results == 0 {
            "ended without a test result"
        } else {
            "exited with an error"
        };
        row.problems.push(format!("{label}: {why} ({})", r.status));
        bad = true;
    } else if o.results == 0 {
        row.problems
            .push(format!("{label}: printed no `test result:` line"));
        bad = true;
    }
    if bad {
        row.details.push(format!(
            "--- {label} (full output: {}) ---\n{}",
            log.display(),
            excerpt(text)
        ));
    }
}

/// The part of a failed run's output worth showing: libtest's `failures:` section, else the
/// end of the output; at most 80 lines.
fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "failures:")
        .unwrap_or(lines.len().saturating_sub(40));
    let shown = &lines[start..];
    if shown.len() > 80 {
        format!(
            "{}\n[... {} more lines]",
            shown[..80].join("\n"),
            shown.len() - 80
        )
    } else {
        shown.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libtest_output() {
        let text = "running 3 tests\ntest a ... ok\ntest m::b ... FAILED\nleaks: 0 (24 operations)\ntest c ... ok\n\nfailures:\n\n---- m::b stdout ----\nboom\n\nfailures:\n    m::b\n\ntest result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n";
        let o = parse_libtest(text, Source::Executable);
        assert_eq!((o.passed, o.failed, o.results), (2, 1, 1));
        assert_eq!(o.failures, ["m::b"]);
        assert_eq!(o.leaks, Some((0, "leaks: 0 (24 operations)".into())));
    }

    #[test]
    fn keeps_the_largest_leak_count() {
        let o = parse_libtest(
            "leaks: 0\nleaks: 3 (eval: +50 references)\ntest result: FAILED. 0 passed; 1 failed;\n",
            Source::Executable,
        );
        assert_eq!(o.leaks.unwrap().0, 3);
    }

    #[test]
    fn a_child_summary_inside_a_failure_is_not_counted() {
        let text = "running 2 tests\ntest a ... ok\ntest b ... FAILED\n\nfailures:\n\n---- b stdout ----\nchild failed:\n\nrunning 1 test\ntest b ... FAILED\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 1 filtered out; finished in 0.1s\n\nfailures:\n    b\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.2s\n";
        let o = parse_libtest(text, Source::Executable);
        assert_eq!(
            (o.passed, o.failed, o.results, o.failures.len()),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn every_doctest_summary_counts() {
        // One crate's merged doctests, then its standalone (compile_fail) ones, then another
        // crate's.
        let text = "   Doc-tests libpython\n\nrunning 37 tests\ntest crates/libpython/src/bridge.rs - bridge::Bridge (line 25) ... FAILED\n\nfailures:\n\ntest result: FAILED. 36 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 8.91s\n\nrunning 2 tests\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.16s\n   Doc-tests libpython_ffi\ntest result: ok. 1 passed; 0 failed;\n";
        let o = parse_libtest(text, Source::Doctests);
        assert_eq!((o.passed, o.failed, o.results), (39, 1, 3));
        assert_eq!(
            o.failures,
            ["crates/libpython/src/bridge.rs - bridge::Bridge (line 25)"]
        );
    }

    #[test]
    fn the_test_that_killed_an_executable_is_named() {
        let text = "running 142 tests\ntest a ... ok\n\nthread 'api_bridging::rust_objects_behind_the_bridge_trait' (26907) has overflowed its stack\nfatal runtime error: stack overflow, aborting\n";
        assert_eq!(
            crashed_test(text).as_deref(),
            Some("api_bridging::rust_objects_behind_the_bridge_trait")
        );
        assert_eq!(
            crashed_test("thread 'main' (1) has overflowed its stack\n"),
            None
        );
        assert_eq!(crashed_test("Segmentation fault\n"), None);
    }

    #[test]
    fn a_run_without_results_counts_nothing() {
        let o = parse_libtest(
            "thread 'main' panicked at src/lib.rs:1:1\nSegmentation fault\n",
            Source::Executable,
        );
        assert_eq!(o, Outcome::default());
    }

    #[test]
    fn package_names_come_from_the_package_id() {
        assert_eq!(
            package_name(
                "path+file:///w/tests#libpython-tests@0.1.0",
                Path::new("/w/tests/Cargo.toml")
            ),
            "libpython-tests"
        );
        assert_eq!(
            package_name(
                "path+file:///w/crates/ffi#0.1.0",
                Path::new("/w/crates/ffi/Cargo.toml")
            ),
            "ffi"
        );
    }

    #[test]
    fn the_table_lines_up_and_marks_failures() {
        let ok = Row {
            name: "pyenv 3.9".into(),
            version: "3.9.18".into(),
            kind: "release".into(),
            tests: Outcome {
                passed: 5,
                results: 1,
                leaks: Some((0, "leaks: 0".into())),
                ..Outcome::default()
            },
            hashes: vec![("all".into(), "0123456789abcdef".into())],
            ..Row::default()
        };
        let bad = Row {
            name: "built 3.13t".into(),
            kind: "free-threaded".into(),
            problems: vec!["cannot be prepared".into()],
            ..Row::default()
        };
        let t = table(&[ok, bad]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].contains("all:0123456789 ") || lines[2].contains("all:0123456789"));
        assert!(lines[2].ends_with("ok"), "{}", lines[2]);
        assert!(lines[3].ends_with("FAILED"), "{}", lines[3]);
        assert_eq!(lines[0].find("version"), lines[2].find("3.9.18"));
    }
}
