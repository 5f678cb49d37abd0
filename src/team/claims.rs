//! Claims: right before a transfer is sent, its console claims the session in Redis, so two
//! supervisors never move one conversation at once. A claim names who holds it, where the
//! conversation is going and since when; it expires by itself (a console that crashed blocks
//! nobody for long), and once the transfer is answered it becomes the record of who moved it,
//! for a while, or goes away if nothing was moved.
//!
//! Redis is anyone's who can reach it: a claim that does not read as one of handoff's, or a key
//! of another type under a claim's name, is someone's claim all the same, held by someone
//! unknown, never a reason to send. A Redis that restarted without its data has lost every
//! claim: each console puts its own back as soon as it is connected again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{Local, TimeZone};
use redis::Script;
use serde::{Deserialize, Serialize};

use super::Member;
use super::link::{Health, Link};
use crate::terminal_safe::{self, NAME_CHARS, cut};

/// How long a claim on a transfer under way lasts at most: past any wait for the budget and the
/// platform's answer, short enough that a crashed console's claims free up soon.
const MOVING_TTL_MS: u64 = 180_000;
/// How long "who moved it" is kept after an accepted (or doubtful) transfer: as long as the
/// console warns about a recent move.
const MOVED_TTL_MS: u64 = 600_000;
/// How often a console that holds claims checks that Redis still has them (a restart without
/// its data loses them all): soon enough that a teammate cannot slip in while one is in flight.
const KEEP_EVERY: Duration = Duration::from_secs(1);
/// What is shown of a claim that cannot be read: enough to recognise it, never a flood.
const UNREADABLE_SHOWN: usize = 120;

/// Claims each key for ARGV[1] (this console) for ARGV[2] ms, with the value ARGV[1 + 2i], unless
/// someone else holds it; the mode ARGV[2 + 2i] takes over what someone else holds all the same
/// ('all'), or only a move already answered ('moved'), or nothing ('none'). Returns, per key,
/// {1, ''} claimed, {0, value} held by someone (the value as it stands), or {2, what} held in a
/// form that is not a claim of handoff's (another type of key, or a value that is not JSON).
const CLAIM: &str = r"
local out = {}
for i, key in ipairs(KEYS) do
  local value, mode = ARGV[1 + 2 * i], ARGV[2 + 2 * i]
  local kind = redis.call('TYPE', key).ok
  local free = kind == 'none' or mode == 'all'
  local held = nil
  if kind == 'string' then
    held = redis.call('GET', key)
    local ok, claim = pcall(cjson.decode, held)
    if ok and type(claim) == 'table' then
      if claim.console == ARGV[1] then free = true end
      if mode == 'moved' and claim.moved == true then free = true end
    end
  end
  if free then
    if kind ~= 'none' and kind ~= 'string' then redis.call('DEL', key) end
    redis.call('SET', key, value, 'PX', ARGV[2])
    out[i] = {1, ''}
  elseif kind ~= 'string' then
    out[i] = {2, 'a Redis ' .. kind .. ' under the claim key'}
  else
    out[i] = {0, held}
  end
end
return out
";

/// Replaces (with ARGV[1 + i], for ARGV[1 + n + i] ms) or removes (an empty value) each key's
/// claim, only while it is still this console's (ARGV[1]): a claim that expired and was taken by
/// someone else is left to them.
const SETTLE: &str = r"
local n = #KEYS
for i, key in ipairs(KEYS) do
  if redis.call('TYPE', key).ok == 'string' then
    local ok, claim = pcall(cjson.decode, redis.call('GET', key))
    if ok and type(claim) == 'table' and claim.console == ARGV[1] then
      local value = ARGV[1 + i]
      if value == '' then
        redis.call('DEL', key)
      else
        redis.call('SET', key, value, 'PX', ARGV[1 + n + i])
      end
    end
  end
end
return n
";

/// What Redis keeps about a session being moved, or moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The supervisor's name.
    pub by: String,
    /// Which console: the same supervisor may run two.
    pub console: String,
    /// Where it goes, in words ("queue Billing").
    pub target: String,
    /// Since when, in ms since the epoch.
    pub at: i64,
    /// `false` while the transfer is under way; `true` once the platform accepted it (or may
    /// have).
    pub moved: bool,
}

impl Holder {
    /// "Marcus is moving it to queue Billing (since 14:03:10)" or "Marcus moved it to queue
    /// Billing at 14:03:11". The names are a teammate's words, read from Redis: made safe and
    /// cut to a name's length.
    pub fn words(&self) -> String {
        let at = Local
            .timestamp_millis_opt(self.at)
            .single()
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "an unknown time".into());
        let by = shown(&self.by, NAME_CHARS);
        let target = shown(&self.target, NAME_CHARS);
        if self.moved {
            format!("{by} moved it to {target} at {at}")
        } else {
            format!("{by} is moving it to {target} (since {at})")
        }
    }
}

/// What a claim came to, for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This console may send.
    Ours,
    /// Someone else is moving it, or moved it.
    Held(Holder),
    /// Something that is not a claim handoff can read holds the key: someone unknown has it,
    /// as said in these words.
    HeldByUnknown(String),
}

/// What a claim may take from someone else who holds the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeOver {
    /// Nothing: a session someone else holds stays theirs.
    Nothing,
    /// A move already answered: the supervisor was told of the recent move and confirmed.
    Moved,
    /// Whatever is held: the supervisor read who holds it and confirmed.
    All,
}

impl TakeOver {
    fn word(self) -> &'static str {
        match self {
            Self::Nothing => "none",
            Self::Moved => "moved",
            Self::All => "all",
        }
    }
}

/// Cheap to clone; clones share what this console holds.
#[derive(Debug, Clone)]
pub struct Claims {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    link: Link,
    prefix: String,
    name: String,
    console: String,
    claim: Script,
    settle: Script,
    /// The claims this console holds, by key: the value and when it expires (ms since the
    /// epoch), to put back in a Redis that lost them.
    mine: Mutex<HashMap<String, (String, i64)>>,
    /// The link's connection count when the claims above were last known to be in Redis.
    asserted: AtomicU64,
}

impl Claims {
    pub fn new(link: Link, account: &str, member: &Member) -> Self {
        let asserted = AtomicU64::new(link.connections());
        let claims = Self {
            inner: Arc::new(Inner {
                link,
                prefix: format!("handoff:{{{account}}}:claim:"),
                name: member.name.clone(),
                console: member.console.clone(),
                claim: Script::new(CLAIM),
                settle: Script::new(SETTLE),
                mine: Mutex::new(HashMap::new()),
                asserted,
            }),
        };
        claims.keep_in_redis();
        claims
    }

    /// Why Redis cannot be used right now, in words, if the link knows.
    pub fn away(&self) -> Option<String> {
        match self.inner.link.health() {
            Health::Away(why) => Some(why),
            Health::Joining | Health::Joined => None,
        }
    }

    /// Claims each of `wanted` (a session, where it goes in words, and what may be taken over)
    /// for this console, in one round trip. `None` when Redis could not answer: nothing is
    /// claimed, and nothing may be sent on a claim.
    pub async fn claim(&self, wanted: &[(&str, &str, TakeOver)]) -> Option<Vec<Claim>> {
        if wanted.is_empty() {
            return Some(Vec::new());
        }
        self.reassert_if_reconnected().await;
        let inner = &self.inner;
        let now = chrono::Utc::now().timestamp_millis();
        let keys: Vec<String> = wanted
            .iter()
            .map(|(session, ..)| inner.key(session))
            .collect();
        let values: Vec<String> = wanted
            .iter()
            .map(|(_, target, _)| inner.value(target, now, false))
            .collect();
        let reply: Vec<(i64, String)> = inner
            .link
            .call(|mut connection| {
                let mut invocation = inner.claim.prepare_invoke();
                for key in &keys {
                    invocation.key(key);
                }
                invocation.arg(&inner.console).arg(MOVING_TTL_MS);
                for (value, (.., take_over)) in values.iter().zip(wanted) {
                    invocation.arg(value).arg(take_over.word());
                }
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await?;
        if reply.len() != wanted.len() {
            return None;
        }
        let expires = now.saturating_add(MOVING_TTL_MS as i64);
        let mut mine = inner.mine.lock().unwrap_or_else(|p| p.into_inner());
        let claims = reply
            .into_iter()
            .zip(keys.into_iter().zip(values))
            .map(|((code, held), (key, value))| match code {
                1 => {
                    mine.insert(key, (value, expires));
                    Claim::Ours
                }
                0 => match serde_json::from_str::<Holder>(&held) {
                    Ok(holder) => Claim::Held(holder),
                    Err(_) => Claim::HeldByUnknown(unreadable(&held)),
                },
                _ => Claim::HeldByUnknown(format!(
                    "someone unknown holds it ({})",
                    shown(&held, UNREADABLE_SHOWN)
                )),
            })
            .collect();
        Some(claims)
    }

    /// Who holds each of `sessions` now, without claiming anything: `None` for a session nobody
    /// holds or this console holds. `None` overall when Redis could not answer.
    pub async fn holders(&self, sessions: &[&str]) -> Option<Vec<Option<Claim>>> {
        let inner = &self.inner;
        let keys: Vec<String> = sessions.iter().map(|s| inner.key(s)).collect();
        // A key of another type reads as nothing here: the claim itself refuses it.
        let values: Vec<Option<String>> = inner
            .link
            .call(|mut connection| {
                let mut get = redis::cmd("MGET");
                for key in &keys {
                    get.arg(key);
                }
                async move { get.query_async(&mut connection).await }
            })
            .await?;
        Some(
            values
                .into_iter()
                .map(|value| {
                    let value = value?;
                    match serde_json::from_str::<Holder>(&value) {
                        Ok(holder) if holder.console == inner.console => None,
                        Ok(holder) => Some(Claim::Held(holder)),
                        Err(_) => Some(Claim::HeldByUnknown(unreadable(&value))),
                    }
                })
                .collect(),
        )
    }

    /// The transfers of `settled` (a session, where it went in words, and whether the platform
    /// accepted it or may have) are answered: a move stays as the record of who moved it, for a
    /// while; a session that certainly did not move is let go. Only this console's own claims
    /// are touched. Redis away: the claims expire by themselves.
    pub async fn settle(&self, settled: &[(&str, &str, bool)]) {
        if settled.is_empty() {
            return;
        }
        let inner = &self.inner;
        let now = chrono::Utc::now().timestamp_millis();
        let mut keys = Vec::with_capacity(settled.len());
        let mut values = Vec::with_capacity(settled.len());
        {
            let mut mine = inner.mine.lock().unwrap_or_else(|p| p.into_inner());
            for &(session, target, moved) in settled {
                let key = inner.key(session);
                if moved {
                    let value = inner.value(target, now, true);
                    let expires = now.saturating_add(MOVED_TTL_MS as i64);
                    mine.insert(key.clone(), (value.clone(), expires));
                    values.push(value);
                } else {
                    mine.remove(&key);
                    values.push(String::new());
                }
                keys.push(key);
            }
        }
        let _ = inner
            .link
            .call(|mut connection| {
                let mut invocation = inner.settle.prepare_invoke();
                for key in &keys {
                    invocation.key(key);
                }
                invocation.arg(&inner.console);
                for value in &values {
                    invocation.arg(value);
                }
                for _ in &keys {
                    invocation.arg(MOVED_TTL_MS);
                }
                async move { invocation.invoke_async::<i64>(&mut connection).await }
            })
            .await;
    }

    /// Puts this console's live claims back if the link connected anew since they were last
    /// known to be there: a Redis that restarted without its data lost them. A claim a teammate
    /// took meanwhile is left to them.
    async fn reassert_if_reconnected(&self) {
        let inner = &self.inner;
        let connections = inner.link.connections();
        if inner.asserted.load(Ordering::Acquire) == connections {
            return;
        }
        let now = chrono::Utc::now().timestamp_millis();
        let live: Vec<(String, String, i64)> = {
            let mut mine = inner.mine.lock().unwrap_or_else(|p| p.into_inner());
            mine.retain(|_, (_, expires)| *expires > now);
            mine.iter()
                .map(|(key, (value, expires))| (key.clone(), value.clone(), expires - now))
                .collect()
        };
        if live.is_empty() {
            inner.asserted.store(connections, Ordering::Release);
            return;
        }
        let put_back = inner
            .link
            .call(|mut connection| {
                let mut pipe = redis::pipe();
                for (key, value, ttl) in &live {
                    pipe.cmd("SET")
                        .arg(key)
                        .arg(value)
                        .arg("PX")
                        .arg(*ttl)
                        .arg("NX")
                        .ignore();
                }
                async move { pipe.query_async::<()>(&mut connection).await }
            })
            .await;
        if put_back.is_some() {
            tracing::info!(target: "handoff::team", "put {} claim(s) back in Redis after it reconnected", live.len());
            inner.asserted.store(connections, Ordering::Release);
        }
    }

    /// While this console holds claims, checks every [`KEEP_EVERY`] that Redis still has them,
    /// putting them back after a reconnection. Ends with the last clone of these claims.
    fn keep_in_redis(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(KEEP_EVERY).await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let holding = !inner
                    .mine
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .is_empty();
                if holding {
                    // A call of its own finds out whether the connection broke (a restart).
                    inner.link.ping().await;
                    Claims { inner }.reassert_if_reconnected().await;
                }
            }
        });
    }
}

impl Inner {
    fn key(&self, session: &str) -> String {
        format!("{}{session}", self.prefix)
    }

    /// This console's claim on a transfer to `target`, as Redis keeps it.
    fn value(&self, target: &str, at: i64, moved: bool) -> String {
        serde_json::to_string(&Holder {
            by: self.name.clone(),
            console: self.console.clone(),
            target: target.to_owned(),
            at,
            moved,
        })
        .unwrap_or_default()
    }
}

/// Words for a claim whose value is not a claim handoff can read.
fn unreadable(value: &str) -> String {
    format!(
        "someone unknown holds it (its claim in Redis cannot be read: {})",
        shown(value, UNREADABLE_SHOWN)
    )
}

/// Text read from Redis as one line a terminal shows as it is, cut after `max` characters
/// with the count of what was left out.
fn shown(text: &str, max: usize) -> String {
    terminal_safe::line(&cut(text, max)).into_owned()
}
