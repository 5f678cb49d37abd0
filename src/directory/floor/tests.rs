use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::ids::SessionId;
use crate::platform::{QueueNumbers, QueueRef, QueueRow};
use crate::roster::Target;

fn roster() -> Roster {
    Roster::new(vec![
        Target::new(TargetKind::Queue, "qu-billing", "Billing"),
        Target::new(TargetKind::Queue, "qu-tech", "Tech Support"),
    ])
}

/// The roster's two queues.
fn two_queues() -> (String, String) {
    ("qu-billing".into(), "qu-tech".into())
}

fn row(waiting: u32, sla: Option<f64>) -> QueueRow {
    QueueRow {
        channel: Some("rtm".into()),
        direction: Some("Inbound".into()),
        waiting: Some(waiting),
        overdue: Some(0),
        ongoing: Some(0),
        abandoned: Some(1),
        sla_percent: sla,
        average_answer: None,
    }
}

fn queue(id: &str, waiting: u32, overdue: u32, slas: &[Option<f64>]) -> QueueNumbers {
    QueueNumbers {
        id: id.into(),
        name: format!("{id} as the platform names it"),
        waiting: Some(waiting),
        overdue: Some(overdue),
        ongoing: Some(0),
        abandoned: Some(u32::try_from(slas.len()).unwrap()),
        agents: None,
        rows: slas.iter().map(|sla| row(0, *sla)).collect(),
    }
}

fn numbers(queues: Vec<QueueNumbers>, at: DateTime<Utc>) -> FloorNumbers {
    FloorNumbers {
        performance: QueuePerformance {
            queues,
            notes: Vec::new(),
        },
        at,
        since: at - TimeDelta::hours(8),
    }
}

fn waiting(n: u8, queue: &str, wait_secs: u64, read_at: SystemTime) -> Conversation {
    Conversation {
        session: SessionId::parse(&format!("{n:024x}")).unwrap(),
        conversation_id: None,
        status: Some(if wait_secs > 100 {
            ConversationStatus::Overdue
        } else {
            ConversationStatus::Open
        }),
        wait: Some(Duration::from_secs(wait_secs)),
        read_at,
        priority: None,
        intent: None,
        sentiment: None,
        language: None,
        channel: None,
        queue: Some(QueueRef {
            id: Some(queue.into()),
            name: Some("listed name".into()),
        }),
        agent: None,
        moves: Vec::new(),
    }
}

fn roster_queue_name(id: &str) -> String {
    roster().find(id).unwrap().name.clone()
}

#[test]
fn the_worst_queue_comes_first_named_as_the_roster_names_it() {
    let (billing_id, tech_id) = two_queues();
    let (billing, tech) = (billing_id.as_str(), tech_id.as_str());
    let now = SystemTime::now();
    let at = DateTime::<Utc>::from(now);
    let floor = numbers(
        vec![
            queue(billing, 1, 0, &[Some(95.0), None]),
            queue(tech, 2, 1, &[Some(90.0), Some(61.5), None]),
        ],
        at,
    );
    let list = [
        waiting(1, billing, 30, now),
        waiting(2, tech, 150, now),
        waiting(3, tech, 20, now),
    ];
    let figures = queue_figures(
        Some(&floor),
        &list,
        Some(at),
        &roster(),
        &FloorThresholds::default(),
        now,
    );
    let worst = &figures[0];
    assert_eq!(worst.id, tech);
    assert_eq!(worst.name, roster_queue_name(tech));
    assert_eq!((worst.waiting, worst.overdue), (2, 1));
    assert_eq!(worst.sla_percent, Some(61.5), "the worst channel's");
    assert!(worst.sla_low && worst.wait_long && worst.over());
    assert_eq!(worst.longest_wait, Some(Duration::from_secs(150)));
    assert_eq!(
        worst.waiting_age, None,
        "the numbers are not older than the list"
    );
    let first_queue = &figures[1];
    assert_eq!(first_queue.sla_percent, Some(95.0), "\"N/A\" is no figure");
    assert!(!first_queue.over());
}

#[test]
fn a_queues_own_wait_threshold_counts_and_older_numbers_say_their_age() {
    let (billing_id, _) = two_queues();
    let billing = billing_id.as_str();
    let now = SystemTime::now();
    let at = DateTime::<Utc>::from(now);
    let floor = numbers(vec![queue(billing, 4, 0, &[])], at - TimeDelta::seconds(40));
    let list = [waiting(1, billing, 50, now)];
    let mut thresholds = FloorThresholds::default();
    thresholds
        .queue_max_wait
        .insert(billing.into(), Duration::from_secs(45));
    let figures = queue_figures(Some(&floor), &list, Some(at), &roster(), &thresholds, now);
    assert_eq!(figures[0].max_wait, Duration::from_secs(45));
    assert!(figures[0].wait_long);
    assert_eq!(
        figures[0].waiting_age,
        Some(Duration::from_secs(40)),
        "4 waiting, said 40 s before the list that shows 1"
    );
}

#[test]
fn without_the_numbers_the_list_is_counted() {
    let (_, tech_id) = two_queues();
    let tech = tech_id.as_str();
    let now = SystemTime::now();
    let list = [waiting(1, tech, 150, now), waiting(2, tech, 10, now)];
    let figures = queue_figures(
        None,
        &list,
        Some(DateTime::<Utc>::from(now)),
        &roster(),
        &FloorThresholds::default(),
        now,
    );
    assert_eq!(figures.len(), 1);
    assert_eq!((figures[0].waiting, figures[0].overdue), (2, 1));
    assert_eq!(figures[0].sla_percent, None);
    assert!(figures[0].wait_long && !figures[0].sla_low);
}
