// One interpreter's GIL token cannot be used under another interpreter's GIL.
use libpython::{Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    libpython::attach(|py| {
        libpython::with_interpreter(&sub, || py.eval("1").map(drop))?
    })
    .unwrap();
}
