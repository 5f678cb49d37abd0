//! The floor at a glance: one line of figures per queue, most urgent first, for the console's
//! strip and `handoff floor`. Pure: made from the queues' numbers (queue-performance) and the
//! conversation list, read at different moments, and held against `[floor]`.
//!
//! What the numbers do not say, the list does: the longest wait comes from the waiting
//! conversations read; without queue-performance (its API scope missing), the waiting and
//! overdue are counted in the list too. Where the two disagree on what waits, the older says
//! its age.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::FloorThresholds;
use crate::ids::{ConversationStatus, TargetKind};
use crate::platform::{AgentCounts, Conversation, QueuePerformance};
use crate::roster::Roster;

/// Queue-performance's numbers as a read brought them.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorNumbers {
    pub performance: QueuePerformance,
    /// When the read began.
    pub at: DateTime<Utc>,
    /// The start of the range the SLA and the abandoned count cover: the local day's start.
    pub since: DateTime<Utc>,
}

/// One queue's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueFigure {
    pub id: String,
    pub name: String,
    /// Waiting now, the overdue among them.
    pub waiting: u32,
    pub overdue: u32,
    /// When the waiting figure is older than the list and says otherwise: its age.
    #[serde(skip_serializing_if = "Option::is_none", with = "secs_opt")]
    pub waiting_age: Option<Duration>,
    /// The longest wait of the waiting conversations in the list, now.
    #[serde(with = "secs_opt")]
    pub longest_wait: Option<Duration>,
    /// The lowest SLA of its channels, in percent; `None` where the platform said "N/A".
    pub sla_percent: Option<f64>,
    pub abandoned: Option<u32>,
    pub agents: Option<AgentCounts>,
    /// The longest acceptable wait in this queue (`[floor]`).
    #[serde(with = "secs")]
    pub max_wait: Duration,
    /// The SLA is below `[floor] sla_target`.
    pub sla_low: bool,
    /// A conversation has waited past `max_wait`.
    pub wait_long: bool,
}

impl QueueFigure {
    /// Past a threshold: what the bell rings for.
    pub fn over(&self) -> bool {
        self.sla_low || self.wait_long
    }
}

/// Every queue's figures, most urgent first: past a threshold, then most overdue, longest
/// wait, most waiting. `numbers` may be missing (not read yet, or no scope for it); the list
/// was read at `list_at`.
pub fn queue_figures(
    numbers: Option<&FloorNumbers>,
    conversations: &[Conversation],
    list_at: Option<DateTime<Utc>>,
    roster: &Roster,
    thresholds: &FloorThresholds,
    now: SystemTime,
) -> Vec<QueueFigure> {
    let listed = waiting_by_queue(conversations, now);
    let mut figures: Vec<QueueFigure> = Vec::new();
    let name_of = |id: &str, fallback: &str| {
        roster
            .find(id)
            .filter(|t| t.kind == TargetKind::Queue)
            .map_or_else(|| fallback.to_owned(), |t| t.name.clone())
    };
    let blank = |id: &str, name: String| QueueFigure {
        id: id.to_owned(),
        max_wait: thresholds.max_wait_in(id),
        name,
        waiting: 0,
        overdue: 0,
        waiting_age: None,
        longest_wait: None,
        sla_percent: None,
        abandoned: None,
        agents: None,
        sla_low: false,
        wait_long: false,
    };
    if let Some(numbers) = numbers {
        for queue in &numbers.performance.queues {
            let mut figure = blank(&queue.id, name_of(&queue.id, &queue.name));
            figure.waiting = queue.waiting.unwrap_or(0);
            figure.overdue = queue.overdue.unwrap_or(0);
            figure.sla_percent = queue
                .rows
                .iter()
                .filter_map(|row| row.sla_percent)
                .reduce(f64::min);
            figure.abandoned = queue.abandoned;
            figure.agents = queue.agents;
            let in_list = listed.get(queue.id.as_str());
            let list_count = in_list.map_or(0, |l| l.waiting);
            let older = list_at.is_some_and(|list_at| numbers.at < list_at);
            if older && list_count != figure.waiting {
                let age = DateTime::<Utc>::from(now) - numbers.at;
                figure.waiting_age = Some(age.to_std().unwrap_or_default());
            }
            figures.push(figure);
        }
    }
    for (id, in_list) in &listed {
        if figures.iter().any(|f| f.id == *id) {
            continue;
        }
        let mut figure = blank(id, name_of(id, &in_list.name));
        figure.waiting = in_list.waiting;
        figure.overdue = in_list.overdue;
        figures.push(figure);
    }
    for figure in &mut figures {
        figure.longest_wait = listed.get(figure.id.as_str()).and_then(|l| l.longest);
        figure.wait_long = figure.longest_wait.is_some_and(|w| w > figure.max_wait);
        figure.sla_low = figure
            .sla_percent
            .is_some_and(|sla| sla < thresholds.sla_target);
    }
    figures.sort_by(|a, b| {
        b.over()
            .cmp(&a.over())
            .then(b.overdue.cmp(&a.overdue))
            .then(b.longest_wait.cmp(&a.longest_wait))
            .then(b.waiting.cmp(&a.waiting))
            .then_with(|| a.name.cmp(&b.name))
    });
    figures
}

/// What the list says waits in one queue.
struct Listed {
    name: String,
    waiting: u32,
    overdue: u32,
    longest: Option<Duration>,
}

fn waiting_by_queue(conversations: &[Conversation], now: SystemTime) -> HashMap<&str, Listed> {
    let mut queues: HashMap<&str, Listed> = HashMap::new();
    for conversation in conversations {
        let Some(status) = &conversation.status else {
            continue;
        };
        if !status.is_waiting() {
            continue;
        }
        let Some(queue) = &conversation.queue else {
            continue;
        };
        let Some(id) = queue.id.as_deref() else {
            continue;
        };
        let listed = queues.entry(id).or_insert_with(|| Listed {
            name: queue.label().to_owned(),
            waiting: 0,
            overdue: 0,
            longest: None,
        });
        listed.waiting += 1;
        listed.overdue += u32::from(*status == ConversationStatus::Overdue);
        listed.longest = listed.longest.max(conversation.wait_at(now));
    }
    queues
}

/// Durations as whole seconds in JSON.
mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

mod secs_opt {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests;
