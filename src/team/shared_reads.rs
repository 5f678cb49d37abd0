//! Read once for the team: who is free, the queues' stats and the conversation list are the
//! same for every console of an account, so one console at a time reads them from the platform
//! and leaves the result in Redis with when it read it and who it is; the others use it, with
//! its age, and call nothing. N consoles then cost the account's background budget what one
//! does.
//!
//! A console whose refresh is due looks at the team's result first. A teammate's result younger
//! than the console's own refresh interval is its read. Otherwise the console takes a short
//! lock for that read, so that no two consoles make it at once, renews it while the read goes
//! on (a long list, paced by the reads' ceiling, takes minutes), reads from the platform,
//! leaves the result and lets the lock go. A console that finds the lock held uses the last
//! result, a teammate's or its own, however old (its age is shown), or, having none, waits for
//! the reader's. With Redis away, a console reads for itself, as it does alone.
//!
//! What Redis holds was written by other processes, perhaps by another version of handoff:
//! anything that does not decode counts as no result, and no result larger than
//! [`MAX_VALUE_BYTES`] is written or read.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use redis::Script;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Member;
use super::link::Link;

/// The largest result shared. Every read of it is one Redis call within its link's deadline
/// (`link::SHARED_READ_TIMEOUT`); a conversation list at the console's cap of 2,000 takes about
/// half of this.
pub const MAX_VALUE_BYTES: usize = 2 * 1024 * 1024;
/// How long the lock outlives its reader's last sign of life: a reader renews it every third
/// of this while its read goes on (a list of many pages, paced by the reads' ceiling, can take
/// minutes), so a reader that crashed holds up its teammates' read for at most this long.
const READ_LOCK_TTL: Duration = Duration::from_secs(30);
/// The longest a console with no result at all waits for a teammate's read under way before it
/// reads for itself.
const LONGEST_WAIT: Duration = Duration::from_secs(300);
/// How often a console with nothing to show looks again for the reader's result.
const WAIT_POLL: Duration = Duration::from_millis(200);
/// How long a result is kept: long enough to tide teammates over a slow read, short enough
/// that nobody is shown one from long ago.
const KEEP_FOR: Duration = Duration::from_secs(300);

/// Renews the lock only while it is still this console's.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Lets the lock go only while it is still this console's: a lock that expired and was taken
/// by a teammate is left to them.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A result as Redis keeps it: the value, and when and by whom it was read.
#[derive(Debug, Serialize, Deserialize)]
struct Stored<T> {
    /// When the read began, in ms since the epoch: the data is at least this old.
    at: i64,
    /// The supervisor's name.
    by: String,
    /// Which console: the same supervisor may run two.
    console: String,
    value: T,
}

/// A result this console can use, from its own read or a teammate's.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared<T> {
    pub value: T,
    /// When the read began.
    pub read_at: DateTime<Utc>,
    /// The teammate whose console read it; `None` when this console just did.
    pub read_by: Option<String>,
}

/// One console's side of the team's shared reads.
#[derive(Debug, Clone)]
pub struct SharedReads {
    link: Link,
    prefix: String,
    name: String,
    console: String,
}

impl SharedReads {
    /// The reads of `account` on the platform at `host`: only consoles that read the same
    /// platform share (the consoles of a demo each have a simulator of their own).
    pub fn new(link: Link, host: &str, account: &str, member: &Member) -> Self {
        Self {
            link,
            prefix: format!("handoff:{{{account}}}:read:{host}:"),
            name: member.name.clone(),
            console: member.console.clone(),
        }
    }

    /// The read named `kind` (results of one kind are interchangeable), fresh for a console
    /// that refreshes every `interval`: a teammate's result that `covers` what this console
    /// needs, or else `read` from the platform, given the last result of the team (so that it
    /// can cover what the teammates needed too). Errors are `read`'s; Redis trouble only costs
    /// the sharing.
    pub async fn read<T, E, Fut>(
        &self,
        kind: &str,
        interval: Duration,
        covers: impl Fn(&T) -> bool,
        read: impl FnOnce(Option<T>) -> Fut,
    ) -> Result<Shared<T>, E>
    where
        T: Serialize + DeserializeOwned,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = format!("{}{kind}", self.prefix);
        let lock = format!("{key}:reader");
        let fresh_for = fresh_for(interval);
        let gave_up_waiting = Instant::now() + LONGEST_WAIT;
        loop {
            let Some(last) = self.stored::<T>(&key).await else {
                return self.read_alone(read(None)).await;
            };
            // When the last result is this console's own: when it read it.
            let own_at = last
                .as_ref()
                .filter(|stored| stored.console == self.console)
                .map(|stored| at(stored.at));
            let (mut teammates, own_or_partial) = match last {
                Some(stored) if stored.console != self.console && covers(&stored.value) => {
                    (Some(stored), None)
                }
                last => (None, last.map(|stored| stored.value)),
            };
            if let Some(fresh) = teammates.take_if(|stored| age(stored) < fresh_for) {
                return Ok(from_teammate(fresh));
            }
            let token = uuid::Uuid::new_v4().simple().to_string();
            match self.take_lock(&lock, &token).await {
                None => {
                    return self
                        .read_alone(read(
                            teammates.map(|stored| stored.value).or(own_or_partial),
                        ))
                        .await;
                }
                Some(true) => {
                    let reading = self.read_and_leave(
                        &key,
                        read(teammates.map(|stored| stored.value).or(own_or_partial)),
                    );
                    let result = tokio::select! {
                        result = reading => result,
                        () = self.keep_lock(&lock, &token) => unreachable!("renews until the read ends"),
                    };
                    self.release_lock(&lock, &token).await;
                    return result;
                }
                Some(false) => {
                    if let Some(stale) = teammates {
                        return Ok(from_teammate(stale));
                    }
                    // This console's own last result, however old, rather than a second read
                    // beside the teammate's under way.
                    // A reader renews its lock while it reads; one that went quiet lets it
                    // expire, and the next loop takes it.
                    match (own_or_partial, own_at) {
                        (Some(value), Some(read_at)) => {
                            return Ok(Shared {
                                value,
                                read_at,
                                read_by: None,
                            });
                        }
                        (partial, _) if Instant::now() >= gave_up_waiting => {
                            return self.read_alone(read(partial)).await;
                        }
                        _ => {}
                    }
                    tokio::time::sleep(WAIT_POLL).await;
                }
            }
        }
    }

    async fn read_alone<T, E>(
        &self,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<Shared<T>, E> {
        let read_at = Utc::now();
        read.await.map(|value| Shared {
            value,
            read_at,
            read_by: None,
        })
    }

    /// Reads from the platform and leaves a good result for the team.
    async fn read_and_leave<T: Serialize, E>(
        &self,
        key: &str,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<Shared<T>, E> {
        let shared = self.read_alone(read).await?;
        let stored = Stored {
            at: shared.read_at.timestamp_millis(),
            by: self.name.clone(),
            console: self.console.clone(),
            value: &shared.value,
        };
        let text = serde_json::to_string(&stored).unwrap_or_default();
        // Too large to pass within the deadline: the teammates read for themselves.
        if !text.is_empty() && text.len() <= MAX_VALUE_BYTES {
            let keep_ms = u64::try_from(KEEP_FOR.as_millis()).unwrap_or(u64::MAX);
            let _ = self
                .link
                .call(|mut connection| {
                    let mut command = redis::cmd("SET");
                    command.arg(key).arg(&text).arg("PX").arg(keep_ms);
                    async move { command.query_async::<()>(&mut connection).await }
                })
                .await;
        }
        Ok(shared)
    }

    /// The team's last result of `key`: `None` when Redis cannot say, `Some(None)` when there
    /// is no result or it does not decode.
    async fn stored<T: DeserializeOwned>(&self, key: &str) -> Option<Option<Stored<T>>> {
        let text = self
            .link
            .call(|mut connection| {
                // At most the largest result: a longer one is cut and then fails to decode.
                let mut command = redis::cmd("GETRANGE");
                command.arg(key).arg(0).arg(MAX_VALUE_BYTES - 1);
                async move { command.query_async::<Vec<u8>>(&mut connection).await }
            })
            .await?;
        Some(decode(&text))
    }

    /// `Some(true)` when this console now holds the lock, `None` when Redis cannot say.
    async fn take_lock(&self, lock: &str, token: &str) -> Option<bool> {
        let ttl_ms = u64::try_from(READ_LOCK_TTL.as_millis()).unwrap_or(u64::MAX);
        self.link
            .call(|mut connection| {
                let mut command = redis::cmd("SET");
                command.arg(lock).arg(token).arg("NX").arg("PX").arg(ttl_ms);
                async move {
                    command
                        .query_async::<Option<String>>(&mut connection)
                        .await
                        .map(|set| set.is_some())
                }
            })
            .await
    }

    /// Renews the lock every third of its time, for as long as it is awaited.
    async fn keep_lock(&self, lock: &str, token: &str) {
        let ttl_ms = u64::try_from(READ_LOCK_TTL.as_millis()).unwrap_or(u64::MAX);
        let script = Script::new(RENEW);
        loop {
            tokio::time::sleep(READ_LOCK_TTL / 3).await;
            let _ = self
                .link
                .call(|mut connection| {
                    let mut invocation = script.prepare_invoke();
                    invocation.key(lock).arg(token).arg(ttl_ms);
                    async move { invocation.invoke_async::<i64>(&mut connection).await }
                })
                .await;
        }
    }

    async fn release_lock(&self, lock: &str, token: &str) {
        let script = Script::new(RELEASE);
        let _ = self
            .link
            .call(|mut connection| {
                let mut invocation = script.prepare_invoke();
                invocation.key(lock).arg(token);
                async move { invocation.invoke_async::<i64>(&mut connection).await }
            })
            .await;
    }
}

/// A stored result, or `None` for no result, one cut at the size bound, anything written in a
/// shape this version does not read, or a time no clock gives.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<Stored<T>> {
    if bytes.is_empty() {
        return None;
    }
    let stored: Stored<T> = serde_json::from_slice(bytes).ok()?;
    DateTime::from_timestamp_millis(stored.at)?;
    Some(stored)
}

/// A teammate's result younger than this is as good as a read of one's own: a little under the
/// interval, so that a console whose own earlier read is due again reads rather than take a
/// result from a moment too late.
fn fresh_for(interval: Duration) -> Duration {
    interval - interval / 10
}

fn from_teammate<T>(stored: Stored<T>) -> Shared<T> {
    Shared {
        value: stored.value,
        read_at: at(stored.at),
        read_by: Some(stored.by),
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// How old a result is; one from the future (a teammate's clock ahead) counts as just read.
fn age<T>(stored: &Stored<T>) -> Duration {
    (Utc::now() - at(stored.at)).to_std().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Stats {
        waiting: u32,
        #[serde(default)]
        queues: Vec<String>,
    }

    #[test]
    fn a_result_as_stored_is_read_back() {
        let text = r#"{"at":1700000000000,"by":"Marcus","console":"c1","value":{"waiting":3,"queues":["qu-1"]}}"#;
        let stored: Stored<Stats> = decode(text.as_bytes()).unwrap();
        assert_eq!(stored.by, "Marcus");
        assert_eq!(
            stored.value,
            Stats {
                waiting: 3,
                queues: vec!["qu-1".into()]
            }
        );
        assert_eq!(at(stored.at).timestamp(), 1_700_000_000);
    }

    #[test]
    fn fields_a_newer_version_adds_are_ignored_and_missing_lists_are_empty() {
        let text =
            r#"{"at":1,"by":"M","console":"c","value":{"waiting":1,"new":{"x":[1]}},"extra":true}"#;
        let stored: Stored<Stats> = decode(text.as_bytes()).unwrap();
        assert_eq!(stored.value.queues, Vec::<String>::new());
    }

    #[test]
    fn garbage_counts_as_no_result() {
        let cut = r#"{"at":1,"by":"M","console":"c","value":{"waiting":1"#;
        for bytes in [
            &b""[..],
            b"not json",
            b"\xff\xfe\x00",
            b"null",
            b"[]",
            br#"{"at":"yesterday","by":"M","console":"c","value":{"waiting":1}}"#,
            br#"{"at":1,"by":"M","console":"c","value":{"waiting":-4}}"#,
            br#"{"at":1,"by":"M","console":"c"}"#,
            cut.as_bytes(),
        ] {
            assert!(decode::<Stats>(bytes).is_none(), "{bytes:?}");
        }
    }

    #[test]
    fn a_time_out_of_range_counts_as_no_result_and_one_ahead_as_just_read() {
        for at in [i64::MAX, i64::MIN] {
            let text = format!(r#"{{"at":{at},"by":"M","console":"c","value":{{"waiting":1}}}}"#);
            assert!(decode::<Stats>(text.as_bytes()).is_none(), "{text}");
        }
        let ahead = Stored {
            at: (Utc::now() + chrono::Duration::minutes(1)).timestamp_millis(),
            by: String::new(),
            console: String::new(),
            value: (),
        };
        assert_eq!(age(&ahead), Duration::ZERO);
    }

    #[test]
    fn a_result_is_fresh_for_a_little_under_the_interval() {
        assert_eq!(fresh_for(Duration::from_secs(30)), Duration::from_secs(27));
        assert_eq!(fresh_for(Duration::ZERO), Duration::ZERO);
    }
}
