//! The key that names one interpreter of one runtime.

use std::fmt;

use crate::ffi;

/// Identifies one interpreter of one runtime: the runtime's generation (it grows at each
/// start-up) and the interpreter's index (0 is the main interpreter).
///
/// Every owned handle carries one, so an object is never used or released under another
/// interpreter, nor in a later runtime.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InterpKey {
    /// The generation in the high 32 bits, the index in the low 30, and in bits 31 and 30 how
    /// reference counts change ([`counts_plain`](Self::counts_plain)): one word, so handles
    /// compare and store keys with single instructions on the hot paths, and a `Bound`
    /// released under a token (which holds its key in a register) tests a bit of it instead
    /// of loading the mode.
    bits: u64,
}

/// The key bit of [`ffi::RefcountMode::Plain`]: the sign bit of the low half, tested with
/// one instruction.
const PLAIN_BIT: u64 = 1 << 31;
/// The key bit of [`ffi::RefcountMode::Immortal32`].
const IMMORTAL32_BIT: u64 = 1 << 30;

impl InterpKey {
    /// A key naming no interpreter: a handle carrying it owns nothing, and no thread ever
    /// holds its GIL.
    pub const NONE: InterpKey = InterpKey { bits: 0 };

    /// The largest index a key holds (the two bits above it carry the reference counting).
    pub const MAX_INDEX: u32 = (1 << 30) - 1;

    /// The key of interpreter `index` (at most [`MAX_INDEX`](Self::MAX_INDEX)) of runtime
    /// `generation`, carrying the reference counting in use, which is chosen as the runtime
    /// starts, before any key is made, and never changes afterwards.
    pub(crate) fn new(generation: u32, index: u32) -> Self {
        assert!(
            index <= Self::MAX_INDEX,
            "more than {} sub-interpreters made in one runtime",
            Self::MAX_INDEX
        );
        let mode = match ffi::refcount_mode_in_use() {
            ffi::RefcountMode::Plain => PLAIN_BIT,
            ffi::RefcountMode::Immortal32 => IMMORTAL32_BIT,
            ffi::RefcountMode::Call | ffi::RefcountMode::Biased => 0,
        };
        InterpKey {
            bits: ((generation as u64) << 32) | index as u64 | mode,
        }
    }

    /// Whether this interpreter's objects are counted in [`ffi::RefcountMode::Plain`], as
    /// recorded in the key: one bit test. Only keys this crate made record a mode (the one in
    /// use); a key made by hand ([`from_bits`](Self::from_bits)) is never handed to a token.
    #[inline(always)]
    pub const fn counts_plain(self) -> bool {
        self.bits & PLAIN_BIT != 0
    }

    /// Whether this interpreter's objects are counted in
    /// [`ffi::RefcountMode::Immortal32`], as recorded in the key (see
    /// [`counts_plain`](Self::counts_plain)).
    #[inline(always)]
    pub const fn counts_immortal32(self) -> bool {
        self.bits & IMMORTAL32_BIT != 0
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
        self.bits as u32 & Self::MAX_INDEX
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
