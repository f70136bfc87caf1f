// An owned GIL-bound handle cannot be moved into code that runs without the GIL.
fn main() {
    libpython::attach(|py| {
        let list = py.eval("[1, 2, 3]")?;
        py.detach(move || list.len())
    })
    .unwrap();
}
