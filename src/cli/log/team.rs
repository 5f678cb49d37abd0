//! `handoff log --team`: the team's transfers from the activity stream in Redis, each marked
//! with who moved it.

use std::collections::HashMap;
use std::process::ExitCode;

use chrono::{Local, TimeZone, Utc};

use super::{LogArgs, print};
use crate::cli::output::err;
use crate::cli::setup::Setup;
use crate::cli::{EXIT_BAD_INPUT, GlobalArgs};
use crate::team::activity::STREAM_MAXLEN;
use crate::team::{Activity, Health, Link, Member};
use crate::transfer::ReportRow;
use crate::transfer::{TeamTransfer, teammates};

/// Redis could not be read: not the user's input, but nothing to report either.
const EXIT_UNREACHABLE: u8 = 1;

pub(super) async fn run(global: &GlobalArgs, args: &LogArgs) -> ExitCode {
    let (team, account) = match Setup::for_team_history(global) {
        Ok(found) => found,
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let link = match Link::new(&team) {
        Ok(link) => link,
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    // A reader only: it publishes nothing, so who it is matters to no one.
    let activity = Activity::new(link.clone(), &account, Member::new(&team.name));
    let since = Utc::now() - args.since;
    let unreachable = || {
        let why = match link.health() {
            Health::Away(why) => why,
            Health::Joining | Health::Joined => "Redis did not answer".into(),
        };
        err!("error: cannot read the team's activity: {why}");
        ExitCode::from(EXIT_UNREACHABLE)
    };
    let Some(steps) = activity.since(since.timestamp_millis()).await else {
        return unreachable();
    };
    let Some((held, oldest)) = activity.extent().await else {
        return unreachable();
    };
    if let Some(oldest) =
        oldest.filter(|&oldest| held >= STREAM_MAXLEN && oldest > since.timestamp_millis())
    {
        let from = Local
            .timestamp_millis_opt(oldest)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        err!(
            "note: the team's activity stream keeps the last {STREAM_MAXLEN} steps, from {from}; earlier transfers are in each console's own audit file (`handoff log`)"
        );
    }

    let mut transfers: Vec<TeamTransfer> = Vec::new();
    let mut at: HashMap<crate::transfer::TransferId, usize> = HashMap::new();
    for step in &steps {
        let started = teammates::fold(step, |id| {
            at.get(&id).map(|&index| &mut transfers[index].record)
        });
        // A step published twice (a retry after Redis dropped the connection) starts nothing new.
        if let Some(transfer) = started
            && !at.contains_key(&transfer.record.id())
        {
            at.insert(transfer.record.id(), transfers.len());
            transfers.push(transfer);
        }
    }
    let rows: Vec<ReportRow> = transfers
        .iter()
        .map(|transfer| ReportRow {
            by: Some(&transfer.by),
            record: &transfer.record,
        })
        .collect();
    print(args, &rows);
    ExitCode::SUCCESS
}
