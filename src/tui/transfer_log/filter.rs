//! `/` in the log: which entries a filter lets through. Every word typed must appear, in any
//! case, in what the entry says: a transfer's state, session id (whole, so its last characters
//! match), target name, kind, id and team, and its note (and for a teammate's, their name); a
//! notice's text; a line of refused callbacks, "refused callback" and its reason. Teammates'
//! transfers show only while the supervisor asked for them (`t`).

use super::{EntryKind, LogEntry, Notice};
use crate::transfer::{Ledger, TransferRecord};

pub struct LogFilter<'a> {
    ledger: &'a Ledger,
    words: Vec<String>,
    teammates: bool,
}

impl<'a> LogFilter<'a> {
    /// Lets through what matches `text`; teammates' transfers only with `teammates`.
    pub fn new(ledger: &'a Ledger, text: &str, teammates: bool) -> Self {
        Self {
            ledger,
            words: text.split_whitespace().map(str::to_lowercase).collect(),
            teammates,
        }
    }

    /// Whether the filter is typed at all; an empty one lets everything through.
    pub fn is_active(&self) -> bool {
        !self.words.is_empty()
    }

    pub fn lets_through(&self, entry: &LogEntry) -> bool {
        if !self.teammates && matches!(entry.kind, EntryKind::Teammate(_)) {
            return false;
        }
        if self.words.is_empty() {
            return true;
        }
        let text = self.searchable(&entry.kind).to_lowercase();
        self.words.iter().all(|word| text.contains(word.as_str()))
    }

    fn searchable(&self, kind: &EntryKind) -> String {
        match kind {
            EntryKind::Notice(Notice::Info(text) | Notice::Warning(text)) => text.clone(),
            EntryKind::Refusals(refusals) => {
                format!("refused callback {}", refusals.refusal.words())
            }
            EntryKind::Transfer(id) => self.ledger.get(*id).map(says).unwrap_or_default(),
            EntryKind::Teammate(transfer) => {
                format!("{} {}", transfer.by, says(&transfer.record))
            }
        }
    }
}

/// What a transfer's line says, for matching.
fn says(record: &TransferRecord) -> String {
    let request = &record.request;
    let target = &request.target;
    format!(
        "{} {} {} {} {} {} {}",
        record.state().word(),
        request.session.as_str(),
        target.kind,
        target.name,
        target.id,
        target.team.as_deref().unwrap_or_default(),
        request.note.as_deref().unwrap_or_default(),
    )
}
