//! The live log: transfers as they move, and notices, newest last, bounded in memory. The
//! transfers themselves live in the model's ledger; the log holds their place in the story. The
//! full history is in the audit file; this is what fits a shift on screen.
//!
//! Two rules keep what matters on screen whatever arrives: a transfer still waiting on the
//! platform is never dropped to make room, and refused callbacks are counted on one line a
//! minute per kind, so a flood of them cannot push anything out.

use std::collections::VecDeque;
use std::net::SocketAddr;

use chrono::{DateTime, Local};

use crate::callback::Refusal;
use crate::transfer::TransferId;

/// Enough for a long shift; older entries remain in the audit file.
pub const LOG_CAPACITY: usize = 1000;

/// Refusals of one kind within this long share one line.
const REFUSAL_WINDOW: chrono::Duration = chrono::Duration::minutes(1);

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: DateTime<Local>,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    Notice(Notice),
    /// A transfer, shown from the ledger as it stands.
    Transfer(TransferId),
    /// Callbacks refused within a minute, for one reason.
    Refusals(Refusals),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Warning(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusals {
    pub refusal: Refusal,
    pub count: usize,
    pub last_from: SocketAddr,
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

    /// Adds an entry; when full, the oldest entry that is not an open transfer makes room.
    /// `is_open` tells which transfers are still waiting on the platform.
    pub fn push(
        &mut self,
        at: DateTime<Local>,
        kind: EntryKind,
        is_open: impl Fn(TransferId) -> bool,
    ) {
        if self.entries.len() >= LOG_CAPACITY {
            let evictable = self.entries.iter().position(|entry| match entry.kind {
                EntryKind::Transfer(id) => !is_open(id),
                _ => true,
            });
            if let Some(oldest) = evictable {
                self.entries.remove(oldest);
                if self.scroll > 0 {
                    self.scroll -= 1;
                }
            }
        }
        self.entries.push_back(LogEntry { at, kind });
    }

    /// Counts a refused callback on the line of its kind from the last minute, or starts one.
    pub fn refused(
        &mut self,
        refusal: Refusal,
        from: SocketAddr,
        at: DateTime<Local>,
        is_open: impl Fn(TransferId) -> bool,
    ) {
        let recent = self
            .entries
            .iter_mut()
            .rev()
            .find_map(|entry| match &mut entry.kind {
                EntryKind::Refusals(line)
                    if line.refusal == refusal && at - entry.at < REFUSAL_WINDOW =>
                {
                    Some(line)
                }
                _ => None,
            });
        match recent {
            Some(line) => {
                line.count += 1;
                line.last_from = from;
            }
            None => self.push(
                at,
                EntryKind::Refusals(Refusals {
                    refusal,
                    count: 1,
                    last_from: from,
                }),
                is_open,
            ),
        }
    }

    /// Whether the transfer has a line in the log.
    pub fn shows(&self, id: TransferId) -> bool {
        self.entries
            .iter()
            .any(|entry| entry.kind == EntryKind::Transfer(id))
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

    fn notice(n: usize) -> EntryKind {
        EntryKind::Notice(Notice::Info(n.to_string()))
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = TransferLog::default();
        for n in 0..LOG_CAPACITY + 5 {
            log.push(Local::now(), notice(n), |_| false);
        }
        assert_eq!(log.entries().len(), LOG_CAPACITY);
        assert_eq!(log.entries().next().unwrap().kind, notice(5));
    }

    #[test]
    fn an_open_transfer_is_never_pushed_out() {
        let mut log = TransferLog::default();
        let open = TransferId::new();
        log.push(Local::now(), EntryKind::Transfer(open), |_| true);
        for n in 0..LOG_CAPACITY * 2 {
            log.push(Local::now(), notice(n), |id| id == open);
        }
        assert!(log.shows(open));
        assert_eq!(log.entries().len(), LOG_CAPACITY);
    }

    #[test]
    fn refusals_share_a_line_a_minute() {
        let mut log = TransferLog::default();
        let from: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let start = Local::now();
        for n in 0..700 {
            let at = start + chrono::Duration::milliseconds(n * 100);
            log.refused(Refusal::WrongToken, from, at, |_| false);
        }
        log.refused(Refusal::NotJson, from, start, |_| false);
        assert_eq!(
            log.entries().len(),
            3,
            "a minute of wrong tokens, then the next minute"
        );
        let EntryKind::Refusals(first) = &log.entries().next().unwrap().kind else {
            panic!("expected refusals");
        };
        assert_eq!(first.count, 600);
    }
}
