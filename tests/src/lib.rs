//! Helpers shared by the integration tests and the soak: choosing the Python under test,
//! running a test in a fresh child process ([`child`]), namespaces of Python code
//! ([`namespace`]), pieces of bridge types ([`bridge`]), and capturing output.

use std::path::{Path, PathBuf};

use libpython::Object;

pub mod bridge;
pub mod child;
pub mod namespace;
pub mod storage;

pub use child::{
    CHILD_ENV, ChildRun, ChildTest, DEBUG_MALLOC, ProcessOutput, assert_child_passes,
    assert_child_passes_within, default_sigint, is_child, run_child, test_path, wait_for_output,
};

/// The pyenv interpreter of `version` (`"3.12"`); panics if the machine lacks it, because the
/// suite requires every supported version.
pub fn pyenv(version: &str) -> PathBuf {
    libpython_interp::discovery::pyenv_python(version).unwrap_or_else(|| {
        panic!("pyenv has no Python {version}: the suite needs 3.9 to 3.13 installed")
    })
}

/// The versions the suite runs per-version tests against.
pub const VERSIONS: [&str; 5] = ["3.9", "3.10", "3.11", "3.12", "3.13"];

/// A fresh directory for the files of one test (`what` names it in the directory's name),
/// removed when dropped.
pub fn scratch_dir(what: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("libpython-tests-{what}-"))
        .tempdir()
        .expect("a temporary directory")
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
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

/// Joins `thread`, failing the test with `what` if it has not finished within `limit` (a
/// thread that hangs is then left behind instead of hanging the test).
pub fn join_within<T>(
    thread: std::thread::JoinHandle<T>,
    limit: std::time::Duration,
    what: &str,
) -> T {
    let start = std::time::Instant::now();
    while !thread.is_finished() {
        assert!(start.elapsed() < limit, "{what}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    thread
        .join()
        .unwrap_or_else(|p| panic!("{what}: the thread panicked: {}", panic_message(&*p)))
}

/// The message of a caught panic (`std::panic::catch_unwind`'s error): its `String` or
/// `&str` payload, else empty.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Starts the Python under test (discovery defaults: `LIBPYTHON_PYTHON`, the active venv,
/// `PATH`), once per process.
pub fn python() {
    libpython::initialize().expect("the Python under test starts");
}

/// `sys.getrefcount(o)`: the argument's own temporary references are included, so compare
/// counts with each other, not with a number.
pub fn refcount(o: &Object) -> i64 {
    libpython::import("sys")
        .and_then(|sys| sys.call_method("getrefcount", (o,)))
        .and_then(|n| n.extract())
        .expect("sys.getrefcount")
}

/// Waits (boundedly, 5 s) until `released()` says a release made elsewhere arrived, running
/// Python (a collection) on this thread between looks. A reference dropped without the GIL
/// is queued until the next acquisition (maybe another test thread's); on free-threaded
/// builds an object released by a thread that does not own it is freed when its owner (the
/// thread that made it, often this one) next runs Python. The caller asserts afterwards.
pub fn wait_for_release(released: impl Fn() -> bool) {
    wait_running("import gc; gc.collect()", released);
}

/// Waits (boundedly, 5 s) until `released()` says a release made elsewhere arrived, as
/// [`wait_for_release`] does but without collecting: for objects freed by reference counting
/// alone. Between looks this thread runs a line of Python, which is where a free-threaded
/// build frees the objects this thread made that another thread released.
pub fn wait_for_refcount_release(released: impl Fn() -> bool) {
    wait_running("pass", released);
}

/// Runs `code` on this thread, then looks at `released()`, every 10 ms for up to 5 s.
fn wait_running(code: &str, released: impl Fn() -> bool) {
    for _ in 0..500 {
        libpython::run_simple_string(code).expect("a line of Python runs");
        if released() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Runs `f` on a new thread with the default 2 MiB stack and returns its result: deep data
/// must not need the larger stack of the test threads.
pub fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(2 << 20)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("the thread did not panic (or overflow its stack)")
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
