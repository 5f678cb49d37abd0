//! The simulated tenant's agents and queues, and lookups by id.

use super::SimulatorConfig;

/// One agent of the simulated roster.
#[derive(Debug, Clone)]
pub struct SimAgent {
    /// `a-` + 7 hex + `-4-4-4-12` hex, as in the docs; transfers accept exactly these ids.
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Team names, reported as the agent's `agentGroups`.
    pub groups: Vec<String>,
    /// Ids from [`SimulatorConfig::queues`] the agent works in; ids not in that list are ignored.
    pub queue_ids: Vec<String>,
}

/// One queue of the simulated tenant.
#[derive(Debug, Clone)]
pub struct SimQueue {
    /// `qu-` + 7 hex + `-4-4-4-12` hex, as in the docs; transfers accept exactly these ids.
    pub id: String,
    pub name: String,
    pub description: String,
    /// An inactive queue still exists and accepts transfers, but nobody waits in it.
    pub active: bool,
}

impl SimulatorConfig {
    pub(crate) fn agent(&self, id: &str) -> Option<&SimAgent> {
        self.agents.iter().find(|agent| agent.id == id)
    }

    pub(crate) fn queue(&self, id: &str) -> Option<&SimQueue> {
        self.queues.iter().find(|queue| queue.id == id)
    }

    /// The platform marks one queue as the default; the simulator's is the first configured.
    pub(crate) fn is_default_queue(&self, id: &str) -> bool {
        self.queues.first().is_some_and(|queue| queue.id == id)
    }

    /// The agents working in queue `id`, in roster order.
    pub(crate) fn agents_in(&self, id: &str) -> impl Iterator<Item = &SimAgent> {
        self.agents
            .iter()
            .filter(move |agent| agent.queue_ids.iter().any(|queue| queue == id))
    }
}
