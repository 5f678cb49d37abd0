//! `handoff roster …` from a script: the real binary on a roster file in a temp folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_handoff");
const DANA: &str = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c";

struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn roster(&self) -> PathBuf {
        self.dir.path().join("data/roster.toml")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--config")
            .arg(self.dir.path().join("absent-config.toml"))
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .arg("roster")
            .args(args)
            .env_remove("HANDOFF_CONFIG")
            .env_remove("HANDOFF_DATA_DIR");
        command
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command(args).output().unwrap();
        (
            status.code().unwrap(),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn add_list_remove_round_trip() {
    let folder = Folder::new();
    let (code, out, err) =
        folder.run(&["add", "agent", DANA, "Dana Whitfield", "--team", "Billing"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("added agent Dana Whitfield (a-59bb17e…)"),
        "{out}"
    );

    let (code, out, _) = folder.run(&["list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("agent  Dana Whitfield  Billing  a-59bb17e"),
        "{out}"
    );

    let (code, out, _) = folder.run(&["list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["id"], DANA);
    assert_eq!(list[0]["kind"], "agent");

    let (code, out, err) = folder.run(&["remove", "dana whitfield"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("removed agent Dana Whitfield"), "{out}");
    assert_eq!(folder.run(&["list"]).1, "the roster is empty\n");
}

#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let folder = Folder::new();
    folder.run(&["add", "agent", DANA, "Dana"]);
    let before = std::fs::read_to_string(folder.roster()).unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["add", "agent", DANA, "Again"],
            "already in the roster (agent Dana)",
        ),
        (&["add", "queue", "qu 1", "Q"], "contains a space"),
        (&["add", "queue", "", "Q"], "the id is empty"),
        (&["add", "queue", "Qu-1", "Q"], "--force"),
        (
            &["remove", "nobody"],
            "no target with the id or name \"nobody\"",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, err) = folder.run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_to_string(folder.roster()).unwrap(), before);
    let (code, _, err) = folder.run(&["add", "queue", "Qu-1", "Q", "--force"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn import_csv_and_toml_then_export_both() {
    let folder = Folder::new();
    let csv = folder.write(
        "team.csv",
        "kind,id,name,team,notes\n\
         agent,a-1111111-0000-4000-8000-000000000001,\"Ortiz, Sam\",Tech,\n\
         queue,qu-1111111-0000-4000-8000-000000000002,Retention,,Cancellations\n",
    );
    let (code, out, err) = folder.run(&["import", path_arg(&csv)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 2, updated 0, unchanged 0"), "{out}");

    let exported_csv = folder.run(&["export", "--format", "csv"]).1;
    assert!(
        exported_csv.contains("agent,a-1111111-0000-4000-8000-000000000001,\"Ortiz, Sam\",Tech,")
    );
    let exported_toml = folder.run(&["export"]).1;
    let toml_file = folder.write(
        "again.toml",
        &exported_toml.replace("Ortiz, Sam", "Sam Ortiz"),
    );
    let (code, out, err) = folder.run(&["import", path_arg(&toml_file)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 0, updated 1, unchanged 1"), "{out}");
}

#[test]
fn every_bad_import_line_is_named_and_nothing_changes() {
    let folder = Folder::new();
    folder.run(&["add", "agent", DANA, "Dana"]);
    let before = std::fs::read_to_string(folder.roster()).unwrap();
    let header = "kind,id,name,team,notes\n";
    let cases = [
        (
            format!("{header}agent,a-1,Ok,,\nrobot,a-2,X,,\n"),
            "line 3: kind: expected agent or queue",
        ),
        (format!("{header}agent,a 1,X,,\n"), "line 2: id:"),
        (
            format!("{header}agent,a-1,X\n"),
            "line 2: expected 5 fields",
        ),
        ("kind;id;name\n".to_owned(), "line 1: expected the header"),
    ];
    for (text, expected) in cases {
        let file = folder.write("bad.csv", &text);
        let (code, _, err) = folder.run(&["import", path_arg(&file)]);
        assert_eq!(code, 2, "{expected}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(err.contains("bad.csv"), "{err}");
    }
    let toml = folder.write("bad.toml", "[[agents]]\nid = \"a-1\"\nname = 7\n");
    let (code, _, err) = folder.run(&["import", path_arg(&toml)]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml, line 3"), "{err}");
    let odd = folder.write("odd.csv", &format!("{header}queue,Qu-7,Q,,\n"));
    let (code, _, err) = folder.run(&["import", path_arg(&odd)]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(folder.roster()).unwrap(), before);
}

#[test]
fn a_corrupt_roster_is_reported_and_never_overwritten() {
    let folder = Folder::new();
    let broken = "[[agents]]\nid = \"a-1\"\nname = \"Dana\"\n[[agents\n";
    folder.write("data/roster.toml", broken);
    let (code, _, err) = folder.run(&["add", "agent", DANA, "Dana"]);
    assert_eq!(code, 2);
    assert!(err.contains("roster.toml, line 4"), "{err}");
    assert_eq!(std::fs::read_to_string(folder.roster()).unwrap(), broken);
}

/// `kill -9` at arbitrary moments during saves: the roster always parses and holds every
/// target whose save completed, never half a file.
#[test]
fn the_roster_survives_kill_9_during_saves() {
    let folder = Folder::new();
    folder.run(&["add", "agent", DANA, "Dana"]);
    for round in 0..40u64 {
        let mut child = folder
            .command(&[
                "add",
                "agent",
                &format!("a-{round:07x}-0000-4000-8000-000000000000"),
                &format!("Agent {round}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the process's whole life (start-up, read, write, rename).
        std::thread::sleep(Duration::from_micros(round * 250));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(folder.roster()).unwrap();
        let parsed: toml::Table = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("round {round}: the roster no longer parses: {e}\n{text}"));
        let agents = parsed["agents"].as_array().unwrap();
        assert!(
            agents.iter().any(|a| a["name"].as_str() == Some("Dana")),
            "round {round}"
        );
    }
    // And the file is still usable for the next change.
    let (code, _, err) = folder.run(&[
        "add",
        "queue",
        "qu-1111111-0000-4000-8000-000000000002",
        "Q",
    ]);
    assert_eq!(code, 0, "{err}");
    // Which also clears what the killed saves left behind.
    let leftovers: Vec<String> = std::fs::read_dir(folder.dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// An imported CSV from a spreadsheet another tool filled: a name with escape sequences and a
/// bidi override, a note that is a formula. The import cleans the name and says so; listing
/// never hands the terminal anything to act on; the CSV export guards the formula, and imports
/// back as it was.
#[test]
fn imported_text_is_cleaned_listed_safely_and_exported_guarded() {
    let folder = Folder::new();
    let csv = folder.write(
        "team.csv",
        "kind,id,name,team,notes\n\
         agent,a-1111111-0000-4000-8000-000000000001,\"Sam\u{1b}]0;pwned\u{7} Ortiz\u{202e}\",Tech,\"=HYPERLINK(\"\"http://x\"\")\"\n",
    );
    let (code, out, err) = folder.run(&["import", path_arg(&csv)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 target(s) came with control characters"),
        "{out}"
    );
    let (code, listed, err) = folder.run(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(listed.contains("Sam]0;pwned Ortiz"), "{listed}");
    let exported = folder.run(&["export", "--format", "csv"]).1;
    assert!(
        exported.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{exported}"
    );
    for text in [&listed, &exported] {
        assert!(
            !text
                .chars()
                .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'),
            "{text}"
        );
    }
    let again = folder.write("again.csv", &exported);
    let (code, out, err) = folder.run(&["import", path_arg(&again)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("unchanged 1"), "the guard comes off: {out}");
}
