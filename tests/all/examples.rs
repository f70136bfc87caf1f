//! The examples of the `libpython` crate run, exit with status 0 and print what they promise.
//!
//! The example binaries are not built by this test (running cargo from inside `cargo test`
//! would wait for the build lock cargo holds): `cargo test --workspace` (and so
//! `cargo xtask test`) builds them next to this test binary, in `<target>/<profile>/examples/`.
//! They run with this process's environment, so with the Python under test
//! (`LIBPYTHON_PYTHON`), which needs numpy, matplotlib and pandas (`TEST_PACKAGES` in
//! `xtask/src/main.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use libpython_tests::{ProcessOutput, scratch_dir, wait_for_output};

/// How long one example may run (the first matplotlib import builds a font cache).
const TIMEOUT: Duration = Duration::from_secs(600);

/// The eight bytes every PNG file starts with.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The built example `name`: `<target>/<profile>/examples/<name>`, next to this test binary's
/// `<target>/<profile>/deps/`.
pub(crate) fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in <target>/<profile>/deps");
    let bin = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the example binary {} is missing: build the examples with `cargo test --workspace` \
         (or `cargo build -p libpython --examples`) before running this test",
        bin.display()
    );
    bin
}

/// Runs example `name` with `args`, waiting at most [`TIMEOUT`]; asserts exit status 0 and
/// returns its standard output.
fn run_example(name: &str, args: &[&std::ffi::OsStr]) -> String {
    let bin = example_binary(name);
    let child = Command::new(&bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let ProcessOutput {
        status,
        stdout,
        stderr,
    } = wait_for_output(child, Some(TIMEOUT));
    let Some(status) = status else {
        panic!("example {name} ran longer than {TIMEOUT:?} and was killed");
    };
    assert!(
        status.success(),
        "example {name} failed ({status}) with LIBPYTHON_PYTHON={:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        std::env::var_os("LIBPYTHON_PYTHON"),
    );
    stdout
}

/// Asserts that the last line of `stdout` is `plot: PATH`, that PATH is the absolute path of
/// `expected` and that it holds a PNG.
fn assert_plot_line(name: &str, stdout: &str, expected: &Path) {
    let last = stdout.lines().last().unwrap_or_default();
    let path = last
        .strip_prefix("plot: ")
        .unwrap_or_else(|| panic!("{name}'s last line is not `plot: PATH`: {last:?}\n{stdout}"));
    let path = Path::new(path);
    assert!(
        path.is_absolute(),
        "{name} printed a relative path: {}",
        path.display()
    );
    assert_eq!(
        path,
        std::fs::canonicalize(expected).expect("the PNG exists"),
        "{name} wrote elsewhere than asked"
    );
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{name}: cannot read {}: {e}", path.display()));
    assert!(
        bytes.starts_with(PNG_SIGNATURE),
        "{name}: {} is not a PNG (starts with {:?})",
        path.display(),
        &bytes[..bytes.len().min(8)]
    );
    assert!(
        bytes.len() > 10_000,
        "{name}: the PNG is suspiciously small ({} bytes)",
        bytes.len()
    );
}

#[test]
fn tour_runs_the_seed_session_and_saves_a_png() {
    let scratch = scratch_dir("example-tour");
    let png = scratch.path().join("tour.png");
    let out = run_example("tour", &[png.as_os_str()]);
    for expected in [
        "your variable is:200",
        "[[1. 1. 1.]\n [1. 1. 1.]]",
        "shape => (2, 3)",
        "Return evenly spaced numbers over a specified interval.",
        "SyntaxError",
        "print('syntax errrr",
        "[[5. 5. 5.]\n [5. 5. 5.]]",
    ] {
        assert!(
            out.contains(expected),
            "the tour's output lacks {expected:?}:\n{out}"
        );
    }
    assert_plot_line("tour", &out, &png);
}

#[test]
fn plot_saves_a_png() {
    let scratch = scratch_dir("example-plot");
    let png = scratch.path().join("plot.png");
    let out = run_example("plot", &[png.as_os_str()]);
    assert!(out.contains("viewing Rust memory"), "{out}");
    assert_plot_line("plot", &out, &png);
}

#[test]
fn pandas_frame_round_trips_through_serde() {
    let out = run_example("pandas_frame", &[]);
    assert!(out.contains("df.describe():"), "{out}");
    assert!(
        out.contains("back in Rust:\n  east   3 sale(s),  25 units, revenue  165.90"),
        "{out}"
    );
    assert!(out.lines().last() == Some("total revenue: 400.67"), "{out}");
}

#[test]
fn sort_key_sorts_with_a_rust_closure() {
    let out = run_example("sort_key", &[]);
    assert!(
        out.contains(r#"back in Rust: ["and", "back", "Rust", "calls", "one", "Python", "through", "trampoline"]"#),
        "{out}"
    );
    assert!(out.contains("a bad element gives a TypeError"), "{out}");
}

#[test]
fn parallel_interpreters_compute_on_two_threads() {
    let out = run_example("parallel_interpreters", &[]);
    let counts = "primes below 120000: 11301 and 11301";
    assert!(
        out.contains(&format!("sequential: {counts}"))
            && out.contains(&format!("parallel:   {counts}")),
        "{out}"
    );
    assert!(out.contains("speed-up: "), "{out}");
    assert!(
        out.lines().last() == Some("sub-interpreters ended"),
        "{out}"
    );
}

#[test]
fn doctor_reports_the_interpreter() {
    let out = run_example("doctor", &[]);
    assert!(out.contains("inside the interpreter:"), "{out}");
    assert!(out.contains("sys.version"), "{out}");
}

#[test]
fn asyncio_awaits_python_and_rust_concurrently() {
    let out = run_example("asyncio", &[]);
    for expected in [
        "asyncio.sleep: done",
        "fetch: fetched after 0.3 s",
        "tokio::time::sleep: done",
        "three waits of 0.3 s each took",
        "10000 concurrent awaits finished in",
        "(sum of results 49995000)",
        "Python awaited Rust: {'tokio': 5, 'asyncio': 7, 'libpython': 9}",
    ] {
        assert!(
            out.contains(expected),
            "the asyncio example's output lacks {expected:?}:\n{out}"
        );
    }
    assert_eq!(out.lines().last(), Some("finalized"), "{out}");
}
