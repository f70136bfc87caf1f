// A borrowed view cannot outlive the scope that holds the GIL.
fn main() {
    let list = libpython::eval("[1]").unwrap();
    let mut keep = None;
    libpython::attach(|py| {
        keep = Some(list.bind(py)?);
        Ok(())
    })
    .unwrap();
    drop(keep);
}
