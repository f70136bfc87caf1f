//! Cargo's `--message-format=json` output: the artifacts a build made.

use std::path::PathBuf;
use std::process::{Command, Stdio};

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
pub fn executable(artifacts: &[Artifact], name: &str) -> Option<PathBuf> {
    artifacts
        .iter()
        .filter(|a| a.target.name == name)
        .find_map(|a| a.executable.clone())
}

/// Runs a cargo command that builds (`cargo build`, `cargo test --no-run`, `cargo bench
/// --no-run`, ...) with its messages as JSON on stdout (diagnostics are still printed, on
/// stderr), and returns the artifacts it made. An error names the command.
pub fn build(cmd: &mut Command) -> Result<Vec<Artifact>, String> {
    cmd.arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", command_line(cmd)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", command_line(cmd), out.status));
    }
    Ok(artifacts(&out.stdout))
}

/// As [`build`], for a command that builds the target `name`: its executable.
pub fn build_executable(cmd: &mut Command, name: &str) -> Result<PathBuf, String> {
    executable(&build(cmd)?, name).ok_or_else(|| format!("cargo built no `{name}` executable"))
}

/// `cargo ARGS`, as a user would type it.
fn command_line(cmd: &Command) -> String {
    std::iter::once("cargo".into())
        .chain(cmd.get_args().map(|a| a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
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
        let a = artifacts(OUTPUT.as_bytes());
        assert_eq!(
            executable(&a, "all"),
            Some(PathBuf::from("/w/target/debug/deps/all-1a2b"))
        );
        assert_eq!(executable(&a, "libc"), None);
        assert_eq!(executable(&a, "pyrun"), None);
    }
}
