//! Live state in the console: who is free, as the background reads bring it, and syncing the
//! roster with the platform.

use super::{Effect, Model};
use crate::directory::{Availability, Listing};
use crate::tui::dialog::sync_preview::SyncPreview;
use crate::tui::keys::{Action, Context};
use crate::tui::transfer_log::Notice;

pub(super) fn refreshed(model: &mut Model, result: Result<Availability, String>) {
    match result {
        Ok(live) => {
            if model.live_error.take().is_some() {
                model.notice(Notice::Info("live availability is back".into()));
            }
            // A teammate's snapshot, used while a newer read was under way, can be older
            // than the one shown. (This console's own always replace it.)
            let older = live.read_by.is_some()
                && model
                    .live
                    .as_ref()
                    .is_some_and(|shown| shown.taken_at > live.taken_at);
            if !older {
                model.live = Some(live);
                model.refresh_live_views();
            }
        }
        Err(problem) => {
            // Said once when it starts failing, not at every refresh while it keeps failing.
            if model.live_error.is_none() {
                model.notice(Notice::Warning(format!(
                    "cannot refresh who is free: {problem}; the picker shows the last known state"
                )));
            }
            model.live_error = Some(problem);
        }
    }
}

pub(super) fn sync(model: &mut Model) -> Option<Effect> {
    model.notice(Notice::Info(
        "reading the platform's lists, to show what a sync would change…".into(),
    ));
    Some(Effect::FetchListing)
}

/// The platform's lists came: show what merging them would change, or say there is nothing to.
pub(super) fn preview_sync(model: &mut Model, result: Result<Listing, String>) {
    let listing = match result {
        Ok(listing) => listing,
        Err(problem) => {
            model.notice(Notice::Warning(format!(
                "could not read the platform's lists: {problem}; the roster is unchanged"
            )));
            return;
        }
    };
    // A dialog opened while the lists were read stays: covered by the preview, its `y` would
    // save the roster instead of doing what the supervisor was reading.
    if model.dialog.is_some() {
        let sync = model.keys.key_label(Context::Picker, Action::Sync);
        model.notice(Notice::Info(format!(
            "the platform's lists came while a dialog was open; {sync} in the picker shows what a sync would change"
        )));
        return;
    }
    let preview = model.roster.preview_sync(listing.targets.clone());
    let summary = &preview.summary;
    if summary.added == 0 && summary.updated == 0 && summary.stale == 0 {
        model.notice(Notice::Info(format!(
            "the roster already matches the platform ({} unchanged); nothing to save",
            summary.unchanged
        )));
        return;
    }
    model.dialog = Some(Box::new(SyncPreview { listing, preview }));
}
