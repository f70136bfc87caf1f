//! asyncio and tokio in one program: a tokio program awaits `asyncio.sleep` and an async Python
//! function concurrently with its own futures, then 10,000 Python awaits at once, and Python
//! code awaits Rust futures that run on tokio.
//!
//! ```sh
//! cargo run -p libpython --example asyncio
//! ```

use std::time::{Duration, Instant};

use libpython::asyncio;

const PYTHON: &str = r#"
import asyncio

async def fetch(name, delay):
    await asyncio.sleep(delay)
    return f"{name}: fetched after {delay} s"

async def lengths(length_of, words):
    # Python awaiting Rust futures, all at once.
    return dict(zip(words, await asyncio.gather(*(length_of(w) for w in words))))
"#;

#[tokio::main]
async fn main() -> libpython::Result<()> {
    let ns = libpython::Dict::new()?;
    libpython::exec(PYTHON, &ns)?;
    let fetch = ns.get("fetch")?.expect("defined above");
    let sleep = libpython::eval("__import__('asyncio').sleep")?;

    // 1. A Python coroutine, an async Python function and a tokio timer, awaited together.
    let t = Instant::now();
    let (slept, fetched, timer) = tokio::join!(
        asyncio::into_future(sleep.call((0.3, "asyncio.sleep: done"))?),
        asyncio::into_future(fetch.call(("fetch", 0.3))?),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "tokio::time::sleep: done"
        },
    );
    println!("{}", slept?.extract::<String>()?);
    println!("{}", fetched?.extract::<String>()?);
    println!("{timer}");
    let elapsed = t.elapsed();
    println!(
        "three waits of 0.3 s each took {:.2} s together",
        elapsed.as_secs_f64()
    );
    assert!(
        elapsed < Duration::from_millis(850),
        "they did not run concurrently"
    );

    // 2. 10,000 Python awaits at once: each `into_future` starts its task on the event loop
    // right away, so awaiting them one after the other waits for them all together.
    let t = Instant::now();
    let futures = (0..10_000i64)
        .map(|i| Ok(asyncio::into_future(sleep.call((0.1, i))?)))
        .collect::<libpython::Result<Vec<_>>>()?;
    let mut sum = 0;
    for f in futures {
        sum += f.await?.extract::<i64>()?;
    }
    println!(
        "10000 concurrent awaits finished in {:.2} s (sum of results {sum})",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(sum, (0..10_000).sum::<i64>());

    // 3. Python code awaiting Rust futures that run on tokio.
    let length_of = asyncio::tokio::async_function(
        "length_of",
        Some("The length of a word, after a tokio sleep."),
        |a| {
            let word: String = a.extract(0)?;
            Ok(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(word.chars().count())
            })
        },
    )?;
    let lengths = ns.get("lengths")?.expect("defined above");
    let words = vec!["tokio", "asyncio", "libpython"];
    let r = asyncio::into_future(lengths.call((length_of, words))?).await?;
    println!("Python awaited Rust: {}", r.repr()?);

    // Shutting Python down stops the event loop's thread.
    libpython::finalize()?;
    println!("finalized");
    Ok(())
}
