//! Many conversations in one run: which to send and which to leave out (and why, in words), and
//! the run itself, which goes at the budget's full speed behind any single transfer and can be
//! stopped until each one is sent. Where the run goes is `bulk_destination`'s.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::claiming::{CLAIM_RETRY, Claimed, Claiming};
use super::{
    FailureReason, Ledger, Outcome, Priority, Progress, Tone, TransferEngine, TransferRequest,
    TransferUpdate, could_not_claim,
};
use crate::budget::sleep_before_asking_again;
use crate::ids::SessionId;

/// Names a bulk run by what defines it, so the same command run again (after a crash, say) is
/// recognised in the audit file and does not send anything twice. A run's key is built from its
/// destination (`BulkDestination::key`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BulkKey(String);

impl BulkKey {
    /// The key of the run defined by `parts` (its target, and its sessions or source queue), in
    /// any order: "b-" and 16 hex characters of a hash that is the same on every machine and
    /// every version.
    pub fn of<'a>(parts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut parts: Vec<&str> = parts.into_iter().collect();
        parts.sort_unstable();
        parts.dedup();
        // FNV-1a: tiny, stable, and enough to tell runs apart (this is no security boundary).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in parts.join("\n").bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self(format!("b-{hash:016x}"))
    }

    /// Reads a key back from the audit file.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix("b-")?;
        (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A session left out of a run, and why, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub session: SessionId,
    pub why: String,
    pub left: LeftOut,
}

/// What leaving a session out says about the run's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOut {
    /// Moved already (by an earlier run of the command, another run, a teammate, the
    /// platform's own routing), in flight elsewhere, ended, or listed twice: nothing to do.
    Moved,
    /// Sent before, with no known outcome: the supervisor checks it first.
    InDoubt,
    /// Still where it was, for a reason the supervisor acts on: refused for good before, or
    /// more than the agents given can take.
    NotMoved,
}

impl LeftOut {
    /// Its part in a run's exit code: 0, 3 or 1, as a transfer's state has (see
    /// `TransferState::exit_code`).
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Moved => 0,
            Self::InDoubt => 3,
            Self::NotMoved => 1,
        }
    }
}

impl Skipped {
    pub fn new(session: SessionId, why: impl Into<String>, left: LeftOut) -> Self {
        Self {
            session,
            why: why.into(),
            left,
        }
    }
}

/// What a run will send and what it leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkPlan {
    pub send: Vec<SessionId>,
    pub skipped: Vec<Skipped>,
}

impl BulkPlan {
    /// Which of `sessions` to send, in their order: each once; none that an earlier run with
    /// this `key` moved, may have moved, or had refused for good (the ledger holds the audit
    /// file's last day), while those it certainly did not send (stopped, not claimed, refused
    /// with 429) go again; none in flight in another run; and unless `include_recent`, none
    /// moved in the last ten minutes.
    pub fn new(
        sessions: impl IntoIterator<Item = SessionId>,
        key: &BulkKey,
        ledger: &Ledger,
        include_recent: bool,
        now: DateTime<Utc>,
    ) -> Self {
        let mut seen = HashSet::new();
        let mut plan = Self {
            send: Vec::new(),
            skipped: Vec::new(),
        };
        for session in sessions {
            let skip = |why: String, left| Skipped::new(session.clone(), why, left);
            if !seen.insert(session.clone()) {
                plan.skipped.push(skip(
                    "listed more than once; sent once".into(),
                    LeftOut::Moved,
                ));
            } else if let Some((why, left)) = earlier_in_run(ledger, &session, key) {
                plan.skipped.push(skip(why, left));
            } else if let Some(record) = ledger
                .recent_move(&session, now)
                .filter(|r| !include_recent || r.state().in_flight())
            {
                plan.skipped
                    .push(skip(record.move_words(now), LeftOut::Moved));
            } else {
                plan.send.push(session);
            }
        }
        plan
    }
}

/// If a run with `key` dealt with `session` before in a way that keeps a rerun from sending it
/// again: in words (when, where, what came of it), and what that says of the run. A rerun sends
/// again only what was certainly not sent, or refused with 429.
fn earlier_in_run(
    ledger: &Ledger,
    session: &SessionId,
    key: &BulkKey,
) -> Option<(String, LeftOut)> {
    let record = ledger
        .records()
        .rev()
        .find(|r| r.request.session == *session && r.request.bulk.as_ref() == Some(key))?;
    let state = record.state();
    let clock = |at: DateTime<Utc>| at.with_timezone(&chrono::Local).format("%H:%M:%S");
    let to = &record.request.target;
    if state.in_flight() {
        let since = clock(record.intent_at);
        let where_ = if record.in_flight_elsewhere {
            "in another run "
        } else {
            ""
        };
        return Some((
            format!("in flight {where_}since {since}, to {to}"),
            LeftOut::Moved,
        ));
    }
    if record.certainly_not_moved_yet() {
        return None;
    }
    let at = clock(record.sent_at.unwrap_or(record.intent_at));
    let said = match state.tone() {
        Tone::Good => (
            format!(
                "already sent by an earlier run of this command at {at} to {to}: {}",
                state.word()
            ),
            LeftOut::Moved,
        ),
        Tone::Bad | Tone::Quiet => (
            format!(
                "{} for an earlier run of this command at {at} (to {to}): {}; not sent again",
                state.word(),
                record.reason().map_or("no reason given", |r| r.words())
            ),
            LeftOut::NotMoved,
        ),
        Tone::Doubtful | Tone::Pending => (
            format!(
                "sent by an earlier run of this command at {at} to {to}: {}, outcome unknown; check the conversation first, then send it on its own with handoff transfer --session",
                state.word()
            ),
            LeftOut::InDoubt,
        ),
    };
    Some(said)
}

/// What became of a run's transfer that was never handed out, in the audit file and on screen.
pub fn stopped_before_its_turn() -> Outcome {
    Outcome::not_sent(FailureReason::Stopped, "the run was stopped")
}

/// The most transfers of a run sent together in one batch, on one budget slot and two audit
/// syncs: enough to fill the budget's window in a moment and to spread those fixed costs thin,
/// few enough that a stop leaves nearly everything not yet sent.
const BATCH_SIZE: usize = 16;

/// Batches in flight at once, so the next one is on its way while one waits for its answers.
const BATCHES_IN_FLIGHT: usize = 2;

/// Sends `requests` in order through `engine`, in batches, each step reported to `updates`.
/// Their intents go to the audit file first, in one write (if that fails, none is sent and each
/// says why). A batch goes out whenever the budget has room for at least one transfer, after
/// any single transfer waiting for it, its sessions claimed right before (`claiming`): one that
/// someone else has is not sent, and says who has it. While Redis cannot take the claims (team
/// mode), the run pauses, and ends the rest as not sent if Redis stays away for a window,
/// unless the supervisor said to send unclaimed. When `cancelled` turns true, or the engine
/// closes, nothing more goes out: those not sent are recorded as not sent, the batches under
/// way are waited for, and the requests never sent are returned.
pub async fn run_bulk(
    engine: &TransferEngine,
    requests: Vec<TransferRequest>,
    updates: mpsc::Sender<TransferUpdate>,
    mut cancelled: watch::Receiver<bool>,
) -> Vec<TransferRequest> {
    if let Err(error) = engine.record_intents(&requests).await {
        // Nothing goes out that the audit file could not record first.
        for request in &requests {
            let not_sent =
                TransferUpdate::failed_before_sending(request.id, format!("not sent: {error}"));
            let _ = updates.send(not_sent).await;
        }
        return Vec::new();
    }
    let mut closing = engine.closing.subscribe();
    let mut queue: VecDeque<TransferRequest> = requests.into();
    let mut batches = JoinSet::new();
    // How many at the front of the queue were told they wait for the budget.
    let mut told_to_wait: usize = 0;
    // Since when Redis has not answered to claim a batch (team mode).
    let mut claims_away: Option<tokio::time::Instant> = None;
    while !queue.is_empty() {
        if *cancelled.borrow() || *closing.borrow() {
            let unsent: Vec<TransferRequest> = queue.into();
            let stopped = stopped_before_its_turn();
            let ended: Vec<(&TransferRequest, Outcome)> =
                unsent.iter().map(|r| (r, stopped.clone())).collect();
            engine.end_unsent(&ended, &updates).await;
            while batches.join_next().await.is_some() {}
            return unsent;
        }
        if batches.len() >= BATCHES_IN_FLIGHT {
            batches.join_next().await;
            continue;
        }
        let wanted = queue.len().min(BATCH_SIZE);
        let slot = match engine
            .budget
            .try_spend_many_as(Priority::Bulk, wanted)
            .await
        {
            Ok(slot) => slot,
            Err(wait) => {
                for request in queue.iter().take(wanted).skip(told_to_wait) {
                    let waiting = Progress::WaitingForBudget(wait);
                    let _ = updates.send(TransferUpdate::now(request.id, waiting)).await;
                }
                told_to_wait = told_to_wait.max(wanted);
                tokio::select! {
                    () = sleep_before_asking_again(wait) => {}
                    () = turned_on(&mut cancelled) => {}
                    () = turned_on(&mut closing) => {}
                }
                continue;
            }
        };
        let taken = slot.calls().min(queue.len());
        let batch: Vec<TransferRequest> = queue.drain(..taken).collect();
        match engine.claim_batch(&batch).await {
            Claiming::RedisAway(why) => {
                let _ = engine.budget.give_back(slot, slot.calls()).await;
                for request in batch.into_iter().rev() {
                    queue.push_front(request);
                }
                let since = match claims_away {
                    Some(since) => since,
                    None => {
                        for request in &queue {
                            let waiting = Progress::WaitingForClaim(why.clone());
                            let _ = updates.send(TransferUpdate::now(request.id, waiting)).await;
                        }
                        *claims_away.insert(tokio::time::Instant::now())
                    }
                };
                if since.elapsed() >= engine.claim_patience {
                    let outcome = could_not_claim(&why, engine.claim_patience);
                    let unsent: Vec<TransferRequest> = queue.drain(..).collect();
                    let ended: Vec<(&TransferRequest, Outcome)> =
                        unsent.iter().map(|r| (r, outcome.clone())).collect();
                    engine.end_unsent(&ended, &updates).await;
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(CLAIM_RETRY) => {}
                    () = turned_on(&mut cancelled) => {}
                    () = turned_on(&mut closing) => {}
                }
            }
            Claiming::Done(claimed) => {
                claims_away = None;
                told_to_wait = told_to_wait.saturating_sub(batch.len());
                let mut going = Vec::with_capacity(batch.len());
                let mut refused = Vec::new();
                for (request, claim) in batch.into_iter().zip(claimed) {
                    match claim {
                        Claimed::Go => going.push(request),
                        Claimed::Refused(outcome) => refused.push((request, outcome)),
                    }
                }
                let ended: Vec<(&TransferRequest, Outcome)> =
                    refused.iter().map(|(r, o)| (r, o.clone())).collect();
                engine.end_unsent(&ended, &updates).await;
                // Room taken for sessions someone else has goes back to the account.
                if let Some(slot) = engine.budget.give_back(slot, refused.len()).await {
                    let engine = engine.clone();
                    let updates = updates.clone();
                    batches.spawn(async move { engine.send_batch(&going, slot, &updates).await });
                }
            }
        }
    }
    while batches.join_next().await.is_some() {}
    Vec::new()
}

/// Waits until `switch` is on; one whose sender is gone never turns on.
async fn turned_on(switch: &mut watch::Receiver<bool>) {
    if switch.wait_for(|on| *on).await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;
    use crate::roster::Target;
    use crate::transfer::{Outcome, Progress, TransferId, TransferRecord};

    fn session(n: u32) -> SessionId {
        SessionId::parse(&format!("c0ffee00aaaaaaaaaa{n:06}")).unwrap()
    }

    fn agent(name: &str) -> Target {
        Target::new(TargetKind::Agent, format!("a-{name}"), name)
    }

    #[test]
    fn the_key_names_the_run_not_the_order_it_was_given_in() {
        let key = BulkKey::of(["queue:qu-1", "s1", "s2"]);
        assert_eq!(key, BulkKey::of(["s2", "queue:qu-1", "s1", "s1"]));
        assert_ne!(key, BulkKey::of(["queue:qu-2", "s1", "s2"]));
        assert_eq!(BulkKey::parse(key.as_str()), Some(key));
        assert_eq!(BulkKey::parse("b-xyz"), None);
    }

    fn sent(ledger: &mut Ledger, session: SessionId, bulk: Option<BulkKey>, at: DateTime<Utc>) {
        let request = TransferRequest {
            id: TransferId::new(),
            session,
            target: agent("ana"),
            note: None,
            reroute_of: None,
            bulk,
            confirmed_recent: false,
        };
        let id = request.id;
        ledger.insert(TransferRecord::new(request, at, false));
        let sending = Progress::Sending {
            request: String::new(),
        };
        let accepted = Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        });
        for progress in [sending, accepted] {
            ledger.progress(TransferUpdate { id, progress, at });
        }
    }

    #[test]
    fn a_plan_sends_each_session_once_and_never_again_on_a_rerun() {
        let key = BulkKey::of(["queue:qu-1"]);
        let now = Utc::now();
        let mut ledger = Ledger::default();
        sent(
            &mut ledger,
            session(1),
            Some(key.clone()),
            now - chrono::Duration::hours(2),
        );
        sent(
            &mut ledger,
            session(2),
            None,
            now - chrono::Duration::minutes(3),
        );
        sent(
            &mut ledger,
            session(3),
            None,
            now - chrono::Duration::hours(1),
        );
        let asked = [1, 2, 3, 4, 4].map(session);
        let plan = BulkPlan::new(asked.clone(), &key, &ledger, false, now);
        assert_eq!(plan.send, [session(3), session(4)]);
        let why: Vec<&str> = plan.skipped.iter().map(|s| s.why.as_str()).collect();
        assert!(
            why[0].starts_with("already sent by an earlier run of this command"),
            "{why:?}"
        );
        assert!(
            why[1].contains("was sent 3 minutes ago to agent ana"),
            "{why:?}"
        );
        assert_eq!(why[2], "listed more than once; sent once");

        let plan = BulkPlan::new(asked, &key, &ledger, true, now);
        assert_eq!(
            plan.send,
            [session(2), session(3), session(4)],
            "a recent move, confirmed"
        );
    }
}
