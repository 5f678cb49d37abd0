//! The shift's history, read back from the audit file: each transfer's lines folded into one
//! record of what happened and when. Damaged or unknown lines are skipped, never fatal: the file
//! is the supervisor's record, and a bad line must not hide the good ones.

use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::audit::{AUDIT_FILE_NAME, AuditEvent};
use super::confirmation::Confirmation;
use super::outcome::Outcome;
use super::reason::FailureReason;
use crate::ids::TargetKind;

/// One transfer, as far as the audit file tells it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferRecord {
    pub transfer: String,
    pub session: String,
    pub target_kind: TargetKind,
    pub target_id: String,
    pub target_name: String,
    pub note: Option<String>,
    pub intent_at: DateTime<Utc>,
    pub sending_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmation: Option<Confirmation>,
}

impl TransferRecord {
    /// Where it ended up: "confirmed", "failed", "accepted", "unconfirmed", "unknown", or
    /// "interrupted" when the app stopped before the platform answered.
    pub fn state(&self) -> &'static str {
        match (&self.outcome, &self.confirmation) {
            (_, Some(Confirmation::Confirmed { .. })) => "confirmed",
            (_, Some(Confirmation::Failed { .. })) => "failed",
            (_, Some(Confirmation::Unclear { .. })) => "callback unclear",
            (_, Some(Confirmation::Unconfirmed)) => "unconfirmed",
            (Some(Outcome::Transferred { .. }), None) => "accepted",
            (Some(Outcome::Failed { .. }), None) => "failed",
            (Some(Outcome::Unknown { .. }), None) => "unknown",
            (None, None) => "interrupted",
        }
    }

    pub fn reason(&self) -> Option<FailureReason> {
        match &self.confirmation {
            Some(Confirmation::Failed { reason, .. }) => Some(*reason),
            _ => self.outcome.as_ref().and_then(Outcome::reason),
        }
    }

    /// The platform's own words about a failure or an unknown outcome.
    pub fn message(&self) -> Option<String> {
        match (&self.confirmation, &self.outcome) {
            (Some(Confirmation::Failed { message, .. }), _) => Some(message.clone()),
            (_, Some(Outcome::Failed { message, .. } | Outcome::Unknown { message, .. })) => {
                Some(message.clone())
            }
            _ => None,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match &self.outcome {
            Some(Outcome::Failed { http_status, .. } | Outcome::Unknown { http_status, .. }) => {
                *http_status
            }
            _ => None,
        }
    }

    /// From sending to the platform's answer.
    pub fn time_to_accept(&self) -> Option<chrono::Duration> {
        Some(self.answered_at? - self.sending_at?)
    }

    /// From the platform's answer to its callback.
    pub fn time_to_confirm(&self) -> Option<chrono::Duration> {
        match self.confirmation {
            Some(Confirmation::Unconfirmed) | None => None,
            Some(_) => Some(self.confirmed_at? - self.answered_at?),
        }
    }
}

/// Every transfer whose intent was recorded at or after `since`, oldest first.
pub fn read_since(data_dir: &Path, since: DateTime<Utc>) -> std::io::Result<Vec<TransferRecord>> {
    let file = match std::fs::File::open(data_dir.join(AUDIT_FILE_NAME)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut records: Vec<TransferRecord> = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        apply(&mut records, &entry, since);
    }
    Ok(records)
}

fn apply(records: &mut Vec<TransferRecord>, entry: &Value, since: DateTime<Utc>) {
    let text = |key: &str| entry.get(key).and_then(Value::as_str);
    let (Some(transfer), Some(at), Ok(event)) = (
        text("transfer"),
        text("at").and_then(|at| DateTime::parse_from_rfc3339(at).ok()),
        serde_json::from_value::<AuditEvent>(entry.get("event").cloned().unwrap_or_default()),
    ) else {
        return;
    };
    let at = at.with_timezone(&Utc);
    if event == AuditEvent::Intent {
        if at < since {
            return;
        }
        let (Some(session), Some(target_id), Ok(target_kind)) = (
            text("session"),
            text("target_id"),
            serde_json::from_value::<TargetKind>(
                entry.get("target_kind").cloned().unwrap_or_default(),
            ),
        ) else {
            return;
        };
        records.push(TransferRecord {
            transfer: transfer.to_owned(),
            session: session.to_owned(),
            target_kind,
            target_id: target_id.to_owned(),
            target_name: text("target_name").unwrap_or(target_id).to_owned(),
            note: text("note").map(str::to_owned),
            intent_at: at,
            sending_at: None,
            answered_at: None,
            outcome: None,
            confirmed_at: None,
            confirmation: None,
        });
        return;
    }
    let Some(record) = records.iter_mut().rev().find(|r| r.transfer == transfer) else {
        return;
    };
    match event {
        AuditEvent::Intent => {}
        AuditEvent::Sending => record.sending_at = Some(at),
        AuditEvent::Outcome => {
            record.answered_at = Some(at);
            record.outcome = serde_json::from_value(entry.clone()).ok();
        }
        AuditEvent::Callback | AuditEvent::Unconfirmed => {
            // A late callback after "unconfirmed" still tells the truth: it wins.
            record.confirmed_at = Some(at);
            record.confirmation = serde_json::from_value(entry.clone()).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(lines: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(AUDIT_FILE_NAME), lines.join("\n")).unwrap();
        dir
    }

    const INTENT: &str = r#"{"at":"2026-11-25T10:00:00.000Z","transfer":"t1","event":"intent","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana","note":"VIP"}"#;

    #[test]
    fn lines_fold_into_one_record() {
        let dir = write(&[
            INTENT,
            r#"{"at":"2026-11-25T10:00:00.100Z","transfer":"t1","event":"sending","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana"}"#,
            "not json at all",
            r#"{"at":"2026-11-25T10:00:00.300Z","transfer":"t1","event":"outcome","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana","outcome":"transferred","request_completed_at":1}"#,
            r#"{"at":"2026-11-25T10:00:02.300Z","transfer":"t1","event":"callback","session":"6538f8a3c9cf425ee5cf0a1b","target_kind":"agent","target_id":"a-1","target_name":"Dana","confirmation":"failed","reason":"target_unavailable","message":"Agent rejected the conversation","payload":{"status":"failure"}}"#,
        ]);
        let records = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.state(), "failed");
        assert_eq!(record.reason(), Some(FailureReason::TargetUnavailable));
        assert_eq!(record.message().unwrap(), "Agent rejected the conversation");
        assert_eq!(record.note.as_deref(), Some("VIP"));
        assert_eq!(record.time_to_accept().unwrap().num_milliseconds(), 200);
        assert_eq!(record.time_to_confirm().unwrap().num_milliseconds(), 2000);
    }

    #[test]
    fn older_transfers_are_left_out() {
        let dir = write(&[INTENT]);
        let since = DateTime::parse_from_rfc3339("2026-11-25T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(read_since(dir.path(), since).unwrap().is_empty());
        let all = read_since(dir.path(), DateTime::<Utc>::MIN_UTC).unwrap();
        assert_eq!(all[0].state(), "interrupted");
    }
}
