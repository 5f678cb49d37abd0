//! A transfer after it is sent: the platform's answer, its callback, or the deadline that passes
//! without one. Callbacks that do not belong to a transfer of this console change nothing and
//! are shown in the log.

use chrono::Local;

use super::{Effect, Model};
use crate::callback::CallbackEvent;
use crate::transfer::{Confirmation, Outcome, Progress, TransferId, TransferUpdate};
use crate::tui::log::{Notice, State};

pub(super) fn progressed(model: &mut Model, update: TransferUpdate) -> Option<Effect> {
    let id = update.id;
    let accepted = matches!(
        update.progress,
        Progress::Finished(Outcome::Transferred { .. })
    );
    let entry = model.log.apply(update)?;
    // A callback that raced ahead of the platform's answer already settled it.
    let waiting = entry.confirmation.is_none();
    (accepted && waiting && model.confirmations).then_some(Effect::AwaitConfirmation(id))
}

pub(super) fn callback(model: &mut Model, event: CallbackEvent) -> Option<Effect> {
    match event {
        CallbackEvent::Refused { from, reason } => {
            model.log.notice(Notice::Warning(format!(
                "rejected {reason} from {from}; nothing changed"
            )));
            None
        }
        CallbackEvent::Received {
            session: None,
            payload,
            ..
        } => {
            model.log.notice(Notice::Warning(format!(
                "ignored a callback that names no session: {}",
                crate::platform::one_line(&payload.to_string())
            )));
            None
        }
        CallbackEvent::Received {
            session: Some(session),
            verdict,
            payload,
            at,
        } => {
            let Some(entry) = model.log.for_callback(&session) else {
                model.log.notice(Notice::Warning(format!(
                    "ignored a callback for session {}…, which this console did not transfer",
                    session.short()
                )));
                return None;
            };
            let confirmation = Confirmation::from_callback(&verdict, payload);
            entry.confirmation = Some(confirmation.clone());
            entry.confirmed_at = Some(at);
            Some(Effect::RecordConfirmation(
                entry.request.clone(),
                confirmation,
            ))
        }
    }
}

/// The time for a callback ran out: still only accepted means unconfirmed.
pub(super) fn deadline(model: &mut Model, id: TransferId) -> Option<Effect> {
    let entry = model.log.transfer_mut(id)?;
    if entry.state() != State::Accepted {
        return None;
    }
    entry.confirmation = Some(Confirmation::Unconfirmed);
    entry.confirmed_at = Some(Local::now());
    Some(Effect::RecordConfirmation(
        entry.request.clone(),
        Confirmation::Unconfirmed,
    ))
}
