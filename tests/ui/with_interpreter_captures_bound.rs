// One interpreter's borrowed view cannot be used under another interpreter's GIL.
use libpython::{Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let list = libpython::eval("[1]").unwrap();
    libpython::attach(|py| {
        let view = list.bind(py)?;
        libpython::with_interpreter(&sub, || view.len())?
    })
    .unwrap();
}
