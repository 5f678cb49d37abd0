//! Team mode: the supervisors of one account share a Redis (`[team]` in the config), so their
//! consoles and CLI runs draw from one request budget and never move one conversation twice.
//!
//! - [`link`]: the connection, a short deadline on every call, and whether Redis is usable;
//! - [`budget`]: the account's budget in Redis, one atomic script per call;
//! - [`claims`]: a session claimed before it is sent, so no two consoles move it at once;
//! - [`activity`]: every step of every transfer on a bounded stream, for the team's view;
//! - [`teammates`]: teammates' transfers folded from those steps;
//! - [`shared_reads`]: who is free and the conversation list read by one console for all.
//!
//! Without `[team]` none of this runs and handoff works alone. With it, anything Redis cannot
//! answer in time falls back to what one console can do alone, and says so.

pub mod activity;
pub mod budget;
pub mod claims;
pub mod link;
pub mod shared_reads;
pub mod teammates;

pub use activity::{Activity, TeamStep};
pub use budget::{TeamBudget, TeamView};
pub use claims::{Claim, Claims, Holder, TakeOver};
pub use link::{Health, Link};
pub use shared_reads::{Shared, SharedReads};
pub use teammates::TeamTransfer;

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
