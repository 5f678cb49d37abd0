//! Team mode: the supervisors of one account share a Redis (`[team]` in the config), so their
//! consoles and CLI runs draw from one request budget and never move one conversation twice.
//! This module is what the team keeps in Redis, below everything that uses it:
//!
//! - [`link`]: the connection, a short deadline on every call, and whether Redis is usable;
//! - [`claims`]: a session claimed before it is sent, so no two consoles move it at once;
//! - [`activity`]: every step of every transfer on a bounded stream, for the team's view;
//! - [`shared_reads`]: who is free and the conversation list read by one console for all.
//!
//! The team's budget is the budget's own Redis backend (`budget::team`), and teammates'
//! transfers are folded from the activity stream by the transfer layer
//! (`transfer::teammates`). Without `[team]` none of this runs and handoff works alone.
//! With it, anything Redis cannot answer in time falls back to what one console can do alone,
//! and says so.

pub mod activity;
pub mod claims;
pub mod link;
pub mod reply;
pub mod shared_reads;

pub use activity::{Activity, TeamStep};
pub use claims::{Claim, Claims, Holder, TakeOver};
pub use link::{Health, Link};
pub use shared_reads::{Shared, SharedReads};

use crate::config::TeamConfig;

/// Who a console is to its teammates: the supervisor's name, and which of their consoles (one
/// supervisor may run two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub console: String,
}

impl Member {
    /// A new console of the supervisor called `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            console: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// How long a process that ends waits for its last steps to reach the team's stream.
const ACTIVITY_FLUSH: std::time::Duration = std::time::Duration::from_secs(2);

/// This console's place in the team: its link to the team's Redis, and what it keeps there.
#[derive(Debug, Clone)]
pub struct Team {
    /// The link the team's budget counts through.
    pub link: Link,
    pub claims: Claims,
    pub activity: Activity,
    /// On a link of its own, with a longer deadline: a shared read carries a whole list.
    pub shared_reads: SharedReads,
}

impl Team {
    /// Joins the team of `[team]` for `account` on the platform at `host`, as a new console of
    /// the supervisor named there. Nothing is asked of Redis yet: a Redis that is away is said
    /// by the link's health, never here.
    pub fn join(config: &TeamConfig, host: &str, account: &str) -> Result<Self, String> {
        let link = Link::new(config)?;
        let member = Member::new(&config.name);
        let shared_reads = SharedReads::new(
            Link::with_deadline(config, link::SHARED_READ_TIMEOUT)?,
            host,
            account,
            &member,
        );
        Ok(Self {
            claims: Claims::new(link.clone(), account, &member),
            activity: Activity::new(link.clone(), account, member),
            shared_reads,
            link,
        })
    }

    /// Before the process ends: waits a moment for its steps to reach the team's stream; the
    /// words to say if some did not (they are in the audit file all the same).
    pub async fn flush_activity(&self) -> Option<String> {
        match self.activity.flush(ACTIVITY_FLUSH).await {
            Some(0) => None,
            Some(left) => Some(format!(
                "{left} step(s) of this run did not reach the team's activity stream (Redis is away); they are in the audit file"
            )),
            None => Some(
                "some steps of this run may not have reached the team's activity stream (Redis was slow); they are in the audit file".into(),
            ),
        }
    }
}
