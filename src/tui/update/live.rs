//! Live state in the console: refreshing who is free (on a timer and on demand, never two at
//! once) and syncing the roster with the platform.

use super::{Effect, Model};
use crate::directory::Availability;
use crate::tui::log::Notice;

pub(super) fn refresh(model: &mut Model) -> Option<Effect> {
    if model.refreshing {
        return None;
    }
    model.refreshing = true;
    Some(Effect::RefreshAvailability(model.queue_ids()))
}

pub(super) fn refreshed(model: &mut Model, result: Result<Availability, String>) {
    model.refreshing = false;
    match result {
        Ok(live) => {
            if model.live_error.take().is_some() {
                model.notice(Notice::Info("live availability is back".into()));
            }
            model.live = Some(live);
            model.apply_live_views();
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
        "syncing the roster with the platform's lists…".into(),
    ));
    Some(Effect::SyncRoster)
}
