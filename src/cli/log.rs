//! `handoff log`: the shift's transfers from the audit file, to read or to hand over as JSON or
//! CSV. Damaged lines in the file are skipped and named on stderr; they never stop the report.
//! With `--team`, the whole team's transfers from its activity stream in Redis instead, each
//! with the name of the supervisor who moved it.

mod team;

use std::process::ExitCode;

use chrono::{Local, Utc};
use clap::Args;
use serde_json::json;

use super::output::{err, out_json, out_raw};
use super::setup::Setup;
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::{AUDIT_FILE_NAME, ReportRow, read_since, shift_csv};

#[derive(Debug, Args)]
pub struct LogArgs {
    /// How far back: a number and a unit (s, m, h or d), e.g. 90m, 8h, 2d
    #[arg(long, value_name = "DURATION", default_value = "12h", value_parser = parse_duration)]
    since: chrono::Duration,
    /// One JSON array of transfers
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV with a header line, for a spreadsheet
    #[arg(long)]
    csv: bool,
    /// The whole team's transfers, from the activity stream in the team's Redis ([team])
    #[arg(long)]
    team: bool,
}

pub async fn run(global: &GlobalArgs, args: LogArgs) -> ExitCode {
    if args.team {
        return team::run(global, &args).await;
    }
    let (data_dir, confirm_within) = match Setup::for_history(global) {
        Ok(found) => found,
        Err(error) => {
            err!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let now = Utc::now();
    let history = match read_since(&data_dir, now - args.since) {
        Ok(history) => history,
        Err(error) => {
            err!(
                "error: cannot read the audit file {}: {error}",
                data_dir.join(AUDIT_FILE_NAME).display()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Some(warning) = history.damage_warning(&data_dir.join(AUDIT_FILE_NAME)) {
        err!("warning: {warning}");
    }
    if history.unmatched_callbacks > 0 {
        err!(
            "note: {} callback(s) in that time matched no transfer (kept in the audit file as unmatched_callback)",
            history.unmatched_callbacks
        );
    }
    let mut records = history.records;
    for record in &mut records {
        record.expire_if_unheard(confirm_within, now);
    }
    let rows: Vec<ReportRow> = records
        .iter()
        .map(|record| ReportRow { by: None, record })
        .collect();
    print(&args, &rows);
    ExitCode::SUCCESS
}

fn print(args: &LogArgs, rows: &[ReportRow]) {
    if args.json {
        out_json!(serde_json::Value::Array(rows.iter().map(as_json).collect()));
    } else if args.csv {
        out_raw!("{}", shift_csv(rows, args.team));
    } else {
        out_raw!("{}", as_text(rows));
    }
}

/// "90m", "8h", "2d", "45s".
fn parse_duration(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?}: add a unit: s, m, h or d (e.g. 8h)"))?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, e.g. 8h"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?}; use s, m, h or d"
            ));
        }
    };
    number
        .checked_mul(seconds)
        .and_then(chrono::Duration::try_seconds)
        .ok_or_else(|| format!("{text:?}: too long"))
}

fn ms(duration: Option<std::time::Duration>) -> Option<u128> {
    duration.map(|d| d.as_millis())
}

fn as_json(row: &ReportRow) -> serde_json::Value {
    let record = row.record;
    let request = &record.request;
    let mut value = json!({
        "transfer": request.id,
        "started_at": record.intent_at,
        "session": request.session.as_str(),
        "target": {"kind": request.target.kind, "id": request.target.id, "name": request.target.name},
        "state": record.state().word(),
        "exit_code": record.state().exit_code(),
        "reason": record.reason(),
        "http_status": record.http_status(),
        "message": record.message(),
        "detail": record.detail(),
        "time_to_accept_ms": ms(record.time_to_accept()),
        "time_to_confirm_ms": ms(record.time_to_confirm()),
        "note": request.note,
        "callback": record.confirmation.as_ref().and_then(|c| c.payload()),
        "conflicting_callbacks": record.conflicts.len(),
    });
    if let Some(by) = row.by {
        value["by"] = json!(by);
    }
    value
}

/// One transfer a line (its detail and note beneath), with who moved it in the team's report.
/// Names and notes are cut as they would be on screen; the detail's words from the platform
/// were cut as they came in.
fn as_text(rows: &[ReportRow]) -> String {
    if rows.is_empty() {
        return "no transfers in that time\n".to_owned();
    }
    let mut out = String::new();
    for row in rows {
        let record = row.record;
        let state = record.state();
        let request = &record.request;
        let by = row
            .by
            .map(|by| format!("{}: ", cut(by, NAME_CHARS)))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  {by}{} {:<12} {} → {}\n",
            record
                .intent_at
                .with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S"),
            state.symbol(),
            state.word(),
            request.session,
            request.target,
        ));
        if let Some(detail) = record.detail() {
            out.push_str(&format!("      {detail}\n"));
        }
        if let Some(note) = &request.note {
            out.push_str(&format!("      note: {}\n", cut(note, MESSAGE_CHARS)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(
            parse_duration("90m").unwrap(),
            chrono::Duration::minutes(90)
        );
        assert_eq!(parse_duration("2d").unwrap(), chrono::Duration::days(2));
        assert!(parse_duration("8").unwrap_err().contains("add a unit"));
        assert!(parse_duration("8w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("h").is_err());
    }
}
