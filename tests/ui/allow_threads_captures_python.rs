// A GIL token cannot be used while the GIL is released.
fn main() {
    libpython::with_gil(|py| {
        py.allow_threads(|| py.eval("1 + 1").map(drop))
    })
    .unwrap();
}
