use crossterm::event::{KeyEvent, KeyModifiers};

use super::*;

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn action_for(context: Context, event: &KeyEvent) -> Option<Action> {
    KeyMap::default().action_for(context, event)
}

fn key_named(label: &str) -> Key {
    label
        .parse()
        .unwrap_or_else(|e| panic!("{label:?} should read: {e}"))
}

fn with(lines: &[(Option<Context>, &str, &[&str])]) -> Result<KeyMap, OverrideError> {
    let overrides: Vec<Override> = lines
        .iter()
        .map(|(context, action, keys)| Override {
            context: *context,
            action: Action::from_name(action).unwrap_or_else(|| panic!("no action {action}")),
            keys: keys.iter().map(|k| key_named(k)).collect(),
        })
        .collect();
    KeyMap::with_overrides(&overrides)
}

#[test]
fn question_marks_open_help_wherever_typing_does_not_go() {
    let question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
    for typed in [
        Context::Picker,
        Context::LogFilter,
        Context::Form,
        Context::ConfirmNote,
        Context::Help,
    ] {
        assert_eq!(action_for(typed, &question), None, "typed in {typed:?}");
    }
    // In the session field only while it is empty: `update` types it otherwise.
    assert_eq!(action_for(Context::Session, &question), Some(Action::Help));
    for context in HELP_ORDER.into_iter().filter(|c| !c.is_text()) {
        if context == Context::Global || context == Context::Text {
            continue;
        }
        assert_eq!(
            action_for(context, &question),
            Some(Action::Help),
            "{context:?}"
        );
    }
    let f1 = press(KeyCode::F(1), KeyModifiers::NONE);
    for context in HELP_ORDER.into_iter().filter(|c| *c != Context::Help) {
        assert_eq!(action_for(context, &f1), Some(Action::Help), "{context:?}");
    }
    assert_eq!(action_for(Context::Help, &f1), Some(Action::Close));
}

#[test]
fn every_text_field_keeps_the_shell_editing_keys() {
    let ctrl = |c| press(KeyCode::Char(c), KeyModifiers::CONTROL);
    let alt = |c| press(KeyCode::Char(c), KeyModifiers::ALT);
    let editing = [
        (ctrl('a'), Action::CursorHome),
        (ctrl('e'), Action::CursorEnd),
        (ctrl('b'), Action::CursorLeft),
        (ctrl('f'), Action::CursorRight),
        (ctrl('k'), Action::KillToEnd),
        (ctrl('u'), Action::ClearLine),
        (ctrl('w'), Action::DeleteWord),
        (ctrl('d'), Action::DeleteForward),
        (alt('b'), Action::WordLeft),
        (alt('f'), Action::WordRight),
        (press(KeyCode::Home, KeyModifiers::NONE), Action::CursorHome),
        (press(KeyCode::End, KeyModifiers::NONE), Action::CursorEnd),
    ];
    for context in HELP_ORDER.into_iter().filter(|c| c.is_text()) {
        for (event, action) in &editing {
            // Help's Home and End go to the top and the bottom of its list, which is what it is
            // for; Ctrl-a and Ctrl-e still move in its filter.
            let list_key = matches!(event.code, KeyCode::Home | KeyCode::End);
            if context == Context::Help && list_key {
                continue;
            }
            assert_eq!(
                action_for(context, event),
                Some(*action),
                "{context:?} {event:?}"
            );
        }
    }
}

#[test]
fn the_picker_s_own_keys_moved_off_the_editing_keys() {
    let ctrl = |c| press(KeyCode::Char(c), KeyModifiers::CONTROL);
    let alt = |c| press(KeyCode::Char(c), KeyModifiers::ALT);
    let named = |code| press(code, KeyModifiers::NONE);
    for (event, action) in [
        (ctrl('g'), Action::ToggleFavourite),
        (ctrl('t'), Action::ToggleByLoad),
        (ctrl('x'), Action::MarkAgent),
        (ctrl(' '), Action::MarkAgent),
        (named(KeyCode::Insert), Action::AddTarget),
        (alt('a'), Action::AddTarget),
        (named(KeyCode::F(4)), Action::EditTarget),
        (alt('e'), Action::EditTarget),
        (named(KeyCode::F(8)), Action::DeleteTarget),
        (alt('d'), Action::DeleteTarget),
        (ctrl('l'), Action::Redraw),
    ] {
        assert_eq!(
            action_for(Context::Picker, &event),
            Some(action),
            "{event:?}"
        );
    }
    assert_eq!(
        action_for(Context::Session, &ctrl('x')),
        Some(Action::MarkAllShown)
    );
}

/// Keys a terminal, tmux or the shell keeps for itself, and what for. A default on one of these
/// would not reach handoff for some supervisors, or would surprise them. (Ctrl-Shift letters,
/// the terminals' copy and paste, and Shift-PgUp/PgDn, their scrollback, cannot even be written
/// in `[keys]`: see the end of the test.)
const KEPT_BY_OTHERS: &[(&str, &str)] = &[
    ("Ctrl-c", "the interrupt signal"),
    ("Ctrl-s", "XOFF: flow control stops the terminal's output"),
    ("Ctrl-q", "XON: flow control"),
    ("Ctrl-z", "suspends a program from the shell"),
    ("Ctrl-\\", "the quit signal"),
    ("Ctrl-b", "tmux's prefix"),
    (
        "Ctrl-Space",
        "the input source switch on macOS; a tmux prefix for some",
    ),
    ("F1", "GNOME Terminal's help; behind fn on Mac laptops"),
    ("F10", "GNOME Terminal's menu"),
    ("F11", "full screen in most terminals"),
];

/// Where a default takes one of those on purpose (in every part, without a part), and why it is
/// safe there.
const TAKEN_ON_PURPOSE: &[(Option<Context>, &str, &str)] = &[
    (
        Some(Context::Global),
        "Ctrl-c",
        "quit: raw mode (crossterm's enable_raw_mode, which is cfmakeraw) turns ISIG off, so it reaches handoff, and quitting is what everyone means by it",
    ),
    (
        Some(Context::QuitConfirm),
        "Ctrl-c",
        "a second Ctrl-c quits at once",
    ),
    (
        Some(Context::Picker),
        "Ctrl-s",
        "sync: raw mode (cfmakeraw) turns IXON off, so while handoff runs Ctrl-s is a key, not XOFF",
    ),
    (
        Some(Context::Picker),
        "Ctrl-Space",
        "mark-agent's second key, for those used to it; Ctrl-x comes first",
    ),
    (
        None,
        "F1",
        "help stays where most programs have it; `?` opens it wherever typing does not go",
    ),
];

#[test]
fn no_default_takes_a_key_the_terminal_tmux_or_the_shell_keeps() {
    let kept: Vec<(Key, &str)> = KEPT_BY_OTHERS
        .iter()
        .map(|(label, why)| (key_named(label), *why))
        .collect();
    let mut used = vec![false; TAKEN_ON_PURPOSE.len()];
    for context in HELP_ORDER {
        // The editing keys are a shell's own: they mean in a field what they mean there.
        if context == Context::Text {
            continue;
        }
        for binding in defaults(context) {
            for key in binding.keys.iter() {
                let Some((_, why)) = kept.iter().find(|(k, _)| k == key) else {
                    continue;
                };
                let purpose = TAKEN_ON_PURPOSE.iter().position(|(only, label, _)| {
                    only.is_none_or(|c| c == context) && key_named(label) == *key
                });
                match purpose {
                    Some(at) => used[at] = true,
                    None => panic!(
                        "{} in {:?} (\"{}\") is {why}: pick another key, or say in TAKEN_ON_PURPOSE why it is safe",
                        key.label(),
                        context,
                        binding.description
                    ),
                }
            }
        }
    }
    for ((_, label, _), used) in TAKEN_ON_PURPOSE.iter().zip(used) {
        assert!(
            used,
            "{label} is no longer taken: drop it from TAKEN_ON_PURPOSE"
        );
    }
    // Marking agents has a key every terminal and tmux pass on.
    let mark_agent = defaults(Context::Picker)
        .iter()
        .find(|b| b.action == Action::MarkAgent)
        .expect("the picker marks agents");
    assert!(
        mark_agent
            .keys
            .iter()
            .any(|k| !kept.iter().any(|(c, _)| c == k)),
        "{}",
        mark_agent.keys_label()
    );
    // macOS Terminal types a character for Option-letter unless told otherwise: every Alt key
    // outside the fields has a key without Alt beside it.
    for context in HELP_ORDER.into_iter().filter(|c| *c != Context::Text) {
        for binding in defaults(context) {
            let alt = |k: &Key| k.label().contains("Alt-");
            if binding.keys.iter().any(alt) {
                assert!(
                    binding.keys.iter().any(|k| !alt(k)),
                    "{} in {context:?}",
                    binding.description
                );
            }
        }
    }
    // Shift-PgUp is the terminal's scrollback, and not PgUp: no default takes it.
    assert_eq!(key_named("Ctrl-C"), key_named("Ctrl-c"));
    let shift_page_up = press(KeyCode::PageUp, KeyModifiers::SHIFT);
    for context in HELP_ORDER {
        assert_eq!(action_for(context, &shift_page_up), None, "{context:?}");
    }
}

#[test]
fn dialogs_shadow_the_panes() {
    let tab = press(KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(action_for(Context::ConfirmDelete, &tab), None);
    let enter = press(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(action_for(Context::Confirm, &enter), Some(Action::Send));
    assert_eq!(action_for(Context::Picker, &enter), Some(Action::Choose));
}

#[test]
fn shift_tab_works_with_or_without_the_shift_flag() {
    for modifiers in [KeyModifiers::NONE, KeyModifiers::SHIFT] {
        let back_tab = press(KeyCode::BackTab, modifiers);
        assert_eq!(
            action_for(Context::Session, &back_tab),
            Some(Action::PreviousPane)
        );
    }
}

#[test]
fn ctrl_keys_need_ctrl() {
    let ctrl_n = press(KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(action_for(Context::Picker, &ctrl_n), Some(Action::Down));
    let plain_n = press(KeyCode::Char('n'), KeyModifiers::NONE);
    assert_eq!(action_for(Context::Picker, &plain_n), None);
}

#[test]
fn hints_come_from_the_same_table() {
    let map = KeyMap::default();
    let hints = map.hints(Context::Picker);
    let labels: Vec<String> = hints
        .own
        .iter()
        .chain(&hints.beneath)
        .map(|b| b.keys_label())
        .collect();
    assert!(labels.contains(&"Ctrl-g".to_owned()), "{labels:?}");
    assert!(labels.contains(&"Ctrl-c".to_owned()), "{labels:?}");
}

#[test]
fn no_key_is_bound_twice_in_one_context() {
    for context in HELP_ORDER {
        let keys: Vec<Key> = defaults(context)
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, key) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(key), "{key:?} twice in {context:?}");
        }
    }
}

#[test]
fn every_default_label_reads_back_as_the_same_key() {
    for context in HELP_ORDER {
        for binding in defaults(context) {
            for key in binding.keys.iter() {
                assert_eq!(key_named(&key.label()), *key, "{}", key.label());
            }
        }
    }
    for label in [
        "Alt-x",
        "Ctrl-Alt-x",
        "F12",
        "Ins",
        "Space",
        "Ctrl-Space",
        "Ctrl--",
    ] {
        assert_eq!(key_named(label).label(), label);
    }
}

#[test]
fn keys_are_read_in_easier_spellings_too() {
    assert_eq!(key_named("Up"), key_named("↑"));
    assert_eq!(key_named("pagedown"), key_named("PgDn"));
    assert_eq!(key_named("ctrl-O"), key_named("Ctrl-o"));
    assert_eq!(key_named("ESCAPE"), key_named("Esc"));
    assert_eq!(key_named("G").label(), "G");
}

#[test]
fn shift_goes_with_named_keys_and_reads_back_as_written() {
    let down = key_named("Shift-↓");
    assert_eq!(down.label(), "Shift-↓");
    assert_eq!(key_named("shift-down"), down);
    assert_eq!(key_named("Shift-F3").label(), "Shift-F3");
    assert_eq!(key_named("Shift-Tab").label(), "Shift-Tab");
    let pressed = |modifiers| KeyEvent::new(KeyCode::Down, modifiers);
    assert!(down.matches(&pressed(KeyModifiers::SHIFT)));
    assert!(!down.matches(&pressed(KeyModifiers::NONE)));
    assert!(!key_named("↓").matches(&pressed(KeyModifiers::SHIFT)));
    for bad in ["Shift-Space", "Shift-x"] {
        assert!(bad.parse::<Key>().is_err(), "{bad}");
    }
}

#[test]
fn unknown_key_names_say_how_keys_are_written() {
    for bad in ["Ctlr-o", "F13", "F0", "", "Ctrl-", "Hyper-x", "ab"] {
        let error = bad.parse::<Key>().unwrap_err().to_string();
        assert!(error.contains(&format!("{bad:?}")), "{error}");
        assert!(error.contains("\"Ctrl-o\""), "{error}");
    }
    let shifted = "Shift-g".parse::<Key>().unwrap_err().to_string();
    assert!(shifted.contains("\"G\""), "{shifted}");
}

#[test]
fn every_action_and_context_has_a_distinct_name() {
    let actions: Vec<&str> = every_action().map(Action::name).collect();
    let contexts: Vec<&str> = HELP_ORDER.iter().map(|c| c.name()).collect();
    let all: Vec<&str> = actions.iter().chain(&contexts).copied().collect();
    for (i, name) in all.iter().enumerate() {
        assert!(!all[i + 1..].contains(name), "{name} twice");
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{name}"
        );
    }
    for action in every_action() {
        assert_eq!(Action::from_name(action.name()), Some(action));
    }
    assert_eq!(meant("Reroute"), Some("re-route"));
    assert_eq!(meant("only_who_is_free"), Some("only-who-is-free"));
}

#[test]
fn help_lists_where_you_are_first() {
    assert_eq!(
        &help_sections(Context::Picker)[..3],
        [Context::Picker, Context::Text, Context::Global]
    );
    assert_eq!(
        &help_sections(Context::Log)[..2],
        [Context::Log, Context::Global]
    );
    let all = help_sections(Context::Detail);
    assert_eq!(all[0], Context::Detail);
    assert_eq!(all.len(), HELP_ORDER.len());
}

#[test]
fn an_override_changes_what_a_key_does_and_what_the_bar_says() {
    let map = with(&[(Some(Context::Log), "details", &["o"])]).unwrap();
    let o = press(KeyCode::Char('o'), KeyModifiers::NONE);
    let enter = press(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(map.action_for(Context::Log, &o), Some(Action::OpenDetail));
    assert_eq!(map.action_for(Context::Log, &enter), None);
    let hints = map.hints(Context::Log);
    assert_eq!(hints.own[0].keys_label(), "o");
    assert_eq!(hints.own[0].description, "details of the transfer");
    // The detail view keeps its own keys: the line was for the log only.
    assert_eq!(map.action_for(Context::Detail, &enter), Some(Action::Close));
}

#[test]
fn an_unscoped_override_applies_wherever_the_action_is_bound() {
    let map = with(&[(None, "re-route", &["x", "Ctrl-x"])]).unwrap();
    let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
    let r = press(KeyCode::Char('r'), KeyModifiers::NONE);
    for context in [Context::Log, Context::Detail] {
        assert_eq!(map.action_for(context, &x), Some(Action::Reroute));
        assert_eq!(map.action_for(context, &r), None);
    }
}

#[test]
fn a_scoped_override_wins_over_an_unscoped_one_whatever_the_order() {
    let map = with(&[
        (Some(Context::Detail), "re-route", &["z"]),
        (None, "re-route", &["x"]),
    ])
    .unwrap();
    let z = press(KeyCode::Char('z'), KeyModifiers::NONE);
    let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(map.action_for(Context::Detail, &z), Some(Action::Reroute));
    assert_eq!(map.action_for(Context::Log, &x), Some(Action::Reroute));
    assert_eq!(map.action_for(Context::Detail, &x), None);
}

#[test]
fn the_same_action_under_two_layers_is_no_conflict() {
    // F3 for help everywhere: the log's own help key and the global one agree.
    let map = with(&[(None, "help", &["F3"])]).unwrap();
    let f3 = press(KeyCode::F(3), KeyModifiers::NONE);
    assert_eq!(map.action_for(Context::Log, &f3), Some(Action::Help));
    assert_eq!(map.action_for(Context::Session, &f3), Some(Action::Help));
}

#[test]
fn a_key_bound_twice_in_one_context_is_refused() {
    let error = with(&[
        (None, "next-pane", &["F3"]),
        (Some(Context::Picker), "add", &["F4"]),
    ])
    .unwrap_err();
    assert_eq!(error.index, 1);
    assert!(error.problem.contains("\"F4\""), "{}", error.problem);
    assert!(error.problem.contains("\"add\""), "{}", error.problem);
    assert!(error.problem.contains("\"edit\""), "{}", error.problem);
    assert!(error.problem.contains("Target picker"), "{}", error.problem);
}

#[test]
fn a_plain_character_where_there_is_a_text_field_is_refused() {
    for (context, action) in [
        (Some(Context::Picker), "add"),
        (None, "help"),
        (Some(Context::Text), "clear-field"),
        (Some(Context::Help), "close"),
    ] {
        let error = with(&[(context, action, &["x"])]).unwrap_err();
        assert!(error.problem.contains("\"x\""), "{}", error.problem);
        assert!(error.problem.contains("text field"), "{}", error.problem);
    }
}

#[test]
fn a_key_that_would_hide_another_layer_is_refused() {
    // Esc clears the session field; help on Esc would take it away there.
    let error = with(&[(Some(Context::Global), "help", &["Esc"])]).unwrap_err();
    assert!(error.problem.contains("\"Esc\""), "{}", error.problem);
    assert!(error.problem.contains("two things"), "{}", error.problem);
    // Ctrl-u clears a field; the picker's add on it would hide that.
    let error = with(&[(Some(Context::Picker), "add", &["Ctrl-u"])]).unwrap_err();
    assert!(error.problem.contains("clear field"), "{}", error.problem);
}

#[test]
fn an_old_default_key_bound_back_is_allowed_and_said() {
    // Before the text fields took the shell's keys, Ctrl-a added in the picker.
    let lines = [Override {
        context: Some(Context::Picker),
        action: Action::AddTarget,
        keys: vec![key_named("Ctrl-a")],
    }];
    let map = KeyMap::with_overrides(&lines).expect("allowed");
    let ctrl_a = press(KeyCode::Char('a'), KeyModifiers::CONTROL);
    assert_eq!(
        map.action_for(Context::Picker, &ctrl_a),
        Some(Action::AddTarget)
    );
    let warnings = KeyMap::moved_back(&lines);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].message.contains("Ins/Alt-a"), "{warnings:?}");
    // Any other editing key is still refused.
    let error = with(&[(Some(Context::Picker), "add", &["Ctrl-b"])]).unwrap_err();
    assert!(error.problem.contains("cursor left"), "{}", error.problem);
    assert!(KeyMap::moved_back(&[]).is_empty());
}

#[test]
fn an_action_in_the_wrong_place_or_twice_is_refused() {
    let error = with(&[(Some(Context::Picker), "details", &["Ctrl-b"])]).unwrap_err();
    assert!(error.problem.contains("[keys.log]"), "{}", error.problem);
    let error = with(&[
        (Some(Context::Log), "details", &["o"]),
        (Some(Context::Log), "details", &["p"]),
    ])
    .unwrap_err();
    assert_eq!(error.index, 1);
    assert!(error.problem.contains("twice"), "{}", error.problem);
    let error = with(&[(None, "details", &[])]).unwrap_err();
    assert!(
        error.problem.contains("at least one key"),
        "{}",
        error.problem
    );
}

#[test]
fn the_defaults_pass_their_own_checks() {
    assert_eq!(with(&[]), Ok(KeyMap::default()));
}

/// The table of actions in docs/console.md is the config format's reference: one row per
/// action, with its default keys in each part, exactly as the key map has them.
#[test]
fn the_console_page_lists_every_action_with_its_default_keys() {
    let page = include_str!("../../../docs/console.md");
    let map = KeyMap::default();
    for action in every_action() {
        let places: Vec<String> = action
            .contexts()
            .flat_map(|context| {
                map.bindings(context)
                    .iter()
                    .filter(move |b| b.action == action)
                    .map(move |b| {
                        format!(
                            "{} `{}` ({})",
                            context.name(),
                            b.keys_label(),
                            b.description
                        )
                    })
            })
            .collect();
        let row = format!("| `{}` | {} |", action.name(), places.join("; "));
        assert!(
            page.contains(&row),
            "docs/console.md's keys table needs:\n{row}"
        );
    }
    for context in HELP_ORDER {
        assert!(
            page.contains(&format!("`{}`", context.name())),
            "docs/console.md misses {}",
            context.name()
        );
    }
}
