//! Who can take a conversation now, for the picker: every agent's presence and chat capacity,
//! and, for the roster's queues, whether they are active, how many wait and for how long.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Local};
use serde::{Deserialize, Serialize};

use crate::platform::{AgentPresence, PlatformClient, PlatformError, QueueStats};
use crate::team::SharedReads;

/// At most this many queues are read for the team at once: the roster's own, then those of
/// teammates' rosters. Each costs a call at every refresh.
const MAX_TEAM_QUEUES: usize = 100;

/// One queue's live state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLoad {
    pub active: bool,
    /// Absent for an inactive queue, or when the stats call failed for it.
    pub stats: Option<QueueStats>,
}

/// A snapshot of live state, and when it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    pub agents: HashMap<String, AgentPresence>,
    pub queues: HashMap<String, QueueLoad>,
    pub taken_at: DateTime<Local>,
    /// The teammate whose console took it, in team mode; `None` when this console did.
    #[serde(skip)]
    pub read_by: Option<String>,
}

/// Who is free as the team shares it: the snapshot, and the queues it has the state of (those
/// of every roster that asked lately, so that one read serves them all).
#[derive(Debug, Serialize, Deserialize)]
struct TeamAvailability {
    queue_ids: Vec<String>,
    live: Availability,
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
                "is at full chat capacity ({}/{} chats)",
                chat.used, chat.total
            )),
            Self::Queue(queue) if !queue.active => Some("is inactive".into()),
            _ => None,
        }
    }
}

/// Takes a fresh snapshot: one availability call for every agent, the queue list for the active
/// flags, and one stats call per active roster queue in `queue_ids`. Every call is background
/// work on the shared budget.
pub(super) async fn read(
    client: &PlatformClient,
    queue_ids: &[String],
) -> Result<Availability, PlatformError> {
    let agents = client.availability(&[]).await?;
    let listed = client.list_queues().await?;
    let active: HashMap<&str, bool> = listed
        .items
        .iter()
        .map(|q| (q.id.as_str(), q.active))
        .collect();
    let mut queues = HashMap::new();
    for id in queue_ids {
        let Some(&is_active) = active.get(id.as_str()) else {
            continue;
        };
        let stats = if is_active {
            // One queue's stats failing leaves the rest of the snapshot useful.
            client.queue_stats(id).await.ok()
        } else {
            None
        };
        queues.insert(
            id.clone(),
            QueueLoad {
                active: is_active,
                stats,
            },
        );
    }
    Ok(Availability {
        agents,
        queues,
        taken_at: Local::now(),
        read_by: None,
    })
}

/// [`read`] for a console of a team that refreshes every `interval`: a
/// teammate's snapshot when one is fresh enough and has every queue in `queue_ids`. A snapshot
/// this console takes for the team covers the queues of the last one too, up to 100 queues in
/// all (`MAX_TEAM_QUEUES`).
pub(super) async fn read_for_team(
    client: &PlatformClient,
    team: &SharedReads,
    queue_ids: &[String],
    interval: Duration,
) -> Result<Availability, PlatformError> {
    let covers =
        |shared: &TeamAvailability| queue_ids.iter().all(|id| shared.queue_ids.contains(id));
    let read = |last: Option<TeamAvailability>| async move {
        let mut wanted = queue_ids.to_vec();
        for id in last.into_iter().flat_map(|shared| shared.queue_ids) {
            if wanted.len() >= MAX_TEAM_QUEUES {
                break;
            }
            if !wanted.contains(&id) {
                wanted.push(id);
            }
        }
        let live = read(client, &wanted).await?;
        Ok(TeamAvailability {
            queue_ids: wanted,
            live,
        })
    };
    let shared = team.read("availability", interval, covers, read).await?;
    Ok(Availability {
        read_by: shared.read_by,
        ..shared.value.live
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{Capacity, Presence};

    /// A snapshot left in the team's Redis reads back as it was taken, without the name of a
    /// teammate (the reader's name travels beside it); one with an unknown presence is none.
    #[test]
    fn a_snapshot_passed_through_the_team_comes_back_the_same() {
        let mut live = Availability {
            agents: HashMap::from([(
                "a-1".to_owned(),
                AgentPresence {
                    presence: Presence::Busy,
                    chat: Some(Capacity { used: 3, total: 3 }),
                },
            )]),
            queues: HashMap::from([(
                "qu-1".to_owned(),
                QueueLoad {
                    active: true,
                    stats: Some(QueueStats {
                        waiting: Some(4),
                        average_wait: None,
                    }),
                },
            )]),
            taken_at: Local::now(),
            read_by: Some("Marcus".into()),
        };
        let shared = TeamAvailability {
            queue_ids: vec!["qu-1".into()],
            live: live.clone(),
        };
        let text = serde_json::to_string(&shared).unwrap();
        let back: TeamAvailability = serde_json::from_str(&text).unwrap();
        live.read_by = None;
        assert_eq!(back.live, live);
        let unknown = text.replace("Busy", "Napping");
        assert!(serde_json::from_str::<TeamAvailability>(&unknown).is_err());
    }

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
            "is at full chat capacity (3/3 chats)"
        );
        let inactive = LiveState::Queue(QueueLoad {
            active: false,
            stats: None,
        });
        assert_eq!(inactive.concern().unwrap(), "is inactive");
    }
}
