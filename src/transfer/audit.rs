//! The audit file, `<data dir>/transfers.jsonl`: one JSON object per line, appended and flushed
//! to disk before the next step, so a crash of the app or the machine loses nothing the
//! supervisor did. The intent is written before the request goes out. Several handoff processes
//! may append to the same file; each write holds whole lines.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use super::confirmation::Confirmation;
use super::record::Settlement;
use super::{Outcome, TransferId};
use crate::ids::{SessionId, TargetKind};

pub const AUDIT_FILE_NAME: &str = "transfers.jsonl";

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    inner: Arc<Inner>,
}

/// Lines wait in `queue` while another writer holds `file`; whoever takes `file` next writes
/// every waiting line in one write and one sync (a group commit), so a burst of transfers costs
/// a few syncs, not one per line, and no line is reported written before it is on disk.
#[derive(Debug)]
struct Inner {
    queue: Mutex<Queue>,
    file: Mutex<Written>,
}

#[derive(Debug, Default)]
struct Queue {
    /// Lines not yet written, each ended with a line break.
    lines: Vec<u8>,
    /// How many lines were ever queued: the last one's number.
    queued: u64,
}

#[derive(Debug)]
struct Written {
    file: File,
    /// Lines up to this number are settled: written and synced, or failed.
    settled: u64,
    /// Numbers of lines whose write failed, as ranges, with why; a failure is rare and few are
    /// kept.
    failures: VecDeque<(std::ops::RangeInclusive<u64>, std::io::ErrorKind, String)>,
}

/// Failed batches remembered for the writers still waiting to hear about them.
const FAILURES_KEPT: usize = 64;

#[derive(Debug, thiserror::Error)]
#[error("cannot write the audit log {path}: {source}")]
pub struct AuditError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// One line about a transfer.
#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    pub at: String,
    pub transfer: TransferId,
    pub event: AuditEvent,
    /// On the intent: the run that sends it (see `live_run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<&'a str>,
    pub session: &'a str,
    pub target_kind: TargetKind,
    pub target_id: &'a str,
    pub target_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
    /// On the intent: the earlier transfer this one re-routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reroute_of: Option<TransferId>,
    /// On the intent: the bulk run it is part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk: Option<&'a str>,
    /// On the intent: a callback receiver runs, so a callback is expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaits_callback: Option<bool>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'a Outcome>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<&'a Confirmation>,
    /// On a callback: whether it settled the transfer, repeated, or contradicted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement: Option<SettlementWord>,
}

/// A callback that matched no transfer: kept, so nothing that arrived is lost.
#[derive(Debug, Serialize)]
pub struct UnmatchedEntry<'a> {
    pub at: String,
    pub event: AuditEvent,
    pub session: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<&'a str>,
    pub payload: &'a Value,
}

/// Every state change of a transfer, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// A callback that matched no transfer of the last day.
    UnmatchedCallback,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementWord {
    Settled,
    Repeated,
    Conflicting,
}

impl From<Settlement> for SettlementWord {
    fn from(settlement: Settlement) -> Self {
        match settlement {
            Settlement::Settled => Self::Settled,
            Settlement::Repeated => Self::Repeated,
            Settlement::Conflicting => Self::Conflicting,
        }
    }
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl<'a> UnmatchedEntry<'a> {
    pub fn new(session: &'a SessionId, target_id: Option<&'a str>, payload: &'a Value) -> Self {
        Self {
            at: timestamp(Utc::now()),
            event: AuditEvent::UnmatchedCallback,
            session: session.as_str(),
            target_id,
            payload,
        }
    }
}

/// How much of the end of the audit file is read for the recently used targets: weeks of
/// transfers, never the whole file of a long-running install.
const RECENT_TAIL_BYTES: u64 = 256 * 1024;

/// How many recently used targets are read back and kept: they sort to the top of the picker.
pub const RECENT_CAPACITY: usize = 20;

/// Target ids of the latest transfers in the audit file in `data_dir`, most recent first, each
/// once. A missing or unreadable file, or a damaged line, is simply skipped: this only orders the
/// picker.
pub fn recent_target_ids(data_dir: &Path, limit: usize) -> Vec<String> {
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
            .read(true)
            .append(true)
            .open(&path)
            .map_err(error)?;
        Ok(Self {
            path,
            inner: Arc::new(Inner {
                queue: Mutex::new(Queue::default()),
                file: Mutex::new(Written {
                    file,
                    settled: 0,
                    failures: VecDeque::new(),
                }),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one serialized entry and waits until it is on disk. Entries appended meanwhile
    /// by other tasks go in the same write and sync; each is one whole line. A last line left
    /// without its end (a crash mid-write, here or in another handoff) is ended first, so the
    /// new lines are never glued to it. Blocking: the engine runs it as blocking work.
    pub fn append_line(&self, line: Vec<u8>) -> Result<(), AuditError> {
        let error = |source| AuditError {
            path: self.path.clone(),
            source,
        };
        // A poisoned lock only means another writer panicked mid-call; the data is still whole.
        let mine = {
            let mut queue = self.inner.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.lines.extend_from_slice(&line);
            queue.lines.push(b'\n');
            queue.queued += 1;
            queue.queued
        };
        let mut written = self.inner.file.lock().unwrap_or_else(|p| p.into_inner());
        if written.settled >= mine {
            // Another writer took this line with its own.
            return match written
                .failures
                .iter()
                .find(|(lines, ..)| lines.contains(&mine))
            {
                Some((_, kind, message)) => Err(error(std::io::Error::new(*kind, message.clone()))),
                None => Ok(()),
            };
        }
        let (lines, last) = {
            let mut queue = self.inner.queue.lock().unwrap_or_else(|p| p.into_inner());
            (std::mem::take(&mut queue.lines), queue.queued)
        };
        let first = written.settled + 1;
        let result = write_synced(&mut written.file, &lines);
        written.settled = last;
        if let Err(failure) = &result {
            if written.failures.len() == FAILURES_KEPT {
                written.failures.pop_front();
            }
            let entry = (first..=last, failure.kind(), failure.to_string());
            written.failures.push_back(entry);
        }
        result.map_err(error)
    }
}

/// Writes `lines` at the end in one write, after ending a torn last line, and syncs.
fn write_synced(file: &mut File, lines: &[u8]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(lines.len() + 1);
    if !ends_a_line(file)? {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(lines);
    file.write_all(&bytes)?;
    file.sync_data()
}

/// True when the file is empty or its last byte ends a line. In append mode every write goes to
/// the end whatever the position, so moving it to read is harmless.
fn ends_a_line(file: &mut File) -> std::io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_ended_before_the_next() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(AUDIT_FILE_NAME), b"{\"at\":\"2026-11-").unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        log.append_line(b"{\"a\":1}".to_vec()).unwrap();
        log.append_line(b"{\"b\":2}".to_vec()).unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text, "{\"at\":\"2026-11-\n{\"a\":1}\n{\"b\":2}\n");
    }

    #[test]
    fn lines_appended_at_once_from_many_threads_are_all_whole() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path()).unwrap();
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let log = log.clone();
                scope.spawn(move || {
                    for n in 0..50 {
                        let line = format!("{{\"thread\":{thread},\"n\":{n}}}");
                        log.append_line(line.into_bytes()).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(log.path()).unwrap();
        let mut seen: Vec<(u64, u64)> = text
            .lines()
            .map(|line| {
                let entry: Value = serde_json::from_str(line).expect("a whole line");
                (
                    entry["thread"].as_u64().unwrap(),
                    entry["n"].as_u64().unwrap(),
                )
            })
            .collect();
        seen.sort_unstable();
        let expected: Vec<(u64, u64)> = (0..8).flat_map(|t| (0..50).map(move |n| (t, n))).collect();
        assert_eq!(seen, expected, "every line once, none torn");
    }
}
