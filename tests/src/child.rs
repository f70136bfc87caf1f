//! Running one test of the current test binary in a fresh child process: for start-up,
//! shutdown and per-version tests, which need a process of their own because a process can load
//! only one libpython and start it once. Also waiting, with a time limit, for any process a
//! test starts.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use wait_timeout::ChildExt;

/// Set in a child process started by [`ChildTest`] (or [`run_child`]).
pub const CHILD_ENV: &str = "LIBPYTHON_TEST_CHILD";

/// Whether this process is a child started by [`ChildTest`] (or [`run_child`]).
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the single test `name` of the current test binary in a new process with `env` added,
/// and returns how it ended and what it wrote, whatever the outcome.
pub fn run_child(name: &str, env: &[(&str, &str)]) -> ChildRun {
    ChildTest::new(name).env(env).run()
}

/// Runs a child test and asserts it passed, printing its output if not; returns its stdout
/// and stderr.
pub fn assert_child_passes(name: &str, env: &[(&str, &str)]) -> String {
    ChildTest::new(name).env(env).assert_passes()
}

/// As [`assert_child_passes`], failing (and killing the child) if it has not finished within
/// `limit`: a test of something that could hang fails instead of hanging the suite.
pub fn assert_child_passes_within(name: &str, env: &[(&str, &str)], limit: Duration) -> String {
    ChildTest::new(name).env(env).within(limit).assert_passes()
}

/// One test of the current test binary, to be run alone in a child process: its environment,
/// what it reads on stdin, and how long it may take.
#[derive(Debug)]
pub struct ChildTest<'a> {
    name: String,
    env: &'a [(&'a str, &'a str)],
    stdin: Option<&'a str>,
    limit: Option<Duration>,
}

impl<'a> ChildTest<'a> {
    /// The test `name` (its full path in the binary, `module::test`), with no variable added,
    /// nothing on stdin (it reads end of file) and no time limit.
    pub fn new(name: impl Into<String>) -> Self {
        ChildTest {
            name: name.into(),
            env: &[],
            stdin: None,
            limit: None,
        }
    }

    /// Environment variables added for the child.
    pub fn env(mut self, env: &'a [(&'a str, &'a str)]) -> Self {
        self.env = env;
        self
    }

    /// Text written to the child's stdin (then closed).
    pub fn stdin(mut self, input: &'a str) -> Self {
        self.stdin = Some(input);
        self
    }

    /// Kills the child, and fails, if it has not finished within `limit` (a hang).
    pub fn within(mut self, limit: Duration) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Runs the child and asserts that it passed its one test; returns its stdout followed by
    /// its stderr.
    pub fn assert_passes(self) -> String {
        let (name, env, limit) = (self.name.clone(), self.env, self.limit);
        let run = self.run();
        let Some(status) = run.status else {
            panic!(
                "child test {name} with {env:?} did not finish within {limit:?} (a hang):\n{}",
                run.text
            );
        };
        assert!(
            run.passed(),
            "child test {name} with {env:?} failed ({status}):\n{}",
            run.text
        );
        run.text
    }

    /// Runs the child (one test thread, output not captured, [`CHILD_ENV`] set), killing it at
    /// the time limit, and returns how it ended and what it wrote.
    pub fn run(self) -> ChildRun {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut cmd = Command::new(exe);
        default_sigint(&mut cmd);
        cmd.args([&self.name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .envs(self.env.iter().copied())
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the test binary runs");
        // Feed stdin on a thread of its own, so that a child which writes much before reading,
        // or never reads, cannot block on a full pipe.
        let writer = child.stdin.take().map(|mut pipe| {
            let input = self.stdin.unwrap_or_default().to_owned();
            std::thread::spawn(move || {
                // A child that exits without reading closes the pipe: not an error of ours.
                let _ = pipe.write_all(input.as_bytes());
            })
        });
        let out = wait_for_output(child, self.limit);
        if let Some(w) = writer {
            let _ = w.join();
        }
        ChildRun {
            status: out.status,
            text: out.stdout + &out.stderr,
        }
    }
}

/// How a child test ended, and what it wrote.
#[derive(Debug)]
pub struct ChildRun {
    /// Its exit status; `None` if it was killed at its time limit.
    pub status: Option<ExitStatus>,
    /// Its stdout followed by its stderr.
    pub text: String,
}

impl ChildRun {
    /// Whether it ended successfully having passed its one test.
    pub fn passed(&self) -> bool {
        self.status.is_some_and(|s| s.success()) && self.text.contains("1 passed")
    }
}

/// What a process wrote, and how it ended.
#[derive(Debug)]
pub struct ProcessOutput {
    /// Its exit status; `None` if it was killed at its time limit.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

/// Waits for `child` (started with its stdout and stderr piped) to end, at most `limit` if
/// one is given: past it, kills the child and reports no status. Both pipes are read meanwhile
/// on threads of their own, so a chatty child cannot block on a full pipe.
pub fn wait_for_output(mut child: Child, limit: Option<Duration>) -> ProcessOutput {
    let out = read_on_thread(child.stdout.take());
    let err = read_on_thread(child.stderr.take());
    let status = match limit {
        Some(limit) => child
            .wait_timeout(limit)
            .expect("waiting for a child process"),
        None => Some(child.wait().expect("waiting for a child process")),
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    ProcessOutput {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Reads a pipe to its end on a thread of its own.
fn read_on_thread<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = pipe {
            let _ = r.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
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

/// The name a test has in the binary, `module::test`, from the caller's `module_path!()`
/// (`all::module`, the crate's name first) and the test function's name.
#[doc(hidden)]
pub fn test_path(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// The environment of a child process under Python's debug allocator, which catches writes
/// out of bounds and uses after free: `in_child!("name", env = DEBUG_MALLOC, { ... })`.
pub const DEBUG_MALLOC: &[(&str, &str)] = &[("PYTHONMALLOC", "debug")];

/// The body of a test that needs a process of its own. In the child process it runs the
/// block and returns; in the test process it runs the test again in a child ([`ChildTest`])
/// and asserts that it passed.
///
/// The first argument is the test function's name (the module is the caller's);
/// `env = ...` (a `&[(&str, &str)]`) adds environment variables, and `within = ...` (a
/// `Duration`) fails a child that has not finished in time:
///
/// ```text
/// #[test]
/// fn finalize_with_a_live_bridge_finishes() {
///     in_child!("finalize_with_a_live_bridge_finishes", env = &[("PYTHONMALLOC", "debug")], within = Duration::from_secs(60), {
///         python();
///         // ...
///     });
/// }
/// ```
#[macro_export]
macro_rules! in_child {
    ($name:literal, $(env = $env:expr,)? $(within = $limit:expr,)? $body:block) => {
        if $crate::is_child() {
            $body
            return;
        }
        $crate::ChildTest::new($crate::test_path(module_path!(), $name))
            $(.env($env))?
            $(.within($limit))?
            .assert_passes();
    };
}

#[cfg(test)]
mod tests {
    use super::test_path;

    #[test]
    fn a_test_path_drops_the_crate_and_keeps_the_module() {
        assert_eq!(test_path("all::soundness", "a_test"), "soundness::a_test");
        assert_eq!(test_path("all::api::handles", "t"), "api::handles::t");
        assert_eq!(test_path("all", "t"), "t");
    }
}
