//! The transfer engine: one transfer from intent to outcome. It records the intent, waits for the
//! account's rate budget, calls the platform, and records the outcome, reporting each step to
//! whoever is watching (the TUI's log pane, or the one-shot command). A run of many goes out in
//! batches ([`run_bulk`], `batch`), each paying for a budget update and an audit sync once.
//!
//! Around it: what a transfer is known to be ([`TransferRecord`]), where it stands in the one
//! vocabulary every output uses ([`TransferState`]), and the day's transfers that callbacks are
//! matched against ([`Ledger`]), built the same way live and from the audit file.

mod audit;
mod audit_tail;
mod batch;
mod bulk;
mod bulk_destination;
mod callback_rule;
mod claiming;
mod confirmation;
mod history;
mod ledger;
mod live_run;
mod local_claims;
mod outcome;
mod reason;
mod record;
mod report;
mod state;
pub mod teammates;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use url::Url;

pub use audit::{AUDIT_FILE_NAME, AuditError, AuditLog, RECENT_CAPACITY, recent_target_ids};
pub use bulk::{BulkKey, BulkPlan, LeftOut, Skipped, run_bulk, stopped_before_its_turn};
pub use bulk_destination::{BulkAssignment, BulkDestination, Room};
pub use callback_rule::{CallbackStep, Look, callback_step};
pub use confirmation::{Confirmation, Unheard};
pub use history::{AuditLine, History, fold_step, read_line, read_since};
pub use ledger::{CALLBACK_HORIZON, Ledger, RECENT_MOVE};
pub use local_claims::LocalClaims;
pub use outcome::Outcome;
pub use reason::FailureReason;
pub use record::{Phase, Settlement, TransferRecord};
pub use report::{HandOverFiles, ReportRow, Shift, shift_csv, shift_summary, write_hand_over};
pub use state::{Tone, TransferState};
pub use teammates::TeamTransfer;

use crate::blocking;
use crate::budget::{Priority, RateBudget};
use crate::callback::for_transfer;
use crate::ids::SessionId;
use crate::platform::{AssignCall, AssignRequest, PlatformClient};
use crate::roster::Target;
use crate::secret::Secret;
use crate::team::{Activity, Claims};
use audit::{AuditEntry, AuditEvent, UnmatchedEntry, timestamp};
use audit_tail::AuditTail;
use claiming::{CLAIM_RETRY, Claimed, Claiming};

/// Names one transfer in the audit file and in the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TransferId(uuid::Uuid);

impl TransferId {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4())
    }

    /// Reads an id back from the audit file.
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text).ok().map(Self)
    }

    /// The id as its callback URL carries it, and a callback names it back.
    pub fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl From<uuid::Uuid> for TransferId {
    /// The transfer a callback names (the receiver reads it from the URL, the callback layer
    /// below knowing nothing of transfers).
    fn from(id: uuid::Uuid) -> Self {
        Self(id)
    }
}

impl std::fmt::Display for TransferId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Default for TransferId {
    fn default() -> Self {
        Self::new()
    }
}

/// What the supervisor asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferRequest {
    pub id: TransferId,
    pub session: SessionId,
    pub target: Target,
    /// Words the supervisor attached, kept in the audit file.
    pub note: Option<String>,
    /// The earlier transfer of this session that failed or is in doubt, which this one
    /// re-routes.
    pub reroute_of: Option<TransferId>,
    /// The bulk run it is part of, if any: a rerun of the same run skips what it already sent.
    pub bulk: Option<BulkKey>,
    /// The supervisor was told the session moved a moment ago and confirmed: another run's
    /// recent move of it does not hold it back.
    pub confirmed_recent: bool,
}

/// What an audit line adds to the transfer's identity.
#[derive(Default)]
struct Record<'a> {
    awaits_callback: Option<bool>,
    outcome: Option<&'a Outcome>,
    confirmation: Option<&'a Confirmation>,
    settlement: Option<Settlement>,
}

/// A step of one transfer, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The account's per-minute budget is spent; the request goes out after this wait.
    WaitingForBudget(Duration),
    /// Team mode: Redis does not answer, so the session cannot be claimed; the request waits
    /// for it (why it is away, in words).
    WaitingForClaim(String),
    /// Going out now; `request` is what is sent, secrets replaced.
    Sending {
        request: String,
    },
    Finished(Outcome),
    /// The outcome could not be written to the audit file (it is still shown).
    AuditFailed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransferUpdate {
    pub id: TransferId,
    pub progress: Progress,
    /// When the step happened, stamped where it happened: the console may apply several
    /// steps in one go, and its timings must not depend on when it got to them.
    pub at: DateTime<Utc>,
}

impl TransferUpdate {
    /// The transfer could not go out (its intent could not be recorded): `why`, in words.
    pub fn failed_before_sending(id: TransferId, why: impl Into<String>) -> Self {
        Self::now(id, Progress::Finished(Outcome::failed_before_sending(why)))
    }

    pub fn now(id: TransferId, progress: Progress) -> Self {
        Self {
            id,
            progress,
            at: Utc::now(),
        }
    }
}

/// Shared by every transfer of a run; cheap to clone into background tasks.
#[derive(Debug, Clone)]
pub struct TransferEngine {
    client: PlatformClient,
    budget: RateBudget,
    audit: AuditLog,
    /// `[callback] url` with this install's token added; each transfer's names it too
    /// ([`for_transfer`]).
    callback_url: Url,
    callback_token: Secret,
    /// A callback receiver runs in this process, so accepted transfers wait for their callback.
    awaits_callback: bool,
    /// Set when the process is closing: transfers still waiting for the budget are not sent.
    closing: Arc<watch::Sender<bool>>,
    /// Where each transfer claims its session among this data folder's runs before it is sent.
    local: LocalClaims,
    /// What other runs wrote to the audit file since this run read it.
    tail: AuditTail,
    /// In team mode, where each transfer claims its session in Redis before it is sent.
    claims: Option<Claims>,
    /// In team mode, where each audit line is published for teammates once it is written.
    activity: Option<Activity>,
    /// The supervisor read who holds a session and confirmed: claims are taken over.
    take_over: bool,
    /// Team mode: the supervisor said to send even when Redis cannot take the claim.
    unclaimed: bool,
    /// How long a transfer waits for Redis to take its claim before it is not sent: the
    /// account's window, by when a Redis that restarted is back.
    claim_patience: Duration,
}

/// What a transfer needs, wired once for the account (`account::Account::open`).
pub struct EngineParts {
    pub client: PlatformClient,
    pub budget: RateBudget,
    pub audit: AuditLog,
    /// This run among the runs of the data folder, holding its lock for as long as it lives.
    pub runs: LocalClaims,
    /// `[callback] url` with this install's token added, and the token.
    pub callback_url: Url,
    pub callback_token: Secret,
    /// In team mode: where sessions are claimed, and where audit lines are published.
    pub team: Option<(Claims, Activity)>,
    /// How long a transfer waits for Redis to take its claim before it is not sent: the
    /// account's window, by when a Redis that restarted is back.
    pub claim_patience: Duration,
}

impl TransferEngine {
    pub fn new(parts: EngineParts) -> Self {
        let EngineParts {
            client,
            budget,
            audit,
            runs,
            callback_url,
            callback_token,
            team,
            claim_patience,
        } = parts;
        let tail = AuditTail::new(audit.path().to_owned(), runs.run_id());
        let (claims, activity) = team.unzip();
        Self {
            client,
            budget,
            audit,
            tail,
            callback_url,
            callback_token,
            awaits_callback: false,
            closing: Arc::new(watch::Sender::new(false)),
            local: runs,
            claims,
            activity,
            take_over: false,
            unclaimed: false,
            claim_patience,
        }
    }

    /// Says whether this engine's transfers take over a session a teammate holds: only after
    /// the supervisor read who holds it and confirmed.
    pub fn taking_over(mut self, take_over: bool) -> Self {
        self.take_over = take_over;
        self
    }

    /// Team mode: says whether this engine's transfers go out even when Redis cannot take
    /// their claim (the supervisor was told a teammate could be moving them too, and said so).
    pub fn sending_unclaimed(mut self, unclaimed: bool) -> Self {
        self.unclaimed = unclaimed;
        self
    }

    /// The data folder this engine keeps its files in.
    pub fn data_dir(&self) -> &Path {
        self.audit.path().parent().unwrap_or_else(|| Path::new("."))
    }

    /// This run's name among the runs of its data folder, as its audit lines carry it.
    pub fn run_id(&self) -> &str {
        self.local.run_id()
    }

    /// Team mode: a teammate's move of `session` a moment ago, in words ("Priya moved it to
    /// queue Billing at 14:03:11"), as the team's claims keep it; nothing while Redis is away
    /// (the claim itself waits for it).
    pub async fn teammates_recent_move(&self, session: &SessionId) -> Option<String> {
        let holders = self.claims.as_ref()?.holders(&[session.as_str()]).await?;
        match holders.into_iter().next()?? {
            crate::team::Claim::Held(holder) if holder.moved => Some(holder.words()),
            _ => None,
        }
    }

    /// This run read the audit file up to `offset` (a `History`'s `read_up_to`): what other
    /// runs write after it is news, looked up before each send.
    pub fn read_audit_up_to(&self, offset: u64) {
        self.tail.read_up_to(offset);
    }

    /// Says whether this process receives callbacks, so its transfers wait for theirs.
    pub fn awaiting_callbacks(mut self, awaits: bool) -> Self {
        self.awaits_callback = awaits;
        self
    }

    pub fn audit_path(&self) -> &Path {
        self.audit.path()
    }

    /// The transfers of the last day in the audit file, as every handoff on this machine wrote
    /// them; an unreadable file or damaged lines give what could be read. Blocking.
    pub fn read_recent(&self) -> Vec<TransferRecord> {
        read_since(self.data_dir(), Utc::now() - CALLBACK_HORIZON)
            .map(|history| history.records)
            .unwrap_or_default()
    }

    /// The record of a transfer this engine is about to run.
    pub fn new_record(&self, request: TransferRequest) -> TransferRecord {
        TransferRecord::new(request, Utc::now(), self.awaits_callback)
    }

    /// The process is closing: transfers still waiting for the budget give up without sending.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Runs one transfer to its outcome, sending each step to `updates`. Fails only when the
    /// intent cannot be recorded, in which case nothing is sent.
    pub async fn run(
        &self,
        request: &TransferRequest,
        updates: &mpsc::Sender<TransferUpdate>,
    ) -> Result<Outcome, AuditError> {
        let report = |progress| async move {
            // A watcher that went away (the UI closed) does not stop the transfer.
            let _ = updates
                .send(TransferUpdate::now(request.id, progress))
                .await;
        };
        let audit_failed = |error: AuditError| Progress::AuditFailed(error.to_string());

        let intent = Record {
            awaits_callback: Some(self.awaits_callback),
            ..Record::default()
        };
        self.record(request, AuditEvent::Intent, intent).await?;
        let one = std::slice::from_ref(request);
        // Claimed before the wait for the budget, so a session someone else has is said at
        // once; and again right before the request goes out, so that a claim that expired or
        // was lost meanwhile (a Redis restarted without its data) is never sent on.
        if let Some(refusal) = self.claim_when_redis_answers(request, updates).await {
            return Ok(self.finish(request, refusal, updates).await);
        }
        let slot = loop {
            let slot = match self.budget.try_spend_as(Priority::Transfer).await {
                Ok(slot) => Ok(slot),
                Err(wait) => {
                    report(Progress::WaitingForBudget(wait)).await;
                    let mut closing = self.closing.subscribe();
                    tokio::select! {
                        slot = self.budget.spend_as(Priority::Transfer) => Ok(slot),
                        _ = closing.wait_for(|closing| *closing) => {
                            Err("handoff was closing while it waited for the rate budget")
                        }
                    }
                }
            };
            let slot = match slot {
                Ok(slot) => slot,
                Err(why) => {
                    let outcome = Outcome::not_sent(FailureReason::Stopped, why);
                    let outcome = self.finish(request, outcome, updates).await;
                    self.settle_claims(&[(request, &outcome)]).await;
                    return Ok(outcome);
                }
            };
            match self.claim_batch(one).await {
                Claiming::Done(claimed) => match claimed.into_iter().next() {
                    Some(Claimed::Go) | None => break slot,
                    Some(Claimed::Refused(refusal)) => {
                        let _ = self.budget.give_back(slot, slot.calls()).await;
                        return Ok(self.finish(request, refusal, updates).await);
                    }
                },
                Claiming::RedisAway(_) => {
                    let _ = self.budget.give_back(slot, slot.calls()).await;
                    if let Some(refusal) = self.claim_when_redis_answers(request, updates).await {
                        return Ok(self.finish(request, refusal, updates).await);
                    }
                }
            }
        };
        if let Err(error) = self
            .record(request, AuditEvent::Sending, Record::default())
            .await
        {
            report(audit_failed(error)).await;
        }
        let call = self.assign_call(request);
        report(Progress::Sending {
            request: call.shown(&self.callback_token),
        })
        .await;
        let answer = self.client.assign(&call, slot).await;
        let outcome = Outcome::of_answer(request, answer);
        // Written before the claims are let go: whoever claims the session next reads it.
        let outcome = self.finish(request, outcome, updates).await;
        self.settle_claims(&[(request, &outcome)]).await;
        Ok(outcome)
    }

    /// The call that sends `request`, its callback URL naming it so that its callback is told
    /// from those of the session's other transfers.
    fn assign_call(&self, request: &TransferRequest) -> AssignCall {
        let callback_url = for_transfer(&self.callback_url, request.id.as_uuid());
        self.client.assign_call(AssignRequest {
            session: &request.session,
            kind: request.target.kind,
            target_id: &request.target.id,
            callback_url: &callback_url,
        })
    }

    /// Claims `request`'s session, waiting for Redis while it does not answer (at most the
    /// account's window, unless the supervisor said to send unclaimed); `None` once claimed, else
    /// the outcome to end it with: someone else has it, Redis stayed away, or handoff closed.
    async fn claim_when_redis_answers(
        &self,
        request: &TransferRequest,
        updates: &mpsc::Sender<TransferUpdate>,
    ) -> Option<Outcome> {
        let mut waiting_since: Option<tokio::time::Instant> = None;
        let mut closing = self.closing.subscribe();
        loop {
            let why = match self.claim_batch(std::slice::from_ref(request)).await {
                Claiming::Done(claimed) => {
                    return match claimed.into_iter().next() {
                        Some(Claimed::Refused(refusal)) => Some(refusal),
                        Some(Claimed::Go) | None => None,
                    };
                }
                Claiming::RedisAway(why) => why,
            };
            let since = match waiting_since {
                Some(since) => since,
                None => {
                    let waiting = Progress::WaitingForClaim(why.clone());
                    let _ = updates.send(TransferUpdate::now(request.id, waiting)).await;
                    *waiting_since.insert(tokio::time::Instant::now())
                }
            };
            if since.elapsed() >= self.claim_patience {
                return Some(could_not_claim(&why, self.claim_patience));
            }
            tokio::select! {
                () = tokio::time::sleep(CLAIM_RETRY) => {}
                _ = closing.wait_for(|closing| *closing) => {
                    return Some(Outcome::not_sent(
                        FailureReason::Stopped,
                        "handoff was closing while it waited for the team's Redis to claim it",
                    ));
                }
            }
        }
    }

    /// Records the answer and reports it, stamped with the time it came (before the audit
    /// line's sync to disk adds its own).
    async fn finish(
        &self,
        request: &TransferRequest,
        outcome: Outcome,
        updates: &mpsc::Sender<TransferUpdate>,
    ) -> Outcome {
        let answered = TransferUpdate::now(request.id, Progress::Finished(outcome.clone()));
        let record = Record {
            outcome: Some(&outcome),
            ..Record::default()
        };
        if let Err(error) = self.record(request, AuditEvent::Outcome, record).await {
            let _ = updates
                .send(TransferUpdate::now(
                    request.id,
                    Progress::AuditFailed(error.to_string()),
                ))
                .await;
        }
        // A watcher that went away (the UI closed) does not change the outcome.
        let _ = updates.send(answered).await;
        outcome
    }

    /// Records what a callback said about a transfer (with what it did to it), or that none
    /// came in time.
    pub async fn record_confirmation(
        &self,
        request: &TransferRequest,
        confirmation: &Confirmation,
        settlement: Option<Settlement>,
    ) -> Result<(), AuditError> {
        let event = match confirmation {
            Confirmation::Unconfirmed { .. } => AuditEvent::Unconfirmed,
            _ => AuditEvent::Callback,
        };
        let record = Record {
            confirmation: Some(confirmation),
            settlement,
            ..Record::default()
        };
        self.record(request, event, record).await
    }

    /// Records a callback that matched no transfer, so nothing that arrived is lost.
    pub async fn record_unmatched(
        &self,
        session: &SessionId,
        target_id: Option<&str>,
        payload: &Value,
    ) -> Result<(), AuditError> {
        let line = serde_json::to_vec(&UnmatchedEntry::new(session, target_id, payload))
            .unwrap_or_default();
        self.append(line).await
    }

    /// Appends to the audit file as blocking work (see `blocking`), since each line is synced to
    /// disk.
    async fn record(
        &self,
        request: &TransferRequest,
        event: AuditEvent,
        record: Record<'_>,
    ) -> Result<(), AuditError> {
        self.append(self.entry(request, event, record)).await
    }

    /// The intents of a run of many, in one write and one sync before any of them goes out:
    /// one sync for the run instead of one per transfer.
    pub async fn record_intents(&self, requests: &[TransferRequest]) -> Result<(), AuditError> {
        let intent = || Record {
            awaits_callback: Some(self.awaits_callback),
            ..Record::default()
        };
        let lines = requests
            .iter()
            .map(|request| self.entry(request, AuditEvent::Intent, intent()));
        self.append_lines(lines).await
    }

    /// Transfers of a run that end without being sent (stopped before their turn, someone else
    /// has them, no claim could be taken), each with its outcome: recorded in one write (their
    /// intents are in the audit file, so it says what became of them), then reported.
    pub(crate) async fn end_unsent(
        &self,
        ended: &[(&TransferRequest, Outcome)],
        updates: &mpsc::Sender<TransferUpdate>,
    ) {
        let Some((first, _)) = ended.first() else {
            return;
        };
        let lines = ended.iter().map(|(request, outcome)| {
            let record = Record {
                outcome: Some(outcome),
                ..Record::default()
            };
            self.entry(request, AuditEvent::Outcome, record)
        });
        if let Err(error) = self.append_lines(lines).await {
            let failed = Progress::AuditFailed(error.to_string());
            let _ = updates.send(TransferUpdate::now(first.id, failed)).await;
        }
        for (request, outcome) in ended {
            let finished = Progress::Finished(outcome.clone());
            let _ = updates
                .send(TransferUpdate::now(request.id, finished))
                .await;
        }
    }

    /// One audit line, without its line break. An intent names this run, so that another
    /// run reading the file can tell a transfer still under way from one cut short.
    fn entry(&self, request: &TransferRequest, event: AuditEvent, record: Record<'_>) -> Vec<u8> {
        serde_json::to_vec(&AuditEntry {
            at: timestamp(Utc::now()),
            transfer: request.id,
            event,
            run: (event == AuditEvent::Intent).then(|| self.run_id()),
            session: request.session.as_str(),
            target_kind: request.target.kind,
            target_id: &request.target.id,
            target_name: &request.target.name,
            note: request.note.as_deref(),
            reroute_of: request.reroute_of.filter(|_| event == AuditEvent::Intent),
            bulk: request
                .bulk
                .as_ref()
                .filter(|_| event == AuditEvent::Intent)
                .map(BulkKey::as_str),
            awaits_callback: record.awaits_callback,
            outcome: record.outcome,
            confirmation: record.confirmation,
            settlement: record.settlement.map(Into::into),
        })
        .unwrap_or_default()
    }

    /// Several lines in one write and one sync.
    async fn append_lines(&self, lines: impl Iterator<Item = Vec<u8>>) -> Result<(), AuditError> {
        self.append(lines.collect::<Vec<_>>().join(&b'\n')).await
    }

    /// Writes (and syncs) to the audit file, then, in team mode, publishes the same lines for
    /// teammates: the local record comes first, whatever Redis does.
    async fn append(&self, line: Vec<u8>) -> Result<(), AuditError> {
        let audit = self.audit.clone();
        let published = self.activity.as_ref().map(|_| line.clone());
        blocking::run(move || audit.append_line(line))
            .await
            .unwrap_or_else(|| {
                Err(AuditError {
                    path: self.audit.path().to_owned(),
                    source: std::io::Error::other("handoff was shutting down"),
                })
            })?;
        if let (Some(activity), Some(lines)) = (&self.activity, published) {
            activity.publish(&lines);
        }
        Ok(())
    }
}

/// What became of a transfer whose session Redis did not answer to claim for `patience`.
pub(crate) fn could_not_claim(why: &str, patience: Duration) -> Outcome {
    Outcome::not_sent(
        FailureReason::CouldNotClaim,
        format!(
            "{why}; waited {} s for the team's Redis to claim it, so that no teammate moves it at the same time (to send without a claim: --unclaimed, or the console's question)",
            patience.as_secs().max(1)
        ),
    )
}
