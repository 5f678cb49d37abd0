//! The account's conversations as a supervisor sees them: the platform's list, with the agents
//! and queues named as the roster names them, those still waiting first, longest wait first.

use std::cmp::Reverse;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Names;
use crate::ids::ConversationStatus;
use crate::platform::{ConversationList, ConversationsError, ListedAgent, PlatformClient};
use crate::roster::Roster;
use crate::team::SharedReads;

/// At most this many conversations are taken from a teammate's read, as the platform's list is
/// read up to this many: a larger value in Redis was not written by handoff.
const MAX_SHARED_CONVERSATIONS: usize = 10_000;

/// The list as the platform gave it, and the agent list to name its people with.
#[derive(Debug)]
struct Unnamed {
    list: ConversationList,
    /// The platform's agent list, when a record names a person and the list could be read.
    agents: Vec<ListedAgent>,
}

/// A read a console shows that a teammate's console made, in team mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeammateRead {
    /// The teammate's name.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Every conversation in one of `statuses` (all when empty), named through `roster` and the
/// platform's agent list: those still waiting for an agent first, then the rest, each longest
/// wait first. The agent list is read only when a record names a person; if it cannot be read,
/// the records' own names stay and a note says so.
pub(super) async fn read(
    client: &PlatformClient,
    roster: &Roster,
    statuses: &[ConversationStatus],
) -> Result<ConversationList, ConversationsError> {
    Ok(fetch_unnamed(client, statuses).await?.named(roster))
}

/// The planner's read of the conversations in `statuses`, their agents left for the directory to
/// name: in team mode (`shared`, with the interval the read is due at) perhaps a teammate's.
pub(super) async fn read_plain(
    client: &PlatformClient,
    shared: Option<(&SharedReads, Duration)>,
    statuses: &[ConversationStatus],
) -> Result<(ConversationList, Option<TeammateRead>), ConversationsError> {
    let Some((team, interval)) = shared else {
        return Ok((client.list_conversations(statuses).await?, None));
    };
    let mut names: Vec<&str> = statuses.iter().map(ConversationStatus::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let kind = format!("list:{}", names.join(","));
    let read = |_| client.list_conversations(statuses);
    let shared = team.read(&kind, interval, |_| true, read).await?;
    let mut list: ConversationList = shared.value;
    list.conversations.truncate(MAX_SHARED_CONVERSATIONS);
    let teammate = shared.read_by.map(|by| TeammateRead {
        by,
        at: shared.read_at,
    });
    Ok((list, teammate))
}

async fn fetch_unnamed(
    client: &PlatformClient,
    statuses: &[ConversationStatus],
) -> Result<Unnamed, ConversationsError> {
    let mut list = client.list_conversations(statuses).await?;
    let agents = if Names::needed_for(&list.conversations) {
        match client.list_agents().await {
            Ok(agents) => agents.items,
            Err(error) => {
                list.notes.push(format!(
                    "could not read the agent list to name the agents ({error}); the platform's own names are shown"
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    Ok(Unnamed { list, agents })
}

impl Unnamed {
    /// The list named through `roster` and the agent list, in the order a supervisor reads it.
    fn named(self, roster: &Roster) -> ConversationList {
        named(self.list, roster, &self.agents)
    }
}

/// `list` named through `roster` and the platform's `agents`, in the order a supervisor reads
/// it: those still waiting first, each longest wait first.
pub(super) fn named(
    mut list: ConversationList,
    roster: &Roster,
    agents: &[ListedAgent],
) -> ConversationList {
    let names = Names::new(roster, agents);
    for conversation in &mut list.conversations {
        names.apply(conversation);
    }
    // The waits as read, one instant for all, so the order does not depend on when each was
    // compared.
    list.conversations.sort_by_key(|c| {
        let waiting = c
            .status
            .as_ref()
            .is_some_and(ConversationStatus::is_waiting);
        (
            Reverse(waiting),
            Reverse(c.wait),
            c.session.as_str().to_owned(),
        )
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_AT: &str = r#"{"secs_since_epoch":1700000000,"nanos_since_epoch":0}"#;

    /// A list as a teammate's console leaves it in Redis (`read_plain`).
    fn shared(conversation: &str) -> String {
        format!(r#"{{"conversations":[{conversation}]}}"#)
    }

    #[test]
    fn a_teammates_record_needs_only_its_session_and_read_time() {
        let text = shared(&format!(
            r#"{{"session":"646EFEF54FD9612A21FFFBC8","read_at":{READ_AT},"status":"waiting","future_field":1}}"#
        ));
        let list: ConversationList = serde_json::from_str(&text).unwrap();
        let conversation = &list.conversations[0];
        assert_eq!(conversation.session.as_str(), "646efef54fd9612a21fffbc8");
        assert_eq!(
            conversation.status,
            Some(ConversationStatus::Other("WAITING".into()))
        );
        assert!(conversation.moves.is_empty());
        assert!(list.notes.is_empty());
    }

    #[test]
    fn a_list_with_a_record_that_does_not_decode_counts_as_no_list() {
        for record in [
            format!(r#"{{"session":"not-a-session-id","read_at":{READ_AT}}}"#),
            r#"{"session":"646efef54fd9612a21fffbc8"}"#.to_owned(),
            format!(r#"{{"session":"646efef54fd9612a21fffbc8","read_at":{READ_AT},"wait":-1}}"#),
        ] {
            assert!(
                serde_json::from_str::<ConversationList>(&shared(&record)).is_err(),
                "{record}"
            );
        }
    }
}
