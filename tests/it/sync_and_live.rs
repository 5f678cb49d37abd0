//! Roster sync and live availability against the simulator over real HTTP: every page is read,
//! the merge rules hold in the saved file, and background calls never hold a transfer back.

use std::time::{Duration, SystemTime};

use crate::support::{SECRET, Workspace, simulator_config, start_simulator};
use handoff::account::Account;
use handoff::config::AuthConfig;
use handoff::demo;
use handoff::directory::{FloorUpdate, PlanSettings};
use handoff::ids::SessionId;
use handoff::ids::{ConversationStatus, TargetKind};
use handoff::roster::{Roster, Target};
use handoff::secret::Secret;
use handoff::transfer::{Progress, TransferId, TransferRequest};
use handoff_simulator::{Presence, SimulatorConfig, agent_presence};
use tokio::sync::mpsc;

/// The demo platform with small pages and live state that holds for the whole test.
fn config() -> SimulatorConfig {
    SimulatorConfig {
        agent_page_size: 7,
        state_period: Duration::from_secs(24 * 3600),
        ..simulator_config()
    }
}

#[tokio::test]
async fn sync_reads_every_page_and_keeps_local_choices() {
    let platform = config();
    let simulator = start_simulator(platform.clone()).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let dana = demo::roster().targets()[0].clone();
    let marcus = demo::roster().targets()[1].clone();
    ws.write(
        "data/roster.toml",
        &format!(
            "[[agents]]\nid = \"{}\"\nname = \"Dana W. (refunds)\"\nnotes = \"Spanish\"\nfavourite = true\n\n\
             [[agents]]\nid = \"{}\"\nname = \"{}\"\nteam = \"Weekend crew\"\n\n\
             [[agents]]\nid = \"a-0000000-0000-4000-8000-000000000001\"\nname = \"Left in October\"\n",
            dana.id, marcus.id, marcus.name
        ),
    );
    let run = ws.run(&["roster", "sync"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("124 added, 1 updated, 1 stale"),
        "{}",
        run.stdout
    );
    // 120 agents in pages of 7 is 18 pages, then the queue list.
    let pages = simulator
        .requests()
        .iter()
        .filter(|r| r.path.contains("/agents"))
        .count();
    assert_eq!(pages, 18);

    let list = ws.run(&["roster", "list", "--json"]).await;
    let targets: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(targets.len(), 127);
    let find = |id: &str| targets.iter().find(|t| t["id"] == id).unwrap().clone();
    let dana_now = find(&dana.id);
    assert_eq!(
        dana_now["name"], "Dana W. (refunds)",
        "a local name is kept"
    );
    assert_eq!(dana_now["notes"], "Spanish");
    assert_eq!(dana_now["favourite"], true);
    assert_eq!(dana_now["team"], "Billing", "an empty team is filled");
    assert_eq!(
        find(&marcus.id)["team"],
        "Weekend crew",
        "a team set by hand is kept"
    );
    // Every agent gets a team: their agent group, else their first queue's name.
    let ungrouped = platform
        .agents
        .iter()
        .find(|agent| agent.groups.is_empty())
        .expect("the demo platform has agents in no group");
    let first_queue = platform
        .queues
        .iter()
        .find(|queue| queue.id == ungrouped.queue_ids[0])
        .unwrap();
    assert_eq!(find(&ungrouped.id)["team"], first_queue.name.as_str());
    let grouped = (platform.agents.iter().rev())
        .find(|agent| !agent.groups.is_empty())
        .unwrap();
    assert_eq!(find(&grouped.id)["team"], grouped.groups[0].as_str());
    let agents = targets.iter().filter(|t| t["kind"] == "agent");
    assert!(
        agents
            .clone()
            .all(|t| t["team"].is_string() || t["stale"] == true),
        "{targets:?}"
    );
    let gone = find("a-0000000-0000-4000-8000-000000000001");
    assert_eq!(gone["stale"], true, "kept and marked stale, not deleted");

    // Nothing changes on a second sync.
    let again = ws.run(&["roster", "sync"]).await;
    assert!(
        again.stdout.contains("0 added, 0 updated, 0 stale"),
        "{}",
        again.stdout
    );
}

#[tokio::test]
async fn a_failing_platform_leaves_the_roster_unchanged() {
    let simulator = start_simulator(SimulatorConfig {
        client_secret: "another secret".into(),
        ..config()
    })
    .await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    ws.write_demo_roster();
    let before = std::fs::read_to_string(ws.data_dir().join("roster.toml")).unwrap();
    let run = ws.run(&["roster", "sync"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("HTTP 401"), "{}", run.stderr);
    assert!(
        run.stderr.contains("the roster is unchanged"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(ws.data_dir().join("roster.toml")).unwrap(),
        before
    );
}

fn account_for(
    simulator: &handoff_simulator::Simulator,
    limit: u32,
    data: &std::path::Path,
) -> Account {
    let mut config = demo::config_for(simulator);
    config.platform.rate_limit_per_minute = limit;
    config.auth = AuthConfig::Credentials {
        client_id: demo::CLIENT_ID.into(),
        client_secret: Secret::new(SECRET),
    };
    Account::open(&config, data).unwrap()
}

/// Who is free, as a console's read planner puts it together from the platform: every agent's
/// presence and chat capacity, each roster queue active or not (the directory) with its waiting
/// (the queues' numbers).
#[tokio::test]
async fn availability_matches_the_platform() {
    let simulator_config = config();
    let simulator = start_simulator(simulator_config.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let account = account_for(&simulator, 60, data.path());
    let roster = Roster::new(
        simulator_config
            .queues
            .iter()
            .map(|q| Target::new(TargetKind::Queue, q.id.clone(), q.name.clone()))
            .collect(),
    );
    let (updates, mut received) = mpsc::channel(8);
    let _planner = account.reads.plan(
        roster,
        PlanSettings {
            refresh: Duration::from_secs(20),
            statuses: ConversationStatus::MOVABLE.to_vec(),
        },
        updates,
    );
    let inactive = simulator_config.queues.iter().find(|q| !q.active).unwrap();
    let active = simulator_config.queues.iter().find(|q| q.active).unwrap();
    // Presence, the directory and the queues' numbers come in separate reads: the snapshot that
    // has all three.
    let whole = async {
        while let Some(update) = received.recv().await {
            if let FloorUpdate::Availability(Ok(live)) = update
                && live.queues.contains_key(&inactive.id)
                && live
                    .queues
                    .get(&active.id)
                    .is_some_and(|q| q.stats.is_some())
            {
                return live;
            }
        }
        panic!("the planner stopped");
    };
    let live = tokio::time::timeout(Duration::from_secs(20), whole)
        .await
        .expect("who is free, whole, within 20 s");
    assert_eq!(live.agents.len(), 120);
    let now = SystemTime::now();
    for agent in simulator_config.agents.iter().take(20) {
        let (presence, used, total) = agent_presence(&simulator_config, &agent.id, now).unwrap();
        let seen = live.agents[&agent.id];
        assert_eq!(seen.presence.label(), presence.as_str(), "{}", agent.id);
        if presence != Presence::Offline {
            let chat = seen.chat.unwrap();
            assert_eq!((chat.used, chat.total), (used, total));
        }
    }
    assert!(!live.queues[&inactive.id].active);
    assert!(live.queues[&active.id].stats.unwrap().waiting.is_some());
    // Where conversations wait, how long on average, from the list the planner read first.
    let waited: Vec<_> = live
        .queues
        .values()
        .filter_map(|q| q.stats)
        .filter(|stats| stats.waiting > Some(0))
        .collect();
    assert!(!waited.is_empty(), "{live:?}");
    for stats in waited {
        assert!(stats.average_wait.is_some(), "{stats:?}");
    }
}

/// Background calls fill their share of the budget and wait; a transfer made meanwhile goes out
/// at once.
#[tokio::test]
async fn a_transfer_is_not_held_back_by_a_refresh() {
    let simulator_config = config();
    let simulator = start_simulator(simulator_config.clone()).await;
    let data = tempfile::tempdir().unwrap();
    // 8 per minute: background calls may use 6 and leave 2 for transfers. A roster sync reads
    // 18 pages of agents and one of queues, so it stalls on the budget.
    let account = account_for(&simulator, 8, data.path());
    let engine = account.engine;
    let refresh = tokio::spawn({
        let reads = account.reads.clone();
        async move { reads.listing().await }
    });
    // Wait until the refresh has spent its share: six calls have reached the simulator.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while simulator.requests().len() < 6 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refresh never started"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let target = demo::roster().targets()[4].clone();
    let request = TransferRequest {
        id: TransferId::new(),
        session: SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap(),
        target,
        note: None,
        reroute_of: None,
        bulk: None,
        confirmed_recent: false,
    };
    let (tx, mut rx) = mpsc::channel(8);
    let outcome = engine.run(&request, &tx).await.unwrap();
    assert!(
        matches!(rx.recv().await.unwrap().progress, Progress::Sending { .. }),
        "no wait for the budget"
    );
    assert!(matches!(
        outcome,
        handoff::transfer::Outcome::Transferred { .. }
    ));
    assert!(
        !refresh.is_finished(),
        "the refresh is still waiting for its share"
    );
    refresh.abort();
}

/// The platform documentation's own sample replies, served as written: the queue list says
/// `hasMore: true` with `totalPages: 1`, five agents are called "John Doe", ids are masked and
/// one is a character short. Sync and who-is-free read them, stop paging at once, and say why.
#[tokio::test]
async fn the_documentations_sample_replies_are_read_and_paging_stops() {
    let simulator = start_simulator(SimulatorConfig {
        replies: handoff_simulator::Replies::DocumentedSamples,
        ..config()
    })
    .await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let run = ws.run(&["roster", "sync"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("11 added"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("the platform said more queues follow, but also that there are 1 page(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(simulator.requests().len(), 2, "one page of each list");

    let list = ws.run(&["roster", "list", "--json"]).await;
    assert_eq!(list.code, 0, "{}", list.all());
    let targets: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    let does = targets.iter().filter(|t| t["name"] == "John Doe").count();
    assert_eq!(does, 5, "repeated names are kept, told apart by id");
    assert!(
        targets
            .iter()
            .any(|t| t["id"] == "a-397ca96-3c55-4b85-ab36-2b707d2xxxx"),
        "an id of unusual shape is taken as it comes"
    );

    let data = tempfile::tempdir().unwrap();
    let reads = account_for(&simulator, 60, data.path()).reads;
    let presence = reads.presence().await.unwrap();
    let jane = &presence["a-75b2b7b-674c-49d2-ad7a-8bce77cxxxxx"];
    assert_eq!(jane.presence, handoff::platform::Presence::Available);
    assert_eq!(jane.chat.unwrap().total, 3);
    let client = crate::support::platform_client(&simulator, data.path());
    let stats = client
        .queue_stats("qu-268eda9-ba47-4b03-ab29-d1909c38xxxx")
        .await
        .unwrap();
    assert_eq!(stats.waiting, Some(0));
    assert_eq!(
        simulator.requests().len(),
        4,
        "the two lists of the sync, availability, one queue's stats"
    );
}

/// Names that arrive with escape sequences or bidi overrides are kept without them: the sync
/// says so, and the roster it writes still loads.
#[tokio::test]
async fn a_sync_never_writes_a_roster_that_will_not_load() {
    let mut platform = config();
    platform.agents[0].first_name = "Dana\u{1b}]0;pwned\u{7}".into();
    platform.agents[1].last_name = "Ortiz\u{202e}\u{1b}[2J".into();
    let simulator = start_simulator(platform).await;
    let ws = Workspace::new();
    ws.write_config_for(&simulator, "");
    let run = ws.run(&["roster", "sync"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("2 name(s) came with control characters, kept without them"),
        "{}",
        run.stdout
    );
    let list = ws.run(&["roster", "list"]).await;
    assert_eq!(list.code, 0, "the synced roster loads: {}", list.all());
    assert!(
        list.stdout.contains("Dana]0;pwned Whitfield"),
        "{}",
        list.stdout
    );
    assert!(
        !list.all().chars().any(|c| c == '\u{1b}' || c == '\u{202e}'),
        "{}",
        list.all()
    );
}
