//! Where a run of many goes from the command line: the target `--agent`, `--queue` or `--agents`
//! names, as the transfer layer's one destination (the console's too), and the agents' free
//! chats, read once before the first conversation is handed out.

use super::super::output::err;
use super::super::setup::Setup;
use crate::directory::LiveState;
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};
use crate::transfer::{BulkDestination, Room};

/// Where `--agent`, `--queue` or `--agents` (one of them) sends the run; each agent's free chats
/// are not read yet.
pub(super) fn resolve(
    roster: &Roster,
    agent: Option<&str>,
    queue: Option<&str>,
    agents: &[String],
) -> Result<BulkDestination, String> {
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
        // Many conversations to one agent: no more than the agent's free chats, as for several.
        (Some(agent), None, []) => Ok(BulkDestination::one(one(TargetKind::Agent, agent)?, None)),
        (None, Some(queue), []) => Ok(BulkDestination::one(one(TargetKind::Queue, queue)?, None)),
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
            let not_read = resolved.into_iter().map(|agent| (agent, Room::Unknown));
            Ok(BulkDestination::Spread(not_read.collect()))
        }
        _ => Err("give one of --agent, --queue or --agents".into()),
    }
}

/// `destination` with the agents' free chats now, from the platform; a queue as it is. An agent
/// the platform reports no presence for is said, and gets none.
pub(super) async fn with_free_chats(
    setup: &Setup,
    destination: BulkDestination,
) -> Result<BulkDestination, String> {
    if let BulkDestination::Queue(_) = destination {
        return Ok(destination);
    }
    let presence = setup
        .reads
        .presence()
        .await
        .map_err(|error| format!("cannot read who is free, to spread by capacity: {error}"))?;
    for agent in destination.targets() {
        if !presence.contains_key(&agent.id) {
            err!("note: the platform reports no presence for {agent}: it gets none");
        }
    }
    Ok(destination
        .with_rooms(|agent| Room::of(presence.get(&agent.id).map(|p| LiveState::Agent(*p)))))
}
