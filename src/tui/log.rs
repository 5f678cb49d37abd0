//! The live log: transfers as they move, and notices, newest last, bounded in memory. The full
//! history is in the audit file; this is what fits a shift on screen.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Local};

use crate::ids::SessionId;
use crate::roster::Target;
use crate::transfer::{Outcome, Progress, TransferId, TransferUpdate};

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
    Transfer(TransferEntry),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Warning(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransferEntry {
    pub id: TransferId,
    pub session: SessionId,
    pub target: Target,
    pub state: TransferState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TransferState {
    /// Handed to a background task, not yet reported on.
    Queued,
    WaitingForBudget(Duration),
    Sending,
    Finished(Outcome),
}

impl TransferState {
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Finished(_))
    }
}

#[derive(Debug, Default)]
pub struct TransferLog {
    entries: VecDeque<LogEntry>,
    /// Lines scrolled up from the newest; 0 follows new entries.
    pub scroll: usize,
}

impl TransferLog {
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    fn push(&mut self, kind: EntryKind) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(LogEntry {
            at: Local::now(),
            kind,
        });
    }

    pub fn notice(&mut self, notice: Notice) {
        self.push(EntryKind::Notice(notice));
    }

    pub fn start_transfer(&mut self, id: TransferId, session: SessionId, target: Target) {
        self.push(EntryKind::Transfer(TransferEntry {
            id,
            session,
            target,
            state: TransferState::Queued,
        }));
    }

    /// Applies a step reported by a background transfer to its entry.
    pub fn apply(&mut self, update: TransferUpdate) {
        let state = match update.progress {
            Progress::WaitingForBudget(wait) => TransferState::WaitingForBudget(wait),
            Progress::Sending => TransferState::Sending,
            Progress::Finished(outcome) => TransferState::Finished(outcome),
            Progress::AuditFailed(message) => {
                self.notice(Notice::Warning(message));
                return;
            }
        };
        if let Some(entry) = self.transfer_mut(update.id) {
            entry.state = state;
        }
    }

    fn transfer_mut(&mut self, id: TransferId) -> Option<&mut TransferEntry> {
        self.entries
            .iter_mut()
            .rev()
            .find_map(|e| match &mut e.kind {
                EntryKind::Transfer(t) if t.id == id => Some(t),
                _ => None,
            })
    }

    /// Transfers sent but not finished.
    pub fn in_flight(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(&e.kind, EntryKind::Transfer(t) if !t.state.is_finished()))
            .count()
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.entries.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;

    fn target() -> Target {
        Target::unlisted(TargetKind::Queue, "qu-1")
    }

    fn session() -> SessionId {
        SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap()
    }

    #[test]
    fn updates_move_one_transfer_along() {
        let mut log = TransferLog::default();
        let id = TransferId::new();
        log.start_transfer(id, session(), target());
        log.start_transfer(TransferId::new(), session(), target());
        assert_eq!(log.in_flight(), 2);
        log.apply(TransferUpdate {
            id,
            progress: Progress::Finished(Outcome::Transferred {
                request_completed_at: None,
            }),
        });
        assert_eq!(log.in_flight(), 1);
        let first = log.entries().next().unwrap();
        assert!(matches!(&first.kind, EntryKind::Transfer(t) if t.state.is_finished()));
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
