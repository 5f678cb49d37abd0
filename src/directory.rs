//! What the platform says about the people and queues behind the roster: the full lists, for a
//! roster sync, who is free right now, for the picker, and the conversations waiting or in
//! progress, for choosing which to move. All of it is read through [`Reads`], its one owner,
//! which the console's background work and the commands share. Every call here is background
//! work: it spends only what the account's budget leaves after transfers.

mod availability;
mod conversations;
mod floor;
mod names;
mod plan;
mod planner;
mod reads;

pub use availability::{Availability, LiveState, QueueLoad};
pub use conversations::TeammateRead;
pub use floor::{FloorNumbers, QueueFigure, queue_figures};
pub use names::Names;
pub use plan::Held;
pub use planner::{FloorUpdate, PlanSettings, Planner};
pub use reads::Reads;

use crate::ids::TargetKind;
use crate::platform::{PlatformClient, PlatformError};
use crate::roster::Listed;

/// Both of the platform's lists, and what reading their pages had to work around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub targets: Vec<Listed>,
    /// In words, e.g. that a page contradicted the paging fields and reading stopped there.
    pub notes: Vec<String>,
}

/// Both lists from the platform, every page, for [`crate::roster::Roster::merge_sync`].
async fn fetch_listing(client: &PlatformClient) -> Result<Listing, PlatformError> {
    let agents = client.list_agents().await?;
    let queues = client.list_queues().await?;
    let notes = [agents.note, queues.note].into_iter().flatten().collect();
    let mut targets: Vec<Listed> = agents
        .items
        .into_iter()
        .map(|a| Listed {
            kind: TargetKind::Agent,
            id: a.id,
            name: a.name,
            team: a.team,
        })
        .collect();
    targets.extend(queues.items.into_iter().map(|q| Listed {
        kind: TargetKind::Queue,
        id: q.id,
        name: q.name,
        team: None,
    }));
    Ok(Listing { targets, notes })
}
