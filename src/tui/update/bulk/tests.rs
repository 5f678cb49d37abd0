use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::tests::{
    assert_picker_starts_afresh, ctrl, key, reloaded_without, report, type_text,
};
use super::super::{Effect, Msg, update};
use crate::demo;
use crate::directory::Availability;
use crate::ids::ConversationStatus;
use crate::ids::SessionId;
use crate::platform::{AgentPresence, Capacity, Presence};
use crate::platform::{Conversation, ConversationList};
use crate::roster::Target;
use crate::transfer::{BulkDestination, Room};
use crate::transfer::{FailureReason, Outcome, Progress, TransferRequest, TransferState};
use crate::tui::clock::test_clock;
use crate::tui::conversations::tests::waiting;
use crate::tui::dialog::confirm_bulk::ConfirmBulk;
use crate::tui::dialog::confirm_bulk_anyway::ConfirmBulkAnyway;
use crate::tui::dialog::confirm_stop::ConfirmStop;
use crate::tui::model::{Focus, Model};
use crate::tui::transfer_log::{EntryKind, Notice};

fn session(n: u32) -> SessionId {
    waiting(n, "", 0, None).session
}

/// A console that has read four conversations (the fourth already closed) and has the first
/// three and the closed one marked, by a paste.
fn marked() -> Model {
    let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
    let mut closed = waiting(4, "Tech", 50, None);
    closed.status = Some(ConversationStatus::Closed);
    let four = vec![
        waiting(1, "Tech", 300, None),
        waiting(2, "Tech", 200, None),
        waiting(3, "Tech", 100, None),
        closed,
    ];
    update(&mut model, read(four));
    let pasted: Vec<String> = (1..=4).map(|n| session(n).to_string()).collect();
    update(&mut model, Msg::Paste(pasted.join("\n")));
    model
}

/// Enter, the Billing queue, Enter: the one confirmation.
fn to_billing(model: &mut Model) {
    key(model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    type_text(model, "billing");
    key(model, KeyCode::Enter);
}

fn dispatched(effect: Option<Effect>) -> Vec<TransferRequest> {
    match effect {
        Some(Effect::DispatchBulk { requests, .. }) => requests,
        other => panic!("expected a run, got {other:?}"),
    }
}

fn finish(model: &mut Model, request: &TransferRequest, outcome: Outcome) {
    report(model, request.id, Progress::Finished(outcome));
}

/// The platform's answer for one it took at once.
fn accepted() -> Outcome {
    Outcome::Transferred {
        request_completed_at: None,
    }
}

/// The marked three sent to Billing, each accepted, and the run ended.
fn all_moved_to_billing(model: &mut Model) -> Vec<TransferRequest> {
    to_billing(model);
    let requests = dispatched(key(model, KeyCode::Char('y')));
    for request in &requests {
        finish(model, request, accepted());
    }
    update(model, Msg::BulkEnded { unsent: Vec::new() });
    requests
}

/// A fresh read of the conversation list that brings these.
fn read(conversations: Vec<Conversation>) -> Msg {
    let list = ConversationList {
        conversations,
        notes: Vec::new(),
    };
    Msg::Conversations(Ok(list), None)
}

#[test]
fn one_confirmation_names_the_count_and_the_target_and_leaves_out_what_ended() {
    let mut model = marked();
    to_billing(&mut model);
    let Some(ConfirmBulk { send, skipped, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert_eq!(send, &[session(1), session(2), session(3)]);
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].why.contains("already ended (closed)"),
        "{skipped:?}"
    );

    // Enter opened it: a second Enter, typed out of habit, sends nothing.
    assert!(key(&mut model, KeyCode::Enter).is_none());
    assert!(model.showing::<ConfirmBulk>().is_some());
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.bulk.is_some() && r.target.name == "Billing")
    );
    assert!(model.conversations.marked().is_empty());
    let run = model.bulk.as_ref().unwrap();
    assert_eq!(run.counts(&model.ledger).waiting, 3);
    for request in &requests {
        assert!(model.transfer(request.id).is_some(), "each has its line");
    }
}

#[test]
fn recently_moved_ones_are_left_out_unless_included_after_a_second_y() {
    let mut model = marked();
    all_moved_to_billing(&mut model);
    // The same three again, to another queue: each was moved a moment ago.
    let pasted: Vec<String> = (1..=3).map(|n| session(n).to_string()).collect();
    update(&mut model, Msg::Paste(pasted.join(" ")));
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "retention");
    key(&mut model, KeyCode::Enter);
    let Some(ConfirmBulk { send, recent, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert!(send.is_empty());
    assert_eq!(recent.len(), 3);
    key(&mut model, KeyCode::Char('i'));
    assert!(model.showing::<ConfirmBulkAnyway>().is_some());
    assert!(key(&mut model, KeyCode::Enter).is_none(), "only y sends");
    assert!(model.dialog.is_some());
    assert_eq!(dispatched(key(&mut model, KeyCode::Char('y'))).len(), 3);
}

#[test]
fn esc_asks_before_a_run_is_stopped_and_what_was_never_sent_says_so() {
    let mut model = marked();
    to_billing(&mut model);
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    key(&mut model, KeyCode::Esc);
    assert!(model.showing::<ConfirmStop>().is_some());
    assert!(key(&mut model, KeyCode::Esc).is_none(), "Esc lets it run");
    assert!(model.dialog.is_none());
    key(&mut model, KeyCode::Esc);
    assert!(matches!(
        key(&mut model, KeyCode::Char('y')),
        Some(Effect::StopBulk)
    ));

    finish(&mut model, &requests[0], accepted());
    finish(
        &mut model,
        &requests[1],
        Outcome::Failed {
            http_status: Some(404),
            reason: FailureReason::SessionEnded,
            message: "HTTP 404: gone".into(),
        },
    );
    update(
        &mut model,
        Msg::BulkEnded {
            unsent: vec![requests[2].id],
        },
    );
    // Not sent is its own state: no failure, nothing to look into.
    assert_eq!(
        model.transfer(requests[2].id).unwrap().state(),
        TransferState::NotSent
    );
    assert!(!model.unseen.contains(&requests[2].id));
    let counts = model.bulk.as_ref().unwrap().counts(&model.ledger);
    assert_eq!(
        (counts.good, counts.failed, counts.not_sent, counts.waiting),
        (1, 1, 1, 0)
    );

    // R in the log: the failed one and the one never sent are marked again, Billing marked as
    // the one to avoid.
    key(&mut model, KeyCode::BackTab);
    assert_eq!(model.focus, Focus::Log);
    key(&mut model, KeyCode::Char('R'));
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.conversations.marked(), [session(2), session(3)]);
    assert!(model.picker.avoids(&requests[0].target.id));
}

#[test]
fn a_single_transfer_during_a_run_goes_out_at_once() {
    let mut model = marked();
    to_billing(&mut model);
    dispatched(key(&mut model, KeyCode::Char('y')));
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    match key(&mut model, KeyCode::Char('y')) {
        Some(Effect::Dispatch(request)) => {
            assert_eq!(request.session.as_str(), "6538f8a3c9cf425ee5cf0a1b");
            assert!(request.bulk.is_none());
        }
        other => panic!("the single transfer is dispatched at once, got {other:?}"),
    }
}

#[test]
fn spread_over_marked_agents_by_free_chats_asks_again_before_going_over() {
    use crate::directory::Availability;
    use crate::platform::{AgentPresence, Capacity, Presence};
    let mut model = marked();
    let agents: Vec<_> = model.roster.targets()[..2].to_vec();
    let mut live = Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: model.clock.now.with_timezone(&chrono::Local),
        read_by: None,
    };
    // One free chat each: two of the three fit.
    for agent in &agents {
        let presence = AgentPresence {
            presence: Presence::Available,
            chat: Some(Capacity { used: 2, total: 3 }),
        };
        live.agents.insert(agent.id.clone(), presence);
    }
    update(&mut model, Msg::Availability(Ok(live)));
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    let ctrl_space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL);
    update(&mut model, Msg::Key(ctrl_space));
    key(&mut model, KeyCode::Down);
    update(&mut model, Msg::Key(ctrl_space));
    assert_eq!(model.marked_agents.len(), 2);
    key(&mut model, KeyCode::Enter);
    let Some(ConfirmBulk { to, send, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert_eq!(to.words(), "2 agents by free capacity");
    assert_eq!(to.beyond_capacity(send.len()), 1);
    assert!(key(&mut model, KeyCode::Char('y')).is_none(), "asked again");
    let Some(ConfirmBulkAnyway { warnings, .. }) = model.showing::<ConfirmBulkAnyway>() else {
        panic!("expected the second confirmation, got {:?}", model.dialog);
    };
    assert!(
        warnings[0].starts_with("1 of the 3 would go beyond the agents' free chats"),
        "{warnings:?}"
    );
    assert!(key(&mut model, KeyCode::Enter).is_none(), "only y sends");
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    let names: Vec<&str> = requests.iter().map(|r| r.target.name.as_str()).collect();
    assert_eq!(
        names,
        [
            agents[0].name.as_str(),
            agents[1].name.as_str(),
            agents[0].name.as_str()
        ],
        "one each while they have room, then in turn"
    );
    assert!(model.marked_agents.is_empty());
}

/// Who is free, as a refresh brings it: each agent of `free` available, with that many of its
/// three chats free.
fn free_chats(model: &mut Model, free: &[(&Target, u32)]) {
    let mut live = Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: model.clock.now.with_timezone(&chrono::Local),
        read_by: None,
    };
    for (agent, free) in free {
        let presence = AgentPresence {
            presence: Presence::Available,
            chat: Some(Capacity {
                used: 3 - free,
                total: 3,
            }),
        };
        live.agents.insert(agent.id.clone(), presence);
    }
    update(model, Msg::Availability(Ok(live)));
}

fn agent(model: &Model, name: &str) -> Target {
    model
        .roster
        .targets()
        .iter()
        .find(|t| t.name == name)
        .unwrap()
        .clone()
}

/// Enter, `dana`, Enter: the one confirmation of the marked ones to Dana Whitfield.
fn to_dana(model: &mut Model) {
    key(model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    type_text(model, "dana");
    key(model, KeyCode::Enter);
}

/// The warnings of the second confirmation, which must be open.
fn asked_again(model: &Model) -> &[String] {
    match model.showing::<ConfirmBulkAnyway>() {
        Some(asked) => &asked.warnings,
        None => panic!("expected the second confirmation, got {:?}", model.dialog),
    }
}

/// The probe's habit: Enter, Enter. A run of many to one agent is checked against the agent's
/// free chats as a spread is, and only `y` sends at either confirmation.
#[test]
fn many_to_one_agent_asks_again_naming_its_free_chats_and_enter_sends_nothing() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    free_chats(&mut model, &[(&dana, 1)]);
    to_dana(&mut model);
    let Some(ConfirmBulk { to, send, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert_eq!(to, &BulkDestination::Agent(dana.clone(), Room::Free(1)));
    assert_eq!(send.len(), 3);

    assert!(
        key(&mut model, KeyCode::Enter).is_none(),
        "Enter sends nothing"
    );
    assert!(
        model.showing::<ConfirmBulk>().is_some(),
        "and the confirmation stays open: {:?}",
        model.dialog
    );
    assert!(key(&mut model, KeyCode::Char('y')).is_none(), "asked again");
    assert_eq!(
        asked_again(&model),
        [
            "2 of the 3 would go beyond what Dana Whitfield can take (1 chat free): all go to them, over capacity"
        ]
    );
    assert!(key(&mut model, KeyCode::Enter).is_none(), "only y sends");
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.target == dana), "{requests:?}");
}

#[test]
fn esc_at_the_second_confirmation_sends_nothing() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    free_chats(&mut model, &[(&dana, 0)]);
    to_dana(&mut model);
    key(&mut model, KeyCode::Char('y'));
    assert!(asked_again(&model)[0].starts_with("3 of the 3 would go beyond"));
    assert!(key(&mut model, KeyCode::Esc).is_none());
    assert!(model.dialog.is_none());
    assert_eq!(model.ledger.records().count(), 0, "nothing sent");
    assert_eq!(model.conversations.marked().len(), 4, "the marks are kept");
}

/// No read of who is free has come yet: the agent's room is neither none nor any number, and
/// the second confirmation says so in words.
#[test]
fn an_agent_whose_free_chats_are_not_known_is_asked_about_in_words() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    to_dana(&mut model);
    let Some(ConfirmBulk { to, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert_eq!(to, &BulkDestination::Agent(dana.clone(), Room::Unknown));
    assert_eq!(
        to.capacity_note(3).as_deref(),
        Some("their free chats are not known (you will be asked again)")
    );
    assert!(key(&mut model, KeyCode::Char('y')).is_none(), "asked again");
    assert_eq!(
        asked_again(&model),
        [
            "Dana Whitfield's free chats are not known (no read of who is free has named them yet): all 3 go to them, whatever they can take"
        ]
    );
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    assert!(requests.iter().all(|r| r.target == dana));
}

#[test]
fn many_that_fit_the_agents_free_chats_go_on_the_first_y_and_a_queue_takes_any_number() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    free_chats(&mut model, &[(&dana, 3)]);
    to_dana(&mut model);
    assert_eq!(dispatched(key(&mut model, KeyCode::Char('y'))).len(), 3);

    let mut model = marked();
    to_billing(&mut model);
    let Some(ConfirmBulk { to, send, .. }) = model.showing::<ConfirmBulk>() else {
        panic!("expected the bulk confirmation, got {:?}", model.dialog);
    };
    assert!(matches!(to, BulkDestination::Queue(_)), "{to:?}");
    assert_eq!(to.capacity_warnings(send.len() * 100), Vec::<String>::new());
}

/// The demo conversations read again: the first of them has ended meanwhile.
fn first_conversation_ended() -> Msg {
    let mut ended = waiting(1, "Tech", 300, None);
    ended.status = Some(ConversationStatus::Closed);
    read(vec![ended, waiting(2, "Tech", 200, None)])
}

/// Refreshes come while the confirmation is open: who is free, the roster, the conversation
/// list. The picker's order and highlight move, the agent's free chats change; what is sent is
/// still what the confirmation showed, checked by the figures it showed.
#[test]
fn a_refresh_behind_the_confirmation_changes_neither_the_target_nor_the_figures() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    let grace = agent(&model, "Grace Liu");
    free_chats(&mut model, &[(&dana, 1), (&grace, 3)]);
    key(&mut model, KeyCode::Enter);
    ctrl(&mut model, 't');
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<ConfirmBulk>().is_some());

    free_chats(&mut model, &[(&dana, 3), (&grace, 0)]);
    update(&mut model, reloaded_without("Dana Whitfield"));
    update(&mut model, first_conversation_ended());
    assert_ne!(
        model.picker.highlighted(&model.roster).map(|t| &t.id),
        Some(&dana.id),
        "the picker moved behind the dialog"
    );

    key(&mut model, KeyCode::Char('y'));
    assert_eq!(
        asked_again(&model),
        [
            "2 of the 3 would go beyond what Dana Whitfield can take (1 chat free): all go to them, over capacity"
        ],
        "the figures shown, not the refreshed ones"
    );
    free_chats(&mut model, &[(&dana, 0)]);
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    let sent: Vec<(&SessionId, &Target)> =
        requests.iter().map(|r| (&r.session, &r.target)).collect();
    assert_eq!(
        sent,
        [
            (&session(1), &dana),
            (&session(2), &dana),
            (&session(3), &dana)
        ]
    );
}

/// `i` after a refresh: the recently moved ones go where the confirmation said, checked by the
/// free chats it showed.
#[test]
fn including_the_recent_ones_after_a_refresh_keeps_the_target_shown() {
    let mut model = marked();
    all_moved_to_billing(&mut model);
    let pasted: Vec<String> = (1..=3).map(|n| session(n).to_string()).collect();
    update(&mut model, Msg::Paste(pasted.join(" ")));
    let dana = agent(&model, "Dana Whitfield");
    free_chats(&mut model, &[(&dana, 2)]);
    to_dana(&mut model);

    free_chats(&mut model, &[(&dana, 3)]);
    update(&mut model, reloaded_without("Dana Whitfield"));
    key(&mut model, KeyCode::Char('i'));
    let warnings = asked_again(&model);
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert_eq!(
        warnings[3],
        "1 of the 3 would go beyond what Dana Whitfield can take (2 chats free): all go to them, over capacity"
    );
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.target == dana));
}

/// Spread over marked agents, a refresh meanwhile does not change who gets how many: the run
/// goes by the free chats the confirmation showed.
#[test]
fn a_spread_goes_by_the_free_chats_its_confirmation_showed() {
    let mut model = marked();
    let agents: Vec<Target> = model.roster.targets()[..2].to_vec();
    free_chats(&mut model, &[(&agents[0], 1), (&agents[1], 1)]);
    key(&mut model, KeyCode::Enter);
    let ctrl_x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
    update(&mut model, Msg::Key(ctrl_x));
    key(&mut model, KeyCode::Down);
    update(&mut model, Msg::Key(ctrl_x));
    key(&mut model, KeyCode::Enter);

    // Were these used, all three would go to the second agent without asking.
    free_chats(&mut model, &[(&agents[0], 0), (&agents[1], 3)]);
    update(&mut model, reloaded_without(&agents[0].name));
    key(&mut model, KeyCode::Char('y'));
    assert!(
        asked_again(&model)[0].starts_with("1 of the 3 would go beyond the agents' free chats")
    );
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    let names: Vec<&str> = requests.iter().map(|r| r.target.name.as_str()).collect();
    assert_eq!(
        names,
        [
            agents[0].name.as_str(),
            agents[1].name.as_str(),
            agents[0].name.as_str()
        ]
    );
}

/// A spread whose agent has no known free chats counts them as none, and says so.
#[test]
fn a_spread_counts_an_agent_of_unknown_free_chats_as_none_and_says_so() {
    let mut model = marked();
    let agents: Vec<Target> = model.roster.targets()[..2].to_vec();
    free_chats(&mut model, &[(&agents[0], 1)]);
    key(&mut model, KeyCode::Enter);
    let ctrl_space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL);
    update(&mut model, Msg::Key(ctrl_space));
    key(&mut model, KeyCode::Down);
    update(&mut model, Msg::Key(ctrl_space));
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Char('y'));
    assert_eq!(
        asked_again(&model),
        [format!(
            "2 of the 3 would go beyond the agents' free chats ({}: free chats not known, counted as none): they go to the agents in turn, over capacity",
            agents[1].name
        )]
    );
}

/// After a run is sent the picker starts afresh: no filter, no toggles, no marked agents, the
/// highlight on the first target.
#[test]
fn after_a_run_the_picker_starts_afresh() {
    let mut model = marked();
    let dana = agent(&model, "Dana Whitfield");
    free_chats(&mut model, &[(&dana, 3)]);
    key(&mut model, KeyCode::Enter);
    ctrl(&mut model, 'o');
    ctrl(&mut model, 't');
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    dispatched(key(&mut model, KeyCode::Char('y')));

    assert_picker_starts_afresh(&model);
}

/// Those a stopped run never sent are not failures: no bell, nothing to look at, counted apart
/// in the bar, not listed by the log's "failed"; `R` offers them again.
#[test]
fn not_sent_is_no_failure_but_may_be_sent_again() {
    let mut model = marked();
    to_billing(&mut model);
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    key(&mut model, KeyCode::Esc);
    key(&mut model, KeyCode::Char('y'));
    finish(
        &mut model,
        &requests[0],
        Outcome::Failed {
            http_status: Some(404),
            reason: FailureReason::SessionEnded,
            message: "HTTP 404: gone".into(),
        },
    );
    assert!(model.take_bell(), "the failure rings");
    update(
        &mut model,
        Msg::BulkEnded {
            unsent: vec![requests[1].id, requests[2].id],
        },
    );
    assert!(!model.take_bell(), "what was not sent does not ring");
    assert_eq!(model.unseen.len(), 1, "only the failure needs a look");
    let counts = model.bulk.as_ref().unwrap().counts(&model.ledger);
    assert_eq!((counts.failed, counts.not_sent), (1, 2));

    let listed = |model: &Model, query: &str| {
        let filter = crate::tui::transfer_log::LogFilter::new(&model.ledger, query, false);
        model
            .log
            .shown(|entry| filter.lets_through(entry))
            .filter_map(|entry| match entry.kind {
                crate::tui::transfer_log::EntryKind::Transfer(id) => Some(id),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(listed(&model, "failed"), [requests[0].id]);
    assert_eq!(listed(&model, "not sent"), [requests[1].id, requests[2].id]);

    key(&mut model, KeyCode::BackTab);
    key(&mut model, KeyCode::Char('R'));
    assert_eq!(
        model.conversations.marked(),
        [session(1), session(2), session(3)]
    );
}

/// Once a run ends, a fresh read of the list says which of its conversations still wait where
/// they were, and why: nothing of the run is left behind in silence.
#[test]
fn after_a_run_the_next_read_says_what_still_waits_where_it_was() {
    let mut model = marked();
    to_billing(&mut model);
    let requests = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(requests.len(), 3);
    let billing = requests[0].target.id.clone();
    finish(&mut model, &requests[0], accepted());
    finish(
        &mut model,
        &requests[1],
        Outcome::not_sent(
            FailureReason::InFlightElsewhere,
            "in flight in another run since 14:03:10, to queue Billing",
        ),
    );
    finish(&mut model, &requests[2], accepted());
    let ended = update(&mut model, Msg::BulkEnded { unsent: Vec::new() });
    assert!(
        matches!(&ended, Some(Effect::Many(effects)) if matches!(effects[..], [Effect::AskReads])),
        "a fresh read is asked for: {ended:?}"
    );
    // The first moved to Billing; the second still waits in Tech; the third did not move yet.
    let mut moved = waiting(1, "Billing", 1, None);
    moved.queue.as_mut().unwrap().id = Some(billing);
    let still = || {
        vec![
            moved.clone(),
            waiting(2, "Tech", 260, None),
            waiting(3, "Tech", 160, None),
        ]
    };
    update(&mut model, read(still()));
    let last = |model: &Model| model.log.entries().last().unwrap().kind.clone();
    let said = last(&model);
    assert_eq!(
        said,
        EntryKind::Notice(Notice::Warning(
            "of the run's 3 conversation(s), 2 still wait where they were: 1 accepted, the platform has not moved it yet; 1 not sent: another run has it".into()
        )),
    );
    // Said once.
    update(&mut model, read(still()));
    assert_eq!(last(&model), said);
}

/// A run whose conversations all left their queues adds nothing: each one's line says so.
#[test]
fn after_a_run_that_moved_everything_nothing_more_is_said() {
    let mut model = marked();
    all_moved_to_billing(&mut model);
    let entries = model.log.entries().count();
    let in_billing = (1..=3).map(|n| waiting(n, "Billing", 1, None)).collect();
    update(&mut model, read(in_billing));
    assert_eq!(model.log.entries().count(), entries);
}

/// One still waiting for its callback is not called left behind: its callback will say.
#[test]
fn after_a_run_one_awaiting_its_callback_is_not_called_left_behind() {
    let mut model = marked();
    model.confirmations = true;
    all_moved_to_billing(&mut model);
    let entries = model.log.entries().count();
    let still = (1..=3).map(|n| waiting(n, "Tech", 100, None)).collect();
    update(&mut model, read(still));
    assert_eq!(model.log.entries().count(), entries);
}
