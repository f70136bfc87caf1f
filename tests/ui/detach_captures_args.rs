// A call's arguments (borrowed from the caller) cannot be used while the GIL is released.
use libpython::Args;

fn main() {
    let _f = libpython::function("f", None, |a: &Args<'_>| {
        a.py().detach(|| a.extract::<i64>(0))
    });
}
