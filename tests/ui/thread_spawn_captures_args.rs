// A call's arguments cannot go to another thread.
use libpython::Args;

fn main() {
    let _f = libpython::function("f", None, |a: &Args<'_>| {
        std::thread::scope(|s| s.spawn(|| a.len()).join().unwrap());
        Ok(())
    });
}
