//! Debian's package tools, used by the matrix: installing a package the machine lacks, and
//! downloading a source package of another Debian release through a *private* apt
//! configuration (its own sources list, package lists and cache under the cache directory),
//! so the system's apt configuration is never edited.
//!
//! The archive's address is never written here: it is read from the machine's own apt
//! sources (`/etc/apt/sources.list.d/*.sources` deb822 stanzas, or one-line
//! `/etc/apt/sources.list` entries).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{run, step};

/// One archive the machine's apt configuration uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// The archive's base URI.
    pub uri: String,
    /// Its suites (`bookworm`, `bookworm-updates`, ...).
    pub suites: Vec<String>,
    /// The keyring named by `Signed-By`, if any.
    pub signed_by: Option<String>,
}

/// Reads deb822 `.sources` stanzas (`Types:`, `URIs:`, `Suites:`, `Signed-By:`).
pub fn parse_deb822(text: &str) -> Vec<Archive> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let (mut types, mut uris, mut suites, mut signed, mut enabled) =
            (String::new(), String::new(), String::new(), None, true);
        for line in stanza.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim().to_owned();
            match k.trim().to_ascii_lowercase().as_str() {
                "types" => types = v,
                "uris" => uris = v,
                "suites" => suites = v,
                // A multi-line armored key in the field is not a path: keep paths only.
                "signed-by" if v.starts_with('/') => signed = Some(v),
                "enabled" => enabled = v != "no",
                _ => {}
            }
        }
        if !enabled
            || !types
                .split_whitespace()
                .any(|t| t == "deb" || t == "deb-src")
        {
            continue;
        }
        for uri in uris.split_whitespace() {
            out.push(Archive {
                uri: uri.to_owned(),
                suites: suites.split_whitespace().map(str::to_owned).collect(),
                signed_by: signed.clone(),
            });
        }
    }
    out
}

/// Reads one-line entries: `deb [options] URI suite component...`.
pub fn parse_one_line(text: &str) -> Vec<Archive> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace().peekable();
        if !matches!(words.next(), Some("deb" | "deb-src")) {
            continue;
        }
        let mut signed_by = None;
        if words.peek().is_some_and(|w| w.starts_with('[')) {
            for w in words.by_ref() {
                let opt = w.trim_start_matches('[').trim_end_matches(']');
                if let Some(p) = opt.strip_prefix("signed-by=") {
                    signed_by = Some(p.to_owned());
                }
                if w.ends_with(']') {
                    break;
                }
            }
        }
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else {
            continue;
        };
        out.push(Archive {
            uri: uri.to_owned(),
            suites: vec![suite.to_owned()],
            signed_by,
        });
    }
    out
}

/// Every archive of the machine's apt configuration.
pub fn machine_archives() -> Vec<Archive> {
    let mut out = Vec::new();
    if let Ok(t) = std::fs::read_to_string("/etc/apt/sources.list") {
        out.extend(parse_one_line(&t));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        let Ok(t) = std::fs::read_to_string(&f) else {
            continue;
        };
        match f.extension().and_then(|e| e.to_str()) {
            Some("sources") => out.extend(parse_deb822(&t)),
            Some("list") => out.extend(parse_one_line(&t)),
            _ => {}
        }
    }
    out
}

/// The machine's main Debian archive: the first one serving a release suite (a suite name
/// without a `-updates` / `-security` / `-backports` part), which is the archive that also
/// serves other releases.
pub fn main_archive(archives: &[Archive]) -> Option<&Archive> {
    archives.iter().find(|a| {
        a.suites
            .iter()
            .any(|s| !s.contains('-') && !s.contains('/'))
    })
}

/// Whether this process runs as root (apt-get can install).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs Debian packages with `apt-get install` (refreshing the package lists and trying
/// again once if the first attempt fails).
pub fn install(packages: &[&str]) -> Result<(), String> {
    if !is_root() {
        return Err(format!(
            "{} not installed, and this is not root: run `apt-get install {}` as root",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    step(&format!("apt-get install {}", packages.join(" ")));
    let attempt = || {
        let mut c = Command::new("apt-get");
        c.args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    if attempt().is_ok() {
        return Ok(());
    }
    step("apt-get install failed; refreshing the package lists (apt-get update) and trying again");
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    attempt().map_err(|e| format!("apt-get install {} failed: {e}", packages.join(" ")))
}

/// Downloads the source package `package` of the Debian release `suite` into `dest`, through
/// a private apt configuration under `work` that serves `deb-src <machine's archive> suite
/// main` only. Returns the files downloaded (`.dsc`, `.orig.tar.*`, `.debian.tar.*`), each
/// checked by apt against the release's signed index.
pub fn download_source(
    package: &str,
    suite: &str,
    work: &Path,
    dest: &Path,
) -> Result<Vec<PathBuf>, String> {
    let archives = machine_archives();
    let main = main_archive(&archives).ok_or_else(|| {
        format!("no Debian archive found in the machine's apt configuration (/etc/apt/sources.list, /etc/apt/sources.list.d/) to fetch {package} ({suite}) from")
    })?;
    let etc = work.join("etc");
    let parts = etc.join("sources.list.d");
    let lists = work.join("lists");
    let cache = work.join("cache");
    for d in [
        &parts,
        &lists.join("partial"),
        &cache.join("archives/partial"),
        &dest.to_path_buf(),
    ] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let opts = match &main.signed_by {
        Some(k) => format!("[signed-by={k}] "),
        None => String::new(),
    };
    let list = etc.join("sources.list");
    std::fs::write(&list, format!("deb-src {opts}{} {suite} main\n", main.uri))
        .map_err(|e| format!("cannot write {}: {e}", list.display()))?;
    let private = |c: &mut Command| {
        c.arg("-o")
            .arg(format!("Dir::Etc::sourcelist={}", list.display()))
            .arg("-o")
            .arg(format!("Dir::Etc::sourceparts={}", parts.display()))
            .arg("-o")
            .arg(format!("Dir::State::Lists={}", lists.display()))
            .arg("-o")
            .arg(format!("Dir::Cache={}", cache.display()))
            .args(["-o", "APT::Sandbox::User=root", "-qq"]);
    };
    step(&format!(
        "fetching the {suite} source index (private apt configuration in {})",
        work.display()
    ));
    let mut c = Command::new("apt-get");
    private(&mut c);
    run(c.arg("update"))
        .map_err(|e| format!("apt-get update of the private {suite} deb-src list failed: {e}"))?;
    step(&format!("downloading the source of {package} ({suite})"));
    let _ = std::fs::remove_dir_all(dest);
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let mut c = Command::new("apt-get");
    private(&mut c);
    run(c
        .args(["source", "--download-only", package])
        .current_dir(dest))
    .map_err(|e| format!("apt-get source {package} ({suite}) failed: {e}"))?;
    let files = list_dir(dest);
    if files.is_empty() {
        return Err(format!(
            "apt-get source {package} downloaded nothing into {}",
            dest.display()
        ));
    }
    Ok(files)
}

fn list_dir(d: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(d)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_deb822_stanzas() {
        let text = "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/k.gpg\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://off.example\nSuites: x\n";
        let a = parse_deb822(text);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].uri, "http://mirror.example/debian");
        assert_eq!(a[0].suites, ["bookworm", "bookworm-updates"]);
        assert_eq!(a[0].signed_by.as_deref(), Some("/usr/share/keyrings/k.gpg"));
        assert_eq!(
            main_archive(&a).unwrap().uri,
            "http://mirror.example/debian"
        );
    }

    #[test]
    fn reads_one_line_entries() {
        let text = "# deb http://commented.example x main\ndeb-src http://src.example/debian bookworm-security main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib\n";
        let a = parse_one_line(text);
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[1],
            Archive {
                uri: "http://mirror.example/debian".into(),
                suites: vec!["bookworm".into()],
                signed_by: Some("/k.gpg".into())
            }
        );
        assert_eq!(
            main_archive(&a).unwrap().uri,
            "http://mirror.example/debian"
        );
    }
}
