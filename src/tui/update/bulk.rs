//! Many conversations at once, around their dialogs (`tui::dialog::confirm_bulk` and the ones
//! after it): marking agents to spread them over, what a run leaves behind once it ends, asking
//! to stop one, and re-routing its failed ones together.

use super::{Effect, Model};
use crate::ids::SessionId;
use crate::transfer::{Progress, TransferId};
use crate::tui::bulk::LeftCheck;
use crate::tui::dialog::confirm_stop::ConfirmStop;
use crate::tui::model::Focus;
use crate::tui::transfer_log::Notice;

/// The run ended: those never handed out were not sent, and say so.
pub(super) fn ended(model: &mut Model, unsent: Vec<TransferId>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for id in unsent {
        let update = crate::transfer::TransferUpdate {
            id,
            progress: Progress::Finished(crate::transfer::stopped_before_its_turn()),
            at: model.clock.now,
        };
        effects.extend(super::lifecycle::progressed(model, update));
    }
    if model.bulk.as_ref().is_some_and(|run| !run.ended()) {
        // A fresh read of the list says what of the run still waits where it was.
        let ended = model.clock.now;
        if let Some(run) = &mut model.bulk {
            run.left = LeftCheck::OnNextRead(ended);
        }
        effects.push(Effect::AskReads);
    }
    effects
}

/// After a read of the conversation list: once a run of many has ended, says which of its
/// conversations still wait where they were, and why, or that none does; a read that may
/// predate the run's last moves asks for one more.
pub(super) fn after_read(model: &mut Model) -> Option<Effect> {
    let read_at = model.conversations.as_of;
    let run = model.bulk.as_mut()?;
    match run.left {
        LeftCheck::Running | LeftCheck::Said => None,
        LeftCheck::OnNextRead(ended) if read_at.is_some_and(|at| at >= ended) => {
            run.left = LeftCheck::Said;
            say_what_is_left(model);
            None
        }
        LeftCheck::OnNextRead(_) => None,
    }
}

/// "Of the run's 37, 2 still wait where they were: 1 not sent: another run has it; 1 failed:
/// target unavailable or at capacity"; nothing when every one left.
fn say_what_is_left(model: &mut Model) {
    let Some(run) = &model.bulk else {
        return;
    };
    let mut why: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for id in &run.transfers {
        let Some(record) = model.ledger.get(*id) else {
            continue;
        };
        let Some(conversation) = model.conversations.get(&record.request.session) else {
            continue;
        };
        let waiting = conversation
            .status
            .as_ref()
            .is_some_and(crate::ids::ConversationStatus::is_waiting);
        let target = &record.request.target;
        // The list names a queue by id, or only by name.
        let at_target = match (target.kind, conversation.queue.as_ref()) {
            (crate::ids::TargetKind::Queue, Some(queue)) => match &queue.id {
                Some(id) => id.eq_ignore_ascii_case(&target.id),
                None => queue
                    .name
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case(&target.name)),
            },
            (crate::ids::TargetKind::Queue, None) => false,
            (crate::ids::TargetKind::Agent, _) => !waiting,
        };
        let state = record.state();
        // One still waiting for its callback is not left behind: the callback will say.
        if !waiting || at_target || state.is_open() {
            continue;
        }
        let reason = match record.reason() {
            Some(reason) => format!("{}: {}", state.word(), reason.words()),
            None => format!("{}, the platform has not moved it yet", state.word()),
        };
        *why.entry(reason).or_default() += 1;
    }
    let total = run.transfers.len();
    let left: usize = why.values().sum();
    // None left behind: each transfer's own line already says so.
    if left > 0 {
        let reasons: Vec<String> = why.iter().map(|(r, n)| format!("{n} {r}")).collect();
        model.notice(Notice::Warning(format!(
            "of the run's {total} conversation(s), {left} still wait where they were: {}",
            reasons.join("; ")
        )));
    }
}

/// Esc with nothing left to clear: a run under way asks before it is stopped; an ended one's
/// bar goes away.
pub(super) fn back_out(model: &mut Model) {
    match &model.bulk {
        Some(run) if !run.ended() && !run.stopped => model.dialog = Some(Box::new(ConfirmStop)),
        Some(run) if run.ended() => model.bulk = None,
        _ => {}
    }
}

/// `R` in the log: the last run's failed and doubtful ones are marked again and the picker opens,
/// the target that did not take them marked.
pub(super) fn reroute_failed(model: &mut Model) {
    let Some(run) = &model.bulk else {
        model.tell("no run of many to re-route".into());
        return;
    };
    if !run.ended() {
        model.tell(
            "the run is still under way; its failed ones can be re-routed once it ends".into(),
        );
        return;
    }
    let failed: Vec<TransferId> = run.to_reroute(&model.ledger).collect();
    if failed.is_empty() {
        model.tell("nothing of the last run failed or is in doubt".into());
        return;
    }
    let avoid = run.single_target.as_ref().map(|t| t.id.clone());
    let sessions: Vec<SessionId> = failed
        .iter()
        .filter_map(|id| model.transfer(*id).map(|r| r.request.session.clone()))
        .collect();
    for id in failed {
        model.seen(id);
    }
    model.notice(Notice::Info(format!(
        "{} conversation(s) of the last run marked again: pick where they go",
        sessions.len()
    )));
    model.conversations.set_marks(sessions);
    model.session.clear();
    model.session_error = None;
    model.picker.reset();
    model.picker.avoid(avoid);
    model.focus = Focus::Picker;
}

#[cfg(test)]
mod tests;

/// Ctrl-x (or Ctrl-Space) in the picker: marks the highlighted agent (or unmarks it) to spread the marked
/// conversations over. Queues take no share: a queue hands out its own conversations.
pub(super) fn mark_agent(model: &mut Model) {
    let Some(target) = model.picker.highlighted(&model.roster) else {
        return;
    };
    if target.kind != crate::ids::TargetKind::Agent {
        model.notice(Notice::Info(format!(
            "only agents are marked to spread over; {target} is a queue: Enter sends the marked conversations there"
        )));
        return;
    }
    let id = target.id.clone();
    if let Some(at) = model.marked_agents.iter().position(|m| *m == id) {
        model.marked_agents.remove(at);
    } else {
        model.marked_agents.push(id);
    }
}
