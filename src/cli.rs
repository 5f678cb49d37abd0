//! The command line: `handoff` opens the console; `handoff transfer` does one transfer for a
//! script; `handoff conversations` lists what could be moved; `handoff simulate` serves the
//! built-in simulator for trying things by hand.

mod bulk;
mod callbacks;
mod config_file;
mod conversations;
mod doctor;
mod floor;
mod log;
mod output;
mod printer;
mod reference;
mod relay;
mod roster;
mod setup;
mod simulate;
mod team;
mod transfer;
mod transfer_args;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Local, Utc};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{default_config_path, default_data_dir};
use crate::diagnostics;
use crate::transfer::{
    AUDIT_FILE_NAME, CALLBACK_HORIZON, Ledger, TransferEngine, TransferId, read_since,
};
use crate::tui::{self, Console, Notice};
use config_file::ConfigSource;
use output::err;
use setup::{Callbacks, Setup, SetupError};

/// Exit code for bad input or config: nothing was sent.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a command that reads from the platform, when it could not be asked or refused.
const EXIT_PLATFORM_FAILED: u8 = 1;

/// What `--version` prints after the name: "0.1.0 (commit abc1234)", or "(unknown commit)"
/// when built outside a git checkout (build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("HANDOFF_COMMIT_WORDS"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "handoff",
    version = VERSION,
    about = "Move live Kore.ai bot conversations to the right agent or queue, from the terminal.",
    long_about = "Move live Kore.ai bot conversations to the right agent or queue, from the terminal.\n\n\
        Without a command, handoff opens the console. Exit codes: 0 quit; 1 the terminal failed; \
        2 bad input or config; 129 the terminal hung up (SIGHUP); 143 stopped by SIGTERM.",
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
    /// Config file [default: ~/.config/handoff/config.toml on Linux, ~/Library/Application
    /// Support/handoff/config.toml on macOS]
    #[arg(long, global = true, env = "HANDOFF_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Where `config` came from, set after parsing.
    #[arg(skip)]
    pub config_from: ConfigSource,
    /// Folder for the roster and the audit log [default: ~/.local/share/handoff on Linux,
    /// ~/Library/Application Support/handoff on macOS]
    #[arg(long, global = true, env = "HANDOFF_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run against the built-in simulator with a demo roster and a throwaway data folder
    #[arg(long, global = true)]
    pub demo: bool,
    /// Write diagnostics for a bug report to this file (HANDOFF_LOG sets how much; debug when
    /// unset) [default with HANDOFF_LOG set: handoff.log in the data folder]
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// With --demo or `simulate`: work as a team through this Redis (redis://host:port),
    /// sharing the demo account's budget, claims and activity, as a team's consoles do through
    /// `[team]` in the config
    #[arg(long, global = true, value_name = "URL")]
    pub redis: Option<String>,
    /// With --redis: how teammates see you
    #[arg(long, global = true, value_name = "NAME", requires = "redis")]
    pub name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Transfer one conversation and print the outcome
    ///
    /// Exit codes: 0 accepted (with --wait: confirmed); 1 certainly not transferred (a 4xx
    /// answer, no connection, or a failure callback); 2 bad input or config, nothing sent;
    /// 3 outcome unknown (a timeout, a dropped connection or a 5xx after the request went out,
    /// or no callback in time): check the conversation before retrying.
    Transfer(transfer_args::TransferArgs),
    /// Serve the built-in platform simulator on loopback until Ctrl-c
    Simulate(simulate::SimulateArgs),
    /// List, add, remove, import and export the agents and queues you transfer to
    Roster(roster::RosterArgs),
    /// Print the shift's transfers from the audit file, or export them for a handover
    Log(log::LogArgs),
    /// List the account's conversations, those waiting longest first
    ///
    /// Needs the "SmartAssist Analytics" API scope. Exit codes: 0 listed; 1 the platform failed
    /// or refused (a missing scope is named); 2 bad input or config.
    Conversations(conversations::ConversationsArgs),
    /// Every queue's figures, most urgent first: waiting, overdue, longest wait, SLA,
    /// abandoned and agents
    ///
    /// Read under the reads' ceiling ([reads] share) that the console keeps to, so a wall
    /// screen beside consoles costs the account nothing more. Exit codes: 0 printed; 1 the
    /// platform failed or refused; 2 bad input or config.
    Floor(floor::FloorArgs),
    /// Check that callbacks posted to [callback] url reach this console
    Callbacks(callbacks::CallbacksArgs),
    /// Take the team's callbacks at one public URL and pass them to every console through Redis
    ///
    /// Headless, until SIGTERM or Ctrl-c. Reads [platform] account_id, [team] and [relay] from
    /// the config (no [auth]); consoles with [callback] via = "team" read what it takes. Exit
    /// codes: 0 stopped when asked; 1 a fault after it started; 2 bad config.
    Relay(relay::RelayArgs),
    /// Check what a working console needs, in order, one line each with what to do
    ///
    /// The config (and who may read it), the credentials (one read), the clock against the
    /// platform's, the API scopes each feature needs, the callback path, the team's Redis and the
    /// data folder; what is not configured is skipped. With --demo, against the built-in
    /// simulator. Exit codes: 0 every configured check passed (warnings allowed); 1 a check
    /// failed; 2 bad arguments.
    Doctor(doctor::DoctorArgs),
    /// Write a starting config, or say where handoff looks for one
    Config(config_file::ConfigArgs),
    /// Print the completion script for a shell
    ///
    /// bash: handoff completions bash > ~/.local/share/bash-completion/completions/handoff;
    /// zsh: handoff completions zsh > ~/.zfunc/_handoff (with ~/.zfunc in fpath); fish:
    /// handoff completions fish > ~/.config/fish/completions/handoff.fish.
    Completions(reference::CompletionsArgs),
    /// Print the manual page (roff): handoff man > handoff.1, or handoff man | man -l -
    Man,
}

/// The command line's definition. With `for_this_user`, the help of --config and --data-dir
/// names the places this user's handoff reads by default; without, the generic places, as the
/// man page and the completion scripts (written once, for everyone) say them.
pub fn command(for_this_user: bool) -> clap::Command {
    let command = Cli::command();
    if !for_this_user {
        return command;
    }
    let place = |path: Option<PathBuf>| {
        path.map_or_else(
            || "none: no home folder found".to_owned(),
            |path| path.display().to_string(),
        )
    };
    command
        .mut_arg("config", |arg| {
            arg.help(format!(
                "Config file [default: {}] (`handoff config path` says which is used)",
                place(default_config_path())
            ))
        })
        .mut_arg("data_dir", |arg| {
            arg.help(format!(
                "Folder for the roster and the audit log [default: {}]",
                place(default_data_dir())
            ))
        })
}

/// The command line as given, with where --config came from.
fn parse() -> Cli {
    let matches = command(true).get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    cli.global.config_from = match matches.value_source("config") {
        Some(clap::parser::ValueSource::CommandLine) => ConfigSource::Flag,
        Some(clap::parser::ValueSource::EnvVariable) => ConfigSource::Environment,
        _ => ConfigSource::Default,
    };
    cli
}

/// The commands that read and write only local files, and need neither diagnostics nor the
/// async runtime; `None` for the others.
fn run_local(global: &GlobalArgs, command: &Command) -> Option<ExitCode> {
    match command {
        Command::Config(args) => Some(config_file::run(global, args)),
        Command::Completions(args) => Some(reference::completions(args, command_for_everyone())),
        Command::Man => Some(reference::man(command_for_everyone())),
        _ => None,
    }
}

/// The definition as the completion scripts and the man page give it.
fn command_for_everyone() -> clap::Command {
    command(false)
}

/// Parses the command line and runs it; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = parse();
    if let Some(code) = cli
        .command
        .as_ref()
        .and_then(|command| run_local(&cli.global, command))
    {
        return code;
    }
    let data_dir = cli.global.data_dir.clone().or_else(default_data_dir);
    let filter = std::env::var(diagnostics::LOG_ENV).ok();
    let diagnostics = match diagnostics::start(
        filter.as_deref(),
        cli.global.log_file.as_deref(),
        data_dir.as_deref(),
    ) {
        Ok(path) => path,
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            err!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    runtime.block_on(run(cli, diagnostics))
}

async fn run(cli: Cli, diagnostics: Option<PathBuf>) -> ExitCode {
    let simulating = matches!(cli.command, Some(Command::Simulate(_)));
    if cli.global.redis.is_some() && !cli.global.demo && !simulating {
        err!(
            "error: --redis works with --demo or `simulate`; with a config of your own, the team's Redis is [team] redis_url in it"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    match cli.command {
        Some(Command::Transfer(args)) => transfer::run(&cli.global, args).await,
        Some(Command::Simulate(args)) => simulate::run(args, cli.global.redis.as_deref()).await,
        Some(Command::Roster(args)) => roster::run(&cli.global, args).await,
        Some(Command::Log(args)) => log::run(&cli.global, args).await,
        Some(Command::Conversations(args)) => conversations::run(&cli.global, args).await,
        Some(Command::Floor(args)) => floor::run(&cli.global, args).await,
        Some(Command::Callbacks(args)) => callbacks::run(&cli.global, args).await,
        Some(Command::Relay(args)) => relay::run(&cli.global, args).await,
        Some(command @ (Command::Config(_) | Command::Completions(_) | Command::Man)) => {
            run_local(&cli.global, &command).unwrap_or(ExitCode::FAILURE)
        }
        Some(Command::Doctor(args)) => doctor::run(&cli.global, args).await,
        None => console(&cli.global, diagnostics).await,
    }
}

async fn console(global: &GlobalArgs, diagnostics: Option<PathBuf>) -> ExitCode {
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
    if let Some(path) = diagnostics {
        notices.push(Notice::Info(format!("diagnostics: {}", path.display())));
    }
    // Without a receiver in this run, nobody will hear the callbacks earlier runs waited for.
    let confirm_within = match setup.callbacks {
        Some(_) => setup.settings.confirm_within,
        None => Duration::ZERO,
    };
    let (ledger, still_waiting) = restore_ledger(&setup.engine, confirm_within, |warning| {
        notices.push(Notice::Warning(warning));
    });
    let shift_start = Utc::now() - SHIFT;
    let history: Vec<_> = ledger
        .records()
        .filter(|r| r.intent_at >= shift_start)
        .map(|r| (r.intent_at.with_timezone(&Local), r.id()))
        .collect();
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
        ledger,
        history,
        still_waiting,
        callbacks: setup.callbacks,
        settings: setup.settings,
        keys: setup.keys,
        engine: setup.engine,
        reads: setup.reads,
        budget: setup.budget,
        team: setup.team,
        banner: setup.banner,
        who: setup.who,
        notices,
    };
    match tui::run(console).await {
        Ok(ending) => ExitCode::from(ending.exit_code()),
        Err(error) => {
            err!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// How far back the console's log starts: a long shift.
const SHIFT: chrono::Duration = chrono::Duration::hours(12);

/// The day's transfers from the audit file of `engine`'s data folder, for matching callbacks
/// that arrive late and deciding what not to send twice; `engine` then looks up only what other
/// runs write after what was read. Accepted transfers whose time for a callback
/// (`confirm_within`) ran out while no handoff listened are unconfirmed; those still within it
/// are returned with the time left. Damage in the file, or a file that cannot be read, is said
/// through `warn` and never stops anything.
pub(crate) fn restore_ledger(
    engine: &TransferEngine,
    confirm_within: Duration,
    mut warn: impl FnMut(String),
) -> (Ledger, Vec<(TransferId, Duration)>) {
    let data_dir = engine.data_dir();
    let history = match read_since(data_dir, Utc::now() - CALLBACK_HORIZON) {
        Ok(history) => {
            engine.read_audit_up_to(history.read_up_to);
            history
        }
        Err(error) => {
            warn(format!(
                "cannot read the audit file {}: {error}; earlier transfers are not shown",
                data_dir.join(AUDIT_FILE_NAME).display()
            ));
            Default::default()
        }
    };
    if let Some(warning) = history.damage_warning(&data_dir.join(AUDIT_FILE_NAME)) {
        warn(warning);
    }
    let mut ledger = Ledger::default();
    ledger.merge_new(history.records);
    let still_waiting = ledger.settle_restored(confirm_within, Utc::now());
    (ledger, still_waiting)
}

fn report_setup_error(error: &SetupError) -> ExitCode {
    err!("error: {error}");
    ExitCode::from(EXIT_BAD_INPUT)
}
