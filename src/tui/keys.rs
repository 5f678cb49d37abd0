//! The key map, as data: every binding once, with the words that describe it. The hint bar and
//! the help screen are both generated from it, so they cannot disagree with what the keys do.
//! The tables here are the defaults; the config file's `[keys]` may change the keys of any
//! binding ([`resolve`], through [`KeyMap::with_overrides`]).

mod from_config;
mod key;
mod map;
mod names;

use std::borrow::Cow;

use crossterm::event::KeyCode;

pub use from_config::resolve;
pub use key::{Key, UnknownKey};
use key::{alt, char_key, ctrl, key, shift};
pub use map::{Hints, KeyMap, Override, OverrideError, OverrideWarning};
pub use names::{every_action, meant};

/// Declares [`Context`] and [`HELP_ORDER`] from one list, so that no context can be left out of
/// the help, the key map or the config file's names: the help lists them in this order.
macro_rules! contexts {
    ($(#[$attr:meta])* pub enum Context { $($(#[$doc:meta])* $context:ident,)* }) => {
        $(#[$attr])*
        pub enum Context { $($(#[$doc])* $context,)* }

        /// Every context, in the order the help screen lists those not nearer to hand.
        pub const HELP_ORDER: [Context; [$(Context::$context),*].len()] = [$(Context::$context),*];
    };
}

contexts! {
    /// Where the keyboard is: the focused pane, or an open dialog. A dialog names its own in
    /// [`crate::tui::model::Dialog::context`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Context {
        Global,
        Session,
        Picker,
        /// Editing keys shared by every text field.
        Text,
        Log,
        /// Typing the log's filter.
        LogFilter,
        /// One transfer in detail.
        Detail,
        Confirm,
        /// The confirmation's note field.
        ConfirmNote,
        /// The second confirmation, when something says to think again: the target cannot take
        /// the conversation now, it was moved a moment ago, or a run of many would go over
        /// capacity.
        ConfirmAnyway,
        /// One confirmation for many conversations, to one target or spread over marked agents.
        ConfirmBulk,
        /// Stopping a run of many before the rest is sent.
        ConfirmStop,
        /// Team mode, Redis away: send without a claim, or once Redis answers?
        SendUnclaimed,
        /// The add/edit dialog of a roster target.
        Form,
        ConfirmDelete,
        /// What a sync would change, before it is saved.
        SyncPreview,
        QuitConfirm,
        /// Typing how many of the first conversations shown to mark.
        MarkTop,
        Help,
    }
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
            Self::ConfirmBulk => "Move many at once",
            Self::ConfirmStop => "Stop the run",
            Self::SendUnclaimed => "Redis is away",
            Self::MarkTop => "Mark the top N shown",
        }
    }

    /// A dialog's: it takes every key while open, so the global keys do not reach through it.
    fn is_dialog(self) -> bool {
        match self {
            Self::Global
            | Self::Text
            | Self::Session
            | Self::Picker
            | Self::Log
            | Self::LogFilter => false,
            Self::Confirm
            | Self::QuitConfirm
            | Self::Help
            | Self::Form
            | Self::ConfirmDelete
            | Self::ConfirmAnyway
            | Self::ConfirmNote
            | Self::Detail
            | Self::SyncPreview
            | Self::ConfirmBulk
            | Self::ConfirmStop
            | Self::SendUnclaimed
            | Self::MarkTop => true,
        }
    }

    /// It has a text field: typed characters go into it, so no plain character may be bound
    /// here or in the layers beneath.
    fn is_text(self) -> bool {
        match self {
            Self::Session
            | Self::Picker
            | Self::LogFilter
            | Self::Form
            | Self::ConfirmNote
            | Self::MarkTop
            | Self::Help => true,
            Self::Global
            | Self::Text
            | Self::Log
            | Self::Confirm
            | Self::QuitConfirm
            | Self::ConfirmDelete
            | Self::ConfirmAnyway
            | Self::Detail
            | Self::SyncPreview
            | Self::ConfirmBulk
            | Self::ConfirmStop
            | Self::SendUnclaimed => false,
        }
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
    Close,
    AddTarget,
    EditTarget,
    DeleteTarget,
    ToggleFavourite,
    NextField,
    PreviousField,
    ToggleKind,
    SaveTarget,
    Refresh,
    ToggleFloor,
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
    WordLeft,
    WordRight,
    KillToEnd,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    ClearLine,
    MarkConversation,
    MarkAllShown,
    SortConversations,
    IncludeRecent,
    StopRun,
    SendUnclaimed,
    WaitForRedis,
    RerouteFailed,
    MarkAgent,
    ShowTeammates,
    Redraw,
    ExtendMarksUp,
    ExtendMarksDown,
    MarkTopShown,
    NextNeedingLook,
    MarkTopCount,
    WriteHandOver,
}

/// Whether a binding shows in the bottom bar. Importance is said here, not left to the order of
/// the table: when the bar is narrow, `IfRoom` hints give way (the last of a context first) and
/// `Always` hints stay, so the way to a context's main job never disappears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Only in the help screen.
    Never,
    /// In the bar while there is room.
    IfRoom,
    /// In the bar whatever its width, unless not even these fit.
    Always,
}

/// Keys, what they do, and the words for the help screen and the bottom bar. The static tables
/// below are the defaults; a [`KeyMap`] holds the keys in force, after the config file's
/// `[keys]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Cow<'static, [Key]>,
    pub action: Action,
    pub description: &'static str,
    pub hint: Hint,
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
    hint: Hint,
) -> Binding {
    Binding {
        keys: Cow::Borrowed(keys),
        action,
        description,
        hint,
    }
}

use Action as A;
use Hint::{Always, IfRoom, Never};

const GLOBAL: &[Binding] = &[
    bind(&[key(KeyCode::Tab)], A::NextPane, "next pane", IfRoom),
    bind(
        &[key(KeyCode::BackTab)],
        A::PreviousPane,
        "previous pane",
        Never,
    ),
    bind(&[key(KeyCode::F(1))], A::Help, "help", Always),
    bind(
        &[key(KeyCode::F(5))],
        A::Refresh,
        "refresh who is free and the conversations",
        Never,
    ),
    bind(
        &[key(KeyCode::F(2))],
        A::ToggleFloor,
        "show or hide the queues' figures",
        Never,
    ),
    bind(&[ctrl('l')], A::Redraw, "redraw the whole screen", Never),
    bind(
        &[key(KeyCode::F(6))],
        A::NextNeedingLook,
        "next transfer that needs a look",
        Never,
    ),
    bind(
        &[key(KeyCode::F(9))],
        A::WriteHandOver,
        "write the shift's hand-over: CSV and summary",
        Never,
    ),
    bind(&[ctrl('c')], A::Quit, "quit", Always),
];

/// The keys a shell's line editor taught every terminal user (Emacs style, as readline and
/// zsh have them): no action of a pane with a text field may take one of these.
const TEXT: &[Binding] = &[
    bind(
        &[key(KeyCode::Left), ctrl('b')],
        A::CursorLeft,
        "cursor left",
        Never,
    ),
    bind(
        &[key(KeyCode::Right), ctrl('f')],
        A::CursorRight,
        "cursor right",
        Never,
    ),
    bind(&[alt('b')], A::WordLeft, "word left", Never),
    bind(&[alt('f')], A::WordRight, "word right", Never),
    bind(
        &[key(KeyCode::Home), ctrl('a')],
        A::CursorHome,
        "start of field",
        Never,
    ),
    bind(
        &[key(KeyCode::End), ctrl('e')],
        A::CursorEnd,
        "end of field",
        Never,
    ),
    bind(
        &[key(KeyCode::Backspace)],
        A::DeleteBack,
        "delete back",
        Never,
    ),
    bind(
        &[key(KeyCode::Delete), ctrl('d')],
        A::DeleteForward,
        "delete forward",
        Never,
    ),
    bind(&[ctrl('w')], A::DeleteWord, "delete word", Never),
    bind(&[ctrl('k')], A::KillToEnd, "delete to end of field", Never),
    bind(&[ctrl('u')], A::ClearLine, "clear field", Never),
];

/// Space is bound although the field takes text: a session id never holds a space, and a
/// pasted list of ids is split before it reaches the field. `?` opens help only while the field
/// is empty; typed after something, it is typed.
const SESSION: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::SubmitSession,
        "check id, pick target",
        Always,
    ),
    bind(&[key(KeyCode::Esc)], A::ClearSession, "clear", IfRoom),
    bind(
        &[char_key(' ')],
        A::MarkConversation,
        "mark and go down",
        IfRoom,
    ),
    bind(&[ctrl('x')], A::MarkAllShown, "mark all shown", IfRoom),
    bind(&[ctrl('t')], A::SortConversations, "sort", IfRoom),
    bind(&[char_key('?')], A::Help, "help, in an empty field", Never),
    bind(
        &[ctrl('g')],
        A::MarkTopShown,
        "mark the top N shown",
        IfRoom,
    ),
    bind(
        &[shift(KeyCode::Up)],
        A::ExtendMarksUp,
        "mark a range upwards",
        Never,
    ),
    bind(
        &[shift(KeyCode::Down)],
        A::ExtendMarksDown,
        "mark a range downwards",
        Never,
    ),
    bind(
        &[key(KeyCode::Up), ctrl('p')],
        A::Up,
        "previous conversation",
        Never,
    ),
    bind(
        &[key(KeyCode::Down), ctrl('n')],
        A::Down,
        "next conversation",
        Never,
    ),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", Never),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", Never),
];

/// Every Ctrl letter the filter might want is an editing key (`TEXT`), so the roster's own
/// actions are on named keys, with Alt letters beside them for keyboards without Ins or F keys.
/// Marking an agent has Ctrl-x first: Ctrl-Space switches the input source on macOS and is a
/// tmux prefix for some.
const PICKER: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::Choose,
        "transfer to target",
        Always,
    ),
    bind(
        &[key(KeyCode::Esc)],
        A::BackOut,
        "clear filter or go back",
        IfRoom,
    ),
    bind(&[ctrl('o')], A::ToggleFreeOnly, "only who is free", IfRoom),
    bind(&[ctrl('g')], A::ToggleFavourite, "★ favourite", IfRoom),
    bind(&[ctrl('t')], A::ToggleByLoad, "least loaded first", Never),
    bind(
        &[ctrl('x'), ctrl(' ')],
        A::MarkAgent,
        "mark an agent to spread the marked conversations over",
        Never,
    ),
    bind(&[key(KeyCode::Up), ctrl('p')], A::Up, "previous", Never),
    bind(&[key(KeyCode::Down), ctrl('n')], A::Down, "next", Never),
    bind(
        &[key(KeyCode::Insert), alt('a')],
        A::AddTarget,
        "add",
        IfRoom,
    ),
    bind(
        &[key(KeyCode::F(4)), alt('e')],
        A::EditTarget,
        "edit",
        IfRoom,
    ),
    bind(
        &[key(KeyCode::F(8)), alt('d')],
        A::DeleteTarget,
        "delete",
        IfRoom,
    ),
    bind(
        &[ctrl('r')],
        A::Refresh,
        "refresh who is free and the conversations",
        Never,
    ),
    bind(
        &[ctrl('s')],
        A::Sync,
        "sync roster with the platform",
        IfRoom,
    ),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", Never),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", Never),
];

const FORM: &[Binding] = &[
    bind(&[key(KeyCode::Enter)], A::SaveTarget, "save", Always),
    bind(&[key(KeyCode::Esc)], A::Cancel, "cancel", Always),
    bind(
        &[key(KeyCode::Tab), key(KeyCode::Down)],
        A::NextField,
        "next field",
        IfRoom,
    ),
    bind(
        &[key(KeyCode::BackTab), key(KeyCode::Up)],
        A::PreviousField,
        "previous field",
        Never,
    ),
    bind(&[ctrl('t')], A::ToggleKind, "agent or queue", IfRoom),
    bind(&[key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y`: an Enter typed out of habit must not send to someone who cannot take it.
const CONFIRM_ANYWAY: &[Binding] = &[
    bind(&[char_key('y')], A::Send, "transfer anyway", Always),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y`: an Enter typed out of habit must not send many conversations at once (Enter in the
/// picker opens this, so a second Enter is what a hurried hand types next).
const CONFIRM_BULK: &[Binding] = &[
    bind(&[char_key('y')], A::Send, "send them", Always),
    bind(
        &[char_key('i')],
        A::IncludeRecent,
        "include those moved recently (asks again)",
        IfRoom,
    ),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y`: an Esc typed out of habit must not stop a run.
const CONFIRM_STOP: &[Binding] = &[
    bind(
        &[char_key('y')],
        A::StopRun,
        "stop: send no more of the run",
        Always,
    ),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "let it run",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y` sends without a claim: an Enter typed out of habit waits for Redis instead, which
/// can never move a conversation twice.
const SEND_UNCLAIMED: &[Binding] = &[
    bind(
        &[char_key('y')],
        A::SendUnclaimed,
        "send without a claim",
        Always,
    ),
    bind(
        &[char_key('w'), key(KeyCode::Enter)],
        A::WaitForRedis,
        "send once Redis answers",
        Always,
    ),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y`: nothing is saved by an Enter typed out of habit.
const SYNC_PREVIEW: &[Binding] = &[
    bind(&[char_key('y')], A::ApplySync, "save these changes", Always),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "leave the roster as it is",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Only `y`: an Enter typed out of habit must not delete.
const CONFIRM_DELETE: &[Binding] = &[
    bind(&[char_key('y')], A::DeleteTarget, "delete it", Always),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "keep it",
        Always,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

const LOG: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::OpenDetail,
        "details of the transfer",
        Always,
    ),
    bind(
        &[char_key('r')],
        A::Reroute,
        "re-route it elsewhere",
        IfRoom,
    ),
    bind(
        &[char_key('R')],
        A::RerouteFailed,
        "re-route the last run's failed ones together",
        IfRoom,
    ),
    bind(
        &[char_key('/')],
        A::FilterLog,
        "filter by state, name or id",
        IfRoom,
    ),
    bind(
        &[char_key('n')],
        A::NextNeedingLook,
        "next transfer that needs a look",
        IfRoom,
    ),
    bind(
        &[char_key('t')],
        A::ShowTeammates,
        "show or hide teammates' transfers",
        IfRoom,
    ),
    bind(
        &[char_key('h')],
        A::WriteHandOver,
        "write the shift's hand-over: CSV and summary",
        Never,
    ),
    bind(
        &[char_key('y')],
        A::CopySession,
        "copy its session id",
        Never,
    ),
    bind(
        &[key(KeyCode::Up), char_key('k')],
        A::Up,
        "scroll up",
        IfRoom,
    ),
    bind(
        &[key(KeyCode::Down), char_key('j')],
        A::Down,
        "scroll down",
        IfRoom,
    ),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", Never),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", Never),
    bind(
        &[key(KeyCode::Home), char_key('g')],
        A::Top,
        "oldest",
        Never,
    ),
    bind(
        &[key(KeyCode::End), char_key('G')],
        A::Bottom,
        "newest",
        IfRoom,
    ),
    bind(&[char_key('?')], A::Help, "help", IfRoom),
    bind(
        &[key(KeyCode::Esc)],
        A::BackOut,
        "clear the filter or go back to session",
        Never,
    ),
];

/// Typing the log's filter: it ends with Enter (kept) or Esc (cleared).
const LOG_FILTER: &[Binding] = &[
    bind(&[key(KeyCode::Enter)], A::KeepFilter, "keep filter", Always),
    bind(&[key(KeyCode::Esc)], A::ClearFilter, "clear filter", Always),
    bind(&[key(KeyCode::Up)], A::Up, "scroll up", Never),
    bind(&[key(KeyCode::Down)], A::Down, "scroll down", Never),
];

const DETAIL: &[Binding] = &[
    bind(
        &[key(KeyCode::Esc), key(KeyCode::Enter), char_key('q')],
        A::Close,
        "close",
        Always,
    ),
    bind(
        &[char_key('r')],
        A::Reroute,
        "re-route it elsewhere",
        IfRoom,
    ),
    bind(
        &[char_key('y')],
        A::CopySession,
        "copy its session id",
        Never,
    ),
    bind(
        &[key(KeyCode::Up), char_key('k')],
        A::Up,
        "scroll up",
        IfRoom,
    ),
    bind(
        &[key(KeyCode::Down), char_key('j')],
        A::Down,
        "scroll down",
        IfRoom,
    ),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

const CONFIRM_NOTE: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::Send,
        "send with this note",
        Always,
    ),
    bind(&[key(KeyCode::Tab)], A::WriteNote, "back to y/n", IfRoom),
    bind(&[key(KeyCode::Esc)], A::Cancel, "cancel", Always),
    bind(&[key(KeyCode::F(1))], A::Help, "help", Never),
];

const CONFIRM: &[Binding] = &[
    bind(
        &[char_key('y'), key(KeyCode::Enter)],
        A::Send,
        "send the transfer",
        Always,
    ),
    bind(
        &[char_key('n'), key(KeyCode::Esc)],
        A::Cancel,
        "cancel",
        Always,
    ),
    bind(&[key(KeyCode::Tab)], A::WriteNote, "add a note", IfRoom),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

const QUIT_CONFIRM: &[Binding] = &[
    bind(
        &[char_key('w')],
        A::QuitWhenDone,
        "quit once those in flight are answered",
        Always,
    ),
    bind(&[char_key('y'), ctrl('c')], A::QuitNow, "quit now", Always),
    bind(&[char_key('n'), key(KeyCode::Esc)], A::Stay, "stay", Always),
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// The count is typed as digits; Enter marks, Esc leaves the marks as they were.
const MARK_TOP: &[Binding] = &[
    bind(
        &[key(KeyCode::Enter)],
        A::MarkTopCount,
        "mark that many, then pick their target",
        Always,
    ),
    bind(&[key(KeyCode::Esc)], A::Cancel, "cancel", Always),
    // Only digits are typed here, so `?` is free for help.
    bind(&[char_key('?'), key(KeyCode::F(1))], A::Help, "help", Never),
];

/// Help has a filter field, so every character typed goes into it: only named keys here.
const HELP: &[Binding] = &[
    bind(
        &[key(KeyCode::Esc)],
        A::BackOut,
        "clear the filter, or close",
        Always,
    ),
    bind(&[key(KeyCode::F(1))], A::Close, "close help", Always),
    bind(&[key(KeyCode::Up)], A::Up, "scroll up", IfRoom),
    bind(&[key(KeyCode::Down)], A::Down, "scroll down", IfRoom),
    bind(&[key(KeyCode::PageUp)], A::PageUp, "page up", Never),
    bind(&[key(KeyCode::PageDown)], A::PageDown, "page down", Never),
    bind(&[key(KeyCode::Home)], A::Top, "top", Never),
    bind(&[key(KeyCode::End)], A::Bottom, "bottom", Never),
];

/// The default bindings of `context`.
fn defaults(context: Context) -> &'static [Binding] {
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
        Context::ConfirmBulk => CONFIRM_BULK,
        Context::ConfirmStop => CONFIRM_STOP,
        Context::SendUnclaimed => SEND_UNCLAIMED,
        Context::MarkTop => MARK_TOP,
    }
}

/// The contexts whose keys apply, most specific first: a pane or dialog's own keys, the editing
/// keys if it has a text field, then the global keys unless it is a dialog (which takes every
/// key while it is open).
pub fn layers(context: Context) -> Vec<Context> {
    let mut layers = vec![context];
    if context.is_text() {
        layers.push(Context::Text);
    }
    if !context.is_dialog() {
        layers.push(Context::Global);
    }
    layers
}

/// The help screen's sections when opened from `from`: the keys that work there first (its own,
/// the editing keys if it has a text field, the global keys), then every other context.
pub fn help_sections(from: Context) -> Vec<Context> {
    let mut sections = layers(from);
    if !sections.contains(&Context::Global) {
        sections.push(Context::Global);
    }
    for context in HELP_ORDER {
        if !sections.contains(&context) {
            sections.push(context);
        }
    }
    sections
}

#[cfg(test)]
mod tests;
