//! `handoff floor`: every queue's figures, most urgent first, for a script (`--json`) or a wall
//! screen (`--watch SECS`). The figures are the console's strip, read the same way: by the read
//! planner, under the reads' ceiling shared with every handoff of the account (and through the
//! team's shared reads in team mode), so a wall screen beside a console does not spend the
//! account's calls twice.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local, Utc};
use clap::Args;
use serde_json::json;
use tokio::sync::mpsc;

use super::output::{err, finish, out, out_json, out_raw};
use super::setup::{Callbacks, Setup};
use super::{EXIT_BAD_INPUT, EXIT_PLATFORM_FAILED, GlobalArgs};
use crate::config::FloorThresholds;
use crate::directory::{FloorNumbers, FloorUpdate, Held, PlanSettings, QueueFigure, queue_figures};
use crate::ids::ConversationStatus;
use crate::platform::ConversationList;
use crate::roster::Roster;
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::words::short_duration;

/// How often `--watch` may print: as often as a console refreshes at most, and at least hourly.
const WATCH_RANGE: (u64, u64) = (5, 3_600);

#[derive(Debug, Args)]
pub struct FloorArgs {
    /// One JSON object a reading, instead of a table
    #[arg(long)]
    json: bool,
    /// Read again and print every SECS seconds (5 to 3600) until Ctrl-c, for a wall screen
    #[arg(long, value_name = "SECS")]
    watch: Option<u64>,
}

pub async fn run(global: &GlobalArgs, args: FloorArgs) -> ExitCode {
    finish(floor(global, args).await)
}

/// What has been read so far.
#[derive(Default)]
struct Reading {
    list: Option<ConversationList>,
    list_at: Option<DateTime<Utc>>,
    numbers: Option<FloorNumbers>,
    /// The queue numbers were read, or found unreadable.
    numbers_read: bool,
    held: Option<Held>,
}

async fn floor(global: &GlobalArgs, args: FloorArgs) -> Result<(), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    let every = args
        .watch
        .map(|secs| {
            let (low, high) = WATCH_RANGE;
            (low..=high)
                .contains(&secs)
                .then(|| Duration::from_secs(secs))
                .ok_or_else(|| {
                    format!("--watch: expected seconds from {low} to {high}, found {secs}")
                })
        })
        .transpose()
        .map_err(bad_input)?;
    let setup = Setup::prepare(global, Callbacks::Ignore)
        .await
        .map_err(|e| bad_input(e.to_string()))?;
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let (updates, mut received) = mpsc::channel(8);
    // Only the waiting conversations: the figures need no others.
    let _planner = setup.reads.plan(
        setup.roster.clone(),
        PlanSettings {
            refresh: every.unwrap_or(setup.settings.conversations_refresh),
            statuses: vec![ConversationStatus::Open, ConversationStatus::Overdue],
        },
        updates,
    );
    let thresholds = &setup.settings.floor;
    let mut reading = Reading::default();
    let mut next_print = tokio::time::Instant::now();
    loop {
        let update = match every {
            Some(_) if reading.list.is_some() && reading.numbers_read => {
                tokio::select! {
                    update = received.recv() => update,
                    () = tokio::time::sleep_until(next_print) => {
                        print(&reading, &setup.roster, thresholds, args.json);
                        next_print += every.unwrap_or_default();
                        continue;
                    }
                }
            }
            _ => received.recv().await,
        };
        let Some(update) = update else {
            return Err((EXIT_PLATFORM_FAILED, "the reads stopped".into()));
        };
        match update {
            FloorUpdate::Conversations(Ok(list), teammate) => {
                reading.list_at = Some(teammate.map_or_else(Utc::now, |read| read.at));
                reading.list = Some(list);
            }
            FloorUpdate::Conversations(Err(error), _) => {
                if every.is_none() || reading.list.is_none() {
                    return Err((EXIT_PLATFORM_FAILED, error.to_string()));
                }
                err!(
                    "warning: the list could not be read again ({error}); the figures are from the last read"
                );
            }
            FloorUpdate::QueueNumbers(Ok(numbers)) => {
                reading.numbers = Some(numbers);
                reading.numbers_read = true;
            }
            FloorUpdate::QueueNumbers(Err(why)) => {
                if !reading.numbers_read {
                    err!("note: {why}");
                }
                reading.numbers_read = true;
            }
            FloorUpdate::Held(held) => reading.held = held,
            FloorUpdate::Availability(_) | FloorUpdate::Note(_) => {}
        }
        if every.is_none() && reading.list.is_some() && reading.numbers_read {
            print(&reading, &setup.roster, thresholds, args.json);
            return Ok(());
        }
    }
}

fn print(reading: &Reading, roster: &Roster, thresholds: &FloorThresholds, json: bool) {
    let now = SystemTime::now();
    let conversations = reading
        .list
        .as_ref()
        .map_or(&[][..], |list| list.conversations.as_slice());
    let figures = queue_figures(
        reading.numbers.as_ref(),
        conversations,
        reading.list_at,
        roster,
        thresholds,
        now,
    );
    if json {
        out_json!(json!({
            "at": DateTime::<Utc>::from(now).to_rfc3339(),
            "list_read_at": reading.list_at.map(|at| at.to_rfc3339()),
            "numbers_read_at": reading.numbers.as_ref().map(|n| n.at.to_rfc3339()),
            "numbers_since": reading.numbers.as_ref().map(|n| n.since.to_rfc3339()),
            "list_every_secs": reading.held.map(|held| held.every.as_secs()),
            "queues": figures,
        }));
        return;
    }
    out!("{}", heading(reading));
    if figures.is_empty() {
        out!("no queues with conversations waiting");
        return;
    }
    let mut table = String::new();
    for figure in &figures {
        table.push_str(&queue_line(figure));
        table.push('\n');
    }
    out_raw!("{table}");
}

/// "Queues at 14:03:10 · SLA and abandoned since 00:00 · list read 12s before, held to 12
/// calls a minute".
fn heading(reading: &Reading) -> String {
    let now = Utc::now();
    let age = |at: DateTime<Utc>| short_duration((now - at).num_seconds().max(0).unsigned_abs());
    let mut words = format!("Queues at {}", now.with_timezone(&Local).format("%H:%M:%S"));
    if let Some(numbers) = &reading.numbers {
        words.push_str(&format!(
            " · SLA and abandoned since {} · numbers read {} before",
            numbers.since.with_timezone(&Local).format("%H:%M"),
            age(numbers.at)
        ));
    }
    if let Some(at) = reading.list_at {
        words.push_str(&format!(" · list read {} before", age(at)));
    }
    if let Some(held) = reading.held {
        words.push_str(&format!(
            ", read every {} (reads held to {}/min)",
            short_duration(held.every.as_secs()),
            held.calls_per_minute
        ));
    }
    words
}

fn queue_line(figure: &QueueFigure) -> String {
    let mut words = format!(
        "{} {:<20} {:>4} waiting {:>4} overdue",
        if figure.over() { "▲" } else { " " },
        cut(&figure.name, NAME_CHARS.min(20)),
        figure.waiting,
        figure.overdue
    );
    if let Some(wait) = figure.longest_wait {
        words.push_str(&format!("  longest {:>6}", short_duration(wait.as_secs())));
        if figure.wait_long {
            words.push_str(&format!(
                " (over {})",
                short_duration(figure.max_wait.as_secs())
            ));
        }
    }
    if let Some(sla) = figure.sla_percent {
        words.push_str(&format!("  SLA {sla:.0}%"));
        if figure.sla_low {
            words.push_str(" (under target)");
        }
    }
    if let Some(abandoned) = figure.abandoned {
        words.push_str(&format!("  {abandoned} abandoned"));
    }
    if let Some(agents) = figure.agents {
        let count = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        words.push_str(&format!(
            "  agents {} free {} busy {} away {} off",
            count(agents.available),
            count(agents.busy),
            count(agents.away),
            count(agents.offline)
        ));
    }
    words
}
