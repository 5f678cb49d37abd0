//! Where a run of many goes: one queue, one agent, or several agents by their free chats. The
//! console and `handoff transfer` both build it, key the run by it and hand the run's
//! conversations out by its one rule ([`BulkAssignment`]), so the same run started from either
//! side is one run, and goes the same way.

use super::BulkKey;
use crate::directory::LiveState;
use crate::ids::TargetKind;
use crate::roster::Target;

/// Where a run of many goes, with each agent's room as it was read once for the run: the run is
/// checked and sent by exactly that, whatever a later read of who is free says.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkDestination {
    /// A queue takes any number and hands them out itself: nothing to count.
    Queue(Target),
    /// One agent, with the chats it could still take.
    Agent(Target, Room),
    /// Several agents, each with the chats it could still take: each conversation goes to the
    /// one with the most room at that moment.
    Spread(Vec<(Target, Room)>),
}

/// How many more chats an agent could take, as who is free was last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    Free(u32),
    /// Not known: who is free has not been read yet, or the read did not name the agent.
    /// Neither none nor any number, so it is said in words.
    Unknown,
}

impl Room {
    /// The room of an agent whose live state is `live`.
    pub fn of(live: Option<LiveState>) -> Self {
        live.map_or(Self::Unknown, |state| Self::Free(state.free_chats()))
    }

    /// The chats a run may count on: none for an agent whose room is not known, who then takes
    /// a turn only once the others are full.
    fn counted(self) -> u32 {
        match self {
            Self::Free(free) => free,
            Self::Unknown => 0,
        }
    }

    /// "2 of 3 chats free" (the agent's `total`, if known), or "free chats not known".
    pub fn words(self, total: Option<u32>) -> String {
        match self {
            Self::Free(free) => crate::words::chats_free(free, total),
            Self::Unknown => "free chats not known".into(),
        }
    }
}

impl BulkDestination {
    /// Where `target` takes a run: a queue as it is, an agent with its room as `live` says.
    pub fn one(target: Target, live: Option<LiveState>) -> Self {
        match target.kind {
            TargetKind::Queue => Self::Queue(target),
            TargetKind::Agent => Self::Agent(target, Room::of(live)),
        }
    }

    /// The same destination with each agent's room as `room_of` says (read once, before the
    /// first conversation is handed out).
    pub fn with_rooms(self, room_of: impl Fn(&Target) -> Room) -> Self {
        match self {
            Self::Queue(_) => self,
            Self::Agent(agent, _) => {
                let room = room_of(&agent);
                Self::Agent(agent, room)
            }
            Self::Spread(agents) => Self::Spread(
                agents
                    .into_iter()
                    .map(|(agent, _)| {
                        let room = room_of(&agent);
                        (agent, room)
                    })
                    .collect(),
            ),
        }
    }

    /// Where the run goes: the target, or the agents it is spread over.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => vec![target],
            Self::Spread(agents) => agents.iter().map(|(target, _)| target).collect(),
        }
    }

    /// The one target every conversation goes to; `None` for a spread.
    pub fn single(&self) -> Option<&Target> {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => Some(target),
            Self::Spread(_) => None,
        }
    }

    /// The key of the run here of what `source` names (its sessions, or the queue it drains):
    /// its targets as `kind:id` (an agent and a queue may share an id) and its source, in any
    /// order. The same run has the same key whether it is started from the console or the
    /// command line, so a rerun from either skips what the other sent; an agent's room is no
    /// part of it, so a rerun finds the earlier run whoever is free now.
    pub fn key<'s>(&self, source: impl IntoIterator<Item = &'s str>) -> BulkKey {
        let mut parts: Vec<String> = self
            .targets()
            .into_iter()
            .map(|target| format!("{}:{}", target.kind, target.id))
            .collect();
        parts.extend(source.into_iter().map(str::to_owned));
        BulkKey::of(parts.iter().map(String::as_str))
    }

    /// "queue Billing (qu-622421b…)", or "3 agents by free capacity".
    pub fn words(&self) -> String {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => target.to_string(),
            Self::Spread(agents) => format!("{} agents by free capacity", agents.len()),
        }
    }

    /// How many conversations the agents can take together, counting none for an agent whose
    /// room is not known; `None` for a queue, which takes any number.
    pub fn room(&self) -> Option<u64> {
        match self {
            Self::Queue(_) => None,
            Self::Agent(_, room) => Some(u64::from(room.counted())),
            Self::Spread(agents) => Some(
                agents
                    .iter()
                    .map(|(_, room)| u64::from(room.counted()))
                    .sum(),
            ),
        }
    }

    /// How many of `count` conversations would go beyond the agents' free chats, counting none
    /// for an agent whose room is not known.
    pub fn beyond_capacity(&self, count: usize) -> usize {
        let Some(room) = self.room() else {
            return 0;
        };
        count.saturating_sub(usize::try_from(room).unwrap_or(usize::MAX))
    }

    /// The first confirmation's word on capacity, when sending `count` will be asked again.
    pub fn capacity_note(&self, count: usize) -> Option<String> {
        if self.capacity_warnings(count).is_empty() {
            return None;
        }
        Some(match self {
            Self::Agent(_, Room::Unknown) => {
                "their free chats are not known (you will be asked again)".into()
            }
            _ => format!(
                "{} would go beyond their free chats (you will be asked again)",
                self.beyond_capacity(count)
            ),
        })
    }

    /// Why sending `count` conversations here needs a second confirmation, in sentences; none
    /// when they fit.
    pub fn capacity_warnings(&self, count: usize) -> Vec<String> {
        let beyond = self.beyond_capacity(count);
        let warning = match self {
            Self::Queue(_) => None,
            Self::Agent(agent, Room::Unknown) => (count > 0).then(|| {
                format!(
                    "{}'s free chats are not known (no read of who is free has named them yet): all {count} go to them, whatever they can take",
                    agent.name
                )
            }),
            Self::Agent(agent, Room::Free(free)) => (beyond > 0).then(|| {
                format!(
                    "{beyond} of the {count} would go beyond what {} can take ({}): all go to them, over capacity",
                    agent.name,
                    crate::words::chats_free(*free, None)
                )
            }),
            Self::Spread(agents) => (beyond > 0).then(|| {
                let unknown: Vec<&str> = agents
                    .iter()
                    .filter(|(_, room)| *room == Room::Unknown)
                    .map(|(agent, _)| agent.name.as_str())
                    .collect();
                let counted_as_none = if unknown.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({}: free chats not known, counted as none)",
                        unknown.join(", ")
                    )
                };
                format!(
                    "{beyond} of the {count} would go beyond the agents' free chats{counted_as_none}: they go to the agents in turn, over capacity"
                )
            }),
        };
        warning.into_iter().collect()
    }

    /// The run's conversations handed out here, one at a time; past the agents' free chats only
    /// if `beyond_capacity` (the supervisor said so), and then to the agents in turn.
    pub fn assignment(&self, beyond_capacity: bool) -> BulkAssignment {
        let handing = match self {
            Self::Queue(queue) => Handing::Queue(queue.clone()),
            Self::Agent(agent, room) => Handing::Agents {
                spread: Spread::new(vec![(agent.clone(), room.counted())]),
                beyond_capacity,
            },
            Self::Spread(agents) => Handing::Agents {
                spread: Spread::new(
                    agents
                        .iter()
                        .map(|(agent, room)| (agent.clone(), room.counted()))
                        .collect(),
                ),
                beyond_capacity,
            },
        };
        BulkAssignment { handing }
    }
}

/// The one rule for which target each conversation of a run goes to: a queue takes them all; an
/// agent, or agents, by the room the run counted, each to the one with the most at that moment,
/// and past everyone's room (when that was asked for) to the agents in turn. The room is used
/// up as they are handed out, across the passes of a run.
#[derive(Debug, Clone)]
pub struct BulkAssignment {
    handing: Handing,
}

#[derive(Debug, Clone)]
enum Handing {
    Queue(Target),
    Agents {
        spread: Spread,
        beyond_capacity: bool,
    },
}

impl BulkAssignment {
    /// Where the next conversation goes; `None` once every agent is full and going beyond was
    /// not asked for (or no agent is left to take it).
    pub fn next_target(&mut self) -> Option<Target> {
        match &mut self.handing {
            Handing::Queue(queue) => Some(queue.clone()),
            Handing::Agents {
                spread,
                beyond_capacity,
            } => spread.take_roomiest().or_else(|| {
                beyond_capacity
                    .then(|| spread.next_beyond_capacity())
                    .flatten()
            }),
        }
    }
}

/// Free chat capacity per agent, handed out one conversation at a time to the agent with the
/// most room at that moment.
#[derive(Debug, Clone)]
struct Spread {
    agents: Vec<(Target, u32)>,
    /// Whose turn it is once everyone is full.
    turn: usize,
}

impl Spread {
    /// `agents` with the chats each can still take.
    fn new(agents: Vec<(Target, u32)>) -> Self {
        Self { agents, turn: 0 }
    }

    /// The agent with the most free chats (the first listed among equals), counting the
    /// conversation against it; `None` once every agent is full.
    fn take_roomiest(&mut self) -> Option<Target> {
        let (target, free) = self
            .agents
            .iter_mut()
            .filter(|(_, free)| *free > 0)
            .rev()
            .max_by_key(|(_, free)| *free)?;
        *free -= 1;
        Some(target.clone())
    }

    /// Past everyone's capacity (the supervisor confirmed it): the agents in turn.
    fn next_beyond_capacity(&mut self) -> Option<Target> {
        let (target, _) = self.agents.get(self.turn % self.agents.len().max(1))?;
        self.turn += 1;
        Some(target.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str) -> Target {
        Target::new(TargetKind::Agent, format!("a-{name}"), name)
    }

    fn queue(name: &str) -> Target {
        Target::new(TargetKind::Queue, format!("qu-{name}"), name)
    }

    /// Up to `count` targets handed out, by name.
    fn handed_out(assignment: &mut BulkAssignment, count: usize) -> Vec<String> {
        std::iter::from_fn(|| assignment.next_target())
            .take(count)
            .map(|target| target.name)
            .collect()
    }

    #[test]
    fn a_run_has_one_key_wherever_it_is_started() {
        let sessions = ["s1", "s2"];
        // The console: the highlighted agent with its room as the confirmation keeps it, and
        // the marked conversations.
        let console = BulkDestination::Agent(agent("ana"), Room::Free(2));
        // The command line: `--agent ana` with the sessions file, before who is free is read,
        // and after.
        let command = BulkDestination::one(agent("ana"), None);
        let key = console.key(sessions);
        assert_eq!(key, command.key(["s2", "s1"]));
        assert_eq!(key, command.with_rooms(|_| Room::Free(0)).key(sessions));
        assert_eq!(
            key,
            BulkKey::of(["agent:a-ana", "s1", "s2"]),
            "its target as kind:id, and its sessions"
        );
        // Spread over agents marked in the console, or given to `--agents` in another order.
        let marked = BulkDestination::Spread(vec![
            (agent("ana"), Room::Free(1)),
            (agent("bo"), Room::Unknown),
        ]);
        let given = BulkDestination::Spread(vec![
            (agent("bo"), Room::Unknown),
            (agent("ana"), Room::Unknown),
        ]);
        assert_eq!(marked.key(sessions), given.key(sessions));
        assert_ne!(
            BulkDestination::one(Target::new(TargetKind::Queue, "a-ana", "ana"), None)
                .key(sessions),
            key,
            "the kind is part of the key: an agent and a queue may share an id"
        );
    }

    #[test]
    fn a_queue_takes_every_conversation() {
        let mut assignment = BulkDestination::one(queue("billing"), None).assignment(false);
        assert_eq!(handed_out(&mut assignment, 3), ["billing"; 3]);
        assert_eq!(BulkDestination::Queue(queue("billing")).room(), None);
    }

    #[test]
    fn capacity_goes_to_whoever_has_most_room_and_never_beyond_unasked() {
        let agents = BulkDestination::Spread(vec![
            (agent("ana"), Room::Free(1)),
            (agent("bo"), Room::Free(3)),
            (agent("cy"), Room::Unknown),
        ]);
        assert_eq!(agents.room(), Some(4));
        assert_eq!(agents.beyond_capacity(6), 2);
        let mut within = agents.assignment(false);
        assert_eq!(handed_out(&mut within, 10), ["bo", "bo", "ana", "bo"]);
        let mut beyond = agents.assignment(true);
        assert_eq!(
            handed_out(&mut beyond, 8),
            ["bo", "bo", "ana", "bo", "ana", "bo", "cy", "ana"],
            "past everyone's room, the agents in turn"
        );
    }

    #[test]
    fn one_agent_takes_what_it_has_room_for_or_all_when_asked() {
        let dana = BulkDestination::one(agent("dana"), None).with_rooms(|_| Room::Free(2));
        assert_eq!(dana, BulkDestination::Agent(agent("dana"), Room::Free(2)));
        assert_eq!(handed_out(&mut dana.assignment(false), 5), ["dana"; 2]);
        assert_eq!(handed_out(&mut dana.assignment(true), 5), ["dana"; 5]);
        let unknown = BulkDestination::one(agent("dana"), None);
        assert_eq!(
            handed_out(&mut unknown.assignment(false), 5),
            Vec::<String>::new()
        );
        assert_eq!(handed_out(&mut unknown.assignment(true), 2), ["dana"; 2]);
    }

    #[test]
    fn room_is_used_up_across_the_passes_of_a_run() {
        let agents = BulkDestination::Spread(vec![
            (agent("ana"), Room::Free(1)),
            (agent("bo"), Room::Free(1)),
        ]);
        let mut assignment = agents.assignment(false);
        assert_eq!(handed_out(&mut assignment, 1), ["ana"]);
        assert_eq!(handed_out(&mut assignment, 5), ["bo"], "a later pass");
        assert_eq!(assignment.next_target(), None);
    }

    #[test]
    fn no_agent_left_takes_nothing() {
        let none = BulkDestination::Spread(Vec::new());
        assert_eq!(none.assignment(true).next_target(), None);
    }
}
