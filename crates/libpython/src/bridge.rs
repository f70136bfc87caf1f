//! Rust objects exposed to Python (the seed's `JVMBridge`): a trait for the object's
//! behaviour, one Python type per interpreter that forwards to it, a per-interpreter map so a
//! Rust object bridged twice is the same Python object, ready-made bridges for Rust maps and
//! vectors, and Python classes made from Rust.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_int, c_void};
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use libpython_interp as interp;
use libpython_interp::ffi;

use crate::conv::{FromPython, ToPython};
use crate::err::{Error, Result, fetch};
use crate::function::{
    Args, function_in, trampoline_int, trampoline_obj, trampoline_ssize, trampoline_void,
};
use crate::gil::{Python, with_gil};
use crate::object::{Bound, Object};

/// The behaviour of a Rust object seen from Python. Every method has a default, so a bridge
/// implements only what it supports; what it does not support raises the `AttributeError` or
/// `TypeError` Python would.
///
/// ```
/// use libpython::{Bridge, Object, Python, Result};
/// struct Counter(std::sync::atomic::AtomicI64);
/// impl Bridge for Counter {
///     fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
///         match name {
///             "value" => Ok(Some(libpython::ToPython::to_python(&self.0.load(std::sync::atomic::Ordering::SeqCst), py)?)),
///             _ => Ok(None),
///         }
///     }
///     fn dir(&self) -> Vec<String> { vec!["value".into()] }
///     fn wrapped(&self) -> &dyn std::any::Any { self }
/// }
/// let c = std::sync::Arc::new(Counter(7.into()));
/// let obj = libpython::bridge(c.clone())?;
/// assert_eq!(obj.getattr("value")?.extract::<i64>()?, 7);
/// assert!(obj.dir()?.contains(&"value".to_string()));
/// // Bridging the same Rust object again gives the same Python object.
/// assert_eq!(libpython::bridge(c)?.as_ptr(), obj.as_ptr());
/// # Ok::<(), libpython::Error>(())
/// ```
#[allow(clippy::len_without_is_empty)] // `len` is optional (`None`: no length), so is emptiness.
pub trait Bridge: Send + Sync + 'static {
    /// `obj.name`; `Ok(None)` when there is no such attribute.
    fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
        let _ = (py, name);
        Ok(None)
    }

    /// `obj.name = value`, or `del obj.name` when `value` is `None`.
    fn set_attr(&self, py: Python<'_>, name: &str, value: Option<Bound<'_>>) -> Result<()> {
        let _ = (py, value);
        Err(Error::NoAttribute {
            type_name: self.type_name().into(),
            name: name.into(),
        })
    }

    /// Extra names for `dir(obj)`.
    fn dir(&self) -> Vec<String> {
        Vec::new()
    }

    /// `obj(*args, **kwargs)`.
    fn call(&self, args: &Args<'_>) -> Result<Object> {
        let _ = args;
        Err(Error::NotCallable {
            type_name: self.type_name().into(),
        })
    }

    /// `len(obj)`; `None` when the object has no length (it is then always true).
    fn len(&self) -> Option<usize> {
        None
    }

    /// `obj[key]`.
    fn get_item(&self, py: Python<'_>, key: Bound<'_>) -> Result<Object> {
        let _ = (py, key);
        Err(Error::type_error(
            "a subscriptable object",
            self.type_name(),
        ))
    }

    /// `obj[key] = value`, or `del obj[key]` when `value` is `None`.
    fn set_item(&self, py: Python<'_>, key: Bound<'_>, value: Option<Bound<'_>>) -> Result<()> {
        let _ = (py, key, value);
        Err(Error::type_error(
            "an object supporting item assignment",
            self.type_name(),
        ))
    }

    /// `key in obj`.
    fn contains(&self, py: Python<'_>, key: Bound<'_>) -> Result<bool> {
        let _ = (py, key);
        Err(Error::type_error("a container", self.type_name()))
    }

    /// `iter(obj)`: a Python iterator.
    fn iter(&self, py: Python<'_>) -> Result<Object> {
        let _ = py;
        Err(Error::type_error("an iterable", self.type_name()))
    }

    /// `repr(obj)`.
    fn repr(&self) -> String {
        format!("<{}>", self.type_name())
    }

    /// The name Python shows for the type (in errors and the default repr).
    fn type_name(&self) -> &str {
        "RustObject"
    }

    /// The wrapped Rust object, for downcasting.
    fn wrapped(&self) -> &dyn Any;

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
    fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        let _ = visit;
    }

    /// Drops the Python objects this Rust object holds (the collector breaking a cycle).
    /// Like [`Bridge::traverse`], only called while the Python object holds the only `Arc`
    /// of the Rust object.
    fn clear(&self) {}
}

/// What a bridge instance points at.
struct Cell {
    bridge: Arc<dyn Bridge>,
    identity: usize,
}

const TYPE_SLOT: &str = "libpython.RustObject";

/// Offset of the cell pointer in an instance: right after the object header.
fn cell_offset() -> usize {
    interp::started()
        .map(|s| s.object_header_size)
        .unwrap_or(16)
}

/// # Safety
/// `o` is an instance of the bridge type.
unsafe fn cell_ptr(o: *mut ffi::PyObject) -> *mut *mut Cell {
    // SAFETY: instances are allocated with room for one pointer after the header.
    unsafe { o.cast::<u8>().add(cell_offset()).cast::<*mut Cell>() }
}

/// # Safety
/// `o` is an instance of the bridge type; the GIL is held.
unsafe fn cell<'a>(o: *mut ffi::PyObject) -> Result<&'a Cell> {
    // SAFETY: see the function's contract; a NULL cell means an instance made from Python
    // by calling the type, which we refuse.
    unsafe {
        let c = *cell_ptr(o);
        if c.is_null() {
            return Err(Error::type_error(
                "a bridge made from Rust",
                "an empty RustObject",
            ));
        }
        Ok(&*c)
    }
}

/// The bridge type of `py`'s interpreter, made on first use.
fn bridge_type(py: Python<'_>) -> Result<*mut ffi::PyObject> {
    let state = interp::lookup(py.interpreter_key())
        .ok_or(Error::Interp(interp::Error::InterpreterEnded))?;
    if let Some(t) = state.slot(TYPE_SLOT) {
        return Ok(t);
    }
    static METHODS: SyncDefs<2> = SyncDefs([
        ffi::PyMethodDef {
            ml_name: c"__dir__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunction: bridge_dir,
            },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: c"The attributes of the Rust object and of its type.".as_ptr(),
        },
        ffi::PyMethodDef::zeroed(),
    ]);
    let basicsize = (cell_offset() + std::mem::size_of::<*mut Cell>()) as c_int;
    let mut slots = [
        slot(ffi::Py_tp_dealloc, bridge_dealloc as *mut c_void),
        slot(ffi::Py_tp_getattro, bridge_getattro as *mut c_void),
        slot(ffi::Py_tp_setattro, bridge_setattro as *mut c_void),
        slot(ffi::Py_tp_call, bridge_call as *mut c_void),
        slot(ffi::Py_tp_repr, bridge_repr as *mut c_void),
        slot(ffi::Py_tp_iter, bridge_iter as *mut c_void),
        slot(ffi::Py_tp_traverse, bridge_traverse as *mut c_void),
        slot(ffi::Py_tp_clear, bridge_clear as *mut c_void),
        slot(ffi::Py_mp_length, bridge_len as *mut c_void),
        slot(ffi::Py_mp_subscript, bridge_getitem as *mut c_void),
        slot(ffi::Py_mp_ass_subscript, bridge_setitem as *mut c_void),
        slot(ffi::Py_sq_contains, bridge_contains as *mut c_void),
        slot(ffi::Py_nb_bool, bridge_bool as *mut c_void),
        slot(ffi::Py_tp_methods, METHODS.0.as_ptr() as *mut c_void),
        slot(
            ffi::Py_tp_doc,
            c"A Rust object seen from Python.".as_ptr() as *mut c_void,
        ),
        slot(0, std::ptr::null_mut()),
    ];
    let mut spec = ffi::PyType_Spec {
        name: c"libpython.RustObject".as_ptr(),
        basicsize,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_HAVE_GC) as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: GIL held; the spec and slots are read during the call only (the method table is
    // static).
    let t = unsafe { Object::from_owned_ptr_or_err(py, ffi::PyType_FromSpec(&mut spec))? };
    let t = t.into_ptr();
    // SAFETY: `t` is an owned reference of this interpreter.
    match unsafe { state.set_slot(TYPE_SLOT, t) } {
        Ok(()) => Ok(t),
        Err(existing) => {
            // SAFETY: our extra type is released; GIL held.
            unsafe { ffi::Py_DecRef(t) };
            Ok(existing)
        }
    }
}

struct SyncDefs<const N: usize>([ffi::PyMethodDef; N]);
// SAFETY: the definitions are immutable static data (pointers to static strings and
// functions), read by CPython only.
unsafe impl<const N: usize> Sync for SyncDefs<N> {}

fn slot(slot: c_int, pfunc: *mut c_void) -> ffi::PyType_Slot {
    ffi::PyType_Slot { slot, pfunc }
}

/// Exposes `obj` to Python: attribute access, calls, items, iteration and `dir` forward to
/// its [`Bridge`] methods. The same Rust object (the same `Arc`) always gives the same Python
/// object while that one is alive.
pub fn bridge<T: Bridge>(obj: Arc<T>) -> Result<Object> {
    with_gil(|py| bridge_in(py, obj))
}

/// [`bridge`] under a held GIL.
pub fn bridge_in<T: Bridge>(py: Python<'_>, obj: Arc<T>) -> Result<Object> {
    let identity = Arc::as_ptr(&obj) as *const () as usize;
    let state = interp::lookup(py.interpreter_key())
        .ok_or(Error::Interp(interp::Error::InterpreterEnded))?;
    if let Some(existing) = state.bridges().get(&identity) {
        // SAFETY: entries are removed by the bridge's deallocation, which runs under the GIL
        // we hold, so the object is alive.
        return Ok(unsafe { Object::from_borrowed_ptr(py, *existing as *mut ffi::PyObject) });
    }
    let tp = bridge_type(py)?;
    // SAFETY: GIL held; `tp` is our heap type; the fresh instance is zeroed and gets its cell
    // before anything else can see it.
    unsafe {
        let o = Object::from_owned_ptr_or_err(py, ffi::PyType_GenericAlloc(tp.cast(), 0))?;
        let cell = Box::new(Cell {
            bridge: obj as Arc<dyn Bridge>,
            identity,
        });
        *cell_ptr(o.as_ptr()) = Box::into_raw(cell);
        state.bridges().insert(identity, o.as_ptr() as usize);
        Ok(o)
    }
}

/// The Rust object behind a bridge made by [`bridge`], if `obj` is one and wraps a `T`.
pub fn bridged<T: Bridge>(obj: &Object) -> Result<Option<Arc<T>>> {
    obj.with(|b| {
        let py = b.py();
        let tp = bridge_type(py)?;
        // SAFETY: live object, GIL held.
        if unsafe { ffi::Py_TYPE(b.as_ptr()) } != tp.cast() {
            return Ok(None);
        }
        // SAFETY: an instance of the bridge type.
        let c = unsafe { cell(b.as_ptr())? };
        if c.bridge.wrapped().is::<T>() {
            let raw = Arc::into_raw(c.bridge.clone()).cast::<T>();
            // SAFETY: the wrapped object is a `T` (checked above) and bridges wrap themselves
            // (`wrapped` returns `self`), so the `Arc<dyn Bridge>` points at a `T`.
            Ok(Some(unsafe { Arc::from_raw(raw) }))
        } else {
            Ok(None)
        }
    })
}

unsafe extern "C" fn bridge_dealloc(o: *mut ffi::PyObject) {
    trampoline_void(|| {
        // SAFETY: CPython deallocates an instance of our type with the GIL held; it is
        // untracked first, its cell taken out (dropping the Rust object, possibly the last
        // reference), its memory freed through the type's `tp_free`, and the reference every
        // heap-type instance holds on its type is released last.
        unsafe {
            ffi::PyObject_GC_UnTrack(o.cast());
            let c = std::mem::replace(&mut *cell_ptr(o), std::ptr::null_mut());
            if !c.is_null() {
                let c = Box::from_raw(c);
                if let Some(state) = interp::interp_state_for_raw(ffi::PyInterpreterState_Get()) {
                    state
                        .bridges()
                        .remove_if(&c.identity, |_, v| *v == o as usize);
                }
                // The Rust side runs in a panic guard of its own (reported as unraisable), so
                // a panic there never skips freeing the instance and releasing its type below.
                trampoline_void(move || {
                    c.bridge.on_python_drop();
                    drop(c);
                });
            }
            let tp = ffi::Py_TYPE(o);
            let free = ffi::PyType_GetSlot(tp, ffi::Py_tp_free);
            if !free.is_null() {
                let free: unsafe extern "C" fn(*mut c_void) = std::mem::transmute(free);
                free(o.cast());
            }
            ffi::Py_DecRef(tp.cast());
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
    // The collector calls this with the GIL held and no Python code may run here; none does:
    // the bridge only reports the objects it holds. A panic in the bridge's `traverse` is
    // caught (it must not unwind into the collector) and the object reports what it got to.
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
        // SAFETY: the collector runs with this interpreter's GIL held by this thread.
        let guard = unsafe { interp::gil::assume() };
        let here = guard.key();
        c.bridge.traverse(&mut |obj: &Object| {
            // Another interpreter's object is not this collector's to count.
            if rc == 0 && obj.interpreter_key() == here {
                // SAFETY: `visit` is the collector's callback for this traversal; `obj` is a
                // live object of this interpreter that the bridge holds.
                rc = unsafe { visit(obj.as_ptr(), arg) };
            }
        });
        drop(guard);
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
            c.bridge.clear();
        }
    });
    0
}

unsafe extern "C" fn bridge_getattro(
    o: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and a str name.
    unsafe {
        trampoline_obj(|py| {
            let c = cell(o)?;
            let n = crate::conv::str_to_string(Bound::from_borrowed_ptr(py, name))?;
            if let Some(v) = c.bridge.get_attr(py, &n)? {
                return Ok(v);
            }
            Object::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetAttr(o, name))
        })
    }
}

unsafe extern "C" fn bridge_setattro(
    o: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
) -> c_int {
    // SAFETY: called by CPython with the GIL held; `value` is NULL for a deletion.
    unsafe {
        trampoline_int(|py| {
            let c = cell(o)?;
            let n = crate::conv::str_to_string(Bound::from_borrowed_ptr(py, name))?;
            let v = (!value.is_null()).then(|| Bound::from_borrowed_ptr(py, value));
            c.bridge.set_attr(py, &n, v).map(|()| 0)
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
        trampoline_obj(|py| {
            let c = cell(o)?;
            crate::function::with_tuple_args(py, args, kwargs, |a| c.bridge.call(a))
        })
    }
}

unsafe extern "C" fn bridge_repr(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe { trampoline_obj(|py| cell(o)?.bridge.repr().to_python(py)) }
}

unsafe extern "C" fn bridge_iter(o: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe { trampoline_obj(|py| cell(o)?.bridge.iter(py)) }
}

unsafe extern "C" fn bridge_len(o: *mut ffi::PyObject) -> ffi::Py_ssize_t {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe {
        trampoline_ssize(|_py| {
            let c = cell(o)?;
            match c.bridge.len() {
                Some(n) => Ok(n as ffi::Py_ssize_t),
                None => Err(Error::type_error(
                    "an object with a length",
                    c.bridge.type_name(),
                )),
            }
        })
    }
}

unsafe extern "C" fn bridge_bool(o: *mut ffi::PyObject) -> c_int {
    // SAFETY: called by CPython with the GIL held on a live instance.
    unsafe { trampoline_int(|_py| Ok(cell(o)?.bridge.len().is_none_or(|n| n > 0) as c_int)) }
}

unsafe extern "C" fn bridge_getitem(
    o: *mut ffi::PyObject,
    key: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance and key.
    unsafe {
        trampoline_obj(|py| {
            cell(o)?
                .bridge
                .get_item(py, Bound::from_borrowed_ptr(py, key))
        })
    }
}

unsafe extern "C" fn bridge_setitem(
    o: *mut ffi::PyObject,
    key: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
) -> c_int {
    // SAFETY: called by CPython with the GIL held; `value` is NULL for a deletion.
    unsafe {
        trampoline_int(|py| {
            let v = (!value.is_null()).then(|| Bound::from_borrowed_ptr(py, value));
            cell(o)?
                .bridge
                .set_item(py, Bound::from_borrowed_ptr(py, key), v)
                .map(|()| 0)
        })
    }
}

unsafe extern "C" fn bridge_contains(o: *mut ffi::PyObject, key: *mut ffi::PyObject) -> c_int {
    // SAFETY: called by CPython with the GIL held on a live instance and key.
    unsafe {
        trampoline_int(|py| {
            cell(o)?
                .bridge
                .contains(py, Bound::from_borrowed_ptr(py, key))
                .map(c_int::from)
        })
    }
}

unsafe extern "C" fn bridge_dir(
    o: *mut ffi::PyObject,
    _unused: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held on a live instance (METH_NOARGS).
    unsafe {
        trampoline_obj(|py| {
            let c = cell(o)?;
            let base = py
                .builtins()?
                .bound(py)
                .getattr("object")?
                .bound(py)
                .getattr("__dir__")?;
            let mut names: Vec<String> = base
                .bound(py)
                .call((Bound::from_borrowed_ptr(py, o),))?
                .bound(py)
                .extract()?;
            names.extend(c.bridge.dir());
            names.sort();
            names.dedup();
            names.to_python(py)
        })
    }
}

/// Takes a bridged container's lock for a call from Python (`attempt` tries once). While
/// another thread holds it, this thread waits with the GIL released, but it only ever takes
/// the lock while holding the GIL, retrying after short pauses (it never blocks inside the
/// lock while detached): so no thread can take the lock, or queue for it, while a collection
/// runs, and every traversal of one collection sees the same contents.
fn lock_attached<G>(mut attempt: impl FnMut() -> Option<G>) -> G {
    let mut pause = std::time::Duration::from_micros(20);
    loop {
        if let Some(g) = attempt() {
            return g;
        }
        interp::allow_threads(|| std::thread::sleep(pause));
        pause = (pause * 2).min(std::time::Duration::from_millis(2));
    }
}

/// Reads a lock without holding the GIL while waiting (see [`lock_attached`]).
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock_attached(|| try_read(lock))
}

/// Writes a lock without holding the GIL while waiting (see [`lock_attached`]).
fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock_attached(|| try_write(lock))
}

/// Whether items of type `T` in a bridged container can hold Python objects the cycle
/// collector must see: [`Object`], `Option<Object>` and `Vec<Object>`. (A [`Value`] holds
/// none; other types are opaque to the bridge.)
///
/// [`Value`]: crate::value::Value
fn holds_objects<T: 'static>() -> bool {
    let t = TypeId::of::<T>();
    t == TypeId::of::<Object>()
        || t == TypeId::of::<Option<Object>>()
        || t == TypeId::of::<Vec<Object>>()
}

/// Calls `visit` on each Python object `item` holds (see [`holds_objects`]).
fn visit_objects(item: &dyn Any, visit: &mut dyn FnMut(&Object)) {
    if let Some(o) = item.downcast_ref::<Object>() {
        visit(o);
    } else if let Some(Some(o)) = item.downcast_ref::<Option<Object>>() {
        visit(o);
    } else if let Some(v) = item.downcast_ref::<Vec<Object>>() {
        v.iter().for_each(visit);
    }
}

/// Locks for reading without waiting (the collector must not wait): `None` while a writer
/// holds the lock. A poisoned lock is read as it is.
fn try_read<T>(lock: &RwLock<T>) -> Option<std::sync::RwLockReadGuard<'_, T>> {
    match lock.try_read() {
        Ok(g) => Some(g),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// As [`try_read`], for writing.
fn try_write<T>(lock: &RwLock<T>) -> Option<std::sync::RwLockWriteGuard<'_, T>> {
    match lock.try_write() {
        Ok(g) => Some(g),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// A Rust map that [`MapBridge`] can show to Python as a mapping.
pub trait MapLike: Send + Sync + 'static {
    /// The key type.
    type Key: FromPython + ToPython;
    /// The value type.
    type Value: FromPython + ToPython;
    /// Number of entries.
    fn map_len(&self) -> usize;
    /// The value of `k`.
    fn map_get(&self, k: &Self::Key) -> Option<&Self::Value>;
    /// Inserts or replaces.
    fn map_insert(&mut self, k: Self::Key, v: Self::Value);
    /// Removes; whether it was there.
    fn map_remove(&mut self, k: &Self::Key) -> bool;
    /// Every key.
    fn map_keys(&self) -> Vec<&Self::Key>;
    /// Empties the map and returns what it held, for the cycle collector breaking a cycle
    /// through a [`MapBridge`] whose keys or values are Python objects (the entries are
    /// dropped once the map's lock is released). `None` (the default): not supported, the
    /// entries stay and such a cycle is not freed.
    fn map_take(&mut self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

macro_rules! map_like {
    ($($t:ident)::+, $($bound:tt)*) => {
        impl<K, V> MapLike for $($t)::+<K, V>
        where
            K: FromPython + ToPython + Send + Sync + 'static + $($bound)*,
            V: FromPython + ToPython + Send + Sync + Clone + 'static,
        {
            type Key = K;
            type Value = V;
            fn map_len(&self) -> usize { self.len() }
            fn map_get(&self, k: &K) -> Option<&V> { self.get(k) }
            fn map_insert(&mut self, k: K, v: V) { self.insert(k, v); }
            fn map_remove(&mut self, k: &K) -> bool { self.remove(k).is_some() }
            fn map_keys(&self) -> Vec<&K> { self.keys().collect() }
            fn map_take(&mut self) -> Option<Self> { Some(std::mem::take(self)) }
        }
    };
}

map_like!(HashMap, Eq + Hash);
map_like!(BTreeMap, Ord);
map_like!(imbl::HashMap, Eq + Hash + Clone);
map_like!(imbl::OrdMap, Ord + Clone);

/// A Rust map shared with Python as a mapping: `len`, `[]`, `in`, iteration over keys,
/// `keys()`, `values()`, `items()`, `get()`, so `dict(x)` and `json.dumps(dict(x))` work.
/// Writes from Python (`x[k] = v`, `del x[k]`) change the Rust map, which Rust sees through
/// [`MapBridge::map`].
///
/// When the keys or values are Python objects ([`Object`], `Option<Object>`, `Vec<Object>`)
/// the bridge reports them to Python's cycle collector, so a cycle through the map (a value
/// that refers back to the bridged map) is freed once only Python holds the map; the
/// collector breaks it by emptying the map ([`MapLike::map_take`]). While Rust holds an `Arc`
/// of the bridge the map's objects are kept.
///
/// ```
/// use std::collections::HashMap;
/// let m = libpython::MapBridge::new(HashMap::from([("a".to_string(), 1i64)]));
/// let py_m = libpython::bridge(m.clone())?;
/// let g = libpython::Dict::from_pairs([("m", &py_m)])?;
/// libpython::exec("m['b'] = m['a'] + 1\nimport json\ns = json.dumps(dict(m), sort_keys=True)", &g)?;
/// assert_eq!(g.get_as::<String>("s")?.unwrap(), r#"{"a": 1, "b": 2}"#);
/// assert_eq!(m.map().read().unwrap()["b"], 2);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct MapBridge<M: MapLike> {
    map: RwLock<M>,
    read_only: bool,
}

impl<M: MapLike> std::fmt::Debug for MapBridge<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

impl<M: MapLike> MapBridge<M> {
    /// A writable bridge over `map`.
    pub fn new(map: M) -> Arc<Self> {
        Arc::new(MapBridge {
            map: RwLock::new(map),
            read_only: false,
        })
    }

    /// A bridge over `map` that refuses writes from Python (for persistent `imbl` values).
    pub fn read_only(map: M) -> Arc<Self> {
        Arc::new(MapBridge {
            map: RwLock::new(map),
            read_only: true,
        })
    }

    /// The shared map.
    pub fn map(&self) -> &RwLock<M> {
        &self.map
    }

    fn keys_list(&self, py: Python<'_>) -> Result<Object> {
        let m = read(&self.map);
        crate::conv::list_from_iter(py, m.map_len(), m.map_keys().into_iter())
    }
}

impl<M: MapLike> Bridge for MapBridge<M> {
    fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
        let me: Arc<Self> = match bridged_self::<Self>(py, self) {
            Some(a) => a,
            None => return Ok(None),
        };
        let f = match name {
            "keys" => function_in(py, "keys", None, move |a: &Args<'_>| me.keys_list(a.py()))?,
            "values" => function_in(py, "values", None, move |a: &Args<'_>| {
                let m = read(&me.map);
                let vals: Vec<&M::Value> = m
                    .map_keys()
                    .into_iter()
                    .filter_map(|k| m.map_get(k))
                    .collect();
                crate::conv::list_from_iter(a.py(), vals.len(), vals.into_iter())
            })?,
            "items" => function_in(py, "items", None, move |a: &Args<'_>| {
                let m = read(&me.map);
                let items: Vec<(&M::Key, &M::Value)> = m
                    .map_keys()
                    .into_iter()
                    .filter_map(|k| m.map_get(k).map(|v| (k, v)))
                    .collect();
                let pairs: Vec<Object> = items
                    .iter()
                    .map(|(k, v)| (*k, *v).to_python(a.py()))
                    .collect::<Result<_>>()?;
                pairs.to_python(a.py())
            })?,
            "get" => function_in(py, "get", None, move |a: &Args<'_>| {
                let k: M::Key = a.extract(0)?;
                match read(&me.map).map_get(&k) {
                    Some(v) => v.to_python(a.py()),
                    None => Ok(a
                        .get(1)
                        .map(|d| d.to_object())
                        .unwrap_or_else(|| a.py().none())),
                }
            })?,
            _ => return Ok(None),
        };
        Ok(Some(f))
    }

    fn dir(&self) -> Vec<String> {
        ["keys", "values", "items", "get"]
            .map(String::from)
            .to_vec()
    }

    fn len(&self) -> Option<usize> {
        Some(read(&self.map).map_len())
    }

    fn get_item(&self, py: Python<'_>, key: Bound<'_>) -> Result<Object> {
        let k = M::Key::from_python(key).map_err(|_| key_error(key))?;
        match read(&self.map).map_get(&k) {
            Some(v) => v.to_python(py),
            None => Err(key_error(key)),
        }
    }

    fn set_item(&self, _py: Python<'_>, key: Bound<'_>, value: Option<Bound<'_>>) -> Result<()> {
        if self.read_only {
            return Err(Error::type_error(
                "a writable mapping",
                "read-only Rust map",
            ));
        }
        let k = M::Key::from_python(key)?;
        match value {
            Some(v) => {
                let v = M::Value::from_python(v)?;
                write(&self.map).map_insert(k, v);
                Ok(())
            }
            None => {
                if write(&self.map).map_remove(&k) {
                    Ok(())
                } else {
                    Err(key_error(key))
                }
            }
        }
    }

    fn contains(&self, _py: Python<'_>, key: Bound<'_>) -> Result<bool> {
        match M::Key::from_python(key) {
            Ok(k) => Ok(read(&self.map).map_get(&k).is_some()),
            Err(_) => Ok(false),
        }
    }

    fn iter(&self, py: Python<'_>) -> Result<Object> {
        self.keys_list(py)?.bound(py).iter()
    }

    fn repr(&self) -> String {
        format!("<Rust map with {} entries>", read(&self.map).map_len())
    }

    fn type_name(&self) -> &str {
        "RustMap"
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        let (keys, values) = (holds_objects::<M::Key>(), holds_objects::<M::Value>());
        if !keys && !values {
            return;
        }
        // A map locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(m) = try_read(&self.map) else { return };
        for k in m.map_keys() {
            if keys {
                visit_objects(k, visit);
            }
            if values && let Some(v) = m.map_get(k) {
                visit_objects(v, visit);
            }
        }
    }

    fn clear(&self) {
        if !holds_objects::<M::Key>() && !holds_objects::<M::Value>() {
            return;
        }
        // The entries are dropped after the lock is released: dropping them can run Python
        // code (a `__del__`) that uses this map again.
        let taken = try_write(&self.map).and_then(|mut m| m.map_take());
        drop(taken);
    }

    fn wrapped(&self) -> &dyn Any {
        self
    }
}

/// The `Arc` of a bridge by its address, from the interpreter's bridge map.
fn bridged_self<T: Bridge>(py: Python<'_>, me: &T) -> Option<Arc<T>> {
    let identity = me as *const T as *const () as usize;
    let state = interp::lookup(py.interpreter_key())?;
    let p = *state.bridges().get(&identity)?;
    // SAFETY: the map's entries are live instances (removed on deallocation, under the GIL).
    let obj = unsafe { Object::from_borrowed_ptr(py, p as *mut ffi::PyObject) };
    bridged::<T>(&obj).ok().flatten()
}

fn key_error(key: Bound<'_>) -> Error {
    let py = key.py();
    // SAFETY: GIL held; KeyError(key) is raised and fetched at once.
    unsafe {
        ffi::PyErr_SetObject(*ffi::data::PyExc_KeyError(), key.as_ptr());
        fetch(py)
    }
}

/// A Rust vector that [`VecBridge`] can show to Python as a sequence.
pub trait VecLike: Send + Sync + 'static {
    /// The item type.
    type Item: FromPython + ToPython;
    /// Number of items.
    fn vec_len(&self) -> usize;
    /// Item `i`.
    fn vec_get(&self, i: usize) -> Option<&Self::Item>;
    /// Replaces item `i`.
    fn vec_set(&mut self, i: usize, v: Self::Item);
    /// Appends.
    fn vec_push(&mut self, v: Self::Item);
    /// Empties the vector and returns what it held, for the cycle collector breaking a cycle
    /// through a [`VecBridge`] whose items are Python objects (the items are dropped once the
    /// vector's lock is released). `None` (the default): not supported, the items stay and
    /// such a cycle is not freed.
    fn vec_take(&mut self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

impl<T: FromPython + ToPython + Send + Sync + 'static> VecLike for Vec<T> {
    type Item = T;
    fn vec_len(&self) -> usize {
        self.len()
    }
    fn vec_get(&self, i: usize) -> Option<&T> {
        self.get(i)
    }
    fn vec_set(&mut self, i: usize, v: T) {
        self[i] = v;
    }
    fn vec_push(&mut self, v: T) {
        self.push(v);
    }
    fn vec_take(&mut self) -> Option<Self> {
        Some(std::mem::take(self))
    }
}

impl<T: FromPython + ToPython + Send + Sync + Clone + 'static> VecLike for imbl::Vector<T> {
    type Item = T;
    fn vec_len(&self) -> usize {
        self.len()
    }
    fn vec_get(&self, i: usize) -> Option<&T> {
        self.get(i)
    }
    fn vec_set(&mut self, i: usize, v: T) {
        self.set(i, v);
    }
    fn vec_push(&mut self, v: T) {
        self.push_back(v);
    }
    fn vec_take(&mut self) -> Option<Self> {
        Some(std::mem::take(self))
    }
}

/// A Rust vector shared with Python as a sequence: `len`, `[i]` (negative indexes too),
/// `x[i] = v`, `in`, iteration, `append`, so `list(x)` works.
///
/// When the items are Python objects ([`Object`], `Option<Object>`, `Vec<Object>`) the
/// bridge reports them to Python's cycle collector, so a cycle through the vector (an item
/// that refers back to the bridged vector) is freed once only Python holds the vector; the
/// collector breaks it by emptying the vector ([`VecLike::vec_take`]). While Rust holds an
/// `Arc` of the bridge the vector's objects are kept.
///
/// ```
/// let v = libpython::VecBridge::new(vec![1i64, 2, 3]);
/// let py_v = libpython::bridge(v.clone())?;
/// let g = libpython::Dict::from_pairs([("v", &py_v)])?;
/// libpython::exec("v.append(v[-1] * 10)\nl = list(v)\nhas = 30 in v", &g)?;
/// assert_eq!(g.get_as::<Vec<i64>>("l")?.unwrap(), [1, 2, 3, 30]);
/// assert_eq!(g.get_as::<bool>("has")?, Some(true));
/// assert_eq!(*v.vec().read().unwrap(), [1, 2, 3, 30]);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct VecBridge<V: VecLike> {
    vec: RwLock<V>,
    read_only: bool,
}

impl<V: VecLike> std::fmt::Debug for VecBridge<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.repr())
    }
}

impl<V: VecLike> VecBridge<V> {
    /// A writable bridge over `vec`.
    pub fn new(vec: V) -> Arc<Self> {
        Arc::new(VecBridge {
            vec: RwLock::new(vec),
            read_only: false,
        })
    }

    /// A bridge over `vec` that refuses writes from Python.
    pub fn read_only(vec: V) -> Arc<Self> {
        Arc::new(VecBridge {
            vec: RwLock::new(vec),
            read_only: true,
        })
    }

    /// The shared vector.
    pub fn vec(&self) -> &RwLock<V> {
        &self.vec
    }

    /// The items as a new Python list (the lock is released when it returns).
    fn to_list(&self, py: Python<'_>) -> Result<Object> {
        let v = read(&self.vec);
        let items: Vec<&V::Item> = (0..v.vec_len()).filter_map(|i| v.vec_get(i)).collect();
        crate::conv::list_from_iter(py, items.len(), items.into_iter())
    }

    fn index(&self, key: Bound<'_>) -> Result<usize> {
        let i: isize = key.extract()?;
        let n = read(&self.vec).vec_len() as isize;
        let j = if i < 0 { i + n } else { i };
        if (0..n).contains(&j) {
            Ok(j as usize)
        } else {
            // SAFETY: GIL held; IndexError raised and fetched at once.
            unsafe {
                ffi::PyErr_SetString(
                    *ffi::data::PyExc_IndexError(),
                    c"index out of range".as_ptr(),
                );
                Err(fetch(key.py()))
            }
        }
    }
}

impl<V: VecLike> Bridge for VecBridge<V> {
    fn get_attr(&self, py: Python<'_>, name: &str) -> Result<Option<Object>> {
        if name != "append" {
            return Ok(None);
        }
        let Some(me) = bridged_self::<Self>(py, self) else {
            return Ok(None);
        };
        Ok(Some(function_in(
            py,
            "append",
            None,
            move |a: &Args<'_>| {
                if me.read_only {
                    return Err(Error::type_error(
                        "a writable sequence",
                        "read-only Rust vector",
                    ));
                }
                let v: V::Item = a.extract(0)?;
                write(&me.vec).vec_push(v);
                Ok(())
            },
        )?))
    }

    fn dir(&self) -> Vec<String> {
        vec!["append".into()]
    }

    fn len(&self) -> Option<usize> {
        Some(read(&self.vec).vec_len())
    }

    fn get_item(&self, py: Python<'_>, key: Bound<'_>) -> Result<Object> {
        let i = self.index(key)?;
        match read(&self.vec).vec_get(i) {
            Some(v) => v.to_python(py),
            None => Err(Error::Conversion("index out of range".into())),
        }
    }

    fn set_item(&self, _py: Python<'_>, key: Bound<'_>, value: Option<Bound<'_>>) -> Result<()> {
        if self.read_only {
            return Err(Error::type_error(
                "a writable sequence",
                "read-only Rust vector",
            ));
        }
        let i = self.index(key)?;
        match value {
            Some(v) => {
                let v = V::Item::from_python(v)?;
                write(&self.vec).vec_set(i, v);
                Ok(())
            }
            None => Err(Error::type_error(
                "a sequence supporting deletion",
                "Rust vector",
            )),
        }
    }

    fn contains(&self, _py: Python<'_>, key: Bound<'_>) -> Result<bool> {
        // Compared outside the lock: `__eq__` is Python code, which may use this vector.
        let items = self.to_list(key.py())?;
        items.bound(key.py()).contains(key)
    }

    fn iter(&self, py: Python<'_>) -> Result<Object> {
        self.to_list(py)?.bound(py).iter()
    }

    fn repr(&self) -> String {
        format!("<Rust vector of {} items>", read(&self.vec).vec_len())
    }

    fn type_name(&self) -> &str {
        "RustVector"
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Object)) {
        if !holds_objects::<V::Item>() {
            return;
        }
        // A vector locked for writing reports nothing this time: its objects then count as
        // referenced from outside and are kept.
        let Some(v) = try_read(&self.vec) else { return };
        for i in 0..v.vec_len() {
            if let Some(item) = v.vec_get(i) {
                visit_objects(item, visit);
            }
        }
    }

    fn clear(&self) {
        if !holds_objects::<V::Item>() {
            return;
        }
        // The items are dropped after the lock is released: dropping them can run Python
        // code (a `__del__`) that uses this vector again.
        let taken = try_write(&self.vec).and_then(|mut v| v.vec_take());
        drop(taken);
    }

    fn wrapped(&self) -> &dyn Any {
        self
    }
}

type Method = Box<dyn Fn(&Args<'_>) -> Result<Object> + Send + Sync>;
type Attr = Box<dyn Fn(Python<'_>) -> Result<Object>>;

/// Builds a Python class from Rust: a name, base classes, attributes, and methods that are
/// Rust closures (their first positional argument is `self`).
///
/// ```
/// use libpython::{Args, ClassBuilder};
/// let point = ClassBuilder::new("Point")
///     .method("norm2", |a: &Args<'_>| {
///         let me = a.get(0).unwrap();
///         let (x, y): (f64, f64) = (me.getattr("x")?.extract()?, me.getattr("y")?.extract()?);
///         Ok(x * x + y * y)
///     })
///     .attr("dims", 2)
///     .build()?;
/// let p = point.call0()?;
/// p.setattr("x", 3.0)?;
/// p.setattr("y", 4.0)?;
/// assert_eq!(p.call_method("norm2", ())?.extract::<f64>()?, 25.0);
/// assert_eq!(p.getattr("dims")?.extract::<i64>()?, 2);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct ClassBuilder {
    name: String,
    doc: Option<String>,
    bases: Vec<Object>,
    methods: Vec<(String, Method)>,
    attrs: Vec<(String, Attr)>,
}

impl std::fmt::Debug for ClassBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ClassBuilder {
    /// A class named `name`, deriving from `object`.
    pub fn new(name: &str) -> Self {
        ClassBuilder {
            name: name.into(),
            doc: None,
            bases: Vec::new(),
            methods: Vec::new(),
            attrs: Vec::new(),
        }
    }

    /// Adds a base class.
    pub fn base(mut self, base: &Object) -> Self {
        self.bases.push(base.clone());
        self
    }

    /// The class docstring.
    pub fn doc(mut self, doc: &str) -> Self {
        self.doc = Some(doc.into());
        self
    }

    /// Adds a method; `args.get(0)` is the instance.
    pub fn method<R: ToPython>(
        mut self,
        name: &str,
        f: impl Fn(&Args<'_>) -> Result<R> + Send + Sync + 'static,
    ) -> Self {
        self.methods.push((
            name.into(),
            Box::new(move |a: &Args<'_>| f(a)?.to_python(a.py())),
        ));
        self
    }

    /// Adds a class attribute.
    pub fn attr<V: ToPython + Clone + 'static>(mut self, name: &str, value: V) -> Self {
        self.attrs
            .push((name.into(), Box::new(move |py| value.to_python(py))));
        self
    }

    /// Creates the class (`type(name, bases, namespace)`).
    pub fn build(self) -> Result<Object> {
        with_gil(|py| {
            let ns = crate::Dict::new_in(py)?;
            if let Some(d) = &self.doc {
                ns.insert("__doc__", d)?;
            }
            let partialmethod = py.import("functools")?.bound(py).getattr("partialmethod")?;
            for (name, f) in self.methods {
                let func = function_in(py, &name, None, move |a: &Args<'_>| f(a))?;
                ns.insert(name.as_str(), partialmethod.bound(py).call((func,))?)?;
            }
            for (name, v) in self.attrs {
                ns.insert(name.as_str(), v(py)?)?;
            }
            let bases: Vec<Object> = if self.bases.is_empty() {
                vec![py.builtins()?.bound(py).getattr("object")?]
            } else {
                self.bases
            };
            let bases = crate::conv::list_from_iter(py, bases.len(), bases.iter())?;
            // SAFETY: GIL held; converting the list of bases into a tuple.
            let bases = unsafe {
                Object::from_owned_ptr_or_err(py, ffi::PySequence_Tuple(bases.as_ptr()))?
            };
            let type_ = py.builtins()?.bound(py).getattr("type")?;
            type_.bound(py).call((self.name.as_str(), bases, ns))
        })
    }
}
