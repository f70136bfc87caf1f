// A GIL token cannot be used while the GIL is released.
fn main() {
    libpython::attach(|py| {
        py.detach(|| py.eval("1 + 1").map(drop))
    })
    .unwrap();
}
