// The future of an async Rust function cannot keep the call's arguments: they are only valid
// during the call, under the GIL.
fn main() {
    let f = libpython::asyncio::async_function("f", None, |a| Ok(async move { a.extract::<i64>(0) }));
    drop(f);
}
