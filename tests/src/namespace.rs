//! Python code run in namespaces of its own (tests run in parallel: no shared `__main__`), and
//! what a test reads back from them.

use libpython::{Dict, FromPython, Object};

/// What [`numpy`] imports before the test's own code.
const NUMPY_PRELUDE: &str = "import numpy as np, gc, io, contextlib, threading";

/// Starts the Python under test and runs `code` in a fresh namespace with the builtins and
/// with numpy imported as `np` (and `gc`, `io`, `contextlib`, `threading`); returns the
/// namespace. numpy is required: a test using this fails, not skips, without it.
pub fn numpy(code: &str) -> Dict {
    crate::python();
    let g = Dict::new().expect("a dict");
    g.insert("__builtins__", libpython::builtins().expect("the builtins"))
        .expect("a dict item");
    libpython::exec(NUMPY_PRELUDE, &g).expect("numpy must be installed in the Python under test");
    run(&g, code);
    g
}

/// Runs more code in a namespace; panics with the code and Python's traceback if it raises.
pub fn run(g: &Dict, code: &str) {
    libpython::exec(code, g).unwrap_or_else(|e| panic!("{code}\n{e}"));
}

/// The variable `name` of a namespace; panics if it is not defined.
pub fn get(g: &Dict, name: &str) -> Object {
    g.get(name)
        .expect("a dict lookup")
        .unwrap_or_else(|| panic!("{name} is not defined"))
}

/// The value of `expr` in a namespace, converted to `T`.
pub fn eval<T: FromPython>(g: &Dict, expr: &str) -> T {
    libpython::attach(|py| py.eval_with(expr, g, None)?.extract())
        .unwrap_or_else(|e| panic!("{expr}\n{e}"))
}
