//! Who can take a conversation now, for the picker: every agent's presence and chat capacity,
//! and, for the roster's queues, whether they are active, how many wait and for how long, as the
//! read planner puts them together.

use std::collections::HashMap;

use chrono::{DateTime, Local};

use crate::platform::{AgentPresence, QueueStats};

/// One queue's live state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLoad {
    pub active: bool,
    /// Absent for an inactive queue, or when the stats call failed for it.
    pub stats: Option<QueueStats>,
}

/// A snapshot of live state, and when it was taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    pub agents: HashMap<String, AgentPresence>,
    pub queues: HashMap<String, QueueLoad>,
    pub taken_at: DateTime<Local>,
    /// The teammate whose console took it, in team mode; `None` when this console did.
    pub read_by: Option<String>,
}

/// The live state of one target, for display and for the second confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    Agent(AgentPresence),
    Queue(QueueLoad),
}

impl Availability {
    pub fn of(&self, id: &str) -> Option<LiveState> {
        self.agents
            .get(id)
            .map(|a| LiveState::Agent(*a))
            .or_else(|| self.queues.get(id).map(|q| LiveState::Queue(*q)))
    }
}

impl LiveState {
    /// Free right now: an available agent with a free chat (or no capacity reported), or an
    /// active queue.
    pub fn is_free(self) -> bool {
        use crate::platform::Presence;
        match self {
            Self::Agent(agent) => {
                agent.presence == Presence::Available && !agent.chat.is_some_and(|c| c.is_full())
            }
            Self::Queue(queue) => queue.active,
        }
    }

    /// How many more conversations an agent can take now: the free chats of an available agent,
    /// one if it reports no capacity (so a bulk run never piles onto it blind), none when it
    /// is not available. Queues take any number.
    pub fn free_chats(self) -> u32 {
        use crate::platform::Presence;
        match self {
            Self::Agent(agent) if agent.presence == Presence::Available => agent
                .chat
                .map_or(1, |chat| chat.total.saturating_sub(chat.used)),
            Self::Agent(_) => 0,
            Self::Queue(queue) if queue.active => u32::MAX,
            Self::Queue(_) => 0,
        }
    }

    /// How many chats an agent has in all, if the platform says.
    pub fn chat_total(self) -> Option<u32> {
        match self {
            Self::Agent(agent) => agent.chat.map(|chat| chat.total),
            Self::Queue(_) => None,
        }
    }

    /// How loaded the target is, lowest first: free agents by the share of their chats in use,
    /// then active queues by how many wait, then busy or full agents, away, and last those that
    /// cannot take anything.
    pub fn load(self) -> u32 {
        use crate::platform::Presence;
        match self {
            Self::Agent(agent) => {
                let share = agent.chat.map_or(0, |c| c.used * 100 / c.total.max(1));
                match agent.presence {
                    Presence::Available if self.is_free() => share,
                    Presence::Available | Presence::Busy => 2_000 + share,
                    Presence::Away => 3_000,
                    Presence::Offline => 4_000,
                }
            }
            Self::Queue(queue) if queue.active => {
                1_000 + queue.stats.and_then(|s| s.waiting).unwrap_or(500).min(999)
            }
            Self::Queue(_) => 4_000,
        }
    }

    /// Why a transfer to this target is likely to fail or wait, as the end of a sentence about
    /// it ("… is offline"); `None` when it looks fine.
    pub fn concern(self) -> Option<String> {
        use crate::platform::Presence;
        match self {
            Self::Agent(agent) if agent.presence == Presence::Offline => Some("is offline".into()),
            Self::Agent(AgentPresence {
                chat: Some(chat), ..
            }) if chat.is_full() => Some(format!(
                "is at full chat capacity ({})",
                crate::words::chats_free(0, Some(chat.total))
            )),
            Self::Queue(queue) if !queue.active => Some("is inactive".into()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{Capacity, Presence};

    #[test]
    fn concerns_in_words() {
        let agent = |presence, used| {
            LiveState::Agent(AgentPresence {
                presence,
                chat: Some(Capacity { used, total: 3 }),
            })
        };
        assert_eq!(agent(Presence::Available, 1).concern(), None);
        assert_eq!(agent(Presence::Offline, 0).concern().unwrap(), "is offline");
        assert_eq!(
            agent(Presence::Busy, 3).concern().unwrap(),
            "is at full chat capacity (0 of 3 chats free)"
        );
        let inactive = LiveState::Queue(QueueLoad {
            active: false,
            stats: None,
        });
        assert_eq!(inactive.concern().unwrap(), "is inactive");
    }
}
