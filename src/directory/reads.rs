//! The one owner of what handoff reads from the platform besides transfers. A console's reads
//! (the conversation list, who is free, the queues' numbers, the directory) are planned and run
//! by [`Reads::plan`](super::planner), under the reads' ceiling and, in team mode, once for the
//! team. The commands read here at once, on purpose: the conversation list, the agents' presence
//! and the platform's lists for a roster sync. Every read is background work on the account's
//! budget.

use std::collections::HashMap;
use std::time::Duration;

use super::conversations;
use super::{Listing, fetch_listing};
use crate::budget::ReadCeiling;
use crate::ids::ConversationStatus;
use crate::platform::{
    AgentPresence, ConversationList, ConversationsError, PlatformClient, PlatformError, Probe,
    Probed,
};
use crate::roster::Roster;
use crate::team::SharedReads;

/// In team mode, a read the supervisor asks for (F5) takes a teammate's only if it was made
/// about this recently, as if the console refreshed this often.
pub(super) const ASKED_WITHIN: Duration = Duration::from_secs(5);

/// Cheap to clone into background tasks; clones share the client and the team's reads.
#[derive(Debug, Clone)]
pub struct Reads {
    client: PlatformClient,
    /// In team mode, where reads are shared with teammates.
    team: Option<SharedReads>,
    /// What background reads may spend, for the whole account.
    ceiling: ReadCeiling,
}

impl Reads {
    pub fn new(client: PlatformClient, team: Option<SharedReads>, ceiling: ReadCeiling) -> Self {
        Self {
            client,
            team,
            ceiling,
        }
    }

    pub(super) fn client(&self) -> &PlatformClient {
        &self.client
    }

    pub(super) fn ceiling(&self) -> &ReadCeiling {
        &self.ceiling
    }

    /// In team mode, where reads are shared with teammates.
    pub(super) fn shared(&self) -> Option<&SharedReads> {
        self.team.as_ref()
    }

    /// Every conversation in one of `statuses` (all when empty), named through `roster`, read
    /// now for a command.
    pub async fn conversations(
        &self,
        roster: &Roster,
        statuses: &[ConversationStatus],
    ) -> Result<ConversationList, ConversationsError> {
        conversations::read(&self.client, roster, statuses).await
    }

    /// Every agent's presence and chat capacity now, by agent id.
    pub async fn presence(&self) -> Result<HashMap<String, AgentPresence>, PlatformError> {
        self.client.availability(&[]).await
    }

    /// Both of the platform's lists, every page, for a roster sync.
    pub async fn listing(&self) -> Result<Listing, PlatformError> {
        fetch_listing(&self.client).await
    }

    /// One call made only to learn whether the platform answers it (`handoff doctor`).
    pub async fn probe(&self, probe: Probe) -> Probed {
        self.client.probe(probe).await
    }
}
