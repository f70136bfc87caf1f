// A plain slice of memory Python shares is only for code that promises no Python code writes
// it meanwhile: outside `unsafe` it does not compile (cells and copies are the safe way).
fn main() {
    let a = libpython::eval("bytearray(b'abc')").unwrap();
    let v = libpython::array::PyBuffer::<u8>::from_object(&a).unwrap();
    let _ = v.as_slice();
}
