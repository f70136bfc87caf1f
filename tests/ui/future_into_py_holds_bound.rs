// A view of Python cannot be kept across an `.await` in a future that Python awaits: the future
// runs on an executor's thread, without the GIL.
fn main() {
    libpython::attach(|py| {
        let list = py.eval("[1, 2, 3]")?;
        let awaitable = libpython::asyncio::future_into_py(async move {
            std::future::ready(()).await;
            list.len()
        })?;
        drop(awaitable);
        Ok(())
    })
    .unwrap();
}
