//! A `python` command built on libpython: runs `-m MODULE`, `-c CODE`, `-` or a script, with
//! arguments, and ends as `python` ends.
//!
//! ```text
//! cargo run --example pyrun -- -c "import sys; print(sys.argv)" a b
//! cargo run --example pyrun -- -m json.tool data.json
//! cargo run --example pyrun -- -m test test_sys        # CPython's own tests, if installed
//! ```
//!
//! Python is the one discovery finds (`LIBPYTHON_PYTHON`, the active venv, `PATH`). Its
//! standard streams go through Rust's (the library's default), its signal handlers are
//! installed (Ctrl-C raises `KeyboardInterrupt`), `sys.argv` is what `python` would set, and
//! the exit status is `python`'s: `SystemExit`'s code, 1 after an uncaught exception, death by
//! `SIGINT` after an uncaught `KeyboardInterrupt`, 120 when flushing the output at shutdown
//! fails (`pyrun ... | head -1`). A bad command line exits with status 2, as `python` does.

use libpython::PythonMain;

fn main() {
    let program = match PythonMain::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("pyrun: {e}");
            eprintln!("usage: pyrun (-c CODE | -m MODULE | SCRIPT | -) [ARG ...]");
            std::process::exit(2);
        }
    };
    match program.run() {
        Ok(exit) => exit.exit(),
        Err(e) => {
            eprintln!("pyrun: Python could not start: {e}");
            std::process::exit(1);
        }
    }
}
