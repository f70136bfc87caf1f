// The per-interpreter map of bridge objects (raw pointers) cannot be reached from safe code.
fn main() {
    let main = libpython::Interpreter::main().unwrap();
    let _ = main.state().bridges();
}
