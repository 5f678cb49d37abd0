//! `handoff relay`: one public endpoint for a team's callbacks. The platform posts each
//! transfer's outcome to the relay; it checks the team's token, keeps the callback on the
//! account's stream in the team's Redis (or in its spool while Redis is away) and only then
//! answers. Every console of the team with `[callback] via = "team"` follows the stream and
//! applies the callbacks about its own transfers, so no desk needs a public port.
//!
//! - [`stream`]: the shape of the stream, both what is appended and what is read back;
//! - [`spool`] and [`store`]: where a callback is kept, and in what order it reaches the stream;
//! - [`team_token`]: the team's token, in Redis and copied to each data folder;
//! - [`serve`]: the relay process; [`metrics`]: what it counts;
//! - [`follow`]: a console's reader of the stream.

pub mod follow;
pub mod metrics;
pub mod serve;
pub mod spool;
pub mod store;
pub mod stream;
pub mod team_token;

pub use follow::{Follower, Start};
pub use serve::{RelayError, run};
