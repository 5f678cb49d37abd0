//! Many conversations at once: one confirmation for those marked, naming what is left out and
//! why; the run, handed to the event loop; stopping it; and re-routing its failed ones together.

use chrono::{Local, Utc};

use super::{Effect, Model};
use crate::ids::SessionId;
use crate::roster::Target;
use crate::transfer::{
    BulkKey, BulkPlan, RECENT_MOVE, Skipped, TransferId, TransferRecord, TransferRequest,
};
use crate::tui::bulk::BulkRun;
use crate::tui::conversations::has_ended;
use crate::tui::log::Notice;
use crate::tui::model::{Dialog, Focus};
use crate::tui::view::short_duration;

/// Enter in the picker with conversations marked: one confirmation for all of them.
pub(super) fn confirm(model: &mut Model, target: Target) {
    let marked = model.conversations.marked().to_vec();
    let key = BulkKey::of(
        std::iter::once(target.id.as_str()).chain(marked.iter().map(SessionId::as_str)),
    );
    let now = model.now;
    let mut skipped = Vec::new();
    let mut movable = Vec::new();
    for session in marked {
        match model.conversations.get(&session) {
            Some(conversation) if has_ended(conversation) => skipped.push(Skipped {
                why: format!(
                    "already ended ({}), per the conversation list",
                    conversation
                        .status
                        .as_ref()
                        .map_or("ended", |s| s.as_str())
                        .to_lowercase()
                ),
                session,
            }),
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
            Some(why) => recent.push(Skipped { session, why }),
            None => send.push(session),
        }
    }
    model.dialog = Some(Dialog::ConfirmBulk {
        target,
        key,
        send,
        recent,
        skipped,
    });
}

/// "moved 3m ago to queue Billing by Ana, per the platform", if the list says so.
fn moved_on_the_platform(model: &Model, session: &SessionId) -> Option<String> {
    let last = model.conversations.get(session)?.last_move()?;
    let at = last.at.filter(|at| *at >= model.now - RECENT_MOVE)?;
    Some(format!(
        "moved {} ago to {} by {}, per the platform",
        short_duration((model.now - at).num_seconds().max(0).unsigned_abs()),
        last.to.as_ref().map_or("somewhere", |to| to.label()),
        last.by.as_ref().map_or("someone", |by| by.label()),
    ))
}

/// `i` in the confirmation: the recently moved ones too, asked again in words.
pub(super) fn include_recent(model: &mut Model) {
    let Some(Dialog::ConfirmBulk {
        target,
        key,
        send,
        recent,
        ..
    }) = model.dialog.take()
    else {
        return;
    };
    if recent.is_empty() {
        model.dialog = Some(Dialog::ConfirmBulk {
            target,
            key,
            send,
            recent,
            skipped: Vec::new(),
        });
        return;
    }
    let warnings = recent
        .iter()
        .map(|s| format!("{}: {}", s.session.short(), s.why))
        .collect();
    let send = send
        .into_iter()
        .chain(recent.into_iter().map(|s| s.session))
        .collect();
    model.dialog = Some(Dialog::ConfirmBulkAnyway {
        target,
        key,
        send,
        warnings,
    });
}

/// Confirmed: every transfer gets its line in the log and the loop runs them. One run at a time.
pub(super) fn dispatch(
    model: &mut Model,
    target: Target,
    key: BulkKey,
    sessions: Vec<SessionId>,
) -> Option<Effect> {
    if model.bulk.as_ref().is_some_and(|run| !run.ended) {
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
        "sending {} conversation(s) to {target}",
        sessions.len()
    )));
    let mut requests = Vec::with_capacity(sessions.len());
    for session in sessions {
        let request = TransferRequest {
            id: TransferId::new(),
            session,
            target: target.clone(),
            note: None,
            reroute_of: None,
            bulk: Some(key.clone()),
        };
        model.ledger.insert(TransferRecord::new(
            request.clone(),
            Utc::now(),
            model.confirmations,
        ));
        model.show_transfer(request.id, Local::now());
        requests.push(request);
    }
    model.log.follow();
    model.bulk = Some(BulkRun {
        target: format!("{} {}", target.kind, target.name),
        single_target: Some(target.clone()),
        transfers: requests.iter().map(|r| r.id).collect(),
        stopped: false,
        ended: false,
    });
    model.conversations.clear_marks();
    model.used(&target.id);
    model.picker.avoid(None);
    model.picker.reset();
    model.session.clear();
    model.focus = Focus::Session;
    Some(Effect::DispatchBulk { requests })
}

/// The run ended: those never handed out were not sent, and say so.
pub(super) fn ended(model: &mut Model, unsent: Vec<TransferId>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for id in unsent {
        let failed = crate::transfer::Outcome::Failed {
            http_status: None,
            reason: crate::transfer::FailureReason::NotSent,
            message: "not sent: the run was stopped before its turn".into(),
        };
        let update =
            crate::transfer::TransferUpdate::now(id, crate::transfer::Progress::Finished(failed));
        effects.extend(super::lifecycle::progressed(model, update));
    }
    if let Some(run) = &mut model.bulk {
        run.ended = true;
    }
    effects
}

/// Esc with nothing left to clear: a run under way asks before it is stopped; an ended one's
/// bar goes away.
pub(super) fn back_out(model: &mut Model) {
    match &model.bulk {
        Some(run) if !run.ended && !run.stopped => model.dialog = Some(Dialog::ConfirmStop),
        Some(run) if run.ended => model.bulk = None,
        _ => {}
    }
}

/// `y`: nothing more of the run is sent.
pub(super) fn stop(model: &mut Model) -> Option<Effect> {
    model.dialog = None;
    let run = model.bulk.as_mut()?;
    if run.ended {
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
    if !run.ended {
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
