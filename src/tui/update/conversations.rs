//! The conversation list in the session pane: taking each read of it, moving in it, marking,
//! and taking a row to the picker.

use super::{Model, end_reroute_if_changed};
use crate::directory::TeammateRead;
use crate::ids::SessionId;
use crate::platform::{ConversationList, ConversationsError};
use crate::tui::model::Focus;
use crate::tui::transfer_log::Notice;

/// A read ended: this console's own, just now, or (`teammate`) one a teammate's made.
pub(super) fn refreshed(
    model: &mut Model,
    result: Result<ConversationList, ConversationsError>,
    teammate: Option<TeammateRead>,
) {
    let failing_before = model.conversations.problem.is_some();
    let notes_before = model.conversations.notes.clone();
    model.conversations.read(result, model.clock.now, teammate);
    // Transfers no callback settled, which the list now shows with their target.
    if model.conversations.problem.is_none()
        && let Some(as_of) = model.conversations.as_of
    {
        for id in model.ledger.see_in_list(model.conversations.all(), as_of) {
            model.seen(id);
        }
    }
    // What reading had to work around (a list cut at its cap, say), said once while it lasts.
    let new_notes: Vec<String> = model
        .conversations
        .notes
        .iter()
        .filter(|note| !notes_before.contains(note))
        .cloned()
        .collect();
    for note in new_notes {
        model.notice(Notice::Info(format!("conversation list: {note}")));
    }
    match (&model.conversations.problem, failing_before) {
        // Said once when it starts failing; the pane says it for as long as it lasts.
        (Some(problem), false) => {
            let words = match problem {
                crate::tui::conversations::ListProblem::MissingScope(words)
                | crate::tui::conversations::ListProblem::Failed(words) => words.clone(),
            };
            model.notice(Notice::Warning(format!(
                "cannot list the conversations: {words}"
            )));
        }
        (None, true) => model.notice(Notice::Info("the conversation list is back".into())),
        _ => {}
    }
}

/// Up/Down in the session pane: through the list, as narrowed by the field.
pub(super) fn move_highlight(model: &mut Model, delta: isize) {
    model.conversations.move_by(model.session.value(), delta);
}

/// Space: marks the highlighted conversation, or unmarks it, and goes down a row, so a run of
/// rows is marked one key a row. With no conversation shown there is nothing to mark, so it
/// types a space, for a filter of several words.
pub(super) fn mark_highlighted(model: &mut Model) {
    let highlighted = model
        .conversations
        .highlighted(model.session.value())
        .map(|c| c.session.clone());
    match highlighted {
        Some(session) => {
            model.conversations.toggle_mark(&session);
            move_highlight(model, 1);
        }
        None => {
            model.session.insert(' ');
            model.session_error = None;
        }
    }
}

/// Marks every conversation the field lets through; if all were marked, clears the marks.
pub(super) fn mark_all_shown(model: &mut Model) {
    let filter = model.session.value().to_owned();
    let marked = model.conversations.mark_all_shown(&filter);
    model.tell(if marked == 0 {
        "marks cleared".to_owned()
    } else {
        format!("{marked} conversation(s) marked")
    });
}

/// Several ids pasted at once: each is marked (those marked already said in the log), and the
/// picker is a step away.
pub(super) fn mark_pasted(model: &mut Model, ids: Vec<SessionId>, duplicates: usize) {
    let pasted = ids.len();
    let mut already = 0;
    for id in ids {
        if !model.conversations.mark(id) {
            already += 1;
        }
    }
    let mut words = format!(
        "{pasted} session ids pasted and marked; {} marked in all",
        model.conversations.marked().len()
    );
    if duplicates > 0 {
        words.push_str(&format!("; {duplicates} listed twice, marked once"));
    }
    if already > 0 {
        words.push_str(&format!("; {already} were marked already"));
    }
    model.tell(words);
    model.session.clear();
    model.session_error = None;
    model.focus = Focus::Session;
    end_reroute_if_changed(model);
}

/// Enter in the session pane on what is not a whole id: the marked conversations go to the
/// picker together; else the highlighted one, as if its id had been typed. False when there is
/// neither.
pub(super) fn take_to_picker(model: &mut Model) -> bool {
    if !model.conversations.marked().is_empty() {
        model.session.clear();
        model.session_error = None;
        model.focus = Focus::Picker;
        return true;
    }
    let Some(session) = model
        .conversations
        .highlighted(model.session.value())
        .map(|c| c.session.clone())
    else {
        return false;
    };
    model.session.clear();
    model.session.paste(session.as_str());
    model.session_error = None;
    end_reroute_if_changed(model);
    model.focus = Focus::Picker;
    true
}

#[cfg(test)]
mod tests;
