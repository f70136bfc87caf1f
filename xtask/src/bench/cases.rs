//! The cases of the report: which criterion group and functions make each row, and what one
//! iteration does.

/// One row of the summary: a case and which side measured what.
pub(super) struct Case {
    /// The criterion group.
    pub(super) group: &'static str,
    /// The case's name in the summary.
    pub(super) name: &'static str,
    /// Which criterion function is the floor, which is "ours" and which is "pyo3" in this
    /// row.
    pub(super) floor: &'static str,
    pub(super) ours: &'static str,
    pub(super) pyo3: &'static str,
    pub(super) gil_held: bool,
    /// A key case: measured on the other Pythons too (`--python`), where a run without a
    /// filter measures only these.
    pub(super) key: bool,
    /// What one iteration does, for the doc.
    pub(super) what: &'static str,
}

pub(super) const CASES: &[Case] = &[
    Case {
        group: "call3",
        name: "call3",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "`f(1, 2, 3)` on `def f(a, b, c): return a`, result read as `i64`",
    },
    Case {
        group: "call3_nogil",
        name: "call3_nogil",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        key: true,
        what: "the same from a thread that does not hold the GIL: each iteration takes and releases it (ours: `with_gil`, PyO3: `Python::attach`, floor: `PyGILState_Ensure`)",
    },
    Case {
        group: "call3_nogil",
        name: "call3_nogil (auto-GIL methods)",
        floor: "floor",
        ours: "ours_auto",
        // Informational: PyO3 has no handle that takes the GIL by itself.
        pyo3: "none",
        gil_held: false,
        key: true,
        what: "the same written with two `Object` methods, no GIL scope: `f.call((1, 2, 3))?.extract::<i64>()` takes the GIL twice (once per method), and the result's release is queued",
    },
    Case {
        group: "call3_auto",
        name: "call3_auto (one auto-GIL method)",
        floor: "floor",
        ours: "ours",
        // Informational: PyO3 has no handle that takes the GIL by itself.
        pyo3: "none",
        gil_held: false,
        key: true,
        what: "one `Object` method from a thread that does not hold the GIL: `f.call((1, 2, 3))`, one acquisition, the result kept as a handle and dropped, its release queued (floor: `PyGILState_Ensure`, the call, `Py_DECREF` of the result, `PyGILState_Release`)",
    },
    Case {
        group: "call_attr_kw",
        name: "call_attr_kw",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "`obj.m(1, b=2)`, result read as `i64` (ours: `call_attr!(o, \"m\", 1, b = 2)`, which interns a literal method name)",
    },
    Case {
        group: "getattr",
        name: "getattr",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "`obj.x` (an instance attribute), the name interned once (ours: `intern!(\"x\")`, PyO3: `intern!(py, \"x\")`)",
    },
    Case {
        group: "list_to_vec_1e6",
        name: "list_to_vec_1e6",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a `list` of 1,000,000 ints to `Vec<i64>`",
    },
    Case {
        group: "vec_to_list_1e6",
        name: "vec_to_list_1e6",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a `Vec<i64>` of 1,000,000 to a `list` (and its release)",
    },
    Case {
        group: "dict_to_hashmap_1e5",
        name: "dict_to_hashmap_1e5",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a `dict` of 100,000 `str` to `int` to `HashMap<String, i64>`",
    },
    Case {
        group: "hashmap_to_dict_1e5",
        name: "hashmap_to_dict_1e5",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "that `HashMap` back to a `dict` (and its release)",
    },
    Case {
        group: "closure_loop_1e6",
        name: "closure_loop_1e6",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a Rust closure (`int` in, `int` out) called 1,000,000 times from a Python `for` loop (ours: `libpython::function`; PyO3: `PyCFunction::new_closure`; floor: a `PyCFunction` with `METH_FASTCALL | METH_KEYWORDS`)",
    },
    Case {
        group: "closure_loop_1e6",
        name: "closure_loop_1e6 (#[pyfunction])",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3_pyfunction",
        gil_held: true,
        key: true,
        what: "the same, PyO3 side a `#[pyfunction]` (`wrap_pyfunction!`) instead of a closure (`PyCFunction::new_closure`)",
    },
    Case {
        group: "method_loop_1e6",
        name: "method_loop_1e6",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a Rust struct exposed to Python, its method `o.scale(i)` (`int` in, `int` out) called 1,000,000 times from a Python `for` loop (ours: a `Bridge` whose method table holds the method, `Method::positional`, made with `libpython::bridge`; PyO3: `#[pyclass(frozen)]` and `#[pymethods]`; floor: a heap type from `PyType_FromSpec` with a `METH_FASTCALL` method)",
    },
    Case {
        group: "serde_roundtrip",
        name: "serde_roundtrip",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a nested struct (an order: a customer struct, 10 line structs, 3 tags, an `Option`) to Python dicts and lists and back (ours: `Serde(&order).to_python(py)` and `extract::<Serde<Order>>()`; PyO3: `pythonize` / `depythonize`; floor: the same dicts written and read by hand with interned keys)",
    },
    Case {
        group: "serde_roundtrip",
        name: "serde_roundtrip (derive)",
        floor: "floor",
        ours: "ours_derive",
        pyo3: "pyo3_derive",
        gil_held: true,
        key: true,
        what: "the same order, its structs deriving the conversions instead of serde's traits (ours: `#[derive(ToPython, FromPython)]`; PyO3: `#[derive(IntoPyObjectRef, FromPyObject)]` with `#[pyo3(from_item_all)]`): the same dicts and lists, read by key",
    },
    Case {
        group: "serde_roundtrip",
        name: "serde_roundtrip (serde floor)",
        floor: "floor_serde",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "the serde row against another floor: the same round trip through serde's traits over the raw layer with nothing a library adds (`benches/ours/src/serde_floor.rs`: borrowed references throughout, no nesting limit, no paths in errors, no check that a dict keeps its size, only the types the order has). Its distance from the hand-written floor is what serde's protocol costs by itself; ours against it is what safety and the whole data model cost",
    },
    Case {
        group: "list_iter_sum_1e6",
        name: "list_iter_sum_1e6",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a `list` of 1,000,000 ints summed item by item from Rust as `i64` (ours: `try_iter().extract::<i64>()` on the bound list, which converts each item where the list holds it; PyO3: `PyList::iter` and `extract`; floor: `PyList_GET_ITEM` and `PyLong_AsLongLong`, and on a free-threaded build `PyList_GetItemRef`, which the C API asks of code there since another thread may change the list)",
    },
    Case {
        group: "list_iter_sum_1e6",
        name: "list_iter_sum_1e6 (Bound items)",
        floor: "floor_owned",
        ours: "ours_bound",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "the same, ours taking each item as a `Bound` (a strong reference) and calling `extract` on it, as PyO3's side does; the floor takes a reference to each item while it reads it and reads the list's size at each step, as C code must that hands the items to anything that may run Python (CPython's own list iterator does); on a free-threaded build both floors take each item with `PyList_GetItemRef`",
    },
    Case {
        group: "gil_contention_2x",
        name: "gil_contention_2x",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        key: true,
        what: "two threads at once, each taking the GIL, calling `nop()` and releasing it once per iteration (ours: `attach`, which keeps each thread's state; PyO3: `Python::attach`, whose `PyGILState_Ensure` makes and deletes a thread state each time on a thread Python did not start; floor: `PyGILState_Ensure` / `Release`, the thread's state kept by an outer `Ensure` as a C worker thread does)",
    },
    Case {
        group: "numpy_view_1e3",
        name: "numpy_view_1e3",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a zero-copy view of a float64 numpy array of 1e3: first element and length, view released (PyO3: rust-numpy)",
    },
    Case {
        group: "numpy_view_1e3",
        name: "numpy_view_1e3 (pyo3::buffer)",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3_buffer",
        gil_held: true,
        key: true,
        what: "the same, PyO3 side through `pyo3::buffer::PyBuffer<f64>`",
    },
    Case {
        group: "numpy_view_1e7",
        name: "numpy_view_1e7",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: false,
        what: "the same on 1e7 elements (PyO3: rust-numpy)",
    },
    Case {
        group: "numpy_view_1e7",
        name: "numpy_view_1e7 (pyo3::buffer)",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3_buffer",
        gil_held: true,
        key: false,
        what: "the same, PyO3 side through `pyo3::buffer::PyBuffer<f64>`",
    },
    Case {
        group: "str_1mb_to_string",
        name: "str_1mb_to_string",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: true,
        key: true,
        what: "a 1 MB (ASCII) `str` to `String`",
    },
    Case {
        group: "startup_import_numpy",
        name: "startup_import_numpy",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        key: false,
        what: "a fresh process: start Python, `import numpy`, exit (ours: `libpython::initialize()` with discovery from `LIBPYTHON_PYTHON`)",
    },
    Case {
        group: "startup_import_numpy",
        name: "startup_import_numpy (explicit library)",
        floor: "floor",
        ours: "ours_explicit",
        pyo3: "pyo3",
        gil_held: false,
        key: false,
        what: "the same, ours told the library and program name (`Builder::library(..).program_name(..)`: no discovery)",
    },
    Case {
        group: "await_ready_coroutine",
        name: "await_ready_coroutine",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        key: false,
        what: "from a tokio program (current-thread runtime), a Python coroutine that finishes without waiting made, awaited on an event loop running on another thread, and its result read as `i64` (ours: `asyncio::into_future`, on the library's loop; PyO3: pyo3-async-runtimes' `into_future_with_locals`, on a loop run by a Python thread)",
    },
    Case {
        group: "sleep0_10k",
        name: "sleep0_10k",
        floor: "floor",
        ours: "ours",
        pyo3: "pyo3",
        gil_held: false,
        key: false,
        what: "the same with 10,000 `asyncio.sleep(0)` at once: all made under one GIL hold, then awaited",
    },
];

/// The criterion groups to measure, in report order: every group, or only those of key cases.
pub(super) fn groups(key_only: bool) -> Vec<&'static str> {
    let mut groups: Vec<&str> = Vec::new();
    for c in CASES.iter().filter(|c| c.key || !key_only) {
        if !groups.contains(&c.group) {
            groups.push(c.group);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rows_of_a_group_are_adjacent_and_key_groups_are_a_subset() {
        let all = groups(false);
        for (i, c) in CASES.iter().enumerate() {
            if i > 0 && CASES[i - 1].group != c.group {
                assert!(
                    !CASES[..i - 1].iter().any(|e| e.group == c.group),
                    "{} is split",
                    c.group
                );
            }
        }
        let key = groups(true);
        assert!(key.iter().all(|g| all.contains(g)));
        assert!(key.contains(&"gil_contention_2x") && !key.contains(&"startup_import_numpy"));
        let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CASES.len(), "case names are unique");
    }
}
