//! Claims on sessions among the runs of one data folder (consoles and commands, in team mode
//! too): right before a request goes out, its run claims the session in a small file under a
//! lock, so two runs that meet on one conversation never both send it. A claim names its run,
//! where the conversation is going and since when; it lasts while the run is alive and the
//! request is unanswered. What the other run did with the session is then in the audit file,
//! written before the claim was let go (`audit_tail`).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Local, TimeZone};
use serde::{Deserialize, Serialize};

use super::live_run::{LiveRun, is_alive};
use crate::budget::now_ms;
use crate::file_lock::FileLock;

/// A claims file is a few hundred entries (a few minutes of the account's budget); one far
/// larger was not written by handoff, and is read as empty rather than read whole.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What is kept about one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The run that claimed it.
    run: String,
    /// Where it goes, in words ("queue Billing").
    target: String,
    /// Since when it is in flight, in ms since the epoch.
    at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Claims {
    #[serde(default)]
    sessions: BTreeMap<String, Entry>,
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalClaim {
    /// This run may send it.
    Ours,
    /// Another run of this data folder is sending it: since when, and where, in words.
    Elsewhere(String),
}

/// The claims of one account's runs on one data folder. Cheap to clone. Blocking: the engine
/// calls it as blocking work.
#[derive(Debug, Clone)]
pub struct LocalClaims {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    data_dir: PathBuf,
    /// Every change takes it.
    lock: FileLock,
    data: PathBuf,
    run: LiveRun,
}

impl LocalClaims {
    /// This run's claims on `data_dir` for `account`; the run counts as alive from now until
    /// the value (and every clone) is gone.
    pub fn open(data_dir: &Path, account: &str) -> io::Result<Self> {
        let name = format!("claims-{}", file_safe(account));
        Ok(Self {
            inner: Arc::new(Inner {
                data_dir: data_dir.to_owned(),
                lock: FileLock::new(data_dir.join(format!("{name}.lock"))),
                data: data_dir.join(format!("{name}.json")),
                run: LiveRun::start(data_dir)?,
            }),
        })
    }

    /// This run's name, as its audit lines carry it.
    pub fn run_id(&self) -> &str {
        self.inner.run.id()
    }

    /// Claims each of `wanted` (a session, and where it goes in words) for this run, in one go
    /// under the lock. A session another live run is sending is never claimed.
    pub fn claim(&self, wanted: &[(&str, &str)]) -> io::Result<Vec<LocalClaim>> {
        let inner = &self.inner;
        let now = now_ms();
        inner.change(|claims| {
            wanted
                .iter()
                .map(|&(session, target)| {
                    let held = claims
                        .sessions
                        .get(session)
                        .filter(|entry| entry.run != inner.run.id());
                    match held {
                        Some(entry) => LocalClaim::Elsewhere(entry.words()),
                        None => {
                            let entry = Entry {
                                run: inner.run.id().to_owned(),
                                target: target.to_owned(),
                                at: now,
                            };
                            claims.sessions.insert(session.to_owned(), entry);
                            LocalClaim::Ours
                        }
                    }
                })
                .collect()
        })
    }

    /// Lets go of this run's claims on `sessions`: answered (their outcome is in the audit file
    /// by now), or not going out after all. Another run's claims are never touched.
    pub fn release(&self, sessions: &[&str]) -> io::Result<()> {
        let inner = &self.inner;
        inner.change(|claims| {
            for session in sessions {
                let ours = claims
                    .sessions
                    .get(*session)
                    .is_some_and(|entry| entry.run == inner.run.id());
                if ours {
                    claims.sessions.remove(*session);
                }
            }
        })
    }
}

impl Entry {
    /// "in flight in another run since 14:03:10, to queue Billing".
    fn words(&self) -> String {
        let at = i64::try_from(self.at)
            .ok()
            .and_then(|ms| Local.timestamp_millis_opt(ms).single())
            .map_or_else(
                || "an unknown time".to_owned(),
                |at| at.format("%H:%M:%S").to_string(),
            );
        format!("in flight in another run since {at}, to {}", self.target)
    }
}

impl Inner {
    /// Reads the claims under the lock, drops those of runs no longer alive, lets `change` work
    /// on the rest, and writes them back whole.
    fn change<T>(&self, change: impl FnOnce(&mut Claims) -> T) -> io::Result<T> {
        let _held = self.lock.acquire()?;
        let mut claims = self.read();
        let this = self.run.id();
        // Each run asked once, however many sessions it holds: asking opens its lock file.
        let mut alive: HashMap<String, bool> = HashMap::new();
        for entry in claims.sessions.values() {
            let run = entry.run.as_str();
            alive
                .entry(entry.run.clone())
                .or_insert_with(|| run == this || is_alive(&self.data_dir, run));
        }
        // A run that died with a request out holds nothing: the audit file says the transfer
        // was interrupted, and a rerun decides from there.
        claims
            .sessions
            .retain(|_, entry| alive.get(&entry.run).copied().unwrap_or(true));
        let result = change(&mut claims);
        self.write(&claims)?;
        Ok(result)
    }

    /// The claims as the last writer left them; none if there is no file yet, or one that is
    /// damaged or far too large (said in the diagnostics: every run rewrites it whole).
    fn read(&self) -> Claims {
        let mut text = Vec::new();
        let read = File::open(&self.data)
            .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut text));
        match read {
            Ok(_) if text.len() as u64 > MAX_FILE_BYTES => {
                tracing::warn!(target: "handoff::claims", "{} is over {MAX_FILE_BYTES} bytes: read as empty", self.data.display());
                Claims::default()
            }
            Ok(_) => serde_json::from_slice(&text).unwrap_or_else(|error| {
                tracing::warn!(target: "handoff::claims", "{} is damaged ({error}): read as empty", self.data.display());
                Claims::default()
            }),
            Err(_) => Claims::default(),
        }
    }

    /// Replaces the file whole (written beside it, then renamed), so no reader sees half of it.
    fn write(&self, claims: &Claims) -> io::Result<()> {
        let temp = self.data.with_extension("json.tmp");
        let mut file = File::create(&temp)?;
        file.write_all(&serde_json::to_vec(claims).unwrap_or_default())?;
        drop(file);
        std::fs::rename(&temp, &self.data)
    }
}

/// An account id as part of a file name: letters, digits, `-` and `_` kept, anything else `_`.
fn file_safe(account: &str) -> String {
    account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_in_flight_in_one_run_is_refused_to_another_with_since_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalClaims::open(dir.path(), "acct").unwrap();
        let second = LocalClaims::open(dir.path(), "acct").unwrap();
        let wanted = [("s1", "queue Billing"), ("s2", "queue Billing")];
        assert_eq!(first.claim(&wanted[..1]).unwrap(), [LocalClaim::Ours]);
        let claims = second.claim(&wanted).unwrap();
        assert!(
            matches!(&claims[0], LocalClaim::Elsewhere(why) if why.starts_with("in flight in another run since ") && why.ends_with(", to queue Billing")),
            "{claims:?}"
        );
        assert_eq!(claims[1], LocalClaim::Ours);
        // Claimed again by its own run: still its own.
        assert_eq!(first.claim(&wanted[..1]).unwrap(), [LocalClaim::Ours]);
        // Another account's runs do not meet this one's.
        let other = LocalClaims::open(dir.path(), "other").unwrap();
        assert_eq!(
            other.claim(&wanted).unwrap(),
            [LocalClaim::Ours, LocalClaim::Ours]
        );
        // Let go: the session is free; another run's release never frees what is not its own.
        second.release(&["s1"]).unwrap();
        assert!(matches!(
            &second.claim(&wanted[..1]).unwrap()[0],
            LocalClaim::Elsewhere(_)
        ));
        first.release(&["s1"]).unwrap();
        assert_eq!(second.claim(&wanted[..1]).unwrap(), [LocalClaim::Ours]);
    }

    #[test]
    fn a_run_that_died_with_a_request_out_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let killed = LocalClaims::open(dir.path(), "acct").unwrap();
        killed.claim(&[("s1", "queue Billing")]).unwrap();
        drop(killed);
        let rerun = LocalClaims::open(dir.path(), "acct").unwrap();
        assert_eq!(
            rerun.claim(&[("s1", "queue Billing")]).unwrap(),
            [LocalClaim::Ours]
        );
    }

    #[test]
    fn a_damaged_claims_file_is_read_as_empty_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("claims-acct.json"), b"{torn").unwrap();
        let claims = LocalClaims::open(dir.path(), "acct").unwrap();
        assert_eq!(
            claims.claim(&[("s1", "queue Billing")]).unwrap(),
            [LocalClaim::Ours]
        );
        let text = std::fs::read_to_string(dir.path().join("claims-acct.json")).unwrap();
        assert!(text.contains("\"s1\""), "{text}");
    }
}
