//! The floor and ours sides of every case, as runners shared by the criterion bench
//! (`benches/floor_ours.rs`) and the profiling binary (`src/bin/profile.rs`). The PyO3 side is
//! `benches/pyo3`, a separate process (see `docs/benchmarks.md` for why).
//!
//! * **floor**: the raw layer, `libpython_ffi`, used as C would use the C API: the GIL taken by
//!   hand (`PyGILState_Ensure` / `Release`), interned names and keyword tuples made once,
//!   exact reference counting with the `Py_INCREF`/`Py_DECREF` macros (`libpython_ffi`'s
//!   inline forms), no checks beyond what correct C code does.
//! * **ours**: the public `libpython` API as a user writes it: `attach` and `Bound` views
//!   where the GIL is held, `Object` methods (which take the GIL themselves) where it is not,
//!   `extract` / `to_python`, `call_attr!`, `libpython::function`, `array::PyBuffer`.
//!
//! Both run in one process against one interpreter, started by `libpython::initialize()`
//! (`LIBPYTHON_PYTHON` names the venv).
//!
//! A runner takes whatever GIL its side needs, then times `iters` iterations of the case
//! (criterion's `iter_custom`): the GIL acquisition of GIL-held cases is not timed, as with
//! `b.iter` inside `attach`.

mod asyncio;
#[path = "../../common/mod.rs"]
pub mod common;
mod derived;
mod objects;
mod serde_floor;

pub use common::{Case, Runner, Size};
use common::{case, timed};

use std::collections::HashMap;
use std::ffi::CStr;
use std::process::Command;
use std::ptr::null_mut;
use std::time::Duration;

use libpython::array::PyBuffer;
use libpython::{Args, Object, ToPython, call_attr};
use libpython_ffi as ffi;
use libpython_ffi::PyObject;

/// The Python objects every case works on (made by `common::SETUP`).
pub type Fixtures = common::Fixtures<Object>;

/// Runs the setup code in `__main__` and reads the fixtures from its globals.
pub fn fixtures() -> Fixtures {
    let g = libpython::run_simple_string(common::SETUP)
        .expect("the setup code failed")
        .globals;
    Fixtures::from_globals(|n| {
        g.get(n)
            .expect("reading a global failed")
            .unwrap_or_else(|| panic!("setup defines no {n}"))
    })
}

// ---------------------------------------------------------------------------------------------
// Floor helpers: what C code does, through the loaded table.

/// The GIL held by hand, as C does it.
pub(crate) struct FloorGil(ffi::PyGILState_STATE);

impl FloorGil {
    #[inline(always)]
    pub(crate) fn take() -> FloorGil {
        // SAFETY: Python is initialised (libpython started it and released the GIL); the
        // PyGILState API may be called from any thread that does not hold the GIL through
        // another state, which is the case wherever the floor runs.
        FloorGil(unsafe { ffi::PyGILState_Ensure() })
    }
}

impl Drop for FloorGil {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: pairs with the `PyGILState_Ensure` of `take`, on the same thread, in LIFO
        // order (guards are scoped).
        unsafe { ffi::PyGILState_Release(self.0) }
    }
}

/// C's error check after a call returning a new reference: on NULL print and stop.
///
/// # Safety
/// The GIL is held; `p` is the result of a C-API call made just before.
#[inline(always)]
pub(crate) unsafe fn ok(p: *mut PyObject) -> *mut PyObject {
    if p.is_null() {
        // SAFETY: the GIL is held (caller) and an exception is set (NULL result).
        unsafe { ffi::PyErr_Print() };
        panic!("a C-API call failed");
    }
    p
}

/// C's `PyLong_AsLongLong` with its error check.
///
/// # Safety
/// The GIL is held; `o` is a live object.
#[inline(always)]
pub(crate) unsafe fn as_i64(o: *mut PyObject) -> i64 {
    // SAFETY: forwarded contract.
    unsafe {
        let v = ffi::PyLong_AsLongLong(o);
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Print();
            panic!("not an int");
        }
        v
    }
}

/// The sum of the ints of `list`, each item taken with `PyList_GetItemRef` (a new reference,
/// released after it is read) until it reports the end.
///
/// # Safety
/// The thread is attached to the interpreter (holds the GIL on a GIL build); `list` is a live
/// list of ints; Python 3.13+ (which exports `PyList_GetItemRef`).
unsafe fn sum_items_ref(list: *mut PyObject) -> i64 {
    let get = ffi::api()
        .PyList_GetItemRef
        .expect("PyList_GetItemRef (Python 3.13+)");
    // SAFETY: forwarded contract; a NULL result is the end (`IndexError`, cleared).
    unsafe {
        let mut sum = 0i64;
        let mut i = 0;
        loop {
            let item = get(list, i);
            if item.is_null() {
                ffi::PyErr_Clear();
                return sum;
            }
            sum += as_i64(item);
            ffi::Py_DECREF(item);
            i += 1;
        }
    }
}

/// The floor of `f(1, 2, 3)` through `vectorcall` (from [`vectorcall_fn`]): the call, `read`
/// run on its result, every reference released.
///
/// # Safety
/// The GIL is held; `f` is a live callable.
#[inline(always)]
unsafe fn call3_then(
    vectorcall: Vectorcall,
    f: *mut PyObject,
    read: impl FnOnce(*mut PyObject) -> i64,
) -> i64 {
    // SAFETY: the function's contract; the arguments are released after the call, the result
    // after `read`.
    unsafe {
        let args = [
            null_mut(),
            ffi::PyLong_FromLongLong(1),
            ffi::PyLong_FromLongLong(2),
            ffi::PyLong_FromLongLong(3),
        ];
        let r = ok(vectorcall(
            f,
            args.as_ptr().add(1),
            3 | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            null_mut(),
        ));
        let v = read(r);
        ffi::Py_DECREF(r);
        ffi::Py_DECREF(args[1]);
        ffi::Py_DECREF(args[2]);
        ffi::Py_DECREF(args[3]);
        v
    }
}

/// `PyObject_Vectorcall`'s C signature.
pub(crate) type Vectorcall = unsafe extern "C" fn(
    *mut PyObject,
    *const *mut PyObject,
    usize,
    *mut PyObject,
) -> *mut PyObject;

/// `PyObject_Vectorcall` straight from the table (3.11: exported).
pub(crate) fn vectorcall_fn() -> Vectorcall {
    ffi::api()
        .PyObject_Vectorcall
        .expect("PyObject_Vectorcall is exported from 3.11 on: benchmark 3.11+")
}

/// An interned `str`, made once (C keeps these in statics).
pub(crate) fn interned(s: &CStr) -> *mut PyObject {
    let _gil = FloorGil::take();
    // SAFETY: the GIL is held; a NUL-terminated string; the reference is kept for the process.
    unsafe { ok(ffi::PyUnicode_InternFromString(s.as_ptr())) }
}

/// The floor's function for the closure case: `METH_FASTCALL | METH_KEYWORDS` (the calling
/// convention `libpython::function` uses), one int in, the same int out.
unsafe extern "C" fn floor_identity(
    _slf: *mut PyObject,
    args: *const *mut PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: CPython calls this with the GIL held and `nargs` arguments at `args`.
    unsafe {
        if nargs != 1 || !kwnames.is_null() {
            ffi::PyErr_SetString(
                *ffi::data::PyExc_TypeError(),
                c"one positional argument".as_ptr(),
            );
            return null_mut();
        }
        let v = ffi::PyLong_AsLongLong(*args);
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return null_mut();
        }
        ffi::PyLong_FromLongLong(v)
    }
}

type FastWithKeywords = unsafe extern "C" fn(
    *mut PyObject,
    *const *mut PyObject,
    ffi::Py_ssize_t,
    *mut PyObject,
) -> *mut PyObject;

fn floor_function() -> *mut PyObject {
    let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c"floor_identity".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            // SAFETY: CPython calls `ml_meth` with the signature its flags announce,
            // METH_FASTCALL | METH_KEYWORDS, which is `floor_identity`'s.
            PyCFunction: unsafe {
                std::mem::transmute::<FastWithKeywords, ffi::PyCFunction>(
                    floor_identity as FastWithKeywords,
                )
            },
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: null_mut(),
    }));
    let _gil = FloorGil::take();
    // SAFETY: the GIL is held; the definition is static (leaked); the reference is kept.
    unsafe { ok(ffi::PyCFunction_NewEx(def, null_mut(), null_mut())) }
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// A floor runner: the GIL held by hand around the timed loop.
pub(crate) fn floor<'a, R>(mut body: impl FnMut() -> R + 'a) -> Runner<'a> {
    Box::new(move |iters| {
        let _gil = FloorGil::take();
        timed(iters, &mut body)
    })
}

/// The floor of a loop in Python calling a Rust callable: `drive(callee, CALLS)` through
/// `PyObject_Vectorcall`, as C calls a Python function.
pub(crate) fn floor_drive<'a>(drive: *mut PyObject, callee: *mut PyObject) -> Runner<'a> {
    let vectorcall = vectorcall_fn();
    floor(move || {
        // SAFETY: the GIL is held (a floor runner); `drive` and `callee` are live objects the
        // fixtures keep; the count and the result are released.
        unsafe {
            let n = ok(ffi::PyLong_FromLongLong(common::CALLS as i64));
            let args = [null_mut(), callee, n];
            let r = ok(vectorcall(
                drive,
                args.as_ptr().add(1),
                2 | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
                null_mut(),
            ));
            ffi::Py_DECREF(r);
            ffi::Py_DECREF(n);
        }
    })
}

/// An ours runner for a GIL-held case: `attach` around the timed loop, `body` gets the token.
pub(crate) fn ours<'a, R>(
    mut body: impl FnMut(libpython::Python<'_>) -> libpython::Result<R> + 'a,
) -> Runner<'a> {
    Box::new(move |iters| libpython::attach(|py| Ok(timed(iters, || body(py).unwrap()))).unwrap())
}

/// Every case, both sides, in report order.
pub fn cases(fx: &Fixtures) -> Vec<Case<'_>> {
    use Size::{Big, Small};
    let vectorcall = vectorcall_fn();
    let secs = Duration::from_secs;
    let mut v = Vec::new();

    // f(1, 2, 3) with the GIL held; the result read back as i64.
    let f = fx.f.as_ptr();
    let call3_floor = move || {
        // SAFETY: the GIL is held by the floor runner; `f` is alive (the fixtures keep it).
        unsafe { call3_then(vectorcall, f, |r| as_i64(r)) }
    };
    v.push(case("call3", "floor", Small, floor(call3_floor)));
    v.push(case(
        "call3",
        "ours",
        Small,
        ours(|py| {
            let f = fx.f.bind(py)?;
            f.call((1, 2, 3))?.extract::<i64>()
        }),
    ));

    // The same from a thread that does not hold the GIL: each call takes and releases it.
    v.push(case(
        "call3_nogil",
        "floor",
        Small,
        Box::new(move |iters| {
            timed(iters, || {
                let _gil = FloorGil::take();
                call3_floor()
            })
        }),
    ));
    v.push(case(
        "call3_nogil",
        "ours",
        Small,
        Box::new(|iters| {
            timed(iters, || {
                libpython::attach(|py| fx.f.bind(py)?.call((1, 2, 3))?.extract::<i64>()).unwrap()
            })
        }),
    ));
    v.push(case(
        "call3_nogil",
        "ours_auto",
        Small,
        Box::new(|iters| {
            timed(iters, || {
                fx.f.call((1, 2, 3))
                    .and_then(|r| r.extract::<i64>())
                    .unwrap()
            })
        }),
    ));

    // One auto-GIL method: the call alone, its result kept as a handle and dropped (its release
    // queued for the next holder of the GIL).
    v.push(case(
        "call3_auto",
        "floor",
        Small,
        Box::new(move |iters| {
            timed(iters, || {
                let _gil = FloorGil::take();
                // SAFETY: see `call3_floor`.
                unsafe { call3_then(vectorcall, f, |_| 0) }
            })
        }),
    ));
    v.push(case(
        "call3_auto",
        "ours",
        Small,
        Box::new(|iters| timed(iters, || drop(fx.f.call((1, 2, 3)).unwrap()))),
    ));

    // obj.m(1, b=2), the result read back as i64.
    let (name, kwnames) = (interned(c"m"), {
        let _gil = FloorGil::take();
        // SAFETY: the GIL is held; the tuple is filled before use (SetItem steals).
        unsafe {
            let t = ok(ffi::PyTuple_New(1));
            ffi::PyTuple_SetItem(t, 0, interned(c"b"));
            t
        }
    });
    let o = fx.obj.as_ptr();
    v.push(case(
        "call_attr_kw",
        "floor",
        Small,
        floor(move || {
            // SAFETY: the GIL is held; args[0] is self, then one positional and one keyword value.
            unsafe {
                let args = [o, ffi::PyLong_FromLongLong(1), ffi::PyLong_FromLongLong(2)];
                let r = ok(ffi::PyObject_VectorcallMethod(
                    name,
                    args.as_ptr(),
                    2,
                    kwnames,
                ));
                let v = as_i64(r);
                ffi::Py_DECREF(r);
                ffi::Py_DECREF(args[1]);
                ffi::Py_DECREF(args[2]);
                v
            }
        }),
    ));
    v.push(case(
        "call_attr_kw",
        "ours",
        Small,
        ours(|py| {
            let o = fx.obj.bind(py)?;
            call_attr!(o, "m", 1, b = 2)?.extract::<i64>()
        }),
    ));

    // obj.x
    let x = interned(c"x");
    v.push(case(
        "getattr",
        "floor",
        Small,
        floor(move || {
            // SAFETY: the GIL is held; the result is released.
            unsafe {
                let r = ok(ffi::PyObject_GetAttr(o, x));
                ffi::Py_DECREF(r);
                r
            }
        }),
    ));
    v.push(case(
        "getattr",
        "ours",
        Small,
        ours(|py| fx.obj.bind(py)?.getattr(libpython::intern!("x")).map(drop)),
    ));

    // list of 1e6 ints -> Vec<i64>
    let l = fx.lst.as_ptr();
    // Free-threaded builds: C code takes the containers' critical sections (or their items
    // with the `...Ref` functions) where another thread may change them.
    let gil_disabled = ffi::library().is_some_and(|lib| lib.gil_disabled());
    // The loop is chosen here, not tested per iteration (as for the list walks below).
    let list_to_vec_floor = if gil_disabled {
        floor(move || {
            let read = || {
                // SAFETY: the GIL is held; list items are borrowed and only read under the
                // list's critical section, as C code on a free-threaded build reads a list
                // another thread may change.
                unsafe {
                    let n = ffi::PyList_Size(l);
                    let mut v = Vec::with_capacity(n as usize);
                    for i in 0..n {
                        v.push(as_i64(ffi::PyList_GetItem(l, i)));
                    }
                    v
                }
            };
            // SAFETY: a live list; this thread is attached until `read` returns.
            unsafe { ffi::with_critical_section(l, read) }
        })
    } else {
        floor(move || {
            // SAFETY: the GIL is held; list items are borrowed and only read.
            unsafe {
                let n = ffi::PyList_Size(l);
                let mut v = Vec::with_capacity(n as usize);
                for i in 0..n {
                    v.push(as_i64(ffi::PyList_GetItem(l, i)));
                }
                v
            }
        })
    };
    v.push(case(
        "list_to_vec_1e6",
        "floor",
        Big(secs(2)),
        list_to_vec_floor,
    ));
    v.push(case(
        "list_to_vec_1e6",
        "ours",
        Big(secs(2)),
        ours(|py| fx.lst.bind(py)?.extract::<Vec<i64>>()),
    ));

    // Vec<i64> of 1e6 -> list (released in the loop: its deallocation counts)
    let ints = common::ints();
    v.push(case(
        "vec_to_list_1e6",
        "floor",
        Big(secs(2)),
        floor(move || {
            // SAFETY: the GIL is held; the list is filled completely (SetItem steals) and released.
            unsafe {
                let l = ok(ffi::PyList_New(ints.len() as ffi::Py_ssize_t));
                for (i, x) in ints.iter().enumerate() {
                    ffi::PyList_SetItem(l, i as ffi::Py_ssize_t, ok(ffi::PyLong_FromLongLong(*x)));
                }
                ffi::Py_DECREF(l);
            }
        }),
    ));
    let ints_vec: &'static Vec<i64> = Box::leak(Box::new(ints.to_vec()));
    v.push(case(
        "vec_to_list_1e6",
        "ours",
        Big(secs(2)),
        ours(move |py| ints_vec.to_python(py).map(drop)),
    ));

    // dict of 1e5 str -> int to HashMap<String, i64>
    let d = fx.dct.as_ptr();
    /// `d` read into a `HashMap`, its entries borrowed from `PyDict_Next`.
    ///
    /// # Safety
    /// The GIL is held; `d` a live dict of str keys and int values that nothing changes.
    #[inline(always)]
    unsafe fn read_dict(d: *mut PyObject) -> HashMap<String, i64> {
        // SAFETY: the function's contract; the UTF-8 buffers belong to the key strs and are
        // copied.
        unsafe {
            let mut m: HashMap<String, i64> = HashMap::with_capacity(ffi::PyDict_Size(d) as usize);
            let (mut pos, mut k, mut val) = (0, null_mut(), null_mut());
            while ffi::PyDict_Next(d, &mut pos, &mut k, &mut val) != 0 {
                let mut n = 0;
                let p = ffi::PyUnicode_AsUTF8AndSize(k, &mut n);
                assert!(!p.is_null(), "key is not a str");
                let s = std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                    p.cast::<u8>(),
                    n as usize,
                ));
                m.insert(s.to_owned(), as_i64(val));
            }
            m
        }
    }
    let dict_floor = if gil_disabled {
        floor(move || {
            // SAFETY: a live dict; this thread is attached until the read returns, which runs
            // under the dict's critical section (as the C API asks of `PyDict_Next` there), so
            // nothing changes the dict meanwhile.
            unsafe { ffi::with_critical_section(d, || read_dict(d)) }
        })
    } else {
        // SAFETY: the GIL is held; nothing changes the dict (no Python code runs).
        floor(move || unsafe { read_dict(d) })
    };
    v.push(case(
        "dict_to_hashmap_1e5",
        "floor",
        Big(secs(2)),
        dict_floor,
    ));
    v.push(case(
        "dict_to_hashmap_1e5",
        "ours",
        Big(secs(2)),
        ours(|py| fx.dct.bind(py)?.extract::<HashMap<String, i64>>()),
    ));

    // HashMap<String, i64> of 1e5 -> dict (released in the loop)
    let map = common::map();
    v.push(case(
        "hashmap_to_dict_1e5",
        "floor",
        Big(secs(2)),
        floor(move || {
            // SAFETY: the GIL is held; SetItem does not steal, so keys and values are released
            // after it; the dict is released at the end.
            unsafe {
                let d = ok(ffi::PyDict_New());
                for (k, v) in map {
                    let ko = ok(ffi::PyUnicode_FromStringAndSize(
                        k.as_ptr().cast(),
                        k.len() as ffi::Py_ssize_t,
                    ));
                    let vo = ok(ffi::PyLong_FromLongLong(*v));
                    assert_eq!(ffi::PyDict_SetItem(d, ko, vo), 0);
                    ffi::Py_DECREF(ko);
                    ffi::Py_DECREF(vo);
                }
                ffi::Py_DECREF(d);
            }
        }),
    ));
    v.push(case(
        "hashmap_to_dict_1e5",
        "ours",
        Big(secs(2)),
        ours(move |py| map.to_python(py).map(drop)),
    ));

    // A Rust function called 1e6 times from a Python loop: drive(fn, 1_000_000).
    let func = floor_function();
    let drive = fx.drive.as_ptr();
    v.push(case(
        "closure_loop_1e6",
        "floor",
        Big(secs(3)),
        floor_drive(drive, func),
    ));
    let ident = libpython::function("ident", None, |a: &Args<'_>| a.extract::<i64>(0))
        .expect("making the function");
    v.push(case(
        "closure_loop_1e6",
        "ours",
        Big(secs(3)),
        ours(move |py| fx.drive.bind(py)?.call((&ident, common::CALLS)).map(drop)),
    ));

    v.extend(objects::cases(fx));
    v.extend(derived::cases());

    // Sum a list of 1e6 ints, item by item. On a free-threaded build, where another thread
    // may change the list at any time, C code takes each item with `PyList_GetItemRef` (the C
    // API's guidance for those builds: a borrowed item may be freed meanwhile).
    // The loop is chosen here, not tested per iteration: each build's floor is its own loop.
    // Both floors are the same loop on a free-threaded build.
    let items_ref = move || {
        floor(move || {
            // SAFETY: attached to the interpreter; each item is a new reference, released.
            unsafe { sum_items_ref(l) }
        })
    };
    let floor_sum = if gil_disabled {
        items_ref()
    } else {
        floor(move || {
            // SAFETY: the GIL is held; list items are borrowed and only read, within the size.
            unsafe {
                let mut sum = 0i64;
                for i in 0..ffi::PyList_GET_SIZE(l) {
                    sum += as_i64(ffi::PyList_GET_ITEM(l, i));
                }
                sum
            }
        })
    };
    v.push(case("list_iter_sum_1e6", "floor", Big(secs(2)), floor_sum));
    let floor_owned = if gil_disabled {
        items_ref()
    } else {
        floor(move || {
            // SAFETY: the GIL is held; each item gains a reference before it is used and loses
            // it after, and the size is read at each step, as code that hands the items to
            // anything that may run Python must (CPython's own list iterator does the same).
            unsafe {
                let mut sum = 0i64;
                let mut i = 0;
                while i < ffi::PyList_GET_SIZE(l) {
                    let item = ffi::PyList_GET_ITEM(l, i);
                    ffi::Py_INCREF(item);
                    sum += as_i64(item);
                    ffi::Py_DECREF(item);
                    i += 1;
                }
                sum
            }
        })
    };
    v.push(case(
        "list_iter_sum_1e6",
        "floor_owned",
        Big(secs(2)),
        floor_owned,
    ));
    v.push(case(
        "list_iter_sum_1e6",
        "ours",
        Big(secs(2)),
        ours(|py| {
            let mut sum = 0i64;
            for x in fx.lst.bind(py)?.try_iter()?.extract::<i64>() {
                sum += x?;
            }
            Ok(sum)
        }),
    ));
    v.push(case(
        "list_iter_sum_1e6",
        "ours_bound",
        Big(secs(2)),
        ours(|py| {
            let mut sum = 0i64;
            for x in fx.lst.bind(py)?.try_iter()? {
                sum += x?.extract::<i64>()?;
            }
            Ok(sum)
        }),
    ));

    // Two threads, each taking the GIL for one call of `nop()` per iteration.
    let nop = &fx.nop;
    v.push(case(
        "gil_contention_2x",
        "floor",
        Big(secs(3)),
        Box::new(move |iters| {
            common::contend(iters, &|n| {
                // SAFETY: Python is initialised and this thread holds no GIL. The outer
                // Ensure gives the thread its state (kept until the final Release), released
                // at once; each iteration's Ensure / Release pair then takes and drops the GIL
                // with it, as a C worker thread does; the call's result is released.
                unsafe {
                    let outer = ffi::PyGILState_Ensure();
                    let ts = ffi::PyEval_SaveThread();
                    for _ in 0..n {
                        let g = ffi::PyGILState_Ensure();
                        let r = ok(vectorcall(nop.as_ptr(), null_mut(), 0, null_mut()));
                        ffi::Py_DECREF(r);
                        ffi::PyGILState_Release(g);
                    }
                    ffi::PyEval_RestoreThread(ts);
                    ffi::PyGILState_Release(outer);
                }
            })
        }),
    ));
    v.push(case(
        "gil_contention_2x",
        "ours",
        Big(secs(3)),
        Box::new(move |iters| {
            common::contend(iters, &|n| {
                for _ in 0..n {
                    libpython::attach(|py| nop.bind(py)?.call0().map(drop)).unwrap();
                }
            })
        }),
    ));

    // View a float64 array without copying; read its first element and length.
    for (group, arr) in [
        ("numpy_view_1e3", &fx.arr_1e3),
        ("numpy_view_1e7", &fx.arr_1e7),
    ] {
        let a = arr.as_ptr();
        v.push(case(
            group,
            "floor",
            Small,
            floor(move || {
                // SAFETY: the GIL is held; the view is filled by a successful GetBuffer, read
                // within its bounds after checking it holds a contiguous vector of doubles, and
                // released.
                unsafe {
                    let mut view = ffi::Py_buffer::zeroed();
                    assert_eq!(
                        ffi::PyObject_GetBuffer(a, &mut view, ffi::PyBUF_RECORDS_RO),
                        0
                    );
                    let fmt = CStr::from_ptr(view.format);
                    assert!(
                        view.ndim == 1
                            && view.itemsize == 8
                            && (fmt == c"d" || fmt == c"<d" || fmt == c"=d")
                            && *view.strides == 8,
                        "not a contiguous float64 vector"
                    );
                    let r = (*view.buf.cast::<f64>(), view.len as usize / 8);
                    ffi::PyBuffer_Release(&mut view);
                    r
                }
            }),
        ));
        v.push(case(
            group,
            "ours",
            Small,
            ours(move |py| {
                let view = PyBuffer::<f64>::from_bound(arr.bind(py)?)?;
                let s = view.as_cells()?;
                Ok((s[0].get(), s.len()))
            }),
        ));
    }

    // A 1 MB str (ASCII) -> String
    let s = fx.big_str.as_ptr();
    v.push(case(
        "str_1mb_to_string",
        "floor",
        Small,
        floor(move || {
            // SAFETY: the GIL is held; the UTF-8 buffer belongs to the str and is copied.
            unsafe {
                let mut n = 0;
                let p = ffi::PyUnicode_AsUTF8AndSize(s, &mut n);
                assert!(!p.is_null());
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                    p.cast::<u8>(),
                    n as usize,
                ))
                .to_owned()
            }
        }),
    ));
    v.push(case(
        "str_1mb_to_string",
        "ours",
        Small,
        ours(|py| fx.big_str.bind(py)?.extract::<String>()),
    ));

    // A fresh process per iteration: start Python, import numpy, exit. Each child is run
    // once, untimed, before it is first measured, so a broken one fails loudly.
    let lib = libpython_ffi::library().expect("loaded").path().to_owned();
    let program =
        std::env::var_os(common::PYTHON_ENV).expect("LIBPYTHON_PYTHON names the venv's python");
    let (floor_exe, ours_exe) = (
        common::sibling_exe("startup-floor"),
        common::sibling_exe("startup-ours"),
    );
    if let (Some(floor_exe), Some(ours_exe)) = (floor_exe, ours_exe) {
        let commands: [(&'static str, Command); 3] = [
            ("floor", {
                let mut c = Command::new(&floor_exe);
                c.arg(&lib).arg(&program);
                c
            }),
            ("ours", Command::new(&ours_exe)),
            ("ours_explicit", {
                let mut c = Command::new(&ours_exe);
                c.arg("--library")
                    .arg(&lib)
                    .arg("--program-name")
                    .arg(&program);
                c
            }),
        ];
        for (side, cmd) in commands {
            v.push(case(
                "startup_import_numpy",
                side,
                Big(secs(4)),
                common::startup_runner(cmd),
            ));
        }
    }
    v.extend(asyncio::cases());
    v
}
