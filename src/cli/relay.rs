//! `handoff relay`: the team's callback relay, run headless until SIGTERM or Ctrl-c, and
//! `handoff relay rotate-token`, which replaces the team's callback token.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::output::{err, out};
use super::setup::{RelaySetup, SetupError};
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::relay::team_token;
use crate::team::{Health, Link};

#[derive(Debug, Args)]
pub struct RelayArgs {
    #[command(subcommand)]
    command: Option<RelayCommand>,
}

#[derive(Debug, Subcommand)]
enum RelayCommand {
    /// Replace the team's callback token; the old one is still accepted for 24 hours
    ///
    /// Consoles take the new token when they next start; transfers they sent with the old one
    /// are still confirmed for a day.
    RotateToken,
}

/// Exit code when the relay stopped on a fault after it started, or Redis could not be reached.
const EXIT_FAILED: u8 = 1;

pub async fn run(global: &GlobalArgs, args: RelayArgs) -> ExitCode {
    let setup = match RelaySetup::prepare(global) {
        Ok(setup) => setup,
        Err(error) => return refused(&error),
    };
    match args.command {
        Some(RelayCommand::RotateToken) => rotate(&setup).await,
        None => serve(&setup).await,
    }
}

fn refused(error: &SetupError) -> ExitCode {
    err!("error: {error}");
    ExitCode::from(EXIT_BAD_INPUT)
}

async fn serve(setup: &RelaySetup) -> ExitCode {
    if setup.config.holds_auth {
        err!(
            "note: {} holds [auth]; the relay never uses it, and a client secret is better kept off a public host",
            setup.config_path.display()
        );
    }
    // Both signals are taken now, not once the relay is up: one that comes while it starts then
    // stops it cleanly, instead of ending the process on the signal's default.
    let stop = match stop_signals() {
        Ok(stop) => stop,
        Err(error) => {
            err!("error: cannot listen for SIGTERM and Ctrl-c: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let ran = crate::relay::run(
        &setup.config,
        &setup.data_dir,
        |addr| out!("listening on {addr}"),
        stop,
    )
    .await;
    match ran {
        Ok(()) => {
            err!("relay: stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            err!("error: {error}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Resolves on SIGTERM (systemd's stop) or SIGINT (Ctrl-c).
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

async fn rotate(setup: &RelaySetup) -> ExitCode {
    let link = match Link::new(&setup.config.team) {
        Ok(link) => link,
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match team_token::rotate(&link, &setup.config.account_id).await {
        Ok(()) => {
            out!(
                "the team's callback token is replaced; the old one is accepted for 24 hours more. Restart the consoles within the day so their transfers carry the new one."
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            err!("error: {error}");
            if let Health::Away(why) = link.health() {
                err!("  {why}");
            }
            ExitCode::from(EXIT_FAILED)
        }
    }
}
