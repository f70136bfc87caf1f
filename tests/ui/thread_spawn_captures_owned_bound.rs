// An owned GIL-bound handle cannot go to another thread (an `Object` can: `unbind` it).
fn main() {
    libpython::attach(|py| {
        let list = py.eval("[1]")?;
        std::thread::spawn(move || drop(list)).join().unwrap();
        Ok(())
    })
    .unwrap();
}
