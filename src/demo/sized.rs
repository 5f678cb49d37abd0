//! The demo tenant at another size, for `handoff simulate --open N --agents N --queues N`. What
//! an idle console spends of the account's calls (issue 19) depends on how big the floor is, so
//! measuring it needs a floor as big as a real one, and a roster that names every agent and
//! queue the platform lists, so that the console reads and shows them all.

use handoff_simulator::{SimAgent, SimQueue, SimulatorConfig, generated_agents};

use super::{AGENTS, MORE_PLATFORM_AGENTS, demo_id, roster, simulator_config};
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};

/// How big a floor to simulate; `None` keeps the demo's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FloorSize {
    /// Conversations open (waiting, or with an agent) when the simulator starts.
    pub open: Option<usize>,
    /// Agents the platform knows, every one of them in the roster: the demo roster's first,
    /// then generated ones. The demo's own has 20 in the roster and 100 more that only a sync
    /// brings in.
    pub agents: Option<usize>,
    /// Queues, each in the roster: the demo's six first (the sixth inactive), then generated
    /// active ones.
    pub queues: Option<usize>,
}

/// Names of the queues beyond the demo's six, numbered once they run out ("Returns 2").
const MORE_QUEUES: [&str; 10] = [
    "Priority Care",
    "Business Accounts",
    "Returns",
    "Fraud",
    "Onboarding",
    "Outages",
    "Collections",
    "Moving Home",
    "Social Media",
    "Accessibility",
];

/// The demo tenant at `size`: the roster to write beside the config, and the simulator's
/// config, which name the same queues, and with `size.agents` the same agents.
pub fn sized(size: FloorSize) -> (Roster, SimulatorConfig) {
    let demo_roster = roster();
    let mut config = simulator_config();
    if let Some(open) = size.open {
        config.conversations.open = open;
        // As many gone quiet as on the demo's floor, in proportion.
        config.conversations.idle = open / 10;
    }
    if size.agents.is_none() && size.queues.is_none() {
        return (demo_roster, config);
    }
    let queues = sized_queues(config.queues, size.queues);
    let queue_ids: Vec<&str> = queues.iter().map(|q| q.id.as_str()).collect();
    // The demo roster's agents, in its order, as the platform knows them; a queue left out is
    // left out of their queues too.
    let roster_agents: Vec<&Target> = demo_roster
        .targets()
        .iter()
        .filter(|t| t.kind == TargetKind::Agent)
        .collect();
    let mut agents: Vec<SimAgent> = config
        .agents
        .into_iter()
        .filter(|agent| roster_agents.iter().any(|t| t.id == agent.id))
        .map(|mut agent| {
            agent
                .queue_ids
                .retain(|id| queue_ids.contains(&id.as_str()));
            agent
        })
        .take(size.agents.unwrap_or(usize::MAX))
        .collect();
    let mut teams: Vec<&str> = AGENTS.iter().map(|(_, team, _)| *team).collect();
    teams.dedup();
    let generated = match size.agents {
        Some(count) => generated_agents(count.saturating_sub(agents.len()), &teams, &queues),
        None => Vec::new(),
    };
    let mut targets: Vec<Target> = roster_agents
        .into_iter()
        .take(agents.len())
        .cloned()
        .chain(generated.iter().map(|agent| roster_entry(agent, &queues)))
        .collect();
    targets.extend(queues.iter().map(|queue| {
        let target = Target::new(TargetKind::Queue, queue.id.clone(), queue.name.clone());
        if queue.description.is_empty() {
            target
        } else {
            target.with_notes(queue.description.clone())
        }
    }));
    agents.extend(generated);
    if size.agents.is_none() {
        agents.extend(generated_agents(MORE_PLATFORM_AGENTS, &teams, &queues));
    }
    config.agents = agents;
    config.queues = queues;
    (Roster::new(targets), config)
}

/// The demo's queues, the first `count` of them, then generated ones up to `count`.
fn sized_queues(mut demo: Vec<SimQueue>, count: Option<usize>) -> Vec<SimQueue> {
    let Some(count) = count else {
        return demo;
    };
    let more = (demo.len()..count).map(|index| {
        let extra = index - demo.len();
        let base = MORE_QUEUES[extra % MORE_QUEUES.len()];
        let name = match extra / MORE_QUEUES.len() {
            0 => base.to_owned(),
            round => format!("{base} {}", round + 1),
        };
        SimQueue {
            id: demo_id("qu-", &name),
            name,
            description: String::new(),
            active: true,
        }
    });
    let more: Vec<SimQueue> = more.collect();
    demo.truncate(count);
    demo.extend(more);
    demo
}

/// A generated agent as the roster names it: first and last name, in their team (their group,
/// else their first queue, as a sync would fill it in).
fn roster_entry(agent: &SimAgent, queues: &[SimQueue]) -> Target {
    let name = format!("{} {}", agent.first_name, agent.last_name);
    let target = Target::new(TargetKind::Agent, agent.id.clone(), name);
    let first_queue = || {
        agent
            .queue_ids
            .iter()
            .find_map(|id| queues.iter().find(|queue| queue.id == *id))
            .map(|queue| queue.name.clone())
    };
    match agent.groups.first().cloned().or_else(first_queue) {
        Some(team) => target.with_team(team),
        None => target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(roster: &Roster, kind: TargetKind) -> Vec<String> {
        roster
            .targets()
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.id.clone())
            .collect()
    }

    #[test]
    fn the_demo_size_is_the_demo() {
        let (roster, config) = sized(FloorSize::default());
        assert_eq!(roster, super::roster());
        assert_eq!(config.agents.len(), 20 + MORE_PLATFORM_AGENTS);
        assert_eq!(config.queues.len(), 6);
        assert_eq!(
            config.conversations.open,
            simulator_config().conversations.open
        );
    }

    #[test]
    fn a_bigger_floor_names_every_agent_and_queue_in_the_roster() {
        let (roster, config) = sized(FloorSize {
            open: Some(300),
            agents: Some(120),
            queues: Some(7),
        });
        assert_eq!(config.conversations.open, 300);
        let platform_agents: Vec<String> = config.agents.iter().map(|a| a.id.clone()).collect();
        let platform_queues: Vec<String> = config.queues.iter().map(|q| q.id.clone()).collect();
        assert_eq!(ids(&roster, TargetKind::Agent), platform_agents);
        assert_eq!(ids(&roster, TargetKind::Queue), platform_queues);
        assert_eq!(platform_agents.len(), 120);
        assert_eq!(platform_queues.len(), 7);
        let mut unique = platform_agents.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 120);
        // The demo roster first, then the generated agents by name and team.
        let agents: Vec<&Target> = roster
            .targets()
            .iter()
            .filter(|t| t.kind == TargetKind::Agent)
            .collect();
        assert_eq!(agents[0].name, "Dana Whitfield");
        let generated = &config.agents[20];
        assert_eq!(
            agents[20].name,
            format!("{} {}", generated.first_name, generated.last_name)
        );
        assert_eq!(agents[20].team.as_deref(), Some("Billing"));
        let seventh = &config.queues[6];
        assert_eq!(
            (seventh.name.as_str(), seventh.active),
            ("Priority Care", true)
        );
        assert!(
            config
                .agents
                .iter()
                .any(|a| a.queue_ids.contains(&seventh.id))
        );
    }

    #[test]
    fn a_smaller_floor_keeps_the_first_of_the_demo_and_no_queue_it_left_out() {
        let (roster, config) = sized(FloorSize {
            open: None,
            agents: Some(3),
            queues: Some(2),
        });
        assert_eq!(roster.count(TargetKind::Agent), 3);
        assert_eq!(roster.count(TargetKind::Queue), 2);
        assert_eq!(config.agents.len(), 3);
        let kept: Vec<&str> = config.queues.iter().map(|q| q.id.as_str()).collect();
        assert!(
            config
                .agents
                .iter()
                .flat_map(|a| &a.queue_ids)
                .all(|id| kept.contains(&id.as_str()))
        );
    }

    #[test]
    fn queues_beyond_the_named_ones_are_numbered() {
        let (roster, _) = sized(FloorSize {
            queues: Some(6 + MORE_QUEUES.len() + 1),
            ..FloorSize::default()
        });
        let last = roster.targets().last().map(|t| t.name.as_str());
        assert_eq!(last, Some("Priority Care 2"));
        let mut queue_ids = ids(&roster, TargetKind::Queue);
        queue_ids.sort_unstable();
        queue_ids.dedup();
        assert_eq!(queue_ids.len(), 6 + MORE_QUEUES.len() + 1);
    }
}
