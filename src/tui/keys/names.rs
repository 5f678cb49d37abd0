//! The names the config file's `[keys]` table uses for actions and for the parts of the console:
//! the help's own words, in kebab-case. They are part of the config format, so they never change
//! once released; the descriptions on screen may.

use super::{Action, Context, HELP_ORDER, defaults};

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Help => "help",
            Self::NextPane => "next-pane",
            Self::PreviousPane => "previous-pane",
            Self::SubmitSession => "check-id",
            Self::ClearSession => "clear-session",
            Self::Up => "up",
            Self::Down => "down",
            Self::PageUp => "page-up",
            Self::PageDown => "page-down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Choose => "choose-target",
            Self::BackOut => "back",
            Self::Send => "send",
            Self::Cancel => "cancel",
            Self::QuitNow => "quit-now",
            Self::QuitWhenDone => "quit-when-done",
            Self::Stay => "stay",
            Self::Close => "close",
            Self::AddTarget => "add",
            Self::EditTarget => "edit",
            Self::DeleteTarget => "delete",
            Self::ToggleFavourite => "favourite",
            Self::NextField => "next-field",
            Self::PreviousField => "previous-field",
            Self::ToggleKind => "agent-or-queue",
            Self::SaveTarget => "save",
            Self::Refresh => "refresh",
            Self::ToggleFloor => "queue-figures",
            Self::Sync => "sync",
            Self::WriteNote => "note",
            Self::OpenDetail => "details",
            Self::Reroute => "re-route",
            Self::ToggleFreeOnly => "only-who-is-free",
            Self::ToggleByLoad => "least-loaded-first",
            Self::ApplySync => "save-changes",
            Self::CopySession => "copy-session-id",
            Self::FilterLog => "filter-log",
            Self::KeepFilter => "keep-filter",
            Self::ClearFilter => "clear-filter",
            Self::CursorLeft => "cursor-left",
            Self::CursorRight => "cursor-right",
            Self::CursorHome => "start-of-field",
            Self::CursorEnd => "end-of-field",
            Self::WordLeft => "word-left",
            Self::WordRight => "word-right",
            Self::KillToEnd => "delete-to-end",
            Self::DeleteBack => "delete-back",
            Self::DeleteForward => "delete-forward",
            Self::DeleteWord => "delete-word",
            Self::ClearLine => "clear-field",
            Self::MarkConversation => "mark",
            Self::MarkAllShown => "mark-all",
            Self::SortConversations => "sort-conversations",
            Self::IncludeRecent => "include-recent",
            Self::StopRun => "stop-run",
            Self::SendUnclaimed => "send-unclaimed",
            Self::WaitForRedis => "wait-for-redis",
            Self::RerouteFailed => "re-route-failed",
            Self::MarkAgent => "mark-agent",
            Self::ShowTeammates => "show-teammates",
            Self::Redraw => "redraw",
            Self::ExtendMarksUp => "mark-range-up",
            Self::ExtendMarksDown => "mark-range-down",
            Self::MarkTopShown => "mark-top",
            Self::MarkTopCount => "mark-that-many",
            Self::NextNeedingLook => "next-needing-a-look",
            Self::WriteHandOver => "hand-over",
        }
    }

    /// The action called `name`, among those the key map binds somewhere.
    pub fn from_name(name: &str) -> Option<Self> {
        every_action().find(|action| action.name() == name)
    }

    /// Where the default key map binds this action.
    pub fn contexts(self) -> impl Iterator<Item = Context> {
        HELP_ORDER
            .into_iter()
            .filter(move |&context| defaults(context).iter().any(|b| b.action == self))
    }
}

/// Every action the key map binds, each once.
pub fn every_action() -> impl Iterator<Item = Action> {
    let mut seen = Vec::new();
    HELP_ORDER
        .into_iter()
        .flat_map(|context| defaults(context).iter().map(|b| b.action))
        .filter(move |action| {
            let new = !seen.contains(action);
            if new {
                seen.push(*action);
            }
            new
        })
}

impl Context {
    /// The name of a `[keys.…]` table. None of these is also an action's name, so a line in
    /// `[keys]` is never ambiguous.
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "everywhere",
            Self::Text => "text-fields",
            Self::Session => "session-field",
            Self::Picker => "picker",
            Self::Log => "log",
            Self::LogFilter => "log-filter",
            Self::Confirm => "confirm",
            Self::QuitConfirm => "confirm-quit",
            Self::Help => "help-screen",
            Self::Form => "target-form",
            Self::ConfirmDelete => "confirm-delete",
            Self::ConfirmAnyway => "confirm-anyway",
            Self::ConfirmNote => "confirm-note",
            Self::Detail => "transfer-detail",
            Self::SyncPreview => "sync-preview",
            Self::ConfirmBulk => "confirm-many",
            Self::ConfirmStop => "confirm-stop",
            Self::SendUnclaimed => "redis-away",
            Self::MarkTop => "mark-top-prompt",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        HELP_ORDER
            .into_iter()
            .find(|context| context.name() == name)
    }
}

/// A name as people mistype it: case, dashes, underscores and spaces ignored.
fn loosely(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The action or part meant by a mistyped `name`: the nearest name once case, dashes and
/// spaces are set aside ("reroute", "Only_Who_Is_Free", "favorite", "pickr"), if it is near
/// enough to be a slip: a letter or two off, a third of the name at most.
pub fn meant(name: &str) -> Option<&'static str> {
    let wanted = loosely(name);
    let slips = (wanted.chars().count() / 3).clamp(1, 3);
    every_action()
        .map(Action::name)
        .chain(HELP_ORDER.into_iter().map(Context::name))
        .map(|candidate| (edits(&wanted, &loosely(candidate)), candidate))
        .filter(|(distance, _)| *distance <= slips)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// How many letters must be put in, taken out or changed to make `a` into `b` (Levenshtein).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, from) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, to) in b.iter().enumerate() {
            let changed = previous[j] + usize::from(from != *to);
            current.push(changed.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
