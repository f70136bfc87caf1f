//! The floor and ours sides of the cases where Rust data meets Python: a Rust object whose
//! method a Python loop calls (`method_loop_1e6`), and a nested struct sent to Python and read
//! back (`serde_roundtrip`).

use std::ffi::c_long;
use std::ptr::null_mut;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use libpython::{Args, Bridge, Method, Object, Python, Serde, ToPython};
use libpython_ffi as ffi;
use libpython_ffi::PyObject;

use crate::common::{self, Customer, Line, Order, case};
use crate::serde_floor;
use crate::{Case, Fixtures, FloorGil, Size, as_i64, floor, floor_drive, interned, ok, ours};

// ---------------------------------------------------------------------------------------------
// A Rust object with a method, called from a Python loop.

/// Where the floor type's one field (the factor) is in its instances: right after the object
/// header, whose size C knows at compile time and the floor reads once from the running
/// interpreter (`object.__basicsize__`).
static FIELD_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// The floor's method: `scale(self, x)` as `METH_FASTCALL`, `x * factor`.
unsafe extern "C" fn floor_scale(
    slf: *mut PyObject,
    args: *const *mut PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut PyObject {
    // SAFETY: CPython calls this with the GIL held, `slf` an instance of the floor type (made
    // by `floor_scaler`, its field written before any call) and `nargs` arguments at `args`.
    unsafe {
        if nargs != 1 {
            ffi::PyErr_SetString(
                *ffi::data::PyExc_TypeError(),
                c"scale() takes one argument".as_ptr(),
            );
            return null_mut();
        }
        let x = ffi::PyLong_AsLongLong(*args);
        if x == -1 && !ffi::PyErr_Occurred().is_null() {
            return null_mut();
        }
        let factor = *slf
            .cast::<u8>()
            .add(FIELD_OFFSET.load(Ordering::Relaxed))
            .cast::<i64>();
        ffi::PyLong_FromLongLong(x.wrapping_mul(factor))
    }
}

/// The floor's Rust object: a heap type made with `PyType_FromSpec` (one `i64` field after the
/// header, one `METH_FASTCALL` method) and an instance of it.
fn floor_scaler() -> *mut PyObject {
    let methods: &'static mut [ffi::PyMethodDef] = Box::leak(Box::new([
        ffi::PyMethodDef {
            ml_name: c"scale".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFast: floor_scale,
            },
            ml_flags: ffi::METH_FASTCALL,
            ml_doc: null_mut(),
        },
        ffi::PyMethodDef::zeroed(),
    ]));
    let _gil = FloorGil::take();
    // SAFETY: the GIL is held; the method table is static (leaked), the slots and the spec are
    // read during `PyType_FromSpec` only; the instance is zeroed by `PyType_GenericAlloc` and
    // its field written before it is used; the type and the instance are kept for the process.
    unsafe {
        let base = ffi::data::PyBaseObject_Type().cast::<PyObject>();
        let size = ok(ffi::PyObject_GetAttrString(base, c"__basicsize__".as_ptr()));
        let header = as_i64(size) as usize;
        ffi::Py_DECREF(size);
        FIELD_OFFSET.store(header, Ordering::Relaxed);
        let mut slots = [
            ffi::PyType_Slot {
                slot: ffi::Py_tp_methods,
                pfunc: methods.as_mut_ptr().cast(),
            },
            ffi::PyType_Slot {
                slot: 0,
                pfunc: null_mut(),
            },
        ];
        let mut spec = ffi::PyType_Spec {
            name: c"floor.Scaler".as_ptr(),
            basicsize: (header + std::mem::size_of::<i64>()) as _,
            itemsize: 0,
            flags: ffi::Py_TPFLAGS_DEFAULT as _,
            slots: slots.as_mut_ptr(),
        };
        let tp = ok(ffi::PyType_FromSpec(&mut spec));
        let o = ok(ffi::PyType_GenericAlloc(tp.cast(), 0));
        *o.cast::<u8>().add(header).cast::<i64>() = common::SCALE;
        o
    }
}

/// Ours: a Rust struct exposed through a [`Bridge`], its method an entry of its method table
/// (positional, as the floor's `METH_FASTCALL` method is).
struct Scaler {
    factor: i64,
}

impl Scaler {
    /// `scale(x)`: `x * factor`, compiled into the method's C function (as the method
    /// table's documentation advises for a small method).
    #[inline(always)]
    fn scale(&self, a: &Args<'_>) -> libpython::Result<Object> {
        (a.extract::<i64>(0)? * self.factor).to_python(a.py())
    }
}

impl Bridge for Scaler {
    fn method_table() -> &'static [Method<Self>] {
        const METHODS: &[Method<Scaler>] = &[Method::positional("scale", Scaler::scale)];
        METHODS
    }

    fn dynamic_attrs(&self) -> bool {
        false
    }

    fn type_name(&self) -> &str {
        "Scaler"
    }
}

// ---------------------------------------------------------------------------------------------
// serde round trip of a nested struct, the floor writing the same dicts and lists by hand.

/// The interned keys of the floor's dicts (C keeps these in statics).
#[derive(Clone, Copy)]
struct Keys {
    id: *mut PyObject,
    customer: *mut PyObject,
    lines: *mut PyObject,
    tags: *mut PyObject,
    note: *mut PyObject,
    name: *mut PyObject,
    email: *mut PyObject,
    vip: *mut PyObject,
    sku: *mut PyObject,
    qty: *mut PyObject,
    price: *mut PyObject,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            id: interned(c"id"),
            customer: interned(c"customer"),
            lines: interned(c"lines"),
            tags: interned(c"tags"),
            note: interned(c"note"),
            name: interned(c"name"),
            email: interned(c"email"),
            vip: interned(c"vip"),
            sku: interned(c"sku"),
            qty: interned(c"qty"),
            price: interned(c"price"),
        }
    }
}

/// Prints the pending exception and stops (C's "print and fail").
///
/// # Safety
/// The GIL is held.
unsafe fn fail(what: &str) -> ! {
    // SAFETY: the GIL is held (caller); prints the exception if one is set.
    unsafe {
        if !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Print();
        }
    }
    panic!("{what}");
}

/// `d[k] = v`, `v` a new reference that is released (C's "set and drop").
///
/// # Safety
/// The GIL is held; `d` a dict, `k` a str, `v` a new reference.
unsafe fn set(d: *mut PyObject, k: *mut PyObject, v: *mut PyObject) {
    // SAFETY: forwarded contract; SetItem does not steal, so `v` is released after it.
    unsafe {
        if ffi::PyDict_SetItem(d, k, v) != 0 {
            fail("PyDict_SetItem failed");
        }
        ffi::Py_DECREF(v);
    }
}

/// A new `str` of `s`.
///
/// # Safety
/// The GIL is held.
unsafe fn new_str(s: &str) -> *mut PyObject {
    // SAFETY: the GIL is held; a UTF-8 buffer of that length.
    unsafe {
        ok(ffi::PyUnicode_FromStringAndSize(
            s.as_ptr().cast(),
            s.len() as ffi::Py_ssize_t,
        ))
    }
}

/// A new list of `items` converted by `f` (each a new reference, stolen by the list).
///
/// # Safety
/// The GIL is held; `f` returns new references.
unsafe fn new_list<T>(items: &[T], f: impl Fn(&T) -> *mut PyObject) -> *mut PyObject {
    // SAFETY: the GIL is held; the list is filled completely before use (SET_ITEM steals).
    unsafe {
        let l = ok(ffi::PyList_New(items.len() as ffi::Py_ssize_t));
        for (i, x) in items.iter().enumerate() {
            ffi::PyList_SET_ITEM(l, i as ffi::Py_ssize_t, f(x));
        }
        l
    }
}

/// The order as the dicts and lists serde gives (keys in field order).
///
/// # Safety
/// The GIL is held; `k` holds live interned strs.
unsafe fn order_to_py(k: &Keys, o: &Order) -> *mut PyObject {
    // SAFETY: the GIL is held; every object made is a new reference handed to its container.
    unsafe {
        let d = ok(ffi::PyDict_New());
        set(d, k.id, ok(ffi::PyLong_FromUnsignedLongLong(o.id)));
        let c = ok(ffi::PyDict_New());
        set(c, k.name, new_str(&o.customer.name));
        set(c, k.email, new_str(&o.customer.email));
        set(
            c,
            k.vip,
            ok(ffi::PyBool_FromLong(c_long::from(o.customer.vip))),
        );
        set(d, k.customer, c);
        let lines = new_list(&o.lines, |l| {
            let ld = ok(ffi::PyDict_New());
            set(ld, k.sku, new_str(&l.sku));
            set(ld, k.qty, ok(ffi::PyLong_FromLongLong(i64::from(l.qty))));
            set(ld, k.price, ok(ffi::PyFloat_FromDouble(l.price)));
            ld
        });
        set(d, k.lines, lines);
        set(d, k.tags, new_list(&o.tags, |t| new_str(t)));
        let note = match &o.note {
            Some(n) => new_str(n),
            None => {
                let none = ffi::Py_None();
                ffi::Py_INCREF(none);
                none
            }
        };
        set(d, k.note, note);
        d
    }
}

/// An item read from a container: borrowed on a GIL build; on a free-threaded build
/// (`OWNED`) a strong reference released when this is dropped, as C code there takes items
/// with the `...Ref` functions (another thread may remove a borrowed item and free it).
struct Got<const OWNED: bool>(*mut PyObject);

impl<const OWNED: bool> Drop for Got<OWNED> {
    fn drop(&mut self) {
        if OWNED {
            // SAFETY: the GIL is held (every floor runs under it); the reference `get` or
            // `list` took.
            unsafe { ffi::Py_DECREF(self.0) }
        }
    }
}

/// `d[k]` (see [`Got`]); fails when missing.
///
/// # Safety
/// The GIL is held; `d` a dict, `k` a str. A borrowed result is valid while `d` is not
/// changed; an owned one (free-threaded builds, Python 3.13+) while held.
unsafe fn get<const OWNED: bool>(d: *mut PyObject, k: *mut PyObject) -> Got<OWNED> {
    // SAFETY: forwarded contract.
    unsafe {
        let v = if OWNED {
            let get_ref = ffi::api()
                .PyDict_GetItemRef
                .expect("PyDict_GetItemRef (Python 3.13+)");
            let mut v = null_mut();
            if get_ref(d, k, &mut v) != 1 {
                fail("a key is missing");
            }
            v
        } else {
            ffi::PyDict_GetItemWithError(d, k)
        };
        if v.is_null() {
            fail("a key is missing");
        }
        Got(v)
    }
}

/// A dict, checked.
///
/// # Safety
/// The GIL is held; `o` a live object.
unsafe fn dict(o: *mut PyObject) -> *mut PyObject {
    // SAFETY: forwarded contract.
    if !unsafe { ffi::PyDict_Check(o) } {
        // SAFETY: the GIL is held.
        unsafe { fail("not a dict") };
    }
    o
}

/// A `str`'s text, copied.
///
/// # Safety
/// The GIL is held; `o` a live object.
unsafe fn string(o: *mut PyObject) -> String {
    // SAFETY: the GIL is held; the UTF-8 buffer belongs to the str and is copied.
    unsafe {
        let mut n = 0;
        let p = ffi::PyUnicode_AsUTF8AndSize(o, &mut n);
        if p.is_null() {
            fail("not a str");
        }
        std::str::from_utf8_unchecked(std::slice::from_raw_parts(p.cast::<u8>(), n as usize))
            .to_owned()
    }
}

/// A list's items, each read by `f` (taken as [`get`] takes them).
///
/// # Safety
/// The GIL is held; `o` a live object; `f` runs no Python code (borrowed items).
unsafe fn list<const OWNED: bool, T>(o: *mut PyObject, f: impl Fn(*mut PyObject) -> T) -> Vec<T> {
    // SAFETY: forwarded contract; indices are within the size read first (borrowed), or the
    // items are new references and the end is `GetItemRef`'s `IndexError` (owned).
    unsafe {
        if !ffi::PyList_Check(o) {
            fail("not a list");
        }
        let n = ffi::PyList_GET_SIZE(o);
        if OWNED {
            let get_ref = ffi::api()
                .PyList_GetItemRef
                .expect("PyList_GetItemRef (Python 3.13+)");
            let mut v = Vec::with_capacity(n as usize);
            for i in 0.. {
                let item = get_ref(o, i);
                if item.is_null() {
                    ffi::PyErr_Clear();
                    break;
                }
                let item = Got::<true>(item);
                v.push(f(item.0));
            }
            return v;
        }
        (0..n).map(|i| f(ffi::PyList_GET_ITEM(o, i))).collect()
    }
}

/// The order read back from what [`order_to_py`] made, with the checks serde makes (types,
/// ranges, missing keys); items taken as [`Got`] says (`OWNED` on a free-threaded build).
///
/// # Safety
/// The GIL is held; `k` holds live interned strs; `o` a live object.
unsafe fn order_from_py<const OWNED: bool>(k: &Keys, o: *mut PyObject) -> Order {
    // SAFETY: the GIL is held; every item is read while held (owned), or before anything
    // changes its container (borrowed: no Python code runs meanwhile, exact builtin types).
    unsafe {
        let d = dict(o);
        let id = ffi::PyLong_AsUnsignedLongLong(get::<OWNED>(d, k.id).0);
        if id == u64::MAX && !ffi::PyErr_Occurred().is_null() {
            fail("id");
        }
        let c = get::<OWNED>(d, k.customer);
        let c = dict(c.0);
        let vip = get::<OWNED>(c, k.vip).0;
        let vip = if vip == ffi::Py_True() {
            true
        } else if vip == ffi::Py_False() {
            false
        } else {
            fail("vip is not a bool")
        };
        let customer = Customer {
            name: string(get::<OWNED>(c, k.name).0),
            email: string(get::<OWNED>(c, k.email).0),
            vip,
        };
        let lines = list::<OWNED, _>(get::<OWNED>(d, k.lines).0, |l| {
            let l = dict(l);
            let price = ffi::PyFloat_AsDouble(get::<OWNED>(l, k.price).0);
            if price == -1.0 && !ffi::PyErr_Occurred().is_null() {
                fail("price");
            }
            Line {
                sku: string(get::<OWNED>(l, k.sku).0),
                qty: u32::try_from(as_i64(get::<OWNED>(l, k.qty).0))
                    .unwrap_or_else(|_| fail("qty")),
                price,
            }
        });
        let tags = list::<OWNED, _>(get::<OWNED>(d, k.tags).0, |t| string(t));
        let note = get::<OWNED>(d, k.note);
        let note = if note.0 == ffi::Py_None() {
            None
        } else {
            Some(string(note.0))
        };
        Order {
            id,
            customer,
            lines,
            tags,
            note,
        }
    }
}

/// The cases of this module, both sides, in report order.
pub fn cases(fx: &Fixtures) -> Vec<Case<'_>> {
    use Size::{Big, Small};
    let mut v = Vec::new();

    // drive_method(obj, 1_000_000): obj.scale(i) from a Python loop.
    let scaler = floor_scaler();
    let drive = fx.drive_method.as_ptr();
    v.push(case(
        "method_loop_1e6",
        "floor",
        Big(Duration::from_secs(3)),
        floor_drive(drive, scaler),
    ));
    let obj = libpython::bridge(Arc::new(Scaler {
        factor: common::SCALE,
    }))
    .expect("bridging the Rust object");
    v.push(case(
        "method_loop_1e6",
        "ours",
        Big(Duration::from_secs(3)),
        ours(move |py| {
            fx.drive_method
                .bind(py)?
                .call((&obj, common::CALLS))
                .map(drop)
        }),
    ));

    // The order to Python (dicts and lists) and back.
    let keys = Keys::new();
    let order: &'static Order = Box::leak(Box::new(common::order()));
    // The reader is chosen here (items owned on a free-threaded build), not per iteration.
    let read: unsafe fn(&Keys, *mut PyObject) -> Order =
        if ffi::library().is_some_and(|lib| lib.gil_disabled()) {
            order_from_py::<true>
        } else {
            order_from_py::<false>
        };
    let keys: &'static Keys = Box::leak(Box::new(keys));
    let floor_roundtrip = move || {
        // SAFETY: the caller holds the GIL; the dict is released once read.
        unsafe {
            let o = order_to_py(keys, order);
            let back = read(keys, o);
            ffi::Py_DECREF(o);
            back
        }
    };
    {
        let _gil = FloorGil::take();
        assert_eq!(
            &floor_roundtrip(),
            order,
            "the floor's round trip changes the order"
        );
    }
    v.push(case(
        "serde_roundtrip",
        "floor",
        Small,
        floor(floor_roundtrip),
    ));
    let ours_roundtrip = move |py: Python<'_>| {
        let o = Serde(order).to_python(py)?;
        let Serde(back) = o.bind(py)?.extract::<Serde<Order>>()?;
        Ok(back)
    };
    let back = libpython::attach(ours_roundtrip).expect("the round trip");
    assert_eq!(&back, order, "our round trip changes the order");
    v.push(case("serde_roundtrip", "ours", Small, ours(ours_roundtrip)));
    // The same through serde, over the raw layer with none of a library's checks.
    let names: &'static serde_floor::Names = Box::leak(Box::default());
    let serde_floor_roundtrip = move || {
        // SAFETY: the caller holds the GIL; the order's dicts are released once read back,
        // and nothing changes them meanwhile (the floor's serde reads borrowed objects).
        unsafe {
            let o = serde::Serialize::serialize(order, serde_floor::Ser(names))
                .expect("the floor's serializer takes the order");
            let back = <Order as serde::Deserialize>::deserialize(serde_floor::De(o))
                .expect("the floor's deserializer reads the order back");
            ffi::Py_DECREF(o);
            back
        }
    };
    {
        let _gil = FloorGil::take();
        assert_eq!(
            &serde_floor_roundtrip(),
            order,
            "serde's floor changes the order"
        );
    }
    v.push(case(
        "serde_roundtrip",
        "floor_serde",
        Small,
        floor(serde_floor_roundtrip),
    ));
    v
}
