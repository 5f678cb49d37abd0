//! `handoff log`: the shift's transfers from the audit file, to read or to hand over as JSON or
//! CSV.

use std::process::ExitCode;

use chrono::{Local, Utc};
use clap::Args;
use serde_json::json;

use super::output::{out, out_raw};
use super::setup::Setup;
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::transfer::{TransferRecord, read_since};

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
}

pub fn run(global: &GlobalArgs, args: LogArgs) -> ExitCode {
    let data_dir = match Setup::data_dir_for_history(global) {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let records = match read_since(&data_dir, Utc::now() - args.since) {
        Ok(records) => records,
        Err(error) => {
            eprintln!(
                "error: cannot read the audit file in {}: {error}",
                data_dir.display()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if args.json {
        let rows: Vec<_> = records.iter().map(as_json).collect();
        out!("{}", serde_json::Value::Array(rows));
    } else if args.csv {
        out_raw!("{}", as_csv(&records));
    } else {
        out_raw!("{}", as_text(&records));
    }
    ExitCode::SUCCESS
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

fn ms(duration: Option<chrono::Duration>) -> Option<i64> {
    duration.map(|d| d.num_milliseconds())
}

fn as_json(record: &TransferRecord) -> serde_json::Value {
    json!({
        "transfer": record.transfer,
        "started_at": record.intent_at,
        "session": record.session,
        "target": {"kind": record.target_kind, "id": record.target_id, "name": record.target_name},
        "state": record.state(),
        "reason": record.reason(),
        "http_status": record.http_status(),
        "message": record.message(),
        "time_to_accept_ms": ms(record.time_to_accept()),
        "time_to_confirm_ms": ms(record.time_to_confirm()),
        "note": record.note,
        "callback": record.confirmation.as_ref().and_then(|c| c.payload()),
    })
}

const CSV_COLUMNS: [&str; 13] = [
    "started_at",
    "transfer",
    "session",
    "target_kind",
    "target_id",
    "target_name",
    "state",
    "reason",
    "http_status",
    "message",
    "time_to_accept_ms",
    "time_to_confirm_ms",
    "note",
];

fn as_csv(records: &[TransferRecord]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let text = |value: Option<String>| value.unwrap_or_default();
    writer
        .write_record(CSV_COLUMNS)
        .expect("writing to memory cannot fail");
    for record in records {
        writer
            .write_record([
                record.intent_at.to_rfc3339(),
                record.transfer.clone(),
                record.session.clone(),
                record.target_kind.label().to_owned(),
                record.target_id.clone(),
                record.target_name.clone(),
                record.state().to_owned(),
                text(record.reason().map(|r| r.words().to_owned())),
                text(record.http_status().map(|s| s.to_string())),
                text(record.message()),
                text(ms(record.time_to_accept()).map(|v| v.to_string())),
                text(ms(record.time_to_confirm()).map(|v| v.to_string())),
                text(record.note.clone()),
            ])
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("CSV of UTF-8 strings is UTF-8")
}

fn as_text(records: &[TransferRecord]) -> String {
    if records.is_empty() {
        return "no transfers in that time\n".to_owned();
    }
    let mut out = String::new();
    for record in records {
        out.push_str(&format!(
            "{}  {:<16} {}… → {} {}\n",
            record
                .intent_at
                .with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S"),
            record.state(),
            &record.session[..record.session.len().min(8)],
            record.target_kind,
            record.target_name,
        ));
        if let (Some(reason), Some(message)) = (record.reason(), record.message()) {
            out.push_str(&format!("      {}: {message}\n", reason.words()));
        }
        if let Some(note) = &record.note {
            out.push_str(&format!("      note: {note}\n"));
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
