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
pub mod shared_reads;

pub use activity::{Activity, TeamStep};
pub use claims::{Claim, Claims, Holder, TakeOver};
pub use link::{Health, Link};
pub use shared_reads::{Shared, SharedReads};

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
