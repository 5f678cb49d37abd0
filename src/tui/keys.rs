//! The key map, as data: every binding once, with the words that describe it. The hint bar and
//! the help screen are both generated from this table, so they cannot disagree with what the
//! keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where the keyboard is: the focused pane, or an open dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    /// Editing keys shared by every text field.
    Text,
    Session,
    Picker,
    Log,
    /// Typing the log's filter.
    LogFilter,
    Confirm,
    QuitConfirm,
    Help,
    /// The add/edit dialog of a roster target.
    Form,
    ConfirmDelete,
    /// The second confirmation, for a target that cannot take the conversation now.
    ConfirmAnyway,
    /// The confirmation's note field.
    ConfirmNote,
    /// One transfer in detail.
    Detail,
    /// What a sync would change, before it is saved.
    SyncPreview,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Text => "Text fields",
            Self::Session => "Session field",
            Self::Picker => "Target picker",
            Self::Log => "Log",
            Self::LogFilter => "Log filter",
            Self::Confirm => "Confirm transfer",
            Self::QuitConfirm => "Quit with transfers open",
            Self::Help => "Help",
            Self::Form => "Add or edit a target",
            Self::ConfirmDelete => "Delete a target",
            Self::ConfirmAnyway => "Transfer anyway",
            Self::ConfirmNote => "Note on a transfer",
            Self::Detail => "Transfer detail",
            Self::SyncPreview => "Sync with the platform",
        }
    }

    fn is_dialog(self) -> bool {
        matches!(
            self,
            Self::Confirm
                | Self::QuitConfirm
                | Self::Help
                | Self::Form
                | Self::ConfirmDelete
                | Self::ConfirmAnyway
                | Self::ConfirmNote
                | Self::Detail
                | Self::SyncPreview
        )
    }

    fn is_text(self) -> bool {
        matches!(
            self,
            Self::Session | Self::Picker | Self::LogFilter | Self::Form | Self::ConfirmNote
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PreviousPane,
    SubmitSession,
    ClearSession,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Choose,
    BackOut,
    Send,
    Cancel,
    QuitNow,
    QuitWhenDone,
    Stay,
    CloseHelp,
    AddTarget,
    EditTarget,
    DeleteTarget,
    ToggleFavourite,
    NextField,
    PreviousField,
    ToggleKind,
    SaveTarget,
    Refresh,
    Sync,
    WriteNote,
    OpenDetail,
    Reroute,
    ToggleFreeOnly,
    ToggleByLoad,
    ApplySync,
    CopySession,
    FilterLog,
    KeepFilter,
    ClearFilter,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    ClearLine,
}

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    code: KeyCode,
    modifiers: KeyModifiers,
}

const fn key(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

const fn char_key(c: char) -> Key {
    key(KeyCode::Char(c))
}

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        if self.code != event.code {
            return false;
        }
        // Shift is part of the key for characters ('G', '?') and for Shift-Tab (which terminals
        // report as BackTab, with or without the Shift flag), so it is ignored there; Ctrl and
        // Alt must always match exactly.
        let shift_is_implied = matches!(self.code, KeyCode::Char(_) | KeyCode::BackTab);
        let relevant = if shift_is_implied {
            KeyModifiers::CONTROL | KeyModifiers::ALT
        } else {
            KeyModifiers::all()
        };
        self.modifiers & relevant == event.modifiers & relevant
    }

    /// How the key is written on screen: "Ctrl-c", "Enter", "↑".
    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Backspace => "Backspace".to_owned(),
            KeyCode::Delete => "Del".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

/// Keys, what they do, and the words for the help screen; `hint` puts it in the bottom bar.
/// Within a context, bindings are listed most important first: a narrow hint bar drops the last.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub description: &'static str,
    pub hint: bool,
}

impl Binding {
    /// "↑/Ctrl-p"
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/")
    }
}

const fn bind(
    keys: &'static [Key],
    action: Action,
    description: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        action,
        description,
        hint,
    }
}

use Action as A;

const GLOBAL: &[Binding] = &[
    bind(&[key(KeyCode::Tab)], A::NextPane, "next pane", true),
    bind(
        &[key(KeyCode::BackTab)],
        A::PreviousPane,
        "previous pane",
        false,
    ),
    bind(&[key(KeyCode::F(1))], A::Help, "help", true),
    bind(
        &[key(KeyCode::F(5))],
        A::Refresh,
        "refresh who is free",
        false,
    ),
    bind(&[ctrl('c')], A::Quit, "quit", true),
];

const TEXT: &[Binding] = &[
    bind(&[key(KeyCode::Left)], A::CursorLeft, "cursor left", false),
    bind(
        &[key(KeyCode::Right)],
        A::CursorRight,
        "cursor right",
        false,
    ),
    bind(
        &[key(KeyCode::Home), ctrl('a')],
        A::CursorHome,
        "start of field (Ctrl-a adds in the picker)",
        false,
    ),
    bind(
        &[key(KeyCode::End), ctrl('e')],
        A::CursorEnd,
        "end of field (Ctrl-e edits in the picker)",
        false,
    ),
    bind(
        &[key(KeyCode::Backspace)],
        A::DeleteBack,
        "delete back",
        false,
    ),
    bind(
        &[key(KeyCode::Delete)],
        A::DeleteForward,
        "delete forward",
        false,
    ),
    bind(&[ctrl('w')], A::DeleteWord, "delete word", false),
    bind(&[ctrl('u')], A::ClearLine, "clear field", false),
];

const SESSION: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::SubmitSession,
        "check id, pick target",
        true,
    ),
    bind(&[key(KeyCode::Esc)], A::ClearSession, "clear", true),
];

const PICKER: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::Choose,
        "transfer to target",
        true,
    ),
    bind(
        &[key(KeyCode::Esc)],
        A::BackOut,
        "clear filter or go back",
        true,
    ),
    bind(&[ctrl('o')], A::ToggleFreeOnly, "only who is free", true),
    bind(&[ctrl('f')], A::ToggleFavourite, "★ favourite", true),
    bind(&[ctrl('l')], A::ToggleByLoad, "least loaded first", false),
    bind(&[key(KeyCode::Up), ctrl('p')], A::Up, "previous", false),
    bind(&[key(KeyCode::Down), ctrl('n')], A::Down, "next", false),
    bind(&[ctrl('a')], A::AddTarget, "add", true),
    bind(&[ctrl('e')], A::EditTarget, "edit", true),
    bind(&[ctrl('d')], A::DeleteTarget, "delete", true),
    bind(&[ctrl('r')], A::Refresh, "refresh who is free", false),
    bind(&[ctrl('s')], A::Sync, "sync roster with the platform", true),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", false),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", false),
];

const FORM: &[Binding] = &[
    bind(&[key(KeyCode::Enter)], A::SaveTarget, "save", true),
    bind(&[key(KeyCode::Esc)], A::Cancel, "cancel", true),
    bind(
        &[key(KeyCode::Tab), key(KeyCode::Down)],
        A::NextField,
        "next field",
        true,
    ),
    bind(
        &[key(KeyCode::BackTab), key(KeyCode::Up)],
        A::PreviousField,
        "previous field",
        false,
    ),
    bind(&[ctrl('t')], A::ToggleKind, "agent or queue", true),
];

/// Only `y`: an Enter typed out of habit must not send to someone who cannot take it.
const CONFIRM_ANYWAY: &[Binding] = &[
    bind(&[char_key('y')], A::Send, "transfer anyway", true),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        true,
    ),
];

/// Only `y`: nothing is saved by an Enter typed out of habit.
const SYNC_PREVIEW: &[Binding] = &[
    bind(&[char_key('y')], A::ApplySync, "save these changes", true),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "leave the roster as it is",
        true,
    ),
];

/// Only `y`: an Enter typed out of habit must not delete.
const CONFIRM_DELETE: &[Binding] = &[
    bind(&[char_key('y')], A::DeleteTarget, "delete it", true),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "keep it",
        true,
    ),
];

const LOG: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::OpenDetail,
        "details of the transfer",
        true,
    ),
    bind(&[char_key('r')], A::Reroute, "re-route it elsewhere", true),
    bind(
        &[char_key('/')],
        A::FilterLog,
        "filter by state, name or id",
        true,
    ),
    bind(
        &[char_key('y')],
        A::CopySession,
        "copy its session id",
        false,
    ),
    bind(&[key(KeyCode::Up), char_key('k')], A::Up, "scroll up", true),
    bind(
        &[key(KeyCode::Down), char_key('j')],
        A::Down,
        "scroll down",
        true,
    ),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", false),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", false),
    bind(
        &[key(KeyCode::Home), char_key('g')],
        A::Top,
        "oldest",
        false,
    ),
    bind(
        &[key(KeyCode::End), char_key('G')],
        A::Bottom,
        "newest",
        true,
    ),
    bind(&[char_key('?')], A::Help, "help", true),
    bind(
        &[key(KeyCode::Esc)],
        A::BackOut,
        "clear the filter or go back to session",
        false,
    ),
];

const LOG_FILTER: &[Binding] = &[
    bind(&[key(KeyCode::Enter)], A::KeepFilter, "keep filter", true),
    bind(&[key(KeyCode::Esc)], A::ClearFilter, "clear filter", true),
    bind(&[key(KeyCode::Up)], A::Up, "scroll up", false),
    bind(&[key(KeyCode::Down)], A::Down, "scroll down", false),
];

const DETAIL: &[Binding] = &[
    bind(
        &[key(KeyCode::Esc), key(KeyCode::Enter), char_key('q')],
        A::CloseHelp,
        "close",
        true,
    ),
    bind(&[char_key('r')], A::Reroute, "re-route it elsewhere", true),
    bind(
        &[char_key('y')],
        A::CopySession,
        "copy its session id",
        false,
    ),
    bind(&[key(KeyCode::Up), char_key('k')], A::Up, "scroll up", true),
    bind(
        &[key(KeyCode::Down), char_key('j')],
        A::Down,
        "scroll down",
        true,
    ),
];

const CONFIRM_NOTE: &[Binding] = &[
    bind(&[key(KeyCode::Enter)], A::Send, "send with this note", true),
    bind(&[key(KeyCode::Tab)], A::WriteNote, "back to y/n", true),
    bind(&[key(KeyCode::Esc)], A::Cancel, "cancel", true),
];

const CONFIRM: &[Binding] = &[
    bind(
        &[char_key('y'), key(KeyCode::Enter)],
        A::Send,
        "send the transfer",
        true,
    ),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        true,
    ),
    bind(&[key(KeyCode::Tab)], A::WriteNote, "add a note", true),
];

const QUIT_CONFIRM: &[Binding] = &[
    bind(
        &[char_key('w')],
        A::QuitWhenDone,
        "quit once those in flight are answered",
        true,
    ),
    bind(&[char_key('y'), ctrl('c')], A::QuitNow, "quit now", true),
    bind(&[char_key('n'), key(KeyCode::Esc)], A::Stay, "stay", true),
];

const HELP: &[Binding] = &[
    bind(
        &[
            key(KeyCode::Esc),
            char_key('?'),
            char_key('q'),
            key(KeyCode::F(1)),
        ],
        A::CloseHelp,
        "close help",
        true,
    ),
    bind(&[key(KeyCode::Up), char_key('k')], A::Up, "scroll up", true),
    bind(
        &[key(KeyCode::Down), char_key('j')],
        A::Down,
        "scroll down",
        true,
    ),
];

pub fn bindings(context: Context) -> &'static [Binding] {
    match context {
        Context::Global => GLOBAL,
        Context::Text => TEXT,
        Context::Session => SESSION,
        Context::Picker => PICKER,
        Context::Log => LOG,
        Context::LogFilter => LOG_FILTER,
        Context::Confirm => CONFIRM,
        Context::QuitConfirm => QUIT_CONFIRM,
        Context::Help => HELP,
        Context::Form => FORM,
        Context::ConfirmDelete => CONFIRM_DELETE,
        Context::ConfirmAnyway => CONFIRM_ANYWAY,
        Context::ConfirmNote => CONFIRM_NOTE,
        Context::Detail => DETAIL,
        Context::SyncPreview => SYNC_PREVIEW,
    }
}

/// The contexts whose keys apply, most specific first: a pane or dialog's own keys, the editing
/// keys if it has a text field, then the global keys unless it is a dialog (which takes every
/// key while it is open).
fn layers(context: Context) -> Vec<Context> {
    let mut layers = vec![context];
    if context.is_text() {
        layers.push(Context::Text);
    }
    if !context.is_dialog() {
        layers.push(Context::Global);
    }
    layers
}

/// The action bound to `event` in `context`, if any. Key releases are ignored (Windows and some
/// terminals report them).
pub fn action_for(context: Context, event: &KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    layers(context).into_iter().find_map(|layer| {
        bindings(layer)
            .iter()
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    })
}

/// What the bottom bar shows in `context`: the context's own hinted bindings, most important
/// first, and those of the layers beneath it (the editing and global keys) that must stay
/// visible whatever the width.
pub struct Hints {
    pub own: Vec<&'static Binding>,
    pub always: Vec<&'static Binding>,
}

pub fn hints(context: Context) -> Hints {
    let hinted = |layer| bindings(layer).iter().filter(|b| b.hint);
    let mut layers = layers(context).into_iter();
    let own = layers.next().map(hinted).into_iter().flatten().collect();
    Hints {
        own,
        always: layers.flat_map(hinted).collect(),
    }
}

/// Every context, in the order the help screen lists them.
pub const HELP_ORDER: [Context; 15] = [
    Context::Global,
    Context::Session,
    Context::Picker,
    Context::Text,
    Context::Log,
    Context::LogFilter,
    Context::Detail,
    Context::Confirm,
    Context::ConfirmNote,
    Context::ConfirmAnyway,
    Context::Form,
    Context::ConfirmDelete,
    Context::SyncPreview,
    Context::QuitConfirm,
    Context::Help,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn text_fields_take_question_marks_but_the_log_opens_help() {
        let question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Context::Session, &question), None);
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
        let hints = hints(Context::Picker);
        let labels: Vec<String> = hints
            .own
            .iter()
            .chain(&hints.always)
            .map(|b| b.keys_label())
            .collect();
        assert!(labels.contains(&"Ctrl-f".to_owned()), "{labels:?}");
        assert!(labels.contains(&"Ctrl-c".to_owned()), "{labels:?}");
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for context in HELP_ORDER {
            let keys: Vec<Key> = bindings(context)
                .iter()
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(key), "{key:?} twice in {context:?}");
            }
        }
    }
}
