//! The newest CPython versions the matrix looks for: 3.14, 3.14t, 3.15 and 3.15t.
//!
//! Each is looked for the way the matrix finds the others, in order:
//!
//! 1. pyenv (`~/.pyenv/versions/3.14.N` and, free-threaded, `3.14.Nt`): the matrix's pyenv
//!    scan already makes it a configuration;
//! 2. `python3.14` / `python3.14t` on `PATH`;
//! 3. a build from the newest upstream source the machine's package archives can actually
//!    download: the `python3.14` source package of Debian's testing, unstable and experimental
//!    suites, read through a private apt configuration (as for the free-threaded 3.13), its
//!    `.orig` tarball fetched with apt's own downloader, which checks it against the signed
//!    index, then `./configure --enable-shared [--disable-gil]`, `make`, `make install` under the
//!    cache directory.
//!
//! What cannot be had is reported as "not available here" with the reason, and never fails
//! the matrix. The negative answer of step 3 (the archives answer 404, the build failed) is
//! kept in `<cache>/newest/` and trusted for a day, so a matrix run does not ask the archives
//! or start a build each time; `--recheck-newest` asks again at once. A build that failed is
//! not tried again for the same source version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::util::{cache_dir, fmt_duration, python_output, step};

/// The versions looked for: (minor, free-threaded).
pub const WANTED: &[(u32, bool)] = &[(14, false), (14, true), (15, false), (15, true)];

/// The Debian suites whose source index is searched for `python3.X`.
pub const SUITES: &[&str] = &["testing", "unstable", "experimental"];

/// How long a negative answer is trusted before the archives are asked again.
pub const RECHECK_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// apt's downloader, which checks a file against the hash the signed index gives.
const APT_HELPER: &str = "/usr/lib/apt/apt-helper";

/// `3.14` or `3.14t`.
pub fn label(minor: u32, free_threaded: bool) -> String {
    format!("3.{minor}{}", if free_threaded { "t" } else { "" })
}

/// What the search found for one wanted version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Already a configuration of the matrix (pyenv's).
    Covered {
        /// The configuration's name.
        config: String,
    },
    /// A Python to run the suite against, as a new configuration.
    Found {
        /// How it was found.
        how: String,
        /// The configuration's name (`path 3.14`, `built 3.14t`).
        config: String,
        /// The interpreter.
        python: PathBuf,
    },
    /// Not to be had here.
    NotAvailable {
        /// Why.
        reason: String,
    },
}

/// One wanted version and what the search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// Its minor version.
    pub minor: u32,
    /// Whether the free-threaded build is wanted.
    pub free_threaded: bool,
    /// What was found.
    pub outcome: Outcome,
}

/// The lines the matrix prints about the newest versions.
pub fn report(lookups: &[Lookup]) -> Vec<String> {
    let mut out = vec!["newest Pythons looked for (pyenv, python3.X on PATH, a source build from the package archives):".to_owned()];
    for l in lookups {
        let text = match &l.outcome {
            Outcome::Covered { config } => format!("found: configuration `{config}`"),
            Outcome::Found { how, config, .. } => format!("found: {how}: configuration `{config}`"),
            Outcome::NotAvailable { reason } => format!("not available here: {reason}"),
        };
        out.push(format!("  {:<6} {text}", label(l.minor, l.free_threaded)));
    }
    out
}

/// Looks for every wanted version. `pyenv` has the configurations the matrix's pyenv scan
/// made, by (minor, free-threaded); `recheck` ignores cached negative answers.
pub fn look(pyenv: &BTreeMap<(u32, bool), String>, recheck: bool) -> Vec<Lookup> {
    let mut index: Option<Result<Index, String>> = None;
    // A release and a free-threaded build share a source package: download it once.
    let mut downloads: BTreeMap<String, Result<Tarball, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for &(minor, free_threaded) in WANTED {
        let name = label(minor, free_threaded);
        let outcome = if let Some(config) = pyenv.get(&(minor, free_threaded)) {
            Outcome::Covered {
                config: config.clone(),
            }
        } else if let Some(python) = on_path(&format!("python{name}")) {
            Outcome::Found {
                how: format!("python{name} on PATH ({})", python.display()),
                config: format!("path {name}"),
                python,
            }
        } else {
            from_source(minor, free_threaded, recheck, &mut index, &mut downloads)
        };
        out.push(Lookup {
            minor,
            free_threaded,
            outcome,
        });
    }
    out
}

/// The first `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Where a source build of `3.X[t]` is installed.
fn prefix(minor: u32, free_threaded: bool) -> PathBuf {
    cache_dir().join(format!("python{}", label(minor, free_threaded)))
}

/// The file keeping the last negative answer for `3.X[t]`.
fn status_file(minor: u32, free_threaded: bool) -> PathBuf {
    cache_dir()
        .join("newest")
        .join(format!("python{}.status", label(minor, free_threaded)))
}

/// A negative answer kept between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negative {
    /// When it was found (seconds since the Unix epoch).
    pub checked: u64,
    /// The source version whose build failed, if the answer is a failed build (it is not
    /// tried again for that version).
    pub failed_build: Option<String>,
    /// Why.
    pub reason: String,
}

impl Negative {
    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut s = format!("checked {}\n", self.checked);
        if let Some(v) = &self.failed_build {
            s += &format!("failed-build {v}\n");
        }
        s + &format!("reason {}\n", self.reason.replace('\n', " "))
    }

    /// Reads a file written by [`Negative::to_text`].
    pub fn parse(text: &str) -> Option<Negative> {
        let (mut checked, mut failed_build, mut reason) = (None, None, None);
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("checked", v)) => checked = v.parse().ok(),
                Some(("failed-build", v)) => failed_build = Some(v.to_owned()),
                Some(("reason", v)) => reason = Some(v.to_owned()),
                _ => {}
            }
        }
        Some(Negative {
            checked: checked?,
            failed_build,
            reason: reason?,
        })
    }

    /// Whether it is recent enough to be trusted at `now` (seconds since the epoch).
    pub fn is_fresh(&self, now: u64) -> bool {
        now.saturating_sub(self.checked) < RECHECK_AFTER.as_secs()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn remember(minor: u32, free_threaded: bool, failed_build: Option<String>, reason: &str) {
    let file = status_file(minor, free_threaded);
    let _ = std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")));
    let n = Negative {
        checked: now(),
        failed_build,
        reason: reason.to_owned(),
    };
    let _ = std::fs::write(&file, n.to_text());
}

/// Step 3: a source build, reused when made before.
fn from_source(
    minor: u32,
    free_threaded: bool,
    recheck: bool,
    index: &mut Option<Result<Index, String>>,
    downloads: &mut BTreeMap<String, Result<Tarball, String>>,
) -> Outcome {
    let name = label(minor, free_threaded);
    let python = prefix(minor, free_threaded)
        .join("bin")
        .join(format!("python{name}"));
    let stamp = prefix(minor, free_threaded).join(".libpython-build");
    if !recheck
        && python.exists()
        && let Ok(built) = std::fs::read_to_string(&stamp)
        && verify(&python, free_threaded).is_ok()
    {
        return Outcome::Found {
            how: format!("built from {built} (cached)"),
            config: format!("built {name}"),
            python,
        };
    }
    let cached = std::fs::read_to_string(status_file(minor, free_threaded))
        .ok()
        .and_then(|t| Negative::parse(&t));
    if !recheck && let Some(n) = cached.as_ref().filter(|n| n.is_fresh(now())) {
        let age = Duration::from_secs(now().saturating_sub(n.checked));
        return Outcome::NotAvailable {
            reason: format!(
                "{} (found {} ago; asked again after a day, or with --recheck-newest)",
                n.reason,
                fmt_duration(age)
            ),
        };
    }
    let index = index.get_or_insert_with(Index::fetch);
    let index = match index {
        Ok(i) => i,
        Err(e) => {
            let reason = format!(
                "no pyenv {name}, no python{name} on PATH, and the package index could not be read: {e}"
            );
            remember(minor, free_threaded, None, &reason);
            return Outcome::NotAvailable { reason };
        }
    };
    let package = format!("python3.{minor}");
    let tarball = match downloads
        .entry(package.clone())
        .or_insert_with(|| index.download_newest(&package))
        .clone()
    {
        Ok(t) => t,
        Err(e) => {
            let reason = format!("no pyenv {name}, no python{name} on PATH, and {e}");
            remember(minor, free_threaded, None, &reason);
            return Outcome::NotAvailable { reason };
        }
    };
    if let Some(n) = &cached
        && !recheck
        && n.failed_build.as_deref() == Some(tarball.version.as_str())
    {
        let reason = n.reason.clone();
        remember(minor, free_threaded, n.failed_build.clone(), &reason);
        return Outcome::NotAvailable { reason };
    }
    match build(&tarball, minor, free_threaded) {
        Ok(python) => {
            let _ = std::fs::remove_file(status_file(minor, free_threaded));
            Outcome::Found {
                how: format!("built from {package} {}", tarball.version),
                config: format!("built {name}"),
                python,
            }
        }
        Err(e) => {
            let reason = format!(
                "{package} {} was downloaded, but building it failed: {e}",
                tarball.version
            );
            remember(minor, free_threaded, Some(tarball.version.clone()), &reason);
            Outcome::NotAvailable { reason }
        }
    }
}

/// A downloaded upstream source tarball.
#[derive(Debug, Clone)]
struct Tarball {
    /// The Debian source version it came with (`3.14.10-1`).
    version: String,
    path: PathBuf,
}

/// The private apt configuration serving the source index of [`SUITES`].
struct Index {
    work: PathBuf,
    suites: String,
}

impl Index {
    /// Writes the private configuration and fetches the index.
    fn fetch() -> Result<Index, String> {
        let archives = crate::apt::machine_archives();
        let main = crate::apt::main_archive(&archives)
            .ok_or("the machine's apt configuration names no Debian archive")?;
        let work = cache_dir().join("build").join("newest").join("apt");
        for d in [
            work.join("etc/sources.list.d"),
            work.join("lists/partial"),
            work.join("cache/archives/partial"),
        ] {
            std::fs::create_dir_all(&d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        let opts = main
            .signed_by
            .as_ref()
            .map(|k| format!("[signed-by={k}] "))
            .unwrap_or_default();
        let list: String = SUITES
            .iter()
            .map(|s| format!("deb-src {opts}{} {s} main\n", main.uri))
            .collect();
        std::fs::write(work.join("etc/sources.list"), list).map_err(|e| e.to_string())?;
        let index = Index {
            work,
            suites: SUITES.join(", "),
        };
        step(&format!(
            "reading the source index of {} (private apt configuration in {})",
            index.suites,
            index.work.display()
        ));
        let out = index
            .apt("apt-get")
            .arg("update")
            .output()
            .map_err(|e| format!("cannot run apt-get: {e}"))?;
        if !out.status.success() {
            return Err(format!("apt-get update failed: {}", last_line(&out.stderr)));
        }
        Ok(index)
    }

    fn apt(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        let w = &self.work;
        for (k, v) in [
            ("Dir::Etc::sourcelist", w.join("etc/sources.list")),
            ("Dir::Etc::sourceparts", w.join("etc/sources.list.d")),
            ("Dir::State::Lists", w.join("lists")),
            ("Dir::Cache", w.join("cache")),
        ] {
            c.arg("-o").arg(format!("{k}={}", v.display()));
        }
        c.args(["-o", "APT::Sandbox::User=root", "-qq"]);
        c
    }

    /// Downloads the upstream tarball of the newest version of `package` that can be had;
    /// the error says what the index lists and why none could be downloaded.
    fn download_newest(&self, package: &str) -> Result<Tarball, String> {
        let out = self
            .apt("apt-cache")
            .args(["showsrc", package])
            .output()
            .map_err(|e| format!("cannot run apt-cache: {e}"))?;
        let versions = source_versions(&String::from_utf8_lossy(&out.stdout), package);
        if versions.is_empty() {
            return Err(format!(
                "the package index ({}) has no {package} source package",
                self.suites
            ));
        }
        let dest = cache_dir().join("build").join("newest").join("downloads");
        std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
        let mut failures = Vec::new();
        for v in &versions {
            let uris = self
                .apt("apt-get")
                .args(["source", "--print-uris"])
                .arg(format!("{package}={v}"))
                .output()
                .map_err(|e| e.to_string())?;
            let Some(orig) = orig_tarball(&String::from_utf8_lossy(&uris.stdout)) else {
                failures.push(format!("{v}: no upstream tarball listed"));
                continue;
            };
            let path = dest.join(&orig.file);
            if path.metadata().is_ok_and(|m| m.len() == orig.size) {
                return Ok(Tarball {
                    version: v.clone(),
                    path,
                });
            }
            step(&format!("downloading the upstream source of {package} {v}"));
            let out = Command::new(APT_HELPER)
                .args(["-o", "APT::Sandbox::User=root", "download-file"])
                .arg(&orig.uri)
                .arg(&path)
                .arg(&orig.hash)
                .output()
                .map_err(|e| format!("cannot run {APT_HELPER}: {e}"))?;
            if out.status.success() && path.is_file() {
                return Ok(Tarball {
                    version: v.clone(),
                    path,
                });
            }
            let _ = std::fs::remove_file(&path);
            failures.push(format!(
                "{v}: {}",
                download_error(&String::from_utf8_lossy(&out.stderr))
            ));
        }
        Err(format!(
            "the package index ({}) lists {package} {}, but no upstream source archive of it can be downloaded here ({})",
            self.suites,
            versions.join(", "),
            failures.join("; ")
        ))
    }
}

/// The versions `apt-cache showsrc` lists for `package`, newest first.
pub fn source_versions(showsrc: &str, package: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut current = None;
    for line in showsrc.lines() {
        if let Some(p) = line.strip_prefix("Package: ") {
            current = Some(p.trim() == package);
        } else if let Some(v) = line.strip_prefix("Version: ")
            && current == Some(true)
            && !versions.iter().any(|x| x == v.trim())
        {
            versions.push(v.trim().to_owned());
        }
    }
    versions.sort_by_key(|v| std::cmp::Reverse(version_key(v)));
    versions
}

/// A Debian version's numbers, for ordering (`3.14.10-1` after `3.14.9-1`).
fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(0))
        .collect()
}

/// One file `apt-get source --print-uris` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// Where to fetch it.
    pub uri: String,
    /// Its file name.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// `SHA256:...`, as apt's downloader takes it.
    pub hash: String,
}

/// The upstream tarball (`*.orig.tar.*`, not its signature) among `--print-uris` lines:
/// `'URI' FILE SIZE HASH`.
pub fn orig_tarball(print_uris: &str) -> Option<Uri> {
    print_uris.lines().find_map(|line| {
        let mut w = line.split_whitespace();
        let uri = w.next()?.trim_matches('\'');
        let file = w.next()?;
        let size = w.next()?.parse().ok()?;
        let hash = w.next()?;
        (file.contains(".orig.tar.") && !file.ends_with(".asc")).then(|| Uri {
            uri: uri.to_owned(),
            file: file.to_owned(),
            size,
            hash: hash.to_owned(),
        })
    })
}

/// The gist of a failed download (`404  Not Found`), without the archive's address.
pub fn download_error(stderr: &str) -> String {
    if stderr.lines().any(|l| l.contains(" 404 ")) {
        return "404 Not Found".to_owned();
    }
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("E: ").to_owned())
        .unwrap_or_else(|| "the download failed".to_owned())
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Checks that a build runs, is of the expected kind, and has the modules pip needs.
fn verify(python: &Path, free_threaded: bool) -> Result<(), String> {
    let out = python_output(
        python,
        "import sysconfig; print(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))",
    )?;
    if out != if free_threaded { "True" } else { "False" } {
        return Err(format!(
            "{} is not the expected kind of build (Py_GIL_DISABLED {out})",
            python.display()
        ));
    }
    for (module, package) in crate::freethreaded::REQUIRED_MODULES {
        if python_output(python, &format!("import {module}")).is_err() {
            return Err(format!(
                "{} was built without {module} (install {package})",
                python.display()
            ));
        }
    }
    Ok(())
}

/// Builds and installs `tarball` for `3.X[t]` under the cache directory.
fn build(tarball: &Tarball, minor: u32, free_threaded: bool) -> Result<PathBuf, String> {
    let name = label(minor, free_threaded);
    let prefix = prefix(minor, free_threaded);
    let work = cache_dir().join("build").join(format!("python{name}"));
    step(&format!(
        "building CPython {name} from {} into {} (first time only)",
        tarball.path.display(),
        prefix.display()
    ));
    let mut options = vec!["--enable-shared", "--with-ensurepip=no"];
    if free_threaded {
        options.push("--disable-gil");
    }
    crate::cpython_build::build(&tarball.path, &work, &prefix, &options)?;
    let python = prefix.join("bin").join(format!("python{name}"));
    verify(&python, free_threaded)?;
    let stamp = prefix.join(".libpython-build");
    std::fs::write(&stamp, format!("python3.{minor} {}", tarball.version))
        .map_err(|e| e.to_string())?;
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOWSRC: &str = "Package: python3.14\nBinary: python3.14, libpython3.14\nVersion: 3.14.9-1\nFiles:\n x\n\nPackage: python3.14\nVersion: 3.14.10-1\n\nPackage: python3.14-doc\nVersion: 9.9-1\n\nPackage: python3.14\nVersion: 3.14.8-1\n";

    #[test]
    fn lists_the_source_versions_newest_first() {
        assert_eq!(
            source_versions(SHOWSRC, "python3.14"),
            ["3.14.10-1", "3.14.9-1", "3.14.8-1"]
        );
        assert!(source_versions(SHOWSRC, "python3.15").is_empty());
    }

    #[test]
    fn finds_the_upstream_tarball_among_the_uris() {
        let text = "'http://archive.example/p/python3.13_3.13.18-1.dsc' python3.13_3.13.18-1.dsc 3000 SHA256:aa\n\
                    'http://archive.example/p/python3.13_3.13.18.orig.tar.xz' python3.13_3.13.18.orig.tar.xz 23243936 SHA256:abb0\n\
                    'http://archive.example/p/python3.13_3.13.18.orig.tar.xz.asc' python3.13_3.13.18.orig.tar.xz.asc 833 SHA256:829d\n";
        let u = orig_tarball(text).unwrap();
        assert_eq!(
            u.uri,
            "http://archive.example/p/python3.13_3.13.18.orig.tar.xz"
        );
        assert_eq!(
            (u.file.as_str(), u.size, u.hash.as_str()),
            ("python3.13_3.13.18.orig.tar.xz", 23243936, "SHA256:abb0")
        );
        assert_eq!(orig_tarball("'http://a/x.dsc' x.dsc 10 SHA256:00\n"), None);
    }

    #[test]
    fn a_missing_archive_is_reported_without_its_address() {
        let e = "E: Failed to fetch http://archive.example/p/python3.14_3.14.10.orig.tar.xz  404  Not Found [IP: 192.0.2.1 80]\nE: Download Failed\n";
        assert_eq!(download_error(e), "404 Not Found");
        assert_eq!(
            download_error("E: Connection timed out\n"),
            "Connection timed out"
        );
    }

    #[test]
    fn a_negative_answer_round_trips_and_expires_after_a_day() {
        let n = Negative {
            checked: 1_000_000,
            failed_build: Some("3.15.2-1".into()),
            reason: "make failed\nsee the log".into(),
        };
        let back = Negative::parse(&n.to_text()).unwrap();
        assert_eq!(back.failed_build.as_deref(), Some("3.15.2-1"));
        assert_eq!(back.reason, "make failed see the log");
        assert!(back.is_fresh(1_000_000 + 3600));
        assert!(!back.is_fresh(1_000_000 + RECHECK_AFTER.as_secs()));
        assert_eq!(Negative::parse("reason only\n"), None);
    }

    #[test]
    fn the_report_names_each_version_and_what_was_found() {
        let lines = report(&[
            Lookup {
                minor: 14,
                free_threaded: false,
                outcome: Outcome::Covered {
                    config: "pyenv 3.14".into(),
                },
            },
            Lookup {
                minor: 14,
                free_threaded: true,
                outcome: Outcome::Found {
                    how: "python3.14t on PATH (/opt/bin/python3.14t)".into(),
                    config: "path 3.14t".into(),
                    python: "/opt/bin/python3.14t".into(),
                },
            },
            Lookup {
                minor: 15,
                free_threaded: false,
                outcome: Outcome::NotAvailable {
                    reason: "404".into(),
                },
            },
        ]);
        assert_eq!(lines[1], "  3.14   found: configuration `pyenv 3.14`");
        assert_eq!(
            lines[2],
            "  3.14t  found: python3.14t on PATH (/opt/bin/python3.14t): configuration `path 3.14t`"
        );
        assert_eq!(lines[3], "  3.15   not available here: 404");
    }
}
