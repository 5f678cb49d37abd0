//! The audit file read back: each transfer's lines folded into one record. The file is the
//! supervisor's record, so damage never hides the good lines: a torn line (a crash mid-write),
//! a line that is not UTF-8 or not JSON is skipped and reported by its line number.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::audit::{AUDIT_FILE_NAME, AuditEvent};
use super::confirmation::Confirmation;
use super::live_run::is_alive;
use super::record::TransferRecord;
use super::{BulkKey, TransferId, TransferRequest};
use crate::ids::{SessionId, TargetKind};
use crate::roster::Target;

/// What the audit file says about the transfers started since some time.
#[derive(Debug, Default)]
pub struct History {
    /// Oldest first.
    pub records: Vec<TransferRecord>,
    /// Line numbers (from 1) of lines that could not be read.
    pub damaged_lines: Vec<usize>,
    /// Callbacks that matched no transfer.
    pub unmatched_callbacks: usize,
    /// Where the reading stopped: the end of the last whole line, in bytes.
    pub read_up_to: u64,
}

impl History {
    /// A warning naming the damaged lines, if there were any.
    pub fn damage_warning(&self, path: &Path) -> Option<String> {
        const NAMED: usize = 10;
        let lines = &self.damaged_lines;
        if lines.is_empty() {
            return None;
        }
        let mut named = lines
            .iter()
            .take(NAMED)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if lines.len() > NAMED {
            named.push_str(&format!(" and {} more", lines.len() - NAMED));
        }
        let noun = if lines.len() == 1 { "line" } else { "lines" };
        Some(format!(
            "audit file {}: skipped {noun} {named}: damaged (not valid UTF-8 or JSON, e.g. cut short by a crash)",
            path.display()
        ))
    }
}

/// Every transfer whose intent was recorded at or after `since`, oldest first. Only a file that
/// exists but cannot be opened or read is an error.
pub fn read_since(data_dir: &Path, since: DateTime<Utc>) -> std::io::Result<History> {
    let file = match std::fs::File::open(data_dir.join(AUDIT_FILE_NAME)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
        Err(e) => return Err(e),
    };
    let mut history = History::default();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let read = next_line(&mut reader, &mut line)?;
        if read == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            history.read_up_to += read as u64;
        }
        number += 1;
        let text = match std::str::from_utf8(&line) {
            Ok(text) => text.trim(),
            Err(_) => {
                history.damaged_lines.push(number);
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(entry) if apply(&mut history, &entry, since).is_some() => {}
            _ => history.damaged_lines.push(number),
        }
    }
    mark_in_flight_elsewhere(data_dir, &mut history.records);
    Ok(history)
}

/// The longest audit line kept: handoff writes a few hundred bytes, its longest fields cut
/// short; a longer line is damage, read past without being kept whole.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Reads the next line of the audit file into `line`, its newline too if it has one, and
/// returns how many bytes it took from `reader` (0 at the end). Of a line longer than
/// [`MAX_LINE_BYTES`] only the start is kept, which reads as damaged.
pub(super) fn next_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    line.clear();
    let mut taken = 0;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            return Ok(taken);
        }
        let end = buffer.iter().position(|&b| b == b'\n');
        let chunk = &buffer[..end.map_or(buffer.len(), |i| i + 1)];
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let length = chunk.len();
        reader.consume(length);
        taken += length;
        if end.is_some() {
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            return Ok(taken);
        }
    }
}

/// Marks the transfers without an answer whose run is still alive: another console or command
/// is sending them right now. Each run is asked once.
fn mark_in_flight_elsewhere(data_dir: &Path, records: &mut [TransferRecord]) {
    let mut alive: HashMap<String, bool> = HashMap::new();
    for record in records.iter_mut().filter(|r| r.outcome.is_none()) {
        if let Some(run) = &record.run {
            record.in_flight_elsewhere = *alive
                .entry(run.clone())
                .or_insert_with(|| is_alive(data_dir, run));
        }
    }
}

/// Folds one line in; `None` when the line lacks what every line of its kind has.
fn apply(history: &mut History, entry: &Value, since: DateTime<Utc>) -> Option<()> {
    match read_line(entry)? {
        AuditLine::Later => {}
        AuditLine::UnmatchedCallback(at) => history.unmatched_callbacks += usize::from(at >= since),
        AuditLine::Intent(record) => {
            if record.intent_at >= since {
                history.records.push(*record);
            }
        }
        AuditLine::Step(transfer) => {
            // Lines of transfers started before `since` are not damage; they are simply not
            // wanted.
            if let Some(record) = history
                .records
                .iter_mut()
                .rev()
                .find(|r| r.id() == transfer)
            {
                fold_step(record, entry)?;
            }
        }
    }
    Some(())
}

/// What one audit line is about. The team's activity stream carries the same lines, so a
/// teammate's transfer is read exactly as this console's own.
#[derive(Debug)]
pub enum AuditLine {
    /// A transfer begins: its record as the intent says it.
    Intent(Box<TransferRecord>),
    /// A later step of this transfer: fold it into its record with [`fold_step`].
    Step(TransferId),
    /// A callback that matched no transfer, received at this time.
    UnmatchedCallback(DateTime<Utc>),
    /// An event of a later version: not damage, just not ours to read.
    Later,
}

/// Reads one audit line; `None` when it lacks what every line of its kind has.
pub fn read_line(entry: &Value) -> Option<AuditLine> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str);
    let at = DateTime::parse_from_rfc3339(text("at")?)
        .ok()?
        .with_timezone(&Utc);
    let Ok(event) = serde_json::from_value::<AuditEvent>(entry.get("event")?.clone()) else {
        return Some(AuditLine::Later);
    };
    if event == AuditEvent::UnmatchedCallback {
        return Some(AuditLine::UnmatchedCallback(at));
    }
    let transfer = TransferId::parse(text("transfer")?)?;
    if event != AuditEvent::Intent {
        return Some(AuditLine::Step(transfer));
    }
    let kind: TargetKind = serde_json::from_value(entry.get("target_kind")?.clone()).ok()?;
    let request = TransferRequest {
        id: transfer,
        session: SessionId::parse(text("session")?).ok()?,
        target: Target::new(
            kind,
            text("target_id")?,
            text("target_name").unwrap_or(text("target_id")?),
        ),
        note: text("note").map(str::to_owned),
        reroute_of: text("reroute_of").and_then(TransferId::parse),
        bulk: text("bulk").and_then(BulkKey::parse),
        confirmed_recent: false,
    };
    let awaits = entry.get("awaits_callback").and_then(Value::as_bool);
    // Lines from before the field existed cannot say; "accepted" is then all that is known.
    let mut record = TransferRecord::new(request, at, awaits.unwrap_or(false));
    record.restored = true;
    record.run = text("run").map(str::to_owned);
    Some(AuditLine::Intent(Box::new(record)))
}

/// Folds a later step of a transfer (sending, its outcome, a callback) into its record;
/// `None` when the line is not such a step or is damaged.
pub fn fold_step(record: &mut TransferRecord, entry: &Value) -> Option<()> {
    let at = DateTime::parse_from_rfc3339(entry.get("at")?.as_str()?)
        .ok()?
        .with_timezone(&Utc);
    let event = serde_json::from_value::<AuditEvent>(entry.get("event")?.clone()).ok()?;
    match event {
        AuditEvent::Intent | AuditEvent::UnmatchedCallback => return None,
        AuditEvent::Sending => record.sent_at = Some(at),
        AuditEvent::Outcome => {
            record.answered_at = Some(at);
            record.outcome = Some(serde_json::from_value(entry.clone()).ok()?);
        }
        AuditEvent::Callback | AuditEvent::Unconfirmed => {
            let confirmation: Confirmation = serde_json::from_value(entry.clone()).ok()?;
            record.settle(confirmation, at);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{FailureReason, TransferState};

    fn write(lines: &[&[u8]]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(AUDIT_FILE_NAME), lines.join(&b"\n"[..])).unwrap();
        dir
    }

    const ID: &str = "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11";

    fn line(at: &str, event: &str, extra: &str) -> Vec<u8> {
        format!(
            r#"{{"at":"2026-11-25T10:00:{at}Z","transfer":"{ID}","event":"{event}","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana"{extra}}}"#
        )
        .into_bytes()
    }

    /// A line of megabytes (damage: no newline for a long stretch) is read past without being
    /// kept whole, and the lines after it are read.
    #[test]
    fn a_line_far_too_long_is_damage_and_the_next_line_is_read() {
        let long = vec![b'x'; 8 * MAX_LINE_BYTES];
        let dir = write(&[&long, &line("00.000", "intent", ""), b""]);
        let history = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
        assert_eq!(history.damaged_lines, [1]);
        assert_eq!(history.records.len(), 1);
        let size = std::fs::metadata(dir.path().join(AUDIT_FILE_NAME))
            .unwrap()
            .len();
        assert_eq!(history.read_up_to, size, "every line was whole");

        let mut kept = Vec::new();
        let file = std::fs::File::open(dir.path().join(AUDIT_FILE_NAME)).unwrap();
        let mut reader = BufReader::new(file);
        let taken = next_line(&mut reader, &mut kept).unwrap();
        assert_eq!(taken, long.len() + 1);
        assert_eq!(kept.len(), MAX_LINE_BYTES + 1, "its start and its newline");
    }

    #[test]
    fn lines_fold_into_one_record_past_damage() {
        let dir = write(&[
            &line(
                "00.000",
                "intent",
                r#","note":"VIP","reroute_of":"0b1c2d3e-8a3e-4f7a-9a52-2a0c2f0b6d11""#,
            ),
            &line("00.100", "sending", ""),
            b"not json at all",
            b"\xff\xfe not utf-8",
            &line(
                "00.300",
                "outcome",
                r#","outcome":"transferred","request_completed_at":1"#,
            ),
            &line(
                "02.300",
                "callback",
                r#","confirmation":"failed","reason":"target_unavailable","message":"Agent rejected the conversation","payload":{"status":"failure"}"#,
            ),
            &line(
                "03.300",
                "callback",
                r#","confirmation":"confirmed","payload":{"status":"success"}"#,
            ),
            br#"{"at":"2026-11-25T10:00:04Z","transfer":"#,
        ]);
        let history = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
        assert_eq!(history.damaged_lines, [3, 4, 8]);
        assert_eq!(history.records.len(), 1);
        let record = &history.records[0];
        assert_eq!(record.state(), TransferState::Failed);
        assert_eq!(record.reason(), Some(FailureReason::TargetUnavailable));
        assert_eq!(record.message().unwrap(), "Agent rejected the conversation");
        assert_eq!(record.conflicts.len(), 1, "the later success is a conflict");
        assert_eq!(record.request.note.as_deref(), Some("VIP"));
        assert_eq!(
            record.request.reroute_of,
            TransferId::parse("0b1c2d3e-8a3e-4f7a-9a52-2a0c2f0b6d11"),
            "a re-route names the transfer it re-routes"
        );
        assert_eq!(record.time_to_accept().unwrap().as_millis(), 200);
        assert_eq!(record.time_to_confirm().unwrap().as_millis(), 2000);
        let warning = history.damage_warning(Path::new("t.jsonl")).unwrap();
        assert!(warning.contains("skipped lines 3, 4, 8"), "{warning}");
    }

    #[test]
    fn older_transfers_are_left_out_and_unsent_ones_said_so() {
        let dir = write(&[&line("00.000", "intent", "")]);
        let since = DateTime::parse_from_rfc3339("2026-11-25T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(read_since(dir.path(), since).unwrap().records.is_empty());
        let all = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
        assert_eq!(
            all.records[0].state(),
            TransferState::Interrupted { sent: false }
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A line of the file: a transfer's intent, or whatever a crash or a disk left.
        #[derive(Debug, Clone)]
        enum Chunk {
            Intent,
            Garbage(Vec<u8>),
        }

        fn chunk() -> impl Strategy<Value = Chunk> {
            prop_oneof![
                Just(Chunk::Intent),
                proptest::collection::vec(
                    any::<u8>().prop_filter("no line breaks", |b| *b != b'\n'),
                    0..80
                )
                .prop_map(Chunk::Garbage),
            ]
        }

        proptest! {
            /// Damage anywhere never hides a good line, and is counted line by line.
            #[test]
            fn damage_never_hides_a_good_line(chunks in proptest::collection::vec(chunk(), 0..40)) {
                let mut text = Vec::new();
                let mut intents = 0;
                let mut damaged = Vec::new();
                for (n, chunk) in chunks.iter().enumerate() {
                    match chunk {
                        Chunk::Intent => {
                            intents += 1;
                            let id = uuid::Uuid::new_v4();
                            text.extend_from_slice(format!(
                                r#"{{"at":"2026-11-25T10:00:00.000Z","transfer":"{id}","event":"intent","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana"}}"#
                            ).as_bytes());
                        }
                        Chunk::Garbage(bytes) => {
                            let blank = std::str::from_utf8(bytes).is_ok_and(|t| t.trim().is_empty());
                            if !blank {
                                damaged.push(n + 1);
                            }
                            text.extend_from_slice(bytes);
                        }
                    }
                    text.push(b'\n');
                }
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join(AUDIT_FILE_NAME), &text).unwrap();
                let history = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
                prop_assert_eq!(history.records.len(), intents);
                prop_assert_eq!(history.damaged_lines, damaged);
            }
        }
    }
}
