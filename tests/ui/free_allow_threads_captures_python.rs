// The free function keeps GIL tokens out as the method does.
fn main() {
    libpython::with_gil(|py| {
        libpython::allow_threads(|| drop(py.none()));
        Ok(())
    })
    .unwrap();
}
