//! The read planner against the simulator over real HTTP, on a big floor and a minute scaled
//! down to two seconds: background reads keep under `[reads] share` of the budget, for one
//! console and for several processes of one data folder (or of a team) together, counted at
//! the simulator; and every waiting conversation is read, however many pages that takes.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use handoff::account::Account;
use handoff::config::Config;
use handoff::demo::{FloorSize, sized};
use handoff::directory::{FloorUpdate, PlanSettings, Planner};
use handoff::ids::ConversationStatus;
use handoff::roster::Roster;
use handoff_simulator::{ConversationsConfig, Simulator, SimulatorConfig};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::redis_server::RedisServer;
use crate::support::{self, start_simulator};

/// The scaled-down minute, for the platform and the budget alike.
const WINDOW: Duration = Duration::from_secs(2);
/// The platform's limit per window; the reads' ceiling is a fifth of it.
const LIMIT: u32 = 60;
const CEILING: u64 = 12;
/// Far more often than the ceiling allows a floor of this size to be read.
const REFRESH: Duration = Duration::from_millis(500);

/// A floor of `open` conversations that stands still (its clock frozen), so what waits is the
/// same for every read, and the roster that names its agents and queues.
async fn big_floor(open: usize) -> (Simulator, Roster) {
    let (roster, config) = sized(FloorSize {
        open: Some(open),
        agents: Some(40),
        queues: Some(7),
    });
    let simulator = start_simulator(SimulatorConfig {
        client_secret: support::SECRET.into(),
        rate_limit_per_minute: LIMIT,
        rate_window: WINDOW,
        conversations: ConversationsConfig {
            arrivals: None,
            ..config.conversations.clone()
        },
        frozen_at: Some(SystemTime::now()),
        ..config
    })
    .await;
    (simulator, roster)
}

fn scaled_config(simulator: &Simulator) -> Config {
    let mut config = support::config_for(simulator);
    config.platform.rate_limit_per_minute = LIMIT;
    config.platform.rate_window = WINDOW;
    config
}

fn start_planner(account: &Account, roster: &Roster) -> (Planner, mpsc::Receiver<FloorUpdate>) {
    let (updates, received) = mpsc::channel(8);
    let planner = account.reads.plan(
        roster.clone(),
        PlanSettings {
            refresh: REFRESH,
            statuses: ConversationStatus::MOVABLE.to_vec(),
        },
        updates,
    );
    (planner, received)
}

/// The waiting sessions, read straight from the platform, outside any ceiling.
async fn waiting_on_the_platform(simulator: &Simulator, data: &std::path::Path) -> HashSet<String> {
    let client = support::platform_client(simulator, data);
    let list = client
        .list_conversations(&[ConversationStatus::Open, ConversationStatus::Overdue])
        .await
        .unwrap();
    list.conversations
        .iter()
        .map(|c| c.session.as_str().to_owned())
        .collect()
}

/// What one planner's updates said, until the list first held every waiting conversation.
struct Seen {
    held: Option<handoff::directory::Held>,
    lists: usize,
}

async fn until_every_waiting_one_is_listed(
    updates: &mut mpsc::Receiver<FloorUpdate>,
    waiting: &HashSet<String>,
) -> Seen {
    let mut seen = Seen {
        held: None,
        lists: 0,
    };
    let deadline = Instant::now() + WINDOW * 30;
    loop {
        let update = tokio::time::timeout_at(deadline, updates.recv())
            .await
            .expect("every waiting conversation listed within 30 windows")
            .expect("the planner runs");
        match update {
            FloorUpdate::Held(held) => seen.held = held.or(seen.held),
            FloorUpdate::Conversations(list, _) => {
                let list = list.expect("the list is read");
                seen.lists += 1;
                let listed: HashSet<String> = list
                    .conversations
                    .iter()
                    .filter(|c| {
                        c.status
                            .as_ref()
                            .is_some_and(ConversationStatus::is_waiting)
                    })
                    .map(|c| c.session.as_str().to_owned())
                    .collect();
                assert!(
                    list.notes.iter().all(|note| !note.contains("stopped")),
                    "{:?}",
                    list.notes
                );
                if listed == *waiting {
                    return seen;
                }
            }
            FloorUpdate::Availability(_) | FloorUpdate::QueueNumbers(_) | FloorUpdate::Note(_) => {}
        }
    }
}

/// The most calls a ceiling of `CEILING` a window lets through in `elapsed`.
fn allowed(elapsed: Duration) -> u64 {
    let windows = (elapsed.as_secs_f64() / WINDOW.as_secs_f64()).ceil() as u64;
    CEILING * (windows + 1)
}

/// 2,000 open conversations, over 1,000 of them waiting, are more than 10 pages of the waiting
/// list every refresh, far more than the ceiling's 12 a window: the list is held back, and says
/// so, but every waiting one is read, and the planner never spends more than the ceiling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_floor_is_read_whole_under_the_ceiling_and_says_it_is_held() {
    let (simulator, roster) = big_floor(2_000).await;
    let direct = tempfile::tempdir().unwrap();
    let waiting = waiting_on_the_platform(&simulator, direct.path()).await;
    assert!(waiting.len() > 1_000, "{} waiting", waiting.len());
    let before = simulator.calls().total();
    let data = tempfile::tempdir().unwrap();
    let account = Account::open(&scaled_config(&simulator), data.path()).unwrap();
    let started = Instant::now();
    let (_planner, mut updates) = start_planner(&account, &roster);
    let seen = until_every_waiting_one_is_listed(&mut updates, &waiting).await;
    // Two more windows of reads, for the ceiling to be tested as it goes on.
    tokio::time::sleep(WINDOW * 2).await;
    let elapsed = started.elapsed();
    let spent = simulator.calls().total() - before;
    let held = seen.held.expect("the list is held back and says so");
    assert_eq!(held.calls_per_minute, 360, "12 a 2 s window");
    assert!(held.every > REFRESH, "{held:?}");
    assert!(
        spent <= allowed(elapsed),
        "{spent} calls in {elapsed:?}, more than the ceiling's {}",
        allowed(elapsed)
    );
    simulator.shutdown().await;
}

/// Several processes reading the same account share one ceiling: on one data folder (a console
/// and a wall screen), or in team mode through Redis, they spend what one may, in all.
async fn several_share_the_ceiling(accounts: Vec<Account>, simulator: &Simulator, roster: &Roster) {
    let before = simulator.calls().total();
    let started = Instant::now();
    // Each would read far more than the ceiling alone: six windows of them, every planner's
    // updates taken as they come.
    let stop = Instant::now() + WINDOW * 6;
    let mut draining = tokio::task::JoinSet::new();
    let mut planners = Vec::new();
    for account in &accounts {
        let (planner, mut updates) = start_planner(account, roster);
        planners.push(planner);
        draining.spawn(async move {
            let mut lists = 0;
            while let Ok(Some(update)) = tokio::time::timeout_at(stop, updates.recv()).await {
                lists += usize::from(matches!(update, FloorUpdate::Conversations(Ok(_), _)));
            }
            lists
        });
    }
    let lists: usize = draining.join_all().await.into_iter().sum();
    let elapsed = started.elapsed();
    let spent = simulator.calls().total() - before;
    assert!(lists > 0, "the planners read the list");
    assert!(
        spent <= allowed(elapsed),
        "{} processes made {spent} calls in {elapsed:?}, more than one ceiling's {}",
        accounts.len(),
        allowed(elapsed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_of_one_data_folder_share_one_ceiling() {
    let (simulator, roster) = big_floor(1_500).await;
    let data = tempfile::tempdir().unwrap();
    let config = scaled_config(&simulator);
    let accounts = (0..2)
        .map(|_| Account::open(&config, data.path()).unwrap())
        .collect();
    several_share_the_ceiling(accounts, &simulator, &roster).await;
    simulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_of_a_team_share_one_ceiling() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (simulator, roster) = big_floor(1_500).await;
    let folders: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let accounts = folders
        .iter()
        .enumerate()
        .map(|(n, dir)| {
            let mut config = scaled_config(&simulator);
            config.team = Some(handoff::config::TeamConfig {
                redis_url: url::Url::parse(&redis.url()).unwrap(),
                password: None,
                password_env: None,
                name: format!("sup{n}"),
                fallback_share: handoff::config::DEFAULT_FALLBACK_SHARE,
            });
            Account::open(&config, dir.path()).unwrap()
        })
        .collect();
    several_share_the_ceiling(accounts, &simulator, &roster).await;
    simulator.shutdown().await;
}
