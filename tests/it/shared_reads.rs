//! Reads once for the team, against a real redis-server and the simulator over real HTTP: the
//! read planners of several consoles of one account (the conversation list, who is free, the
//! queues' numbers) cost the platform what one console's do, and a console without Redis reads
//! for itself.

use std::time::Duration;

use handoff::account::Account;
use handoff::directory::{FloorUpdate, PlanSettings, Planner};
use handoff::ids::ConversationStatus;
use handoff_simulator::{Simulator, SimulatorConfig};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::redis_server::RedisServer;
use crate::support::{simulator_config, start_simulator};
use crate::team::team_account;

/// Each console's wanted refresh of the list: short, so a test of several reads takes seconds.
/// The budget is large (10,000 a window), so nothing but sharing holds a read back.
const REFRESH: Duration = Duration::from_millis(500);
/// How long each run lets its consoles read.
const RUN: Duration = Duration::from_secs(4);

/// What the consoles of one run saw, and what the platform was asked.
struct Run {
    /// Every request the simulator received: no transfer is sent, so all are background reads.
    requests: usize,
    /// Per console: lists and snapshots of who is free it was given, and how many of those a
    /// teammate's console read.
    seen: Vec<Seen>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Seen {
    lists: u32,
    lists_from_teammates: u32,
    live: u32,
    live_from_teammates: u32,
}

fn start(account: &Account) -> (Planner, mpsc::Receiver<FloorUpdate>) {
    let (updates, received) = mpsc::channel(8);
    let planner = account.reads.plan(
        handoff::demo::roster(),
        PlanSettings {
            refresh: REFRESH,
            statuses: ConversationStatus::MOVABLE.to_vec(),
        },
        updates,
    );
    (planner, received)
}

/// What a console's planner hands on until `stop`.
async fn watch(mut updates: mpsc::Receiver<FloorUpdate>, stop: Instant) -> Seen {
    let mut seen = Seen::default();
    while let Ok(Some(update)) = tokio::time::timeout_at(stop, updates.recv()).await {
        match update {
            FloorUpdate::Conversations(list, teammate) => {
                assert!(!list.expect("the list is read").conversations.is_empty());
                seen.lists += 1;
                seen.lists_from_teammates += u32::from(teammate.is_some());
            }
            FloorUpdate::Availability(live) => {
                let live = live.expect("who is free is read");
                seen.live += 1;
                seen.live_from_teammates += u32::from(live.read_by.is_some());
            }
            FloorUpdate::QueueNumbers(_) | FloorUpdate::Held(_) | FloorUpdate::Note(_) => {}
        }
    }
    seen
}

/// `consoles` consoles of one account, each a data folder of its own, read for [`RUN`] on a
/// fresh simulator and a fresh Redis, started a fraction of a refresh apart as consoles started
/// by hand are.
async fn consoles_read(consoles: usize, redis: &RedisServer) -> Run {
    let simulator = start_simulator(SimulatorConfig {
        rate_limit_per_minute: 10_000,
        ..simulator_config()
    })
    .await;
    let data: Vec<tempfile::TempDir> = (0..consoles)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let stop = Instant::now() + RUN;
    let mut watching = Vec::new();
    let mut planners = Vec::new();
    for (n, dir) in data.iter().enumerate() {
        let account = team_account(&simulator, redis, &format!("sup{n}"), dir.path());
        let (planner, updates) = start(&account);
        planners.push(planner);
        watching.push(tokio::spawn(watch(updates, stop)));
        tokio::time::sleep(REFRESH / u32::try_from(consoles).unwrap()).await;
    }
    let mut seen = Vec::new();
    for watched in watching {
        seen.push(watched.await.unwrap());
    }
    let requests = count_requests(&simulator);
    drop(planners);
    simulator.shutdown().await;
    Run { requests, seen }
}

fn count_requests(simulator: &Simulator) -> usize {
    simulator.requests().len()
}

/// Three consoles of one account cost the platform about what one does: each read is made by
/// one console at a time and the others use it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_consoles_cost_the_background_reads_of_one() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let one = consoles_read(1, &redis).await;
    drop(redis);
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let three = consoles_read(3, &redis).await;
    eprintln!(
        "background requests over {RUN:?}: 1 console {}, 3 consoles {} (per console: {:?})",
        one.requests, three.requests, three.seen
    );
    assert_eq!(one.seen[0].lists_from_teammates, 0);
    assert!(
        one.seen[0].lists > 2 && one.seen[0].live > 0,
        "{:?}",
        one.seen
    );
    assert!(
        three.requests * 2 <= one.requests * 3,
        "3 consoles made {} requests, 1 console {}: not read once for the team",
        three.requests,
        one.requests
    );
    for seen in &three.seen {
        assert!(
            seen.lists > 2 && seen.live > 0,
            "every console kept up: {seen:?}"
        );
    }
    let from_teammates: u32 = three
        .seen
        .iter()
        .map(|s| s.lists_from_teammates + s.live_from_teammates)
        .sum();
    assert!(
        from_teammates >= 6,
        "the consoles used their teammates' reads: {:?}",
        three.seen
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
    let account = team_account(&simulator, &redis, "sup0", data.path());
    let (planner, mut updates) = start(&account);
    // Joined first: a console that never reached Redis waits a window before counting alone.
    let first_list = async {
        while let Some(update) = updates.recv().await {
            if matches!(update, FloorUpdate::Conversations(Ok(_), _)) {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), first_list)
        .await
        .expect("a list while Redis answers");
    redis.kill();
    let before = count_requests(&simulator);
    // F5, as a supervisor would: everything, now. Counting alone, the console waits out the
    // window as it may have been spent (2 s here), then reads.
    planner.ask();
    let seen = watch(updates, Instant::now() + Duration::from_secs(8)).await;
    assert!(seen.lists > 0 && seen.live > 0, "{seen:?}");
    assert_eq!(
        (seen.lists_from_teammates, seen.live_from_teammates),
        (0, 0)
    );
    assert!(
        count_requests(&simulator) > before,
        "read from the platform"
    );
}
