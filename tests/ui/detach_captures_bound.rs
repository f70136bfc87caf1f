// A borrowed view cannot be used while the GIL is released.
fn main() {
    let list = libpython::eval("[1, 2, 3]").unwrap();
    libpython::attach(|py| {
        let view = list.bind(py)?;
        py.detach(|| view.len())
    })
    .unwrap();
}
