//! What the other runs of this data folder wrote to the audit file since this run last read it.
//! A run decides what to send from the audit file as it read it when it started; a run started
//! a second later by another supervisor, or a console left open, may have moved some of the same
//! conversations since. Right before a batch goes out, its sessions claimed (`local_claims`), the
//! new lines are read: a session another run moved meanwhile is not sent again.
//!
//! The claim makes this exact: a run writes a transfer's outcome before it lets go of the claim,
//! so a run that holds the claim and then reads the file sees every move of the session made
//! under an earlier claim.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Local, Utc};
use serde_json::Value;

use super::history::{AuditLine, fold_step, next_line, read_line};
use super::ledger::{Ledger, RECENT_MOVE};
use super::{Tone, TransferRequest};

/// Shared by the clones of one run's engine. Blocking: read as blocking work.
#[derive(Debug, Clone)]
pub struct AuditTail {
    inner: Arc<Mutex<Tail>>,
}

#[derive(Debug)]
struct Tail {
    path: PathBuf,
    /// Where this run's reading stopped: the end of the last whole line read.
    offset: u64,
    /// The other runs' transfers started since this run read the file; bounded as any ledger.
    others: Ledger,
    /// This run's name: its own lines are not news to it.
    run: String,
}

impl AuditTail {
    /// The audit file at `path` as of its present end, for the run named `run`.
    pub fn new(path: PathBuf, run: &str) -> Self {
        let offset = std::fs::metadata(&path).map_or(0, |m| m.len());
        Self {
            inner: Arc::new(Mutex::new(Tail {
                path,
                offset,
                others: Ledger::default(),
                run: run.to_owned(),
            })),
        }
    }

    /// This run read the file (its history) up to `offset`: news starts there.
    pub fn read_up_to(&self, offset: u64) {
        let mut tail = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        tail.offset = offset;
        tail.others = Ledger::default();
    }

    /// For each of `requests`: why it must not go out now (another run sent it since, to this
    /// run's knowledge, or moved it a moment ago), in words, or `None`. Reads the lines written
    /// since the last look; a file that cannot be read says nothing new.
    pub fn moved_since(
        &self,
        requests: &[TransferRequest],
        now: DateTime<Utc>,
    ) -> Vec<Option<String>> {
        let mut tail = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        tail.read_news();
        requests
            .iter()
            .map(|request| tail.moved(request, now))
            .collect()
    }
}

impl Tail {
    /// Folds the whole lines written since `offset` into `others`.
    fn read_news(&mut self) {
        let Ok(mut file) = File::open(&self.path) else {
            return;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        loop {
            match next_line(&mut reader, &mut line) {
                Ok(0) | Err(_) => break,
                // A line still being written is read next time, whole.
                Ok(_) if line.last() != Some(&b'\n') => break,
                Ok(read) => self.offset += read as u64,
            }
            let Ok(entry) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            self.fold(&entry);
        }
    }

    fn fold(&mut self, entry: &Value) {
        match read_line(entry) {
            Some(AuditLine::Intent(record)) if record.run.as_deref() != Some(&self.run) => {
                self.others.insert(*record);
            }
            Some(AuditLine::Step(id)) => {
                if let Some(record) = self.others.get_mut(id) {
                    let _ = fold_step(record, entry);
                }
            }
            _ => {}
        }
    }

    /// Why `request` must not go out, from what other runs did since this run last read the
    /// file.
    fn moved(&self, request: &TransferRequest, now: DateTime<Utc>) -> Option<String> {
        let record = self
            .others
            .records()
            .rev()
            .find(|r| r.request.session == request.session && r.sent_at.is_some())?;
        let state = record.state();
        if record.certainly_not_moved_yet() || state.tone() == Tone::Bad {
            return None;
        }
        let same_run_of_command =
            record.request.bulk.is_some() && record.request.bulk == request.bulk;
        let recent = record.sent_at.is_some_and(|at| now - at < RECENT_MOVE);
        if !same_run_of_command && (!recent || request.confirmed_recent) {
            return None;
        }
        let at = record
            .sent_at
            .unwrap_or(record.intent_at)
            .with_timezone(&Local)
            .format("%H:%M:%S");
        let to = &record.request.target;
        Some(match state.tone() {
            Tone::Doubtful | Tone::Pending => format!(
                "another run sent it at {at} to {to}: {}, outcome unknown; check the conversation first",
                state.word()
            ),
            _ => format!("another run moved it at {at} to {to}: {}", state.word()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{SessionId, TargetKind};
    use crate::roster::Target;
    use crate::transfer::audit::AUDIT_FILE_NAME;
    use crate::transfer::{BulkKey, TransferId};

    fn request(session: &str, bulk: Option<BulkKey>) -> TransferRequest {
        TransferRequest {
            id: TransferId::new(),
            session: SessionId::parse(session).unwrap(),
            target: Target::unlisted(TargetKind::Queue, "qu-1"),
            note: None,
            reroute_of: None,
            bulk,
            confirmed_recent: false,
        }
    }

    fn lines(transfer: TransferId, run: &str, session: &str, outcome: &str) -> String {
        let at = crate::transfer::audit::timestamp(Utc::now());
        format!(
            concat!(
                r#"{{"at":"{at}","transfer":"{t}","event":"intent","run":"{run}","session":"{s}","target_kind":"queue","target_id":"qu-1","target_name":"Billing","bulk":"b-00000000000000aa"}}"#,
                "\n",
                r#"{{"at":"{at}","transfer":"{t}","event":"sending","session":"{s}","target_kind":"queue","target_id":"qu-1","target_name":"Billing"}}"#,
                "\n",
                r#"{{"at":"{at}","transfer":"{t}","event":"outcome","session":"{s}","target_kind":"queue","target_id":"qu-1","target_name":"Billing",{outcome}}}"#,
                "\n"
            ),
            at = at,
            t = transfer,
            run = run,
            s = session,
            outcome = outcome
        )
    }

    #[test]
    fn a_move_by_another_run_since_the_last_read_holds_the_session_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AUDIT_FILE_NAME);
        std::fs::write(&path, "").unwrap();
        let tail = AuditTail::new(path.clone(), "me");
        let moved = "6538f8a3c9cf425ee5cf0a1b";
        let refused = "6538f8a3c9cf425ee5cf0a1c";
        let mine = "6538f8a3c9cf425ee5cf0a1d";
        let mut text = lines(
            TransferId::new(),
            "other",
            moved,
            r#""outcome":"transferred""#,
        );
        text += &lines(
            TransferId::new(),
            "other",
            refused,
            r#""outcome":"failed","http_status":429,"reason":"rate_limited","message":"slow down""#,
        );
        text += &lines(TransferId::new(), "me", mine, r#""outcome":"transferred""#);
        // A line still being written: not read yet.
        text += r#"{"at":"2026-"#;
        std::fs::write(&path, text).unwrap();
        let key = BulkKey::parse("b-00000000000000aa");
        let asked = [
            request(moved, None),
            request(refused, None),
            request(mine, None),
        ];
        let said = tail.moved_since(&asked, Utc::now());
        assert!(
            said[0]
                .as_deref()
                .is_some_and(|why| why.starts_with("another run moved it at ")
                    && why.ends_with("to queue Billing (qu-1): accepted")),
            "{said:?}"
        );
        assert_eq!(said[1], None, "refused with 429: certainly still there");
        assert_eq!(said[2], None, "this run's own move is not news");
        // A move older than ten minutes counts only for a run of the same command.
        let later = Utc::now() + chrono::Duration::minutes(11);
        assert_eq!(tail.moved_since(&asked[..1], later), [None]);
        assert!(tail.moved_since(&[request(moved, key)], later)[0].is_some());
        // Read up to here: what came before is the run's own knowledge.
        let read = std::fs::metadata(&path).unwrap().len() - r#"{"at":"2026-"#.len() as u64;
        tail.read_up_to(read);
        assert_eq!(tail.moved_since(&asked[..1], Utc::now()), [None]);
    }
}
