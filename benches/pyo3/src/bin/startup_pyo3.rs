//! Start-up with PyO3, as its guide embeds Python: initialise, import numpy, exit. Run once per
//! measured start-up by the `startup_import_numpy` case. The venv's packages come from
//! `PYTHONPATH` (set by `cargo xtask bench` for every side alike).

use pyo3::prelude::*;

fn main() -> PyResult<()> {
    Python::initialize();
    Python::attach(|py| py.import("numpy").map(drop))
}
