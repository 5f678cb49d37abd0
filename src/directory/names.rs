//! Names for the ids a conversation record carries. Records name agents by their user id
//! (`u-…`), which transfers do not take and the roster does not keep; the agent list gives each
//! agent's `userId`, so it maps them to agent ids, and the roster then gives the name the
//! supervisor knows them by. Queue ids map through the roster too: the docs' samples put a
//! person's name in a queue's `name`. Where neither knows an id, the record's own name stays.

use std::collections::HashMap;

use crate::ids::TargetKind;
use crate::platform::{Conversation, ListedAgent, MoveTarget, Person, QueueRef};
use crate::roster::Roster;

/// The names to put on conversations, by user id and by queue id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// User id → (agent id, name).
    users: HashMap<String, (String, String)>,
    /// Queue id → the roster's name.
    queues: HashMap<String, String>,
}

impl Names {
    /// From the roster and the platform's agent list (which may be empty when it could not be
    /// read: then only queues are named).
    pub fn new(roster: &Roster, agents: &[ListedAgent]) -> Self {
        let roster_name = |kind: TargetKind, id: &str| {
            roster
                .find(id)
                .filter(|t| t.kind == kind)
                .map(|t| t.name.clone())
        };
        let users = agents
            .iter()
            .filter_map(|agent| {
                let user_id = agent.user_id.clone()?;
                let name =
                    roster_name(TargetKind::Agent, &agent.id).unwrap_or_else(|| agent.name.clone());
                Some((user_id, (agent.id.clone(), name)))
            })
            .collect();
        let queues = roster
            .targets()
            .iter()
            .filter(|t| t.kind == TargetKind::Queue)
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        Self { users, queues }
    }

    /// Puts the known names and agent ids on `conversation`'s queue, agent and moves.
    pub fn apply(&self, conversation: &mut Conversation) {
        if let Some(queue) = &mut conversation.queue {
            self.name_queue(queue);
        }
        if let Some(agent) = &mut conversation.agent {
            self.name_person(agent);
        }
        for moved in &mut conversation.moves {
            match &mut moved.to {
                Some(MoveTarget::Agent(person)) => self.name_person(person),
                Some(MoveTarget::Queue(queue)) => self.name_queue(queue),
                Some(MoveTarget::Other { .. }) | None => {}
            }
            if let Some(by) = &mut moved.by {
                self.name_person(by);
            }
        }
    }

    fn name_person(&self, person: &mut Person) {
        let known = person.user_id.as_ref().and_then(|id| self.users.get(id));
        if let Some((agent_id, name)) = known {
            person.agent_id = Some(agent_id.clone());
            person.name = Some(name.clone());
        }
    }

    fn name_queue(&self, queue: &mut QueueRef) {
        if let Some(name) = queue.id.as_ref().and_then(|id| self.queues.get(id)) {
            queue.name = Some(name.clone());
        }
    }

    /// Whether naming `conversations` needs the agent list: some record names a person.
    pub fn needed_for(conversations: &[Conversation]) -> bool {
        conversations.iter().any(|c| {
            c.agent.is_some()
                || c.moves
                    .iter()
                    .any(|m| m.by.is_some() || matches!(m.to, Some(MoveTarget::Agent(_))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SessionId;
    use crate::platform::Move;
    use crate::roster::Target;

    #[test]
    fn user_ids_and_queue_ids_get_the_rosters_names() {
        let roster = Roster::new(vec![
            Target::new(TargetKind::Agent, "a-1", "Dana W. (refunds)"),
            Target::new(TargetKind::Queue, "qu-1", "Billing"),
        ]);
        let agents = [
            ListedAgent {
                id: "a-1".into(),
                name: "Dana Whitfield".into(),
                team: None,
                user_id: Some("u-1".into()),
            },
            ListedAgent {
                id: "a-2".into(),
                name: "Sam Ortiz".into(),
                team: None,
                user_id: Some("u-2".into()),
            },
        ];
        let names = Names::new(&roster, &agents);
        let person = |id: &str, name: &str| Person {
            user_id: Some(id.into()),
            agent_id: None,
            name: Some(name.into()),
        };
        let mut conversation = Conversation {
            session: SessionId::parse("646efef54fd9612a21fffbc8").unwrap(),
            conversation_id: None,
            status: None,
            wait: None,
            read_at: std::time::SystemTime::UNIX_EPOCH,
            priority: None,
            intent: None,
            sentiment: None,
            language: None,
            channel: None,
            queue: Some(QueueRef {
                id: Some("qu-1".into()),
                name: Some("Jane Doe".into()),
            }),
            agent: Some(person("u-1", "John Doe")),
            moves: vec![Move {
                to: Some(MoveTarget::Agent(person("u-3", "Lois Lane"))),
                by: Some(person("u-2", "")),
                at: None,
            }],
        };
        assert!(Names::needed_for(std::slice::from_ref(&conversation)));
        names.apply(&mut conversation);
        assert_eq!(conversation.queue.unwrap().label(), "Billing");
        let agent = conversation.agent.unwrap();
        assert_eq!(
            (agent.agent_id.as_deref(), agent.label()),
            (Some("a-1"), "Dana W. (refunds)")
        );
        let moved = &conversation.moves[0];
        assert_eq!(
            moved.to.as_ref().unwrap().label(),
            "Lois Lane",
            "unknown: kept"
        );
        assert_eq!(moved.by.as_ref().unwrap().label(), "Sam Ortiz");
    }
}
