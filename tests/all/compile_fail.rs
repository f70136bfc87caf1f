//! What the types forbid, proven by the compiler: every GIL-bound value (a `Python` token, a
//! `Bound` view, a call's `Args`, a GIL guard) is kept out of every closure that runs without
//! the GIL, under another interpreter, or on another thread, and out of the scope that ends
//! its hold; raw per-interpreter maps are out of reach, and so are the traits and trait methods
//! whose implementations the library trusts with raw pointers or borrowed items (sealed); and
//! the conversion derives refuse what they cannot convert (enums, unions, unknown attributes).
//! Each file of `tests/ui` must fail to compile with the error kept next to it (`.stderr`).

#[test]
fn gil_bound_values_cannot_leave_their_gil() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail(libpython_tests::workspace_root().join("tests/ui/*.rs"));
}
