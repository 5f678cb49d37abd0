//! One simulated conversation, as the platform's records describe it: where it is in its life,
//! its times in queues and with agents, the moves made to it, and what it is about. The floor
//! keeps and moves them, the seed plans them, and the list writes them out.

use std::time::{Duration, SystemTime};

use super::SimAgent;
use super::hash::platform_id;

/// Where a conversation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// In a queue, waiting for an agent since then.
    Waiting {
        since: SystemTime,
    },
    /// With an agent, after waiting this long.
    WithAgent {
        waited: Duration,
    },
    /// With an agent, the customer gone quiet: `IDLE` in the record.
    Idle {
        waited: Duration,
    },
    Closed {
        waited: Duration,
    },
    Terminated {
        waited: Duration,
    },
}

/// A time in one of the record's lists of queues or participants.
#[derive(Debug, Clone)]
pub(crate) struct Stint {
    /// A queue id, or an agent's user id (`u-…`), as records name agents.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) since: SystemTime,
    /// The word the record gives: `ACTIVE` while current.
    pub(crate) status: &'static str,
}

/// One entry of `transferDetails`.
#[derive(Debug, Clone)]
pub(crate) struct SimMove {
    /// `QUEUE` or `AGENT`.
    pub(crate) to_type: &'static str,
    pub(crate) to_id: String,
    pub(crate) to_name: String,
    /// A supervisor's user id; `None` for a move made through the API.
    pub(crate) by: Option<String>,
    pub(crate) at: SystemTime,
}

#[derive(Debug, Clone)]
pub(crate) struct SimConversation {
    /// 24 hex, shaped like a MongoDB ObjectId: creation second, machine, counter.
    pub(crate) session: String,
    pub(crate) conversation_id: String,
    pub(crate) created: SystemTime,
    pub(crate) phase: Phase,
    pub(crate) queues: Vec<Stint>,
    pub(crate) participants: Vec<Stint>,
    pub(crate) moves: Vec<SimMove>,
    pub(crate) traits: Traits,
}

impl SimConversation {
    /// The record's `status` at `now`.
    pub(crate) fn status(&self, now: SystemTime, overdue_after: Duration) -> &'static str {
        match self.phase {
            Phase::Waiting { since }
                if now.duration_since(since).unwrap_or_default() > overdue_after =>
            {
                "OVERDUE"
            }
            Phase::Waiting { .. } => "OPEN",
            Phase::WithAgent { .. } => "ACTIVE",
            Phase::Idle { .. } => "IDLE",
            Phase::Closed { .. } => "CLOSED",
            Phase::Terminated { .. } => "TERMINATED",
        }
    }

    /// The record's `waitTime` at `now`: still growing while in a queue.
    pub(crate) fn wait(&self, now: SystemTime) -> Duration {
        match self.phase {
            Phase::Waiting { since } => now.duration_since(since).unwrap_or_default(),
            Phase::WithAgent { waited }
            | Phase::Idle { waited }
            | Phase::Closed { waited }
            | Phase::Terminated { waited } => waited,
        }
    }

    pub(crate) fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Closed { .. } | Phase::Terminated { .. })
    }
}

/// What a conversation is about; fixed for its life.
#[derive(Debug, Clone)]
pub(crate) struct Traits {
    /// 1 to 10, or none, as the docs' samples have both.
    pub(crate) priority: Option<u64>,
    pub(crate) intent: &'static str,
    pub(crate) sentiment: Option<(&'static str, &'static str)>,
    pub(crate) language: &'static str,
    pub(crate) channel: &'static str,
}

/// An agent's user id and full name, as records give them.
pub(crate) fn agent_names(agent: &SimAgent) -> (String, String) {
    (
        user_id(agent),
        format!("{} {}", agent.first_name, agent.last_name)
            .trim()
            .to_owned(),
    )
}

/// The agent's user id (`u-…`), the same in the agent list and in conversations.
pub(crate) fn user_id(agent: &SimAgent) -> String {
    platform_id("u-", false, agent.id.as_bytes())
}
