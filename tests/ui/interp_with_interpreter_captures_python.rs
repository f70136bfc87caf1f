// The interpreter layer's `with_interpreter` keeps GIL tokens out too.
use libpython::{Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    libpython::attach(|py| {
        libpython::interp::with_interpreter(sub.as_interp(), || drop(py.none()))?;
        Ok(())
    })
    .unwrap();
}
