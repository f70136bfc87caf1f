// A GIL token cannot go to another thread.
fn main() {
    libpython::attach(|py| {
        std::thread::spawn(move || drop(py.none())).join().unwrap();
        Ok(())
    })
    .unwrap();
}
