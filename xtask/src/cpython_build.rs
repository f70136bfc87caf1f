//! Building CPython from an upstream source tarball: unpacked into a temporary directory,
//! configured, built and installed under a prefix, with the output of every step in a log.
//! The free-threaded build ([`crate::freethreaded`]) and the newest versions
//! ([`crate::newest`]) are built this way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::util::{fmt_duration, step};

/// Builds the source tarball `tarball` (working in `work`) and installs it under `prefix`,
/// which is emptied first; `./configure` gets `options`, `--prefix` and an rpath to the
/// prefix's `lib`, so the shared library is found without `LD_LIBRARY_PATH`. Returns the
/// build's log (`work/build.log`).
pub(crate) fn build(
    tarball: &Path,
    work: &Path,
    prefix: &Path,
    options: &[&str],
) -> Result<PathBuf, String> {
    // The source tree lives only as long as the build: removed when this returns, built or not.
    let src_root = unpack(tarball, work)?;
    let src = source_tree(src_root.path())?;
    let log = work.join("build.log");
    let _ = std::fs::remove_file(&log);
    let _ = std::fs::remove_dir_all(prefix);
    let jobs = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .to_string();
    logged(
        "configure",
        Command::new("./configure")
            .args(options)
            .arg(format!("--prefix={}", prefix.display()))
            .arg(format!(
                "LDFLAGS=-Wl,-rpath,{}",
                prefix.join("lib").display()
            ))
            .current_dir(&src),
        &log,
    )?;
    logged(
        &format!("make -j{jobs}"),
        Command::new("make")
            .arg(format!("-j{jobs}"))
            .current_dir(&src),
        &log,
    )?;
    logged(
        "make install",
        Command::new("make").arg("install").current_dir(&src),
        &log,
    )?;
    Ok(log)
}

/// Unpacks a source tarball into a new temporary directory under `work`.
fn unpack(tarball: &Path, work: &Path) -> Result<tempfile::TempDir, String> {
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let dir = tempfile::Builder::new()
        .prefix("src-")
        .tempdir_in(work)
        .map_err(|e| format!("cannot create a directory in {}: {e}", work.display()))?;
    crate::util::run(
        Command::new("tar")
            .arg("-xf")
            .arg(tarball)
            .arg("-C")
            .arg(dir.path()),
    )?;
    Ok(dir)
}

/// The directory of an unpacked source tree that holds its `configure` script.
fn source_tree(root: &Path) -> Result<PathBuf, String> {
    std::fs::read_dir(root)
        .map_err(|e| format!("cannot read {}: {e}", root.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("configure").is_file())
        .ok_or_else(|| {
            format!(
                "no source tree with a configure script under {}",
                root.display()
            )
        })
}

/// How often a long build step prints where it is.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// Runs a build step with its output appended to `log`, printing progress every 30 seconds;
/// on failure the error holds the log's last lines.
fn logged(what: &str, cmd: &mut Command, log: &Path) -> Result<(), String> {
    step(&format!("{what} (output in {})", log.display()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let mut next = PROGRESS_EVERY;
    let status = loop {
        if let Some(st) = child
            .wait_timeout(next.saturating_sub(t0.elapsed()))
            .map_err(|e| e.to_string())?
        {
            break st;
        }
        next += PROGRESS_EVERY;
        eprintln!(
            "    {what}: {} ... {}",
            fmt_duration(t0.elapsed()),
            progress_hint(&tail(log, 1))
        );
    };
    if status.success() {
        eprintln!("    {what}: done in {}", fmt_duration(t0.elapsed()));
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({status}); last lines of {}:\n{}",
            log.display(),
            tail(log, 30)
        ))
    }
}

/// What a build log's last line says, shortly: the file a compiler command makes, else the
/// line's beginning.
fn progress_hint(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    if let Some(i) = words.iter().position(|w| *w == "-o")
        && let Some(out) = words.get(i + 1)
    {
        return format!(
            "{} {out}",
            if words[0].ends_with("cc") {
                "compiling"
            } else {
                words[0]
            }
        );
    }
    line.trim().chars().take(100).collect()
}

/// The last `n` lines of a file.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_tarball_is_unpacked_into_a_directory_that_goes_away() {
        let work = tempfile::tempdir().unwrap();
        let tree = work.path().join("Python-3.13.5");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("configure"), "#!/bin/sh\n").unwrap();
        let tarball = work.path().join("python3.13_3.13.5.orig.tar.gz");
        crate::util::run(
            Command::new("tar")
                .arg("-czf")
                .arg(&tarball)
                .arg("-C")
                .arg(work.path())
                .arg("Python-3.13.5"),
        )
        .unwrap();
        std::fs::remove_dir_all(&tree).unwrap();

        let unpacked = unpack(&tarball, &work.path().join("build")).unwrap();
        let src = source_tree(unpacked.path()).unwrap();
        assert_eq!(src.file_name().unwrap(), "Python-3.13.5");
        assert!(src.join("configure").is_file());
        let root = unpacked.path().to_owned();
        drop(unpacked);
        assert!(!root.exists());
        let e = source_tree(work.path()).unwrap_err();
        assert!(e.contains("no source tree"), "{e}");
    }

    #[test]
    fn progress_names_the_file_being_compiled() {
        assert_eq!(
            progress_hint("gcc -c -O3 -Wall -I. -o Objects/longobject.o Objects/longobject.c"),
            "compiling Objects/longobject.o"
        );
        assert_eq!(
            progress_hint("checking for setgid..."),
            "checking for setgid..."
        );
    }
}
