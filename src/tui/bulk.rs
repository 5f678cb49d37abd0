//! A run of many transfers from the console, as the progress bar shows it: where they go, which
//! transfers it holds, and how far each has come.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::budget::BudgetSnapshot;
use crate::directory::LiveState;
use crate::ids::TargetKind;
use crate::roster::Target;
use crate::transfer::{Ledger, Spread, TransferId, TransferState};

/// Where a run of many goes. The confirmation keeps it, with each agent's room as it showed it:
/// the run is checked and sent by exactly that, whatever a refresh says meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkTo {
    /// A queue takes any number and hands them out itself: nothing to count.
    Queue(Target),
    /// One agent, with the chats it could still take when the confirmation opened.
    Agent(Target, Room),
    /// The agents marked in the picker, each with the chats it could still take when the
    /// confirmation opened.
    Spread(Vec<(Target, Room)>),
}

/// How many more chats an agent could take, as the console last read who is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    Free(u32),
    /// The console has no live state for the agent: who is free has not been read yet, or the
    /// read did not list them. Neither none nor any number, so it is said in words.
    Unknown,
}

impl Room {
    /// The room of an agent whose live state is `live`.
    pub fn of(live: Option<LiveState>) -> Self {
        live.map_or(Self::Unknown, |state| Self::Free(state.free_chats()))
    }

    /// The chats a spread may count on: none for an agent whose room is not known, who then
    /// takes a turn only once the others are full.
    fn counted(self) -> u32 {
        match self {
            Self::Free(free) => free,
            Self::Unknown => 0,
        }
    }

    /// "2 free", or "free chats not known".
    pub fn words(self) -> String {
        match self {
            Self::Free(free) => format!("{free} free"),
            Self::Unknown => "free chats not known".into(),
        }
    }
}

impl BulkTo {
    /// Where the highlighted `target` takes a run: a queue as it is, an agent with its room as
    /// `live` says.
    pub fn one(target: Target, live: Option<LiveState>) -> Self {
        match target.kind {
            TargetKind::Queue => Self::Queue(target),
            TargetKind::Agent => Self::Agent(target, Room::of(live)),
        }
    }

    /// "queue Billing (qu-622421b…)", or "3 agents by free capacity".
    pub fn words(&self) -> String {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => target.to_string(),
            Self::Spread(agents) => format!("{} agents by free capacity", agents.len()),
        }
    }

    /// The one target every conversation goes to; `None` for a spread.
    pub fn single(&self) -> Option<&Target> {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => Some(target),
            Self::Spread(_) => None,
        }
    }

    /// Where the run goes: the target, or the agents it is spread over.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Self::Queue(target) | Self::Agent(target, _) => vec![target],
            Self::Spread(agents) => agents.iter().map(|(target, _)| target).collect(),
        }
    }

    /// The spread of the conversations over the agents by the room the confirmation showed;
    /// `None` unless the run is spread.
    pub fn spread(&self) -> Option<Spread> {
        match self {
            Self::Spread(agents) => Some(Spread::new(
                agents
                    .iter()
                    .map(|(agent, room)| (agent.clone(), room.counted()))
                    .collect(),
            )),
            Self::Queue(_) | Self::Agent(..) => None,
        }
    }

    /// How many of `count` conversations would go beyond the agents' free chats, counting none
    /// for an agent whose room is not known.
    pub fn beyond_capacity(&self, count: usize) -> usize {
        let room = match self {
            Self::Queue(_) => return 0,
            Self::Agent(_, room) => u64::from(room.counted()),
            Self::Spread(_) => self.spread().map_or(0, |spread| spread.room()),
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
                    "{beyond} of the {count} would go beyond {}'s {free} free chat(s): all go to them, over capacity",
                    agent.name
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkRun {
    /// "queue Billing", or "3 agents by free capacity".
    pub target: String,
    /// The target that did not take the failed ones, marked when they are re-routed together
    /// (`None` for a run spread over several agents).
    pub single_target: Option<Target>,
    /// The run's transfers, in the order they are handed out.
    pub transfers: Vec<TransferId>,
    /// The supervisor stopped it: what was not sent stays unsent.
    pub stopped: bool,
    /// Running until every transfer has been handed out, or given up unsent; once it has
    /// ended, a read of the conversation list says which of its conversations still
    /// wait where they were.
    pub left: LeftCheck,
}

/// Where a run's after-look stands: nothing of a run of many is left behind in silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftCheck {
    /// The run is under way.
    Running,
    /// It ended (then) while a read of the list was under way, which may predate its last
    /// moves: the read after that one tells.
    AfterThisRead(DateTime<Utc>),
    /// It ended (then), and a read was asked for since: the first list read after the end
    /// tells (a teammate's older one does not).
    OnNextRead(DateTime<Utc>),
    /// Said.
    Said,
}

/// How far a run has come, transfer by transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkCounts {
    pub total: usize,
    /// Gone out to the platform (answered or not).
    pub sent: usize,
    /// Accepted or confirmed.
    pub good: usize,
    /// Certainly not moved, sent or not.
    pub failed: usize,
    /// Left in doubt.
    pub unknown: usize,
    /// Never sent, with nothing wrong: stopped, or someone else has it.
    pub not_sent: usize,
    /// Not yet sent: queued or waiting for the budget.
    pub waiting: usize,
}

impl BulkCounts {
    /// Those with a final word or on their way: what the bar fills with.
    pub fn done(&self) -> usize {
        self.total - self.waiting
    }
}

impl BulkRun {
    /// Every transfer has been handed out, or given up unsent.
    pub fn ended(&self) -> bool {
        self.left != LeftCheck::Running
    }

    pub fn counts(&self, ledger: &Ledger) -> BulkCounts {
        let mut counts = BulkCounts {
            total: self.transfers.len(),
            ..BulkCounts::default()
        };
        for id in &self.transfers {
            let Some(record) = ledger.get(*id) else {
                continue;
            };
            if record.sent_at.is_some() {
                counts.sent += 1;
            }
            match record.state() {
                TransferState::Queued
                | TransferState::WaitingForBudget
                | TransferState::WaitingForClaim => counts.waiting += 1,
                TransferState::Sending => {}
                TransferState::Accepted { .. } | TransferState::Confirmed => counts.good += 1,
                TransferState::Failed | TransferState::Interrupted { sent: false } => {
                    counts.failed += 1;
                }
                TransferState::Unknown
                | TransferState::Unconfirmed
                | TransferState::Unclear
                | TransferState::Interrupted { sent: true } => counts.unknown += 1,
                TransferState::NotSent => counts.not_sent += 1,
            }
        }
        counts
    }

    /// The run's transfers that failed or are in doubt, to be re-routed together. Those not
    /// sent are offered too: nothing went out, so their conversations still wait, and sending
    /// them again is safe. The new run's confirmation still leaves out any moved meanwhile, and
    /// in team mode each session is claimed again, so one a teammate still holds is again not
    /// sent rather than taken over.
    pub fn to_reroute<'a>(&'a self, ledger: &'a Ledger) -> impl Iterator<Item = TransferId> + 'a {
        self.transfers.iter().copied().filter(|id| {
            ledger
                .get(*id)
                .is_some_and(|record| record.state().may_reroute())
        })
    }
}

/// Roughly how long `waiting` transfers take on the budget: the account's limit per window,
/// all of it for the run (single transfers still go first).
pub fn eta(waiting: usize, budget: &BudgetSnapshot) -> Duration {
    let limit = u32::try_from(budget.limit().max(1)).unwrap_or(u32::MAX);
    let windows = u32::try_from(waiting).unwrap_or(u32::MAX);
    budget
        .window()
        .checked_mul(windows)
        .unwrap_or(Duration::MAX)
        / limit
}
