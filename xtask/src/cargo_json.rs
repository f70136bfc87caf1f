//! Cargo's `--message-format=json` output: the artifacts a build made.

use std::path::PathBuf;

use serde::Deserialize;

/// One JSON message of cargo; only artifacts are read.
#[derive(Debug, Deserialize)]
#[serde(tag = "reason")]
enum Message {
    #[serde(rename = "compiler-artifact")]
    Artifact(Artifact),
    #[serde(other)]
    Other,
}

/// A `compiler-artifact` message.
#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    /// `path+file:///.../tests#libpython-tests@0.1.0`.
    #[serde(default)]
    pub package_id: String,
    #[serde(default)]
    pub manifest_path: PathBuf,
    pub target: Target,
    pub profile: Profile,
    /// The executable, for binaries, tests, benches and examples.
    pub executable: Option<PathBuf>,
}

/// The target an artifact was built for.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    pub name: String,
    /// `lib`, `bin`, `test`, `bench`, `example`, ...
    #[serde(default)]
    pub kind: Vec<String>,
}

/// The profile an artifact was built with.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    /// Whether it was built as a test harness.
    #[serde(default)]
    pub test: bool,
}

/// The artifacts among cargo's JSON lines (other lines, and other messages, are skipped).
pub fn artifacts(stdout: &[u8]) -> Vec<Artifact> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| match serde_json::from_str(l) {
            Ok(Message::Artifact(a)) => Some(a),
            _ => None,
        })
        .collect()
}

/// The executable of the target named `name`, if the build made one.
pub fn executable(stdout: &[u8], name: &str) -> Option<PathBuf> {
    artifacts(stdout)
        .into_iter()
        .filter(|a| a.target.name == name)
        .find_map(|a| a.executable)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = concat!(
        r#"{"reason":"compiler-artifact","package_id":"path+file:///w/tests#libpython-tests@0.1.0","manifest_path":"/w/tests/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"all","src_path":"/w/tests/all/main.rs","edition":"2024","doc":false,"doctest":false,"test":true},"profile":{"opt_level":"0","debuginfo":1,"debug_assertions":true,"overflow_checks":true,"test":true},"features":[],"filenames":["/w/target/debug/deps/all-1a2b"],"executable":"/w/target/debug/deps/all-1a2b","fresh":true}"#,
        "\n",
        r#"{"reason":"compiler-artifact","package_id":"registry+x#libc@0.2.1","manifest_path":"/r/libc/Cargo.toml","target":{"kind":["lib"],"name":"libc"},"profile":{"test":false},"executable":null,"fresh":true}"#,
        "\n",
        r#"{"reason":"build-script-executed","package_id":"x","linked_libs":[],"out_dir":"/o"}"#,
        "\n",
        "warning: not JSON\n",
        r#"{"reason":"build-finished","success":true}"#,
        "\n"
    );

    #[test]
    fn reads_artifacts_and_skips_everything_else() {
        let a = artifacts(OUTPUT.as_bytes());
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].target.name, "all");
        assert_eq!(a[0].target.kind, ["test"]);
        assert!(a[0].profile.test);
        assert_eq!(
            a[0].package_id,
            "path+file:///w/tests#libpython-tests@0.1.0"
        );
        assert_eq!(a[0].manifest_path, PathBuf::from("/w/tests/Cargo.toml"));
        assert_eq!(a[1].executable, None);
        assert!(!a[1].profile.test);
    }

    #[test]
    fn finds_an_executable_by_target_name() {
        assert_eq!(
            executable(OUTPUT.as_bytes(), "all"),
            Some(PathBuf::from("/w/target/debug/deps/all-1a2b"))
        );
        assert_eq!(executable(OUTPUT.as_bytes(), "libc"), None);
        assert_eq!(executable(OUTPUT.as_bytes(), "pyrun"), None);
    }
}
