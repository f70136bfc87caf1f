//! Rust objects exposed to Python (libpython-clj's `JVMBridge`): a trait for the object's
//! behaviour, one Python type per interpreter that forwards to it, a per-interpreter map so a
//! Rust object bridged twice is the same Python object, ready-made bridges for Rust maps and
//! vectors ([`map`], [`vec`]) with their lock ([`lock`]), and Python classes made from Rust
//! ([`class`]).
//!
//! # Invariants
//! - The Rust object behind a bridge is found by the [`TypeId`] of the type that was bridged,
//!   recorded when the bridge was made: [`bridged`] never trusts the trait object's own answer.
//! - A method a bridge lists in [`Bridge::methods`] is a bound method of the Python object (a
//!   `libpython.RustMethod`, see `method.rs`): it holds the Python object (which the cycle
//!   collector sees), never the Rust value behind a reference count that Python cannot see.
//! - Every object a bridge hands back to Python is checked to belong to the interpreter that
//!   asked (`trampoline_obj`).
//! - A method of a [`Bridge::method_table`] gets `&T` only after the cell's recorded
//!   [`TypeId`] is `T`'s (`typed.rs`), though its descriptor already checked the Python type,
//!   which is made for that one Rust type.

/// What a `std` or `imbl` collection's [`MapLike`] / [`VecLike`] implementation promises
/// about its entries ([`OwnsObjects`]): `alone` for `std`'s, `shared` for `imbl`'s, whose
/// clones share nodes.
macro_rules! owns {
    (alone) => {
        // SAFETY: a `std` map or vector owns its entries alone (no node or buffer is shared
        // with another collection) and gives each once.
        unsafe { OwnsObjects::promise() }
    };
    (shared) => {
        OwnsObjects::NOT
    };
}

/// The C functions `$f::<$t, I>` (or `$f::<I>`) for every index `I` below
/// [`OWN_FUNCTIONS`]: one per entry of a method list or table, so each knows its entry at
/// compile time.
macro_rules! per_index {
    (@ [$f:ident]; $($i:literal)*) => {
        [$($f::<$i> as _),*]
    };
    (@ [$f:ident, $t:ty]; $($i:literal)*) => {
        [$($f::<$t, $i> as _),*]
    };
    ($($f:tt)*) => {
        per_index!(@ [$($f)*];
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63)
    };
}

/// How many entries of a method list or table get a C function of their own ([`per_index`]).
const OWN_FUNCTIONS: usize = 64;

mod class;
mod container;
mod iter;
mod lock;
mod map;
mod method;
mod typed;
mod types;
mod vec;

use std::any::{Any, TypeId};
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use libpython_interp as interp;
use libpython_interp::{RustIdentity, ffi};

use crate::err::{Error, ErrorKind, Result};
use crate::function::{
    Args, trampoline_int, trampoline_next, trampoline_obj, trampoline_obj_in, trampoline_ssize,
    trampoline_void,
};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Borrowed, Bound, Object};

pub use class::ClassBuilder;
pub use iter::IterBridge;
pub use lock::{BridgeLock, BridgeReadGuard, BridgeWriteGuard};
pub use map::{MapBridge, MapLike};
pub use typed::{Method, MethodFn};
pub use vec::{VecBridge, VecLike};

/// The behaviour of a Rust object seen from Python. Every method has a default, so a bridge
/// implements only what it supports; what it does not support raises the `AttributeError` or
/// `TypeError` Python would.
///
/// ```
/// use libpython::{Args, Bridge, Object, Python, Result, ToPython};
/// use std::sync::atomic::{AtomicI64, Ordering};
/// struct Counter(AtomicI64);
/// impl Bridge for Counter {
///     fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
///         match name {
///             "value" => Ok(Some(self.0.load(Ordering::SeqCst).to_python(py)?)),
///             _ => Ok(None),
///         }
///     }
///     fn methods(&self) -> &'static [&'static str] {
///         &["add"]
///     }
///     fn call_method(&self, args: &Args<'_>, name: &str) -> Result<Object> {
///         match name {
///             "add" => (self.0.fetch_add(args.extract(0)?, Ordering::SeqCst) + args.extract::<i64>(0)?).to_python(args.py()),
///             _ => unreachable!("only the names of `methods` arrive here"),
///         }
///     }
/// }
/// let c = std::sync::Arc::new(Counter(AtomicI64::new(7)));
/// let obj = libpython::bridge(c.clone())?;
/// assert_eq!(obj.getattr("value")?.extract::<i64>()?, 7);
/// assert_eq!(obj.call_method("add", (5,))?.extract::<i64>()?, 12);
/// assert!(obj.dir()?.contains(&"add".to_string()));
/// // Bridging the same Rust object again gives the same Python object.
/// assert_eq!(libpython::bridge(c)?.as_ptr(), obj.as_ptr());
/// # Ok::<(), libpython::Error>(())
/// ```
#[allow(clippy::len_without_is_empty)] // `len` is optional (`None`: no length), so is emptiness.
pub trait Bridge: Send + Sync + 'static {
    /// `obj.name`; `Ok(None)` when there is no such attribute.
    ///
    /// A method is better listed in [`methods`](Self::methods) than returned here as a
    /// [`function`](crate::function) that captures an `Arc` of `self`: such a closure keeps the
    /// Rust object alive where Python's cycle collector cannot see it.
    fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
        let _ = (py, name);
        Ok(None)
    }

    /// `obj.name = value`, or `del obj.name` when `value` is `None`.
    fn set_attr(&self, py: Python<'_>, name: &str, value: Option<&Bound<'_>>) -> Result<()> {
        let _ = (py, value);
        Err(Error::from(ErrorKind::NoAttribute {
            type_name: self.type_name().into(),
            name: name.into(),
        }))
    }

    /// Extra names for `dir(obj)` (the names of [`methods`](Self::methods) are added anyway).
    fn dir(&self) -> Vec<String> {
        Vec::new()
    }

    /// The names of the object's methods: `obj.name` is a bound method (which holds `obj`),
    /// and calling it calls [`call_method`](Self::call_method).
    ///
    /// With [`dynamic_attrs`](Self::dynamic_attrs) `false`, the list is read once, when the
    /// object is bridged, and the methods are attributes of the object's Python type: Python
    /// then calls `obj.name(...)` without making a bound method first.
    fn methods(&self) -> &'static [&'static str] {
        &[]
    }

    /// The methods of the Rust type itself, each a [`Method`] with its own function: Python
    /// calls them as it calls a C type's methods, and the function gets `&Self` (no name to
    /// match, no downcast to write). The fastest way to expose methods; [`methods`] and
    /// [`call_method`] are for names known only at run time.
    ///
    /// Read once per type, when the first object of the type is bridged: the methods are
    /// attributes of the object's Python type whatever [`dynamic_attrs`] says, found before
    /// [`get_attr`] is asked; a name also in [`methods`] is the table's. At most 64 methods; a
    /// longer table, or a name with a NUL byte, makes [`bridge`] fail. See [`Method`] for an
    /// example.
    ///
    /// [`methods`]: Self::methods
    /// [`call_method`]: Self::call_method
    /// [`dynamic_attrs`]: Self::dynamic_attrs
    /// [`get_attr`]: Self::get_attr
    fn method_table() -> &'static [Method<Self>]
    where
        Self: Sized,
    {
        &[]
    }

    /// Whether [`get_attr`](Self::get_attr) may answer names of its own (`true`, the
    /// default), read once, when the object is bridged.
    ///
    /// A bridge whose attributes are its [`methods`](Self::methods) only says `false`: its
    /// Python type then holds those methods the way a Python class holds its own, and
    /// Python's attribute lookup is used as it is (`get_attr` is not asked), so a method call
    /// from Python costs about what a method of a C type costs. Names that are not methods
    /// (nor attributes every object has) raise `AttributeError`.
    ///
    /// ```
    /// use libpython::{Args, Bridge, Object, Result, ToPython};
    /// struct Scaler(i64);
    /// impl Bridge for Scaler {
    ///     fn methods(&self) -> &'static [&'static str] {
    ///         &["scale"]
    ///     }
    ///     fn dynamic_attrs(&self) -> bool {
    ///         false
    ///     }
    ///     fn call_method(&self, args: &Args<'_>, name: &str) -> Result<Object> {
    ///         match name {
    ///             "scale" => (args.extract::<i64>(0)? * self.0).to_python(args.py()),
    ///             _ => unreachable!("only the names of `methods` arrive here"),
    ///         }
    ///     }
    /// }
    /// let obj = libpython::bridge(std::sync::Arc::new(Scaler(3)))?;
    /// let f = libpython::eval("lambda s: sum(s.scale(i) for i in range(4))")?;
    /// assert_eq!(f.call((&obj,))?.extract::<i64>()?, 18);
    /// assert!(obj.getattr("size").is_err());
    /// # Ok::<(), libpython::Error>(())
    /// ```
    fn dynamic_attrs(&self) -> bool {
        true
    }

    /// `obj.name(*args, **kwargs)` for a name of [`methods`](Self::methods).
    fn call_method(&self, args: &Args<'_>, name: &str) -> Result<Object> {
        let _ = args;
        Err(Error::from(ErrorKind::NoAttribute {
            type_name: self.type_name().into(),
            name: name.into(),
        }))
    }

    /// `obj(*args, **kwargs)`.
    fn call(&self, args: &Args<'_>) -> Result<Object> {
        let _ = args;
        Err(Error::from(ErrorKind::NotCallable {
            type_name: self.type_name().into(),
        }))
    }

    /// `len(obj)`; `Ok(None)` when the object has no length (it is then always true). A
    /// length beyond `isize::MAX` is Python's `OverflowError`.
    fn len(&self) -> Result<Option<usize>> {
        Ok(None)
    }

    /// `obj[key]`.
    fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
        let _ = (py, key);
        Err(Error::type_error(
            "a subscriptable object",
            self.type_name(),
        ))
    }

    /// `obj[key] = value`, or `del obj[key]` when `value` is `None`.
    fn set_item(&self, py: Python<'_>, key: &Bound<'_>, value: Option<&Bound<'_>>) -> Result<()> {
        let _ = (py, key, value);
        Err(Error::type_error(
            "an object supporting item assignment",
            self.type_name(),
        ))
    }

    /// `key in obj`.
    fn contains(&self, py: Python<'_>, key: &Bound<'_>) -> Result<bool> {
        let _ = (py, key);
        Err(Error::type_error("a container", self.type_name()))
    }

    /// `iter(obj)`: a Python iterator (an [`IterBridge`] converted with
    /// [`ToPython`](crate::ToPython) makes one from a Rust iterator). Not called for a bridge of
    /// kind [`BridgeKind::Iterator`], which is its own iterator. The default refuses, except for
    /// the sequence kinds, which Python then iterates as it iterates any sequence: `obj[0]`,
    /// `obj[1]`, ... until [`get_item`](Self::get_item) raises `IndexError`.
    fn iter(&self, py: Python<'_>) -> Result<Object> {
        let _ = py;
        Err(Error::type_error(NOT_ITERABLE, self.type_name()))
    }

    /// `next(obj)` for a bridge of kind [`BridgeKind::Iterator`]: `Ok(None)` ends the iteration
    /// (Python sees `StopIteration`).
    fn iter_next(&self, py: Python<'_>) -> Result<Option<Object>> {
        let _ = py;
        Err(Error::type_error("an iterator", self.type_name()))
    }

    /// The Python type the object gets and the `collections.abc` class it is registered with
    /// (read once, when the object is bridged). The default is a plain object.
    fn kind(&self) -> BridgeKind {
        BridgeKind::Object
    }

    /// `repr(obj)`.
    fn repr(&self) -> String {
        format!("<{}>", self.type_name())
    }

    /// The name Python shows for the type (in errors and the default repr).
    fn type_name(&self) -> &str {
        "RustObject"
    }

    /// Called when Python deletes the bridge object (its last reference is gone). Must not
    /// panic.
    fn on_python_drop(&self) {}

    /// Reports the Python objects this Rust object holds, so Python's cycle collector can
    /// free cycles that run through it.
    ///
    /// The collector calls it with the GIL held and nothing may wait here: take locks with
    /// `try_lock` and report nothing when one is busy (an object not reported only counts as
    /// referenced from outside, so it is kept, never freed wrongly). It is only called while
    /// the Python object holds the only `Arc` of the Rust object: while Rust code holds
    /// another, what the Rust object holds is reachable from Rust and is kept. Objects of
    /// other interpreters are not passed on to the collector.
    ///
    /// The collector is in the middle of walking its lists: no Python code may run and no
    /// object may be freed here. The library keeps to that whatever this method does: a call
    /// that would run Python code (any method of an [`Object`], [`attach`](crate::attach))
    /// fails with [`interp::Error::CollectorRunning`](libpython_interp::Error::CollectorRunning),
    /// and a handle dropped here releases its reference later, at the next acquisition.
    ///
    /// Reporting is [`Visit::call`], an `unsafe` promise that the object holds the reported
    /// handle alone (see there): the collector cannot check it, and a wrong report makes it
    /// clear objects still in use.
    fn traverse(&self, visit: &mut Visit<'_>) {
        let _ = visit;
    }

    /// Drops the Python objects this Rust object holds (the collector breaking a cycle).
    /// Like [`Bridge::traverse`], only called while the Python object holds the only `Arc`
    /// of the Rust object.
    fn clear(&self) {}
}

/// Where [`Bridge::traverse`] reports the Python objects a bridged Rust object holds, for
/// Python's cycle collector.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use libpython::{Bridge, Object, Visit};
///
/// /// Holds Python callbacks, which may refer back to this object.
/// struct Callbacks(Mutex<Vec<Object>>);
///
/// impl Bridge for Callbacks {
///     fn traverse(&self, visit: &mut Visit<'_>) {
///         // Never wait in a traversal: a busy lock reports nothing this time.
///         if let Ok(held) = self.0.try_lock() {
///             for f in held.iter() {
///                 // SAFETY: each handle is in this object's own vector, shared with no
///                 // other value, and reported once.
///                 unsafe { visit.call(f) };
///             }
///         }
///     }
///
///     fn clear(&self) {
///         let taken = std::mem::take(&mut *self.0.lock().unwrap());
///         drop(taken);
///     }
/// }
///
/// let cb = libpython::bridge(Arc::new(Callbacks(Mutex::new(Vec::new()))))?;
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct Visit<'a> {
    report: &'a mut dyn FnMut(&Object),
}

impl std::fmt::Debug for Visit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Visit")
    }
}

impl<'a> Visit<'a> {
    /// A visit that passes each report to `report`.
    pub(crate) fn new(report: &'a mut dyn FnMut(&Object)) -> Visit<'a> {
        Visit { report }
    }

    /// Reports `obj`, a handle the bridged Rust object holds.
    ///
    /// # Safety
    /// The collector counts each report as one reference that the object holds and that it
    /// may break (by calling [`Bridge::clear`]) when the object is garbage; a report of a
    /// reference the object does not hold makes it clear or free objects still in use. So
    /// `obj` must be a handle the bridged Rust object owns alone, kept by it directly or in
    /// containers only it owns, shared with no other Rust value (not through an `Arc`, the
    /// shared nodes of a persistent collection, or a `static`), and reported at most once in
    /// one traversal.
    #[inline]
    pub unsafe fn call(&mut self, obj: &Object) {
        (self.report)(obj)
    }
}

/// What a bridge instance points at: the Rust object, the [`TypeId`] of its concrete type
/// (recorded by [`bridge_in`], which knows it; downcasts are decided by it alone), and its
/// identity.
struct Cell {
    bridge: Arc<dyn Bridge>,
    /// `bridge`'s object, found once: reaching it through the `Arc` computes its offset from
    /// the type's alignment at every call.
    target: *const dyn Bridge,
    type_id: TypeId,
    identity: RustIdentity,
    /// The method list the instance's type holds (empty for the kinds' shared types): read
    /// once, when the object was bridged.
    methods: &'static [&'static str],
    /// The methods of the Rust type's [`Bridge::method_table`], which its Python type holds.
    typed: &'static [typed::Def],
    /// The interpreter the instance belongs to (where it was made).
    key: interp::InterpKey,
    /// `key`'s queue of references to release, checked at each call.
    hint: interp::gil::DrainHint,
}

impl Cell {
    /// The bridged Rust object, for a call.
    #[inline(always)]
    fn target(&self) -> &dyn Bridge {
        // SAFETY: `target` points into the allocation `bridge` owns, which lives as long as
        // this cell.
        unsafe { &*self.target }
    }
}

/// What the default [`Bridge::iter`] says it expected.
const NOT_ITERABLE: &str = "an iterable";

/// Offset of the cell pointer in an instance: right after the object header (one atomic load:
/// slot functions also run while Python shuts down).
#[inline(always)]
fn cell_offset() -> usize {
    interp::object_header_size()
}

/// Offset of the weak-reference list pointer in an instance: after the cell pointer.
fn weaklist_offset() -> usize {
    cell_offset() + std::mem::size_of::<*mut Cell>()
}

/// # Safety
/// `o` is an instance of the bridge type.
#[inline(always)]
unsafe fn cell_ptr(o: *mut ffi::PyObject) -> *mut *mut Cell {
    // SAFETY: instances are allocated with room for the cell pointer after the header.
    unsafe { o.cast::<u8>().add(cell_offset()).cast::<*mut Cell>() }
}

/// # Safety
/// `o` is an instance of the bridge type; the GIL is held.
unsafe fn cell<'a>(o: *mut ffi::PyObject) -> Result<&'a Cell> {
    // SAFETY: the function's contract.
    unsafe { cell_or_none(o) }.ok_or_else(empty_cell)
}

/// The cell of `o`, `None` for an instance made from Python by calling the type (which has
/// none).
///
/// # Safety
/// As [`cell`].
#[inline(always)]
unsafe fn cell_or_none<'a>(o: *mut ffi::PyObject) -> Option<&'a Cell> {
    // SAFETY: see the function's contract: the slot holds NULL or a cell the instance owns.
    unsafe { (*cell_ptr(o)).as_ref() }
}

/// The error for an instance without a cell: one made from Python by calling the type, which
/// we refuse.
#[cold]
fn empty_cell() -> Error {
    Error::type_error("a bridge made from Rust", "an empty RustObject")
}

/// Runs `body` with the cell of `o` for a slot or method returning an object (see
/// `trampoline_obj_in`: the instance's interpreter is the one its cell records).
///
/// # Safety
/// Called by CPython with the GIL held, `o` a live instance of a bridge type. The call owns a
/// reference to `o` before anything runs (a caller need not hold it: CPython calls a trace
/// function through a borrowed pointer), so the cell borrowed from it outlives the body.
#[inline(always)]
unsafe fn on_cell(
    o: *mut ffi::PyObject,
    body: impl FnOnce(Python<'_>, &Cell) -> Result<Object>,
) -> *mut ffi::PyObject {
    // SAFETY: the function's contract.
    match unsafe { cell_or_none(o) } {
        // SAFETY: as above; the instance belongs to the interpreter its cell records.
        Some(c) => unsafe {
            trampoline_obj_in(c.key, c.hint, move |py| {
                let _keep = Bound::from_borrowed_ptr(py, o);
                body(py, c)
            })
        },
        // SAFETY: as above.
        None => unsafe { trampoline_obj(|_| Err(empty_cell())) },
    }
}

/// [`on_cell`] for a slot returning `int`.
///
/// # Safety
/// As [`on_cell`].
unsafe fn on_cell_int(
    o: *mut ffi::PyObject,
    body: impl FnOnce(Python<'_>, &Cell) -> Result<c_int>,
) -> c_int {
    // SAFETY: the function's contract; `o` is owned for the call, as in `on_cell`.
    unsafe {
        trampoline_int(move |py| {
            let _keep = Bound::from_borrowed_ptr(py, o);
            body(py, cell(o)?)
        })
    }
}

/// The Python type a bridge gets ([`Bridge::kind`]), and the `collections.abc` class that type
/// is registered with, so `isinstance(obj, collections.abc.Mapping)` and friends hold and
/// libraries that check for them (pandas, `dict`, `list`, ...) accept the object.
///
/// Each kind is its own Python type, made once per interpreter and registered with the
/// abstract class there. Registration is a promise to Python code: a bridge of kind
/// [`Mapping`](Self::Mapping) should answer `len`, `[]`, `in`, iteration over its keys and the
/// mixin methods (`keys`, `items`, `values`, `get`), as [`MapBridge`] does; a
/// [`Sequence`](Self::Sequence) `len`, integer `[]`, iteration, `index` and `count`, as
/// [`VecBridge`] does.
///
/// ```
/// use libpython::{Bound, Bridge, BridgeKind, Object, PyErr, Python, Result, ToPython};
/// /// The squares 0, 1, 4, ... as a read-only Python sequence computed on demand.
/// struct Squares(usize);
/// impl Bridge for Squares {
///     fn kind(&self) -> BridgeKind {
///         BridgeKind::Sequence
///     }
///     fn len(&self) -> Result<Option<usize>> {
///         Ok(Some(self.0))
///     }
///     fn get_item(&self, py: Python<'_>, key: &Bound<'_>) -> Result<Object> {
///         // Python passes `obj[-1]` as it is; iteration and `reversed` pass 0..len.
///         let i: isize = key.extract()?;
///         let i = if i < 0 { i + self.0 as isize } else { i };
///         if i < 0 || i as usize >= self.0 {
///             return Err(PyErr::from_value(&py.builtin("IndexError")?).into());
///         }
///         (i * i).to_python(py)
///     }
/// }
/// let sq = libpython::bridge(std::sync::Arc::new(Squares(4)))?;
/// let abc = libpython::import("collections.abc")?;
/// assert!(sq.is_instance(&abc.getattr("Sequence")?)?);
/// // No `iter`: Python iterates it by index, until IndexError.
/// assert_eq!(libpython::builtin("list")?.call((&sq,))?.extract::<Vec<i64>>()?, [0, 1, 4, 9]);
/// assert_eq!(sq.get_item(-1)?.extract::<i64>()?, 9);
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BridgeKind {
    /// A plain object (`libpython.RustObject`), registered with nothing.
    Object,
    /// A read-only mapping (`libpython.RustMapping`), a `collections.abc.Mapping`; `==`
    /// compares it with other mappings as Python's `Mapping` does.
    Mapping,
    /// A writable mapping (`libpython.RustMutableMapping`), a
    /// `collections.abc.MutableMapping` (so a `Mapping` too).
    MutableMapping,
    /// A read-only sequence (`libpython.RustSequence`), a `collections.abc.Sequence`. The
    /// type fills C's sequence slots too, so C code that asks for a sequence
    /// (`PySequence_Check`, numpy's array construction) sees one; `==` compares it with lists
    /// and other bridged sequences, item by item.
    Sequence,
    /// A writable sequence (`libpython.RustMutableSequence`), a
    /// `collections.abc.MutableSequence`; `+=` extends it through its `extend` method.
    MutableSequence,
    /// An iterator (`libpython.RustIterator`), a `collections.abc.Iterator`: `iter(obj)` is
    /// `obj` itself and `next(obj)` calls [`Bridge::iter_next`].
    Iterator,
}

impl BridgeKind {
    fn is_mapping(self) -> bool {
        matches!(self, BridgeKind::Mapping | BridgeKind::MutableMapping)
    }

    fn is_sequence(self) -> bool {
        matches!(self, BridgeKind::Sequence | BridgeKind::MutableSequence)
    }
}

/// Whether `o` is an instance of one of the bridge types (of any kind): they are the only heap
/// types whose deallocation is [`bridge_dealloc`] (they cannot be subclassed).
///
/// # Safety
/// `o` is a live object and the GIL is held.
unsafe fn is_bridge_instance(o: *mut ffi::PyObject) -> bool {
    // SAFETY: see the function's contract; `PyType_GetSlot` is only asked of heap types (3.9
    // refuses static ones).
    unsafe {
        let tp = ffi::Py_TYPE(o);
        (ffi::PyType_GetFlags(tp) & ffi::Py_TPFLAGS_HEAPTYPE as std::ffi::c_ulong) != 0
            && ffi::PyType_GetSlot(tp, ffi::Py_tp_dealloc) == bridge_dealloc as *mut c_void
    }
}

/// Exposes `obj` to Python: attribute access, methods, calls, items, iteration and `dir`
/// forward to its [`Bridge`] methods. The same Rust object (the same `Arc`) always gives the
/// same Python object while that one is alive.
pub fn bridge<T: Bridge>(obj: Arc<T>) -> Result<Object> {
    with_gil(|py| bridge_in(py, obj))
}

/// [`bridge`] under a held GIL.
pub fn bridge_in<T: Bridge>(py: Python<'_>, obj: Arc<T>) -> Result<Object> {
    let identity = RustIdentity::of(&obj);
    let state = interp::lookup(py.interpreter_key())
        .ok_or_else(|| Error::from(interp::Error::InterpreterEnded))?;
    // SAFETY: the GIL of this interpreter is held.
    let existing = unsafe { state.bridge_get(identity) };
    if !existing.is_null() {
        // SAFETY: a new strong reference to a live bridge object of this interpreter.
        return Ok(unsafe { Object::from_owned_ptr(py, existing) });
    }
    let static_methods = (!obj.dynamic_attrs()).then(|| obj.methods());
    let typed = typed::typed_defs::<T>()?;
    let tp = types::bridge_type(py, obj.kind(), static_methods, typed)?;
    // SAFETY: GIL held; `tp` is our heap type; the fresh instance is zeroed (its weak list
    // too) and gets its cell before anything else can see it.
    unsafe {
        let o = Object::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(tp.as_ptr().cast(), 0))?;
        let bridge = obj as Arc<dyn Bridge>;
        let cell = Box::new(Cell {
            target: Arc::as_ptr(&bridge),
            bridge,
            type_id: TypeId::of::<T>(),
            identity,
            methods: static_methods.unwrap_or_default(),
            typed: typed.map_or(&[], |t| t.defs),
            key: py.interpreter_key(),
            hint: interp::gil::DrainHint::of_state(&state),
        });
        *cell_ptr(o.as_ptr()) = Box::into_raw(cell);
        // The type supports weak references; its deallocation forgets the entry.
        if !state.bridge_insert(identity, o.as_ptr()) {
            return Err(crate::err::fetch(py));
        }
        Ok(o)
    }
}

/// The Rust object behind a bridge made by [`bridge`], if `obj` is one and the object bridged
/// was a `T` (decided by the type recorded when it was bridged).
///
/// ```
/// use std::sync::Arc;
/// struct A;
/// impl libpython::Bridge for A {}
/// struct B;
/// impl libpython::Bridge for B {}
/// let a = Arc::new(A);
/// let obj = libpython::bridge(a.clone())?;
/// assert!(Arc::ptr_eq(&libpython::bridged::<A>(&obj)?.unwrap(), &a));
/// assert!(libpython::bridged::<B>(&obj)?.is_none());
/// # Ok::<(), libpython::Error>(())
/// ```
pub fn bridged<T: Bridge>(obj: &Object) -> Result<Option<Arc<T>>> {
    obj.with(|b| {
        // SAFETY: live object, GIL held.
        if !unsafe { is_bridge_instance(b.as_ptr()) } {
            return Ok(None);
        }
        // SAFETY: an instance of the bridge type.
        let c = unsafe { cell(b.as_ptr())? };
        if c.type_id != TypeId::of::<T>() {
            return Ok(None);
        }
        let raw = Arc::into_raw(c.bridge.clone()).cast::<T>();
        // SAFETY: `bridge_in::<T>` made this cell from an `Arc<T>` and recorded `T`'s TypeId,
        // which is the one asked for: the trait object's data pointer is that `Arc<T>`'s, so
        // the pointer taken from a clone of it (one strong count) goes back to an `Arc<T>`.
        Ok(Some(unsafe { Arc::from_raw(raw) }))
    })
}

unsafe extern "C" fn bridge_dealloc(o: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: CPython deallocates an instance of our type with the GIL held; it is
        // untracked first, its weak references cleared, its cell taken out (dropping the Rust
        // object, possibly the last reference), its memory freed through the type's
        // `tp_free`, and the reference every heap-type instance holds on its type is released
        // last.
        unsafe {
            ffi::PyObject_GC_UnTrack(o.cast());
            let weaklist = o
                .cast::<u8>()
                .add(weaklist_offset())
                .cast::<*mut ffi::PyObject>();
            if !(*weaklist).is_null() {
                ffi::PyObject_ClearWeakRefs(o);
            }
            let c = std::mem::replace(&mut *cell_ptr(o), std::ptr::null_mut());
            if !c.is_null() {
                let c = Box::from_raw(c);
                if let Some(state) = interp::interp_state_for_raw(ffi::PyInterpreterState_Get()) {
                    state.bridge_forget(c.identity, o);
                }
                // The Rust side runs in a panic guard of its own (reported as unraisable), so
                // a panic there never skips freeing the instance and releasing its type below.
                trampoline_void(move || {
                    c.target().on_python_drop();
                    drop(c);
                });
            }
            crate::rust_type::free_instance(o);
        }
    });
}

/// Whether the collector may look into (or clear) the Rust object behind `cell`: only while
/// the Python object holds its only strong reference. Another `Arc` means Rust code can still
/// reach what the object holds, which is then no garbage whatever Python sees.
fn collectable(cell: &Cell) -> bool {
    Arc::strong_count(&cell.bridge) == 1
}

unsafe extern "C" fn bridge_traverse(
    o: *mut ffi::PyObject,
    visit: ffi::visitproc,
    arg: *mut c_void,
) -> c_int {
    // The collector calls this with the GIL held and no Python code may run here, nor may an
    // object be freed: the bridge's `traverse` runs as a collector traversal, where both are
    // refused or put off. A panic in it is caught (it must not unwind into the collector)
    // and the object reports what it got to.
    let mut rc = 0;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: `o` is a live instance of the bridge type (the collector only traverses
        // tracked live objects); its cell is read, not changed.
        let c = unsafe { *cell_ptr(o) };
        if c.is_null() {
            return;
        }
        // SAFETY: a non-null cell points at the instance's live `Cell`.
        let c = unsafe { &*c };
        if !collectable(c) {
            return;
        }
        let report = |here: interp::InterpKey| {
            let mut to_collector = |obj: &Object| {
                // Another interpreter's object is not this collector's to count.
                if rc == 0 && obj.interpreter_key() == here {
                    // SAFETY: `visit` is the collector's callback for this traversal; `obj`
                    // is a live object of this interpreter that the bridge holds (which
                    // `Visit::call`'s caller promised).
                    rc = unsafe { visit(obj.as_ptr(), arg) };
                }
            };
            c.target().traverse(&mut Visit::new(&mut to_collector));
        };
        // SAFETY: the collector runs with this interpreter's GIL held by this thread. The
        // bridge's code runs as a traversal: it can run no Python code and free nothing.
        unsafe { interp::gil::collector_traversal(report) };
    }));
    if r.is_err() {
        eprintln!(
            "libpython: a Bridge::traverse implementation panicked; the panic was stopped at the C boundary"
        );
    }
    rc
}

unsafe extern "C" fn bridge_clear(o: *mut ffi::PyObject) -> c_int {
    trampoline_void(|| {
        // SAFETY: called by the collector with the GIL held on a live instance; its cell is
        // read, not changed.
        let c = unsafe { *cell_ptr(o) };
        // SAFETY: a non-null cell points at the instance's live `Cell`.
        if let Some(c) = unsafe { c.as_ref() }
            && collectable(c)
        {
            c.target().clear();
        }
    });
    0
}

/// The text of an attribute name passed to `tp_getattro`, read in place (no copy): the str is
/// immutable, and its UTF-8 form is cached in it for its life.
///
/// # Safety
/// The GIL is held; `name` is a live object that the caller keeps alive for as long as the
/// result is used (the slot owns a reference to it for the call).
unsafe fn attr_name<'a>(py: Python<'_>, name: *mut ffi::PyObject) -> Result<&'a str> {
    let mut n: ffi::Py_ssize_t = 0;
    // SAFETY: see the function's contract; a non-str raises TypeError, fetched at once.
    unsafe {
        let p = ffi::PyUnicode_AsUTF8AndSize(name, &mut n);
        if p.is_null() {
            return Err(crate::err::fetch(py));
        }
        Ok(std::str::from_utf8_unchecked(std::slice::from_raw_parts(
            p.cast::<u8>(),
            n as usize,
        )))
    }
}

unsafe extern "C" fn bridge_getattro(
    o: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and a str name.
    unsafe {
        on_cell(o, |py, c| {
            // Owned for the call: a caller need not hold the name, and `n` borrows its text.
            let _name = Bound::from_borrowed_ptr(py, name);
            let n = attr_name(py, name)?;
            // The Rust type's own methods are attributes of its Python type.
            if c.typed.iter().any(|d| d.name == n) {
                return Object::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetAttr(o, name));
            }
            if let Some(m) = c.target().methods().iter().find(|m| **m == n) {
                return method::bound(py, o, m);
            }
            if let Some(v) = c.target().get_attr(py, n)? {
                return Ok(v);
            }
            Object::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetAttr(o, name))
        })
    }
}

unsafe extern "C" fn bridge_call(
    o: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held; `args` is a tuple, `kwargs` NULL or a dict.
    unsafe {
        on_cell(o, |py, c| {
            crate::function::with_tuple_args(py, args, kwargs, |a| c.target().call(a))
        })
    }
}

unsafe extern "C" fn bridge_repr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        on_cell(o, |py, c| {
            crate::conversion::to_object(&c.target().repr(), py)
        })
    }
}

unsafe extern "C" fn bridge_iter(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        on_cell(o, |py, c| {
            match c.target().iter(py) {
                // A sequence without an iterator of its own is iterated by index, as Python
                // iterates any sequence.
                Err(e)
                    if matches!(e.kind(), ErrorKind::Type { expected, .. } if expected == NOT_ITERABLE)
                        && c.target().kind().is_sequence() =>
                {
                    Object::from_owned_ptr_or_err(py, ffi::PySeqIter_New(o))
                }
                r => r,
            }
        })
    }
}

unsafe extern "C" fn bridge_iter_self(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance, which gains a reference.
    unsafe { trampoline_obj(|py| Ok(Object::from_borrowed_ptr(py, o))) }
}

unsafe extern "C" fn bridge_iternext(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance, owned for the call (see
    // `on_cell`).
    unsafe {
        trampoline_next(|py| {
            let _keep = Bound::from_borrowed_ptr(py, o);
            cell(o)?.target().iter_next(py)
        })
    }
}

unsafe extern "C" fn bridge_sq_item(
    o: *mut ffi::PyObject,
    i: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance (a negative index was
    // already counted from the end, with the length from `sq_length`).
    unsafe {
        on_cell(o, |py, c| {
            let key = crate::conversion::to_object(&i, py)?;
            c.target().get_item(py, key.bound(py))
        })
    }
}

/// `==` and `!=`: of the mapping kinds (`MAPPING`) as `collections.abc.Mapping` defines them,
/// equal to another mapping with the same items (`dict(a.items()) == dict(b.items())`); of the
/// sequence kinds equal to a `list`, or another bridged sequence, with equal items in the same
/// order (as a list compares; a tuple is never equal to a list).
unsafe extern "C" fn bridge_richcompare<const MAPPING: bool>(
    o: *mut ffi::PyObject,
    other: *mut ffi::PyObject,
    op: c_int,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and a live object.
    unsafe {
        trampoline_obj(|py| {
            let not_implemented = || Ok(Object::from_borrowed_ptr(py, ffi::Py_NotImplemented()));
            if op != ffi::Py_EQ && op != ffi::Py_NE {
                return not_implemented();
            }
            // Owned for the call (see `on_cell`): a caller need not hold them, and the
            // comparison runs Python code.
            let (me, other) = (
                Bound::from_borrowed_ptr(py, o),
                Bound::from_borrowed_ptr(py, other),
            );
            let comparable = if MAPPING {
                other.is_instance(&py.import("collections.abc")?.getattr("Mapping")?.unbind())?
            } else {
                ffi::PyList_Check(other.as_ptr())
                    || (is_bridge_instance(other.as_ptr())
                        && cell(other.as_ptr())?.target().kind().is_sequence())
            };
            if !comparable {
                return not_implemented();
            }
            // Both sides as dicts of their items, or as lists.
            let (a, b) = if MAPPING {
                let dict = py.builtin("dict")?;
                let (a, b) = (
                    me.call_method("items", ())?,
                    other.call_method("items", ())?,
                );
                (dict.call((a,))?, dict.call((b,))?)
            } else {
                let list = py.builtin("list")?;
                (list.call((&me,))?, list.call((&other,))?)
            };
            let eq = a.eq_py(&b)?;
            crate::conversion::to_object(&(eq == (op == ffi::Py_EQ)), py)
        })
    }
}

/// `obj += items` for the mutable sequence kind: `obj.extend(items)`, then `obj` itself, as
/// `collections.abc.MutableSequence.__iadd__`.
unsafe extern "C" fn bridge_inplace_add(
    o: *mut ffi::PyObject,
    other: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and a live object.
    unsafe {
        trampoline_obj(|py| {
            // Owned for the call (see `on_cell`): `extend` runs Python code, which may drop
            // what a caller lent.
            let me = Bound::from_borrowed_ptr(py, o);
            me.call_method("extend", (&Bound::from_borrowed_ptr(py, other),))?;
            Ok(me.unbind())
        })
    }
}

unsafe extern "C" fn bridge_len(o: *mut ffi::PyObject) -> ffi::Py_ssize_t {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        trampoline_ssize(|py| {
            // Owned for the call (see `on_cell`).
            let _keep = Bound::from_borrowed_ptr(py, o);
            let c = cell(o)?;
            match c.target().len()? {
                Some(n) => ffi::Py_ssize_t::try_from(n)
                    .map_err(|_| Error::overflow("a Python length (Py_ssize_t)", n.to_string())),
                None => Err(Error::type_error(
                    "an object with a length",
                    c.target().type_name(),
                )),
            }
        })
    }
}

unsafe extern "C" fn bridge_bool(o: *mut ffi::PyObject) -> c_int {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        on_cell_int(o, |_py, c| {
            Ok(c.target().len()?.is_none_or(|n| n > 0) as c_int)
        })
    }
}

unsafe extern "C" fn bridge_getitem(
    o: *mut ffi::PyObject,
    key: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and key.
    unsafe {
        on_cell(o, |py, c| {
            // Owned for the call, as `o` (see `on_cell`): the bridge's code may run Python.
            c.target().get_item(py, &Bound::from_borrowed_ptr(py, key))
        })
    }
}

/// `obj.key = value` (`tp_setattro`, `ATTR`) or `obj[key] = value` (`mp_ass_subscript`), or
/// the deletion when `value` is NULL.
unsafe extern "C" fn bridge_set<const ATTR: bool>(
    o: *mut ffi::PyObject,
    key: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
) -> c_int {
    // SAFETY: called by CPython with the GIL held on a live instance and key; `value` is NULL
    // or a live object.
    unsafe {
        on_cell_int(o, |py, c| {
            // Owned for the call, as `o` (see `on_cell`): the bridge's code may run Python.
            let key = Bound::from_borrowed_ptr(py, key);
            let v = (!value.is_null()).then(|| Bound::from_borrowed_ptr(py, value));
            if ATTR {
                let name = crate::conversion::str_to_string(&key)?;
                c.target().set_attr(py, &name, v.as_ref())
            } else {
                c.target().set_item(py, &key, v.as_ref())
            }
            .map(|()| 0)
        })
    }
}

unsafe extern "C" fn bridge_contains(o: *mut ffi::PyObject, key: *mut ffi::PyObject) -> c_int {
    // SAFETY: called by CPython with the GIL held on a live instance and key.
    unsafe {
        on_cell_int(o, |py, c| {
            // Owned for the call, as `o` (see `on_cell`): the bridge's code may run Python.
            let key = Bound::from_borrowed_ptr(py, key);
            c.target().contains(py, &key).map(c_int::from)
        })
    }
}

unsafe extern "C" fn bridge_dir(
    o: *mut ffi::PyObject,
    _unused: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance (METH_NOARGS).
    unsafe {
        on_cell(o, |py, c| {
            let base = py.builtins()?.getattr("object")?.getattr("__dir__")?;
            let mut names: Vec<String> = base.call((&*Borrowed::from_ptr(py, o),))?.extract()?;
            names.extend(c.target().dir());
            names.extend(c.target().methods().iter().map(|m| m.to_string()));
            names.sort();
            names.dedup();
            crate::conversion::to_object(&names, py)
        })
    }
}

/// Whether items of type `T` in a bridged container can hold Python objects the cycle
/// collector must see: [`Object`], `Option<Object>`, `Vec<Object>` and [`Value`] (its
/// [`Value::Object`]s). Other types are opaque to the bridge.
///
/// [`Value`]: crate::value::Value
/// [`Value::Object`]: crate::value::Value::Object
fn holds_objects<T: 'static>() -> bool {
    let t = TypeId::of::<T>();
    t == TypeId::of::<Object>()
        || t == TypeId::of::<Option<Object>>()
        || t == TypeId::of::<Vec<Object>>()
        || is_value(t)
}

/// Whether `t` is [`Value`](crate::value::Value)'s (never, without the `value` feature).
fn is_value(t: TypeId) -> bool {
    #[cfg(feature = "value")]
    return t == TypeId::of::<crate::value::Value>();
    #[cfg(not(feature = "value"))]
    {
        let _ = t;
        false
    }
}

/// Reports to `visit` each Python object `item` holds in a handle of its own (see
/// [`holds_objects`]): an [`Object`], `Option<Object>`, `Vec<Object>`, or a
/// [`Value::Object`](crate::value::Value::Object). The objects inside a `Value`'s lists and
/// dicts are not reported: those are persistent collections, whose nodes other values may
/// share, so a handle there may not be `item`'s alone (a cycle through one is not freed).
///
/// # Safety
/// `item` is owned alone by a container that the bridged object owns alone, which gives each
/// item once (see [`OwnsObjects`]).
unsafe fn visit_objects(item: &dyn Any, visit: &mut Visit<'_>) {
    // SAFETY: each call reports a handle kept directly by `item` (or its vector), which is
    // owned alone (the function's contract).
    unsafe {
        if let Some(o) = item.downcast_ref::<Object>() {
            visit.call(o);
        } else if let Some(Some(o)) = item.downcast_ref::<Option<Object>>() {
            visit.call(o);
        } else if let Some(v) = item.downcast_ref::<Vec<Object>>() {
            v.iter().for_each(|o| visit.call(o));
        } else {
            #[cfg(feature = "value")]
            if let Some(crate::value::Value::Object(o)) = item.downcast_ref::<crate::value::Value>()
            {
                visit.call(o);
            }
        }
    }
}

/// Whether a [`MapLike`] or [`VecLike`] owns its entries alone, so a bridge of it may report
/// the Python objects in them to the cycle collector: made by [`NOT`](Self::NOT), the
/// default, or by the `unsafe` [`promise`](Self::promise). `std`'s `HashMap`, `BTreeMap` and
/// `Vec` make the promise; `imbl`'s persistent collections do not (their clones share
/// nodes), so a cycle through one of those is not freed.
#[derive(Debug, Clone, Copy)]
pub struct OwnsObjects(bool);

impl OwnsObjects {
    /// The container does not promise to own its entries alone: its objects are not reported.
    pub const NOT: OwnsObjects = OwnsObjects(false);

    /// The promise.
    ///
    /// # Safety
    /// Every entry (key, value, item) is owned by the container alone while it holds it,
    /// shared with no other value (not through an `Arc`, the shared nodes of a persistent
    /// collection, or a `static`), and `map_entries` / `vec_get` give each entry once.
    pub const unsafe fn promise() -> OwnsObjects {
        OwnsObjects(true)
    }

    /// Whether the promise was made.
    pub(crate) fn made(self) -> bool {
        self.0
    }
}

/// Python's `IndexError` with `msg`.
fn index_error(py: Python<'_>, msg: &std::ffi::CStr) -> Error {
    // SAFETY: GIL held; IndexError raised and fetched at once.
    unsafe {
        ffi::PyErr_SetString(*ffi::data::PyExc_IndexError(), msg.as_ptr());
        crate::err::fetch(py)
    }
}

/// Python's `KeyError(key)`.
fn key_error(key: &Bound<'_>) -> Error {
    let py = key.py();
    // SAFETY: GIL held; KeyError(key) is raised and fetched at once.
    unsafe {
        ffi::PyErr_SetObject(*ffi::data::PyExc_KeyError(), key.as_ptr());
        crate::err::fetch(py)
    }
}
