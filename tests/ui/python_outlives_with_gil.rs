// A GIL token cannot outlive the scope that holds the GIL.
fn main() {
    let mut keep = None;
    libpython::attach(|py| {
        keep = Some(py);
        Ok(())
    })
    .unwrap();
    drop(keep);
}
