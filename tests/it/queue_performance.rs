//! Every queue's numbers in one call, through the real client against the simulator over real
//! HTTP: the docs' own sample, sums per queue that agree with the floor, agents counted once per
//! queue, paging, and the refusal an app without the "Configuration" scope gets.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeDelta, Utc};
use handoff::demo;
use handoff::ids::ConversationStatus;
use handoff::platform::{AgentCounts, PlatformClient, PlatformError, QueuePerformance, QueueRow};
use handoff_simulator::{Presence, Replies, SimQueue, Simulator, SimulatorConfig, agent_presence};
use serde_json::{Value, json};

use crate::support::{platform_client, simulator_config, start_simulator};

/// The demo platform with its clock stopped at `now`: nothing on the floor moves between the
/// reads a test compares.
fn frozen_at(now: SystemTime) -> SimulatorConfig {
    SimulatorConfig {
        frozen_at: Some(now),
        ..simulator_config()
    }
}

/// The 24 hours up to `now`, the longest range the platform answers for.
fn day_up_to(now: SystemTime) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = DateTime::<Utc>::from(now);
    (end - TimeDelta::hours(24), end)
}

/// The queue-performance calls the simulator received, as (query, body, status).
fn performance_calls(simulator: &Simulator) -> Vec<(String, Value, u16)> {
    simulator
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/queue-performance"))
        .map(|r| {
            let body = serde_json::from_str(&r.body).expect("the client sends JSON");
            (r.query, body, r.status)
        })
        .collect()
}

/// `[waiting, overdue, ongoing]` by queue id as the client added them up; queues with none left
/// out.
fn read_sums(performance: &QueuePerformance) -> BTreeMap<String, [u32; 3]> {
    performance
        .queues
        .iter()
        .map(|queue| {
            let numbers = [queue.waiting, queue.overdue, queue.ongoing]
                .map(|n| n.expect("the simulator gives every number"));
            (queue.id.clone(), numbers)
        })
        .filter(|(_, numbers)| *numbers != [0; 3])
        .collect()
}

/// The same, counted from the conversation list the client reads: waiting (`OPEN` or
/// `OVERDUE`), overdue, and with an agent (`ACTIVE`), each in its queue.
async fn floor_sums(client: &PlatformClient) -> BTreeMap<String, [u32; 3]> {
    let mut statuses = ConversationStatus::MOVABLE.to_vec();
    statuses.push(ConversationStatus::Idle);
    let list = client.list_conversations(&statuses).await.unwrap();
    assert!(list.notes.is_empty(), "{:?}", list.notes);
    let mut sums: BTreeMap<String, [u32; 3]> = BTreeMap::new();
    for conversation in list.conversations {
        let counts = match conversation.status {
            Some(ConversationStatus::Open) => [1, 0, 0],
            Some(ConversationStatus::Overdue) => [1, 1, 0],
            // With an agent, the customer quiet or not: ongoing.
            Some(ConversationStatus::Active | ConversationStatus::Idle) => [0, 0, 1],
            other => panic!("{other:?} was not asked for"),
        };
        let queue = conversation
            .queue
            .and_then(|queue| queue.id)
            .expect("an open conversation is in a queue");
        let sum = sums.entry(queue).or_default();
        for (total, count) in sum.iter_mut().zip(counts) {
            *total += count;
        }
    }
    sums
}

/// The agents of `queue` by presence at `now`, as the simulator's presence function says.
fn predicted_agents(config: &SimulatorConfig, queue: &str, now: SystemTime) -> AgentCounts {
    let mut counts = [0_u32; 4];
    for agent in config
        .agents
        .iter()
        .filter(|a| a.queue_ids.iter().any(|q| q == queue))
    {
        let (presence, _, _) = agent_presence(config, &agent.id, now).expect("on the roster");
        counts[match presence {
            Presence::Available => 0,
            Presence::Away => 1,
            Presence::Busy => 2,
            Presence::Offline => 3,
        }] += 1;
    }
    let [available, away, busy, offline] = counts.map(Some);
    AgentCounts {
        available,
        away,
        busy,
        offline,
    }
}

/// The docs' Sample Response, read with its own numbers: one queue in two rows, its work added
/// up, its agents (repeated on both rows) counted once, SLA a number on one row and "N/A" on
/// the other.
#[tokio::test]
async fn the_documentations_sample_is_read_with_its_own_numbers() {
    let simulator = start_simulator(SimulatorConfig {
        replies: Replies::DocumentedSamples,
        ..simulator_config()
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let client = platform_client(&simulator, data.path());
    let (start, end) = day_up_to(SystemTime::now());
    let performance = client.queue_performance(start, end).await.unwrap();
    assert!(performance.notes.is_empty(), "{:?}", performance.notes);
    let [queue] = &performance.queues[..] else {
        panic!("one queue: {performance:?}");
    };
    assert_eq!(queue.id, "qu-577416d-3745-40e7-904c-85ba1a04xxxx");
    assert_eq!(queue.name, "Support Queue");
    assert_eq!(
        (queue.waiting, queue.overdue, queue.ongoing, queue.abandoned),
        (Some(2), Some(0), Some(4), Some(1))
    );
    assert_eq!(
        queue.agents,
        Some(AgentCounts {
            available: Some(3),
            away: Some(1),
            busy: Some(2),
            offline: Some(0),
        }),
        "taken once, not added up over the two rows"
    );
    assert_eq!(
        queue.rows,
        [
            QueueRow {
                channel: Some("Voice".into()),
                direction: Some("Inbound".into()),
                waiting: Some(2),
                overdue: Some(0),
                ongoing: Some(4),
                abandoned: Some(1),
                sla_percent: Some(92.0),
                average_answer: Some(Duration::from_millis(14)),
            },
            QueueRow {
                channel: Some("emailInst-support".into()),
                direction: Some("Outbound".into()),
                waiting: Some(0),
                overdue: Some(0),
                ongoing: Some(0),
                abandoned: Some(0),
                sla_percent: None,
                average_answer: Some(Duration::ZERO),
            },
        ]
    );

    // One call, as the docs' sample request makes it, for the range asked and only the metrics
    // read.
    let calls = performance_calls(&simulator);
    assert_eq!(calls.len(), 1, "hasMore: false ends it");
    let (query, body, status) = &calls[0];
    assert_eq!((query.as_str(), *status), ("sortBy=queueName:asc", 200));
    assert_eq!(
        body,
        &json!({
            "startDate": start.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "endDate": end.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "queues": [],
            "channels": [],
            "direction": [],
            "limit": 500,
            "offset": 0,
            "projection": ["waiting", "overdue", "ongoing", "abandonedInQueue", "agentStatusCount", "SLA", "ASA"],
        })
    );
    let request = simulator
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/queue-performance"))
        .unwrap();
    assert_eq!(
        request.path,
        format!(
            "/agentassist/api/public/analytics/account/{}/queue-performance",
            demo::ACCOUNT_ID
        )
    );
    assert_eq!(
        request.headers.get("iid").map(String::as_str),
        Some(demo::STREAM_ID)
    );
    assert_eq!(
        request.headers.get("accountid").map(String::as_str),
        Some(demo::ACCOUNT_ID)
    );
}

/// On the demo floor, each queue's waiting, overdue and ongoing add up to what the conversation
/// list shows in it, and its agents are counted once, as the presence function has them.
#[tokio::test]
async fn each_queue_adds_up_to_the_floor_and_counts_its_agents_once() {
    let now = SystemTime::now();
    let config = frozen_at(now);
    let simulator = start_simulator(config.clone()).await;
    let data = tempfile::tempdir().unwrap();
    let client = platform_client(&simulator, data.path());
    let (start, end) = day_up_to(now);
    let performance = client.queue_performance(start, end).await.unwrap();
    assert!(performance.notes.is_empty(), "{:?}", performance.notes);

    let mut active: Vec<&SimQueue> = config.queues.iter().filter(|q| q.active).collect();
    active.sort_by(|a, b| a.name.cmp(&b.name));
    let read: Vec<(&str, &str)> = performance
        .queues
        .iter()
        .map(|q| (q.id.as_str(), q.name.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = active
        .iter()
        .map(|q| (q.id.as_str(), q.name.as_str()))
        .collect();
    assert_eq!(read, expected, "every active queue once, by name");

    let sums = read_sums(&performance);
    assert_eq!(sums, floor_sums(&client).await);
    for column in 0..3 {
        assert!(
            sums.values().map(|sum| sum[column]).sum::<u32>() > 0,
            "{sums:?}"
        );
    }

    for queue in &performance.queues {
        assert!(queue.rows.len() > 1, "several rows: {queue:?}");
        let predicted = predicted_agents(&config, &queue.id, now);
        assert_eq!(queue.agents, Some(predicted), "{}", queue.name);
        let agents = [
            predicted.available,
            predicted.away,
            predicted.busy,
            predicted.offline,
        ]
        .iter()
        .flatten()
        .sum::<u32>();
        assert!(agents > 0, "{} has agents", queue.name);
    }
    assert_eq!(performance_calls(&simulator).len(), 1);
}

/// A tenant of 120 queues has 600 rows: two pages, the second from where the first ended, and
/// every queue in one piece.
#[tokio::test]
async fn every_page_is_read_and_a_range_over_a_day_is_not_sent() {
    let now = SystemTime::now();
    let base = frozen_at(now);
    let mut queues: Vec<SimQueue> = (0..120)
        .map(|n| SimQueue {
            id: format!("qu-{n:07x}-0000-4000-8000-000000000000"),
            name: format!("Queue {n:03}"),
            description: String::new(),
            active: true,
        })
        .collect();
    // The demo's agents keep their queues, so some of these have agents.
    queues.extend(base.queues.iter().cloned());
    let queue_count = queues.len();
    let simulator = start_simulator(SimulatorConfig { queues, ..base }).await;
    let data = tempfile::tempdir().unwrap();
    let client = platform_client(&simulator, data.path());
    let (start, end) = day_up_to(now);
    let performance = client.queue_performance(start, end).await.unwrap();
    assert!(performance.notes.is_empty(), "{:?}", performance.notes);
    let active = queue_count - 1;
    assert_eq!(performance.queues.len(), active);
    assert!(performance.queues.iter().all(|q| q.rows.len() == 5));
    let pages: Vec<(Value, u16)> = performance_calls(&simulator)
        .into_iter()
        .map(|(_, body, status)| (body["offset"].clone(), status))
        .collect();
    assert_eq!(pages, [(json!(0), 200), (json!(500), 200)]);
    assert_eq!(read_sums(&performance), floor_sums(&client).await);

    // Longer than a day, or backwards: refused before anything is sent.
    let calls_before = simulator.requests().len();
    for (from, to) in [
        (end - TimeDelta::hours(24) - TimeDelta::milliseconds(1), end),
        (end, end - TimeDelta::milliseconds(1)),
    ] {
        let error = client.queue_performance(from, to).await.unwrap_err();
        assert!(
            matches!(&error, PlatformError::NotSent(words) if words.contains("at most 24 hours")),
            "{error}"
        );
    }
    assert_eq!(simulator.requests().len(), calls_before);
}

/// An app without the "Configuration" scope is refused; the error says which scope, and the
/// per-queue stats the console falls back to still answer.
#[tokio::test]
async fn a_refusal_names_the_missing_configuration_scope() {
    let simulator = start_simulator(SimulatorConfig {
        queue_performance_scope: false,
        ..simulator_config()
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let client = platform_client(&simulator, data.path());
    let (start, end) = day_up_to(SystemTime::now());
    let error = client.queue_performance(start, end).await.unwrap_err();
    let PlatformError::MissingScope {
        status,
        scope,
        call,
        ..
    } = &error
    else {
        panic!("not the missing scope: {error:?}");
    };
    assert_eq!(
        (*status, *scope, *call),
        (403, "Configuration", "queue performance")
    );
    let words = error.to_string();
    assert!(
        words.contains("queue performance needs the \"Configuration\" API scope"),
        "{words}"
    );
    assert!(
        words.contains("You are not authorized"),
        "the platform's own words: {words}"
    );
    assert_eq!(performance_calls(&simulator).len(), 1, "no retry");

    let queue = &simulator_config().queues[0];
    let stats = client.queue_stats(&queue.id).await.unwrap();
    assert!(stats.waiting.is_some());
}
