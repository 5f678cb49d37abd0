//! What the last read of the conversation list says of one session, in words for a dialog: how
//! it waits (for a confirmation), and where it is now (for the detail of a transfer whose
//! outcome is not known). Words only from what the list already holds: no read is made for them.

use std::time::SystemTime;

use crate::ids::SessionId;
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::tui::conversations::has_ended;
use crate::tui::model::Model;
use crate::tui::view::live::by_teammate;
use crate::words::short_duration;

/// "waiting 3m05s in Billing · intent Refund request", from what the list knows of `session`;
/// `None` when the list does not hold it or says none of these.
pub(super) fn how_it_waits(model: &Model, session: &SessionId) -> Option<String> {
    let conversation = model.conversations.get(session)?;
    let now = SystemTime::from(model.clock.now);
    let mut parts = Vec::new();
    let wait = conversation
        .wait_at(now)
        .map(|wait| short_duration(wait.as_secs()));
    match (wait, &conversation.queue) {
        (Some(wait), Some(queue)) => parts.push(format!(
            "waiting {wait} in {}",
            cut(queue.label(), NAME_CHARS)
        )),
        (Some(wait), None) => parts.push(format!("waiting {wait}")),
        (None, Some(queue)) => parts.push(format!("in {}", cut(queue.label(), NAME_CHARS))),
        (None, None) => {}
    }
    if let Some(intent) = &conversation.intent {
        parts.push(format!("intent {}", cut(intent, NAME_CHARS)));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// "per the list at 14:03:10, 40s ago: waiting in Billing", "… with Dana Whitfield", "… not
/// in the list"; `None` before the first read of the list.
pub(super) fn where_now(model: &Model, session: &SessionId) -> Option<String> {
    let as_of = model.conversations.as_of?;
    let age = (model.clock.now - as_of)
        .num_seconds()
        .max(0)
        .unsigned_abs();
    let place = match model.conversations.get(session) {
        None => "not in the list".to_owned(),
        Some(conversation) if has_ended(conversation) => "ended".to_owned(),
        Some(conversation) => match (&conversation.agent, &conversation.queue) {
            (Some(agent), _) => format!("with {}", cut(agent.label(), NAME_CHARS)),
            (None, Some(queue)) => format!("waiting in {}", cut(queue.label(), NAME_CHARS)),
            (None, None) => "in the list, with no queue or agent named".to_owned(),
        },
    };
    Some(format!(
        "per the list at {}, {} ago{}: {place}",
        model.clock.shown(as_of).format("%H:%M:%S"),
        short_duration(age),
        by_teammate(model.conversations.read_by.as_deref())
    ))
}
