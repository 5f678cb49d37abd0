//! The account's budget as the whole team shares it, in Redis: each take, answer and pause is
//! one run of `budget.lua`, atomic on the server, keyed by the account.
//!
//! Every process remembers its own calls of the last window, whichever way it took them. When
//! it rejoins Redis after an outage, or finds that Redis lost its data (a restart without
//! persistence), it puts them back, so the team's count again holds every call it knows of.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use redis::Script;

use super::{Priority, now_ms};
use crate::team::Link;

/// What a process that never heard from Redis, but made calls alone, says it last saw: no
/// epoch is ever this, so a Redis that came up empty (with a new epoch) sees a count was lost.
const MISSED_THE_COUNT: &str = "missed-the-count";

/// How one slot of a process (one call, or a batch of them) is named in the shared window;
/// its calls are this name with `:0`, `:1`, … added.
fn member(process: &str, id: u64) -> String {
    format!("{process}:{id}")
}

/// The shared window as Redis last answered, in milliseconds relative to that answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamView {
    /// When Redis answered, on its clock: of two answers that arrive out of order (concurrent
    /// calls), the later one holds every call the earlier one does.
    pub at: u64,
    pub paused_ms: u64,
    pub transfer_waiting_ms: u64,
    pub bulk_waiting_ms: u64,
    /// `(bucket end relative to now, calls)`, oldest first; the ends are at or before now
    /// unless a call is still out.
    pub counts: Vec<(i64, u32)>,
}

/// What a take came to: the slot's id and how many calls it holds, or how long until the
/// budget allows one.
pub type Taken = Result<(u64, u32), u64>;

#[derive(Debug)]
pub struct TeamBudget {
    link: Link,
    script: Script,
    keys: [String; 3],
    window_ms: u64,
    /// How long after its slot was taken an unanswered call may still reach the platform: it
    /// counts from then until answered.
    unanswered_ms: u64,
    /// Names this process's calls apart from every other's.
    process: String,
    next_id: AtomicU64,
    /// This process's slots in the last window: `(id, calls, counting from, in ms since the
    /// epoch)`; an unanswered slot counts from the latest moment its calls could arrive.
    mine: Mutex<VecDeque<(u64, u32, u64)>>,
    /// The link's join count and the data's epoch as of the last resync.
    synced: Mutex<Option<(u64, String)>>,
    /// Calls were taken alone since the last resync: they are put back at the next answer
    /// that is not a recovery's, or the team's count would miss them.
    alone_since_sync: AtomicBool,
    /// Redis lost the team's count (a restart): until then (ms since the epoch, as Redis said)
    /// every console counts alone, the window counting as full from the loss, while all of them
    /// put their calls back; two windows later all have, and none of the lost calls counts any
    /// more.
    recovering_until: Mutex<Option<u64>>,
}

impl TeamBudget {
    /// The window named `name` of `account` ("budget" for every call, "reads" for the
    /// background reads' ceiling).
    pub fn new(link: Link, account: &str, name: &str, window_ms: u64, unanswered_ms: u64) -> Self {
        let prefix = format!("handoff:{{{account}}}:{name}");
        Self {
            link,
            script: Script::new(include_str!("budget.lua")),
            keys: [
                format!("{prefix}:calls"),
                format!("{prefix}:marks"),
                format!("{prefix}:epoch"),
            ],
            window_ms,
            unanswered_ms,
            process: uuid::Uuid::new_v4().simple().to_string(),
            next_id: AtomicU64::new(1),
            mine: Mutex::new(VecDeque::new()),
            synced: Mutex::new(None),
            alone_since_sync: AtomicBool::new(false),
            recovering_until: Mutex::new(None),
        }
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Whether this process counts alone because Redis lost the team's count.
    pub fn recovering(&self) -> bool {
        self.recovering_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|until| now_ms() < until)
    }

    /// Takes a slot for up to `wanted` calls of `priority` (at least one) from the team's
    /// window: `None` if Redis could not say (the caller then counts on its own share).
    pub async fn take(
        &self,
        priority: Priority,
        (all, background): (usize, usize),
        hold_ms: u64,
        wanted: u32,
        now: u64,
    ) -> Option<(Taken, TeamView)> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let priority = match priority {
            Priority::Transfer => "transfer",
            Priority::Bulk => "bulk",
            Priority::Background => "background",
        };
        let args = [
            priority.to_owned(),
            all.to_string(),
            background.to_string(),
            hold_ms.to_string(),
            member(&self.process, id),
            wanted.max(1).to_string(),
            self.unanswered_ms.to_string(),
        ];
        let (taken, wait, view) = self.run("take", &args).await?;
        if taken > 0 {
            self.remember(id, taken, now.saturating_add(self.unanswered_ms));
            Some((Ok((id, taken)), view))
        } else {
            Some((Err(wait), view))
        }
    }

    /// A slot of `calls` this process took on its own share: they join the team's count on
    /// rejoining.
    pub fn taken_alone(&self, calls: u32, now: u64) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.remember(id, calls, now.saturating_add(self.unanswered_ms));
        self.alone_since_sync.store(true, Ordering::Release);
        id
    }

    /// The `calls` of slot `id` have their answers: they count from now.
    pub async fn done(&self, id: u64, calls: u32, now: u64) -> Option<TeamView> {
        {
            let mut mine = self.mine.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = mine.iter_mut().find(|(mine, ..)| *mine == id) {
                entry.2 = now;
            }
        }
        let args = [member(&self.process, id), calls.to_string()];
        let (_, _, view) = self.run("done", &args).await?;
        Some(view)
    }

    /// Calls `kept..calls` of slot `id` were never made: they leave the team's window.
    pub async fn release(&self, id: u64, kept: u32, calls: u32) -> Option<TeamView> {
        {
            let mut mine = self.mine.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = mine.iter_mut().find(|(mine, ..)| *mine == id) {
                entry.1 = kept;
            }
        }
        let args = [
            member(&self.process, id),
            kept.to_string(),
            calls.to_string(),
        ];
        let (_, _, view) = self.run("release", &args).await?;
        Some(view)
    }

    /// Every call of the team waits `pause_ms`.
    pub async fn pause(&self, pause_ms: u64) -> Option<TeamView> {
        let (_, _, view) = self.run("pause", &[pause_ms.to_string()]).await?;
        Some(view)
    }

    /// The team's window as it stands.
    pub async fn look(&self) -> Option<TeamView> {
        let (_, _, view) = self.run("look", &[]).await?;
        Some(view)
    }

    /// Keeps slot `id` of `calls`, counting from `from`.
    fn remember(&self, id: u64, calls: u32, from: u64) {
        let now = now_ms();
        let mut mine = self.mine.lock().unwrap_or_else(|p| p.into_inner());
        mine.retain(|&(.., at)| at.saturating_add(self.window_ms) > now);
        mine.push_back((id, calls, from));
    }

    /// Runs one operation of the script. Calls this process made alone go back first, so that
    /// the operation counts them (a take above all); and all of its calls of the last window go
    /// back after it if Redis was rejoined or lost its data since they last did. `None` while
    /// the team recovers from such a loss (the operation is still done: an answer or a pause
    /// still counts).
    async fn run(&self, op: &str, args: &[String]) -> Option<(u32, u64, TeamView)> {
        let mut synced = self
            .synced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if self.alone_since_sync.swap(false, Ordering::AcqRel) {
            // A process that never heard from Redis and made calls alone shows it missed the
            // team's count all the same: a Redis that came up empty must not take it for the
            // team's first call, and lend out the window its calls used.
            let seen = synced
                .as_ref()
                .map_or_else(|| MISSED_THE_COUNT.to_owned(), |(_, epoch)| epoch.clone());
            let Some((epoch, _)) = self.put_back(&seen).await else {
                // Not put back yet: the next call tries again.
                self.alone_since_sync.store(true, Ordering::Release);
                return None;
            };
            synced = Some((self.link.joins(), epoch));
        }
        let seen = synced
            .as_ref()
            .map(|(_, epoch)| epoch.clone())
            .unwrap_or_default();
        let reply = self.invoke(op, &seen, args).await?;
        let (taken, wait, epoch, recovering_ms, mut view) = parse(&reply)?;
        let joins = self.link.joins();
        if synced != Some((joins, epoch.clone())) {
            let Some((epoch, resynced)) = self.put_back(&epoch).await else {
                self.alone_since_sync.store(true, Ordering::Release);
                return None;
            };
            view = resynced;
            synced = Some((joins, epoch));
        }
        *self.synced.lock().unwrap_or_else(|p| p.into_inner()) = synced;
        *self
            .recovering_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) =
            (recovering_ms > 0).then(|| now_ms().saturating_add(recovering_ms));
        (recovering_ms == 0).then_some((taken, wait, view))
    }

    /// Puts this process's calls of the last window back into the team's count, as one that
    /// last saw the count of epoch `seen`: the count's epoch now, and the window with them.
    async fn put_back(&self, seen: &str) -> Option<(String, TeamView)> {
        let now = now_ms();
        let calls: Vec<String> = self
            .mine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .flat_map(|&(id, calls, at)| {
                // Negative for a call still unanswered: it counts from a moment to come.
                let age = (i128::from(now) - i128::from(at)).to_string();
                (0..calls)
                    .flat_map(move |n| [format!("{}:{n}", member(&self.process, id)), age.clone()])
            })
            .collect();
        let reply = self.invoke("resync", seen, &calls).await?;
        let (_, _, epoch, _, view) = parse(&reply)?;
        Some((epoch, view))
    }

    async fn invoke(&self, op: &str, seen: &str, args: &[String]) -> Option<Vec<redis::Value>> {
        self.link
            .call(|mut connection| async move {
                let mut invocation = self.script.prepare_invoke();
                invocation
                    .key(&self.keys[0])
                    .key(&self.keys[1])
                    .key(&self.keys[2]);
                invocation
                    .arg(op)
                    .arg(self.window_ms)
                    .arg(uuid::Uuid::new_v4().simple().to_string())
                    .arg(seen);
                for arg in args {
                    invocation.arg(arg);
                }
                invocation.invoke_async(&mut connection).await
            })
            .await
    }
}

/// The script's reply; `None` if it is not the expected shape (another program's data under
/// the same keys), which is treated like an unreachable Redis.
fn parse(reply: &[redis::Value]) -> Option<(u32, u64, String, u64, TeamView)> {
    let int = |value: &redis::Value| match value {
        redis::Value::Int(n) => Some(*n),
        _ => None,
    };
    let positive = |value: &redis::Value| int(value).map(|n| u64::try_from(n).unwrap_or(0));
    let epoch = match reply.get(2)? {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(text) => text.clone(),
        _ => return None,
    };
    let counts = reply
        .get(8..)?
        .chunks(2)
        .map(|pair| match pair {
            [at, calls] => Some((int(at)?, u32::try_from(int(calls)?).ok()?)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((
        u32::try_from(int(reply.first()?)?).ok()?,
        positive(reply.get(1)?)?,
        epoch,
        positive(reply.get(6)?)?,
        TeamView {
            at: positive(reply.get(7)?)?,
            paused_ms: positive(reply.get(3)?)?,
            transfer_waiting_ms: positive(reply.get(4)?)?,
            bulk_waiting_ms: positive(reply.get(5)?)?,
            counts,
        },
    ))
}
