// A borrowed view cannot be used while the GIL is released.
fn main() {
    let list = libpython::eval("[1, 2, 3]").unwrap();
    libpython::with_gil(|py| {
        let view = list.bind(py)?;
        py.allow_threads(|| view.len())
    })
    .unwrap();
}
