//! The key that names one interpreter of one runtime.

use std::fmt;

/// Identifies one interpreter of one runtime: the runtime's generation (it grows at each
/// start-up) and the interpreter's index (0 is the main interpreter).
///
/// Every owned handle carries one, so an object is never used or released under another
/// interpreter, nor in a later runtime.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterpKey {
    /// The generation in the high 32 bits, the index in the low ones: one word, so handles
    /// compare and store keys with single instructions on the hot paths.
    bits: u64,
}

impl InterpKey {
    /// A key naming no interpreter: a handle carrying it owns nothing, and no thread ever
    /// holds its GIL.
    pub const NONE: InterpKey = InterpKey { bits: 0 };

    pub(crate) const fn new(generation: u32, index: u32) -> Self {
        InterpKey {
            bits: ((generation as u64) << 32) | index as u64,
        }
    }

    /// The key packed into a `u64` (never 0 for a real interpreter: generations start at 1).
    #[inline(always)]
    pub const fn to_bits(self) -> u64 {
        self.bits
    }

    /// The key back from [`to_bits`](Self::to_bits).
    #[inline(always)]
    pub const fn from_bits(bits: u64) -> Self {
        InterpKey { bits }
    }

    /// The runtime generation.
    #[inline(always)]
    pub const fn generation(self) -> u32 {
        (self.bits >> 32) as u32
    }

    /// The interpreter's index in its runtime: 0 for the main interpreter.
    #[inline(always)]
    pub const fn index(self) -> u32 {
        self.bits as u32
    }

    /// Whether this is the main interpreter's key.
    #[inline(always)]
    pub const fn is_main(self) -> bool {
        self.index() == 0
    }
}

impl fmt::Debug for InterpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interp#{}/gen{}", self.index(), self.generation())
    }
}
