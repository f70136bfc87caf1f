// The interpreter layer's `with_gil_of` runs its closure under another interpreter's GIL:
// a token of the interpreter the thread holds cannot go in.
use libpython::{Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    libpython::attach(|py| {
        libpython::interp::gil::with_gil_of(sub.key(), || drop(py.none()))?;
        Ok(())
    })
    .unwrap();
}
