//! Live state that changes over time: each agent's presence and chat load, each queue's load.
//!
//! Demo mode needs a floor that moves, tests need to predict it. So the state is a pure function
//! of (id, time bucket), the bucket being [`SimulatorConfig::state_period`] long: it holds still
//! within a bucket and jumps at its edges, the same on every run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::hash::stable;
use super::{SimQueue, SimulatorConfig};

/// Live chats every agent can take at once.
pub(crate) const CHAT_CAPACITY: u32 = 3;

/// An agent's presence as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    Available,
    Busy,
    Away,
    Offline,
}

impl Presence {
    /// The agent list's `onlineStatus`: `"available"`, `"busy"`, `"away"` or `"offline"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// The availability reply's key: `"AVAILABLE"`, `"BUSY"`, `"AWAY"` or `"OFFLINE"`.
    pub fn bucket(self) -> &'static str {
        match self {
            Presence::Available => "AVAILABLE",
            Presence::Busy => "BUSY",
            Presence::Away => "AWAY",
            Presence::Offline => "OFFLINE",
        }
    }
}

/// The presence of agent `agent_id` at `at`, with its used and total live-chat capacity; `None`
/// when the agent is not in [`SimulatorConfig::agents`]. The simulator answers with exactly this,
/// so tests can predict its replies.
///
/// About 55% of agents are available, 20% busy, 10% away and 15% offline. Every agent has
/// capacity 3; busy agents use 1 to 3 of it, available agents 0 to 3 (full sometimes), away
/// agents 0 to 2 and offline agents none.
pub fn agent_presence(
    config: &SimulatorConfig,
    agent_id: &str,
    at: SystemTime,
) -> Option<(Presence, u32, u32)> {
    let agent = config.agent(agent_id)?;
    Some(agent_state(config.state_period, &agent.id, at))
}

/// [`agent_presence`] for an agent known to be on the roster.
pub(crate) fn agent_state(
    period: Duration,
    agent_id: &str,
    at: SystemTime,
) -> (Presence, u32, u32) {
    let hash = stable(&[
        b"presence",
        agent_id.as_bytes(),
        &bucket(period, at).to_le_bytes(),
    ]);
    let roll = hash % 100;
    // Bits above those `roll` mostly depends on, so the load is not tied to the presence roll.
    let load = u32::try_from((hash >> 32) % 4).unwrap_or(0);
    let (presence, used) = match roll {
        0..55 => (Presence::Available, load),
        55..75 => (Presence::Busy, 1 + load % CHAT_CAPACITY),
        75..85 => (Presence::Away, load % CHAT_CAPACITY),
        _ => (Presence::Offline, 0),
    };
    (presence, used, CHAT_CAPACITY)
}

/// A queue's live load, all times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueLoad {
    pub(crate) waiting: u64,
    pub(crate) engaged: u64,
    pub(crate) drop_off: u64,
    pub(crate) avg_wait_ms: u64,
    pub(crate) max_wait_ms: u64,
    pub(crate) answer_ms: u64,
}

/// The load of `queue` at `at`. An inactive queue takes no conversations, so it is all zeros.
pub(crate) fn queue_load(period: Duration, queue: &SimQueue, at: SystemTime) -> QueueLoad {
    if !queue.active {
        return QueueLoad {
            waiting: 0,
            engaged: 0,
            drop_off: 0,
            avg_wait_ms: 0,
            max_wait_ms: 0,
            answer_ms: 0,
        };
    }
    let hash = stable(&[
        b"queue",
        queue.id.as_bytes(),
        &bucket(period, at).to_le_bytes(),
    ]);
    let avg_wait_ms = 5_000 + (hash >> 24) % 115_000;
    QueueLoad {
        waiting: hash % 9,
        engaged: (hash >> 8) % 16,
        drop_off: (hash >> 16) % 5,
        avg_wait_ms,
        max_wait_ms: avg_wait_ms + (hash >> 40) % 180_000,
        answer_ms: 2_000 + (hash >> 50) % 60_000,
    }
}

/// Which `period`-long slice of time since the epoch `at` falls in. A zero period freezes the
/// state (always bucket 0), as do times before the epoch.
fn bucket(period: Duration, at: SystemTime) -> u64 {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since_epoch
        .as_nanos()
        .checked_div(period.as_nanos())
        .map_or(0, |bucket| u64::try_from(bucket).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn ids(count: usize) -> impl Iterator<Item = String> {
        (0..count).map(|i| format!("a-{i:07x}-0000-4000-8000-000000000000"))
    }

    #[test]
    fn presence_follows_the_documented_mix_and_capacity_rules() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut counts = [0u32; 4];
        let mut full_while_available = 0;
        for id in ids(4000) {
            let (presence, used, total) = agent_state(MINUTE, &id, at);
            assert_eq!(total, CHAT_CAPACITY);
            assert!(used <= total);
            match presence {
                Presence::Available => {
                    counts[0] += 1;
                    full_while_available += u32::from(used == total);
                }
                Presence::Busy => {
                    counts[1] += 1;
                    assert!(used >= 1, "{id} busy with no chats");
                }
                Presence::Away => counts[2] += 1,
                Presence::Offline => {
                    counts[3] += 1;
                    assert_eq!(used, 0, "{id} offline with chats");
                }
            }
        }
        // 4000 draws: each share lands within a few points of its target.
        for (count, target) in counts.into_iter().zip([2200, 800, 400, 600]) {
            assert!(count.abs_diff(target) < 150, "{counts:?}");
        }
        assert!(full_while_available > 0);
    }

    #[test]
    fn presence_holds_within_a_bucket_and_moves_between_buckets() {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_040);
        let later_same = start + Duration::from_secs(19);
        let next = start + MINUTE;
        let mut moved = 0;
        for id in ids(100) {
            assert_eq!(
                agent_state(MINUTE, &id, start),
                agent_state(MINUTE, &id, later_same)
            );
            moved += u32::from(agent_state(MINUTE, &id, start) != agent_state(MINUTE, &id, next));
        }
        assert!(moved > 20, "only {moved} of 100 agents changed");
    }

    #[test]
    fn degenerate_periods_and_times_freeze_the_state() {
        assert_eq!(bucket(Duration::ZERO, SystemTime::now()), 0);
        assert_eq!(bucket(MINUTE, UNIX_EPOCH - MINUTE), 0);
        assert!(bucket(Duration::from_nanos(1), SystemTime::now()) > 0);
    }

    #[test]
    fn inactive_queues_are_idle_and_active_ones_are_consistent() {
        let mut queue = SimQueue {
            id: "qu-b5d3bb4-a1ac-4caa-9be6-55a5abc3e0f1".into(),
            name: "Billing".into(),
            description: String::new(),
            active: false,
        };
        assert_eq!(queue_load(MINUTE, &queue, SystemTime::now()).waiting, 0);
        queue.active = true;
        let mut waited = false;
        for minute in 0..50 {
            let load = queue_load(MINUTE, &queue, UNIX_EPOCH + MINUTE * minute);
            assert!(load.waiting <= 8 && load.max_wait_ms >= load.avg_wait_ms);
            waited |= load.waiting > 0;
        }
        assert!(waited);
    }
}
