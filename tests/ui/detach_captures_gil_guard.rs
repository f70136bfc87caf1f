// A GIL guard is released on the thread that took it, under the GIL.
fn main() {
    let guard = libpython::interp::gil::acquire().unwrap();
    libpython::detach(move || drop(guard));
}
