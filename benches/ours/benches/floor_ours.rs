//! The floor and ours sides of every case (defined in `src/lib.rs`), measured with criterion.
//! The PyO3 side is `benches/pyo3`, a separate process.

use libpython_benches::{cases, common, fixtures};

fn main() {
    libpython::initialize()
        .expect("libpython could not start Python (set LIBPYTHON_PYTHON to the venv's python)");
    let version = libpython_ffi::library().expect("loaded").version();
    assert!(
        version.at_least(3, 11),
        "the floor calls PyObject_Vectorcall: run the benchmarks with Python 3.11+"
    );
    let fx = fixtures();
    common::run_criterion(cases(&fx));
}
