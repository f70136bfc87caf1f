//! `cargo xtask`: the workspace's automation. `cargo xtask --help` lists the commands (they
//! are declared in `flags.rs`); checks of the tree itself are the tests of `tidy.rs`.

use std::process::ExitCode;

use clap::Parser;

mod apt;
mod bench;
mod cargo_json;
mod cpython_build;
mod cpython_tests;
mod flags;
mod freethreaded;
mod fuzz;
mod matrix;
mod newest;
mod soak;
#[cfg(test)]
mod tidy;
mod util;
mod valgrind;

use flags::Command;

fn main() -> ExitCode {
    util::default_sigint();
    // Everything xtask runs (the test suite's scratch crates, for one) keeps what outlives a run
    // in the one cache directory `util::cache_dir` decides on.
    // SAFETY: no other thread exists yet to read the environment meanwhile.
    unsafe { std::env::set_var("LIBPYTHON_CACHE", util::cache_dir()) };
    let r = match flags::Xtask::parse().command {
        // Prints its own closing line (`matrix: N passed, M failed`) and chooses the status.
        Command::TestMatrix(opts) => return matrix::run(&opts),
        // Prints its own table and closing line, and chooses the status.
        Command::CpythonTests(opts) => return cpython_tests::run(&opts),
        Command::Test(opts) => test(&flags::pass_through(&opts.args, &opts.after)),
        Command::Demo(opts) => demo(&flags::pass_through(&opts.args, &opts.after)),
        Command::Valgrind(opts) => valgrind::run(&opts),
        Command::Soak(opts) => soak::run(&opts),
        Command::Fuzz(opts) => fuzz::run(&opts),
        Command::Bench(opts) => bench::run(&opts),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The packages the test suite needs in the Python under test.
pub const TEST_PACKAGES: &[&str] = &["numpy", "matplotlib", "pandas"];
/// The packages the demo and examples need.
pub const DEMO_PACKAGES: &[&str] = &["numpy", "matplotlib", "pandas"];

fn test(rest: &[String]) -> Result<(), String> {
    let base = util::base_python()?;
    let venv = util::ensure_venv(&base, "test", TEST_PACKAGES)?;
    util::step(&format!(
        "running the test suite against {}",
        venv.python.display()
    ));
    let mut cmd = util::cargo();
    cmd.args(["test", "--workspace"])
        .args(rest)
        .env("LIBPYTHON_PYTHON", &venv.python);
    util::run(&mut cmd)
}

fn demo(rest: &[String]) -> Result<(), String> {
    let base = util::base_python()?;
    let venv = util::ensure_venv(&base, "demo", DEMO_PACKAGES)?;
    util::step("building and running the tour example");
    let mut cmd = util::cargo();
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "libpython",
        "--example",
        "tour",
        "--",
    ])
    .args(rest)
    .env("LIBPYTHON_PYTHON", &venv.python);
    util::run(&mut cmd)
}
