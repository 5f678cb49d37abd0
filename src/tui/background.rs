//! Work the console hands off so the loop never waits on the disk or the network: saving roster
//! changes, noticing hand edits of the roster file, refreshing who is free, and syncing the
//! roster. Each task only sends messages back.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::update::{Msg, RosterSaved};
use crate::budget::RateBudget;
use crate::callback::CallbackEvent;
use crate::directory::{FloorUpdate, Listing, Reads};
use crate::roster::{EditError, RosterChange, RosterStore};
use crate::team::Activity;
use crate::team::activity::READ_PAGE;
use crate::transfer::TransferId;

/// How often the team's activity stream is read for teammates' new steps: a teammate's
/// transfer shows within a second, and an idle read costs Redis one short reply and the
/// console no redraw. (A blocking read would need a connection of its own, and would hold
/// on through a Redis restart less well than a short read does.)
const TEAM_ACTIVITY_INTERVAL: Duration = Duration::from_secs(1);

/// How often the roster file is checked for hand edits: a `stat` and a read, cheap enough to
/// leave the console idle, quick enough that an edit shows before the next transfer.
const ROSTER_CHECK_INTERVAL: Duration = Duration::from_secs(2);

pub type SharedStore = Arc<Mutex<RosterStore>>;

fn with_store<T>(store: &SharedStore, work: impl FnOnce(&mut RosterStore) -> T) -> T {
    // A panic mid-save cannot leave the store half-changed: it only records a fingerprint.
    let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
    work(&mut store)
}

/// Saves one change on a blocking thread and reports the result.
pub fn save_roster(store: SharedStore, change: RosterChange, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let saved = tokio::task::spawn_blocking(move || {
            with_store(&store, |store| {
                store
                    .update(|roster| change.apply(roster))
                    .map(|saved| RosterSaved {
                        roster: saved.roster,
                        summary: saved.value,
                        merged_hand_edit: saved.merged_hand_edit,
                    })
                    .map_err(|error| error.to_string())
            })
        })
        .await
        .unwrap_or_else(|error| Err(format!("the save stopped unexpectedly: {error}")));
        let _ = messages.send(Msg::RosterSaved(saved)).await;
    });
}

/// Checks the roster file now and then; reports only when it changed.
pub fn watch_roster(store: SharedStore, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(ROSTER_CHECK_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let store = Arc::clone(&store);
            let reloaded = tokio::task::spawn_blocking(move || {
                with_store(&store, |store| {
                    if !store.changed_on_disk() {
                        return None;
                    }
                    Some(
                        store
                            .reload()
                            .map(|loaded| (loaded.roster, loaded.warnings))
                            .map_err(|error| error.to_string()),
                    )
                })
            })
            .await;
            if let Ok(Some(result)) = reloaded
                && messages.send(Msg::RosterReloaded(result)).await.is_err()
            {
                return;
            }
        }
    });
}

/// How often the shared budget (the file, or the team's window in Redis) is read for calls
/// other handoff processes made.
const BUDGET_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Reports the account's budget whenever it changes: at once on this process's calls, and
/// within a few seconds on those of other processes sharing it.
pub fn watch_budget(budget: RateBudget, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let mut changes = budget.watch();
        changes.mark_changed();
        let mut checks = tokio::time::interval(BUDGET_CHECK_INTERVAL);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                _ = checks.tick() => {
                    budget.look().await;
                    continue;
                }
            }
            let snapshot = changes.borrow_and_update().clone();
            if messages.send(Msg::Budget(snapshot)).await.is_err() {
                return;
            }
        }
    });
}

/// Passes what the background reads bring into the loop's messages.
pub fn follow_floor(mut updates: mpsc::Receiver<FloorUpdate>, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            let message = match update {
                FloorUpdate::Conversations(result, teammate) => {
                    Msg::Conversations(result, teammate)
                }
                FloorUpdate::Availability(result) => Msg::Availability(result),
                FloorUpdate::QueueNumbers(numbers) => Msg::QueueNumbers(numbers),
                FloorUpdate::Held(held) => Msg::ReadsHeld(held),
                FloorUpdate::Note(note) => Msg::ReadsNote(note),
            };
            if messages.send(message).await.is_err() {
                return;
            }
        }
    });
}

/// Fetches the platform's lists for a sync; nothing is saved until the supervisor has seen
/// what the sync would change.
pub fn fetch_listing(reads: Reads, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let result = reads.listing().await.map_err(|error| error.to_string());
        let _ = messages.send(Msg::ListingFetched(result)).await;
    });
}

/// Merges the platform's lists into the roster file as it is now, and reports like a save.
pub fn apply_sync(listing: Listing, store: SharedStore, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let result = tokio::task::spawn_blocking(move || {
            let notes: String = listing.notes.iter().map(|n| format!("; {n}")).collect();
            with_store(&store, |store| {
                store
                    .update(|roster| Ok::<_, EditError>(roster.merge_sync(listing.targets)))
                    .map(|saved| RosterSaved {
                        roster: saved.roster,
                        summary: format!("synced with the platform: {}{notes}", saved.value),
                        merged_hand_edit: saved.merged_hand_edit,
                    })
                    .map_err(|error| error.to_string())
            })
        })
        .await
        .unwrap_or_else(|error| Err(format!("the sync stopped unexpectedly: {error}")));
        let _ = messages.send(Msg::RosterSaved(result)).await;
    });
}

/// Passes the receiver's events into the loop's messages.
pub fn forward_callbacks(
    mut callbacks: mpsc::Receiver<CallbackEvent>,
    messages: mpsc::Sender<Msg>,
) {
    tokio::spawn(async move {
        while let Some(event) = callbacks.recv().await {
            if messages.send(Msg::Callback(event)).await.is_err() {
                return;
            }
        }
    });
}

/// Tells the console when an accepted transfer's time for a callback is up.
pub fn confirm_deadline(id: TransferId, within: Duration, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        tokio::time::sleep(within).await;
        let _ = messages.send(Msg::ConfirmDeadline(id)).await;
    });
}

/// Follows the team's activity stream (team mode): its latest steps at start, then each new
/// one, sending teammates' steps (never this console's own) to the loop. While Redis is away it
/// simply tries again; the link says why in the header.
pub fn follow_team(activity: Activity, messages: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let own = activity.member().console.clone();
        let mut last: Option<String> = None;
        let mut ticks = tokio::time::interval(TEAM_ACTIVITY_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Pages until caught up, so a burst of a team's bulk runs shows at once.
            loop {
                let page = match &last {
                    // At start, the latest page only (about 125 transfers): one reply must
                    // come within the link's deadline, or Redis would count as away.
                    None => activity.latest(READ_PAGE).await,
                    Some(after) => activity.after(after, READ_PAGE).await,
                };
                let Some(page) = page else { break };
                let full = last.is_some() && page.entries == READ_PAGE;
                // An empty stream: everything from now on is new.
                last = page.last.or(last).or_else(|| Some("0-0".into()));
                let theirs: Vec<_> = page
                    .steps
                    .into_iter()
                    .filter(|step| step.console != own)
                    .collect();
                if !theirs.is_empty() && messages.send(Msg::TeamActivity(theirs)).await.is_err() {
                    return;
                }
                if !full {
                    break;
                }
            }
        }
    });
}
