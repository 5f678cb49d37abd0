//! `handoff transfer --sessions-file` and `--from-queue`: many conversations from a script, to
//! one target or spread over several agents by free capacity. Each goes once; a rerun of the
//! same command skips what the audit file shows it already sent. Ctrl-c stops what has not been
//! sent.

mod report;
mod sessions_file;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use chrono::Utc;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::conversations::in_queue;
use super::output::{err, out_json};
use super::setup::{Callbacks, Setup};
use super::transfer::{Printer, TransferArgs};
use super::{EXIT_BAD_INPUT, GlobalArgs, restore_ledger};
use crate::directory::LiveState;
use crate::directory::fetch_conversations;
use crate::ids::{SessionId, TargetKind};
use crate::platform::ConversationStatus;
use crate::roster::{Roster, Target};
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::transfer::{
    BulkKey, BulkPlan, Ledger, LeftOut, Progress, RECENT_MOVE, Skipped, Spread, TransferId,
    TransferRequest, TransferUpdate, run_bulk,
};
use crate::tui::view::short_duration;
use report::{RunProgress, RunResult};
use sessions_file::read_sessions;

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
    let mut setup = match Setup::prepare(global, Callbacks::Ignore).await {
        Ok(setup) => setup,
        Err(error) => return printer.bad_input(&error.to_string()),
    };
    super::team::report_team(setup.engine.budget());
    setup.engine = setup
        .engine
        .clone()
        .taking_over(args.take_over)
        .sending_unclaimed(args.unclaimed);
    for note in &setup.notes {
        err!("note: {note}");
    }
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let targets = match Targets::resolve(&setup.roster, args) {
        Ok(targets) => targets,
        Err(message) => return printer.bad_input(&message),
    };
    let (ledger, _) = restore_ledger(&setup.engine, setup.settings.confirm_within, |warning| {
        err!("warning: {warning}")
    });
    let (sessions, source, moved_elsewhere) = match (file, &args.from_queue) {
        (Some(file), _) => {
            let source = file.ids.iter().map(|s| s.as_str().to_owned()).collect();
            (file.ids, source, Vec::new())
        }
        (None, Some(queue)) => match waiting_in(&setup, queue, args.include_recent).await {
            Ok(waiting) => waiting,
            Err((code, message)) => {
                if code == EXIT_BAD_INPUT {
                    return printer.bad_input(&message);
                }
                err!("error: {message}");
                err!("nothing was sent");
                return ExitCode::from(code);
            }
        },
        (None, None) => {
            return printer.bad_input("give --session, --sessions-file or --from-queue");
        }
    };
    let key = BulkKey::of_run(targets.all(), source.iter().map(String::as_str));
    let mut plan = BulkPlan::new(sessions, &key, &ledger, args.include_recent, Utc::now());
    plan.skipped.extend(moved_elsewhere);
    for skipped in &plan.skipped {
        if printer.json {
            out_json!(json!({
                "session": skipped.session.as_str(),
                "state": "skipped",
                "reason": skipped.why,
            }));
        } else {
            err!("skipped {}: {}", skipped.session, skipped.why);
        }
    }
    let mut spread = match targets {
        Targets::One(target) => Assign::One(target),
        Targets::Spread(agents) => match spread(&setup, agents).await {
            Ok(spread) => {
                let room = spread.room();
                if room < plan.send.len() as u64 {
                    err!(
                        "note: the agents given have {room} free chat(s) between them for {} conversation(s){}",
                        plan.send.len(),
                        if args.beyond_capacity {
                            "; the rest go to them in turn (--beyond-capacity)"
                        } else {
                            "; the rest are not sent (--beyond-capacity sends them in turn)"
                        }
                    );
                }
                Assign::Spread {
                    spread,
                    beyond: args.beyond_capacity,
                }
            }
            Err(message) => {
                err!("error: {message}");
                err!("nothing was sent");
                return ExitCode::from(1);
            }
        },
    };
    let mut requests = Vec::with_capacity(plan.send.len());
    for session in std::mem::take(&mut plan.send) {
        let Some(target) = spread.next() else {
            let why = "every agent given is at full chat capacity (--beyond-capacity sends anyway)";
            if printer.json {
                out_json!(json!({"session": session.as_str(), "state": "skipped", "reason": why}));
            } else {
                err!("skipped {session}: {why}");
            }
            plan.skipped
                .push(Skipped::new(session, why, LeftOut::NotMoved));
            continue;
        };
        requests.push(TransferRequest {
            id: TransferId::new(),
            session,
            target,
            note: note.clone(),
            reroute_of: None,
            bulk: Some(key.clone()),
            confirmed_recent: args.include_recent,
        });
    }
    let skipped = plan.skipped;
    if requests.is_empty() {
        err!("nothing to send: {} skipped", skipped.len());
        return RunResult::default().exit_code(&skipped);
    }
    let result = send_all(&setup, requests, printer).await;
    result.summary(skipped.len());
    super::team::publish_before_exit(&setup.engine).await;
    result.exit_code(&skipped)
}

/// The conversations waiting in `queue`, longest first, for a drain: their sessions, the run's
/// source for its key (the queue, since its conversations change as they move), and those
/// left out because someone moved them in the last ten minutes (unless `include_recent`).
async fn waiting_in(
    setup: &Setup,
    queue: &str,
    include_recent: bool,
) -> Result<(Vec<SessionId>, Vec<String>, Vec<Skipped>), (u8, String)> {
    let statuses = [ConversationStatus::Open, ConversationStatus::Overdue];
    let list = fetch_conversations(setup.engine.client(), &setup.roster, &statuses)
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
    let waiting = in_queue(&setup.roster, queue, list.conversations)
        .map_err(|message| (EXIT_BAD_INPUT, message.replace("--queue", "--from-queue")))?;
    let now = Utc::now();
    let mut sessions = Vec::new();
    let mut moved = Vec::new();
    for conversation in waiting {
        let recent = conversation
            .last_move()
            .and_then(|last| Some((last, last.at?)))
            .filter(|(_, at)| *at >= now - RECENT_MOVE);
        match recent {
            Some((last, at)) if !include_recent => {
                let why = format!(
                    "moved {} ago to {} by {}, per the platform (--include-recent sends it anyway)",
                    short_duration((now - at).num_seconds().max(0).unsigned_abs()),
                    last.to
                        .as_ref()
                        .map_or("somewhere".into(), |to| cut(to.label(), NAME_CHARS)),
                    last.by
                        .as_ref()
                        .map_or("someone".into(), |by| cut(by.label(), NAME_CHARS)),
                );
                moved.push(Skipped::new(
                    conversation.session.clone(),
                    why,
                    LeftOut::Moved,
                ));
            }
            _ => sessions.push(conversation.session),
        }
    }
    if sessions.is_empty() && moved.is_empty() {
        err!("note: no conversation is waiting in {queue}");
    }
    let source = vec![format!("from-queue:{}", queue.trim().to_lowercase())];
    Ok((sessions, source, moved))
}

/// Where the run sends.
enum Targets {
    One(Target),
    Spread(Vec<Target>),
}

impl Targets {
    fn resolve(roster: &Roster, args: &TransferArgs) -> Result<Self, String> {
        let one = |kind: TargetKind, query: &str| {
            let resolved = roster
                .resolve(kind, query)
                .map_err(|error| format!("--{kind}: {error}"))?;
            if let Some(warning) = &resolved.warning {
                err!("warning: {warning}");
            }
            Ok::<Target, String>(resolved.target)
        };
        match (&args.agent, &args.queue, args.agents.as_slice()) {
            // Many conversations to one agent: no more than the agent's free chats, as for
            // several.
            (Some(agent), None, []) => Ok(Self::Spread(vec![one(TargetKind::Agent, agent)?])),
            (None, Some(queue), []) => Ok(Self::One(one(TargetKind::Queue, queue)?)),
            (None, None, agents) if !agents.is_empty() => {
                let mut resolved: Vec<Target> = Vec::new();
                for agent in agents.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                    let target = one(TargetKind::Agent, agent)
                        .map_err(|e| e.replace("--agent:", "--agents:"))?;
                    if !resolved.contains(&target) {
                        resolved.push(target);
                    }
                }
                if resolved.is_empty() {
                    return Err("--agents: no agent given".into());
                }
                Ok(Self::Spread(resolved))
            }
            _ => Err("give one of --agent, --queue or --agents".into()),
        }
    }

    /// What the run sends to, for its key.
    fn all(&self) -> Vec<&Target> {
        match self {
            Self::One(target) => vec![target],
            Self::Spread(agents) => agents.iter().collect(),
        }
    }
}

/// Each conversation's target, in turn.
enum Assign {
    One(Target),
    Spread {
        spread: Spread,
        /// Past every agent's capacity, go on round the agents.
        beyond: bool,
    },
}

impl Assign {
    fn next(&mut self) -> Option<Target> {
        match self {
            Self::One(target) => Some(target.clone()),
            Self::Spread { spread, beyond } => spread
                .take_roomiest()
                .or_else(|| beyond.then(|| spread.next_beyond_capacity()).flatten()),
        }
    }
}

/// The agents' free chats now, from the platform.
async fn spread(setup: &Setup, agents: Vec<Target>) -> Result<Spread, String> {
    let presence = setup
        .engine
        .client()
        .availability(&[])
        .await
        .map_err(|error| format!("cannot read who is free, to spread by capacity: {error}"))?;
    let free = agents
        .into_iter()
        .map(|agent| {
            let free = presence
                .get(&agent.id)
                .map_or(0, |p| LiveState::Agent(*p).free_chats());
            if !presence.contains_key(&agent.id) {
                err!("note: the platform reports no presence for {agent}: it gets none");
            }
            (agent, free)
        })
        .collect();
    Ok(Spread::new(free))
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
