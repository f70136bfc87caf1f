//! The PyO3 side of every case, as runners shared by the criterion bench (`benches/pyo3.rs`)
//! and the profiling binary (`src/bin/profile_pyo3.rs`): PyO3 0.30 embedding Python 3.11 as
//! its guide recommends (`Python::initialize` / `attach`, `Bound`, `extract`, `IntoPyObject`,
//! `intern!`, `PyCFunction::new_closure`, `#[pyfunction]`, `#[pyclass]` / `#[pymethods]`,
//! rust-numpy's `PyReadonlyArray`, `pyo3::buffer::PyBuffer`, and `pythonize` for serde).
//!
//! A process of its own: this package is built for the full 3.11 API with libpython linked
//! (`PYO3_CONFIG_FILE`, written by `cargo xtask bench`), which the floor and ours sides, built
//! for the stable ABI with libpython loaded at run time, cannot share a build with.

mod asyncio;
#[path = "../../common/mod.rs"]
pub mod common;
mod derived;

use std::collections::HashMap;
use std::ffi::CString;
use std::process::Command;
use std::time::Duration;

pub use common::{Case, Runner, Size};
use common::{Order, case, timed};
use numpy::PyReadonlyArray1;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyCFunction, PyDict, PyList, PyTuple};

/// The Python objects every case works on (made by `common::SETUP`).
pub type Fixtures = common::Fixtures<Py<PyAny>>;

/// Starts Python (PyO3's way) and runs the setup code.
pub fn fixtures() -> Fixtures {
    Python::initialize();
    Python::attach(|py| {
        let globals = PyDict::new(py);
        let code = CString::new(common::SETUP).expect("no NUL in the setup code");
        if let Err(e) = py.run(&code, Some(&globals), None) {
            e.display(py);
            panic!("the setup code failed");
        }
        Fixtures::from_globals(|n| {
            globals
                .get_item(n)
                .expect("reading a global failed")
                .unwrap_or_else(|| panic!("setup defines no {n}"))
                .unbind()
        })
    })
}

/// The Rust function of the closure case as PyO3's guide writes a function: `#[pyfunction]`.
#[pyfunction]
fn ident(x: i64) -> i64 {
    x
}

/// The Rust object of the method case: a `#[pyclass]` (frozen: its methods take `&self`, as the
/// other sides' do, with no borrow flag to check) and its `#[pymethods]`.
#[pyclass(frozen)]
struct Scaler {
    factor: i64,
}

#[pymethods]
impl Scaler {
    fn scale(&self, x: i64) -> i64 {
        x * self.factor
    }
}

/// A runner for a GIL-held case: `Python::attach` around the timed loop.
fn pyo3<'a, R>(mut body: impl FnMut(Python<'_>) -> PyResult<R> + 'a) -> Runner<'a> {
    Box::new(move |iters| Python::attach(|py| timed(iters, || body(py).unwrap())))
}

/// Every case's PyO3 side, in report order.
pub fn cases(fx: &Fixtures) -> Vec<Case<'_>> {
    use Size::{Big, Small};
    let secs = Duration::from_secs;
    let mut v = Vec::new();

    v.push(case(
        "call3",
        "pyo3",
        Small,
        pyo3(|py| fx.f.bind(py).call1((1, 2, 3))?.extract::<i64>()),
    ));
    v.push(case(
        "call3_nogil",
        "pyo3",
        Small,
        Box::new(|iters| {
            timed(iters, || {
                Python::attach(|py| fx.f.bind(py).call1((1, 2, 3))?.extract::<i64>()).unwrap()
            })
        }),
    ));
    v.push(case(
        "call_attr_kw",
        "pyo3",
        Small,
        pyo3(|py| {
            let kwargs = [("b", 2)].into_py_dict(py)?;
            fx.obj
                .bind(py)
                .call_method(intern!(py, "m"), (1,), Some(&kwargs))?
                .extract::<i64>()
        }),
    ));
    v.push(case(
        "getattr",
        "pyo3",
        Small,
        pyo3(|py| fx.obj.bind(py).getattr(intern!(py, "x")).map(drop)),
    ));

    v.push(case(
        "list_to_vec_1e6",
        "pyo3",
        Big(secs(2)),
        pyo3(|py| fx.lst.bind(py).extract::<Vec<i64>>()),
    ));
    let ints = common::ints();
    v.push(case(
        "vec_to_list_1e6",
        "pyo3",
        Big(secs(2)),
        pyo3(move |py| PyList::new(py, ints).map(drop)),
    ));
    v.push(case(
        "dict_to_hashmap_1e5",
        "pyo3",
        Big(secs(2)),
        pyo3(|py| fx.dct.bind(py).extract::<HashMap<String, i64>>()),
    ));
    let map = common::map();
    v.push(case(
        "hashmap_to_dict_1e5",
        "pyo3",
        Big(secs(2)),
        pyo3(move |py| map.into_pyobject(py).map(drop)),
    ));

    let func = Python::attach(|py| {
        PyCFunction::new_closure(
            py,
            None,
            None,
            |args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>| {
                args.get_item(0)?.extract::<i64>()
            },
        )
        .map(Bound::unbind)
        .expect("making the closure")
    });
    v.push(case(
        "closure_loop_1e6",
        "pyo3",
        Big(secs(3)),
        pyo3(move |py| fx.drive.bind(py).call1((&func, common::CALLS)).map(drop)),
    ));

    let pyfunction = Python::attach(|py| {
        wrap_pyfunction!(ident, py)
            .map(|f| f.into_any().unbind())
            .expect("making the function")
    });
    v.push(case(
        "closure_loop_1e6",
        "pyo3_pyfunction",
        Big(secs(3)),
        pyo3(move |py| {
            fx.drive
                .bind(py)
                .call1((&pyfunction, common::CALLS))
                .map(drop)
        }),
    ));

    let scaler = Python::attach(|py| {
        Py::new(
            py,
            Scaler {
                factor: common::SCALE,
            },
        )
        .expect("making the object")
    });
    v.push(case(
        "method_loop_1e6",
        "pyo3",
        Big(secs(3)),
        pyo3(move |py| {
            fx.drive_method
                .bind(py)
                .call1((&scaler, common::CALLS))
                .map(drop)
        }),
    ));

    let order: &'static Order = Box::leak(Box::new(common::order()));
    let roundtrip = |py: Python<'_>| -> PyResult<Order> {
        let o = pythonize::pythonize(py, order)?;
        Ok(pythonize::depythonize::<Order>(&o)?)
    };
    let back = Python::attach(roundtrip).expect("the round trip");
    assert_eq!(&back, order, "pythonize's round trip changes the order");
    v.push(case("serde_roundtrip", "pyo3", Small, pyo3(roundtrip)));
    v.extend(derived::cases());

    v.push(case(
        "list_iter_sum_1e6",
        "pyo3",
        Big(secs(2)),
        pyo3(|py| {
            let mut sum = 0i64;
            for x in fx.lst.bind(py).cast::<PyList>()?.iter() {
                sum += x.extract::<i64>()?;
            }
            Ok(sum)
        }),
    ));

    v.push(case(
        "gil_contention_2x",
        "pyo3",
        Big(secs(3)),
        Box::new(|iters| {
            common::contend(iters, &|n| {
                for _ in 0..n {
                    Python::attach(|py| fx.nop.bind(py).call0().map(drop)).unwrap();
                }
            })
        }),
    ));

    for (group, arr) in [
        ("numpy_view_1e3", &fx.arr_1e3),
        ("numpy_view_1e7", &fx.arr_1e7),
    ] {
        // rust-numpy, what PyO3 users view numpy arrays with.
        v.push(case(
            group,
            "pyo3",
            Small,
            pyo3(move |py| {
                let a: PyReadonlyArray1<'_, f64> = arr.bind(py).extract()?;
                let s = a
                    .as_slice()
                    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
                Ok((s[0], s.len()))
            }),
        ));
        // PyO3's own buffer-protocol view.
        v.push(case(
            group,
            "pyo3_buffer",
            Small,
            pyo3(move |py| {
                let b = pyo3::buffer::PyBuffer::<f64>::get(arr.bind(py))?;
                let s = b.as_slice_ptr().expect("C-contiguous");
                // SAFETY: the buffer holds C-contiguous f64s (checked by `get` and
                // `as_slice_ptr`), alive while `b` is; no Python code runs meanwhile.
                let s = unsafe { s.as_ref() };
                Ok((s[0], s.len()))
            }),
        ));
    }

    v.push(case(
        "str_1mb_to_string",
        "pyo3",
        Small,
        pyo3(|py| fx.big_str.bind(py).extract::<String>()),
    ));

    if let Some(exe) = common::sibling_exe("startup-pyo3") {
        v.push(case(
            "startup_import_numpy",
            "pyo3",
            Big(secs(4)),
            common::startup_runner(Command::new(exe)),
        ));
    }
    v.extend(asyncio::cases());
    v
}
