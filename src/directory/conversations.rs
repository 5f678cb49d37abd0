//! The account's conversations as a supervisor sees them: the platform's list, with the agents
//! and queues named as the roster names them, those still waiting first, longest wait first.

use std::cmp::Reverse;

use super::Names;
use crate::platform::{ConversationList, ConversationStatus, ConversationsError, PlatformClient};
use crate::roster::Roster;

/// Every conversation in one of `statuses` (all when empty), named through `roster` and the
/// platform's agent list: those still waiting for an agent first, then the rest, each longest
/// wait first. The agent list is read only when a record names a person; if it cannot be read,
/// the records' own names stay and a note says so.
pub async fn fetch_conversations(
    client: &PlatformClient,
    roster: &Roster,
    statuses: &[ConversationStatus],
) -> Result<ConversationList, ConversationsError> {
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
    let names = Names::new(roster, &agents);
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
    Ok(list)
}
