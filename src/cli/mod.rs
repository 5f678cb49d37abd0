//! The command line: `handoff` opens the console; `handoff transfer` does one transfer for a
//! script; `handoff simulate` serves the built-in simulator for trying things by hand.

mod log;
mod output;
mod roster;
mod setup;
mod simulate;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Args, Parser, Subcommand};

use crate::roster::Target;
use crate::transfer::read_since;
use crate::tui::log::{Notice, TransferEntry};
use crate::tui::{self, Console};
use setup::{Callbacks, Setup, SetupError};

/// Exit code for bad input or config: nothing was sent.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "handoff",
    version,
    about = "Move live Kore.ai bot conversations to the right agent or queue, from the terminal.",
    after_help = "Try it without credentials: handoff --demo"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: the platform's config folder, …/handoff/config.toml]
    #[arg(long, global = true, env = "HANDOFF_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Folder for the roster and the audit log [default: the platform's data folder]
    #[arg(long, global = true, env = "HANDOFF_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run against the built-in simulator with a demo roster and a throwaway data folder
    #[arg(long, global = true)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Transfer one conversation and print the outcome
    ///
    /// Exit codes: 0 transferred; 1 the platform refused or failed it; 2 bad input or config,
    /// nothing sent; 3 outcome unknown (e.g. a timeout after the request went out).
    Transfer(transfer::TransferArgs),
    /// Serve the built-in platform simulator on loopback until Ctrl-c
    Simulate(simulate::SimulateArgs),
    /// List, add, remove, import and export the agents and queues you transfer to
    Roster(roster::RosterArgs),
    /// Print the shift's transfers from the audit file, or export them for a handover
    Log(log::LogArgs),
}

/// Parses the command line and runs it; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Transfer(args)) => transfer::run(&cli.global, args).await,
        Some(Command::Simulate(args)) => simulate::run(args).await,
        Some(Command::Roster(args)) => roster::run(&cli.global, args).await,
        Some(Command::Log(args)) => log::run(&cli.global, args),
        None => console(&cli.global).await,
    }
}

async fn console(global: &GlobalArgs) -> ExitCode {
    let setup = match Setup::prepare(global, Callbacks::Receive).await {
        Ok(setup) => setup,
        Err(error) => return report_setup_error(&error),
    };
    let mut notices: Vec<Notice> = setup.notes.into_iter().map(Notice::Info).collect();
    notices.extend(setup.warnings.into_iter().map(Notice::Warning));
    notices.push(Notice::Info(format!(
        "audit file: {}",
        setup.engine.audit_path().display()
    )));
    let history = shift_history(&setup.data_dir);
    if !history.is_empty() {
        notices.push(Notice::Info(format!(
            "{} earlier transfers of this shift (the last {} hours) from the audit file",
            history.len(),
            SHIFT.num_hours()
        )));
    }
    if setup.callbacks.is_none() {
        notices.push(Notice::Info(
            "no callback receiver: set [callback] listen to see the platform confirm each transfer"
                .into(),
        ));
    }
    // `setup` keeps the demo simulator and the receiver alive until the console closes.
    let console = Console {
        roster: setup.roster,
        store: Arc::new(Mutex::new(setup.store)),
        recent: setup.recent,
        history,
        callbacks: setup.callbacks,
        confirm_within: setup.confirm_within,
        engine: setup.engine,
        banner: setup.banner,
        notices,
    };
    match tui::run(console).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// How far back the console's log starts: a long shift.
const SHIFT: chrono::Duration = chrono::Duration::hours(12);

/// The shift's earlier transfers, as log entries at the time each began. An unreadable audit
/// file only means an empty history: the console must still open.
fn shift_history(
    data_dir: &std::path::Path,
) -> Vec<(chrono::DateTime<chrono::Local>, TransferEntry)> {
    let since = chrono::Utc::now() - SHIFT;
    read_since(data_dir, since)
        .unwrap_or_default()
        .iter()
        .filter_map(|record| {
            let target = Target::new(record.target_kind, &record.target_id, &record.target_name);
            let entry = TransferEntry::restored(record, target)?;
            Some((record.intent_at.with_timezone(&chrono::Local), entry))
        })
        .collect()
}

fn report_setup_error(error: &SetupError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(EXIT_BAD_INPUT)
}
