//! Names the commit the binary is built from, for `handoff --version`: "commit abc1234", or
//! "unknown commit" when the sources are not a git checkout (an unpacked source archive) or git
//! is not installed.
//!
//! Cargo runs this again only when the checked-out commit changes: it watches the HEAD file
//! (a checkout or a switch of branch) and the file of the branch HEAD names (a commit), and
//! `packed-refs` in case the branch lives there. Nothing else in the sources reruns it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let words = match git(&manifest_dir, &["rev-parse", "--show-toplevel"]) {
        // Only this crate's own repository: a checkout that merely contains the sources (a
        // vendored copy inside another project) would name someone else's commit.
        Some(top) if same_dir(Path::new(&top), &manifest_dir) => {
            watch_head(&manifest_dir);
            match git(&manifest_dir, &["rev-parse", "--short", "HEAD"]) {
                Some(commit) => format!("commit {commit}"),
                None => "unknown commit".to_owned(),
            }
        }
        _ => "unknown commit".to_owned(),
    };
    println!("cargo:rustc-env=HANDOFF_COMMIT_WORDS={words}");
}

/// Asks cargo to rerun this when HEAD moves: HEAD itself, the branch it points to, packed-refs.
/// `git rev-parse --git-path` finds each where it is, in a plain clone or a worktree.
fn watch_head(dir: &Path) {
    let mut files = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        files.push(branch);
    }
    for file in files {
        let Some(path) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", &file],
        ) else {
            continue;
        };
        let path = PathBuf::from(path);
        // A path that does not exist would rerun this at every build. A branch kept only in
        // packed-refs gets its own file at the next commit: its folder changes then.
        match (path.exists(), path.parent()) {
            (true, _) => println!("cargo:rerun-if-changed={}", path.display()),
            (false, Some(folder)) if file.starts_with("refs/") && folder.exists() => {
                println!("cargo:rerun-if-changed={}", folder.display())
            }
            _ => {}
        }
    }
}

/// What git prints, trimmed, or None when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
