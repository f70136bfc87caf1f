// A plain mutable slice of memory Python shares needs `unsafe`, as the read-only one does.
fn main() {
    let a = libpython::eval("bytearray(b'abc')").unwrap();
    let mut v = libpython::array::PyBufferMut::<u8>::from_object(&a).unwrap();
    let _ = v.as_slice_mut();
}
