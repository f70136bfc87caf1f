//! The dynamic borrow check: a process-wide registry of the memory ranges Rust views hold, so
//! the safe API never gives out a mutable view of memory another view can see.
//!
//! Ranges are compared by address (the lowest and one past the highest byte a view can
//! reach), so two views of the same memory conflict whichever Python objects they came
//! through (`a` and `a[::2]`, `a` and `a.T`, a numpy array and the `bytearray` under it).
//! The check is conservative: interleaved views such as `a[::2]` and `a[1::2]` cover
//! overlapping ranges and count as aliasing.

use std::sync::Mutex;

use crate::err::{Error, Result};

struct Entry {
    id: u64,
    lo: usize,
    hi: usize,
    exclusive: bool,
}

/// Live borrows, and the next borrow id.
struct Registry {
    entries: Vec<Entry>,
    next_id: u64,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { entries: Vec::new(), next_id: 1 });

/// A registered borrow of `[lo, hi)`, removed on drop.
#[derive(Debug)]
pub(crate) struct Borrow {
    id: u64,
}

/// Registers a borrow of the bytes `[lo, hi)`: shared (read) or exclusive (write).
///
/// # Errors
/// [`Error::Conversion`] when a conflicting view is alive: any view of overlapping memory
/// for an exclusive borrow, an exclusive one for a shared borrow.
pub(crate) fn acquire(range: Option<(usize, usize)>, exclusive: bool) -> Result<Option<Borrow>> {
    let Some((lo, hi)) = range else {
        // An empty view reaches no memory and cannot alias anything.
        return Ok(None);
    };
    let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let mut readers = 0usize;
    for e in reg.entries.iter() {
        if e.lo < hi && lo < e.hi {
            if e.exclusive {
                return Err(Error::Conversion(format!(
                    "the array memory at {lo:#x}..{hi:#x} is already borrowed mutably by a live PyBufferMut; \
                     drop it before taking another view of the same memory"
                )));
            }
            readers += 1;
        }
    }
    if exclusive && readers > 0 {
        return Err(Error::Conversion(format!(
            "the array memory at {lo:#x}..{hi:#x} is borrowed by {readers} live read view(s) (PyBuffer); \
             a mutable view needs it unshared: drop them first"
        )));
    }
    let id = reg.next_id;
    reg.next_id += 1;
    reg.entries.push(Entry { id, lo, hi, exclusive });
    Ok(Some(Borrow { id }))
}

impl Drop for Borrow {
    fn drop(&mut self) {
        let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = reg.entries.iter().position(|e| e.id == self.id) {
            reg.entries.swap_remove(i);
        }
    }
}

/// The bytes a view of `shape` and byte `strides`, starting at `ptr`, can reach: `None` when
/// it has no elements.
pub(crate) fn byte_range(ptr: *const u8, shape: &[usize], strides: &[isize], itemsize: usize) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = (n as isize - 1).saturating_mul(s);
        if reach < 0 {
            lo = lo.saturating_add(reach);
        } else {
            hi = hi.saturating_add(reach);
        }
    }
    let base = ptr as usize;
    Some((base.wrapping_add_signed(lo), base.wrapping_add_signed(hi).wrapping_add(itemsize.max(1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_exclusive_borrows_conflict() {
        let a = acquire(Some((0x1000, 0x1100)), true).unwrap();
        assert!(acquire(Some((0x10f0, 0x1200)), false).is_err());
        assert!(acquire(Some((0x1100, 0x1200)), true).unwrap().is_some());
        drop(a);
        let r1 = acquire(Some((0x1000, 0x1100)), false).unwrap();
        let r2 = acquire(Some((0x1000, 0x1100)), false).unwrap();
        assert!(acquire(Some((0x1000, 0x1001)), true).is_err());
        drop((r1, r2));
        assert!(acquire(Some((0x1000, 0x1001)), true).unwrap().is_some());
        assert_eq!(byte_range(0x100 as *const u8, &[3], &[-8], 8), Some((0xf0, 0x108)));
        assert_eq!(byte_range(0x100 as *const u8, &[3, 0], &[8, 8], 8), None);
    }
}
