//! A run of many as `handoff transfer` reports it: the progress line on stderr while it runs,
//! the summary at its end, and its exit code.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::super::output::err;
use crate::ids::SessionId;
use crate::transfer::{Skipped, TransferRecord, TransferState};

/// At most this many sessions are named where a list of them is said; the rest are counted.
const SESSIONS_NAMED: usize = 10;

/// The run's progress on stderr: one line rewritten in place on a terminal, at most a few
/// times a second; nothing but the summary otherwise.
pub(super) struct RunProgress {
    total: usize,
    on_terminal: bool,
    done: usize,
    good: usize,
    failed: usize,
    unknown: usize,
    not_sent: usize,
    /// When the budget next lets one out, as last reported.
    next_slot: Option<Instant>,
    /// The run is paused until Redis can take claims (team mode), and said so.
    paused: bool,
    shown_at: Option<Instant>,
}

impl RunProgress {
    const EVERY: Duration = Duration::from_millis(200);

    pub(super) fn new(total: usize, on_terminal: bool) -> Self {
        Self {
            total,
            on_terminal,
            done: 0,
            good: 0,
            failed: 0,
            unknown: 0,
            not_sent: 0,
            next_slot: None,
            paused: false,
            shown_at: None,
        }
    }

    pub(super) fn waiting(&mut self, wait: Duration) {
        self.next_slot = Some(Instant::now() + wait);
    }

    /// The run pauses for Redis: true the first time, when it is worth saying.
    pub(super) fn pause_for_claims(&mut self) -> bool {
        !std::mem::replace(&mut self.paused, true)
    }

    /// Transfers go out again.
    pub(super) fn resume(&mut self) {
        self.paused = false;
    }

    pub(super) fn finished(&mut self, state: TransferState) {
        self.done += 1;
        match state {
            TransferState::NotSent => self.not_sent += 1,
            _ => match state.exit_code() {
                0 => self.good += 1,
                3 => self.unknown += 1,
                _ => self.failed += 1,
            },
        }
    }

    /// "[37/120] 35 accepted · 1 failed · 1 unknown · budget: next in 42s"
    fn line(&self) -> String {
        let mut line = format!(
            "[{}/{}] {} accepted · {} failed · {} unknown",
            self.done, self.total, self.good, self.failed, self.unknown
        );
        if self.not_sent > 0 {
            line.push_str(&format!(" · {} not sent", self.not_sent));
        }
        let now = Instant::now();
        if let Some(next) = self.next_slot.filter(|&next| next > now) {
            line.push_str(&format!(
                " · budget spent: next in {}s",
                (next - now).as_secs() + 1
            ));
        }
        line
    }

    pub(super) fn show(&mut self) {
        let now = Instant::now();
        if !self.on_terminal || self.shown_at.is_some_and(|at| now - at < Self::EVERY) {
            return;
        }
        self.shown_at = Some(now);
        let _ = write!(std::io::stderr(), "\r\x1b[K{}", self.line());
    }

    /// Takes the progress line away before other output.
    pub(super) fn clear(&mut self) {
        if self.on_terminal && self.shown_at.take().is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

/// What a run came to: its transfers, and those whose steps the audit file could not record.
#[derive(Default)]
pub(super) struct RunResult {
    pub(super) records: Vec<TransferRecord>,
    /// The sessions of transfers with a step the audit file could not take, and the last error.
    pub(super) unrecorded: BTreeMap<SessionId, String>,
}

impl RunResult {
    /// "2 of 4 accepted, 1 failed, 1 unknown, 3 not sent (2 another run has it, 1 stopped
    /// before its turn), 5 skipped", on stderr; and, if the audit file failed, which sessions
    /// it does not show whole.
    pub(super) fn summary(&self, skipped: usize) {
        let count = |wanted: fn(TransferState) -> bool| {
            self.records.iter().filter(|r| wanted(r.state())).count()
        };
        let mut words = format!(
            "{} of {} accepted, {} failed, {} unknown",
            count(|s| s.exit_code() == 0),
            self.records.len(),
            count(|s| s.exit_code() == 1 && s != TransferState::NotSent),
            count(|s| s.exit_code() == 3),
        );
        let mut not_sent: BTreeMap<&str, usize> = BTreeMap::new();
        for record in self
            .records
            .iter()
            .filter(|r| r.state() == TransferState::NotSent)
        {
            let reason = record.reason().map_or("not sent", |r| r.words());
            *not_sent.entry(reason).or_default() += 1;
        }
        if !not_sent.is_empty() {
            let total: usize = not_sent.values().sum();
            let why: Vec<String> = not_sent
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect();
            words.push_str(&format!(", {total} not sent ({})", why.join(", ")));
        }
        if skipped > 0 {
            words.push_str(&format!(", {skipped} skipped"));
        }
        err!("{words}");
        if let Some(error) = self.unrecorded.values().last() {
            err!(
                "error: the audit file could not record every step of {} transfer(s), so it does not show what became of them: {}; last error: {error}; a rerun takes them as interrupted: check them before retrying",
                self.unrecorded.len(),
                named(self.unrecorded.keys())
            );
        }
    }

    /// The run's exit code: 3 if any outcome is unknown, or the audit file does not show them
    /// all (check before retrying); else 1 if any was refused, or left where it was for a reason
    /// the supervisor acts on (stopped, not claimed, refused with 429, more than the agents
    /// take); else 0, sessions already moved (by this command before, another run, a teammate)
    /// included.
    pub(super) fn exit_code(&self, skipped: &[Skipped]) -> ExitCode {
        let transfers = self.records.iter().map(|record| {
            let moved_by_someone_else = record.state() == TransferState::NotSent
                && record.reason().is_some_and(|r| r.someone_else_has_it());
            if moved_by_someone_else {
                0
            } else {
                record.state().exit_code()
            }
        });
        let left_out = skipped.iter().map(|s| s.left.exit_code());
        let unrecorded = (!self.unrecorded.is_empty()).then_some(3);
        let worst = transfers
            .chain(left_out)
            .chain(unrecorded)
            .max_by_key(|code| match code {
                3 => 3,
                1 => 2,
                0 => 0,
                _ => 1,
            })
            .unwrap_or(0);
        ExitCode::from(worst)
    }
}

/// Sessions named, up to a few, then counted: "6538…cf0a1b, 6538…cf0a1c and 3 more".
fn named<'a>(sessions: impl ExactSizeIterator<Item = &'a SessionId>) -> String {
    let total = sessions.len();
    let mut words: Vec<String> = sessions
        .take(SESSIONS_NAMED)
        .map(ToString::to_string)
        .collect();
    if total > SESSIONS_NAMED {
        words.push(format!("and {} more", total - SESSIONS_NAMED));
    }
    words.join(", ")
}
