//! A shift's transfers for someone else to read: the CSV `handoff log --csv` prints and the
//! console's hand-over writes, a summary in words for the supervisor who takes over, and the
//! writing of both to the data folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::record::TransferRecord;
use super::state::{Tone, TransferState};
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, csv_cell, cut};

/// One transfer in a report, and who moved it when the report is the team's.
#[derive(Debug, Clone, Copy)]
pub struct ReportRow<'a> {
    pub by: Option<&'a str>,
    pub record: &'a TransferRecord,
}

const CSV_COLUMNS: [&str; 15] = [
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
    "detail",
    "time_to_accept_ms",
    "time_to_confirm_ms",
    "note",
    "conflicting_callbacks",
];

fn ms(duration: Option<std::time::Duration>) -> Option<String> {
    duration.map(|d| d.as_millis().to_string())
}

/// The rows as CSV with a header line. Every cell is guarded: names, notes and the platform's
/// words come from outside, and a spreadsheet must show them, not run them. Names and notes are
/// cut as on screen, since people read the sheet (the platform's words were cut as they came
/// in). The team's report has a last column, `by`.
pub fn shift_csv(rows: &[ReportRow], team: bool) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let name = |value: &str| cut(value, NAME_CHARS).into_owned();
    let note =
        |value: Option<&str>| value.map_or_else(String::new, |v| cut(v, MESSAGE_CHARS).into());
    let by_column = team.then_some("by");
    let _ = writer.write_record(CSV_COLUMNS.iter().copied().chain(by_column));
    for row in rows {
        let record = row.record;
        let request = &record.request;
        let by = team.then(|| name(row.by.unwrap_or_default()));
        let cells = [
            record.intent_at.to_rfc3339(),
            request.id.to_string(),
            request.session.to_string(),
            request.target.kind.label().to_owned(),
            name(&request.target.id),
            name(&request.target.name),
            record.state().word().to_owned(),
            record
                .reason()
                .map(|r| r.words().to_owned())
                .unwrap_or_default(),
            record
                .http_status()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            record.message().map(str::to_owned).unwrap_or_default(),
            record.detail().unwrap_or_default(),
            ms(record.time_to_accept()).unwrap_or_default(),
            ms(record.time_to_confirm()).unwrap_or_default(),
            note(request.note.as_deref()),
            record.conflicts.len().to_string(),
        ];
        let _ = writer.write_record(
            cells
                .iter()
                .chain(&by)
                .map(|cell| csv_cell(cell).into_owned()),
        );
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

/// The states in the order a summary counts them: what went through, then what did not, then
/// what nobody can tell yet.
const STATE_ORDER: [&str; 12] = [
    "confirmed",
    "seen",
    "accepted",
    "failed",
    "not sent",
    "unknown",
    "unconfirmed",
    "unclear",
    "interrupted",
    "sending",
    "waiting",
    "queued",
];

/// Whether the supervisor who takes over must still check where this conversation is: nobody
/// can tell whether it arrived, or it is still on its way.
fn still_to_check(state: TransferState) -> bool {
    matches!(state.tone(), Tone::Doubtful | Tone::Pending)
}

/// What a shift's summary says besides its rows.
#[derive(Clone, Copy)]
pub struct Shift<'a> {
    /// "the console of Priya", "this console": whose transfers these are.
    pub whose: &'a str,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    /// A time as the supervisor reads it ("2026-12-07 15:03"), in their zone.
    pub shown: &'a dyn Fn(DateTime<Utc>) -> String,
}

/// The shift in words, for the supervisor who takes over: how many transfers ended how, which
/// conversations nobody can yet say arrived (with their session and target, to check first),
/// the failed ones, and every note.
pub fn shift_summary(rows: &[ReportRow], shift: Shift) -> String {
    let shown = shift.shown;
    let mut out = format!(
        "Hand-over: {}, from {} to {}\n",
        shift.whose,
        shown(shift.started),
        shown(shift.ended)
    );
    let counts: Vec<String> = STATE_ORDER
        .iter()
        .filter_map(|&word| {
            let count = rows
                .iter()
                .filter(|row| row.record.state().word() == word)
                .count();
            (count > 0).then(|| format!("{count} {word}"))
        })
        .collect();
    let total = match rows.len() {
        1 => "1 transfer".to_owned(),
        n => format!("{n} transfers"),
    };
    if counts.is_empty() {
        out.push_str(&format!("{total}.\n"));
    } else {
        out.push_str(&format!("{total}: {}.\n", counts.join(", ")));
    }
    let line = |row: &ReportRow| {
        let record = row.record;
        let state = record.state();
        let by = row
            .by
            .map(|by| format!(" (by {})", cut(by, NAME_CHARS)))
            .unwrap_or_default();
        let mut text = format!(
            "  {} {} {}  session {} → {}{by}\n",
            shown(record.intent_at),
            state.symbol(),
            state.word(),
            record.request.session,
            record.request.target,
        );
        if let Some(detail) = record.detail() {
            text.push_str(&format!("      {detail}\n"));
        }
        text
    };
    let section = |out: &mut String, title: &str, keep: &dyn Fn(&ReportRow) -> bool| {
        let lines: Vec<String> = rows.iter().filter(|row| keep(row)).map(line).collect();
        if !lines.is_empty() {
            out.push_str(&format!("\n{title} ({}):\n", lines.len()));
            out.extend(lines);
        }
    };
    section(
        &mut out,
        "Still to check: nobody can yet say these arrived",
        &|row| still_to_check(row.record.state()),
    );
    section(&mut out, "Failed: not moved", &|row| {
        row.record.state() == TransferState::Failed
    });
    let notes: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let note = row.record.request.note.as_deref()?;
            Some(format!(
                "  session {} → {}: {}\n",
                row.record.request.session,
                row.record.request.target,
                cut(note, MESSAGE_CHARS)
            ))
        })
        .collect();
    if !notes.is_empty() {
        out.push_str(&format!("\nNotes ({}):\n", notes.len()));
        out.extend(notes);
    }
    out
}

/// Where a hand-over was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOverFiles {
    pub csv: PathBuf,
    pub summary: PathBuf,
}

/// Writes a hand-over to `dir` as `handoff-shift-<stamp>.csv` and `.txt`, each whole or not at
/// all: written beside under another name, synced, then renamed over any earlier one of the
/// same minute. Blocking.
pub fn write_hand_over(
    dir: &Path,
    stamp: &str,
    csv: &str,
    summary: &str,
) -> std::io::Result<HandOverFiles> {
    let files = HandOverFiles {
        csv: dir.join(format!("handoff-shift-{stamp}.csv")),
        summary: dir.join(format!("handoff-shift-{stamp}.txt")),
    };
    write_whole(&files.csv, csv)?;
    write_whole(&files.summary, summary)?;
    Ok(files)
}

fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let temp = PathBuf::from(temp);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_over_is_written_whole_under_its_time_and_replaces_one_of_the_same_minute() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_hand_over(dir.path(), "2026-12-07-1503", "a,b\n", "first").unwrap();
        assert_eq!(
            files.csv,
            dir.path().join("handoff-shift-2026-12-07-1503.csv")
        );
        assert_eq!(
            files.summary,
            dir.path().join("handoff-shift-2026-12-07-1503.txt")
        );
        write_hand_over(dir.path(), "2026-12-07-1503", "a,b\n1,2\n", "second").unwrap();
        assert_eq!(std::fs::read_to_string(&files.csv).unwrap(), "a,b\n1,2\n");
        assert_eq!(std::fs::read_to_string(&files.summary).unwrap(), "second");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "nothing left beside them: {names:?}");
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone");
        let error = write_hand_over(&missing, "2026-12-07-1503", "", "").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert!(!missing.exists());
    }
}
