//! The audit file, `<data dir>/transfers.jsonl`: one JSON object per line, appended and flushed
//! to disk before the next step, so a crash of the app or the machine loses nothing the
//! supervisor did. The intent is written before the request goes out.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

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
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a Outcome>,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditEvent {
    /// Written before the request is sent.
    Intent,
    /// Written when the request has an answer (or none).
    Outcome,
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
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
