//! Helpers shared by the integration tests: choosing the Python under test and running a
//! test in a fresh child process (for start-up, shutdown and per-version tests, which need a
//! process of their own because a process can load only one libpython).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Set in a child process started by [`run_child`].
pub const CHILD_ENV: &str = "LIBPYTHON_TEST_CHILD";

/// Whether this process is a child started by [`run_child`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the single test `name` of the current test binary in a new process with `env` added,
/// and returns its output. The child runs with one test thread and output not captured.
pub fn run_child(name: &str, env: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new(exe);
    default_sigint(&mut cmd);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the test binary runs")
}

/// Runs a child test and asserts it passed, printing its output if not.
pub fn assert_child_passes(name: &str, env: &[(&str, &str)]) -> String {
    let out = run_child(name, env);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "child test {name} with {env:?} failed:\n{text}"
    );
    text
}

/// As [`assert_child_passes`], failing (and killing the child) if it has not finished within
/// `limit`: a test of something that could hang fails instead of hanging the suite.
pub fn assert_child_passes_within(name: &str, env: &[(&str, &str)], limit: std::time::Duration) -> String {
    use wait_timeout::ChildExt;
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new(exe);
    default_sigint(&mut cmd);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"]).env(CHILD_ENV, "1");
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the test binary runs");
    // Read the pipes on threads of their own, so a chatty child cannot block on a full pipe.
    let read = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = read(child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let err = read(child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let status = child.wait_timeout(limit).expect("waiting for the child");
    let timed_out = status.is_none();
    if timed_out {
        let _ = child.kill();
        let _ = child.wait();
    }
    let text = format!("{}{}", out.join().unwrap_or_default(), err.join().unwrap_or_default());
    assert!(!timed_out, "child test {name} with {env:?} did not finish within {limit:?} (a hang):\n{text}");
    let ok = status.is_some_and(|s| s.success());
    assert!(ok && text.contains("1 passed"), "child test {name} with {env:?} failed ({status:?}):\n{text}");
    text
}

/// The pyenv interpreter of `version` (`"3.12"`); panics if the machine lacks it, because the
/// suite requires every supported version.
pub fn pyenv(version: &str) -> PathBuf {
    libpython_interp::discovery::pyenv_python(version).unwrap_or_else(|| {
        panic!("pyenv has no Python {version}: the suite needs 3.9 to 3.13 installed")
    })
}

/// The versions the suite runs per-version tests against.
pub const VERSIONS: [&str; 5] = ["3.9", "3.10", "3.11", "3.12", "3.13"];

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// Where the suite keeps what outlives one run (the scratch crates' target directory): the
/// cache directory `cargo xtask` uses, `$LIBPYTHON_CACHE`, else `$XDG_CACHE_HOME/libpython`,
/// else `~/.cache/libpython`.
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

/// The shared libraries an ELF file names as `NEEDED` in its dynamic section (empty for a
/// static executable). Read with the `object` crate.
///
/// # Errors
/// When the file cannot be read or is not a 64-bit ELF file, naming the file.
pub fn needed_libraries(path: &Path) -> Result<Vec<String>, String> {
    use object::read::elf::ElfFile64;
    let data = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let elf = ElfFile64::<object::Endianness>::parse(&*data)
        .map_err(|e| format!("{}: not a 64-bit ELF file: {e}", path.display()))?;
    let table = elf
        .elf_dynamic_table()
        .map_err(|e| format!("{}: bad dynamic section: {e}", path.display()))?;
    table
        .iter()
        .filter(|d| d.tag == object::elf::DT_NEEDED)
        .map(|d| {
            table
                .string(d)
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .map_err(|e| format!("{}: bad NEEDED entry: {e}", path.display()))
        })
        .collect()
}

/// Starts the Python under test (discovery defaults: `LIBPYTHON_PYTHON`, the active venv,
/// `PATH`), once per process.
pub fn python() {
    libpython::initialize().expect("the Python under test starts");
}

/// A writer whose text can be read back, for capturing Python's output; counts flushes.
#[derive(Clone, Default, Debug)]
pub struct Captured {
    bytes: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    flushes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.bytes.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.flushes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
    }

    /// How many times it was flushed.
    pub fn flushes(&self) -> usize {
        self.flushes.load(std::sync::atomic::Ordering::SeqCst)
    }
}

unsafe extern "C" {
    fn signal(signum: i32, handler: usize) -> usize;
}

/// Starts `cmd` with SIGINT at its default action, whatever this process inherited: a test run
/// started in the background by a non-interactive shell has SIGINT ignored, Python then leaves
/// it ignored, and a test of Ctrl-C would wait forever.
pub fn default_sigint(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook runs in the child between fork and exec and only calls signal(2), which
    // is async-signal-safe, with SIGINT (2) and SIG_DFL (0).
    unsafe {
        cmd.pre_exec(|| {
            signal(2, 0);
            Ok(())
        });
    }
}
