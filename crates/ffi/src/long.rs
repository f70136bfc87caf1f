//! Small `int`s read in place ([`LongLayout`]), as CPython's own `_PyLong_IsCompact` and
//! `_PyLong_CompactValue` read them: an `int` whose magnitude fits one digit (below 2^30) is
//! its sign and that digit, so reading it needs no call of `PyLong_AsLongLong`.
//!
//! The layout is known only after [`init_object_layout`](crate::init_object_layout), on a
//! version this crate knows, and only when reading in place gives what `PyLong_AsLongLong`
//! gives on ints made for the purpose (small cached ones, others, one-digit and larger,
//! positive, zero and negative); everywhere else callers use the exported functions.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::functions::*;
use crate::load::Version;
use crate::types::*;

/// The layout found: 0 while unknown, else the object header size (bits 0 to 15), the kind
/// of size word ([`SIGNED_SIZE`] or [`TAGGED`], bits 16 to 23) and the size word of a
/// positive one-digit int (bits 32 to 63).
static LONG_LAYOUT: AtomicU64 = AtomicU64::new(0);
/// 3.9 to 3.11: after the header, `ob_size` is the number of digits, negative for a negative
/// value (0 for zero, which may have no digit at all).
const SIGNED_SIZE: u64 = 1;
/// 3.12 and later: after the header, `lv_tag` is the number of digits shifted left by 3, or'ed
/// with the sign in its two low bits (0 positive, 1 zero, 2 negative).
const TAGGED: u64 = 2;

/// Where the running interpreter keeps the sign and the digits of an `int` (see the module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongLayout {
    header: usize,
    tagged: bool,
    /// The size word of a positive int of one digit (1, or `1 << 3` when tagged): the common
    /// case is told by one comparison.
    one_digit: isize,
}

/// The layout of `int`s, if known (see [`LongLayout`]); `None` means: use the exported
/// functions. One atomic load: read it once before a loop.
#[inline(always)]
pub fn long_layout() -> Option<LongLayout> {
    let packed = LONG_LAYOUT.load(Ordering::Relaxed);
    if packed == 0 {
        return None;
    }
    Some(LongLayout {
        header: (packed & 0xffff) as usize,
        tagged: (packed >> 16) & 0xff == TAGGED,
        one_digit: (packed >> 32) as isize,
    })
}

impl LongLayout {
    /// Whether the type of `o` is exactly `t`, read at the end of the object header this layout
    /// knows (where `ob_type` is in every build whose layout is known), as [`Py_TYPE`] reads
    /// it, with no look at how `Py_TYPE` is done.
    ///
    /// [`Py_TYPE`]: crate::Py_TYPE
    ///
    /// # Safety
    /// `o` must be a live object.
    #[inline(always)]
    pub unsafe fn has_type(self, o: *mut PyObject, t: *mut PyTypeObject) -> bool {
        // SAFETY: `o` is live; its header, `self.header` bytes, ends with `ob_type`.
        unsafe {
            o.cast::<u8>()
                .add(self.header - size_of::<*mut PyTypeObject>())
                .cast::<*mut PyTypeObject>()
                .read()
                == t
        }
    }

    /// The value of an `int` whose magnitude fits one digit, `None` for a larger one (then
    /// `PyLong_AsLongLong` and friends give it).
    ///
    /// # Safety
    /// `o` must be a live object whose type is exactly `int` (no subclass). Ints never change
    /// after they are made, so what is read here is stable while `o` lives.
    #[inline(always)]
    pub unsafe fn compact_value(self, o: *mut PyObject) -> Option<i64> {
        // SAFETY: `o` is a live int: its size or tag word follows the object header, and its
        // first digit (a `u32`: 30-bit digits, checked by `init_long_layout`) follows that
        // word whenever the value is not zero.
        unsafe {
            let base = o.cast::<u8>().add(self.header);
            let word = base.cast::<isize>().read();
            let digit = || i64::from(base.add(size_of::<isize>()).cast::<u32>().read());
            if word == self.one_digit {
                return Some(digit());
            }
            if self.tagged {
                if word as usize >= 2 << 3 {
                    return None;
                }
                match word & 3 {
                    0 => Some(digit()),
                    1 => Some(0),
                    _ => Some(-digit()),
                }
            } else {
                match word {
                    0 => Some(0),
                    1 => Some(digit()),
                    -1 => Some(-digit()),
                    _ => None,
                }
            }
        }
    }

    fn pack(self) -> u64 {
        debug_assert!(self.header <= 0xffff);
        (self.one_digit as u64) << 32
            | (if self.tagged { TAGGED } else { SIGNED_SIZE }) << 16
            | self.header as u64
    }
}

/// Finds [`LongLayout`] for the running interpreter (header size `header`) and publishes it
/// when it checks out; otherwise it is unknown and callers use the exported functions.
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_long_layout(header: usize) {
    let version = crate::library().map(|l| l.version());
    let found = version.filter(|v| v.is_known()).map(|v: Version| {
        let tagged = v.at_least(3, 12);
        LongLayout {
            header,
            tagged,
            one_digit: if tagged { 1 << 3 } else { 1 },
        }
    });
    // SAFETY: forwarded contract.
    let found = found.filter(|&l| unsafe { long_layout_checks_out(l) });
    LONG_LAYOUT.store(found.map_or(0, LongLayout::pack), Ordering::Relaxed);
}

/// Whether `layout` reads what `PyLong_AsLongLong` gives: every value of one digit must be
/// read, larger ones may be refused but never misread; and each int's type where
/// [`LongLayout::has_type`] reads it.
///
/// # Safety
/// The GIL is held.
unsafe fn long_layout_checks_out(layout: LongLayout) -> bool {
    const ONE_DIGIT: [i64; 12] = [
        0,
        1,
        -1,
        5,
        -5,
        256,
        -257,
        1000,
        -99_999,
        (1 << 29) + 3,
        (1 << 30) - 1,
        -((1 << 30) - 1),
    ];
    const LARGER: [i64; 5] = [1 << 30, -(1 << 30), (1 << 45) + 7, i64::MAX, i64::MIN];
    let reads = |v: i64| -> Option<Option<i64>> {
        // SAFETY: the GIL is held; the int made here is exact and released after the read.
        unsafe {
            let o = PyLong_FromLongLong(v);
            if o.is_null() {
                PyErr_Clear();
                return None;
            }
            // The type word must be read where `has_type` reads it, too.
            let typed = layout.has_type(o, crate::data::PyLong_Type());
            let r = layout.compact_value(o);
            Py_DecRef(o);
            typed.then_some(r)
        }
    };
    // SAFETY: the GIL is held.
    (unsafe { bits_per_digit() } == Some(30))
        && ONE_DIGIT.iter().all(|&v| reads(v) == Some(Some(v)))
        && LARGER
            .iter()
            .all(|&v| reads(v).is_some_and(|r| r.is_none_or(|r| r == v)))
}

/// `sys.int_info.bits_per_digit`, `None` if unreadable (the exception is cleared).
///
/// # Safety
/// The GIL is held.
unsafe fn bits_per_digit() -> Option<i64> {
    // SAFETY: the GIL is held; every reference made is released.
    unsafe {
        let info = PyLong_GetInfo();
        if info.is_null() {
            PyErr_Clear();
            return None;
        }
        let bits = PyObject_GetAttrString(info, c"bits_per_digit".as_ptr());
        Py_DecRef(info);
        if bits.is_null() {
            PyErr_Clear();
            return None;
        }
        let n = PyLong_AsLongLong(bits);
        Py_DecRef(bits);
        if n == -1 && !PyErr_Occurred().is_null() {
            PyErr_Clear();
            return None;
        }
        Some(n)
    }
}
