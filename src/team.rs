//! Team mode: the supervisors of one account share a Redis (`[team]` in the config), so their
//! consoles and CLI runs draw from one request budget and never move one conversation twice.
//!
//! - [`link`]: the connection, a short deadline on every call, and whether Redis is usable;
//! - [`budget`]: the account's budget in Redis, one atomic script per call;
//! - [`claims`]: a session claimed before it is sent, so no two consoles move it at once.
//!
//! Without `[team]` none of this runs and handoff works alone. With it, anything Redis cannot
//! answer in time falls back to what one console can do alone, and says so.

pub mod budget;
pub mod claims;
pub mod link;

pub use budget::{TeamBudget, TeamView};
pub use claims::{Claim, Claims, Holder};
pub use link::{Health, Link};
