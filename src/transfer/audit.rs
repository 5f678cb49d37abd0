//! The audit file, `<data dir>/transfers.jsonl`: one JSON object per line, appended and flushed
//! to disk before the next step, so a crash of the app or the machine loses nothing the
//! supervisor did. The intent is written before the request goes out.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::confirmation::Confirmation;
use super::reason::FailureReason;
use super::{Outcome, TransferId};
use crate::ids::TargetKind;

pub const AUDIT_FILE_NAME: &str = "transfers.jsonl";

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    file: Arc<Mutex<File>>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the audit log {path}: {source}")]
pub struct AuditError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// One line of the audit file.
#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    pub at: String,
    pub transfer: TransferId,
    pub event: AuditEvent,
    pub session: &'a str,
    pub target_kind: TargetKind,
    pub target_id: &'a str,
    pub target_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a Outcome>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<&'a Confirmation>,
    /// For a failure, the reason in a few words (the raw message is beside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<FailureReason>,
}

/// Every state change of a transfer, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditEvent {
    /// Written before the request is sent.
    Intent,
    /// The request is going out now (after any wait for the rate budget).
    Sending,
    /// The platform's synchronous answer (or none).
    Outcome,
    /// The platform's callback arrived.
    Callback,
    /// No callback within the configured time.
    Unconfirmed,
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// How much of the end of the audit file is read for the recently used targets: weeks of
/// transfers, never the whole file of a long-running install.
const RECENT_TAIL_BYTES: u64 = 256 * 1024;

/// Target ids of the latest transfers in the audit file in `data_dir`, most recent first, each
/// once. A missing or unreadable file, or a damaged line, is simply skipped: this only orders the
/// picker.
pub fn recent_target_ids(data_dir: &Path, limit: usize) -> Vec<String> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = File::open(data_dir.join(AUDIT_FILE_NAME)) else {
        return Vec::new();
    };
    let length = file.metadata().map_or(0, |m| m.len());
    let start = length.saturating_sub(RECENT_TAIL_BYTES);
    let mut tail = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut tail).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&tail);
    let mut ids: Vec<String> = Vec::new();
    // The first line may be cut by the seek; it fails to parse and is skipped.
    for line in text.lines().rev() {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if entry["event"] != "intent" {
            continue;
        }
        if let Some(id) = entry["target_id"].as_str()
            && !ids.iter().any(|seen| seen == id)
        {
            ids.push(id.to_owned());
            if ids.len() == limit {
                break;
            }
        }
    }
    ids
}

impl AuditLog {
    /// Opens (creating if needed) the audit file in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, AuditError> {
        let path = data_dir.join(AUDIT_FILE_NAME);
        let error = |source| AuditError {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(error)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(error)?;
        Ok(Self {
            path,
            file: Arc::new(Mutex::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one serialized entry as a single write and waits until it is on disk. Blocking:
    /// the engine calls it on a blocking thread.
    pub fn append_line(&self, mut line: Vec<u8>) -> Result<(), AuditError> {
        line.push(b'\n');
        let error = |source| AuditError {
            path: self.path.clone(),
            source,
        };
        // A poisoned lock only means another writer panicked mid-call; the file is still usable.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line).map_err(error)?;
        file.sync_data().map_err(error)
    }
}
