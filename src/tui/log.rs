//! The live log: transfers as they move, and notices, newest last, bounded in memory. The full
//! history is in the audit file; this is what fits a shift on screen.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Local};

use crate::ids::SessionId;
use crate::roster::Target;
use crate::transfer::{
    Confirmation, Outcome, Progress, TransferId, TransferRecord, TransferRequest, TransferUpdate,
};

/// Enough for a long shift; older entries remain in the audit file.
pub const LOG_CAPACITY: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: DateTime<Local>,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    Notice(Notice),
    Transfer(Box<TransferEntry>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Warning(String),
}

/// One transfer and everything known about it so far.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferEntry {
    pub request: TransferRequest,
    /// Before the platform answers: where the request is.
    pub phase: Phase,
    pub sent_at: Option<DateTime<Local>>,
    /// The request as sent (secrets replaced), for the detail view.
    pub sent: Option<String>,
    pub answered_at: Option<DateTime<Local>>,
    pub outcome: Option<Outcome>,
    pub confirmed_at: Option<DateTime<Local>>,
    pub confirmation: Option<Confirmation>,
    /// Loaded from the audit file at start, not sent by this run.
    pub restored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Handed to a background task, not yet reported on.
    Queued,
    WaitingForBudget(Duration),
    Sending,
}

/// Where a transfer is, as the log shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Queued,
    WaitingForBudget(Duration),
    Sending,
    /// The platform accepted it; its callback has not come yet.
    Accepted,
    Confirmed,
    Failed,
    Unclear,
    Unconfirmed,
    Unknown,
    /// Restored from the audit file with no answer: the app stopped while it was sending.
    Interrupted,
}

impl TransferEntry {
    pub fn new(request: TransferRequest) -> Self {
        Self {
            request,
            phase: Phase::Queued,
            sent_at: None,
            sent: None,
            answered_at: None,
            outcome: None,
            confirmed_at: None,
            confirmation: None,
            restored: false,
        }
    }

    pub fn id(&self) -> TransferId {
        self.request.id
    }

    pub fn state(&self) -> State {
        match (&self.confirmation, &self.outcome) {
            (Some(Confirmation::Confirmed { .. }), _) => State::Confirmed,
            (Some(Confirmation::Failed { .. }), _) => State::Failed,
            (Some(Confirmation::Unclear { .. }), _) => State::Unclear,
            (Some(Confirmation::Unconfirmed), _) => State::Unconfirmed,
            (None, Some(Outcome::Transferred { .. })) => State::Accepted,
            (None, Some(Outcome::Failed { .. })) => State::Failed,
            (None, Some(Outcome::Unknown { .. })) => State::Unknown,
            (None, None) if self.restored => State::Interrupted,
            (None, None) => match self.phase {
                Phase::Queued => State::Queued,
                Phase::WaitingForBudget(wait) => State::WaitingForBudget(wait),
                Phase::Sending => State::Sending,
            },
        }
    }

    /// Not yet answered by the platform (and not a restored leftover).
    pub fn in_flight(&self) -> bool {
        self.outcome.is_none() && !self.restored
    }

    /// Accepted and still waiting for its callback.
    pub fn awaiting_callback(&self) -> bool {
        matches!(self.state(), State::Accepted | State::Sending)
    }

    /// Rebuilds an entry from the audit file.
    pub fn restored(record: &TransferRecord, target: Target) -> Option<Self> {
        let local = |at: DateTime<chrono::Utc>| at.with_timezone(&Local);
        Some(Self {
            request: TransferRequest {
                id: TransferId::parse(&record.transfer)?,
                session: SessionId::parse(&record.session).ok()?,
                target,
                note: record.note.clone(),
            },
            phase: Phase::Sending,
            sent_at: record.sending_at.map(local),
            sent: None,
            answered_at: record.answered_at.map(local),
            outcome: record.outcome.clone(),
            confirmed_at: record.confirmed_at.map(local),
            confirmation: record.confirmation.clone(),
            restored: true,
        })
    }
}

#[derive(Debug, Default)]
pub struct TransferLog {
    entries: VecDeque<LogEntry>,
    /// Entries scrolled up from the newest; 0 follows new entries.
    pub scroll: usize,
}

impl TransferLog {
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    fn push_at(&mut self, at: DateTime<Local>, kind: EntryKind) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(LogEntry { at, kind });
    }

    pub fn notice(&mut self, notice: Notice) {
        self.push_at(Local::now(), EntryKind::Notice(notice));
    }

    pub fn start_transfer(&mut self, request: TransferRequest) {
        self.push_at(
            Local::now(),
            EntryKind::Transfer(Box::new(TransferEntry::new(request))),
        );
    }

    /// Adds an entry from the audit file, at the time it happened.
    pub fn restore(&mut self, at: DateTime<Local>, entry: TransferEntry) {
        self.push_at(at, EntryKind::Transfer(Box::new(entry)));
    }

    /// Applies a step reported by a background transfer to its entry; returns the entry.
    pub fn apply(&mut self, update: TransferUpdate) -> Option<&TransferEntry> {
        let at = update.at;
        if let Progress::AuditFailed(message) = update.progress {
            self.notice(Notice::Warning(message));
            return None;
        }
        let entry = self.transfer_mut(update.id)?;
        match update.progress {
            Progress::WaitingForBudget(wait) => entry.phase = Phase::WaitingForBudget(wait),
            Progress::Sending { request } => {
                entry.phase = Phase::Sending;
                entry.sent_at = Some(at);
                entry.sent = Some(request);
            }
            Progress::Finished(outcome) => {
                entry.answered_at = Some(at);
                entry.outcome = Some(outcome);
            }
            Progress::AuditFailed(_) => {}
        }
        Some(entry)
    }

    pub fn transfer(&self, id: TransferId) -> Option<&TransferEntry> {
        self.entries.iter().rev().find_map(|e| match &e.kind {
            EntryKind::Transfer(t) if t.id() == id => Some(t.as_ref()),
            _ => None,
        })
    }

    pub fn transfer_mut(&mut self, id: TransferId) -> Option<&mut TransferEntry> {
        self.entries
            .iter_mut()
            .rev()
            .find_map(|e| match &mut e.kind {
                EntryKind::Transfer(t) if t.id() == id => Some(t.as_mut()),
                _ => None,
            })
    }

    /// The newest transfer of `session` that is still waiting for its callback, else the newest
    /// one of that session the platform accepted (a late callback still tells the truth).
    pub fn for_callback(&mut self, session: &SessionId) -> Option<&mut TransferEntry> {
        let of_session = |e: &LogEntry| matches!(&e.kind, EntryKind::Transfer(t) if t.request.session == *session);
        let waiting = self.entries.iter().rposition(|e| {
            of_session(e) && matches!(&e.kind, EntryKind::Transfer(t) if t.awaiting_callback())
        });
        let accepted = || {
            self.entries.iter().rposition(|e| {
                of_session(e)
                    && matches!(&e.kind, EntryKind::Transfer(t) if matches!(t.outcome, Some(Outcome::Transferred { .. })))
            })
        };
        let at = waiting.or_else(accepted)?;
        match &mut self.entries[at].kind {
            EntryKind::Transfer(t) => Some(t.as_mut()),
            EntryKind::Notice(_) => None,
        }
    }

    /// Transfers sent but not answered.
    pub fn in_flight(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(&e.kind, EntryKind::Transfer(t) if t.in_flight()))
            .count()
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.entries.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// The entry the log's highlight is on: the newest shown.
    pub fn highlighted(&self) -> Option<&LogEntry> {
        self.entries.iter().rev().nth(self.scroll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;

    fn request() -> TransferRequest {
        TransferRequest {
            id: TransferId::new(),
            session: SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap(),
            target: Target::unlisted(TargetKind::Queue, "qu-1"),
            note: None,
        }
    }

    #[test]
    fn updates_move_one_transfer_along() {
        let mut log = TransferLog::default();
        let first = request();
        let id = first.id;
        log.start_transfer(first);
        log.start_transfer(request());
        assert_eq!(log.in_flight(), 2);
        log.apply(TransferUpdate::now(
            id,
            Progress::Finished(Outcome::Transferred {
                request_completed_at: None,
            }),
        ));
        assert_eq!(log.in_flight(), 1);
        assert_eq!(log.transfer(id).unwrap().state(), State::Accepted);
    }

    #[test]
    fn a_callback_finds_the_newest_waiting_transfer_of_its_session() {
        let mut log = TransferLog::default();
        let (old, new) = (request(), request());
        let (old_id, new_id) = (old.id, new.id);
        let session = old.session.clone();
        log.start_transfer(old);
        log.start_transfer(new);
        for id in [old_id, new_id] {
            log.apply(TransferUpdate::now(
                id,
                Progress::Finished(Outcome::Transferred {
                    request_completed_at: None,
                }),
            ));
        }
        assert_eq!(log.for_callback(&session).unwrap().id(), new_id);
        log.transfer_mut(new_id).unwrap().confirmation = Some(Confirmation::Unconfirmed);
        assert_eq!(log.for_callback(&session).unwrap().id(), old_id);
        let other = SessionId::parse("0000f8a3c9cf425ee5cf0a1b").unwrap();
        assert!(log.for_callback(&other).is_none());
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = TransferLog::default();
        for n in 0..LOG_CAPACITY + 5 {
            log.notice(Notice::Info(n.to_string()));
        }
        assert_eq!(log.entries().len(), LOG_CAPACITY);
        assert_eq!(
            log.entries().next().unwrap().kind,
            EntryKind::Notice(Notice::Info("5".into()))
        );
    }
}
