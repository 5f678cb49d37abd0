//! A transfer after it is sent: the platform's answer, its callback, or the deadline that passes
//! without one. What a callback does is the transfer layer's one rule (`callback_step`, told of
//! the teammates' transfers the log holds); here its step is carried out: those that match
//! none, or contradict a settled transfer, are recorded and said in the log, and change nothing;
//! one heard before, and a relayed one about none of ours, are passed over.

use super::{Effect, Model};
use crate::callback::CallbackEvent;
use crate::terminal_safe::one_line;
use crate::transfer::{
    CallbackStep, Look, Outcome, Progress, Settlement, TransferId, TransferUpdate, callback_step,
};
use crate::tui::transfer_log::{EntryKind, Notice};

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

pub(super) fn callback(model: &mut Model, event: CallbackEvent, look: Look) -> Option<Effect> {
    let callback = match event {
        CallbackEvent::Refused { from, refusal } => {
            model.refused(refusal, from);
            return None;
        }
        CallbackEvent::Received(callback) => callback,
    };
    let teammates = model.log.entries().filter_map(|entry| match &entry.kind {
        EntryKind::Teammate(transfer) => Some(&**transfer),
        _ => None,
    });
    match callback_step(&callback, &model.ledger, teammates, look) {
        CallbackStep::Test => {
            model.notice(Notice::Info(
                "a test callback (handoff callbacks check) reached this console".into(),
            ));
            None
        }
        CallbackStep::Ignore => {
            model.notice(Notice::Warning(format!(
                "ignored a callback that names no session: {}",
                one_line(&callback.payload.to_string())
            )));
            None
        }
        CallbackStep::LookFurther => Some(Effect::LookFurther(CallbackEvent::Received(callback))),
        CallbackStep::Record {
            settled,
            confirmation,
            settlement,
        } => {
            let request = settled.request.clone();
            model.ledger.settle(*settled);
            model.needs_attention(request.id);
            if settlement == Settlement::Settled && !model.log.shows(request.id) {
                // Settled after its line left the log (or before this run): it comes back.
                model.show_transfer(request.id, model.clock.now);
            }
            Some(Effect::RecordConfirmation {
                request,
                confirmation,
                settlement: Some(settlement),
            })
        }
        // Recorded and said when it first came; saying it again would be noise.
        CallbackStep::Duplicate { .. } => None,
        // A teammate's, relayed to every console: theirs to say.
        CallbackStep::NotOurs => None,
        CallbackStep::RecordConflicting {
            settled,
            confirmation,
        } => {
            let (request, standing) = (settled.request.clone(), settled.state());
            model.ledger.settle(*settled);
            model.needs_attention(request.id);
            model.notice(Notice::Warning(format!(
                "the platform contradicted itself about session {} → {}: it now says {} after {}; the first word stands (see the transfer's detail)",
                request.session,
                request.target,
                confirmation.state().word(),
                standing.word()
            )));
            Some(Effect::RecordConfirmation {
                request,
                confirmation,
                settlement: Some(Settlement::Conflicting),
            })
        }
        CallbackStep::Teammate { by, request } => {
            model.notice(Notice::Info(format!(
                "a callback about {by}'s transfer of session {} → {}: theirs to record; nothing changed here",
                request.session, request.target
            )));
            None
        }
        CallbackStep::RecordUnmatched { session } => {
            model.notice(Notice::Warning(format!(
                "a callback about session {session} matches no transfer of the last day; recorded in the audit file, nothing changed"
            )));
            Some(Effect::RecordUnmatched {
                session,
                target: callback.target,
                payload: callback.payload,
            })
        }
    }
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
