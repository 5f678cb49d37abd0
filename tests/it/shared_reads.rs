//! Reads once for the team, against a real redis-server and the simulator over real HTTP: the
//! background reads of several consoles of one account (who is free, queue stats, the
//! conversation list) cost the platform what one console's do, and a console without Redis
//! reads for itself.

use std::time::Duration;

use handoff::directory::Availability;
use handoff::directory::{Freshness, Reads};
use handoff::ids::ConversationStatus;
use handoff::ids::TargetKind;
use handoff_simulator::{Simulator, SimulatorConfig};
use tokio::time::{Instant, MissedTickBehavior};

use crate::redis_server::RedisServer;
use crate::support::{simulator_config, start_simulator};
use crate::team::team_account;

/// Each console's refresh interval, for both reads: short, so a test of several cycles takes
/// seconds.
const INTERVAL: Duration = Duration::from_millis(500);
const CYCLES: u32 = 6;

/// What the consoles of one run saw, and what the platform was asked.
struct Run {
    /// Every request the simulator received: no transfer is sent, so all are background reads.
    requests: usize,
    /// Per console, how many of its reads of each kind a teammate's console made.
    from_teammates: Vec<(u32, u32)>,
}

/// `consoles` consoles of one account refresh who is free and the conversation list every
/// [`INTERVAL`], their timers a fraction of an interval apart as consoles started by hand
/// are, `CYCLES` times each, on a fresh simulator and a fresh Redis.
async fn consoles_refresh(consoles: usize, redis: &RedisServer) -> Run {
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: 10_000,
        ..simulator_config()
    })
    .await;
    let data: Vec<tempfile::TempDir> = (0..consoles)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let accounts: Vec<handoff::account::Account> = data
        .iter()
        .enumerate()
        .map(|(n, dir)| team_account(&simulator, redis, &format!("sup{n}"), dir.path()))
        .collect();
    let start = Instant::now();
    let from_teammates =
        futures::future::join_all(accounts.iter().enumerate().map(|(n, account)| {
            let offset = INTERVAL * u32::try_from(n).unwrap() / u32::try_from(consoles).unwrap();
            console(&account.reads, start + offset)
        }))
        .await;
    let requests = count_requests(&simulator);
    simulator.shutdown().await;
    Run {
        requests,
        from_teammates,
    }
}

/// One console's timers and reads, as `tui::background` makes them: both reads at every tick,
/// each given the console's interval; how many of each were a teammate's.
async fn console(reads: &Reads, first_tick: Instant) -> (u32, u32) {
    let roster = handoff::demo::roster();
    let queue_ids: Vec<String> = roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Queue)
        .map(|t| t.id.clone())
        .collect();
    let mut ticks = tokio::time::interval_at(first_tick, INTERVAL);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut from_teammates = (0, 0);
    for _ in 0..CYCLES {
        ticks.tick().await;
        let (live, conversations) = tokio::join!(
            reads.availability(&queue_ids, Freshness::Due(INTERVAL)),
            reads.conversations(
                &roster,
                &ConversationStatus::MOVABLE,
                Freshness::Due(INTERVAL),
            )
        );
        let live: Availability = live.expect("who is free is read");
        let (list, teammate) = conversations.expect("the conversation list is read");
        assert!(!list.conversations.is_empty());
        from_teammates.0 += u32::from(live.read_by.is_some());
        from_teammates.1 += u32::from(teammate.is_some());
    }
    from_teammates
}

fn count_requests(simulator: &Simulator) -> usize {
    simulator.requests().len()
}

/// Three consoles of one account cost the platform about what one does: the reads are made by
/// one console at a time and the others use them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_consoles_cost_the_background_reads_of_one() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let one = consoles_refresh(1, &redis).await;
    drop(redis);
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let three = consoles_refresh(3, &redis).await;
    eprintln!(
        "background requests over {CYCLES} refresh cycles: 1 console {}, 3 consoles {} (teammates' reads per console: {:?})",
        one.requests, three.requests, three.from_teammates
    );
    assert_eq!(one.from_teammates, vec![(0, 0)]);
    assert!(
        three.requests * 2 <= one.requests * 3,
        "3 consoles made {} requests, 1 console {}: not read once for the team",
        three.requests,
        one.requests
    );
    let served: u32 = three.from_teammates.iter().map(|(a, c)| a + c).sum();
    assert!(
        served >= 2 * CYCLES,
        "the consoles that did not read used a teammate's: {:?}",
        three.from_teammates
    );
}

/// With Redis gone, a console reads for itself, as alone, and nothing fails.
#[tokio::test]
async fn without_redis_a_console_reads_for_itself() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: 10_000,
        ..simulator_config()
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let reads = team_account(&simulator, &redis, "sup0", data.path()).reads;
    let roster = handoff::demo::roster();
    let read_list = || {
        reads.conversations(
            &roster,
            &ConversationStatus::MOVABLE,
            Freshness::Due(INTERVAL),
        )
    };
    let read_live = || reads.availability(&[], Freshness::Due(INTERVAL));
    // Joined first: a console that never reached Redis waits a window before counting alone;
    // one that did waits out the window as it may have been spent (2 s here) before reading
    // alone.
    read_list().await.unwrap();
    read_live().await.unwrap();
    redis.kill();
    let before = count_requests(&simulator);
    let (list, teammate) = read_list()
        .await
        .expect("the list is read from the platform");
    assert!(!list.conversations.is_empty());
    assert_eq!(teammate, None);
    let live = read_live()
        .await
        .expect("who is free is read from the platform");
    assert!(!live.agents.is_empty());
    assert_eq!(live.read_by, None);
    assert!(
        count_requests(&simulator) > before,
        "both read from the platform"
    );
}
