//! `handoff transfer`: one transfer from a script, with the same engine as the console, and with
//! `--wait`, the same callback receiver and the same matching of callbacks to transfers.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::output::err;
use super::printer::Printer;
use super::setup::Callbacks;
use super::transfer_args::TransferArgs;
use super::{GlobalArgs, restore_ledger};
use crate::callback::{CallbackEvent, Refusal};
use crate::ids::{SessionId, TargetKind};
use crate::transfer::{
    CALLBACK_HORIZON, CallbackStep, Confirmation, Ledger, Look, Outcome, Progress, Settlement,
    TransferEngine, TransferId, TransferRequest, TransferState, TransferUpdate, callback_step,
};

pub async fn run(global: &GlobalArgs, args: TransferArgs) -> ExitCode {
    let printer = Printer { json: args.json };
    let note = match checked_note(args.note.as_deref()) {
        Ok(note) => note,
        Err(message) => return printer.bad_input(message),
    };
    let Some(session) = &args.session else {
        return super::bulk::run(global, &args, note, &printer).await;
    };
    let session = match SessionId::parse(session) {
        Ok(session) => session,
        Err(error) => return printer.bad_input(&format!("--session: {error}")),
    };
    let (kind, query) = match (&args.agent, &args.queue) {
        (Some(agent), _) => (TargetKind::Agent, agent),
        (None, Some(queue)) => (TargetKind::Queue, queue),
        (None, None) => {
            return printer.bad_input("--agents moves many: give --sessions-file or --from-queue");
        }
    };
    let callbacks = if args.wait.is_some() {
        Callbacks::ReceiveFromNow
    } else {
        Callbacks::Ignore
    };
    let mut setup = match args.setup(global, callbacks).await {
        Ok(setup) => setup,
        Err(error) => return printer.bad_input(&error.to_string()),
    };
    let callback_events = setup.callbacks.take();
    if args.wait.is_some() && callback_events.is_none() {
        return printer.bad_input(
            "--wait needs the callback receiver: set [callback] listen in the config (and make [callback] url reach it)",
        );
    }
    for note in &setup.notes {
        err!("note: {note}");
    }
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let resolved = match setup.roster.resolve(kind, query) {
        Ok(resolved) => resolved,
        Err(error) => return printer.bad_input(&format!("--{kind}: {error}")),
    };
    if let Some(warning) = &resolved.warning {
        err!("warning: {warning}");
    }

    let request = TransferRequest {
        id: TransferId::new(),
        session,
        target: resolved.target,
        note,
        reroute_of: None,
        bulk: None,
        confirmed_recent: args.include_recent,
    };
    // The day's transfers: a move of this session a moment ago is asked about, as the console
    // does; and with a receiver, callbacks for earlier transfers may arrive too, and settle
    // them as they would in the console.
    let (mut ledger, _) = restore_ledger(&setup.engine, setup.settings.confirm_within, |warning| {
        err!("warning: {warning}")
    });
    if !args.include_recent
        && !args.take_over
        && let Some(moved) = recent_move(&setup.engine, &ledger, &request.session).await
    {
        return printer.bad_input(&format!(
            "not sent: {moved} To send it all the same, check the conversation, then run again with --include-recent"
        ));
    }
    ledger.insert(setup.engine.new_record(request.clone()));
    let (outcome, unrecorded) = match send(&setup.engine, &request, &mut ledger).await {
        Ok(sent) => sent,
        Err(message) => return printer.bad_input(&format!("not sent: {message}")),
    };
    let may_settle = outcome.may_have_moved();
    if let (Some(mut events), Some(secs), true) = (callback_events, args.wait, may_settle) {
        let within = if secs == 0 {
            setup.settings.confirm_within
        } else {
            Duration::from_secs(secs).min(CALLBACK_HORIZON.to_std().unwrap_or(Duration::MAX))
        };
        let mut desk = CallbackDesk {
            engine: &setup.engine,
            ledger: &mut ledger,
            ours: request.id,
            refusals: HashMap::new(),
        };
        desk.wait(&mut events, within).await;
    }
    super::team::publish_before_exit(setup.team.as_ref()).await;
    let record = ledger
        .get(request.id)
        .expect("this run's transfer stays in its ledger");
    printer.outcome(record, &setup, unrecorded.as_deref())
}

/// A move of `session` a moment ago that was not refused, in words, per the audit file (this
/// machine's runs) and, in team mode, the team's claims; never a platform call.
async fn recent_move(
    engine: &TransferEngine,
    ledger: &Ledger,
    session: &SessionId,
) -> Option<String> {
    let now = Utc::now();
    if let Some(record) = ledger.recent_move(session, now) {
        return Some(record.move_words(now));
    }
    engine
        .teammates_recent_move(session)
        .await
        .map(|words| format!("{words}."))
}

/// `--note`, trimmed, if it is one line of text.
fn checked_note(note: Option<&str>) -> Result<Option<String>, &'static str> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().any(crate::terminal_safe::is_unsafe)) {
        return Err("--note: expected one line of text without control characters");
    }
    Ok(note.map(str::to_owned))
}

/// Runs the transfer, reporting a wait for the budget on stderr, and brings every step into the
/// ledger. Also says what the audit file could not take, if anything.
async fn send(
    engine: &TransferEngine,
    request: &TransferRequest,
    ledger: &mut Ledger,
) -> Result<(Outcome, Option<String>), String> {
    let (updates, mut updates_rx) = mpsc::channel::<TransferUpdate>(16);
    let progress = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(update) = updates_rx.recv().await {
            match &update.progress {
                Progress::WaitingForBudget(wait) => err!(
                    "waiting {} s: the account's per-minute request budget is spent (it is shared by every handoff on this machine, or the whole team); the transfer goes out by itself",
                    wait.as_secs().max(1)
                ),
                Progress::WaitingForClaim(why) => err!(
                    "waiting for the team's Redis to claim the session, so that no teammate moves it at the same time: {why}; the transfer goes out once Redis answers, and is not sent if it stays away for the account's window (--unclaimed sends without a claim)"
                ),
                Progress::AuditFailed(message) => err!("warning: {message}"),
                Progress::Sending { .. } | Progress::Finished(_) => {}
            }
            seen.push(update);
        }
        seen
    });
    let result = engine.run(request, &updates).await;
    drop(updates);
    let mut unrecorded = None;
    for update in progress.await.unwrap_or_default() {
        if let Progress::AuditFailed(message) = &update.progress {
            unrecorded = Some(message.clone());
        }
        ledger.progress(update);
    }
    result
        .map(|outcome| (outcome, unrecorded))
        .map_err(|error| error.to_string())
}

/// Takes callbacks for the length of a `--wait`: each goes through the transfer layer's one rule
/// (`callback_step`), as in the console, and its step is carried out here: recorded in the audit
/// file, and said on stderr when it is not about this run's transfer.
struct CallbackDesk<'a> {
    engine: &'a TransferEngine,
    ledger: &'a mut Ledger,
    ours: TransferId,
    /// Refusals by kind: the first of each is said, the rest counted.
    refusals: HashMap<Refusal, usize>,
}

impl CallbackDesk<'_> {
    /// Until this run's transfer is settled for good or `within` passes; then a transfer still
    /// waiting is unconfirmed.
    async fn wait(&mut self, events: &mut mpsc::Receiver<CallbackEvent>, within: Duration) {
        let deadline = tokio::time::Instant::now()
            .checked_add(within)
            .unwrap_or_else(tokio::time::Instant::now);
        while !self.settled() {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Err(_) | Ok(None) => break,
                Ok(Some(event)) => self.take(event).await,
            }
        }
        self.say_refusals();
        if self.ledger.expire(self.ours, Utc::now())
            && let Some(record) = self.ledger.get(self.ours)
            && let Some(unconfirmed) = &record.confirmation
        {
            self.write(&record.request, unconfirmed, None).await;
        }
    }

    fn settled(&self) -> bool {
        self.ledger
            .get(self.ours)
            .and_then(|r| r.confirmation.as_ref())
            .is_some_and(Confirmation::is_final)
    }

    async fn take(&mut self, event: CallbackEvent) {
        let callback = match event {
            CallbackEvent::Refused { from, refusal } => {
                let count = self.refusals.entry(refusal).or_default();
                if *count == 0 {
                    err!(
                        "note: refused a callback from {from}: {}; nothing changed",
                        refusal.words()
                    );
                }
                *count += 1;
                return;
            }
            CallbackEvent::Received(callback) => callback,
        };
        let mut look = Look::First;
        loop {
            // A run of the command follows no team's activity stream: it knows no teammate's
            // transfer.
            match callback_step(&callback, self.ledger, std::iter::empty(), look) {
                CallbackStep::LookFurther => {
                    // Another handoff may have sent it since this run read the audit file: the
                    // rule is followed again on what the file holds now (it never asks twice).
                    let engine = self.engine.clone();
                    let recent = tokio::task::spawn_blocking(move || engine.read_recent())
                        .await
                        .unwrap_or_default();
                    self.ledger.merge_new(recent);
                    look = Look::Again;
                    continue;
                }
                CallbackStep::Test => {
                    err!("note: a test callback (handoff callbacks check) reached this run");
                }
                CallbackStep::Ignore => err!(
                    "note: ignored a callback that names no session: {}",
                    crate::terminal_safe::one_line(&callback.payload.to_string())
                ),
                CallbackStep::Record {
                    settled,
                    confirmation,
                    settlement,
                } => {
                    let (request, state) = (settled.request.clone(), settled.state());
                    self.ledger.settle(*settled);
                    self.say_if_earlier(&request, state);
                    self.write(&request, &confirmation, Some(settlement)).await;
                }
                CallbackStep::Duplicate { request } => err!(
                    "note: the same callback again about session {} → {}; recorded when it first came",
                    request.session,
                    request.target
                ),
                CallbackStep::RecordConflicting {
                    settled,
                    confirmation,
                } => {
                    let (request, standing) = (settled.request.clone(), settled.state());
                    self.ledger.settle(*settled);
                    self.say_if_earlier(&request, standing);
                    err!(
                        "warning: the platform contradicted itself about session {}: it said {} after {}; the first word stands",
                        request.session,
                        confirmation.state().word(),
                        standing.word()
                    );
                    let conflicting = Some(Settlement::Conflicting);
                    self.write(&request, &confirmation, conflicting).await;
                }
                // A teammate's callback, relayed: theirs to say.
                CallbackStep::NotOurs => {}
                CallbackStep::Teammate { by, request } => err!(
                    "note: a callback about {by}'s transfer of session {} → {}: theirs to record; nothing changed",
                    request.session,
                    request.target
                ),
                CallbackStep::RecordUnmatched { session } => {
                    err!(
                        "note: a callback about session {session} matches no transfer of the last day; recorded, nothing changed"
                    );
                    if let Err(error) = self
                        .engine
                        .record_unmatched(&session, callback.target.as_deref(), &callback.payload)
                        .await
                    {
                        err!("warning: {error}");
                    }
                }
            }
            break;
        }
    }

    /// A callback about a transfer other than this run's (one the ledger holds from earlier):
    /// said, with where that transfer now stands.
    fn say_if_earlier(&self, request: &TransferRequest, state: TransferState) {
        if request.id != self.ours {
            err!(
                "note: a callback about an earlier transfer of session {} → {}: {}",
                request.session,
                request.target,
                state.word()
            );
        }
    }

    /// Writes what a callback said (and what it did), or, with no settlement, that none came,
    /// to the audit file.
    async fn write(
        &self,
        request: &TransferRequest,
        confirmation: &Confirmation,
        settlement: Option<Settlement>,
    ) {
        if let Err(error) = self
            .engine
            .record_confirmation(request, confirmation, settlement)
            .await
        {
            err!("warning: {error}");
        }
    }

    fn say_refusals(&self) {
        for (refusal, count) in &self.refusals {
            if *count > 1 {
                err!(
                    "note: {count} callbacks refused while waiting: {}",
                    refusal.words()
                );
            }
        }
    }
}
