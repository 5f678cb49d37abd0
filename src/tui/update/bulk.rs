//! Many conversations at once: one confirmation for those marked, naming what is left out and
//! why; the run, handed to the event loop; stopping it; and re-routing its failed ones together.

use super::{Effect, Model};
use crate::ids::SessionId;
use crate::transfer::{
    BulkKey, BulkPlan, LeftOut, Progress, RECENT_MOVE, Skipped, TransferId, TransferRecord,
    TransferRequest,
};
use crate::tui::bulk::{BulkRun, BulkTo, LeftCheck, Room};
use crate::tui::conversations::has_ended;
use crate::tui::model::{Dialog, Focus};
use crate::tui::transfer_log::Notice;
use crate::tui::view;

/// Enter in the picker with conversations marked: one confirmation for all of them, to the
/// highlighted target, or spread over the agents marked in the picker. An agent's room is read
/// now, once: the confirmation shows it and the run is checked by it.
pub(super) fn confirm(model: &mut Model) {
    let to = if model.marked_agents.is_empty() {
        let Some(target) = model.picker.highlighted(&model.roster).cloned() else {
            return;
        };
        let live = model.live_state(&target.id);
        BulkTo::one(target, live)
    } else {
        let agents = model
            .marked_agents
            .iter()
            .filter_map(|id| model.roster.targets().iter().find(|t| t.id == *id))
            .map(|agent| (agent.clone(), Room::of(model.live_state(&agent.id))))
            .collect();
        BulkTo::Spread(agents)
    };
    let marked = model.conversations.marked().to_vec();
    let key = BulkKey::of_run(to.targets(), marked.iter().map(SessionId::as_str));
    let now = model.clock.now;
    let mut skipped = Vec::new();
    let mut movable = Vec::new();
    for session in marked {
        match model.conversations.get(&session) {
            Some(conversation) if has_ended(conversation) => {
                let why = format!(
                    "already ended ({}), per the conversation list",
                    conversation
                        .status
                        .as_ref()
                        .map_or("ended", |s| s.as_str())
                        .to_lowercase()
                );
                skipped.push(Skipped::new(session, why, LeftOut::Moved));
            }
            _ => movable.push(session),
        }
    }
    let strict = BulkPlan::new(movable.clone(), &key, &model.ledger, false, now);
    let loose = BulkPlan::new(movable, &key, &model.ledger, true, now);
    let mut recent: Vec<Skipped> = strict
        .skipped
        .iter()
        .filter(|s| loose.send.contains(&s.session))
        .cloned()
        .collect();
    skipped.extend(
        strict
            .skipped
            .into_iter()
            .filter(|s| !loose.send.contains(&s.session)),
    );
    // The platform knows of moves handoff did not make.
    let mut send = Vec::new();
    for session in strict.send {
        match moved_on_the_platform(model, &session) {
            Some(why) => recent.push(Skipped::new(session, why, LeftOut::Moved)),
            None => send.push(session),
        }
    }
    model.dialog = Some(Dialog::ConfirmBulk {
        to,
        key,
        send,
        recent,
        skipped,
    });
}

/// `y` in the one confirmation: sent, unless some would go beyond the free chats of the agent or
/// agents, or an agent's are not known, which is asked again in words.
pub(super) fn confirmed(
    model: &mut Model,
    to: BulkTo,
    key: BulkKey,
    send: Vec<SessionId>,
) -> Option<Effect> {
    let warnings = to.capacity_warnings(send.len());
    if warnings.is_empty() {
        return dispatch(model, to, key, send);
    }
    model.dialog = Some(Dialog::ConfirmBulkAnyway {
        warnings,
        to,
        key,
        send,
    });
    None
}

/// "moved 3m ago to queue Billing by Ana, per the platform", if the list says so.
fn moved_on_the_platform(model: &Model, session: &SessionId) -> Option<String> {
    let last = model.conversations.get(session)?.last_move()?;
    let now = model.clock.now;
    let at = last.at.filter(|at| *at >= now - RECENT_MOVE)?;
    Some(view::moved_on_the_platform(last, at, now))
}

/// `i` in the confirmation: the recently moved ones too, asked again in words.
pub(super) fn include_recent(model: &mut Model) {
    let Some(Dialog::ConfirmBulk {
        to,
        key,
        send,
        recent,
        skipped,
    }) = model.dialog.take()
    else {
        return;
    };
    if recent.is_empty() {
        model.dialog = Some(Dialog::ConfirmBulk {
            to,
            key,
            send,
            recent,
            skipped,
        });
        return;
    }
    let mut warnings: Vec<String> = recent
        .iter()
        .map(|s| format!("{}: {}", s.session.short(), s.why))
        .collect();
    let send: Vec<SessionId> = send
        .into_iter()
        .chain(recent.into_iter().map(|s| s.session))
        .collect();
    warnings.extend(to.capacity_warnings(send.len()));
    model.dialog = Some(Dialog::ConfirmBulkAnyway {
        to,
        key,
        send,
        warnings,
    });
}

/// Confirmed: every transfer gets its line in the log and the loop runs them. One run at a time.
/// Each goes to the target the confirmation named; spread over agents, to the one with the most
/// free chats as the confirmation showed them, and past everyone's capacity (which was
/// confirmed) to the agents in turn.
pub(super) fn dispatch(
    model: &mut Model,
    to: BulkTo,
    key: BulkKey,
    sessions: Vec<SessionId>,
) -> Option<Effect> {
    if model.bulk.as_ref().is_some_and(|run| !run.ended()) {
        model.notice(Notice::Warning(
            "a run of many is still under way; wait for it to end (or stop it) before starting another; the marks are kept".into(),
        ));
        return None;
    }
    if sessions.is_empty() {
        model.notice(Notice::Info(
            "nothing to send: every marked conversation was left out".into(),
        ));
        return None;
    }
    model.notice(Notice::Info(format!(
        "sending {} conversation(s) to {}",
        sessions.len(),
        to.words()
    )));
    let mut spread = to.spread();
    let mut requests = Vec::with_capacity(sessions.len());
    for session in sessions {
        let target = match (to.single(), &mut spread) {
            (Some(target), _) => Some(target.clone()),
            (None, Some(spread)) => spread
                .take_roomiest()
                .or_else(|| spread.next_beyond_capacity()),
            (None, None) => None,
        };
        let Some(target) = target else {
            continue;
        };
        // A session moved a moment ago is only here if the supervisor included it on purpose.
        let confirmed_recent = model
            .ledger
            .recent_move(&session, model.clock.now)
            .is_some()
            || moved_on_the_platform(model, &session).is_some();
        let request = TransferRequest {
            id: TransferId::new(),
            session,
            target,
            note: None,
            reroute_of: None,
            bulk: Some(key.clone()),
            confirmed_recent,
        };
        requests.push(request);
    }
    let (confirmations, now) = (model.confirmations, model.clock.now);
    let records = requests
        .iter()
        .map(|request| TransferRecord::new(request.clone(), now, confirmations));
    model.ledger.insert_many_as_of(records, now);
    for request in &requests {
        model.show_transfer(request.id, now);
    }
    model.log.follow();
    let single_target = to.single().cloned();
    let words = single_target.as_ref().map_or_else(
        || to.words(),
        |target| format!("{} {}", target.kind, target.name),
    );
    model.bulk = Some(BulkRun {
        target: words,
        single_target,
        transfers: requests.iter().map(|r| r.id).collect(),
        stopped: false,
        left: LeftCheck::Running,
    });
    model.conversations.clear_marks();
    for target in to.targets() {
        model.used(&target.id);
    }
    model.reset_picker();
    model.session.clear();
    model.focus = Focus::Session;
    let unclaimed = model.send_unclaimed.take() == Some(true);
    Some(Effect::DispatchBulk {
        requests,
        unclaimed,
    })
}

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
        let read = super::conversations::refresh(model, super::Refresh::Asked);
        let ended = model.clock.now;
        if let Some(run) = &mut model.bulk {
            run.left = match read {
                Some(_) => LeftCheck::OnNextRead(ended),
                None => LeftCheck::AfterThisRead(ended),
            };
        }
        effects.extend(read);
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
        LeftCheck::AfterThisRead(ended) => {
            run.left = LeftCheck::OnNextRead(ended);
            super::conversations::refresh(model, super::Refresh::Asked)
        }
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
            .is_some_and(crate::platform::ConversationStatus::is_waiting);
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
        Some(run) if !run.ended() && !run.stopped => model.dialog = Some(Dialog::ConfirmStop),
        Some(run) if run.ended() => model.bulk = None,
        _ => {}
    }
}

/// `y`: nothing more of the run is sent.
pub(super) fn stop(model: &mut Model) -> Option<Effect> {
    model.dialog = None;
    let run = model.bulk.as_mut()?;
    if run.ended() {
        return None;
    }
    run.stopped = true;
    model.notice(Notice::Info(
        "stopping the run: what has not been sent stays unsent; what is on its way gets its answer"
            .into(),
    ));
    Some(Effect::StopBulk)
}

/// `R` in the log: the last run's failed and doubtful ones are marked again and the picker opens,
/// the target that did not take them marked.
pub(super) fn reroute_failed(model: &mut Model) {
    let Some(run) = &model.bulk else {
        model.notice(Notice::Info("no run of many to re-route".into()));
        return;
    };
    if !run.ended() {
        model.notice(Notice::Info(
            "the run is still under way; its failed ones can be re-routed once it ends".into(),
        ));
        return;
    }
    let failed: Vec<TransferId> = run.to_reroute(&model.ledger).collect();
    if failed.is_empty() {
        model.notice(Notice::Info(
            "nothing of the last run failed or is in doubt".into(),
        ));
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

/// Ctrl-Space in the picker: marks the highlighted agent (or unmarks it) to spread the marked
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
