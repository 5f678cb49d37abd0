//! The transfers of the last day, live ones and those read back from the audit file, and the one
//! rule that decides which transfer a callback belongs to. The console and `handoff transfer
//! --wait` both keep one and take callbacks through `callback_rule`, so a callback is matched
//! the same way wherever it arrives.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::confirmation::{Confirmation, Unheard};
use super::record::{Settlement, TransferRecord};
use super::{TransferId, TransferState, TransferUpdate};
use crate::ids::{SessionId, TargetKind};
use crate::platform::Conversation;
use crate::roster::Target;

/// How the list names `target` when `conversation` is with it: the agent who has it, or the
/// queue it is in; `None` when it is elsewhere.
fn shown_with(conversation: &Conversation, target: &Target) -> Option<String> {
    match target.kind {
        TargetKind::Agent => conversation
            .agent
            .as_ref()
            .filter(|agent| agent.agent_id.as_deref() == Some(target.id.as_str()))
            .map(|agent| agent.label().to_owned()),
        TargetKind::Queue => conversation
            .queue
            .as_ref()
            .filter(|queue| queue.id.as_deref() == Some(target.id.as_str()))
            .map(|queue| format!("queue {}", queue.label())),
    }
}

/// How far back a callback may still settle a transfer: the platform gives no bound, and a day
/// covers any shift and any outage of the receiver.
pub const CALLBACK_HORIZON: chrono::Duration = chrono::Duration::hours(24);

/// At most this many settled transfers are kept for matching; a day of the account's whole
/// budget would be far more, a day of one supervisor's work far less.
const CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
pub struct Ledger {
    records: HashMap<TransferId, TransferRecord>,
    /// Oldest first, by the time each was started.
    order: VecDeque<TransferId>,
}

/// How long a move of a session makes another one worth a second thought.
pub const RECENT_MOVE: chrono::Duration = chrono::Duration::minutes(10);

impl Ledger {
    /// The latest move of `session` that may have taken effect, if it is in flight or from the
    /// last [`RECENT_MOVE`]: a transfer refused by the platform, or never sent, moved nothing.
    pub fn recent_move(&self, session: &SessionId, now: DateTime<Utc>) -> Option<&TransferRecord> {
        let since = now - RECENT_MOVE;
        self.records().rev().find(|r| {
            r.request.session == *session
                && (r.state().is_open() || r.intent_at >= since)
                && !matches!(
                    r.state(),
                    TransferState::Failed
                        | TransferState::NotSent
                        | TransferState::Interrupted { sent: false }
                )
        })
    }

    /// Adds a transfer: a new one, or one read back from the audit file.
    pub fn insert(&mut self, record: TransferRecord) {
        self.insert_as_of(record, Utc::now());
    }

    /// Like [`Ledger::insert`], with the day kept counted back from `now`: the console's clock,
    /// which tests set.
    pub fn insert_as_of(&mut self, record: TransferRecord, now: DateTime<Utc>) {
        self.place(record);
        self.prune(now);
    }

    /// Adds many transfers at once (a bulk run's), pruned once at the end.
    pub fn insert_many(&mut self, records: impl IntoIterator<Item = TransferRecord>) {
        self.insert_many_as_of(records, Utc::now());
    }

    /// Like [`Ledger::insert_many`], with the day kept counted back from `now`.
    pub fn insert_many_as_of(
        &mut self,
        records: impl IntoIterator<Item = TransferRecord>,
        now: DateTime<Utc>,
    ) {
        for record in records {
            self.place(record);
        }
        self.prune(now);
    }

    /// Adds the transfers it does not know yet (read back from the audit file, where other
    /// handoff processes write too); returns how many were new. A day of the audit file can hold
    /// thousands.
    pub fn merge_new(&mut self, records: Vec<TransferRecord>) -> usize {
        self.merge_new_as_of(records, Utc::now())
    }

    /// Like [`Ledger::merge_new`], with the day kept counted back from `now`.
    pub fn merge_new_as_of(&mut self, records: Vec<TransferRecord>, now: DateTime<Utc>) -> usize {
        let new: Vec<TransferRecord> = records
            .into_iter()
            .filter(|record| !self.records.contains_key(&record.id()))
            .collect();
        let added = new.len();
        self.insert_many_as_of(new, now);
        added
    }

    fn place(&mut self, record: TransferRecord) {
        let id = record.id();
        let at = record.intent_at;
        if self.records.insert(id, record).is_none() {
            // Records arrive in start order, except for late restores; keep the order anyway.
            let position = self
                .order
                .iter()
                .rposition(|other| self.records[other].intent_at <= at)
                .map_or(0, |p| p + 1);
            self.order.insert(position, id);
        }
    }

    pub fn get(&self, id: TransferId) -> Option<&TransferRecord> {
        self.records.get(&id)
    }

    /// A transfer kept, to fold a line read back from the audit file into.
    pub(crate) fn get_mut(&mut self, id: TransferId) -> Option<&mut TransferRecord> {
        self.records.get_mut(&id)
    }

    /// Every transfer kept, oldest first.
    pub fn records(&self) -> impl DoubleEndedIterator<Item = &TransferRecord> {
        self.order.iter().map(|id| &self.records[id])
    }

    /// Applies a step the engine reported; returns the transfer it moved.
    pub fn progress(&mut self, update: TransferUpdate) -> Option<&TransferRecord> {
        let record = self.records.get_mut(&update.id)?;
        record.progress(update);
        Some(record)
    }

    /// Transfers still waiting on the platform (its answer or its callback), oldest first.
    pub fn open(&self) -> impl Iterator<Item = &TransferRecord> {
        self.records().filter(|r| r.state().is_open())
    }

    /// The conversation list read at `at`: each session's latest transfer, accepted and not
    /// settled by a callback, whose conversation the list shows with its target, is seen
    /// there. The ids of those newly seen.
    pub fn see_in_list(
        &mut self,
        conversations: &[Conversation],
        at: DateTime<Utc>,
    ) -> Vec<TransferId> {
        let listed: HashMap<&SessionId, &Conversation> =
            conversations.iter().map(|c| (&c.session, c)).collect();
        // Each listed session's latest transfer, and where the list shows it.
        let mut latest: HashMap<&SessionId, (TransferId, Option<String>)> = HashMap::new();
        for id in self.order.iter().rev() {
            let Some(record) = self.records.get(id) else {
                continue;
            };
            let session = &record.request.session;
            if let Some(conversation) = listed.get(session) {
                latest
                    .entry(session)
                    .or_insert_with(|| (*id, shown_with(conversation, &record.request.target)));
            }
        }
        let found: Vec<(TransferId, String)> = latest
            .into_values()
            .filter_map(|(id, with)| Some((id, with?)))
            .collect();
        let mut seen = Vec::new();
        for (id, with) in found {
            if let Some(record) = self.records.get_mut(&id)
                && record.see_in_list(with, at)
            {
                seen.push(id);
            }
        }
        seen
    }

    /// The transfer a callback about `session` is about, as the callback leaves it, and what
    /// the callback was to it; `None` when no transfer of the last day fits. A callback whose
    /// URL named `transfer` is about that transfer alone (see [`is_about`]). One that names
    /// none, sent by a handoff from before transfers were named, is matched by its session and,
    /// where the payload names one, `target`: of the transfers of that pair the platform may
    /// have acted on, the latest still waiting for its word wins; if none waits, the latest of
    /// them takes the callback as a repeat or a conflict. The ledger itself is unchanged until
    /// the record is put back with [`settle`](Self::settle).
    pub fn match_callback(
        &self,
        session: &SessionId,
        target: Option<&str>,
        transfer: Option<TransferId>,
        confirmation: Confirmation,
        at: DateTime<Utc>,
    ) -> Option<(TransferRecord, Settlement)> {
        let candidate = self.candidate(session, target, transfer)?;
        let mut record = self.records.get(&candidate)?.clone();
        let settlement = record.settle(confirmation, at);
        Some((record, settlement))
    }

    /// Puts back a transfer as a callback left it ([`match_callback`](Self::match_callback)).
    /// A transfer the ledger no longer holds stays out.
    pub fn settle(&mut self, record: TransferRecord) {
        if let Some(held) = self.records.get_mut(&record.id()) {
            *held = record;
        }
    }

    fn candidate(
        &self,
        session: &SessionId,
        target: Option<&str>,
        transfer: Option<TransferId>,
    ) -> Option<TransferId> {
        let about = |record: &&TransferRecord| is_about(record, session, target, transfer);
        if let Some(id) = transfer {
            // Only that transfer's request carried its id, so the platform had it, whatever its
            // answer said or whether a "sending" line was written.
            return self.records.get(&id).filter(about).map(TransferRecord::id);
        }
        let fits = |record: &&TransferRecord| about(record) && may_have_acted(record);
        let waiting = self
            .records()
            .rev()
            .filter(fits)
            .find(|r| !r.confirmation.as_ref().is_some_and(Confirmation::is_final));
        waiting
            .or_else(|| self.records().rev().find(fits))
            .map(TransferRecord::id)
    }

    /// The time for a callback ran out; true when that made the transfer unconfirmed.
    pub fn expire(&mut self, id: TransferId, at: DateTime<Utc>) -> bool {
        self.records
            .get_mut(&id)
            .is_some_and(|record| record.expire(Unheard::NotInTime, at))
    }

    /// After a start: transfers accepted by an earlier run more than `confirm_within` ago, whose
    /// callback was never heard, are unconfirmed because nobody was listening. Those still
    /// within their time are returned with what is left of it.
    pub fn settle_restored(
        &mut self,
        confirm_within: Duration,
        now: DateTime<Utc>,
    ) -> Vec<(TransferId, Duration)> {
        self.records
            .values_mut()
            .filter(|record| record.restored)
            .filter_map(|record| {
                let left = record.expire_if_unheard(confirm_within, now)?;
                Some((record.id(), left))
            })
            .collect()
    }

    /// Drops settled transfers older than the horizon, and the oldest settled ones beyond the
    /// capacity. Open transfers are never dropped.
    fn prune(&mut self, now: DateTime<Utc>) {
        let horizon = now - CALLBACK_HORIZON;
        let mut excess = self.order.len().saturating_sub(CAPACITY);
        let records = &mut self.records;
        self.order.retain(|id| {
            let record = &records[id];
            let drop = !record.state().is_open() && (record.intent_at < horizon || excess > 0);
            if drop {
                excess = excess.saturating_sub(1);
                records.remove(id);
            }
            !drop
        });
    }
}

/// Whether a callback about `session` may be about this transfer: the one test of a callback
/// against a transfer, ours or a teammate's.
///
/// A callback whose URL named a transfer is about that one, if its session agrees, and about
/// no other: the id went out in that transfer's request alone. Its target is not asked: a
/// queue's callback may name the agent who took the conversation. An id no transfer at hand
/// carries is not matched by session instead. It is another's transfer (a teammate's, whose
/// callback the relay passes every console), one older than the day kept, or one another
/// handoff sent since the audit file was read (read again before anything is decided); taking
/// the session's latest transfer for it would settle a transfer the platform said nothing
/// about.
///
/// A callback naming no transfer goes by `session` and, where the payload names one, `target`.
pub(super) fn is_about(
    record: &TransferRecord,
    session: &SessionId,
    target: Option<&str>,
    transfer: Option<TransferId>,
) -> bool {
    record.request.session == *session
        && match transfer {
            Some(id) => record.id() == id,
            None => target.is_none_or(|t| t.eq_ignore_ascii_case(&record.request.target.id)),
        }
}

/// Whether the platform may have acted on it, so that a callback about it is believable: not
/// one it refused, and not one that never went out.
fn may_have_acted(record: &TransferRecord) -> bool {
    match &record.outcome {
        Some(outcome) => outcome.may_have_moved(),
        None => record.sent_at.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;
    use crate::roster::Target;
    use crate::transfer::{Outcome, Progress, TransferRequest};
    use serde_json::json;

    const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";

    fn accepted(ledger: &mut Ledger, agent: &str) -> TransferId {
        let request = TransferRequest {
            id: TransferId::new(),
            session: SessionId::parse(SESSION).unwrap(),
            target: Target::unlisted(TargetKind::Agent, agent),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        };
        let id = request.id;
        ledger.insert(TransferRecord::new(request, Utc::now(), true));
        for progress in [
            Progress::Sending {
                request: String::new(),
            },
            Progress::Finished(Outcome::Transferred {
                request_completed_at: None,
            }),
        ] {
            ledger.progress(TransferUpdate::now(id, progress));
        }
        id
    }

    fn failed() -> Confirmation {
        Confirmation::Failed {
            reason: Default::default(),
            message: "Agent rejected the conversation".into(),
            payload: json!({}),
        }
    }

    fn confirmed() -> Confirmation {
        Confirmation::Confirmed { payload: json!({}) }
    }

    fn session() -> SessionId {
        SessionId::parse(SESSION).unwrap()
    }

    /// A callback matched and applied, as the console and `transfer --wait` carry it out.
    fn receive(
        ledger: &mut Ledger,
        target: Option<&str>,
        confirmation: Confirmation,
    ) -> Option<(TransferId, Settlement)> {
        let (record, settlement) =
            ledger.match_callback(&session(), target, None, confirmation, Utc::now())?;
        let id = record.id();
        ledger.settle(record);
        Some((id, settlement))
    }

    /// The list, read after the answer, with the session's conversation with `agent`.
    fn listed_with(agent: &str) -> Vec<Conversation> {
        vec![Conversation {
            session: session(),
            conversation_id: None,
            status: Some(crate::ids::ConversationStatus::Active),
            wait: None,
            read_at: std::time::SystemTime::now(),
            priority: None,
            intent: None,
            sentiment: None,
            language: None,
            channel: None,
            queue: None,
            agent: Some(crate::platform::Person {
                user_id: Some("u-1".into()),
                agent_id: Some(agent.to_owned()),
                name: Some(format!("Agent {agent}")),
            }),
            moves: Vec::new(),
        }]
    }

    #[test]
    fn the_list_shows_where_a_transfer_went_only_once_no_callback_can_say() {
        let mut ledger = Ledger::default();
        let dana = accepted(&mut ledger, "a-dana");
        let later = Utc::now() + chrono::TimeDelta::seconds(1);
        // A callback is still awaited: it decides, not the list.
        ledger.see_in_list(&listed_with("a-dana"), later);
        assert_eq!(ledger.get(dana).unwrap().state().word(), "accepted");
        // None came in time: the list's word stands where "unconfirmed" would.
        assert!(ledger.expire(dana, later));
        assert_eq!(ledger.get(dana).unwrap().state().word(), "seen");
        // A callback after all settles it.
        let matched = receive(&mut ledger, Some("a-dana"), confirmed());
        assert_eq!(matched, Some((dana, Settlement::Settled)));
        assert_eq!(ledger.get(dana).unwrap().state().word(), "confirmed");
    }

    #[test]
    fn the_list_speaks_for_the_latest_transfer_of_a_session_to_its_own_target() {
        let mut ledger = Ledger::default();
        let dana = accepted(&mut ledger, "a-dana");
        let ravi = accepted(&mut ledger, "a-ravi");
        for id in [dana, ravi] {
            assert!(ledger.expire(id, Utc::now()));
        }
        let later = Utc::now() + chrono::TimeDelta::seconds(1);
        // With Dana: the earlier transfer's target, not the latest's.
        assert_eq!(ledger.see_in_list(&listed_with("a-dana"), later), []);
        // A list read before the platform answered says nothing of the transfer.
        let before = Utc::now() - chrono::TimeDelta::hours(1);
        assert_eq!(ledger.see_in_list(&listed_with("a-ravi"), before), []);
        assert_eq!(ledger.see_in_list(&listed_with("a-ravi"), later), [ravi]);
        assert_eq!(ledger.get(ravi).unwrap().state().word(), "seen");
        assert_eq!(ledger.get(dana).unwrap().state().word(), "unconfirmed");
    }

    #[test]
    fn a_callback_naming_a_target_settles_that_targets_transfer() {
        let mut ledger = Ledger::default();
        let dana = accepted(&mut ledger, "a-dana");
        let ravi = accepted(&mut ledger, "a-ravi");
        let matched = receive(&mut ledger, Some("A-DANA"), failed());
        assert_eq!(matched, Some((dana, Settlement::Settled)));
        assert_eq!(ledger.get(dana).unwrap().state().word(), "failed");
        assert_eq!(ledger.get(ravi).unwrap().state().word(), "accepted");
        let stranger = receive(&mut ledger, Some("a-nobody"), failed());
        assert_eq!(stranger, None);
    }

    #[test]
    fn without_a_target_the_latest_waiting_transfer_wins() {
        let mut ledger = Ledger::default();
        let first = accepted(&mut ledger, "a-1");
        let second = accepted(&mut ledger, "a-2");
        let settle = |ledger: &mut Ledger| receive(ledger, None, confirmed());
        assert_eq!(settle(&mut ledger), Some((second, Settlement::Settled)));
        assert_eq!(settle(&mut ledger), Some((first, Settlement::Settled)));
        // Both settled: a third callback is a repeat on the latest.
        assert_eq!(settle(&mut ledger), Some((second, Settlement::Repeated)));
    }

    #[test]
    fn a_contradiction_keeps_the_first_word_and_is_flagged() {
        let mut ledger = Ledger::default();
        let id = accepted(&mut ledger, "a-1");
        receive(&mut ledger, None, confirmed());
        let second = receive(&mut ledger, None, failed());
        assert_eq!(second, Some((id, Settlement::Conflicting)));
        let record = ledger.get(id).unwrap();
        assert_eq!(record.state().word(), "confirmed");
        assert!(record.detail().unwrap().contains("conflicting callbacks"));
    }

    #[test]
    fn a_late_callback_still_settles_an_unconfirmed_transfer() {
        let mut ledger = Ledger::default();
        let id = accepted(&mut ledger, "a-1");
        assert!(ledger.expire(id, Utc::now()));
        assert_eq!(ledger.get(id).unwrap().state().word(), "unconfirmed");
        receive(&mut ledger, None, confirmed());
        assert_eq!(ledger.get(id).unwrap().state().word(), "confirmed");
        assert!(!ledger.expire(id, Utc::now()));
    }

    /// Its "sending" line could not be written, but the request went out: a callback naming it
    /// proves the platform had it; one naming no transfer is not believed of it.
    #[test]
    fn a_callback_naming_a_transfer_settles_it_though_its_sending_went_unrecorded() {
        let mut ledger = Ledger::default();
        let request = TransferRequest {
            id: TransferId::new(),
            session: session(),
            target: Target::unlisted(TargetKind::Agent, "a-1"),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        };
        let id = request.id;
        ledger.insert(TransferRecord::new(request, Utc::now(), true));
        let matched = |transfer| {
            ledger
                .match_callback(&session(), None, transfer, confirmed(), Utc::now())
                .map(|(record, settlement)| (record.id(), settlement))
        };
        assert_eq!(matched(None), None);
        assert_eq!(matched(Some(id)), Some((id, Settlement::Settled)));
    }
}
