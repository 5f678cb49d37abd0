//! Where a run of many goes: the target given, or the agents given with the chats each can still
//! take, handed out one conversation at a time.

use super::super::output::err;
use super::super::setup::Setup;
use crate::directory::LiveState;
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};
use crate::transfer::Spread;

/// Where the run sends.
pub(super) enum Targets {
    One(Target),
    Spread(Vec<Target>),
}

impl Targets {
    /// The target that `--agent`, `--queue` or `--agents` names (one of them).
    pub(super) fn resolve(
        roster: &Roster,
        agent: Option<&str>,
        queue: Option<&str>,
        agents: &[String],
    ) -> Result<Self, String> {
        let one = |kind: TargetKind, query: &str| {
            let resolved = roster
                .resolve(kind, query)
                .map_err(|error| format!("--{kind}: {error}"))?;
            if let Some(warning) = &resolved.warning {
                err!("warning: {warning}");
            }
            Ok::<Target, String>(resolved.target)
        };
        match (agent, queue, agents) {
            // Many conversations to one agent: no more than the agent's free chats, as for
            // several.
            (Some(agent), None, []) => Ok(Self::Spread(vec![one(TargetKind::Agent, agent)?])),
            (None, Some(queue), []) => Ok(Self::One(one(TargetKind::Queue, queue)?)),
            (None, None, agents) if !agents.is_empty() => {
                let mut resolved: Vec<Target> = Vec::new();
                for agent in agents.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
                    let target = one(TargetKind::Agent, agent)
                        .map_err(|e| e.replace("--agent:", "--agents:"))?;
                    if !resolved.contains(&target) {
                        resolved.push(target);
                    }
                }
                if resolved.is_empty() {
                    return Err("--agents: no agent given".into());
                }
                Ok(Self::Spread(resolved))
            }
            _ => Err("give one of --agent, --queue or --agents".into()),
        }
    }

    /// What the run sends to, for its key.
    pub(super) fn all(&self) -> Vec<&Target> {
        match self {
            Self::One(target) => vec![target],
            Self::Spread(agents) => agents.iter().collect(),
        }
    }
}

/// Each conversation's target, in turn.
pub(super) enum Assign {
    One(Target),
    Spread {
        spread: Spread,
        /// Past every agent's capacity, go on round the agents.
        beyond: bool,
    },
}

impl Assign {
    pub(super) fn next(&mut self) -> Option<Target> {
        match self {
            Self::One(target) => Some(target.clone()),
            Self::Spread { spread, beyond } => spread
                .take_roomiest()
                .or_else(|| beyond.then(|| spread.next_beyond_capacity()).flatten()),
        }
    }
}

/// The agents' free chats now, from the platform.
pub(super) async fn spread(setup: &Setup, agents: Vec<Target>) -> Result<Spread, String> {
    let presence = setup
        .reads
        .presence()
        .await
        .map_err(|error| format!("cannot read who is free, to spread by capacity: {error}"))?;
    let free = agents
        .into_iter()
        .map(|agent| {
            let free = presence
                .get(&agent.id)
                .map_or(0, |p| LiveState::Agent(*p).free_chats());
            if !presence.contains_key(&agent.id) {
                err!("note: the platform reports no presence for {agent}: it gets none");
            }
            (agent, free)
        })
        .collect();
    Ok(Spread::new(free))
}
