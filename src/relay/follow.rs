//! A console's end of the relay: it reads the account's callback stream and passes each
//! callback on as its own receiver would, marked as relayed, so the one callback rule applies
//! those about this console's transfers and passes over the rest. A console remembers the last
//! entry it read in its data folder, so one that was closed, or lost Redis, catches up on
//! everything since (the stream keeps 24 hours); a run of `handoff transfer --wait` reads from
//! the stream's end as it starts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::stream::{entries_of, stream_key};
use crate::callback::CallbackEvent;
use crate::config::TeamConfig;
use crate::team::{Link, reply};

/// How long one read waits on Redis for a new entry: short enough that a Redis gone quiet is
/// noticed, long enough that an idle console costs Redis almost nothing.
const BLOCK_FOR: Duration = Duration::from_secs(2);
/// Entries read at once while catching up.
const PAGE: usize = 200;
/// How soon a read is tried again after Redis could not answer.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// In the data folder, followed by `-<account>`: how far the console has read the stream.
pub const CURSOR_FILE: &str = "relay-cursor";

/// Where a follower starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// After the entry named in the data folder's cursor, which it keeps up to date; at the
    /// stream's end when there is none yet.
    Remembered(PathBuf),
    /// At the stream's end as it starts, remembering nothing.
    End,
}

impl Start {
    /// The console's start: the cursor of `data_dir`, for `account`.
    pub fn remembered_in(data_dir: &Path, account: &str) -> Self {
        Self::Remembered(data_dir.join(format!("{CURSOR_FILE}-{account}")))
    }
}

/// The task reading the stream, stopped when dropped.
pub struct Follower {
    task: JoinHandle<()>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Follower {
    /// Starts reading `account`'s callbacks from the team's Redis into `events`. The stream's
    /// end is asked before this returns, so a transfer sent after it is never missed.
    pub async fn start(
        team: &TeamConfig,
        account: &str,
        start: Start,
        events: mpsc::Sender<CallbackEvent>,
    ) -> Result<Self, String> {
        let link = Link::with_deadline(team, BLOCK_FOR + Duration::from_secs(1))?;
        let key = stream_key(account);
        let cursor = match &start {
            Start::Remembered(path) => Some(path.clone()),
            Start::End => None,
        };
        let after = match cursor.as_deref().and_then(read_cursor) {
            Some(id) => id,
            None => {
                // Kept at once: a console closed before anything came catches up from here.
                let end = stream_end(&link, &key).await;
                if let Some(path) = &cursor {
                    write_cursor(path, &end);
                }
                end
            }
        };
        let task = tokio::spawn(follow(link, key, after, cursor, events));
        Ok(Self { task })
    }
}

/// The id of the stream's last entry (`0-0` when empty); while Redis cannot say, the last five
/// minutes by this machine's clock, so a clock a little ahead of Redis's misses nothing.
async fn stream_end(link: &Link, key: &str) -> String {
    let last = link
        .call(|mut connection| async move {
            redis::cmd("XREVRANGE")
                .arg(key)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1)
                .query_async::<redis::Value>(&mut connection)
                .await
        })
        .await;
    match last {
        Some(redis::Value::Array(entries)) => entries
            .into_iter()
            .next()
            .and_then(|entry| match entry {
                redis::Value::Array(parts) => parts.into_iter().next().and_then(reply::text),
                _ => None,
            })
            .filter(|id| is_stream_id(id))
            .unwrap_or_else(|| "0-0".into()),
        _ => super::stream::id_at(chrono::Local::now() - chrono::Duration::minutes(5)),
    }
}

async fn follow(
    link: Link,
    key: String,
    mut after: String,
    cursor: Option<PathBuf>,
    events: mpsc::Sender<CallbackEvent>,
) {
    loop {
        let read = link
            .call(|mut connection| {
                let command = redis::cmd("XREAD")
                    .arg("COUNT")
                    .arg(PAGE)
                    .arg("BLOCK")
                    .arg(BLOCK_FOR.as_millis() as u64)
                    .arg("STREAMS")
                    .arg(&key)
                    .arg(&after)
                    .to_owned();
                async move { command.query_async::<redis::Value>(&mut connection).await }
            })
            .await;
        let Some(reply) = read else {
            tokio::time::sleep(RETRY_AFTER).await;
            continue;
        };
        let (entries, last) = entries_of(reply);
        for entry in entries {
            if events
                .send(CallbackEvent::Received(entry.callback))
                .await
                .is_err()
            {
                return;
            }
        }
        if let Some(last) = last {
            after = last;
            if let Some(path) = &cursor {
                write_cursor(path, &after);
            }
        }
    }
}

fn is_stream_id(text: &str) -> bool {
    text.split_once('-').is_some_and(|(ms, seq)| {
        !ms.is_empty()
            && !seq.is_empty()
            && ms.len() <= 20
            && seq.len() <= 20
            && ms.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit())
    })
}

fn read_cursor(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let id = text.trim();
    is_stream_id(id).then(|| id.to_owned())
}

/// Replaced whole, so a console killed mid-write finds the old cursor or the new one. A cursor
/// lost to a power cut only means reading some entries again, which settle nothing twice.
fn write_cursor(path: &Path, id: &str) {
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    let written = tempfile::NamedTempFile::new_in(folder).and_then(|mut temp| {
        std::io::Write::write_all(&mut temp, id.as_bytes())?;
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    });
    if let Err(error) = written {
        tracing::warn!("cannot keep the relay cursor {}: {error}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stream_ids_are_taken_as_cursors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor");
        assert_eq!(read_cursor(&path), None);
        write_cursor(&path, "1700000000000-3");
        assert_eq!(read_cursor(&path).as_deref(), Some("1700000000000-3"));
        for garbage in ["", "-", "12-", "x-1", "1-2-3", "1 -2", "$"] {
            std::fs::write(&path, garbage).unwrap();
            assert_eq!(read_cursor(&path), None, "{garbage:?}");
        }
    }
}
