//! handoff: a terminal console for contact-center supervisors to move live Kore.ai bot
//! conversations to the right agent or queue.
//!
//! The binary is a thin shell over this library, so tests and benchmarks drive the same code:
//! [`config`] and [`roster`] load what the supervisor saved, [`platform`] talks to Kore.ai,
//! [`transfer`] runs each transfer and keeps the audit file, the `handoff-simulator` crate
//! stands in for the platform in demo mode and tests, [`team`] shares the account's budget and
//! claims with other supervisors through Redis, [`tui`] is the console and [`cli`] the command
//! line; [`diagnostics`] writes what happened to a file for a bug report, when asked to.

pub mod account;
mod blocking;
pub mod budget;
pub mod callback;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnostics;
pub mod directory;
mod file_lock;
pub mod ids;
pub mod platform;
pub mod relay;
pub mod roster;
pub mod secret;
pub mod team;
pub mod terminal_safe;
pub mod transfer;
pub mod tui;
pub mod words;
