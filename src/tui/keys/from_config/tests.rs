use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::config::Config;

const PATH: &str = "/etc/handoff/config.toml";

/// config.example.toml up to its own `[keys]`, its placeholders filled in: a complete file, its
/// secret from the environment.
fn example_before_keys() -> String {
    let example = crate::config::example_filled_in();
    let start = example
        .find("# [keys]")
        .expect("the example documents [keys]");
    example[..start].to_owned()
}

/// A complete config file with `keys` in it, and what its `[keys]` resolve to.
fn with_keys(keys: &str) -> (String, Result<KeyMap, ConfigError>) {
    let (text, resolved) = with_keys_warned(keys);
    (text, resolved.map(|(map, _)| map))
}

/// A complete config file with `keys` in it, and the key map and warnings it resolves to.
fn with_keys_warned(keys: &str) -> (String, Result<(KeyMap, Vec<String>), ConfigError>) {
    let text = format!("{}\n{keys}\n", example_before_keys());
    let config = Config::parse(&text, Path::new(PATH), |name| {
        (name == "HANDOFF_CLIENT_SECRET").then(|| "x".to_owned())
    })
    .unwrap_or_else(|e| panic!("the rest of the file loads: {e}"));
    let resolved = resolve(&config.keys);
    (text, resolved)
}

/// The line of `text` that holds `needle`, counted from 1.
fn line_with(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn keys_change_what_a_key_does() {
    let (_, keys) =
        with_keys("[keys]\nre-route = [\"x\", \"F7\"]\n\n[keys.log]\ndetails = \"o\"\n");
    let keys = keys.unwrap();
    let press = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(
        keys.action_for(Context::Log, &press('o')),
        Some(Action::OpenDetail)
    );
    assert_eq!(
        keys.action_for(Context::Detail, &press('x')),
        Some(Action::Reroute)
    );
    assert_eq!(keys.action_for(Context::Log, &press('r')), None);
    assert_eq!(keys.key_label(Context::Detail, Action::Reroute), "x");
    // The quoted dotted form is the same as the table.
    let (_, quoted) = with_keys("[keys]\n\"log.details\" = \"o\"\n");
    assert_eq!(
        quoted.unwrap().action_for(Context::Log, &press('o')),
        Some(Action::OpenDetail)
    );
}

#[test]
fn each_problem_in_keys_names_the_file_the_line_and_the_key() {
    // The keys, the line the message names (found by its text), the key it names, and why.
    let cases = [
        (
            "[keys]\nreroute = \"x\"\n",
            "reroute",
            "reroute",
            "did you mean re-route",
        ),
        (
            "[keys]\nre-route = \"Ctlr-x\"\n",
            "Ctlr",
            "Ctlr-x",
            "not a key name",
        ),
        (
            "[keys]\nre-route = [\"x\", \"Hyper-y\"]\n",
            "Hyper",
            "Hyper-y",
            "not a key name",
        ),
        (
            "[keys.logs]\ndetails = \"o\"\n",
            "[keys.logs]",
            "logs",
            "not a part of the console",
        ),
        (
            "[keys.picker]\nadd = \"F4\"\n",
            "add =",
            "\"F4\"",
            "would be both \"add\" and \"edit\"",
        ),
        (
            "[keys.picker]\nadd = \"Ctrl-e\"\n",
            "add =",
            "\"Ctrl-e\"",
            "would do two things",
        ),
        (
            "[keys]\nfavorite = \"F6\"\n",
            "favorite",
            "favorite",
            "did you mean favourite",
        ),
        (
            "[keys.pickr]\nadd = \"F6\"\n",
            "[keys.pickr]",
            "pickr",
            "did you mean picker",
        ),
        (
            "[keys.everywhere]\nhelp = \"Esc\"\n",
            "help =",
            "\"Esc\"",
            "would do two things",
        ),
        (
            "[keys.picker]\nadd = \"a\"\n",
            "add =",
            "\"a\"",
            "could no longer be typed",
        ),
        (
            "[keys.picker]\ndetails = \"Ctrl-b\"\n",
            "details =",
            "details",
            "[keys.log]",
        ),
    ];
    for (keys, on_line, key, expected) in cases {
        let (text, resolved) = with_keys(keys);
        let message = resolved.unwrap_err().to_string();
        let line = line_with(&text, on_line);
        assert!(message.contains(PATH), "{message}");
        assert!(
            message.contains(&format!("line {line}:")),
            "line {line}: {message}"
        );
        assert!(message.contains(key), "{key}: {message}");
        assert!(message.contains(expected), "{expected}: {message}");
    }
}

/// The `[keys]` examples in config.example.toml, uncommented, load without a problem.
#[test]
fn the_example_keys_are_valid() {
    let example = crate::config::example_filled_in();
    let uncommented: String = example[example_before_keys().len()..]
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| line.starts_with("[keys") || line.contains(" = "))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(uncommented.lines().count() >= 4, "{uncommented}");
    let (_, keys) = with_keys(&uncommented);
    assert!(keys.is_ok(), "{uncommented}\n{keys:?}");
}

#[test]
fn the_first_problem_in_the_file_is_the_one_reported() {
    // TOML hands tables back sorted by name; "zzz" comes after "pickr" alphabetically, but first
    // in the file.
    let (text, resolved) = with_keys("[keys]\nzzz = \"x\"\n\n[keys.pickr]\nadd = \"F2\"\n");
    let message = resolved.unwrap_err().to_string();
    assert!(
        message.contains(&format!("line {}:", line_with(&text, "zzz"))),
        "{message}"
    );
    assert!(message.contains("\"zzz\" is not an action"), "{message}");
}

/// A line from before the text fields took the shell's editing keys still starts the console:
/// the key does what the line says where it says, and the warning names the new default.
#[test]
fn an_old_default_key_bound_back_starts_with_a_warning() {
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let (text, resolved) =
        with_keys_warned("[keys.picker]\nadd = \"Ctrl-a\"\n\n[keys]\nmark-all = \"Ctrl-k\"\n");
    let (keys, warnings) = resolved.expect("starts");
    assert_eq!(
        keys.action_for(Context::Picker, &ctrl('a')),
        Some(Action::AddTarget)
    );
    assert_eq!(
        keys.action_for(Context::Session, &ctrl('a')),
        Some(Action::CursorHome),
        "the other fields keep it"
    );
    assert_eq!(
        keys.action_for(Context::Session, &ctrl('k')),
        Some(Action::MarkAllShown)
    );
    let [add, mark_all] = warnings.as_slice() else {
        panic!("one warning a line: {warnings:?}");
    };
    let line = line_with(&text, "add =");
    assert!(
        add.contains(&format!("{PATH}, line {line}: keys.picker.add:")),
        "{add}"
    );
    assert!(add.contains("\"Ins/Alt-a\""), "{add}");
    assert!(add.contains("\"start of field\""), "{add}");
    assert!(mark_all.contains("\"Ctrl-x\""), "{mark_all}");
    assert!(
        mark_all.contains("\"delete to end of field\""),
        "{mark_all}"
    );
}

#[test]
fn keys_as_they_are_need_no_warning() {
    let (_, resolved) = with_keys_warned("[keys.picker]\nadd = \"F3\"\n");
    assert_eq!(resolved.expect("starts").1, Vec::<String>::new());
}
