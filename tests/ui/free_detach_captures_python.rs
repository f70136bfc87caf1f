// The free function keeps GIL tokens out as the method does.
fn main() {
    libpython::attach(|py| {
        libpython::detach(|| drop(py.none()));
        Ok(())
    })
    .unwrap();
}
