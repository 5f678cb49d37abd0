//! The team's activity: every step of every transfer (intent, sending, outcome, callback) is
//! published to a bounded Redis stream once it is in the local audit file, so each console can
//! show its teammates' transfers and `handoff log --team` can print the team's shift.
//!
//! The audit file stays the durable record of what one console did; the stream is the team's
//! view of it. Publishing never holds a transfer up: lines go to a bounded queue that a task of
//! their own empties into Redis, keeping them (up to 10,000, `BACKLOG`) while Redis is away,
//! and sending them when it returns.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::Value as RedisValue;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::Member;
use super::link::Link;
use super::reply;
use crate::terminal_safe;

/// About 12,000 transfers: a busy team's shift. Redis trims the oldest beyond it (`MAXLEN ~`,
/// which trims whole blocks, so a few more may stay).
pub const STREAM_MAXLEN: usize = 50_000;
/// Lines kept while Redis is away; beyond it the oldest are dropped (they stay in the audit file).
const BACKLOG: usize = 10_000;
/// Lines sent in one round trip.
const PUBLISH_BATCH: usize = 256;
/// How long a console waits before trying Redis again after a failed publish.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// Entries asked for in one read.
pub const READ_PAGE: usize = 500;

/// One step of a transfer as a teammate's console published it.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamStep {
    /// The stream's id for it: reading resumes after the last one seen.
    pub id: String,
    /// The supervisor's name, cleaned of anything a terminal would act on.
    pub by: String,
    /// Which console published it.
    pub console: String,
    /// The audit line, as JSON.
    pub line: Value,
}

enum Outgoing {
    Line(Vec<u8>),
    /// Answered once everything queued before it is published, or Redis failed; with the
    /// number of lines still waiting.
    Flush(oneshot::Sender<usize>),
}

/// Publishes this console's steps and reads the team's. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Activity {
    link: Link,
    key: String,
    member: Member,
    /// The publishing task's queue, started on the first publish (inside the runtime).
    outbox: Arc<OnceLock<mpsc::Sender<Outgoing>>>,
}

impl Activity {
    pub fn new(link: Link, account: &str, member: Member) -> Self {
        Self {
            link,
            key: format!("handoff:{{{account}}}:activity"),
            member,
            outbox: Arc::new(OnceLock::new()),
        }
    }

    /// This console, as its steps are marked.
    pub fn member(&self) -> &Member {
        &self.member
    }

    /// Queues audit lines (one per `\n`-separated line of `lines`) for the team's stream. Never
    /// waits: a line that finds the queue full is dropped, and the audit file still holds it.
    pub fn publish(&self, lines: &[u8]) {
        let outbox = self.outbox.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(BACKLOG);
            tokio::spawn(publish_loop(self.clone(), receiver));
            sender
        });
        for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            // A full queue means Redis has been away for a long time and the task's backlog
            // is full too: this line is dropped for the team's view only.
            let _ = outbox.try_send(Outgoing::Line(line.to_vec()));
        }
    }

    /// Waits (at most `within`) for the queued lines to reach Redis; the number that did not,
    /// or `None` if Redis had not answered in that time. A process calls it before it exits,
    /// so a CLI run's steps are not lost on the way.
    pub async fn flush(&self, within: Duration) -> Option<usize> {
        let Some(outbox) = self.outbox.get() else {
            return Some(0);
        };
        let (answer, answered) = oneshot::channel();
        if outbox.send(Outgoing::Flush(answer)).await.is_err() {
            return Some(0);
        }
        tokio::time::timeout(within, answered).await.ok()?.ok()
    }

    /// Sends lines to the stream in one round trip; false if Redis did not take them.
    async fn send(&self, lines: &[Vec<u8>]) -> bool {
        let sent = self
            .link
            .call(|mut connection| {
                let mut pipe = redis::pipe();
                for line in lines {
                    pipe.cmd("XADD")
                        .arg(&self.key)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(STREAM_MAXLEN)
                        .arg("*")
                        .arg("by")
                        .arg(&self.member.name)
                        .arg("console")
                        .arg(&self.member.console)
                        .arg("line")
                        .arg(line.as_slice())
                        .ignore();
                }
                async move { pipe.query_async::<()>(&mut connection).await }
            })
            .await;
        sent.is_some()
    }

    /// The newest `count` steps, oldest first; `None` when Redis cannot say.
    pub async fn latest(&self, count: usize) -> Option<Page> {
        let reply = self.range("XREVRANGE", "+", "-", count).await?;
        let mut page = Page::from(reply);
        page.steps.reverse();
        page.last = page.first.take();
        Some(page)
    }

    /// Up to `count` steps after the one with id `after`, oldest first; `None` when Redis
    /// cannot say.
    pub async fn after(&self, after: &str, count: usize) -> Option<Page> {
        let reply = self
            .range("XRANGE", &format!("({after}"), "+", count)
            .await?;
        Some(Page::from(reply))
    }

    /// Every step from `since_ms` (ms since the epoch) on, oldest first, read a page at a
    /// time; `None` when Redis cannot say.
    pub async fn since(&self, since_ms: i64) -> Option<Vec<TeamStep>> {
        let first = self
            .range("XRANGE", &format!("{}-0", since_ms.max(0)), "+", READ_PAGE)
            .await?;
        let mut page = Page::from(first);
        let mut steps = Vec::new();
        loop {
            steps.append(&mut page.steps);
            match page.last.take() {
                Some(last) if page.entries == READ_PAGE => {
                    page = self.after(&last, READ_PAGE).await?
                }
                _ => return Some(steps),
            }
        }
    }

    /// How many steps the stream holds and the time (ms since the epoch) of its oldest, for
    /// saying where the team's record begins once the stream was trimmed.
    pub async fn extent(&self) -> Option<(usize, Option<i64>)> {
        let (len, oldest) = self
            .link
            .call(|mut connection| {
                let mut pipe = redis::pipe();
                pipe.cmd("XLEN").arg(&self.key);
                pipe.cmd("XRANGE")
                    .arg(&self.key)
                    .arg("-")
                    .arg("+")
                    .arg("COUNT")
                    .arg(1);
                async move {
                    pipe.query_async::<(usize, RedisValue)>(&mut connection)
                        .await
                }
            })
            .await?;
        let oldest = Page::from(oldest).first.as_deref().and_then(id_ms);
        Some((len, oldest))
    }

    async fn range(
        &self,
        command: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> Option<RedisValue> {
        self.link
            .call(|mut connection| {
                let command = redis::cmd(command)
                    .arg(&self.key)
                    .arg(start)
                    .arg(end)
                    .arg("COUNT")
                    .arg(count)
                    .to_owned();
                async move { command.query_async::<RedisValue>(&mut connection).await }
            })
            .await
    }
}

/// What one read of the stream gave.
#[derive(Debug, Default)]
pub struct Page {
    /// The steps that could be read, in the reply's order.
    pub steps: Vec<TeamStep>,
    /// How many entries the reply held, readable or not: a full page means there may be more.
    pub entries: usize,
    /// The ids of the reply's first and last entries, readable or not: the next read goes on
    /// from the last.
    pub first: Option<String>,
    pub last: Option<String>,
}

impl From<RedisValue> for Page {
    /// Read leniently: the stream is written by other processes (other versions, or anyone with
    /// access to Redis), so an entry without a console, a name or a JSON line is skipped, never
    /// an error.
    fn from(reply: RedisValue) -> Self {
        let RedisValue::Array(entries) = reply else {
            return Self::default();
        };
        let mut page = Self {
            entries: entries.len(),
            ..Self::default()
        };
        for entry in entries {
            let RedisValue::Array(parts) = entry else {
                continue;
            };
            let mut parts = parts.into_iter();
            let Some(id) = parts.next().and_then(reply::text) else {
                continue;
            };
            page.first.get_or_insert_with(|| id.clone());
            page.last = Some(id.clone());
            if let Some(step) = parts.next().and_then(|fields| step_from(id, fields)) {
                page.steps.push(step);
            }
        }
        page
    }
}

/// The time (ms since the epoch) in a stream id, `"<ms>-<seq>"`.
fn id_ms(id: &str) -> Option<i64> {
    id.split_once('-')?.0.parse().ok()
}

/// Empties the queue into Redis, in order, a batch a round trip. While Redis is away the lines
/// wait in a backlog (the oldest dropped beyond [`BACKLOG`]) and go out when it answers again.
async fn publish_loop(activity: Activity, mut queue: mpsc::Receiver<Outgoing>) {
    let mut backlog: VecDeque<Vec<u8>> = VecDeque::new();
    let mut flushes: Vec<oneshot::Sender<usize>> = Vec::new();
    let take = |message: Outgoing,
                backlog: &mut VecDeque<Vec<u8>>,
                flushes: &mut Vec<oneshot::Sender<usize>>| match message {
        Outgoing::Line(line) => {
            if backlog.len() >= BACKLOG {
                backlog.pop_front();
            }
            backlog.push_back(line);
        }
        Outgoing::Flush(answer) => flushes.push(answer),
    };
    loop {
        if backlog.is_empty() {
            for answer in flushes.drain(..) {
                let _ = answer.send(0);
            }
            match queue.recv().await {
                Some(message) => take(message, &mut backlog, &mut flushes),
                None => return,
            }
        }
        while let Ok(message) = queue.try_recv() {
            take(message, &mut backlog, &mut flushes);
        }
        if backlog.is_empty() {
            continue;
        }
        let batch: Vec<Vec<u8>> = backlog.iter().take(PUBLISH_BATCH).cloned().collect();
        if activity.send(&batch).await {
            backlog.drain(..batch.len());
            continue;
        }
        // Redis is away: whoever waits for a flush is told what is left, and the lines wait
        // for the next try (new ones join them meanwhile).
        for answer in flushes.drain(..) {
            let _ = answer.send(backlog.len());
        }
        let retry = tokio::time::sleep(RETRY_AFTER);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                () = &mut retry => break,
                message = queue.recv() => match message {
                    Some(message) => take(message, &mut backlog, &mut flushes),
                    None => break,
                },
            }
        }
    }
}

fn step_from(id: String, fields: RedisValue) -> Option<TeamStep> {
    let (mut by, mut console, mut line) = (None, None, None);
    for (name, value) in reply::fields(fields)? {
        match name.as_str() {
            "by" => by = Some(value),
            "console" => console = Some(value),
            "line" => line = Some(value),
            _ => {}
        }
    }
    let (by, _) = terminal_safe::clean_name(&by?);
    if by.is_empty() {
        return None;
    }
    Some(TeamStep {
        id,
        by: terminal_safe::cut(&by, terminal_safe::NAME_CHARS).into_owned(),
        console: console?,
        line: serde_json::from_str(&line?).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::reply::fixtures::{bulk, entry};

    #[test]
    fn entries_missing_a_field_or_holding_garbage_are_skipped() {
        let line = r#"{"at":"2026-11-25T10:00:00Z","event":"intent"}"#;
        let reply = RedisValue::Array(vec![
            entry("1-0", &[("by", "Priya"), ("console", "c1"), ("line", line)]),
            entry("2-0", &[("by", "Priya"), ("line", line)]),
            entry(
                "3-0",
                &[("by", "Priya"), ("console", "c1"), ("line", "{not json")],
            ),
            entry(
                "4-0",
                &[("by", "\u{1b}[2J"), ("console", "c1"), ("line", line)],
            ),
            RedisValue::Int(7),
            RedisValue::Array(vec![bulk("5-0")]),
            entry(
                "6-0",
                &[
                    ("by", "Marcus\u{1b}]0;x\u{7}"),
                    ("console", "c2"),
                    ("line", line),
                    ("extra", "1"),
                ],
            ),
        ]);
        let page = Page::from(reply);
        assert_eq!(page.entries, 7);
        assert_eq!(page.first.as_deref(), Some("1-0"));
        assert_eq!(page.last.as_deref(), Some("6-0"));
        let steps = page.steps;
        let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["1-0", "4-0", "6-0"]);
        // Escape sequences never reach the screen; a name that was nothing but one is
        // shown as what is left of it.
        assert!(
            steps
                .iter()
                .all(|s| !s.by.chars().any(terminal_safe::is_unsafe))
        );
        assert_eq!(steps[2].by, "Marcus]0;x");
    }

    #[test]
    fn a_reply_that_is_not_a_list_reads_as_no_steps() {
        assert!(Page::from(RedisValue::Nil).steps.is_empty());
        assert_eq!(Page::from(bulk("OK")).entries, 0);
    }

    #[test]
    fn a_long_name_is_cut_and_counted() {
        let long = "n".repeat(500);
        let line = r#"{"a":1}"#;
        let steps = Page::from(RedisValue::Array(vec![entry(
            "1-0",
            &[("by", &long), ("console", "c"), ("line", line)],
        )]))
        .steps;
        let by = &steps[0].by;
        assert!(by.chars().count() <= terminal_safe::NAME_CHARS, "{by}");
        let kept = by.find('…').unwrap();
        assert_eq!(by[kept..], format!("…(+{} characters)", 500 - kept));
    }
}
