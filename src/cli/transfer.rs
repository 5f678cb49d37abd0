//! `handoff transfer`: one transfer from a script, with the same engine as the console.

use std::process::ExitCode;

use clap::{ArgGroup, Args};
use serde_json::json;
use tokio::sync::mpsc;

use super::setup::Setup;
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::ids::{SessionId, TargetKind};
use crate::roster::Target;
use crate::transfer::{Outcome, Progress, TransferId, TransferRequest, TransferUpdate};

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
    let (kind, query) = match (&args.agent, &args.queue) {
        (Some(agent), _) => (TargetKind::Agent, agent),
        (None, Some(queue)) => (TargetKind::Queue, queue),
        (None, None) => unreachable!("clap requires --agent or --queue"),
    };
    let setup = match Setup::prepare(global).await {
        Ok(setup) => setup,
        Err(error) => return printer.bad_input(&error.to_string()),
    };
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
                Progress::Sending | Progress::Finished(_) => {}
            }
        }
    });
    let result = setup.engine.run(&request, &updates).await;
    drop(updates);
    let _ = progress.await;
    match result {
        Ok(outcome) => printer.outcome(&request, &outcome, &setup),
        Err(error) => printer.bad_input(&format!("not sent: {error}")),
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
            println!(
                "{}",
                json!({"outcome": "not_sent", "exit_code": EXIT_BAD_INPUT, "message": message})
            );
        } else {
            eprintln!("error: {message}");
            eprintln!("nothing was sent");
        }
        ExitCode::from(EXIT_BAD_INPUT)
    }

    fn outcome(&self, request: &TransferRequest, outcome: &Outcome, setup: &Setup) -> ExitCode {
        let code = outcome.exit_code();
        if self.json {
            let mut object = serde_json::to_value(outcome).expect("outcomes serialize");
            let extra = json!({
                "exit_code": code,
                "transfer_id": request.id,
                "session": request.session.as_str(),
                "target": target_json(&request.target),
                "audit_file": setup.engine.audit_path(),
            });
            if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
                object.extend(extra.clone());
            }
            println!("{object}");
        } else {
            println!(
                "{}: session {} → {}",
                outcome.word(),
                request.session,
                request.target
            );
            if let Some(detail) = outcome.detail() {
                println!("  {detail}");
            }
        }
        ExitCode::from(code)
    }
}

fn target_json(target: &Target) -> serde_json::Value {
    json!({"kind": target.kind, "id": target.id, "name": target.name})
}
