//! Every relative link between the project's pages leads somewhere: the file exists, and a
//! `#anchor` names a heading of that page, spelled as GitHub spells it (lowercase, spaces to
//! `-`, punctuation dropped; a repeated heading gets `-1`, `-2`). The README sends a newcomer to
//! `docs/`, and the pages send each other to sections, so a renamed heading or a moved page fails
//! here, naming the page, the link and what is missing.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pages a reader follows links between: the README, CONTRIBUTING.md, ARCHITECTURE.md and
/// every page under `docs/`.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut pages: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "ARCHITECTURE.md"]
        .iter()
        .map(|name| root.join(name))
        .collect();
    let docs = root.join("docs");
    let entries = std::fs::read_dir(&docs)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", docs.display()));
    let mut found: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable entry of docs/").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    found.sort();
    pages.extend(found);
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The page's lines outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// A heading's anchor as GitHub makes it.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut anchors = BTreeSet::new();
    for line in prose(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim_end_matches('#'));
        let repeats = seen.iter().filter(|s| **s == base).count();
        anchors.insert(if repeats == 0 {
            base.clone()
        } else {
            format!("{base}-{repeats}")
        });
        seen.push(base);
    }
    anchors
}

/// The targets of `[text](target)` links in the page's prose, without inline code spans.
fn links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    for line in prose(text) {
        // Inline code is every other piece between backticks.
        let outside_code: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = outside_code.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            links.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    links
}

/// `dir/target` with `.` and `..` worked out, without asking the file system.
fn join(dir: &Path, target: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for component in dir.join(target).components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

#[test]
fn every_link_between_the_pages_leads_to_a_file_and_a_heading() {
    let root = root();
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        let name = page
            .strip_prefix(&root)
            .unwrap_or(&page)
            .display()
            .to_string();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") || link.contains(' ') {
                continue;
            }
            checked += 1;
            let (file, anchor) = link.split_once('#').unwrap_or((link.as_str(), ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                join(page.parent().expect("a page is in a folder"), file)
            };
            if !target.exists() {
                broken.push(format!("{name}: ({link}) leads to no file"));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            if target.extension().is_none_or(|ext| ext != "md") {
                broken.push(format!(
                    "{name}: ({link}) has an anchor into a file that is no page"
                ));
            } else if !anchors(&read(&target)).contains(anchor) {
                broken.push(format!("{name}: ({link}) names no heading of that page"));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the reader broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_spelled_as_github_spells_them() {
    let page = "# The team's relay (issue 20)\n\n```\n# not a heading\n```\n## `handoff floor`\n## Notes\n## Notes\n";
    let anchors = anchors(page);
    let expected: BTreeSet<String> = [
        "the-teams-relay-issue-20",
        "handoff-floor",
        "notes",
        "notes-1",
    ]
    .map(String::from)
    .into();
    assert_eq!(anchors, expected);
    assert_eq!(
        links("see [a](b.md#c) and `[not](a-link)`, [d](../e.md)"),
        ["b.md#c", "../e.md"]
    );
}
