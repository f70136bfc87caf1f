//! The PyO3 side of every case (defined in `src/lib.rs`), measured with criterion. A process
//! of its own: see `src/lib.rs` and `docs/benchmarks.md`.

use libpython_benches_pyo3::{cases, common, fixtures};

fn main() {
    let fx = fixtures();
    common::run_criterion(cases(&fx));
}
