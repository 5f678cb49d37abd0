//! `handoff --version` names the commit the binary was built from (build.rs).

use std::process::Command;

/// In a git checkout the words carry the checked-out commit, which the build watches; outside
/// one they say so instead of naming nothing.
#[test]
fn version_names_the_commit_it_was_built_from() {
    let output = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .arg("--version")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    let head = Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short",
            "HEAD",
        ])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    let words = match head {
        Some(commit) => format!("commit {commit}"),
        None => "unknown commit".to_owned(),
    };
    assert_eq!(
        printed.trim_end(),
        format!("handoff {} ({words})", env!("CARGO_PKG_VERSION")),
    );
}
