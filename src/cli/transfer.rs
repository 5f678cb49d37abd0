//! `handoff transfer`: one transfer from a script, with the same engine as the console, and with
//! `--wait`, the same callback receiver.

use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args};
use serde_json::json;
use tokio::sync::mpsc;

use super::output::out;
use super::setup::{Callbacks, Setup};
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::callback::CallbackEvent;
use crate::ids::{SessionId, TargetKind};
use crate::roster::Target;
use crate::transfer::{
    Confirmation, Outcome, Progress, TransferId, TransferRequest, TransferUpdate,
};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["agent", "queue"])))]
pub struct TransferArgs {
    /// The conversation's botSessionId (24 hex characters)
    #[arg(long, value_name = "ID")]
    session: String,
    /// The agent: an id (a-…) or a name from the roster
    #[arg(long, value_name = "ID_OR_NAME")]
    agent: Option<String>,
    /// The queue: an id (qu-…) or a name from the roster
    #[arg(long, value_name = "ID_OR_NAME")]
    queue: Option<String>,
    /// Words kept with the transfer in the audit file
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Wait for the platform's callback ([callback] listen must be set), at most SECS seconds
    /// [default: [callback] confirm_within]; then exit 0 confirmed, 1 failed, 3 unconfirmed
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "0")]
    wait: Option<u64>,
    /// Print one JSON object instead of words
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: TransferArgs) -> ExitCode {
    let printer = Printer { json: args.json };
    let session = match SessionId::parse(&args.session) {
        Ok(session) => session,
        Err(error) => return printer.bad_input(&format!("--session: {error}")),
    };
    let note = args
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().any(char::is_control)) {
        return printer.bad_input("--note: expected one line of text without control characters");
    }
    let (kind, query) = match (&args.agent, &args.queue) {
        (Some(agent), _) => (TargetKind::Agent, agent),
        (None, Some(queue)) => (TargetKind::Queue, queue),
        (None, None) => unreachable!("clap requires --agent or --queue"),
    };
    let callbacks = if args.wait.is_some() {
        Callbacks::Receive
    } else {
        Callbacks::Ignore
    };
    let mut setup = match Setup::prepare(global, callbacks).await {
        Ok(setup) => setup,
        Err(error) => return printer.bad_input(&error.to_string()),
    };
    let mut callback_events = setup.callbacks.take();
    if args.wait.is_some() && callback_events.is_none() {
        return printer.bad_input(
            "--wait needs the callback receiver: set [callback] listen in the config (and make [callback] url reach it)",
        );
    }
    for note in &setup.notes {
        eprintln!("note: {note}");
    }
    for warning in &setup.warnings {
        eprintln!("warning: {warning}");
    }
    let resolved = match setup.roster.resolve(kind, query) {
        Ok(resolved) => resolved,
        Err(error) => return printer.bad_input(&format!("--{kind}: {error}")),
    };
    if let Some(warning) = &resolved.warning {
        eprintln!("warning: {warning}");
    }

    let request = TransferRequest {
        id: TransferId::new(),
        session,
        target: resolved.target,
        note: note.map(str::to_owned),
    };
    let (updates, mut updates_rx) = mpsc::channel::<TransferUpdate>(16);
    let progress = tokio::spawn(async move {
        while let Some(update) = updates_rx.recv().await {
            match update.progress {
                Progress::WaitingForBudget(wait) => eprintln!(
                    "waiting {} s: the account's per-minute request budget is spent",
                    wait.as_secs().max(1)
                ),
                Progress::AuditFailed(message) => eprintln!("warning: {message}"),
                Progress::Sending { .. } | Progress::Finished(_) => {}
            }
        }
    });
    let result = setup.engine.run(&request, &updates).await;
    drop(updates);
    let _ = progress.await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => return printer.bad_input(&format!("not sent: {error}")),
    };
    let confirmation = match (&outcome, &mut callback_events, args.wait) {
        (Outcome::Transferred { .. }, Some(events), Some(secs)) => {
            let within = if secs == 0 {
                setup.confirm_within
            } else {
                Duration::from_secs(secs)
            };
            let confirmation = wait_for_callback(events, &request.session, within).await;
            if let Err(error) = setup
                .engine
                .record_confirmation(&request, &confirmation)
                .await
            {
                eprintln!("warning: {error}");
            }
            Some(confirmation)
        }
        _ => None,
    };
    printer.outcome(&request, &outcome, confirmation.as_ref(), &setup)
}

/// The first callback about `session`, or `Unconfirmed` when none comes `within`. Other posts
/// (refused, or about another session) are reported and waited past.
async fn wait_for_callback(
    events: &mut mpsc::Receiver<CallbackEvent>,
    session: &SessionId,
    within: Duration,
) -> Confirmation {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) | Ok(None) => return Confirmation::Unconfirmed,
            Ok(Some(CallbackEvent::Refused { from, reason })) => {
                eprintln!("note: rejected {reason} from {from}");
            }
            Ok(Some(CallbackEvent::Received {
                session: Some(about),
                verdict,
                payload,
                ..
            })) if about == *session => return Confirmation::from_callback(&verdict, payload),
            Ok(Some(CallbackEvent::Received { .. })) => {
                eprintln!("note: ignored a callback about another session");
            }
        }
    }
}

/// Writes results in words or as one JSON object, so every exit path of `--json` prints exactly
/// one object on stdout.
struct Printer {
    json: bool,
}

impl Printer {
    fn bad_input(&self, message: &str) -> ExitCode {
        if self.json {
            out!(
                "{}",
                json!({"outcome": "not_sent", "exit_code": EXIT_BAD_INPUT, "message": message})
            );
        } else {
            eprintln!("error: {message}");
            eprintln!("nothing was sent");
        }
        ExitCode::from(EXIT_BAD_INPUT)
    }

    fn outcome(
        &self,
        request: &TransferRequest,
        outcome: &Outcome,
        confirmation: Option<&Confirmation>,
        setup: &Setup,
    ) -> ExitCode {
        let code = confirmation.map_or(outcome.exit_code(), Confirmation::exit_code);
        let state = confirmation.map_or(outcome.word(), Confirmation::word);
        let reason = match confirmation {
            Some(Confirmation::Failed { reason, .. }) => Some(*reason),
            Some(_) => None,
            None => outcome.reason(),
        };
        if self.json {
            let mut object = serde_json::to_value(outcome).expect("outcomes serialize");
            let extra = json!({
                "state": state,
                "reason": reason,
                "exit_code": code,
                "transfer_id": request.id,
                "session": request.session.as_str(),
                "target": target_json(&request.target),
                "note": request.note,
                "callback": confirmation.and_then(Confirmation::payload),
                "audit_file": setup.engine.audit_path(),
            });
            if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
                object.extend(extra.clone());
            }
            out!("{object}");
        } else {
            out!("{state}: session {} → {}", request.session, request.target);
            if let Some(reason) = reason {
                out!("  reason: {}", reason.words());
            }
            let detail = confirmation
                .and_then(Confirmation::detail)
                .or_else(|| outcome.detail());
            if let Some(detail) = detail {
                out!("  {detail}");
            }
        }
        ExitCode::from(code)
    }
}

fn target_json(target: &Target) -> serde_json::Value {
    json!({"kind": target.kind, "id": target.id, "name": target.name})
}
