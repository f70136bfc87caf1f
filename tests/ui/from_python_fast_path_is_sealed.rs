// The fast path that converts a borrowed item (no Python code may run in it) cannot be
// overridden outside the library, nor can the promise that values never run Python code.
use libpython::{Bound, FromPython, Result};

struct RunsPython;

impl FromPython for RunsPython {
    fn from_python(obj: &Bound<'_>) -> Result<Self> {
        obj.call_method("clear", ())?;
        Ok(RunsPython)
    }

    fn from_python_exact(obj: &Bound<'_>) -> Option<Self> {
        obj.call_method("clear", ()).ok().map(|_| RunsPython)
    }

    const PLAIN: bool = true;
}

fn main() {}
