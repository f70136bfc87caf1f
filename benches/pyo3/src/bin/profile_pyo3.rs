//! Runs the PyO3 side of one case a given number of times, for profilers (see
//! `benches/ours/src/bin/profile.rs`):
//!
//! ```sh
//! PYTHONPATH=<venv site-packages> valgrind --tool=callgrind \
//!     --toggle-collect='*common::measured*' target/bench-build/pyo3/release/profile-pyo3 call3 pyo3 10000
//! ```

use libpython_benches_pyo3::{cases, common, fixtures};

fn main() {
    let fx = fixtures();
    common::run_profile(&mut cases(&fx));
}
