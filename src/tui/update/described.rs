//! A message in a few words for the diagnostics file: its kind and sizes, never what was typed
//! or pasted as a whole, nor what the platform or a callback said.

use super::Msg;
use crate::callback::CallbackEvent;
use crate::transfer::{Outcome, Progress};

impl Msg {
    pub(crate) fn described(&self) -> String {
        let outcome = |ok: bool| if ok { "ok" } else { "failed" };
        match self {
            Self::Key(key) => format!("key {:?} {:?}", key.code, key.modifiers),
            Self::Paste(text) => format!("paste of {} characters", text.chars().count()),
            Self::Mouse(event) => {
                format!("mouse {:?} at {},{}", event.kind, event.column, event.row)
            }
            Self::Resized { width, height } => format!("resized to {width}x{height}"),
            Self::Transfer(update) => {
                let step = match &update.progress {
                    Progress::WaitingForBudget(wait) => format!("waits {} ms", wait.as_millis()),
                    Progress::WaitingForClaim(_) => "waits for Redis to claim it".into(),
                    Progress::Sending { .. } => "sending".into(),
                    Progress::Finished(outcome) => format!("finished: {}", outcome_word(outcome)),
                    Progress::AuditFailed(_) => "audit write failed".into(),
                };
                format!("transfer {} {step}", update.id)
            }
            Self::RosterSaved(result) => format!("roster saved: {}", outcome(result.is_ok())),
            Self::RosterReloaded(result) => format!("roster reloaded: {}", outcome(result.is_ok())),
            Self::Availability(result) => match result {
                Ok(availability) => format!(
                    "availability: {} agents, {} queues",
                    availability.agents.len(),
                    availability.queues.len()
                ),
                Err(_) => "availability: failed".into(),
            },
            Self::ReadsHeld(Some(held)) => {
                format!("reads held: the list every {} s", held.every.as_secs())
            }
            Self::ReadsHeld(None) => "reads no longer held".into(),
            Self::ReadsNote(_) => "reads note".into(),
            Self::QueueNumbers(Ok(numbers)) => {
                format!("queue numbers: {} queues", numbers.performance.queues.len())
            }
            Self::QueueNumbers(Err(_)) => "queue numbers: none".into(),
            Self::BulkEnded { unsent } => format!("bulk run ended, {} not sent", unsent.len()),
            Self::Conversations(result, teammate) => match result {
                Ok(list) => format!(
                    "conversations: {} listed{}",
                    list.conversations.len(),
                    if teammate.is_some() {
                        ", a teammate's read"
                    } else {
                        ""
                    }
                ),
                Err(_) => "conversations: failed".into(),
            },
            Self::Callback(event) => format!("callback {}", callback_word(event)),
            Self::LookedFurther { records, callback } => format!(
                "audit file read again ({} transfers) for a callback {}",
                records.len(),
                callback_word(callback)
            ),
            Self::ConfirmDeadline(id) => format!("confirmation deadline of transfer {id}"),
            Self::Warning(_) => "warning".into(),
            Self::ListingFetched(result) => format!("platform lists: {}", outcome(result.is_ok())),
            Self::Budget(_) => "budget changed".into(),
            Self::TeamActivity(steps) => format!("team activity: {} step(s)", steps.len()),
            Self::HandOverWritten(result) => {
                format!("hand-over written: {}", outcome(result.is_ok()))
            }
            Self::Tick => "tick".into(),
        }
    }
}

fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Transferred { .. } => "accepted",
        Outcome::Failed { .. } => "failed",
        Outcome::Unknown { .. } => "unknown",
        Outcome::NotSent { .. } => "not sent",
    }
}

fn callback_word(event: &CallbackEvent) -> &'static str {
    match event {
        CallbackEvent::Received(_) => "received",
        CallbackEvent::Refused { .. } => "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_is_counted_not_copied() {
        let pasted = Msg::Paste("eyJhbGciOiJIUzI1NiJ9.secret".into());
        assert_eq!(pasted.described(), "paste of 27 characters");
    }
}
