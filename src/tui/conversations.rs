//! The account's open conversations as the session pane lists them: the last list read, when it
//! was read and why the last read failed, the order chosen, what the session field narrows it
//! to, the highlight, and the conversations marked for a move of many at once.

use std::cmp::Reverse;
use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::directory::TeammateRead;
use crate::ids::ConversationStatus;
use crate::ids::SessionId;
use crate::platform::{Conversation, ConversationList, ConversationsError};

/// At most this many conversations are kept, as many as the client reads (100 pages): the
/// waiting ones come first, so on a floor bigger than that only conversations with an agent are
/// left out, and the list's notes say the read stopped.
pub const MAX_CONVERSATIONS: usize = 10_000;

/// How the list is ordered; a key steps through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Waiting first, longest wait first: as the list is read.
    #[default]
    Wait,
    /// Highest priority first, then longest wait.
    Priority,
    /// By queue name, then longest wait.
    Queue,
}

impl SortBy {
    pub fn next(self) -> Self {
        match self {
            Self::Wait => Self::Priority,
            Self::Priority => Self::Queue,
            Self::Queue => Self::Wait,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Wait => "wait",
            Self::Priority => "priority",
            Self::Queue => "queue",
        }
    }
}

/// Why the list could not be read: a missing API scope stays until the credentials change, so
/// it is said apart from a refresh that failed once.
#[derive(Debug, Clone, PartialEq)]
pub enum ListProblem {
    MissingScope(String),
    Failed(String),
}

#[derive(Debug, Default)]
pub struct Conversations {
    /// As last read, in the order the read gives it (waiting first, longest wait first).
    list: Vec<Conversation>,
    /// What a filter word may match in each of `list`, made once a read rather than once a
    /// frame.
    search_text: Vec<String>,
    /// When `list` was read; `None` until the first read ends well.
    pub as_of: Option<DateTime<Utc>>,
    /// The teammate whose console read `list`, in team mode; `None` when this console did.
    pub read_by: Option<String>,
    /// What reading it had to work around, in words.
    pub notes: Vec<String>,
    pub problem: Option<ListProblem>,
    pub sort: SortBy,
    /// The highlighted conversation, kept by id so a refresh does not move it to another.
    selected: Option<SessionId>,
    /// The first row shown, for scrolling.
    top: usize,
    /// Marked for a move of many, in the order they were marked.
    marked: Vec<SessionId>,
}

impl Conversations {
    /// A read ended, this console's at `now` or a `teammate`'s: the list replaces the last
    /// one, or the problem is kept with the last list.
    pub fn read(
        &mut self,
        result: Result<ConversationList, ConversationsError>,
        now: DateTime<Utc>,
        teammate: Option<TeammateRead>,
    ) {
        let (at, read_by) = match teammate {
            Some(read) => (read.at, Some(read.by)),
            None => (now, None),
        };
        match result {
            // A teammate's list, used while a newer read was under way, can be older than
            // the one shown. (This console's own reads always replace it, whatever the
            // teammate's clock said.)
            Ok(_) if read_by.is_some() && self.as_of.is_some_and(|shown| shown > at) => {}
            Ok(mut list) => {
                list.conversations.truncate(MAX_CONVERSATIONS);
                self.search_text = list.conversations.iter().map(searchable).collect();
                self.list = list.conversations;
                self.notes = list.notes;
                self.as_of = Some(at);
                self.read_by = read_by;
                self.problem = None;
            }
            Err(error @ ConversationsError::MissingScope { .. }) => {
                self.problem = Some(ListProblem::MissingScope(error.to_string()));
            }
            Err(error) => self.problem = Some(ListProblem::Failed(error.to_string())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Every conversation the last read listed.
    pub fn all(&self) -> &[Conversation] {
        &self.list
    }

    /// How many conversations the last read listed.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Some conversation still waits, so its wait moves with the clock.
    pub fn any_waiting(&self) -> bool {
        self.list.iter().any(is_waiting)
    }

    pub fn get(&self, session: &SessionId) -> Option<&Conversation> {
        self.list.iter().find(|c| c.session == *session)
    }

    /// The conversations `filter` lets through (every word must appear in the id, queue,
    /// intent, agent, priority or sentiment), in the chosen order.
    pub fn shown(&self, filter: &str) -> Vec<&Conversation> {
        let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
        let mut shown: Vec<&Conversation> = self
            .list
            .iter()
            .zip(&self.search_text)
            .filter(|(_, text)| words.iter().all(|word| text.contains(word.as_str())))
            .map(|(c, _)| c)
            .collect();
        match self.sort {
            SortBy::Wait => {}
            SortBy::Priority => shown.sort_by_key(|c| Reverse(priority_rank(c))),
            SortBy::Queue => shown.sort_by_key(|c| {
                (
                    c.queue.as_ref().map(|q| q.label().to_lowercase()).is_none(),
                    c.queue.as_ref().map(|q| q.label().to_lowercase()),
                )
            }),
        }
        shown
    }

    /// Where the highlight is among `shown`: on the selected conversation if shown, else on the
    /// first row.
    pub fn selected_index(&self, shown: &[&Conversation]) -> Option<usize> {
        if shown.is_empty() {
            return None;
        }
        let at = self
            .selected
            .as_ref()
            .and_then(|id| shown.iter().position(|c| c.session == *id));
        Some(at.unwrap_or(0))
    }

    /// The highlighted conversation among those `filter` shows.
    pub fn highlighted(&self, filter: &str) -> Option<&Conversation> {
        let shown = self.shown(filter);
        let at = self.selected_index(&shown)?;
        shown.get(at).copied()
    }

    /// Moves the highlight `delta` rows (negative: up) among those `filter` shows.
    pub fn move_by(&mut self, filter: &str, delta: isize) {
        let shown = self.shown(filter);
        let Some(at) = self.selected_index(&shown) else {
            return;
        };
        let to = at
            .saturating_add_signed(delta)
            .min(shown.len().saturating_sub(1));
        self.selected = shown.get(to).map(|c| c.session.clone());
    }

    /// Highlights row `row` among those `filter` shows.
    pub fn select(&mut self, filter: &str, row: usize) {
        self.selected = self.shown(filter).get(row).map(|c| c.session.clone());
    }

    /// The first row a list `rows` high shows: where it was, unless the highlight would be off
    /// it (then just far enough to show it) or rows would be left empty at the end.
    pub fn first_shown(&self, filter: &str, rows: usize) -> usize {
        let rows = rows.max(1);
        let shown = self.shown(filter);
        let selected = self.selected_index(&shown).unwrap_or(0);
        let lowest = (selected + 1).saturating_sub(rows);
        let last_page = shown.len().saturating_sub(rows);
        self.top.min(last_page).clamp(lowest, selected.max(lowest))
    }

    /// Remembers where a list `rows` high now starts.
    pub fn keep_selected_in_view(&mut self, filter: &str, rows: usize) {
        self.top = self.first_shown(filter, rows);
    }

    pub fn marked(&self) -> &[SessionId] {
        &self.marked
    }

    pub fn is_marked(&self, session: &SessionId) -> bool {
        self.marked.contains(session)
    }

    /// Marks `session`, or unmarks it if it was marked.
    pub fn toggle_mark(&mut self, session: &SessionId) {
        if let Some(at) = self.marked.iter().position(|s| s == session) {
            self.marked.remove(at);
        } else {
            self.marked.push(session.clone());
        }
    }

    /// Marks `session`; false if it already was.
    pub fn mark(&mut self, session: SessionId) -> bool {
        if self.marked.contains(&session) {
            return false;
        }
        self.marked.push(session);
        true
    }

    /// Shift-↑/↓: marks the highlighted conversation and the one `delta` rows away, where the
    /// highlight goes, so each press adds one row to the range.
    pub fn extend_marks(&mut self, filter: &str, delta: isize) {
        for step in [0, delta] {
            if step != 0 {
                self.move_by(filter, step);
            }
            if let Some(session) = self.highlighted(filter).map(|c| c.session.clone()) {
                self.mark(session);
            }
        }
    }

    /// Marks the first `count` conversations `filter` shows, in the order shown. Returns how
    /// many that was (fewer when fewer are shown) and how many are shown.
    pub fn mark_top_shown(&mut self, filter: &str, count: usize) -> TopMarked {
        let shown: Vec<SessionId> = self
            .shown(filter)
            .iter()
            .map(|c| c.session.clone())
            .collect();
        let taken = count.min(shown.len());
        for session in shown.iter().take(taken).cloned() {
            self.mark(session);
        }
        TopMarked {
            taken,
            shown: shown.len(),
        }
    }

    /// Marks every conversation `filter` shows; if all of them already were, clears every
    /// mark instead. Returns how many are marked after.
    pub fn mark_all_shown(&mut self, filter: &str) -> usize {
        let shown: Vec<SessionId> = self
            .shown(filter)
            .iter()
            .map(|c| c.session.clone())
            .collect();
        let already: HashSet<&SessionId> = self.marked.iter().collect();
        if !shown.is_empty() && shown.iter().all(|s| already.contains(s)) {
            self.marked.clear();
        } else {
            for session in shown {
                self.mark(session);
            }
        }
        self.marked.len()
    }

    pub fn clear_marks(&mut self) {
        self.marked.clear();
    }

    /// After a transfer: back to the top, where the longest waits are, since the one just
    /// moved leaves the rows it was among.
    pub fn back_to_top(&mut self) {
        self.selected = None;
        self.top = 0;
    }

    /// Marks these sessions instead of those marked now.
    pub fn set_marks(&mut self, sessions: Vec<SessionId>) {
        self.marked = sessions;
    }

    pub fn sort_next(&mut self) {
        self.sort = self.sort.next();
        self.top = 0;
    }
}

/// What "mark the top N shown" did: `taken` marked out of the `shown` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopMarked {
    pub taken: usize,
    pub shown: usize,
}

fn is_waiting(conversation: &Conversation) -> bool {
    conversation
        .status
        .as_ref()
        .is_some_and(ConversationStatus::is_waiting)
}

/// Whether the platform says `conversation` is over, so it cannot be moved.
pub fn has_ended(conversation: &Conversation) -> bool {
    conversation
        .status
        .as_ref()
        .is_some_and(ConversationStatus::is_ended)
}

/// Everything a filter word may match, in lower case.
fn searchable(c: &Conversation) -> String {
    [
        Some(c.session.as_str()),
        c.queue.as_ref().map(|q| q.label()),
        c.intent.as_deref(),
        c.agent.as_ref().map(|a| a.label()),
        c.priority.as_deref(),
        c.sentiment.as_ref().and_then(|s| s.tone.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase()
}

/// Higher is more urgent. The platform sends a number or a word; numbers rank above words so a
/// mixed list still reads top-down.
fn priority_rank(c: &Conversation) -> (u8, i64) {
    let Some(priority) = c.priority.as_deref().map(str::trim) else {
        return (0, 0);
    };
    if let Ok(number) = priority.parse::<i64>() {
        return (2, number);
    }
    let word = match priority.to_ascii_lowercase().as_str() {
        "urgent" | "critical" => 4,
        "high" => 3,
        "medium" | "normal" => 2,
        "low" => 1,
        _ => 0,
    };
    (1, word)
}

#[cfg(test)]
pub(crate) mod tests;
