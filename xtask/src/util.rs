//! Helpers shared by the xtask commands: finding the base Python, virtual environments kept
//! outside the clone, running commands with progress or with a time limit and a log, plain-text
//! tables, hashing files.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wait_timeout::ChildExt;

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

/// pyenv's directory: `$PYENV_ROOT`, else `~/.pyenv`.
pub fn pyenv_root() -> PathBuf {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".pyenv")
        })
}

/// A CPython release pyenv has installed: `versions/3.X.Y`, or `versions/3.X.Yt` for a
/// free-threaded build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyenvPython {
    pub minor: u32,
    pub patch: u32,
    pub free_threaded: bool,
    /// `bin/python3`, or `bin/python3.Xt` for a free-threaded build.
    pub executable: PathBuf,
}

/// The CPython 3 releases installed under pyenv's `root` whose interpreter exists (not release
/// candidates or other names), in no particular order.
pub fn pyenv_pythons(root: &Path) -> Vec<PyenvPython> {
    let entries = std::fs::read_dir(root.join("versions"))
        .into_iter()
        .flatten()
        .flatten();
    entries
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (version, free_threaded) = match name.strip_suffix('t') {
                Some(v) => (v.to_owned(), true),
                None => (name, false),
            };
            let parts: Vec<u32> = version
                .split('.')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let [3, minor, patch] = parts[..] else {
                return None;
            };
            let executable = if free_threaded {
                e.path().join(format!("bin/python3.{minor}t"))
            } else {
                e.path().join("bin/python3")
            };
            executable.exists().then_some(PyenvPython {
                minor,
                patch,
                free_threaded,
                executable,
            })
        })
        .collect()
}

/// The interpreter of pyenv's newest patch release of 3.`minor` (not free-threaded).
pub fn pyenv_newest(minor: u32) -> Option<PathBuf> {
    pyenv_pythons(&pyenv_root())
        .into_iter()
        .filter(|p| p.minor == minor && !p.free_threaded)
        .max_by_key(|p| p.patch)
        .map(|p| p.executable)
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
    crate::cargo_json::build_executable(
        cargo().args(["test", "-p", "libpython-tests", "--test", "all", "--no-run"]),
        "all",
    )
}

/// A plain-text table: the header underlined with dashes, then the rows, each column padded
/// to its widest cell, no trailing spaces.
pub fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let rows: Vec<&Vec<String>> = std::iter::once(&header).chain(rows).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

/// Environment variables that would choose another Python than `LIBPYTHON_PYTHON`, or change
/// how it starts: removed from the environment of the processes that test a given Python.
pub const CLEARED_ENV: &[&str] = &[
    "LIBPYTHON_LIBRARY",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONHOME",
    "PYTHONPATH",
    "PYTHON_GIL",
];

/// Removes [`CLEARED_ENV`] from `cmd`'s environment.
pub fn clear_python_env(cmd: &mut Command) -> &mut Command {
    for v in CLEARED_ENV {
        cmd.env_remove(v);
    }
    cmd
}

/// Waits for `child` at most `timeout`. Past it, kills the whole process group the child leads
/// (it must have been spawned with `process_group(0)`: test executables start processes of
/// their own) and reaps the child. Returns its status and whether it was killed.
pub fn wait_or_kill(child: &mut Child, timeout: Duration) -> std::io::Result<(ExitStatus, bool)> {
    if let Some(status) = child.wait_timeout(timeout)? {
        return Ok((status, false));
    }
    kill_group(child);
    let _ = child.kill();
    Ok((child.wait()?, true))
}

/// How a logged run ended.
pub(crate) struct RunResult {
    pub(crate) success: bool,
    pub(crate) timed_out: bool,
    pub(crate) status: String,
    pub(crate) elapsed: Duration,
}

impl RunResult {
    pub(crate) fn note(&self) -> String {
        if self.timed_out {
            " TIMED OUT".into()
        } else if !self.success {
            format!(" {}", self.status)
        } else {
            String::new()
        }
    }
}

/// Runs `cmd` with stdout and stderr into `log`, in a process group of its own; past
/// `timeout` the whole group is killed.
pub(crate) fn run_logged(cmd: &mut Command, log: &Path, timeout: Duration) -> RunResult {
    use std::os::unix::process::CommandExt;
    let t0 = Instant::now();
    let fail = |status: String| RunResult {
        success: false,
        timed_out: false,
        status,
        elapsed: t0.elapsed(),
    };
    let Ok(file) = std::fs::File::create(log) else {
        return fail(format!("cannot create {}", log.display()));
    };
    let Ok(err) = file.try_clone() else {
        return fail("cannot duplicate the log file".into());
    };
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot run {:?}: {e}", cmd.get_program())),
    };
    match wait_or_kill(&mut child, timeout) {
        Ok((st, timed_out)) => RunResult {
            success: st.success() && !timed_out,
            timed_out,
            status: describe_status(st),
            elapsed: t0.elapsed(),
        },
        Err(e) => fail(format!("cannot wait for the process: {e}")),
    }
}

fn describe_status(st: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => {
            let name = match s {
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                7 => " (SIGBUS)",
                _ => "",
            };
            format!("killed by signal {s}{name}")
        }
        _ => format!("{st}"),
    }
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Sends SIGKILL to the process group `child` leads (its group id is its pid).
fn kill_group(child: &Child) {
    const SIGKILL: i32 = 9;
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours; a negative pid
        // names the process group, which the child (not yet reaped, so its id is not reused)
        // leads.
        unsafe {
            kill(-pid, SIGKILL);
        }
    }
}

/// The SHA-256 of a file's contents, as 64 lowercase hex digits.
pub fn sha256_file(path: &Path) -> Result<String, String> {
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A path as generated documents show it: under the cache directory as `<cache>/...`, under
/// the home directory as `~/...`, so that they name no one machine's user.
pub fn display_path(path: &Path) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    display_path_in(path, &cache_dir(), home.as_deref())
}

fn display_path_in(path: &Path, cache: &Path, home: Option<&Path>) -> String {
    if let Ok(rest) = path.strip_prefix(cache) {
        return Path::new("<cache>").join(rest).display().to_string();
    }
    if let Some(rest) = home
        .filter(|h| h.is_absolute() && *h != Path::new("/"))
        .and_then(|h| path.strip_prefix(h).ok())
    {
        return Path::new("~").join(rest).display().to_string();
    }
    path.display().to_string()
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
    fn known_digests() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&[u8], &str); 3] = [
            (
                b"",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            // Longer than the read buffer: the digest spans several reads.
            (
                &[b'a'; 3_000_000],
                "2a152c894398719c0570f83fac34ac03a0f6e8e474b995c2403aa5434f7b9dd4",
            ),
        ];
        for (i, (data, digest)) in cases.iter().enumerate() {
            let p = dir.path().join(format!("f{i}"));
            std::fs::write(&p, data).unwrap();
            assert_eq!(sha256_file(&p).unwrap(), *digest);
        }
        assert!(
            sha256_file(&dir.path().join("missing"))
                .unwrap_err()
                .contains("missing")
        );
    }

    #[test]
    fn pyenv_releases_are_listed_with_their_interpreters() {
        let root = tempfile::tempdir().unwrap();
        let install = |name: &str, exe: &str| {
            let bin = root.path().join("versions").join(name).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join(exe), "").unwrap();
        };
        install("3.12.1", "python3");
        install("3.12.10", "python3");
        install("3.14.0t", "python3.14t");
        install("3.13.0rc1", "python3");
        install("2.7.18", "python3");
        install("miniconda3-latest", "python3");
        // No interpreter in it: not a usable install.
        std::fs::create_dir_all(root.path().join("versions/3.11.2")).unwrap();
        let mut found: Vec<(u32, u32, bool)> = pyenv_pythons(root.path())
            .iter()
            .map(|p| (p.minor, p.patch, p.free_threaded))
            .collect();
        found.sort();
        assert_eq!(found, [(12, 1, false), (12, 10, false), (14, 0, true)]);
        let ft = pyenv_pythons(root.path())
            .into_iter()
            .find(|p| p.free_threaded)
            .unwrap();
        assert_eq!(
            ft.executable,
            root.path().join("versions/3.14.0t/bin/python3.14t")
        );
    }

    #[test]
    fn documents_show_paths_relative_to_the_cache_and_home() {
        let (cache, home) = (Path::new("/c/libpython"), Some(Path::new("/h/me")));
        let show = |p: &str| display_path_in(Path::new(p), cache, home);
        assert_eq!(
            show("/c/libpython/venvs/test-3.11/bin/python"),
            "<cache>/venvs/test-3.11/bin/python"
        );
        assert_eq!(
            show("/h/me/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"),
            "~/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"
        );
        assert_eq!(
            show("/usr/lib/libpython3.11.so"),
            "/usr/lib/libpython3.11.so"
        );
        assert_eq!(
            display_path_in(Path::new("/usr/bin/python3"), cache, Some(Path::new("/"))),
            "/usr/bin/python3"
        );
    }

    #[test]
    fn a_child_past_its_time_is_killed_with_its_group() {
        use std::os::unix::process::CommandExt;
        // The shell starts a process of its own in its group, which would write a file a
        // second later: killing the group ends it too.
        let dir = tempfile::tempdir().unwrap();
        let witness = dir.path().join("alive");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "(sleep 1; echo > '{}') & sleep 30",
                witness.display()
            ))
            .process_group(0)
            .spawn()
            .unwrap();
        let t0 = std::time::Instant::now();
        let (status, killed) = wait_or_kill(&mut child, Duration::from_millis(200)).unwrap();
        assert!(killed && !status.success());
        assert!(t0.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!witness.exists(), "a process of the killed group lived on");

        let mut quick = Command::new("sh")
            .args(["-c", "exit 3"])
            .process_group(0)
            .spawn()
            .unwrap();
        let (status, killed) = wait_or_kill(&mut quick, Duration::from_secs(30)).unwrap();
        assert_eq!((status.code(), killed), (Some(3), false));
    }

    #[test]
    fn lists_tests_from_libtest_terse_output() {
        let text = "a::b: test\nc: test\nd: bench\n\n2 tests, 1 benchmark\n";
        assert_eq!(parse_test_list(text), ["a::b", "c"]);
    }
}

unsafe extern "C" {
    fn signal(signum: i32, handler: usize) -> usize;
}

/// Puts SIGINT back to its default action in this process, so every program xtask starts (the
/// test executables, Python, CPython's own tests) gets it at its default too. A process started
/// in the background by a non-interactive shell inherits SIGINT ignored; Python then leaves it
/// ignored, and tests of Ctrl-C (and of Python's SIGINT handler) would wait forever.
pub fn default_sigint() {
    // SAFETY: signal(2) with SIGINT (2) and SIG_DFL (0), before any thread is started.
    unsafe {
        signal(2, 0);
    }
}
