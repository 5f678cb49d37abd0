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
fn text_fields_take_question_marks_but_the_log_opens_help() {
    let question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(action_for(Context::Session, &question), None);
    assert_eq!(
        action_for(Context::Help, &question),
        None,
        "typed into the filter"
    );
    assert_eq!(action_for(Context::Log, &question), Some(Action::Help));
    assert_eq!(
        action_for(Context::Picker, &press(KeyCode::F(1), KeyModifiers::NONE)),
        Some(Action::Help)
    );
}

#[test]
fn dialogs_shadow_the_panes() {
    let f1 = press(KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(action_for(Context::Confirm, &f1), None);
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
    assert!(labels.contains(&"Ctrl-f".to_owned()), "{labels:?}");
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
    // F4 for help everywhere: the log's own help key and the global one agree.
    let map = with(&[(None, "help", &["F4"])]).unwrap();
    let f4 = press(KeyCode::F(4), KeyModifiers::NONE);
    assert_eq!(map.action_for(Context::Log, &f4), Some(Action::Help));
    assert_eq!(map.action_for(Context::Session, &f4), Some(Action::Help));
}

#[test]
fn a_key_bound_twice_in_one_context_is_refused() {
    let error = with(&[
        (None, "next-pane", &["F3"]),
        (Some(Context::Picker), "add", &["Ctrl-e"]),
    ])
    .unwrap_err();
    assert_eq!(error.index, 1);
    assert!(error.problem.contains("\"Ctrl-e\""), "{}", error.problem);
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
fn the_defaults_own_shadows_stay_allowed() {
    // Moving the picker's add to another Ctrl key and back is the default again.
    assert!(with(&[(Some(Context::Picker), "add", &["Ctrl-a"])]).is_ok());
    assert!(with(&[(Some(Context::Picker), "add", &["Ctrl-b"])]).is_ok());
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

/// The README's table of actions is the config format's reference: one row per action, with
/// its default keys in each part, exactly as the key map has them.
#[test]
fn the_readme_lists_every_action_with_its_default_keys() {
    let readme = include_str!("../../../README.md");
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
        assert!(readme.contains(&row), "README's keys table needs:\n{row}");
    }
    for context in HELP_ORDER {
        assert!(
            readme.contains(&format!("`{}`", context.name())),
            "README misses {}",
            context.name()
        );
    }
}
