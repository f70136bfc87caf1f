//! Python iterators as Rust iterators: [`Iter`] takes the GIL for each step, [`BoundIter`]
//! runs under a held one (and reads exact lists and tuples by index), [`Extracted`] converts
//! each item as it is read.

use std::marker::PhantomData;

use libpython_interp::ffi;

use crate::conversion::{FromPython, SEALED, index};
use crate::err::{Result, fetch};
use crate::object::{Borrowed, Bound, Object};

/// A Python iterator as a Rust [`Iterator`] of `Result<Object>` ([`Object::try_iter`]); an
/// exception raised by `__next__` is yielded once, then the iteration ends. Each step takes the
/// GIL (under a held GIL, [`Bound::try_iter`] gives a [`BoundIter`] that does not).
///
/// ```
/// let it = libpython::eval("range(3)")?.try_iter()?;
/// let v: Vec<i64> = it.map(|x| x?.extract()).collect::<libpython::Result<_>>()?;
/// assert_eq!(v, [0, 1, 2]);
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug)]
pub struct Iter {
    it: Object,
    done: bool,
}

impl Iter {
    /// `iter(obj)`.
    ///
    /// # Errors
    /// `TypeError` when the object is not iterable.
    pub fn new(obj: &Object) -> Result<Iter> {
        obj.try_iter()
    }

    pub(crate) fn from_bound(it: BoundIter<'_>) -> Result<Iter> {
        Ok(Iter {
            it: it.into_object()?,
            done: false,
        })
    }

    /// The Python iterator object.
    pub fn as_object(&self) -> &Object {
        &self.it
    }
}

impl Iterator for Iter {
    type Item = Result<Object>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        step(
            &mut self.done,
            self.it
                .with(|b| next_item(b.as_borrowed()).map(|o| o.map(Bound::unbind))),
        )
    }
}

/// The next item of an iterator from `next(it)`'s result, the iterator `done` after the end
/// or after an error (yielded once).
fn step<T>(done: &mut bool, next: Result<Option<T>>) -> Option<Result<T>> {
    let item = next.transpose();
    *done = !matches!(item, Some(Ok(_)));
    item
}

/// `next(it)`: `None` at the end. Takes the iterator by value, so that a Rust iterator that
/// calls it does not give away its own address.
#[inline(never)]
fn next_item<'py>(it: Borrowed<'_, 'py>) -> Result<Option<Bound<'py>>> {
    let py = it.py();
    // SAFETY: a live iterator, GIL held; a new reference or NULL (the end, or an exception).
    unsafe {
        let n = ffi::PyIter_Next(it.as_ptr());
        if n.is_null() {
            if ffi::PyErr_Occurred().is_null() {
                Ok(None)
            } else {
                Err(fetch(py))
            }
        } else {
            Ok(Some(Bound::from_owned_ptr(py, n)))
        }
    }
}

/// `PyList_GetItemRef`, as the API table gives it.
type GetItemRef = unsafe extern "C" fn(*mut ffi::PyObject, ffi::Py_ssize_t) -> *mut ffi::PyObject;

/// Item `i` of `list`, an exact list of a free-threaded build (the cursor's `list_ref`), as a
/// strong reference taken by `get` (`PyList_GetItemRef`: safe against other threads changing
/// the list); `None` past its end.
#[inline]
fn list_item_ref<'py>(
    list: Borrowed<'_, 'py>,
    i: ffi::Py_ssize_t,
    get: GetItemRef,
) -> Option<Bound<'py>> {
    let py = list.py();
    // SAFETY: `get` is the running interpreter's `PyList_GetItemRef` (the cursor took it from
    // the API table), called on a live list of the interpreter this thread is attached to
    // (its `'py`); the result is a new reference, or NULL with `IndexError` set (the only
    // error for a list), which is the end.
    unsafe {
        let item = get(list.as_ptr(), i);
        if item.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(Bound::from_owned_ptr(py, item))
    }
}

/// A Python iterator under a held GIL, as a Rust [`Iterator`] of `Result<Bound>`
/// ([`Bound::try_iter`]); an exception raised by `__next__` is yielded once, then the
/// iteration ends.
///
/// ```
/// libpython::attach(|py| {
///     let mut total = 0i64;
///     for x in py.eval("range(5)")?.try_iter()? {
///         total += x?.extract::<i64>()?;
///     }
///     assert_eq!(total, 10);
///     Ok(())
/// })?;
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug)]
pub struct BoundIter<'py> {
    /// What is read: an exact `list` or `tuple`, read by index as its own iterator reads it
    /// (on a free-threaded build, a list's items by `PyList_GetItemRef`), else the Python
    /// iterator (`iter(obj)`).
    owner: Owner<'py>,
    /// Where the reading is.
    at: Cursor,
}

/// The strong reference an iterator reads from. Its release is one out-of-line call that
/// takes the pointer by value, so the clean-up of an iterator dropped by a panic is small
/// enough to be inlined where it is needed and does not take the iterator's address: a loop
/// over the iterator then keeps its cursor in registers.
#[derive(Debug)]
struct Owner<'py>(std::mem::ManuallyDrop<Bound<'py>>);

impl<'py> Owner<'py> {
    fn new(obj: Bound<'py>) -> Self {
        Owner(std::mem::ManuallyDrop::new(obj))
    }

    /// The reference, as a handle.
    fn into_bound(self) -> Bound<'py> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: the handle is moved out of a value that is never dropped.
        unsafe { std::ptr::read(&*this.0) }
    }
}

impl<'py> std::ops::Deref for Owner<'py> {
    type Target = Bound<'py>;

    #[inline(always)]
    fn deref(&self) -> &Bound<'py> {
        &self.0
    }
}

impl Drop for Owner<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the owner's reference, given up; its `'py` proves this thread holds the GIL
        // of the object's interpreter.
        unsafe { release_owner(self.0.as_ptr()) }
    }
}

/// Releases an [`Owner`]'s reference.
///
/// # Safety
/// `p` is a live object whose reference the caller gives up, with the GIL of its interpreter
/// held.
#[inline(never)]
unsafe fn release_owner(p: *mut ffi::PyObject) {
    // SAFETY: forwarded contract.
    unsafe { ffi::Py_DECREF(p) }
}

/// Where a [`BoundIter`] is in its sequence or iterator.
///
/// Plain data in separate fields (no enum with payloads, whose variants would share memory):
/// a loop over the iterator then keeps all of it in registers.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    /// How the items are read. (`Reading::Iterator`, and `Reading::List` on a free-threaded
    /// build, go with a `None` layout; deriving the one from the other, or keeping
    /// list-or-tuple as a `bool`, measured two instructions more per item in the typed loop.)
    by: Reading,
    /// The layout of lists and tuples (`Some` when read by index).
    layout: Option<ffi::SeqLayout>,
    /// A tuple's size (read once: a tuple never changes).
    len: ffi::Py_ssize_t,
    /// The index of the next item (read by index), or how many items the Python iterator gave
    /// (for the position of a conversion error).
    next: ffi::Py_ssize_t,
    /// Whether the Python iterator ended or failed.
    done: bool,
    /// For an exact `list` of a free-threaded build (read without a layout): the
    /// `PyList_GetItemRef` that takes each item, as a strong reference (another thread may
    /// change the list at any time; measured cheaper than a critical section per item).
    /// [`Cursor::advance`] answers [`Step::Iterator`] for it, and the item is read by this
    /// function ([`list_item_ref`]), so the loops over lists and tuples of GIL builds do not
    /// carry it. Taken from the API table once: loading it at every item cost 9 instructions
    /// an item. `None` otherwise.
    list_ref: Option<GetItemRef>,
}

/// How a [`BoundIter`] reads its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// An exact `list`, item by item the way `list.__iter__` reads it (the size checked before
    /// each item, so a list changed by the loop's body is followed as Python's own loop follows
    /// it): in place, without a call per item, with a layout; on a free-threaded build by the
    /// cursor's `list_ref`.
    List,
    /// An exact `tuple`.
    Tuple,
    /// Through the Python iterator, until it ends or fails.
    Iterator,
}

/// What [`Cursor::advance`] found.
enum Step {
    /// Item `at` of the sequence, borrowed from it.
    Borrowed(*mut ffi::PyObject, ffi::Py_ssize_t),
    /// The end.
    End,
    /// Ask the Python iterator.
    Iterator,
}

impl Cursor {
    /// Moves past what [`list_item_ref`] read (`Some`), or to the end (`None`, where a list
    /// iterator stays whatever the list becomes).
    #[inline(always)]
    fn list_ref_step<R>(&mut self, read: Option<R>) -> Option<R> {
        match read {
            Some(_) => self.next += 1,
            None => {
                self.next = ffi::Py_ssize_t::MAX;
                self.done = true;
            }
        }
        read
    }

    /// The next item of `p`, the owner, when read by index.
    ///
    /// # Safety
    /// `p` is the live owner this cursor was made for, the GIL held.
    #[inline(always)]
    unsafe fn advance(&mut self, p: *mut ffi::PyObject) -> Step {
        let Some(layout) = self.layout else {
            return if self.done { Step::End } else { Step::Iterator };
        };
        let at = self.next;
        // SAFETY: `layout` is the running interpreter's, `p` a live exact list (or tuple, of
        // size `len`); the index is below the size read just before.
        unsafe {
            if self.by == Reading::List {
                if at >= layout.size(p) {
                    // Like the list's own iterator, one that reached the end stays there (one
                    // past the size, whatever the list becomes).
                    self.next = ffi::Py_ssize_t::MAX;
                    return Step::End;
                }
                self.next = at + 1;
                Step::Borrowed(layout.list_item(p, at), at)
            } else {
                if at >= self.len {
                    return Step::End;
                }
                self.next = at + 1;
                Step::Borrowed(layout.tuple_item(p, at), at)
            }
        }
    }
}

impl<'py> BoundIter<'py> {
    /// `iter(obj)`: an exact `list` or `tuple` whose layout this build reads inline is read by
    /// index (its Python iterator is made only if [`into_object`](Self::into_object) asks for
    /// it), anything else through `iter(obj)`.
    pub(crate) fn new(obj: &Bound<'py>) -> Result<BoundIter<'py>> {
        let p = obj.as_ptr();
        let mut at = Cursor {
            by: Reading::Iterator,
            layout: None,
            len: 0,
            next: 0,
            done: false,
            list_ref: None,
        };
        // SAFETY: a live object, GIL held; a tuple's size is read from a live exact tuple
        // (which never changes: the layout for reading under a critical section reads it
        // without one).
        unsafe {
            match (ffi::seq_layout(), ffi::locked_seq_layout()) {
                (Some(layout), _) if ffi::PyList_CheckExact(p) => {
                    at.by = Reading::List;
                    at.layout = Some(layout);
                }
                (None, Some(_))
                    if ffi::PyList_CheckExact(p) && ffi::api().PyList_GetItemRef.is_some() =>
                {
                    at.by = Reading::List;
                    at.list_ref = ffi::api().PyList_GetItemRef;
                }
                (_, Some(layout)) if ffi::PyTuple_CheckExact(p) => {
                    at.by = Reading::Tuple;
                    at.layout = Some(layout);
                    at.len = layout.size(p);
                }
                _ => {
                    return Ok(BoundIter {
                        owner: Owner::new(obj.get_iter()?),
                        at,
                    });
                }
            }
        }
        Ok(BoundIter {
            owner: Owner::new(obj.clone()),
            at,
        })
    }

    /// The Python iterator object, as an [`Object`], at the item this iterator is at.
    ///
    /// # Errors
    /// `MemoryError` if the iterator of a list or tuple read by index cannot be made.
    pub fn into_object(self) -> Result<Object> {
        if self.at.by == Reading::Iterator {
            return Ok(self.owner.into_bound().unbind());
        }
        // A list or tuple read by index: its own iterator, brought to where the reads are (its
        // `__next__` runs no Python code and cannot fail; one past the end is the end, and an
        // exhausted list iterator stays exhausted however the list grows).
        let it = self.owner.get_iter()?;
        for _ in 0..self.at.next {
            // SAFETY: a live iterator, GIL held; the result is a new reference or NULL.
            unsafe {
                let item = ffi::PyIter_Next(it.as_ptr());
                if item.is_null() {
                    break;
                }
                ffi::Py_DECREF(item);
            }
        }
        Ok(it.unbind())
    }

    /// The items converted to `T` as they are read (`x.extract::<T>()` for each item `x`).
    ///
    /// The same as mapping [`Bound::extract`] over the iterator, item for item and error for
    /// error, but an item of an exact `list` or `tuple` whose conversion runs no Python code
    /// (an exact `int` to an integer, a `float`, a `str`) is converted where the sequence
    /// holds it, without a reference of its own: the way to read a list of numbers in a
    /// loop. A failed conversion names the item's position.
    ///
    /// ```
    /// libpython::attach(|py| {
    ///     let list = py.eval("[1, 2, 3]")?;
    ///     let mut total = 0i64;
    ///     for x in list.try_iter()?.extract::<i64>() {
    ///         total += x?;
    ///     }
    ///     assert_eq!(total, 6);
    ///
    ///     let err = py.eval("[1, 'two']")?.try_iter()?.extract::<i64>().nth(1).unwrap();
    ///     assert!(err.unwrap_err().to_string().contains("[1]"));
    ///     Ok(())
    /// })?;
    /// # Ok::<(), libpython::Error>(())
    /// ```
    pub fn extract<T: FromPython>(self) -> Extracted<'py, T> {
        Extracted {
            owner: self.owner,
            at: self.at,
            _to: PhantomData,
        }
    }
}

impl<'py> Iterator for BoundIter<'py> {
    type Item = Result<Bound<'py>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (py, p) = (self.owner.py(), self.owner.as_ptr());
        // SAFETY: `p` is the owner, live, GIL held; a borrowed item becomes a strong reference
        // of its own at once (counted the way the token's key records, as its `Bound`'s drop
        // will give it up).
        unsafe {
            match self.at.advance(p) {
                Step::Borrowed(item, _) => {
                    libpython_interp::refs::incref_in(item, py.interpreter_key());
                    Some(Ok(Bound::from_owned_ptr(py, item)))
                }
                Step::End => None,
                Step::Iterator => match self.at.list_ref {
                    Some(get) => {
                        let item = list_item_ref(self.owner.as_borrowed(), self.at.next, get);
                        self.at.list_ref_step(item).map(Ok)
                    }
                    None => step(&mut self.at.done, next_item(self.owner.as_borrowed())),
                },
            }
        }
    }
}

/// Deprecated name of [`Iter`].
#[deprecated(since = "0.1.0", note = "renamed `Iter` (made by `Object::try_iter`)")]
pub type PyIter = Iter;

/// The items of a [`BoundIter`] converted to `T` ([`BoundIter::extract`]): a Rust
/// [`Iterator`] of `Result<T>`. An exception raised by `__next__` is yielded once, then the
/// iteration ends; a failed conversion is yielded and the iteration goes on.
///
/// ```
/// libpython::attach(|py| {
///     let words: Vec<String> = py
///         .eval("('spam', 'eggs')")?
///         .try_iter()?
///         .extract()
///         .collect::<libpython::Result<_>>()?;
///     assert_eq!(words, ["spam", "eggs"]);
///     Ok(())
/// })?;
/// # Ok::<(), libpython::Error>(())
/// ```
#[derive(Debug)]
pub struct Extracted<'py, T> {
    /// As [`BoundIter`]'s fields (kept apart, not as one `BoundIter`: a loop then keeps the
    /// cursor in registers).
    owner: Owner<'py>,
    at: Cursor,
    _to: PhantomData<fn() -> T>,
}

impl<T: FromPython> Extracted<'_, T> {
    /// [`FromPython::from_python`] of an item that needs a reference of its own (Python code
    /// may run, and change the sequence), the error naming its position `at`.
    #[inline(never)]
    fn convert_held(item: Bound<'_>, at: impl std::fmt::Display) -> Result<T> {
        T::from_python(&item).map_err(|e| e.at(index(at)))
    }
}

impl<T: FromPython> Iterator for Extracted<'_, T> {
    type Item = Result<T>;

    #[inline]
    fn next(&mut self) -> Option<Result<T>> {
        let (py, p) = (self.owner.py(), self.owner.as_ptr());
        // SAFETY: `p` is the owner, live, GIL held. A borrowed item is only read by
        // `from_python_exact`, which runs no Python code, so nothing can change the sequence
        // meanwhile; otherwise it becomes a strong reference of its own first.
        unsafe {
            match self.at.advance(p) {
                Step::Borrowed(item, at) => {
                    let item = Borrowed::from_ptr(py, item);
                    Some(match T::from_python_exact(&item, SEALED) {
                        Some(v) => Ok(v),
                        None => Self::convert_held(item.to_owned(), at),
                    })
                }
                Step::End => None,
                Step::Iterator => match self.at.list_ref {
                    Some(get) => {
                        let at = self.at.next;
                        let item = self.at.list_ref_step(list_item_ref(
                            self.owner.as_borrowed(),
                            at,
                            get,
                        ))?;
                        Some(match T::from_python_exact(&item, SEALED) {
                            Some(v) => {
                                // The item's reference is given up here, in place on
                                // every build (a handle's drop calls out for a
                                // free-threaded build's count).
                                let key = py.interpreter_key();
                                // SAFETY: the item's own strong reference, of `py`'s
                                // interpreter (whose GIL is held), not used again.
                                libpython_interp::refs::decref_in_loop(item.into_ptr(), key);
                                Ok(v)
                            }
                            None => Self::convert_held(item, at),
                        })
                    }
                    None => {
                        let item = step(&mut self.at.done, next_item(self.owner.as_borrowed()))?;
                        let at = self.at.next;
                        self.at.next += 1;
                        Some(item.and_then(|x| {
                            T::from_python_exact(&x, SEALED)
                                .map_or_else(|| Self::convert_held(x, at), Ok)
                        }))
                    }
                },
            }
        }
    }
}
