//! What the platform says about the people and queues behind the roster: the full lists, for a
//! roster sync, and who is free right now, for the picker. Every call here is background work:
//! it spends only what the account's budget leaves after transfers.

mod availability;

use std::time::Duration;

pub use availability::{Availability, LiveState, QueueLoad, refresh};

use crate::ids::TargetKind;
use crate::platform::{PlatformClient, PlatformError};
use crate::roster::Listed;
use crate::transfer::{Priority, RateBudget};

/// Pause after the platform says the account is over its limit without saying for how long.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(60);

/// Both lists from the platform, every page, for [`crate::roster::Roster::merge_sync`].
pub async fn fetch_listing(
    client: &PlatformClient,
    budget: &RateBudget,
) -> Result<Vec<Listed>, PlatformError> {
    let spend = || budget.spend_as(Priority::Background);
    let agents = client.list_agents(spend).await;
    let agents = respect_limit(budget, agents).await?;
    let queues = client.list_queues(spend).await;
    let queues = respect_limit(budget, queues).await?;
    let mut listing: Vec<Listed> = agents
        .into_iter()
        .map(|a| Listed {
            kind: TargetKind::Agent,
            id: a.id,
            name: a.name,
            team: a.team,
        })
        .collect();
    listing.extend(queues.into_iter().map(|q| Listed {
        kind: TargetKind::Queue,
        id: q.id,
        name: q.name,
        team: None,
    }));
    Ok(listing)
}

/// Passes a result on; a 429 first pauses the whole budget, as for transfers.
async fn respect_limit<T>(
    budget: &RateBudget,
    result: Result<T, PlatformError>,
) -> Result<T, PlatformError> {
    if let Err(PlatformError::Refused {
        status: 429,
        retry_after,
        ..
    }) = &result
    {
        budget
            .back_off(retry_after.unwrap_or(DEFAULT_BACK_OFF))
            .await;
    }
    result
}
