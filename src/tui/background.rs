//! Work the console hands off so the loop never waits on the disk: saving roster changes and
//! noticing when the roster file is edited by hand. Each task only sends messages back.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::update::{Msg, RosterSaved};
use crate::roster::{RosterChange, RosterStore};

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
