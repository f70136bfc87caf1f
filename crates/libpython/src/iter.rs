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

    pub(crate) fn from_bound(it: BoundIter<'_>) -> Iter {
        Iter {
            it: it.into_object(),
            done: false,
        }
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
            self.it.with(|b| next_item(b).map(|o| o.map(Bound::unbind))),
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

/// `next(it)`: `None` at the end.
fn next_item<'py>(it: &Bound<'py>) -> Result<Option<Bound<'py>>> {
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
    /// The Python iterator (`iter(obj)`).
    it: Bound<'py>,
    /// How the items are read: for an exact `list` or `tuple` on a GIL build, by index as its
    /// own iterator reads it (`it` then stays where it was made, see `into_object`).
    by: By<'py>,
}

/// How a [`BoundIter`] reads its items.
#[derive(Debug)]
enum By<'py> {
    /// An exact `list`, item by item the way `list.__iter__` reads it (the size checked before
    /// each item, so a list changed by the loop's body is followed as Python's own loop follows
    /// it), without a call per item.
    List {
        list: Bound<'py>,
        layout: ffi::SeqLayout,
        next: ffi::Py_ssize_t,
    },
    /// An exact `tuple` (which never changes): its items and how many were read.
    Tuple {
        tuple: Bound<'py>,
        layout: ffi::SeqLayout,
        len: ffi::Py_ssize_t,
        next: ffi::Py_ssize_t,
    },
    /// Through the Python iterator, until it ends or fails.
    Iterator { done: bool },
}

impl<'py> BoundIter<'py> {
    /// The iterator of `seq` (whose Python iterator is `it`), read by index where `seq` is an
    /// exact `list` or `tuple` whose layout this build reads inline.
    pub(crate) fn of(seq: &Bound<'py>, it: Bound<'py>) -> BoundIter<'py> {
        let p = seq.as_ptr();
        // SAFETY: a live object, GIL held; a tuple's size is read from a live exact tuple.
        let by = unsafe {
            match ffi::seq_layout() {
                Some(layout) if ffi::PyList_CheckExact(p) => By::List {
                    list: seq.clone(),
                    layout,
                    next: 0,
                },
                Some(layout) if ffi::PyTuple_CheckExact(p) => By::Tuple {
                    tuple: seq.clone(),
                    layout,
                    len: layout.size(p),
                    next: 0,
                },
                _ => By::Iterator { done: false },
            }
        };
        BoundIter { it, by }
    }

    /// The Python iterator object, as an [`Object`], at the item this iterator is at.
    pub fn into_object(self) -> Object {
        // The Python iterator was not used when reading by index: bring it to where the reads
        // are (a list or tuple iterator's `__next__` runs no Python code and cannot fail; one
        // past the end is the end).
        let steps = match self.by {
            By::List { next, .. } | By::Tuple { next, .. } => next,
            By::Iterator { .. } => 0,
        };
        for _ in 0..steps {
            // SAFETY: a live iterator, GIL held; the result is a new reference or NULL.
            unsafe {
                let item = ffi::PyIter_Next(self.it.as_ptr());
                if item.is_null() {
                    break;
                }
                ffi::Py_DECREF(item);
            }
        }
        self.it.unbind()
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
            items: self,
            count: 0,
            _to: PhantomData,
        }
    }
}

impl<'py> Iterator for BoundIter<'py> {
    type Item = Result<Bound<'py>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let py = self.it.py();
        // SAFETY: the sequences are live exact lists and tuples and `layout` the running
        // interpreter's (checked when the iterator was made), the GIL held; the index is
        // below the size (of a list read just before), and the item becomes a strong
        // reference of its own at once.
        unsafe {
            let item = match &mut self.by {
                By::List { list, layout, next } => {
                    let p = list.as_ptr();
                    if *next >= layout.size(p) {
                        // Like the list's own iterator, one that reached the end stays there
                        // (one past the size, whatever the list becomes).
                        *next = ffi::Py_ssize_t::MAX;
                        return None;
                    }
                    let item = layout.list_item(p, *next);
                    *next += 1;
                    item
                }
                By::Tuple {
                    tuple,
                    layout,
                    len,
                    next,
                } => {
                    if *next >= *len {
                        return None;
                    }
                    let item = layout.tuple_item(tuple.as_ptr(), *next);
                    *next += 1;
                    item
                }
                By::Iterator { done } => {
                    if *done {
                        return None;
                    }
                    return step(done, next_item(&self.it));
                }
            };
            ffi::Py_INCREF(item);
            Some(Ok(Bound::from_owned_ptr(py, item)))
        }
    }
}

/// Deprecated name of [`Iter`].
#[deprecated(since = "0.1.0", note = "renamed `Iter` (made by `Object::try_iter`)")]
pub type PyIter = Iter;

/// The items of a [`BoundIter`] converted to `T` ([`BoundIter::extract`]): a Rust
/// [`Iterator`] of `Result<T>`. An exception raised by `__next__` is yielded once, then the
/// iteration ends; a failed conversion is yielded and the iteration goes on.
#[derive(Debug)]
pub struct Extracted<'py, T> {
    items: BoundIter<'py>,
    /// How many items the Python iterator gave (for the position of an error).
    count: usize,
    _to: PhantomData<fn() -> T>,
}

impl<T: FromPython> Extracted<'_, T> {
    /// Converts `item`, item `at` of a sequence that holds it, without running Python code
    /// when `T` can ([`FromPython::from_python_exact`]), else as a strong reference of its own
    /// (Python code may then change the sequence).
    #[inline(always)]
    fn convert(item: Borrowed<'_, '_>, at: ffi::Py_ssize_t) -> Result<T> {
        match T::from_python_exact(&item, SEALED) {
            Some(v) => Ok(v),
            None => Self::convert_held(item.to_owned(), at),
        }
    }

    /// [`convert`](Self::convert) of an item that needs a reference of its own.
    #[inline(never)]
    fn convert_held(item: Bound<'_>, at: impl std::fmt::Display) -> Result<T> {
        T::from_python(&item).map_err(|e| e.at(index(at)))
    }
}

impl<T: FromPython> Iterator for Extracted<'_, T> {
    type Item = Result<T>;

    #[inline]
    fn next(&mut self) -> Option<Result<T>> {
        let py = self.items.it.py();
        // SAFETY: as in `BoundIter::next`: live exact lists and tuples, `layout` the running
        // interpreter's, the GIL held, the index below the size read just before. The item
        // is only borrowed while `convert` reads it, and it runs no Python code unless it
        // first takes a reference of its own, so nothing can change the sequence meanwhile.
        unsafe {
            match &mut self.items.by {
                By::List { list, layout, next } => {
                    let p = list.as_ptr();
                    let at = *next;
                    if at >= layout.size(p) {
                        *next = ffi::Py_ssize_t::MAX;
                        return None;
                    }
                    *next = at + 1;
                    Some(Self::convert(
                        Borrowed::from_ptr(py, layout.list_item(p, at)),
                        at,
                    ))
                }
                By::Tuple {
                    tuple,
                    layout,
                    len,
                    next,
                } => {
                    let at = *next;
                    if at >= *len {
                        return None;
                    }
                    *next = at + 1;
                    Some(Self::convert(
                        Borrowed::from_ptr(py, layout.tuple_item(tuple.as_ptr(), at)),
                        at,
                    ))
                }
                By::Iterator { done } => {
                    if *done {
                        return None;
                    }
                    let item = step(done, next_item(&self.items.it))?;
                    let at = self.count;
                    self.count += 1;
                    Some(item.and_then(|x| {
                        T::from_python_exact(&x, SEALED)
                            .map_or_else(|| Self::convert_held(x, at), Ok)
                    }))
                }
            }
        }
    }
}
