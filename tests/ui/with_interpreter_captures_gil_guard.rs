// A GIL guard of one interpreter cannot be released under another's.
use libpython::{Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let guard = libpython::interp::gil::acquire().unwrap();
    libpython::with_interpreter(&sub, move || drop(guard)).unwrap();
}
