// A borrowed view cannot be used by another thread, not even a scoped one.
fn main() {
    let list = libpython::eval("[1]").unwrap();
    libpython::attach(|py| {
        let view = list.bind(py)?;
        std::thread::scope(|s| {
            s.spawn(|| view.len());
        });
        Ok(())
    })
    .unwrap();
}
