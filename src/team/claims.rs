//! Claims: before a transfer is sent, its console claims the session in Redis, so two
//! supervisors never move one conversation at once. A claim names who holds it, where the
//! conversation is going and since when; it expires by itself (a console that crashed blocks
//! nobody for long), and once the transfer is answered it becomes the record of who moved it,
//! for a while, or goes away if nothing was moved.

use chrono::{Local, TimeZone};
use redis::Script;
use serde::{Deserialize, Serialize};

use super::Member;
use super::link::Link;

/// How long a claim on a transfer under way lasts at most: past any wait for the budget and the
/// platform's answer, short enough that a crashed console's claims free up soon.
const MOVING_TTL_MS: u64 = 180_000;
/// How long "who moved it" is kept after an accepted (or doubtful) transfer: as long as the
/// console warns about a recent move.
const MOVED_TTL_MS: u64 = 600_000;

/// Replaces or removes a claim only while it is still this console's: a claim that expired and
/// was taken by someone else is left to them.
const SETTLE: &str = r"
local held = redis.call('GET', KEYS[1])
if not held then return 0 end
local ok, claim = pcall(cjson.decode, held)
if not ok or claim.console ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
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
    /// Billing at 14:03:11".
    pub fn words(&self) -> String {
        let at = Local
            .timestamp_millis_opt(self.at)
            .single()
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "an unknown time".into());
        if self.moved {
            format!("{} moved it to {} at {at}", self.by, self.target)
        } else {
            format!("{} is moving it to {} (since {at})", self.by, self.target)
        }
    }
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This console may send.
    Ours,
    /// Someone else is moving it, or moved it.
    Held(Holder),
    /// Redis could not say: the transfer goes ahead unclaimed (the console says why Redis is
    /// away elsewhere).
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Claims {
    link: Link,
    prefix: String,
    name: String,
    console: String,
}

impl Claims {
    pub fn new(link: Link, account: &str, member: &Member) -> Self {
        Self {
            link,
            prefix: format!("handoff:{{{account}}}:claim:"),
            name: member.name.clone(),
            console: member.console.clone(),
        }
    }

    /// Claims `session` for a transfer to `target`; with `take_over`, also when someone else
    /// holds it (the supervisor read who and confirmed).
    pub async fn claim(&self, session: &str, target: &str, take_over: bool) -> Claim {
        let key = format!("{}{session}", self.prefix);
        let ours = Holder {
            by: self.name.clone(),
            console: self.console.clone(),
            target: target.to_owned(),
            at: chrono::Utc::now().timestamp_millis(),
            moved: false,
        };
        let value = serde_json::to_string(&ours).unwrap_or_default();
        let set = self
            .link
            .call(|mut connection| {
                let mut command = redis::cmd("SET");
                command.arg(&key).arg(&value).arg("PX").arg(MOVING_TTL_MS);
                if !take_over {
                    command.arg("NX");
                }
                async move { command.query_async::<Option<String>>(&mut connection).await }
            })
            .await;
        match set {
            None => Claim::Unknown,
            Some(Some(_)) => Claim::Ours,
            Some(None) => {
                let held = self
                    .link
                    .call(|mut connection| {
                        let key = key.clone();
                        async move {
                            redis::cmd("GET")
                                .arg(key)
                                .query_async::<Option<String>>(&mut connection)
                                .await
                        }
                    })
                    .await;
                match held {
                    None => Claim::Unknown,
                    Some(Some(text)) => match serde_json::from_str::<Holder>(&text) {
                        Ok(holder) if holder.console == self.console => Claim::Ours,
                        Ok(holder) => Claim::Held(holder),
                        Err(_) => Claim::Unknown,
                    },
                    // It expired in between: nobody holds it, but this console did not claim
                    // it either; one more try settles it.
                    Some(None) => Box::pin(self.claim(session, target, take_over)).await,
                }
            }
        }
    }

    /// The transfer of `session` is answered: `moved` keeps the claim as the record of who moved
    /// it (for a while); otherwise it is let go. Only this console's own claim is touched.
    pub async fn settle(&self, session: &str, target: &str, moved: bool) {
        let key = format!("{}{session}", self.prefix);
        let value = if moved {
            serde_json::to_string(&Holder {
                by: self.name.clone(),
                console: self.console.clone(),
                target: target.to_owned(),
                at: chrono::Utc::now().timestamp_millis(),
                moved: true,
            })
            .unwrap_or_default()
        } else {
            String::new()
        };
        let script = Script::new(SETTLE);
        let _ = self
            .link
            .call(|mut connection| {
                let mut invocation = script.prepare_invoke();
                invocation
                    .key(&key)
                    .arg(&self.console)
                    .arg(&value)
                    .arg(MOVED_TTL_MS);
                async move { invocation.invoke_async::<i64>(&mut connection).await }
            })
            .await;
    }
}
