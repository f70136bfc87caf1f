//! `cargo xtask`: the workspace's automation.
//!
//! ```text
//! cargo xtask demo           make the demo venv (numpy, matplotlib, pandas) once, run the tour
//! cargo xtask test           make the test venv (numpy) once, run the whole suite against it
//! cargo xtask test-matrix    build the tests once, run them against every Python of the machine
//!                            (pyenv's, Debian's, a debug and a free-threaded build): see docs/testing.md
//! ```

use std::process::ExitCode;

mod apt;
mod bench;
mod freethreaded;
mod fuzz;
mod json;
mod matrix;
mod newest;
mod sha256;
mod soak;
mod util;
mod valgrind;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("{}", USAGE);
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    if cmd == "test-matrix" {
        // Prints its own closing line (`matrix: N passed, M failed`) and chooses the status.
        return matrix::run(rest);
    }
    let r = match cmd.as_str() {
        "test" => test(rest),
        "demo" => demo(rest),
        "valgrind" => valgrind::run(rest),
        "soak" => soak::run(rest),
        "fuzz" => fuzz::run(rest),
        "bench" => bench::run(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>
  demo           make the demo venv (numpy, matplotlib, pandas) once, then run the tour example
  test           make the test venv (numpy) once, then run the whole test suite against it
  test-matrix    build the tests once and run them against every Python of the machine, a
                 debug and a free-threaded build included (`cargo xtask test-matrix --help`)";

/// The packages the test suite needs in the Python under test.
pub const TEST_PACKAGES: &[&str] = &["numpy", "matplotlib", "pandas"];
/// The packages the demo and examples need.
pub const DEMO_PACKAGES: &[&str] = &["numpy", "matplotlib", "pandas"];

fn test(rest: &[String]) -> Result<(), String> {
    let base = util::base_python()?;
    let venv = util::ensure_venv(&base, "test", TEST_PACKAGES)?;
    util::step(&format!("running the test suite against {}", venv.python.display()));
    let mut cmd = util::cargo();
    cmd.args(["test", "--workspace"]).args(rest).env("LIBPYTHON_PYTHON", &venv.python);
    util::run(&mut cmd)
}

fn demo(rest: &[String]) -> Result<(), String> {
    let base = util::base_python()?;
    let venv = util::ensure_venv(&base, "demo", DEMO_PACKAGES)?;
    util::step("building and running the tour example");
    let mut cmd = util::cargo();
    cmd.args(["run", "--quiet", "--package", "libpython", "--example", "tour", "--"]).args(rest).env("LIBPYTHON_PYTHON", &venv.python);
    util::run(&mut cmd)
}
