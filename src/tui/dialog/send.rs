//! Sending what a confirmation confirmed: one transfer, or a run of many. Each goes in the ledger
//! and the log before the event loop is asked to run it, and the console makes ready for the
//! next one.

use crate::ids::SessionId;
use crate::roster::Target;
use crate::transfer::BulkDestination;
use crate::transfer::{
    BulkKey, FailureReason, RECENT_MOVE, TransferId, TransferRecord, TransferRequest,
};
use crate::tui::bulk::{BulkRun, LeftCheck};
use crate::tui::effect::Effect;
use crate::tui::model::{Focus, Model};
use crate::tui::transfer_log::Notice;

/// One transfer of `session` to `target`. `confirmed_recent`: the supervisor was warned of a
/// recent move and confirmed.
pub(super) fn one(
    model: &mut Model,
    session: SessionId,
    target: Target,
    note: Option<String>,
    confirmed_recent: bool,
) -> Effect {
    let takes_over = held_by_teammate(model, &session).is_some();
    let reroute_of = model
        .rerouting
        .take()
        .filter(|reroute| reroute.session == session)
        .map(|reroute| reroute.of);
    let request = TransferRequest {
        id: TransferId::new(),
        session,
        target,
        note,
        reroute_of,
        bulk: None,
        confirmed_recent,
    };
    let id = request.id;
    let now = model.clock.now;
    model.ledger.insert_as_of(
        TransferRecord::new(request.clone(), now, model.confirmations),
        now,
    );
    model.show_transfer(id, now);
    model.log.follow();
    model.conversations.back_to_top();
    model.session.clear();
    model.session_error = None;
    model.used(&request.target.id);
    model.reset_picker();
    model.focus = Focus::Session;
    if takes_over {
        Effect::TakeOver(request)
    } else if model.send_unclaimed.take() == Some(true) {
        Effect::SendUnclaimed(request)
    } else {
        model.send_unclaimed = None;
        Effect::Dispatch(request)
    }
}

/// When the supervisor re-routes a transfer that was not sent because a teammate holds its
/// session (team mode), the words that said who and where: sending now takes it over.
pub(super) fn held_by_teammate(model: &Model, session: &SessionId) -> Option<String> {
    let reroute = model.rerouting.as_ref().filter(|r| r.session == *session)?;
    let record = model.transfer(reroute.of)?;
    (record.reason() == Some(FailureReason::HeldByTeammate))
        .then(|| record.outcome.as_ref()?.message().map(str::to_owned))
        .flatten()
}

/// A run of many, confirmed: every transfer gets its line in the log and the loop runs them. One
/// run at a time. Each goes to the target the confirmation named; spread over agents, to the one
/// with the most free chats as the confirmation showed them, and past everyone's capacity (which
/// was confirmed) to the agents in turn.
pub(super) fn many(
    model: &mut Model,
    to: BulkDestination,
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
    // Going beyond the free chats was confirmed, or none goes beyond them.
    let mut assignment = to.assignment(true);
    let mut requests = Vec::with_capacity(sessions.len());
    for session in sessions {
        let Some(target) = assignment.next_target() else {
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
    model.conversations.back_to_top();
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

/// "moved 3m ago to queue Billing by Ana, per the platform", if the list says so.
pub(super) fn moved_on_the_platform(model: &Model, session: &SessionId) -> Option<String> {
    let last = model.conversations.get(session)?.last_move()?;
    let now = model.clock.now;
    let at = last.at.filter(|at| *at >= now - RECENT_MOVE)?;
    Some(crate::platform::moved_on_the_platform(last, at, now))
}
