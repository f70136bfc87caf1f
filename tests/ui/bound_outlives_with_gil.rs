// A borrowed view cannot outlive the scope that holds the GIL.
fn main() {
    let list = libpython::eval("[1]").unwrap();
    let mut keep = None;
    libpython::with_gil(|py| {
        keep = Some(list.bind(py)?);
        Ok(())
    })
    .unwrap();
    drop(keep);
}
