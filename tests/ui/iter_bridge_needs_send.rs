// A Rust iterator handed to Python must be `Send`: Python may advance it on any of its threads,
// later, so it cannot hold a GIL-bound handle.
fn main() {
    libpython::attach(|py| {
        let held = py.none();
        let it = libpython::IterBridge::new(std::iter::repeat_with(move || held.is_none().unwrap()).take(2));
        drop(it);
        Ok(())
    })
    .unwrap();
}
