//! The integration tests, in one binary (as ripgrep has them): axum, reqwest and ratatui are
//! linked once instead of once per file. Each module says what it tests; `support` is what they
//! share.

mod callbacks;
mod callbacks_check;
mod conversations;
mod doc_links;
mod doctor;
mod e2e_tmux;
mod engine;
mod exactly_once;
mod floor_cli;
mod layers;
mod pki;
mod queue_performance;
mod read_planner;
mod redis_server;
mod relay;
mod relay_tls;
mod render;
mod roster_cli;
mod sessions_file;
mod setup_cli;
mod shared_reads;
mod simulate_cli;
mod simulator;
mod support;
mod sync_and_live;
mod team;
mod transfer_cli;
mod version;
