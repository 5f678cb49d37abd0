//! How long a conversation that arrives takes to show in a console's list, as the read planner
//! reads it under the reads' ceiling (issue 19's benchmark): the simulator's floor at a size,
//! its conversations arriving every 10 to 20 s, and one console's background reads, driven
//! exactly as the console drives them. A conversation first listed with a wait of 14 s took
//! 14 s to show: its wait counts from its arrival. Arrivals of the first minute are left out.
//!
//!   cargo run --release --example arrival_latency -- [open] [minutes]
//!   (default 300 open, 4 minutes)

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use handoff::account::Account;
use handoff::demo::{FloorSize, config_for, sized};
use handoff::directory::{FloorUpdate, PlanSettings};
use handoff::ids::ConversationStatus;
use handoff_simulator::Simulator;
use tokio::sync::mpsc;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let open: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let minutes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let (roster, simulated) = sized(FloorSize {
        open: Some(open),
        agents: Some(120),
        queues: Some(7),
    });
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let simulator = Simulator::start(simulated, loopback)
        .await
        .expect("the simulator starts");
    let config = config_for(&simulator);
    let data = tempfile::tempdir().expect("a temporary folder");
    let account = Account::open(&config, data.path()).expect("the account opens");
    let (updates, mut received) = mpsc::channel(8);
    let refresh = config.conversations_refresh;
    let _planner = account.reads.plan(
        roster,
        PlanSettings {
            refresh,
            statuses: ConversationStatus::MOVABLE.to_vec(),
        },
        updates,
    );
    let started = SystemTime::now();
    // Arrivals in the first minute are left out: start-up reads the directory, outside the
    // ceiling, and the whole list once.
    let settled = started + Duration::from_secs(60);
    let stop = tokio::time::Instant::now() + Duration::from_secs(minutes * 60);
    let mut seen: Option<HashSet<String>> = None;
    let mut latencies: Vec<Duration> = Vec::new();
    while let Ok(Some(update)) = tokio::time::timeout_at(stop, received.recv()).await {
        let FloorUpdate::Conversations(Ok(list), _) = update else {
            continue;
        };
        let now = SystemTime::now();
        let known = seen.get_or_insert_with(HashSet::new);
        let first_list = known.is_empty();
        for conversation in &list.conversations {
            let new = known.insert(conversation.session.as_str().to_owned());
            let waiting = conversation
                .status
                .as_ref()
                .is_some_and(ConversationStatus::is_waiting);
            let Some(shown_after) = conversation.wait_at(now) else {
                continue;
            };
            let arrived = now.checked_sub(shown_after).unwrap_or(started);
            if new && !first_list && waiting && arrived >= settled {
                latencies.push(shown_after);
            }
        }
    }
    latencies.sort_unstable();
    let secs = |d: Duration| format!("{:.0} s", d.as_secs_f64());
    match (latencies.first(), latencies.last()) {
        (Some(_), Some(worst)) => println!(
            "{open} open, refresh_secs {}: {} arrivals shown, median {}, worst {}",
            refresh.as_secs(),
            latencies.len(),
            secs(latencies[latencies.len() / 2]),
            secs(*worst)
        ),
        _ => println!(
            "{open} open: no arrival after the first minute was shown in {minutes} minute(s)"
        ),
    }
    simulator.shutdown().await;
}
