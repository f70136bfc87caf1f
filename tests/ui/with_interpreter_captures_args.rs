// A call's arguments cannot be used under another interpreter's GIL.
use libpython::{Args, Interpreter, SubConfig};

fn main() {
    let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
    let _f = libpython::function("f", None, move |a: &Args<'_>| {
        libpython::with_interpreter(&sub, || a.extract::<i64>(0))?
    });
}
