//! `--from-queue`: every conversation that waited in a queue when the run started. The
//! platform's list is read page by page while conversations leave the queue (moved by this run,
//! by teammates, by the platform's own routing), so the pages shift under the reader and a pass
//! can miss some. After each pass the queue is read again, and what waited since before the run
//! started and was neither sent nor left out on purpose goes in another pass, up to a few. The
//! run ends by saying how many still wait there, and why. Conversations that arrived after the
//! run started are not chased: a drain would never end on a busy queue.

use std::collections::{BTreeMap, HashSet};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use super::super::EXIT_BAD_INPUT;
use super::super::conversations::in_queue;
use super::super::output::err;
use super::super::setup::Setup;
use crate::ids::ConversationStatus;
use crate::ids::SessionId;
use crate::platform::{Conversation, moved_on_the_platform};
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::{LeftOut, RECENT_MOVE, Skipped, TransferRecord};

/// Passes after the first, for those the shifting pages hid: each costs one read of the list.
pub(super) const MORE_PASSES: usize = 3;

/// What one read of the queue found.
pub(super) struct QueueRead {
    /// Waiting in the queue now, longest first, each with when it started waiting (if the
    /// platform says how long it has waited).
    pub(super) waiting: Vec<(SessionId, Option<DateTime<Utc>>)>,
    /// Left out: someone moved them in the last ten minutes, per the platform.
    pub(super) moved: Vec<Skipped>,
}

/// Reads the conversations waiting in `queue`. An unknown queue is bad input (exit 2); a list
/// that cannot be read, a failure (exit 1).
pub(super) async fn read_queue(
    setup: &Setup,
    queue: &str,
    include_recent: bool,
) -> Result<QueueRead, (u8, String)> {
    let statuses = [ConversationStatus::Open, ConversationStatus::Overdue];
    let list = setup
        .reads
        .conversations(&setup.roster, &statuses)
        .await
        .map_err(|error| {
            (
                1,
                format!("cannot list the conversations to drain: {error}"),
            )
        })?;
    for note in &list.notes {
        err!("note: {note}");
    }
    let in_queue = in_queue(&setup.roster, queue, list.conversations)
        .map_err(|message| (EXIT_BAD_INPUT, message.replace("--queue", "--from-queue")))?;
    let now = Utc::now();
    // Longest wait first, as --limit takes them; the platform's order is kept among equals.
    let mut in_queue = in_queue;
    in_queue.sort_by_key(|c| waiting_since(c).map_or((1, None), |since| (0, Some(since))));
    let mut read = QueueRead {
        waiting: Vec::new(),
        moved: Vec::new(),
    };
    for conversation in in_queue {
        match moved_lately(&conversation, now).filter(|_| !include_recent) {
            Some(why) => read
                .moved
                .push(Skipped::new(conversation.session, why, LeftOut::Moved)),
            None => {
                let since = waiting_since(&conversation);
                read.waiting.push((conversation.session, since));
            }
        }
    }
    Ok(read)
}

/// "moved 3m ago to Billing by Ana, per the platform (…)", if it moved in the last ten minutes.
fn moved_lately(conversation: &Conversation, now: DateTime<Utc>) -> Option<String> {
    let (last, at) = conversation
        .last_move()
        .and_then(|last| Some((last, last.at?)))
        .filter(|(_, at)| *at >= now - RECENT_MOVE)?;
    Some(format!(
        "{} (--include-recent sends it anyway)",
        moved_on_the_platform(last, at, now)
    ))
}

/// When the conversation started waiting: when it was read, less how long it had waited then.
fn waiting_since(conversation: &Conversation) -> Option<DateTime<Utc>> {
    let wait = conversation.wait?;
    let read: DateTime<Utc> = conversation.read_at.into();
    let wait = chrono::Duration::from_std(wait).ok()?;
    read.checked_sub_signed(wait)
}

/// What the drain did so far: the run's start, and every session it sent or left out.
pub(super) struct Drain {
    started: DateTime<Utc>,
    handled: HashSet<SessionId>,
    /// `--limit`: at most this many are handed to the passes, the longest waiting first.
    limit: Option<usize>,
    /// How many the passes were handed so far.
    taken: usize,
}

impl Drain {
    pub(super) fn new(limit: Option<usize>) -> Self {
        Self {
            started: SystemTime::now().into(),
            handled: HashSet::new(),
            limit,
            taken: 0,
        }
    }

    /// `--limit` is reached: no more are taken.
    fn full(&self) -> bool {
        self.limit.is_some_and(|limit| self.taken >= limit)
    }

    /// Of a read of the queue, those to send in this pass: waiting since before the run started
    /// (or, on the first pass, all of them), and not yet sent nor left out by this run. Every one
    /// of them counts as handled from now on.
    pub(super) fn this_pass(&mut self, read: &QueueRead, first: bool) -> Vec<SessionId> {
        let mut sessions = Vec::new();
        for (session, since) in &read.waiting {
            if self.full() {
                break;
            }
            let waited_before = first || since.is_some_and(|since| since <= self.started);
            if waited_before && self.handled.insert(session.clone()) {
                sessions.push(session.clone());
                self.taken += 1;
            }
        }
        for skipped in &read.moved {
            self.handled.insert(skipped.session.clone());
        }
        sessions
    }

    /// Left out of this run by a plan (someone moved them lately, in flight elsewhere, ...):
    /// handled, not to be chased.
    pub(super) fn left_out(&mut self, skipped: &[Skipped]) {
        self.handled
            .extend(skipped.iter().map(|s| s.session.clone()));
    }

    /// Says on stderr what still waits in `queue` per the last read, and why: what this run
    /// did to each (from `records` and `skipped`), or that it came after the run started.
    pub(super) fn say_what_is_left(
        &self,
        queue: &str,
        last: &QueueRead,
        records: &[TransferRecord],
        skipped: &[Skipped],
    ) {
        let mut why: BTreeMap<String, usize> = BTreeMap::new();
        for (session, since) in &last.waiting {
            let reason = if let Some(record) =
                records.iter().rev().find(|r| r.request.session == *session)
            {
                match record.reason() {
                    Some(reason) => format!("{}: {}", record.state().word(), reason.words()),
                    None => format!(
                        "{}, not yet moved off the queue by the platform",
                        record.state().word()
                    ),
                }
            } else if let Some(left) = skipped.iter().find(|s| s.session == *session) {
                format!("left out: {}", cut(&left.why, MESSAGE_CHARS))
            } else if let Some(limit) = self.limit.filter(|_| self.full()) {
                format!("left for another run (--limit {limit})")
            } else if since.is_some_and(|since| since > self.started) {
                "came after the run started (not chased)".to_owned()
            } else if since.is_none() {
                "the platform does not say since when it waits (not chased)".to_owned()
            } else {
                format!("missed: the list kept shifting for {MORE_PASSES} more passes")
            };
            *why.entry(reason).or_default() += 1;
        }
        if !last.moved.is_empty() {
            why.insert(
                "left out: moved lately, per the platform".to_owned(),
                last.moved.len(),
            );
        }
        let queue = cut(queue.trim(), NAME_CHARS);
        let still = last.waiting.len() + last.moved.len();
        if still == 0 {
            err!("note: no conversation waits in {queue} any more");
            return;
        }
        let reasons: Vec<String> = why
            .into_iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        err!(
            "note: {still} conversation(s) still wait in {queue}: {}",
            reasons.join("; ")
        );
    }
}
