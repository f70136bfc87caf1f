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

/// The layout found: 0 while unknown, else the object header size shifted left by 8, or'ed
/// with [`SIGNED_SIZE`] or [`TAGGED`].
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
        header: (packed >> 8) as usize,
        tagged: packed & 0xff == TAGGED,
    })
}

impl LongLayout {
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
        (self.header as u64) << 8 | if self.tagged { TAGGED } else { SIGNED_SIZE }
    }
}

/// Finds [`LongLayout`] for the running interpreter (header size `header`) and publishes it
/// when it checks out; otherwise it is unknown and callers use the exported functions.
///
/// # Safety
/// As [`init_object_layout`](crate::init_object_layout): the GIL is held.
pub(crate) unsafe fn init_long_layout(header: usize) {
    let version = crate::library().map(|l| l.version());
    let found = version
        .filter(|v| v.is_known())
        .map(|v: Version| LongLayout {
            header,
            tagged: v.at_least(3, 12),
        });
    // SAFETY: forwarded contract.
    let found = found.filter(|&l| unsafe { long_layout_checks_out(l) });
    LONG_LAYOUT.store(found.map_or(0, LongLayout::pack), Ordering::Relaxed);
}

/// Whether `layout` reads what `PyLong_AsLongLong` gives: every value of one digit must be
/// read, larger ones may be refused but never misread.
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
            let r = layout.compact_value(o);
            Py_DecRef(o);
            Some(r)
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
