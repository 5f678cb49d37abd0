//! The one owner of what handoff reads from the platform besides transfers: who is free with the
//! queues' numbers, the conversation list, the agents' presence, and the platform's lists for a
//! roster sync. The console's background work and the commands read through it alike, so what is
//! read, and how fresh it must be, is decided in one place; in team mode a console's reads are
//! made once for the team. Every read here is background work on the account's budget.

use std::collections::HashMap;
use std::time::Duration;

use super::availability::{self, Availability};
use super::conversations::{self, TeammateRead};
use super::{Listing, fetch_listing};
use crate::budget::ReadCeiling;
use crate::ids::ConversationStatus;
use crate::platform::{
    AgentPresence, ConversationList, ConversationsError, PlatformClient, PlatformError,
};
use crate::roster::Roster;
use crate::team::SharedReads;

/// Who wants a read, and so how old it may be and what it may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Read now from the platform, outside the reads' ceiling: what a command acts on at once.
    Now,
    /// A background read due this often (a console's refresh), under the reads' ceiling: in
    /// team mode, a teammate's read younger than this serves instead of a call.
    Due(Duration),
}

/// In team mode, a read the supervisor asks for (F5) takes a teammate's only if it was made
/// about this recently, as if the console refreshed this often.
pub(super) const ASKED_WITHIN: Duration = Duration::from_secs(5);

impl Freshness {
    /// In team mode, how old a teammate's read may be and serve; `None` for a read that must
    /// be made now.
    fn shared_within(self) -> Option<Duration> {
        match self {
            Self::Now => None,
            Self::Due(within) => Some(within),
        }
    }
}

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

    /// The client a read for `freshness` calls through: under the ceiling unless it is a
    /// command's.
    fn client_for(&self, freshness: Freshness) -> PlatformClient {
        match freshness {
            Freshness::Now => self.client.clone(),
            Freshness::Due(_) => self.client.under_ceiling(&self.ceiling, false),
        }
    }

    /// Who is free, and the numbers of the roster's queues in `queue_ids`.
    pub async fn availability(
        &self,
        queue_ids: &[String],
        freshness: Freshness,
    ) -> Result<Availability, PlatformError> {
        let client = self.client_for(freshness);
        match (&self.team, freshness.shared_within()) {
            (Some(team), Some(interval)) => {
                availability::read_for_team(&client, team, queue_ids, interval).await
            }
            _ => availability::read(&client, queue_ids).await,
        }
    }

    /// Every conversation in one of `statuses` (all when empty), named through `roster`; in team
    /// mode perhaps a teammate's read, and then who made it and when.
    pub async fn conversations(
        &self,
        roster: &Roster,
        statuses: &[ConversationStatus],
        freshness: Freshness,
    ) -> Result<(ConversationList, Option<TeammateRead>), ConversationsError> {
        let client = self.client_for(freshness);
        match (&self.team, freshness.shared_within()) {
            (Some(team), Some(interval)) => {
                conversations::read_for_team(&client, team, roster, statuses, interval).await
            }
            _ => Ok((conversations::read(&client, roster, statuses).await?, None)),
        }
    }

    /// Every agent's presence and chat capacity now, by agent id.
    pub async fn presence(&self) -> Result<HashMap<String, AgentPresence>, PlatformError> {
        self.client.availability(&[]).await
    }

    /// Both of the platform's lists, every page, for a roster sync.
    pub async fn listing(&self) -> Result<Listing, PlatformError> {
        fetch_listing(&self.client).await
    }
}
