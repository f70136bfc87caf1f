//! Runs one side (floor or ours) of one case a given number of times, for profilers. Under
//! callgrind, collect only inside `measured` to count the case alone (start-up and fixtures
//! left out):
//!
//! ```sh
//! LIBPYTHON_PYTHON=... valgrind --tool=callgrind --toggle-collect='*common::measured*' \
//!     target/bench-build/ours/release/profile call3 ours 10000
//! ```
//!
//! Usage: `profile GROUP SIDE ITERS` (with `LIBPYTHON_PYTHON` naming the venv's python).

use libpython_benches::{cases, common, fixtures};

fn main() {
    libpython::initialize().expect("libpython could not start Python (set LIBPYTHON_PYTHON)");
    let fx = fixtures();
    common::run_profile(&mut cases(&fx));
}
