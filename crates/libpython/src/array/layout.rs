//! Shapes and strides: contiguity, element counts, the offsets a layout reaches, and walking
//! them in C order, with every product checked for overflow.

use crate::err::{Error, ErrorKind, Result};

/// Whether the layout is contiguous in C order (last axis fastest) or Fortran order.
pub(crate) fn is_contiguous(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    c_order: bool,
) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let n = shape.len();
    let mut expected = itemsize as isize;
    for i in 0..n {
        let a = if c_order { n - 1 - i } else { i };
        if shape[a] != 1 && strides[a] != expected {
            return false;
        }
        expected = expected.saturating_mul(shape[a] as isize);
    }
    true
}

/// Calls `f` with the byte offset of every element, in C (row-major) order.
pub(crate) fn for_each_offset(shape: &[usize], strides: &[isize], mut f: impl FnMut(isize)) {
    if shape.contains(&0) {
        return;
    }
    let nd = shape.len();
    let mut idx = vec![0usize; nd];
    let mut off = 0isize;
    loop {
        f(off);
        let mut d = nd;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < shape[d] {
                off += strides[d];
                break;
            }
            // Back to index 0 on this axis: (n - 1) * stride is within the reach checked when
            // the view was made.
            off -= strides[d] * (shape[d] - 1) as isize;
            idx[d] = 0;
        }
    }
}

/// C-contiguous byte strides of `shape` (saturating at `isize::MAX`: such a layout is refused
/// later, by [`RawView::finish`] or the export's checks).
pub(crate) fn c_strides(shape: &[usize], itemsize: usize) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = isize::try_from(itemsize).unwrap_or(isize::MAX);
    for (s, &n) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc = acc.saturating_mul(isize::try_from(n.max(1)).unwrap_or(isize::MAX));
    }
    strides
}

/// The number of elements of `shape`.
///
/// # Errors
/// [`ErrorKind::Overflow`] when it does not fit in `usize`.
pub(crate) fn element_count(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| {
            Error::overflow(
                "usize",
                format!("the number of elements of the shape {shape:?}"),
            )
        })
}

/// Checks that every element of the layout (`shape`, byte `strides`, items of `itemsize`
/// bytes) lies at an offset from the first element that fits in `isize`, and so does one past
/// the last byte of the farthest element, in either direction.
///
/// # Errors
/// [`ErrorKind::Overflow`] otherwise.
#[inline]
pub(crate) fn check_reach(shape: &[usize], strides: &[isize], itemsize: usize) -> Result<()> {
    if shape.contains(&0) {
        return Ok(());
    }
    let (mut lo, mut hi) = (0isize, isize::try_from(itemsize).ok());
    for (&n, &s) in shape.iter().zip(strides) {
        let Some(reach) = isize::try_from(n - 1).ok().and_then(|n| n.checked_mul(s)) else {
            return Err(offsets_overflow(shape, strides));
        };
        if reach < 0 {
            lo = match lo.checked_add(reach) {
                Some(v) => v,
                None => return Err(offsets_overflow(shape, strides)),
            };
        } else {
            hi = hi.and_then(|h| h.checked_add(reach));
        }
    }
    // The whole range, lowest to one past the highest byte, is at most `isize::MAX` bytes.
    match hi.and_then(|h| h.checked_sub(lo)) {
        Some(_) => Ok(()),
        None => Err(offsets_overflow(shape, strides)),
    }
}

#[cold]
pub(crate) fn offsets_overflow(shape: &[usize], strides: &[isize]) -> Error {
    Error::from(ErrorKind::Overflow {
        target: "isize",
        value: format!(
            "the byte offsets of the elements of shape {shape:?} with byte strides {strides:?}"
        ),
        path: String::new(),
    })
}
