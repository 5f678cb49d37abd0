//! The command line: `handoff` opens the console; `handoff transfer` does one transfer for a
//! script; `handoff simulate` serves the built-in simulator for trying things by hand.

mod roster;
mod setup;
mod simulate;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Args, Parser, Subcommand};

use crate::tui::log::Notice;
use crate::tui::{self, Console};
use setup::{Setup, SetupError};

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
        None => console(&cli.global).await,
    }
}

async fn console(global: &GlobalArgs) -> ExitCode {
    let setup = match Setup::prepare(global).await {
        Ok(setup) => setup,
        Err(error) => return report_setup_error(&error),
    };
    let mut notices: Vec<Notice> = setup.notes.into_iter().map(Notice::Info).collect();
    notices.extend(setup.warnings.into_iter().map(Notice::Warning));
    notices.push(Notice::Info(format!(
        "audit file: {}",
        setup.engine.audit_path().display()
    )));
    // `setup` keeps the demo simulator alive until the console closes.
    let console = Console {
        roster: setup.roster,
        store: Arc::new(Mutex::new(setup.store)),
        recent: setup.recent,
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

fn report_setup_error(error: &SetupError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(EXIT_BAD_INPUT)
}
