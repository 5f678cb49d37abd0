//! A transfer after it is sent: the platform's answer, its callback, or the deadline that passes
//! without one. Callbacks are matched to transfers by the ledger's one rule; those that match
//! none, or contradict a settled transfer, are recorded and said in the log, and change nothing.

use super::{Effect, Model};
use crate::callback::CallbackEvent;
use crate::platform::one_line;
use crate::transfer::{CallbackMatch, Outcome, Progress, Settlement, TransferId, TransferUpdate};
use crate::tui::transfer_log::Notice;

pub(super) fn progressed(model: &mut Model, update: TransferUpdate) -> Option<Effect> {
    if let Progress::AuditFailed(message) = &update.progress {
        model.notice(Notice::Warning(message.clone()));
        return None;
    }
    let id = update.id;
    let accepted = matches!(
        update.progress,
        Progress::Finished(Outcome::Transferred { .. })
    );
    let record = model.ledger.progress(update)?;
    // A callback that raced ahead of the platform's answer already settled it.
    let waiting = record.confirmation.is_none();
    model.needs_attention(id);
    (accepted && waiting && model.confirmations).then_some(Effect::AwaitConfirmation(id))
}

/// Whether a callback that matches nothing is worth a second look in the audit file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    First,
    /// After reading the audit file again: what matches nothing now matches nothing.
    Again,
}

pub(super) fn callback(model: &mut Model, event: CallbackEvent, look: Look) -> Option<Effect> {
    let callback = match event {
        CallbackEvent::Refused { from, refusal } => {
            model.refused(refusal, from);
            return None;
        }
        CallbackEvent::Received(callback) => callback,
    };
    let Some((confirmation, matched)) = model.ledger.take_callback(&callback) else {
        model.notice(Notice::Warning(format!(
            "ignored a callback that names no session: {}",
            one_line(&callback.payload.to_string())
        )));
        return None;
    };
    let CallbackMatch::Matched { id, settlement } = matched else {
        if look == Look::First {
            return Some(Effect::LookFurther(CallbackEvent::Received(callback)));
        }
        let session = callback.session?;
        model.notice(Notice::Warning(format!(
            "a callback about session {session} matches no transfer of the last day; recorded in the audit file, nothing changed"
        )));
        return Some(Effect::RecordUnmatched {
            session,
            target: callback.target,
            payload: callback.payload,
        });
    };
    model.needs_attention(id);
    let record = model.transfer(id)?;
    let request = record.request.clone();
    let state = record.state();
    match settlement {
        Settlement::Settled if !model.log.shows(id) => {
            // Settled after its line left the log (or before this run): it comes back.
            model.show_transfer(id, model.clock.now);
        }
        Settlement::Conflicting => model.notice(Notice::Warning(format!(
            "the platform contradicted itself about session {} → {}: it now says {} after {}; the first word stands (see the transfer's detail)",
            request.session,
            request.target,
            confirmation.state().word(),
            state.word()
        ))),
        Settlement::Settled | Settlement::Repeated => {}
    }
    Some(Effect::RecordConfirmation {
        request,
        confirmation,
        settlement: Some(settlement),
    })
}

/// The time for a callback ran out: still only accepted means unconfirmed.
pub(super) fn deadline(model: &mut Model, id: TransferId) -> Option<Effect> {
    if !model.ledger.expire(id, model.clock.now) {
        return None;
    }
    model.needs_attention(id);
    let record = model.transfer(id)?;
    Some(Effect::RecordConfirmation {
        request: record.request.clone(),
        confirmation: record.confirmation.clone()?,
        settlement: None,
    })
}
