//! The library's layers only look down: each top-level module of `src/` may take names only from
//! modules of a lower layer (ARCHITECTURE.md draws them). The imports are read from the source
//! text, every `crate::<module>` a file names outside its comments, tests included, so that an
//! import up a layer (or a loop between two modules) fails here, naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom first. A module imports from lower layers only, never from its own or a higher one.
const LAYERS: &[&[&str]] = &[
    // Id shapes, safe text, secrets, words, and the small helpers for local files.
    &[
        "ids",
        "terminal_safe",
        "secret",
        "words",
        "diagnostics",
        "blocking",
        "file_lock",
    ],
    &["config"],
    // What the team keeps in Redis, and the link to it.
    &["team"],
    &["budget"],
    &["platform", "callback", "roster"],
    // Reads besides transfers; the demo's simulator, config and roster; the callback relay.
    &["directory", "demo", "relay"],
    &["transfer"],
    &["account"],
    &["tui"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file of `src/` belongs to (`src/tui/view/live.rs` → `tui`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    Path::new(first)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The modules `text` names as `crate::<module>` outside its comments, in a path or a group.
fn imported(text: &str) -> BTreeSet<String> {
    used_paths(&without_comments(text))
        .into_iter()
        .filter(|path| path.first().is_some_and(|start| start == "crate"))
        .filter_map(|path| path.into_iter().nth(1))
        .collect()
}

/// `text` with every `//` comment (doc comments too) left out, so a name in words is no import.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_module_imports_only_from_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut unplaced = BTreeSet::new();
    for file in sources(&src) {
        let module = module_of(&src, &file);
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let Some(layer) = layer_of(&module) else {
            unplaced.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for other in imported(&text) {
            if other == module {
                continue;
            }
            match layer_of(&other) {
                Some(theirs) if theirs < layer => {}
                Some(_) => wrong.push(format!(
                    "{} ({module}) imports {other}, which is not below it",
                    file.strip_prefix(&src).unwrap().display()
                )),
                None => {
                    unplaced.insert(other);
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules in no layer (add them to LAYERS and ARCHITECTURE.md): {unplaced:?}"
    );
    assert!(
        wrong.is_empty(),
        "imports that do not look down:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn imports_are_read_from_paths_and_groups_but_not_comments() {
    let text = "use crate::ids::SessionId;\n\
                use crate::{budget::Slot, team::{Claims, Link}};\n\
                // see crate::tui for how it is shown\n\
                let x = crate::platform::one();";
    assert_eq!(
        imported(text),
        ["budget", "ids", "platform", "team"]
            .map(String::from)
            .into()
    );
}

/// A file's module path within the crate: `src/tui/view/live.rs` → `["tui", "view", "live"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect()
}

/// The paths `code` uses, each whole and starting at `crate`, `super` or `self`, groups spread:
/// `use super::{a, b::{c, d}}` gives `super::a`, `super::b::c` and `super::b::d`.
fn used_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(start) {
            let before = at.checked_sub(1).map(|i| bytes[i] as char);
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            spread(&code[at..], Vec::new(), &mut paths);
        }
    }
    paths
}

/// Reads one path at the start of `text`, after the segments in `prefix`, into `paths` (a
/// group gives one path per item); returns how many bytes it read.
fn spread(text: &str, mut prefix: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    let mut at = 0;
    loop {
        if text[at..].starts_with('{') {
            at += 1;
            loop {
                at += leading_space(&text[at..]);
                if text[at..].starts_with('}') {
                    return at + 1;
                }
                at += spread(&text[at..], prefix.clone(), paths);
                at += leading_space(&text[at..]);
                match text[at..].chars().next() {
                    Some(',') => at += 1,
                    Some('}') => return at + 1,
                    _ => return at,
                }
            }
        }
        let name = identifier(&text[at..]);
        if name.is_empty() {
            paths.push(prefix);
            return at;
        }
        at += name.len();
        prefix.push(name);
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            paths.push(prefix);
            return at;
        }
    }
}

fn leading_space(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

#[test]
fn no_two_files_import_each_other_around_a_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loops: Vec<String> = ["src", "crates/simulator/src"]
        .iter()
        .flat_map(|src| file_loops(&root.join(src), src))
        .collect();
    assert!(
        loops.is_empty(),
        "imports that come back round to the file they leave:\n{}",
        loops.join("\n")
    );
}

/// The imports between the files of the crate whose sources are in `src` (named `shown`) that
/// lead back to the file they leave.
fn file_loops(src: &Path, shown: &str) -> Vec<String> {
    let files = sources(src);
    let modules: BTreeSet<Vec<String>> = files
        .iter()
        .map(|file| module_path(src, file))
        .filter(|path| !matches!(path.as_slice(), [only] if only == "lib" || only == "main"))
        .collect();
    // Each file's imports of other files, as module paths; a file's own module holds its
    // children's files, and a child's use of its parent, or a parent's of its child, is the
    // module system's own way and not a loop between files.
    let mut edges: std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>> =
        Default::default();
    for file in &files {
        let here = module_path(src, file);
        if !modules.contains(&here) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for path in used_paths(&without_comments(&text)) {
            let mut target = match path.first().map(String::as_str) {
                Some("crate") => Vec::new(),
                Some("super") => here[..here.len().saturating_sub(1)].to_vec(),
                Some("self") => here.clone(),
                _ => continue,
            };
            for name in path.iter().skip(1) {
                if name == "super" {
                    target.pop();
                    continue;
                }
                target.push(name.clone());
                if !modules.contains(&target) {
                    target.pop();
                    break;
                }
            }
            let related = target.starts_with(&here) || here.starts_with(&target);
            if !target.is_empty() && !related {
                edges.entry(here.clone()).or_default().insert(target);
            }
        }
    }
    let mut loops = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            if reaches(&edges, to, from) {
                loops.push(format!("{shown}: {} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    loops
}

/// Whether `from` leads to `to` along `edges`.
fn reaches(
    edges: &std::collections::BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    from: &Vec<String>,
    to: &Vec<String>,
) -> bool {
    let mut seen = BTreeSet::new();
    let mut next = vec![from];
    while let Some(at) = next.pop() {
        if at == to {
            return true;
        }
        if seen.insert(at) {
            next.extend(edges.get(at).into_iter().flatten());
        }
    }
    false
}

#[test]
fn paths_are_read_whole_with_their_groups_spread() {
    let code = "use super::{a, b::{c, d}};\nuse crate::x::Y;\nlet z = self::w::f();";
    let paths: BTreeSet<String> = used_paths(code).iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "super::a",
            "super::b::c",
            "super::b::d",
            "crate::x::Y",
            "self::w::f"
        ]
        .map(String::from)
        .into()
    );
}
