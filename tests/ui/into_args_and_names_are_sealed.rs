// Calls trust the argument array and the name object these traits hand them: no type outside
// the library can implement them (a dangling pointer here would reach CPython).
use libpython::{IntoArgs, IntoName, Object, Python, Result, ffi};

struct DanglingArgs;

impl IntoArgs for DanglingArgs {
    fn with_args<R>(
        self,
        _py: Python<'_>,
        f: impl FnOnce(*mut *mut ffi::PyObject, usize) -> R,
    ) -> Result<R> {
        Ok(f(std::ptr::dangling_mut(), 3))
    }

    fn collect(self, _py: Python<'_>, _out: &mut Vec<Object>) -> Result<()> {
        Ok(())
    }
}

struct DanglingName;

impl IntoName for DanglingName {
    fn text(&self) -> &str {
        "x"
    }

    fn with_name<R>(
        &self,
        _py: Python<'_>,
        _what: &'static str,
        f: impl FnOnce(*mut ffi::PyObject) -> Result<R>,
    ) -> Result<R> {
        f(std::ptr::dangling_mut())
    }
}

fn main() {}
