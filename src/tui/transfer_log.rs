//! The live log: transfers as they move, and notices, newest last, bounded in memory. The
//! transfers themselves live in the model's ledger; the log holds their place in the story. The
//! full history is in the audit file; this is what fits a shift on screen.
//!
//! Two rules keep what matters on screen whatever arrives: a transfer still waiting on the
//! platform is never dropped to make room, and refused callbacks are counted on one line a
//! minute per kind, so a flood of them cannot push anything out.

mod filter;
mod window;

pub use filter::LogFilter;
pub use window::Window;

use std::collections::VecDeque;
use std::net::SocketAddr;

use chrono::{DateTime, Utc};

use crate::callback::Refusal;
use crate::transfer::TeamTransfer;
use crate::transfer::{TransferId, TransferRecord};

/// Enough for a long shift; older entries remain in the audit file.
pub const LOG_CAPACITY: usize = 1000;

/// Refusals of one kind within this long share one line.
const REFUSAL_WINDOW: chrono::Duration = chrono::Duration::minutes(1);

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The entry's place in the log, never reused: the highlight stays on it while entries
    /// arrive and leave around it.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    Notice(Notice),
    /// A transfer, shown from the ledger as it stands.
    Transfer(TransferId),
    /// Callbacks refused within a minute, for one reason.
    Refusals(Refusals),
    /// A teammate's transfer, as the team's activity stream tells it (team mode). It lives
    /// here rather than in the ledger: no callback of this console may settle it.
    Teammate(Box<TeamTransfer>),
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
    next_seq: u64,
    /// The entry the highlight is on; `None` follows the newest.
    highlight: Option<u64>,
    /// The entry the pane is laid out from, at its bottom unless the oldest entries leave room
    /// below; `None` lays it out from the newest, following new entries. See [`Window`].
    anchor: Option<u64>,
}

impl TransferLog {
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Adds an entry; when full, the oldest teammate's transfer makes room, or else the oldest
    /// entry that is not an open transfer of this console's: a busy team never pushes this
    /// console's own story out. `is_open` tells which transfers are still waiting on the
    /// platform.
    pub fn push(
        &mut self,
        at: DateTime<Utc>,
        kind: EntryKind,
        is_open: impl Fn(TransferId) -> bool,
    ) {
        if self.entries.len() >= LOG_CAPACITY {
            let evictable = self
                .entries
                .iter()
                .position(|entry| matches!(entry.kind, EntryKind::Teammate(_)))
                .or_else(|| {
                    self.entries.iter().position(|entry| match entry.kind {
                        EntryKind::Transfer(id) => !is_open(id),
                        _ => true,
                    })
                });
            if let Some(oldest) = evictable {
                self.entries.remove(oldest);
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push_back(LogEntry { seq, at, kind });
    }

    /// Counts a refused callback on the line of its kind from the last minute, or starts one.
    pub fn refused(
        &mut self,
        refusal: Refusal,
        from: SocketAddr,
        at: DateTime<Utc>,
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

    /// A teammate's transfer in the log, to fold a later step into.
    pub fn teammate_mut(&mut self, id: TransferId) -> Option<&mut TransferRecord> {
        self.entries
            .iter_mut()
            .rev()
            .find_map(|entry| match &mut entry.kind {
                EntryKind::Teammate(transfer) if transfer.record.id() == id => {
                    Some(&mut transfer.record)
                }
                _ => None,
            })
    }

    /// How many teammates' transfers the log holds.
    pub fn teammates(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| matches!(entry.kind, EntryKind::Teammate(_)))
            .count()
    }

    /// The entries `shown` lets through, oldest first.
    pub fn shown<'a>(
        &'a self,
        shown: impl Fn(&LogEntry) -> bool + 'a,
    ) -> impl DoubleEndedIterator<Item = &'a LogEntry> + 'a {
        self.entries.iter().filter(move |entry| shown(entry))
    }

    /// The entry the highlight is on among those `shown` lets through: the one chosen, or if
    /// it is hidden or gone, the nearest older one shown; the newest when following.
    pub fn highlighted(&self, shown: impl Fn(&LogEntry) -> bool) -> Option<&LogEntry> {
        let mut candidates = self.entries.iter().rev().filter(|entry| shown(entry));
        match self.highlight {
            None => candidates.next(),
            Some(seq) => candidates.find(|entry| entry.seq <= seq),
        }
        .or_else(|| self.entries.iter().find(|entry| shown(entry)))
    }

    /// Moves the highlight `delta` shown entries towards the newest (positive) or the oldest;
    /// reaching the newest follows new entries again.
    pub fn move_highlight(&mut self, delta: isize, shown: impl Fn(&LogEntry) -> bool + Copy) {
        let seqs: Vec<u64> = self.shown(shown).map(|entry| entry.seq).collect();
        let Some(newest) = seqs.len().checked_sub(1) else {
            self.highlight = None;
            return;
        };
        let at = self
            .highlighted(shown)
            .and_then(|entry| seqs.iter().position(|&seq| seq == entry.seq))
            .unwrap_or(newest);
        let to = at.saturating_add_signed(delta).min(newest);
        self.highlight = (to < newest).then(|| seqs[to]);
    }

    /// Puts the highlight on entry `seq`, if the log still holds it.
    pub fn highlight(&mut self, seq: u64) {
        if self.entries.iter().any(|entry| entry.seq == seq) {
            let newest = self.entries.back().map(|entry| entry.seq);
            self.highlight = (Some(seq) != newest).then_some(seq);
        }
    }

    /// The highlight goes back to following the newest entry, and the pane with it.
    pub fn follow(&mut self) {
        self.highlight = None;
        self.anchor = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When every entry of these tests arrives: they are about order, not time.
    const AT: DateTime<Utc> = DateTime::UNIX_EPOCH;

    fn notice(n: usize) -> EntryKind {
        EntryKind::Notice(Notice::Info(n.to_string()))
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = TransferLog::default();
        for n in 0..LOG_CAPACITY + 5 {
            log.push(AT, notice(n), |_| false);
        }
        assert_eq!(log.entries().len(), LOG_CAPACITY);
        assert_eq!(log.entries().next().unwrap().kind, notice(5));
    }

    #[test]
    fn an_open_transfer_is_never_pushed_out() {
        let mut log = TransferLog::default();
        let open = TransferId::new();
        log.push(AT, EntryKind::Transfer(open), |_| true);
        for n in 0..LOG_CAPACITY * 2 {
            log.push(AT, notice(n), |id| id == open);
        }
        assert!(log.shows(open));
        assert_eq!(log.entries().len(), LOG_CAPACITY);
    }

    #[test]
    fn the_highlight_stays_on_its_entry_while_others_arrive_and_leave() {
        let mut log = TransferLog::default();
        let all = |_: &LogEntry| true;
        for n in 0..LOG_CAPACITY {
            log.push(AT, notice(n), |_| false);
        }
        log.move_highlight(-3, all);
        assert_eq!(log.highlighted(all).unwrap().kind, notice(LOG_CAPACITY - 4));
        for n in 0..5 {
            log.push(AT, notice(LOG_CAPACITY + n), |_| false);
        }
        assert_eq!(log.highlighted(all).unwrap().kind, notice(LOG_CAPACITY - 4));
        assert_eq!(log.window(1, |_| 1, all).newer_below, 8);
        log.move_highlight(isize::MAX, all);
        log.push(AT, notice(0), |_| false);
        assert_eq!(
            log.highlighted(all).unwrap().kind,
            notice(0),
            "follows the newest"
        );
    }

    #[test]
    fn a_hidden_highlight_falls_to_the_nearest_older_entry_shown() {
        let mut log = TransferLog::default();
        for n in 0..10 {
            log.push(AT, notice(n), |_| false);
        }
        let all = |_: &LogEntry| true;
        log.move_highlight(-2, all);
        assert_eq!(log.highlighted(all).unwrap().kind, notice(7));
        let even = |entry: &LogEntry| entry.seq.is_multiple_of(2);
        assert_eq!(log.highlighted(even).unwrap().kind, notice(6));
        log.move_highlight(1, even);
        assert_eq!(log.highlighted(even).unwrap().kind, notice(8));
        let none = |_: &LogEntry| false;
        assert_eq!(log.highlighted(none), None);
    }

    #[test]
    fn refusals_share_a_line_a_minute() {
        let mut log = TransferLog::default();
        let from: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let start = AT;
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
