// A borrowed argument of a callback cannot be used while the GIL is released.
use libpython::Args;

fn main() {
    let _f = libpython::function("f", None, |a: &Args<'_>| {
        let first = a.get(0).unwrap();
        a.py().detach(move || first.len())
    });
}
