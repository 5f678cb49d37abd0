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
use crate::ids::ConversationStatus;
use crate::platform::{
    AgentPresence, ConversationList, ConversationsError, PlatformClient, PlatformError,
};
use crate::roster::Roster;
use crate::team::SharedReads;

/// How old a read may be and still serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Read now from the platform: what a command acts on at once.
    Now,
    /// A read due this often (a console's refresh): in team mode, a teammate's read younger
    /// than this serves instead of a call.
    Within(Duration),
}

/// How often a console reads who is free: fresh enough to pick by, and about a quarter of the
/// account's budget with a handful of queues.
pub const AVAILABILITY_EVERY: Duration = Duration::from_secs(30);

/// In team mode, a read the supervisor asks for (F5) takes a teammate's only if it was made
/// about this recently, as if the console refreshed this often.
const ASKED_WITHIN: Duration = Duration::from_secs(5);

impl Freshness {
    /// A console's read, due every `every`.
    pub fn due(every: Duration) -> Self {
        Self::Within(every)
    }

    /// A console's read due every `every`, asked for now by the supervisor: a teammate's serves
    /// only if it is recent.
    pub fn asked(every: Duration) -> Self {
        Self::Within(every.min(ASKED_WITHIN))
    }
}

/// Cheap to clone into background tasks; clones share the client and the team's reads.
#[derive(Debug, Clone)]
pub struct Reads {
    client: PlatformClient,
    /// In team mode, where reads are shared with teammates.
    team: Option<SharedReads>,
}

impl Reads {
    pub fn new(client: PlatformClient, team: Option<SharedReads>) -> Self {
        Self { client, team }
    }

    /// Who is free, and the numbers of the roster's queues in `queue_ids`.
    pub async fn availability(
        &self,
        queue_ids: &[String],
        freshness: Freshness,
    ) -> Result<Availability, PlatformError> {
        match (&self.team, freshness) {
            (Some(team), Freshness::Within(interval)) => {
                availability::read_for_team(&self.client, team, queue_ids, interval).await
            }
            _ => availability::read(&self.client, queue_ids).await,
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
        match (&self.team, freshness) {
            (Some(team), Freshness::Within(interval)) => {
                conversations::read_for_team(&self.client, team, roster, statuses, interval).await
            }
            _ => Ok((
                conversations::read(&self.client, roster, statuses).await?,
                None,
            )),
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
