//! Many conversations in one run: which to send and which to leave out (and why, in words), how
//! they are spread over several agents by free capacity, and the run itself, which goes at the
//! budget's full speed behind any single transfer and can be stopped until each one is sent.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::{
    FailureReason, Ledger, Outcome, Priority, Progress, TransferEngine, TransferRequest,
    TransferUpdate, sleep_before_asking_again,
};
use crate::ids::SessionId;
use crate::roster::Target;

/// Names a bulk run by what defines it, so the same command run again (after a crash, say) is
/// recognised in the audit file and does not send anything twice.
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
}

/// What a run will send and what it leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkPlan {
    pub send: Vec<SessionId>,
    pub skipped: Vec<Skipped>,
}

impl BulkPlan {
    /// Which of `sessions` to send, in their order: each once; none that an earlier run with
    /// this `key` already sent (the ledger holds the audit file's last day); and unless
    /// `include_recent`, none in flight or moved in the last ten minutes.
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
            let skip = |why: String| Skipped {
                session: session.clone(),
                why,
            };
            if !seen.insert(session.clone()) {
                plan.skipped
                    .push(skip("listed more than once; sent once".into()));
            } else if let Some(earlier) = sent_by_run(ledger, &session, key) {
                plan.skipped.push(skip(earlier));
            } else if let Some(record) = ledger.recent_move(&session, now)
                && !include_recent
            {
                plan.skipped.push(skip(record.move_words(now)));
            } else {
                plan.send.push(session);
            }
        }
        plan
    }
}

/// If a run with `key` already sent `session`: when, where, and what came of it.
fn sent_by_run(ledger: &Ledger, session: &SessionId, key: &BulkKey) -> Option<String> {
    let record = ledger.records().rev().find(|r| {
        r.request.session == *session && r.request.bulk.as_ref() == Some(key) && r.sent_at.is_some()
    })?;
    let at = record.sent_at?.with_timezone(&chrono::Local);
    Some(format!(
        "already sent by an earlier run of this command at {} to {}: {}",
        at.format("%H:%M:%S"),
        record.request.target,
        record.state().word()
    ))
}

/// Free chat capacity per agent, handed out one conversation at a time to the agent with the
/// most room at that moment.
#[derive(Debug, Clone)]
pub struct Spread {
    agents: Vec<(Target, u32)>,
    /// Whose turn it is once everyone is full.
    turn: usize,
}

impl Spread {
    /// `agents` with the chats each can still take.
    pub fn new(agents: Vec<(Target, u32)>) -> Self {
        Self { agents, turn: 0 }
    }

    /// The agent with the most free chats (the first listed among equals), counting the
    /// conversation against it; `None` once every agent is full.
    pub fn take_roomiest(&mut self) -> Option<Target> {
        let (target, free) = self
            .agents
            .iter_mut()
            .filter(|(_, free)| *free > 0)
            .rev()
            .max_by_key(|(_, free)| *free)?;
        *free -= 1;
        Some(target.clone())
    }

    /// Past everyone's capacity (the supervisor confirmed it): the agents in turn.
    pub fn next_beyond_capacity(&mut self) -> Option<Target> {
        let (target, _) = self.agents.get(self.turn % self.agents.len().max(1))?;
        self.turn += 1;
        Some(target.clone())
    }

    /// How many more conversations the agents can take together.
    pub fn room(&self) -> u64 {
        self.agents.iter().map(|(_, free)| u64::from(*free)).sum()
    }
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
/// any single transfer waiting for it. When `cancelled` turns true, or the engine closes,
/// nothing more goes out: those not sent are recorded as not sent, the batches under way are
/// waited for, and the requests never sent are returned.
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
    while !queue.is_empty() {
        if *cancelled.borrow() || *closing.borrow() {
            let unsent: Vec<TransferRequest> = queue.into();
            let stopped = stopped_before_its_turn();
            if let Err(error) = engine.record_not_sent(&unsent, &stopped).await {
                let failed = Progress::AuditFailed(error.to_string());
                let _ = updates
                    .send(TransferUpdate::now(unsent[0].id, failed))
                    .await;
            }
            for request in &unsent {
                let finished = Progress::Finished(stopped.clone());
                let _ = updates
                    .send(TransferUpdate::now(request.id, finished))
                    .await;
            }
            while batches.join_next().await.is_some() {}
            return unsent;
        }
        if batches.len() >= BATCHES_IN_FLIGHT {
            batches.join_next().await;
            continue;
        }
        let wanted = queue.len().min(BATCH_SIZE);
        match engine
            .budget
            .try_spend_many_as(Priority::Bulk, wanted)
            .await
        {
            Ok(slot) => {
                let taken = slot.calls().min(queue.len());
                let batch: Vec<TransferRequest> = queue.drain(..taken).collect();
                told_to_wait = told_to_wait.saturating_sub(batch.len());
                let engine = engine.clone();
                let updates = updates.clone();
                batches.spawn(async move { engine.send_batch(&batch, slot, &updates).await });
            }
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

    #[test]
    fn capacity_goes_to_whoever_has_most_room_and_never_beyond() {
        let mut spread = Spread::new(vec![(agent("ana"), 1), (agent("bo"), 3), (agent("cy"), 0)]);
        assert_eq!(spread.room(), 4);
        let names: Vec<String> = std::iter::from_fn(|| spread.take_roomiest())
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["bo", "bo", "ana", "bo"]);
        assert_eq!(spread.take_roomiest(), None);
        let beyond: Vec<String> = (0..4)
            .filter_map(|_| spread.next_beyond_capacity())
            .map(|t| t.name)
            .collect();
        assert_eq!(beyond, ["ana", "bo", "cy", "ana"]);
    }

    fn sent(ledger: &mut Ledger, session: SessionId, bulk: Option<BulkKey>, at: DateTime<Utc>) {
        let request = TransferRequest {
            id: TransferId::new(),
            session,
            target: agent("ana"),
            note: None,
            reroute_of: None,
            bulk,
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
