//! `handoff transfer --sessions-file` and `--from-queue`: many conversations from a script, to
//! one target or spread over agents by free capacity. Each goes once; a rerun of the same
//! command skips what the audit file shows it moved, sent without a known outcome, or had
//! refused for good, and sends again what it certainly did not send. Ctrl-c stops what has not
//! been sent.

mod drain;
mod report;
mod sessions_file;
mod targets;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use chrono::Utc;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::output::{err, out_json};
use super::printer::Printer;
use super::setup::{Callbacks, Setup};
use super::transfer_args::TransferArgs;
use super::{EXIT_BAD_INPUT, GlobalArgs, restore_ledger};
use crate::ids::SessionId;
use crate::transfer::{
    BulkAssignment, BulkDestination, BulkKey, BulkPlan, Ledger, LeftOut, Progress, Skipped,
    TransferId, TransferRequest, TransferUpdate, run_bulk,
};
use drain::{Drain, MORE_PASSES, QueueRead, read_queue};
use report::{RunProgress, RunResult};
use sessions_file::read_sessions;
use targets::with_free_chats;

pub(super) async fn run(
    global: &GlobalArgs,
    args: &TransferArgs,
    note: Option<String>,
    printer: &Printer,
) -> ExitCode {
    let file = match &args.sessions_file {
        Some(file) => match read_sessions(file) {
            Ok(sessions) => Some(sessions),
            Err(message) => return printer.bad_input(&message),
        },
        None => None,
    };
    let setup = match args.setup(global, Callbacks::Ignore).await {
        Ok(setup) => setup,
        Err(error) => return printer.bad_input(&error.to_string()),
    };
    for note in &setup.notes {
        err!("note: {note}");
    }
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let named = targets::resolve(
        &setup.roster,
        args.agent.as_deref(),
        args.queue.as_deref(),
        &args.agents,
    );
    let destination = match named {
        Ok(destination) => destination,
        Err(message) => return printer.bad_input(&message),
    };
    let (ledger, _) = restore_ledger(&setup.engine, setup.settings.confirm_within, |warning| {
        err!("warning: {warning}")
    });
    let (sessions, queue) = match (file, &args.from_queue) {
        (Some(file), _) => (file.ids, None),
        (None, Some(queue)) => (Vec::new(), Some(queue.as_str())),
        (None, None) => {
            return printer.bad_input("give --session, --sessions-file or --from-queue");
        }
    };
    let source: Vec<String> = match queue {
        // A queue's conversations change as they move: the run is the queue.
        Some(queue) => vec![format!("from-queue:{}", queue.trim().to_lowercase())],
        None => sessions.iter().map(|s| s.as_str().to_owned()).collect(),
    };
    let key = destination.key(source.iter().map(String::as_str));
    let mut run = Run {
        setup: &setup,
        printer,
        note,
        include_recent: args.include_recent,
        key,
        ledger,
        destination,
        assignment: None,
        beyond_capacity: args.beyond_capacity,
        result: RunResult::default(),
        skipped: Vec::new(),
    };
    let ran = match queue {
        Some(queue) => run.drain(queue, args.limit).await,
        None => run.pass(sessions, Vec::new()).await,
    };
    if let Err(code) = ran {
        return code;
    }
    if run.result.records.is_empty() {
        err!("nothing to send: {} skipped", run.skipped.len());
    } else {
        run.result.summary(run.skipped.len());
    }
    super::team::publish_before_exit(setup.team.as_ref()).await;
    run.result.exit_code(&run.skipped)
}

/// A run of many under way, pass by pass (a drain may take several): what it sends to, what it
/// knows, and what it did so far.
struct Run<'a> {
    setup: &'a Setup,
    printer: &'a Printer,
    note: Option<String>,
    include_recent: bool,
    key: BulkKey,
    /// The audit file's last day, as read when the run started.
    ledger: Ledger,
    /// Where the run goes, as named; the agents' free chats are read at the first pass that
    /// sends anything.
    destination: BulkDestination,
    /// Where each conversation goes, once the agents' free chats are known; the agents' room is
    /// used up across passes.
    assignment: Option<BulkAssignment>,
    beyond_capacity: bool,
    result: RunResult,
    skipped: Vec<Skipped>,
}

impl Run<'_> {
    /// Plans `sessions` (each once, none already moved, ...), says what it leaves out, and
    /// sends the rest. `Err` with the exit code when the run cannot go on.
    async fn pass(
        &mut self,
        sessions: Vec<SessionId>,
        moved_elsewhere: Vec<Skipped>,
    ) -> Result<(), ExitCode> {
        let mut plan = BulkPlan::new(
            sessions,
            &self.key,
            &self.ledger,
            self.include_recent,
            Utc::now(),
        );
        plan.skipped.extend(moved_elsewhere);
        for skipped in &plan.skipped {
            self.say_skipped(skipped);
        }
        self.skipped.append(&mut plan.skipped);
        if plan.send.is_empty() {
            return Ok(());
        }
        let assignment = match &mut self.assignment {
            Some(assignment) => assignment,
            None => {
                let assignment = self.assignment_for(plan.send.len()).await?;
                self.assignment.insert(assignment)
            }
        };
        let mut requests = Vec::with_capacity(plan.send.len());
        let mut full = Vec::new();
        for session in plan.send {
            let Some(target) = assignment.next_target() else {
                full.push(session);
                continue;
            };
            requests.push(TransferRequest {
                id: TransferId::new(),
                session,
                target,
                note: self.note.clone(),
                reroute_of: None,
                bulk: Some(self.key.clone()),
                confirmed_recent: self.include_recent,
            });
        }
        for session in full {
            let why = "every agent given is at full chat capacity (--beyond-capacity sends anyway)";
            let skipped = Skipped::new(session, why, LeftOut::NotMoved);
            self.say_skipped(&skipped);
            self.skipped.push(skipped);
        }
        if !requests.is_empty() {
            let result = send_all(self.setup, requests, self.printer).await;
            self.result.records.extend(result.records);
            self.result.unrecorded.extend(result.unrecorded);
        }
        Ok(())
    }

    /// `--from-queue`: a pass for what waits in `queue` (the `limit` longest waiting, with
    /// `--limit`), then more for what the shifting pages hid, then what is left, in words.
    async fn drain(&mut self, queue: &str, limit: Option<usize>) -> Result<(), ExitCode> {
        let mut drain = Drain::new(limit);
        let mut read = self.read_queue(queue).await?;
        if read.waiting.is_empty() && read.moved.is_empty() {
            err!("note: no conversation is waiting in {queue}");
            return Ok(());
        }
        if let Some(limit) = limit {
            let waiting = read.waiting.len();
            err!(
                "note: {waiting} conversation(s) wait in {queue}; moving the {} longest waiting (--limit {limit})",
                limit.min(waiting)
            );
        }
        for pass in 0..=MORE_PASSES {
            let sessions = drain.this_pass(&read, pass == 0);
            if sessions.is_empty() && pass > 0 {
                break;
            }
            let moved = if pass == 0 {
                std::mem::take(&mut read.moved)
            } else {
                Vec::new()
            };
            let before = self.skipped.len();
            self.pass(sessions, moved).await?;
            drain.left_out(&self.skipped[before..]);
            read = self.read_queue(queue).await?;
        }
        drain.say_what_is_left(queue, &read, &self.result.records, &self.skipped);
        Ok(())
    }

    async fn read_queue(&self, queue: &str) -> Result<QueueRead, ExitCode> {
        read_queue(self.setup, queue, self.include_recent)
            .await
            .map_err(|(code, message)| {
                if code == EXIT_BAD_INPUT {
                    return self.printer.bad_input(&message);
                }
                err!("error: {message}");
                ExitCode::from(code)
            })
    }

    /// Where `count` conversations go: the queue given, or the agents given by their free chats
    /// now, said when they cannot take them all.
    async fn assignment_for(&self, count: usize) -> Result<BulkAssignment, ExitCode> {
        let destination = match with_free_chats(self.setup, self.destination.clone()).await {
            Ok(destination) => destination,
            Err(message) => {
                err!("error: {message}");
                err!("nothing was sent");
                return Err(ExitCode::from(1));
            }
        };
        if let Some(room) = destination.room()
            && room < count as u64
        {
            err!(
                "note: the agents given have {} between them for {count} conversation(s){}",
                crate::words::chats_free(u32::try_from(room).unwrap_or(u32::MAX), None),
                if self.beyond_capacity {
                    "; the rest go to them in turn (--beyond-capacity)"
                } else {
                    "; the rest are not sent (--beyond-capacity sends them in turn)"
                }
            );
        }
        Ok(destination.assignment(self.beyond_capacity))
    }

    fn say_skipped(&self, skipped: &Skipped) {
        if self.printer.json {
            out_json!(json!({
                "session": skipped.session.as_str(),
                "state": "skipped",
                "reason": skipped.why,
                "exit_code": skipped.left.exit_code(),
            }));
        } else {
            err!("skipped {}: {}", skipped.session, skipped.why);
        }
    }
}

/// Sends every request, printing each result as it is known and, on a terminal, the run's
/// progress on stderr; Ctrl-c stops what has not been sent. Returns what became of each.
async fn send_all(setup: &Setup, requests: Vec<TransferRequest>, printer: &Printer) -> RunResult {
    let mut ledger = Ledger::default();
    ledger.insert_many(
        requests
            .iter()
            .map(|request| setup.engine.new_record(request.clone())),
    );
    let (updates, mut updates_rx) = mpsc::channel::<TransferUpdate>(256);
    let (cancel, cancelled) = watch::channel(false);
    let engine = setup.engine.clone();
    let run = tokio::spawn(async move { run_bulk(&engine, requests, updates, cancelled).await });
    let mut progress = RunProgress::new(ledger.records().count(), std::io::stderr().is_terminal());
    let mut cancelling = false;
    let mut unrecorded = BTreeMap::new();
    // The run's every sender is dropped when it ends, which ends this loop.
    loop {
        let update = tokio::select! {
            update = updates_rx.recv() => match update {
                Some(update) => update,
                None => break,
            },
            _ = tokio::signal::ctrl_c(), if !cancelling => {
                cancelling = true;
                cancel.send_replace(true);
                progress.clear();
                err!("cancelling: nothing more is sent; waiting for the answers to those already sent");
                continue;
            }
        };
        let id = update.id;
        match &update.progress {
            Progress::AuditFailed(message) => {
                progress.clear();
                err!("warning: {message}");
                if let Some(record) = ledger.get(id) {
                    unrecorded.insert(record.request.session.clone(), message.clone());
                }
            }
            Progress::WaitingForBudget(wait) => progress.waiting(*wait),
            Progress::WaitingForClaim(why) => {
                if progress.pause_for_claims() {
                    progress.clear();
                    err!(
                        "paused: the team's Redis cannot claim the sessions, so that no teammate moves them at the same time: {why}; the run goes on when Redis answers, and ends what is left as not sent if it stays away for the account's window (--unclaimed sends without a claim)"
                    );
                }
            }
            Progress::Sending { .. } => progress.resume(),
            Progress::Finished(_) => {}
        }
        ledger.progress(update);
        if let Some(record) = ledger.get(id)
            && !record.state().in_flight()
        {
            progress.clear();
            printer.transfer(record, setup);
            progress.finished(record.state());
        }
        progress.show();
    }
    // Those it never sent are reported as not sent by the run itself.
    let _ = run.await;
    progress.clear();
    RunResult {
        records: ledger.records().cloned().collect(),
        unrecorded,
    }
}
