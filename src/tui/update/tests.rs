//! The console's behaviour, driven by messages alone: no terminal, no network.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::demo;
use crate::roster::{RosterChange, Target};
use crate::transfer::{
    FailureReason, Outcome, Progress, Settlement, TransferRequest, TransferState,
};
use crate::tui::clock::test_clock;
use crate::tui::dialog::confirm::Confirm;
use crate::tui::dialog::confirm_anyway::ConfirmAnyway;
use crate::tui::dialog::confirm_bulk::ConfirmBulk;
use crate::tui::dialog::confirm_delete::ConfirmDelete;
use crate::tui::dialog::detail::Detail;
use crate::tui::dialog::help::{self, Help, HelpLine};
use crate::tui::dialog::quit_while_sending::QuitWhileSending;
use crate::tui::dialog::send_unclaimed::SendUnclaimed;
use crate::tui::dialog::sync_preview::SyncPreview;
use crate::tui::dialog::target_form::TargetForm;

const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";

fn model() -> Model {
    Model::new(demo::roster(), "test".into(), Vec::new(), test_clock())
}

pub(super) fn key(model: &mut Model, code: KeyCode) -> Option<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(super) fn ctrl(model: &mut Model, c: char) -> Option<Effect> {
    update(
        model,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn alt(model: &mut Model, c: char) -> Option<Effect> {
    update(
        model,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)),
    )
}

pub(super) fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        assert!(key(model, KeyCode::Char(c)).is_none());
    }
}

/// A step of transfer `id`, as the engine reports it at the model's time.
pub(super) fn report(model: &mut Model, id: TransferId, progress: Progress) -> Option<Effect> {
    let at = model.clock.now;
    update(model, Msg::Transfer(TransferUpdate { id, progress, at }))
}

fn dispatched(effect: Option<Effect>) -> TransferRequest {
    match effect {
        Some(Effect::Dispatch(request)) => request,
        other => panic!("expected a dispatch, got {other:?}"),
    }
}

/// The picker as a new transfer finds it: no filter, no sort or marks, the first target.
pub(super) fn assert_picker_starts_afresh(model: &Model) {
    assert!(model.picker.filter.is_empty());
    assert!(!model.free_only && !model.by_load);
    assert!(model.marked_agents.is_empty());
    assert_eq!(model.picker.matches().len(), model.roster.targets().len());
    assert_eq!(model.picker.selected(), 0);
}

#[test]
fn the_fast_path_session_target_confirm() {
    let mut model = model();
    assert_eq!(model.focus, Focus::Session);
    update(&mut model, Msg::Paste(format!("  {SESSION}\n")));
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    type_text(&mut model, "priya");
    key(&mut model, KeyCode::Enter);
    let Some(Confirm {
        session, target, ..
    }) = model.showing::<Confirm>()
    else {
        panic!("expected the confirmation, got {:?}", model.dialog);
    };
    assert_eq!(session.as_str(), SESSION);
    assert_eq!(target.name, "Priya Raghunathan");

    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(request.target.name, "Priya Raghunathan");
    assert_eq!(request.session.as_str(), SESSION);
    // Ready for the next conversation.
    assert_eq!(model.focus, Focus::Session);
    assert!(model.session.is_empty());
    assert!(model.picker.filter.is_empty());
    assert!(model.dialog.is_none());
    assert_eq!(model.in_flight().count(), 1);
}

#[test]
fn an_invalid_session_id_says_why_and_keeps_focus() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf");
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Session);
    let error = model.session_error.clone().unwrap();
    assert!(
        error.contains("24 hex characters; this one has 12"),
        "{error}"
    );
    // Typing again clears the complaint.
    type_text(&mut model, "0");
    assert!(model.session_error.is_none());
}

#[test]
fn enter_sends_and_n_or_esc_cancels() {
    for cancel in [KeyCode::Char('n'), KeyCode::Esc] {
        let mut model = model();
        type_text(&mut model, SESSION);
        key(&mut model, KeyCode::Enter);
        key(&mut model, KeyCode::Enter);
        assert!(model.showing::<Confirm>().is_some());
        assert!(key(&mut model, cancel).is_none());
        assert!(model.dialog.is_none());
        assert_eq!(model.focus, Focus::Picker);
        assert_eq!(
            model.session.value(),
            SESSION,
            "cancelling keeps the session"
        );
        assert_eq!(model.in_flight().count(), 0);
    }
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    dispatched(key(&mut model, KeyCode::Enter));
}

#[test]
fn choosing_without_a_session_goes_back_to_the_field() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.focus, Focus::Picker);
    key(&mut model, KeyCode::Enter);
    assert!(model.dialog.is_none());
    assert_eq!(model.focus, Focus::Session);
    assert!(
        model
            .session_error
            .as_deref()
            .unwrap()
            .starts_with("enter a session id first")
    );
}

#[test]
fn the_picker_moves_with_arrows_and_ctrl_keys() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Down);
    ctrl(&mut model, 'n');
    assert_eq!(model.picker.selected(), 2);
    ctrl(&mut model, 'p');
    assert_eq!(model.picker.selected(), 1);
    key(&mut model, KeyCode::Up);
    key(&mut model, KeyCode::Up);
    assert_eq!(model.picker.selected(), 0);
}

#[test]
fn queues_are_in_the_same_list() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "after hours");
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(request.target.kind, crate::ids::TargetKind::Queue);
    assert_eq!(request.target.name, "After Hours");
}

#[test]
fn esc_in_the_picker_clears_the_filter_then_goes_back() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "zzzz");
    assert!(model.picker.matches().is_empty());
    key(&mut model, KeyCode::Esc);
    assert!(model.picker.filter.is_empty());
    assert_eq!(model.picker.matches().len(), model.roster.targets().len());
    key(&mut model, KeyCode::Esc);
    assert_eq!(model.focus, Focus::Session);
}

#[test]
fn tab_and_shift_tab_cycle_focus() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.focus, Focus::Log);
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.focus, Focus::Session);
    key(&mut model, KeyCode::BackTab);
    assert_eq!(model.focus, Focus::Log);
}

#[test]
fn question_mark_is_help_in_an_empty_session_field_and_text_after_something() {
    let mut model = model();
    key(&mut model, KeyCode::Char('?'));
    assert_eq!(model.showing::<Help>(), Some(&Help::new(Context::Session)));
    key(&mut model, KeyCode::Esc);
    type_text(&mut model, "why?");
    assert_eq!(model.session.value(), "why?");
    assert!(model.dialog.is_none());
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Char('?'));
    assert_eq!(
        model.picker.filter.value(),
        "?",
        "the picker's filter takes it"
    );
    assert!(model.dialog.is_none());
}

#[test]
fn help_opens_over_a_dialog_and_gives_it_back() {
    let mut model = model();
    update(&mut model, Msg::Paste(SESSION.into()));
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<Confirm>().is_some());
    key(&mut model, KeyCode::Char('?'));
    let help = model.showing::<Help>().expect("help over the confirmation");
    assert_eq!(help.from, Context::Confirm);
    type_text(&mut model, "send");
    key(&mut model, KeyCode::Esc);
    assert!(model.showing::<Help>().is_some(), "Esc cleared the filter");
    key(&mut model, KeyCode::Esc);
    assert!(
        model.showing::<Confirm>().is_some(),
        "back to the confirmation"
    );
    key(&mut model, KeyCode::F(1));
    key(&mut model, KeyCode::F(1));
    assert!(
        model.showing::<Confirm>().is_some(),
        "F1 twice: there and back"
    );
}

#[test]
fn ctrl_l_redraws_the_whole_screen() {
    let mut model = model();
    type_text(&mut model, "abc");
    let step = step(
        &mut model,
        test_clock().now,
        Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL)),
        || None,
    );
    assert!(step.redraw);
    assert!(step.effects.is_empty());
    assert_eq!(model.session.value(), "abc", "nothing else changes");
}

#[test]
fn the_picker_s_filter_edits_as_a_shell_does() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "tech support");
    ctrl(&mut model, 'a');
    ctrl(&mut model, 'd');
    assert_eq!(model.picker.filter.value(), "ech support");
    alt(&mut model, 'f');
    ctrl(&mut model, 'k');
    assert_eq!(model.picker.filter.value(), "ech");
    ctrl(&mut model, 'e');
    type_text(&mut model, "!");
    ctrl(&mut model, 'b');
    ctrl(&mut model, 'b');
    type_text(&mut model, "-");
    assert_eq!(model.picker.filter.value(), "ec-h!");
    alt(&mut model, 'b');
    ctrl(&mut model, 'f');
    type_text(&mut model, "t");
    assert_eq!(model.picker.filter.value(), "etc-h!");
    assert!(model.dialog.is_none(), "no editing key opens a form");
}

#[test]
fn question_mark_and_f1_open_help_in_the_log() {
    let mut model = model();
    key(&mut model, KeyCode::BackTab);
    key(&mut model, KeyCode::Char('?'));
    assert_eq!(model.showing::<Help>(), Some(&Help::new(Context::Log)));
    key(&mut model, KeyCode::Esc);
    assert!(model.dialog.is_none());
    key(&mut model, KeyCode::F(1));
    assert!(model.showing::<Help>().is_some());
}

#[test]
fn ctrl_c_quits_at_once_when_idle() {
    let mut model = model();
    assert!(matches!(ctrl(&mut model, 'c'), Some(Effect::Quit)));
}

#[test]
fn ctrl_c_asks_first_while_a_transfer_is_in_flight() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));

    assert!(ctrl(&mut model, 'c').is_none());
    assert!(model.showing::<QuitWhileSending>().is_some());
    assert!(key(&mut model, KeyCode::Char('n')).is_none());
    assert!(model.dialog.is_none());

    report(
        &mut model,
        request.id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: Some(1_698_825_180_041),
        }),
    );
    assert_eq!(model.in_flight().count(), 0);
    assert!(matches!(ctrl(&mut model, 'c'), Some(Effect::Quit)));
}

#[test]
fn transfer_updates_move_the_log_entry() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Enter));
    let state = |model: &Model| model.transfer(request.id).unwrap().state();
    assert_eq!(state(&model), TransferState::Queued);
    for (progress, expected) in [
        (
            Progress::Sending {
                request: "POST …".into(),
            },
            TransferState::Sending,
        ),
        (
            Progress::Finished(Outcome::Failed {
                http_status: Some(404),
                reason: FailureReason::SessionEnded,
                message: "HTTP 404: Conversation not found".into(),
            }),
            TransferState::Failed,
        ),
    ] {
        report(&mut model, request.id, progress);
        assert_eq!(state(&model), expected);
    }
}

#[test]
fn the_log_scrolls_and_returns_to_the_newest() {
    let mut model = model();
    for n in 0..30 {
        model.notice(crate::tui::transfer_log::Notice::Info(format!(
            "notice {n}"
        )));
    }
    key(&mut model, KeyCode::BackTab);
    let highlighted = |model: &Model| match &model.highlighted_entry().unwrap().kind {
        EntryKind::Notice(crate::tui::transfer_log::Notice::Info(text)) => text.clone(),
        other => panic!("{other:?}"),
    };
    key(&mut model, KeyCode::Char('k'));
    key(&mut model, KeyCode::PageUp);
    assert_eq!(highlighted(&model), "notice 18");
    model.notice(crate::tui::transfer_log::Notice::Info(
        "arrives meanwhile".into(),
    ));
    assert_eq!(highlighted(&model), "notice 18", "the highlight stays put");
    key(&mut model, KeyCode::Char('g'));
    assert_eq!(highlighted(&model), "notice 0");
    key(&mut model, KeyCode::Char('G'));
    assert_eq!(highlighted(&model), "arrives meanwhile");
}

#[test]
fn slash_filters_the_log_by_state_name_or_the_end_of_an_id() {
    let mut model = model();
    let mut send_to = |session: &str, filter: &str, outcome: Outcome| {
        type_text(&mut model, session);
        key(&mut model, KeyCode::Enter);
        type_text(&mut model, filter);
        key(&mut model, KeyCode::Enter);
        let request = dispatched(key(&mut model, KeyCode::Char('y')));
        let finished = Progress::Finished(outcome);
        report(&mut model, request.id, finished);
    };
    let accepted = || Outcome::Transferred {
        request_completed_at: None,
    };
    let refused = || Outcome::Failed {
        http_status: Some(404),
        reason: FailureReason::SessionEnded,
        message: "HTTP 404: closed".into(),
    };
    send_to("c0ffee00aaaaaaaaaa111111", "dana", accepted());
    send_to("c0ffee00aaaaaaaaaa222222", "billing", refused());
    send_to("c0ffee00aaaaaaaaaa333333", "dana", refused());
    key(&mut model, KeyCode::BackTab);
    assert_eq!(model.context(), Context::Log);
    let shown = |model: &Model| {
        let filter = model.log_filter();
        model
            .log
            .shown(|entry| filter.lets_through(entry))
            .filter_map(|entry| match entry.kind {
                EntryKind::Transfer(id) => {
                    Some(model.transfer(id).unwrap().request.session.to_string())
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };

    key(&mut model, KeyCode::Char('/'));
    assert_eq!(model.context(), Context::LogFilter);
    type_text(&mut model, "FAILED dana");
    assert_eq!(shown(&model), ["c0ffee00aaaaaaaaaa333333"]);
    model.log_query.clear();
    type_text(&mut model, "222222");
    assert_eq!(shown(&model), ["c0ffee00aaaaaaaaaa222222"]);

    // Enter keeps the filter and gives the keys back to the log: Enter opens the match.
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.context(), Context::Log);
    key(&mut model, KeyCode::Enter);
    let Some(&Detail { transfer, .. }) = model.showing::<Detail>() else {
        panic!("no detail: {:?}", model.dialog);
    };
    assert_eq!(
        model.transfer(transfer).unwrap().request.session.as_str(),
        "c0ffee00aaaaaaaaaa222222"
    );
    key(&mut model, KeyCode::Esc);

    // Esc in the log clears the filter first, then goes back to the session field.
    key(&mut model, KeyCode::Esc);
    assert_eq!(shown(&model).len(), 3);
    assert_eq!(model.focus, Focus::Log);
    key(&mut model, KeyCode::Esc);
    assert_eq!(model.focus, Focus::Session);
}

#[test]
fn editing_keys_work_in_text_fields() {
    let mut model = model();
    type_text(&mut model, "abc def");
    ctrl(&mut model, 'w');
    assert_eq!(model.session.value(), "abc ");
    key(&mut model, KeyCode::Home);
    key(&mut model, KeyCode::Delete);
    assert_eq!(model.session.value(), "bc ");
    ctrl(&mut model, 'u');
    assert!(model.session.is_empty());
}

fn saved(effect: Option<Effect>) -> RosterChange {
    match effect {
        Some(Effect::SaveRoster(change)) => change,
        other => panic!("expected a roster save, got {other:?}"),
    }
}

#[test]
fn ctrl_g_marks_the_highlighted_target_a_favourite() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Down);
    let change = saved(ctrl(&mut model, 'g'));
    let marcus = model.roster.targets()[1].id.clone();
    assert_eq!(change, RosterChange::ToggleFavourite(marcus));
}

#[test]
fn adding_a_target_through_the_form() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Insert);
    assert!(model.showing::<TargetForm>().is_some());
    type_text(&mut model, "a-1234567-0000-4000-8000-000000000001");
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "Nadia Haddad");
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "Billing");
    let change = saved(key(&mut model, KeyCode::Enter));
    let RosterChange::Add(target, shape) = change else {
        panic!("expected an add, got {change:?}");
    };
    assert_eq!(target.name, "Nadia Haddad");
    assert_eq!(target.team.as_deref(), Some("Billing"));
    assert_eq!(target.kind, crate::ids::TargetKind::Agent);
    assert_eq!(shape, crate::roster::Shape::Checked);
    assert!(model.dialog.is_none());
}

#[test]
fn the_form_explains_a_problem_and_stays_open() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Insert);
    let dana = model.roster.targets()[0].id.clone();
    type_text(&mut model, &dana);
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "Someone");
    assert!(key(&mut model, KeyCode::Enter).is_none());
    let Some(form) = model.showing::<TargetForm>() else {
        panic!("the form closed");
    };
    assert!(
        form.problem
            .as_deref()
            .unwrap()
            .contains("already in the roster")
    );
    // Esc leaves without saving.
    assert!(key(&mut model, KeyCode::Esc).is_none());
    assert!(model.dialog.is_none());
}

#[test]
fn space_and_ctrl_t_switch_the_kind() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    alt(&mut model, 'a');
    key(&mut model, KeyCode::BackTab);
    key(&mut model, KeyCode::Char(' '));
    let kind = |model: &Model| model.showing::<TargetForm>().expect("the form").kind;
    assert_eq!(kind(&model), crate::ids::TargetKind::Queue);
    ctrl(&mut model, 't');
    assert_eq!(kind(&model), crate::ids::TargetKind::Agent);
}

#[test]
fn editing_starts_from_the_highlighted_target() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::F(4));
    let dana = model.roster.targets()[0].clone();
    // The edit form opens on the id, as the add form does: Tab goes on to the name.
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, " W.");
    let change = saved(key(&mut model, KeyCode::Enter));
    assert_eq!(
        change,
        RosterChange::Replace {
            id: dana.id.clone(),
            target: Target {
                name: "Dana Whitfield W.".into(),
                ..dana
            },
            shape: crate::roster::Shape::Checked,
        }
    );
}

#[test]
fn delete_asks_first() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    assert!(key(&mut model, KeyCode::F(8)).is_none());
    let Some(ConfirmDelete { target }) = model.showing::<ConfirmDelete>().cloned() else {
        panic!("expected the delete confirmation");
    };
    assert!(key(&mut model, KeyCode::Char('n')).is_none());
    assert!(model.dialog.is_none());
    alt(&mut model, 'd');
    assert_eq!(
        saved(key(&mut model, KeyCode::Char('y'))),
        RosterChange::Remove(target.id)
    );
}

#[test]
fn a_saved_roster_replaces_the_picker_and_says_so() {
    let mut model = model();
    let mut roster = model.roster.clone();
    roster.remove(&roster.targets()[0].id.clone()).unwrap();
    update(
        &mut model,
        Msg::RosterSaved(Ok(RosterSaved {
            roster,
            summary: "removed agent Dana Whitfield".into(),
            merged_hand_edit: true,
        })),
    );
    assert_eq!(model.picker.matches().len(), 25);
    let notices: Vec<String> = model
        .log
        .entries()
        .filter_map(|e| match &e.kind {
            EntryKind::Notice(n) => Some(format!("{n:?}")),
            _ => None,
        })
        .collect();
    assert!(
        notices[0].contains("changed outside handoff"),
        "{notices:?}"
    );
    assert!(
        notices[1].contains("removed agent Dana Whitfield"),
        "{notices:?}"
    );
}

#[test]
fn a_broken_reload_keeps_the_roster() {
    let mut model = model();
    update(
        &mut model,
        Msg::RosterReloaded(Err("roster file x, line 3: invalid".into())),
    );
    assert_eq!(model.roster.targets().len(), 26);
    let last = model.log.entries().last().unwrap();
    assert!(
        matches!(&last.kind, EntryKind::Notice(crate::tui::transfer_log::Notice::Warning(w)) if w.contains("saves nothing until the file is fixed"))
    );
}

#[test]
fn a_transfer_moves_its_target_to_the_top() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "after hours");
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Char('y'));
    let first = model.picker.highlighted(&model.roster).unwrap();
    assert_eq!(first.name, "After Hours");
}

#[test]
fn w_quits_once_the_transfers_in_flight_have_their_answer() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    ctrl(&mut model, 'c');
    assert!(key(&mut model, KeyCode::Char('w')).is_none());
    assert!(model.dialog.is_none());
    let sending = Progress::Sending {
        request: String::new(),
    };
    assert!(
        report(&mut model, request.id, sending).is_none(),
        "still waiting for the answer"
    );
    let done = report(
        &mut model,
        request.id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    );
    assert!(matches!(done, Some(Effect::Quit)));
}

/// Sends `session` to the roster target named `name`, and has the platform accept it.
fn accepted_transfer(model: &mut Model, session: &str, name: &str) -> TransferRequest {
    model.session.clear();
    type_text(model, session);
    key(model, KeyCode::Enter);
    type_text(model, name);
    key(model, KeyCode::Enter);
    let mut effect = key(model, KeyCode::Char('y'));
    if model.showing::<ConfirmAnyway>().is_some() {
        // The session was moved a moment ago: this test means to move it again.
        effect = key(model, KeyCode::Char('y'));
    }
    let request = dispatched(effect);
    for progress in [
        Progress::Sending {
            request: String::new(),
        },
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    ] {
        report(model, request.id, progress);
    }
    request
}

fn callback(session: &str, target: Option<&str>, verdict: crate::callback::Verdict) -> Msg {
    Msg::Callback(CallbackEvent::Received(crate::callback::Received {
        session: Some(SessionId::parse(session).unwrap()),
        target: target.map(str::to_owned),
        verdict,
        payload: serde_json::json!({"botSessionId": session}),
        transfer: None,
        relayed: false,
        at: test_clock().now.with_timezone(&chrono::Local),
    }))
}

fn failed_verdict() -> crate::callback::Verdict {
    crate::callback::Verdict::Failed {
        message: Some("Agent rejected the conversation".into()),
    }
}

#[test]
fn a_callback_settles_the_transfer_of_the_target_it_names() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    let sofia = accepted_transfer(&mut model, SESSION, "sofia");
    let effect = update(
        &mut model,
        callback(SESSION, Some(&dana.target.id), failed_verdict()),
    );
    let Some(Effect::RecordConfirmation { request, .. }) = effect else {
        panic!("expected the callback to be recorded, got {effect:?}");
    };
    assert_eq!(request.id, dana.id);
    assert_eq!(
        model.transfer(dana.id).unwrap().state(),
        TransferState::Failed
    );
    assert_eq!(
        model.transfer(sofia.id).unwrap().state(),
        TransferState::Accepted {
            awaiting_callback: true
        }
    );
}

#[test]
fn a_callback_that_matches_nothing_changes_nothing_and_is_recorded() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    let effect = update(
        &mut model,
        callback(
            SESSION,
            Some("a-0000000-0000-4000-8000-000000000000"),
            failed_verdict(),
        ),
    );
    let Some(Effect::LookFurther(event)) = effect else {
        panic!("expected a second look in the audit file, got {effect:?}");
    };
    let effect = update(
        &mut model,
        Msg::LookedFurther {
            records: Vec::new(),
            callback: event,
        },
    );
    assert!(
        matches!(effect, Some(Effect::RecordUnmatched { .. })),
        "{effect:?}"
    );
    assert_eq!(
        model.transfer(dana.id).unwrap().state(),
        TransferState::Accepted {
            awaiting_callback: true
        }
    );
    let last = model.log.entries().last().unwrap();
    assert!(
        matches!(&last.kind, EntryKind::Notice(crate::tui::transfer_log::Notice::Warning(w)) if w.contains("matches no transfer")),
        "{last:?}"
    );
}

#[test]
fn the_same_callback_twice_is_recorded_and_shown_once() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    let succeeded = || callback(SESSION, None, crate::callback::Verdict::Succeeded);
    let first = update(&mut model, succeeded());
    assert!(
        matches!(&first, Some(Effect::RecordConfirmation { request, .. }) if request.id == dana.id),
        "{first:?}"
    );
    let shown = model.log.entries().count();
    let again = update(&mut model, succeeded());
    assert!(again.is_none(), "nothing more to record: {again:?}");
    assert_eq!(model.log.entries().count(), shown, "and nothing to say");
    assert_eq!(
        model.transfer(dana.id).unwrap().state(),
        TransferState::Confirmed
    );
}

#[test]
fn a_relayed_callback_about_none_of_ours_is_passed_over_in_silence() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    let shown = model.log.entries().count();
    // A teammate's, of a session this console never moved.
    let relayed = crate::callback::Received::new(
        serde_json::json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1c", "status": "success"}),
        None,
        true,
    );
    let effect = update(&mut model, Msg::Callback(CallbackEvent::Received(relayed)));
    assert!(effect.is_none(), "not looked for further: {effect:?}");
    assert_eq!(model.log.entries().count(), shown, "nothing said");
    assert_eq!(
        model.transfer(dana.id).unwrap().state(),
        TransferState::Accepted {
            awaiting_callback: true
        }
    );
}

#[test]
fn a_contradicting_callback_keeps_the_first_word_and_says_so() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    update(
        &mut model,
        callback(SESSION, None, crate::callback::Verdict::Succeeded),
    );
    let effect = update(&mut model, callback(SESSION, None, failed_verdict()));
    assert!(
        matches!(
            effect,
            Some(Effect::RecordConfirmation {
                settlement: Some(Settlement::Conflicting),
                ..
            })
        ),
        "{effect:?}"
    );
    let record = model.transfer(dana.id).unwrap();
    assert_eq!(record.state(), TransferState::Confirmed);
    assert!(record.detail().unwrap().contains("conflicting callbacks"));
}

#[test]
fn a_flood_of_refusals_never_pushes_out_an_open_transfer() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    for n in 0..5000u16 {
        update(
            &mut model,
            Msg::Callback(CallbackEvent::Refused {
                from: std::net::SocketAddr::from(([10, 0, 0, 5], n)),
                refusal: crate::callback::Refusal::WrongToken,
            }),
        );
    }
    assert!(model.log.shows(dana.id));
    assert!(model.log.entries().len() < 10, "refusals share a line");
    assert!(
        ctrl(&mut model, 'c').is_none(),
        "still asks before quitting"
    );
    assert!(model.showing::<QuitWhileSending>().is_some());
}

/// The loop's turn sets the clock to the time the loop read; a message alone never moves it.
#[test]
fn only_the_loops_turn_moves_the_clock() {
    let mut model = model();
    let start = model.clock.now;
    update(&mut model, Msg::Tick);
    assert_eq!(model.clock.now, start);
    let later = start + chrono::Duration::seconds(5);
    step(&mut model, later, Msg::Tick, || None);
    assert_eq!(model.clock.now, later);
}

#[test]
fn a_quit_asked_for_inside_a_batch_of_updates_is_honoured() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    ctrl(&mut model, 'c');
    key(&mut model, KeyCode::Char('w'));
    let now = model.clock.now;
    let mut queued = vec![TransferUpdate {
        id: request.id,
        progress: Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
        at: now,
    }]
    .into_iter();
    let first = Msg::Transfer(TransferUpdate {
        id: request.id,
        progress: Progress::Sending {
            request: String::new(),
        },
        at: now,
    });
    let step = step(&mut model, now, first, || queued.next());
    assert!(step.quit, "the answer in the batch ends the wait");
}

#[test]
fn a_callback_for_a_transfer_another_handoff_sent_is_found_on_a_second_look() {
    let mut model = model();
    model.confirmations = true;
    // Sent by `handoff transfer` in another terminal, after this console read the audit file.
    let elsewhere = TransferRequest {
        id: TransferId::new(),
        session: SessionId::parse(SESSION).unwrap(),
        target: model.roster.targets()[0].clone(),
        note: None,
        reroute_of: None,
        bulk: None,
        confirmed_recent: false,
    };
    let mut record = TransferRecord::new(elsewhere.clone(), model.clock.now, false);
    record.restored = true;
    record.sent_at = Some(model.clock.now);
    record.outcome = Some(Outcome::Transferred {
        request_completed_at: None,
    });
    let effect = update(
        &mut model,
        callback(SESSION, None, crate::callback::Verdict::Succeeded),
    );
    let Some(Effect::LookFurther(event)) = effect else {
        panic!("expected a second look, got {effect:?}");
    };
    let effect = update(
        &mut model,
        Msg::LookedFurther {
            records: vec![record],
            callback: event,
        },
    );
    assert!(
        matches!(effect, Some(Effect::RecordConfirmation { ref request, .. }) if request.id == elsewhere.id),
        "{effect:?}"
    );
    assert_eq!(
        model.transfer(elsewhere.id).unwrap().state(),
        TransferState::Confirmed
    );
    assert!(model.log.shows(elsewhere.id), "it joins the log");
}

#[test]
fn a_paste_outside_a_form_replaces_the_session_field() {
    let mut model = model();
    type_text(&mut model, "6538f8a3");
    update(&mut model, Msg::Paste(format!("{SESSION}\n")));
    assert_eq!(model.session.value(), SESSION, "replaced, not appended");
    // From the picker and from the log, a paste is a session id too.
    for focus_key in [KeyCode::Tab, KeyCode::BackTab] {
        key(&mut model, focus_key);
        assert_ne!(model.focus, Focus::Session);
        update(&mut model, Msg::Paste("dead5f0e9a8b7c6d5e4f3a2b".into()));
        assert_eq!(model.session.value(), "dead5f0e9a8b7c6d5e4f3a2b");
        assert_eq!(model.focus, Focus::Session);
        assert!(model.picker.filter.is_empty());
    }
    // In a form, a paste stays in the form.
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Insert);
    update(
        &mut model,
        Msg::Paste("a-1234567-0000-4000-8000-000000000001".into()),
    );
    let Some(form) = model.showing::<TargetForm>() else {
        panic!("expected the add form");
    };
    assert!(format!("{form:?}").contains("a-1234567-0000-4000-8000-000000000001"));
    assert_eq!(model.session.value(), "dead5f0e9a8b7c6d5e4f3a2b");
}

#[test]
fn several_ids_pasted_at_once_are_marked_each_once() {
    let mut model = model();
    update(
        &mut model,
        Msg::Paste(format!(
            "{SESSION}, dead5f0e9a8b7c6d5e4f3a2b\n{SESSION} 66c2f6939489bfffc7911a2b"
        )),
    );
    assert!(model.session.is_empty());
    let marked: Vec<&str> = model
        .conversations
        .marked()
        .iter()
        .map(SessionId::as_str)
        .collect();
    assert_eq!(
        marked,
        [
            SESSION,
            "dead5f0e9a8b7c6d5e4f3a2b",
            "66c2f6939489bfffc7911a2b"
        ]
    );
    let last = model.log.entries().last().unwrap();
    assert!(
        matches!(&last.kind, EntryKind::Notice(crate::tui::transfer_log::Notice::Info(w))
            if w.starts_with("3 session ids pasted and marked") && w.contains("1 listed twice, marked once")),
        "{last:?}"
    );
    // Enter takes the marks to the picker; Esc on an empty field clears them.
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    key(&mut model, KeyCode::Esc);
    key(&mut model, KeyCode::Esc);
    assert!(model.conversations.marked().is_empty());
}

#[test]
fn r_reroutes_a_failed_transfer_in_one_key() {
    let mut model = model();
    let failed = accepted_transfer(&mut model, SESSION, "dana");
    update(&mut model, callback(SESSION, None, failed_verdict()));
    assert_eq!(
        model.transfer(failed.id).unwrap().state(),
        TransferState::Failed
    );
    key(&mut model, KeyCode::BackTab);
    assert_eq!(model.focus, Focus::Log);
    assert!(key(&mut model, KeyCode::Char('r')).is_none());
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.session.value(), SESSION);
    assert!(model.picker.avoids(&failed.target.id));
    let highlighted = model.picker.highlighted(&model.roster).unwrap();
    assert_ne!(highlighted.id, failed.target.id, "not pre-selected");
    // The new target's letters, Enter, y: sent, and linked to the one it re-routes. A failed
    // transfer is no recent move, so nothing asks again.
    type_text(&mut model, "spanish");
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(request.target.name, "Spanish Line");
    assert_eq!(request.reroute_of, Some(failed.id));
    assert!(model.rerouting.is_none());
    assert!(!model.picker.avoids(&failed.target.id));
}

/// The note is the confirmation's own: typing it leaves the picker behind it as it was.
#[test]
fn typing_a_note_leaves_the_pickers_highlight_where_it_was() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Down);
    let chosen = model.picker.selected();
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "VIP");
    key(&mut model, KeyCode::Esc);
    assert!(model.dialog.is_none());
    assert_eq!(model.picker.selected(), chosen);
}

#[test]
fn r_on_a_transfer_that_went_through_only_says_why_not() {
    let mut model = model();
    accepted_transfer(&mut model, SESSION, "dana");
    key(&mut model, KeyCode::BackTab);
    key(&mut model, KeyCode::Char('r'));
    assert_eq!(model.focus, Focus::Log);
    assert!(model.rerouting.is_none());
    // In its detail too, which stays open. (The log's newest entry is the notice that says why.)
    key(&mut model, KeyCode::Up);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Char('r'));
    assert!(model.showing::<Detail>().is_some());
    assert!(model.rerouting.is_none());
}

#[test]
fn sending_a_session_moved_a_moment_ago_asks_first_saying_where_and_how() {
    let mut model = model();
    accepted_transfer(&mut model, SESSION, "dana");
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "spanish");
    key(&mut model, KeyCode::Enter);
    assert!(
        key(&mut model, KeyCode::Char('y')).is_none(),
        "not sent yet"
    );
    let Some(ConfirmAnyway { warnings, .. }) = model.showing::<ConfirmAnyway>() else {
        panic!("expected a second question, got {:?}", model.dialog);
    };
    assert!(
        warnings[0].contains("6538…cf0a1b was sent less than a minute ago to agent Dana Whitfield")
            && warnings[0].ends_with(": accepted."),
        "{warnings:?}"
    );
    dispatched(key(&mut model, KeyCode::Char('y')));
}

#[test]
fn ctrl_o_lists_only_who_is_free_and_ctrl_t_the_least_loaded_first() {
    use crate::directory::{Availability, QueueLoad};
    use crate::platform::{AgentPresence, Capacity, Presence};
    let mut model = model();
    let targets = model.roster.targets().to_vec();
    let agent = |presence, used| AgentPresence {
        presence,
        chat: Some(Capacity { used, total: 3 }),
    };
    let mut live = Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: model.clock.now.with_timezone(&chrono::Local),
        read_by: None,
    };
    live.agents
        .insert(targets[0].id.clone(), agent(Presence::Available, 2));
    live.agents
        .insert(targets[1].id.clone(), agent(Presence::Available, 3));
    live.agents
        .insert(targets[2].id.clone(), agent(Presence::Offline, 0));
    live.agents
        .insert(targets[3].id.clone(), agent(Presence::Available, 0));
    let queue = targets
        .iter()
        .find(|t| t.kind == crate::ids::TargetKind::Queue)
        .unwrap();
    live.queues.insert(
        queue.id.clone(),
        QueueLoad {
            active: true,
            stats: None,
        },
    );
    update(&mut model, Msg::Availability(Ok(live)));
    key(&mut model, KeyCode::Tab);
    ctrl(&mut model, 'o');
    let listed: Vec<&str> = model
        .picker
        .matches()
        .iter()
        .map(|&i| model.roster.targets()[i].name.as_str())
        .collect();
    assert_eq!(
        listed,
        [
            targets[0].name.as_str(),
            targets[3].name.as_str(),
            queue.name.as_str()
        ],
        "available with a free chat, and the active queue; not full, not offline, not unknown"
    );
    ctrl(&mut model, 't');
    assert_eq!(
        model.picker.highlighted(&model.roster).unwrap().id,
        targets[3].id,
        "the least loaded first"
    );
    ctrl(&mut model, 'o');
    assert_eq!(model.picker.matches().len(), model.roster.targets().len());
}

/// The refresh of who is free comes every 30 s, often while the supervisor picks: the highlight
/// stays on the target they chose.
#[test]
fn a_live_refresh_keeps_the_highlight_on_its_target() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Down);
    let chosen = model.picker.highlighted(&model.roster).unwrap().id.clone();
    let live = crate::directory::Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: model.clock.now.with_timezone(&chrono::Local),
        read_by: None,
    };
    update(&mut model, Msg::Availability(Ok(live)));
    assert_eq!(model.picker.highlighted(&model.roster).unwrap().id, chosen);
}

/// In team mode a teammate's snapshot can come while a newer one is shown (it was used while
/// a newer read was under way): the newer stays. This console's own reads always replace it.
#[test]
fn an_older_snapshot_of_a_teammate_does_not_replace_a_newer_one() {
    let mut model = model();
    let now = model.clock.now;
    let snapshot = |seconds_ago: i64, read_by: Option<&str>| crate::directory::Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: (now - chrono::Duration::seconds(seconds_ago)).with_timezone(&chrono::Local),
        read_by: read_by.map(str::to_owned),
    };
    update(
        &mut model,
        Msg::Availability(Ok(snapshot(5, Some("Marcus")))),
    );
    update(&mut model, Msg::Availability(Ok(snapshot(40, Some("Ana")))));
    assert_eq!(
        model.live.as_ref().unwrap().read_by.as_deref(),
        Some("Marcus")
    );
    update(&mut model, Msg::Availability(Ok(snapshot(60, None))));
    assert_eq!(model.live.as_ref().unwrap().read_by, None, "its own read");
}

#[test]
fn a_failure_rings_once_and_counts_until_looked_at() {
    let mut model = model();
    model.confirmations = true;
    let dana = accepted_transfer(&mut model, SESSION, "dana");
    assert!(
        !model.take_bell(),
        "an accepted transfer is no news to ring for"
    );
    update(&mut model, callback(SESSION, None, failed_verdict()));
    assert!(model.unseen.contains(&dana.id));
    assert!(model.take_bell());
    assert!(!model.take_bell(), "once");
    // Looking at it in the log clears it.
    key(&mut model, KeyCode::BackTab);
    assert!(model.unseen.is_empty());

    model.bell = false;
    model.focus = Focus::Session;
    let sam = accepted_transfer(&mut model, "66c2f6939489bfffc7911a2b", "samuel");
    update(&mut model, Msg::ConfirmDeadline(sam.id));
    assert!(
        model.unseen.contains(&sam.id),
        "counted even without the bell"
    );
    assert!(!model.take_bell(), "[ui] bell = false");
}

#[test]
fn f6_and_n_go_to_each_transfer_that_needs_a_look_in_turn() {
    let mut model = model();
    let sessions = [
        SESSION,
        "66c2f6939489bfffc7911a2b",
        "77d3a7a4a59ac0000a822b3c",
    ];
    let ids: Vec<TransferId> = sessions
        .iter()
        .map(|session| accepted_transfer(&mut model, session, "dana").id)
        .collect();
    for id in &ids {
        update(&mut model, Msg::ConfirmDeadline(*id));
    }
    model.notice(crate::tui::transfer_log::Notice::Info("newest".into()));
    model.focus = Focus::Session;
    assert_eq!(model.unseen.len(), 3);
    let highlighted = |model: &Model| match model.highlighted_entry().map(|e| &e.kind) {
        Some(EntryKind::Transfer(id)) => Some(*id),
        _ => None,
    };

    key(&mut model, KeyCode::F(6));
    assert_eq!(model.focus, Focus::Log);
    assert_eq!(highlighted(&model), Some(ids[0]), "the oldest first");
    assert_eq!(model.unseen.len(), 2, "counted as seen");
    assert_eq!(model.status.as_deref(), Some("2 more need a look"));

    // A filter that hides the next one is cleared to show it.
    key(&mut model, KeyCode::Char('/'));
    type_text(&mut model, "newest");
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Char('n'));
    assert_eq!(highlighted(&model), Some(ids[1]));
    assert!(model.log_query.is_empty());
    assert_eq!(
        model.status.as_deref(),
        Some("filter cleared to show it; 1 more need a look")
    );

    key(&mut model, KeyCode::Char('n'));
    assert_eq!(highlighted(&model), Some(ids[2]));
    assert!(model.unseen.is_empty());
    assert_eq!(
        model.status.as_deref(),
        Some("that was the last one that needs a look")
    );
    key(&mut model, KeyCode::F(6));
    assert_eq!(highlighted(&model), Some(ids[2]), "the highlight stays");
    assert_eq!(model.status.as_deref(), Some("no transfer needs a look"));
    key(&mut model, KeyCode::Up);
    assert_eq!(model.status, None, "until the next key");

    // The newest line of the log: the highlight stays on it, not on the notice that follows.
    model.focus = Focus::Session;
    let newest = accepted_transfer(&mut model, "88e4b8b5b6abd1111b933c4d", "dana").id;
    update(&mut model, Msg::ConfirmDeadline(newest));
    key(&mut model, KeyCode::F(6));
    assert_eq!(highlighted(&model), Some(newest));
}

#[test]
fn delete_and_sync_take_y_only() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::F(8));
    assert!(
        key(&mut model, KeyCode::Enter).is_none(),
        "Enter deletes nothing"
    );
    assert!(model.showing::<ConfirmDelete>().is_some());
    key(&mut model, KeyCode::Esc);

    assert!(matches!(ctrl(&mut model, 's'), Some(Effect::FetchListing)));
    let listing = crate::directory::Listing {
        targets: vec![crate::roster::Listed {
            kind: crate::ids::TargetKind::Queue,
            id: "qu-1234567-0000-4000-8000-000000000042".into(),
            name: "New Queue".into(),
            team: None,
        }],
        notes: Vec::new(),
    };
    update(&mut model, Msg::ListingFetched(Ok(listing.clone())));
    let Some(SyncPreview { preview, .. }) = model.showing::<SyncPreview>() else {
        panic!("expected the preview, got {:?}", model.dialog);
    };
    assert_eq!(preview.added, ["queue New Queue"]);
    assert_eq!(
        preview.stale.len(),
        26,
        "every demo target is unlisted here"
    );
    assert!(
        key(&mut model, KeyCode::Enter).is_none(),
        "Enter saves nothing"
    );
    assert!(matches!(
        key(&mut model, KeyCode::Char('y')),
        Some(Effect::ApplySync(applied)) if applied == listing
    ));
}

#[test]
fn after_an_add_the_highlight_is_on_the_new_row() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "billing");
    key(&mut model, KeyCode::Insert);
    type_text(&mut model, "qu-1234567-0000-4000-8000-000000000042");
    key(&mut model, KeyCode::Tab);
    type_text(&mut model, "Overflow");
    let change = saved(key(&mut model, KeyCode::Enter));
    let mut roster = model.roster.clone();
    let summary = change.apply(&mut roster).unwrap();
    update(
        &mut model,
        Msg::RosterSaved(Ok(RosterSaved {
            roster,
            summary,
            merged_hand_edit: false,
        })),
    );
    assert_eq!(
        model.picker.highlighted(&model.roster).unwrap().name,
        "Overflow"
    );
}

#[test]
fn y_in_the_log_copies_the_whole_session_id() {
    let mut model = model();
    accepted_transfer(&mut model, SESSION, "dana");
    key(&mut model, KeyCode::BackTab);
    assert!(matches!(
        key(&mut model, KeyCode::Char('y')),
        Some(Effect::Copy(copied)) if copied == SESSION
    ));
    assert!(
        model
            .status
            .as_deref()
            .is_some_and(|status| status.starts_with(&format!("copied {SESSION} to the clipboard"))),
        "said where the eye is: {:?}",
        model.status
    );
}

#[test]
fn one_id_pasted_with_a_comma_or_quotes_is_the_id() {
    let mut model = model();
    update(&mut model, Msg::Paste(format!("\"{SESSION}\",\n")));
    assert_eq!(model.session.value(), SESSION);
    update(&mut model, Msg::Paste("not an id".into()));
    assert_eq!(
        model.session.value(),
        "not an id",
        "shown as it came, to be explained"
    );
}

#[tokio::test]
async fn the_clock_wakes_the_console_only_while_something_on_screen_moves_with_it() {
    use crate::budget::RateBudget;
    use std::time::Duration;
    let mut model = model();
    assert_eq!(model.next_redraw(), None, "idle and no budget: sleep");

    let dir = tempfile::tempdir().unwrap();
    let budget = RateBudget::shared(
        2,
        Duration::from_secs(60),
        Duration::ZERO,
        dir.path(),
        "acct",
    );
    let slot = budget.try_spend().await.unwrap();
    budget.done(slot).await;
    update(&mut model, Msg::Budget(budget.watch().borrow().clone()));
    let wake = model
        .next_redraw()
        .expect("the header's count drops as the call ages out");
    assert!(
        wake > Duration::from_secs(55),
        "not before the call leaves: {wake:?}"
    );

    let slot = budget.try_spend().await.unwrap();
    budget.done(slot).await;
    update(&mut model, Msg::Budget(budget.watch().borrow().clone()));
    let wake = model.next_redraw().expect("the next slot counts down");
    assert!(wake <= Duration::from_secs(1), "{wake:?}");

    // A transfer waiting for the budget counts down too, even with no budget shown.
    let mut model = self::model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    let waiting = Progress::WaitingForBudget(Duration::from_secs(30));
    report(&mut model, request.id, waiting);
    assert!(
        model
            .next_redraw()
            .is_some_and(|d| d <= Duration::from_secs(1))
    );
}

fn open_help(model: &Model) -> &Help {
    match model.showing::<Help>() {
        Some(help) => help,
        None => panic!("expected help, got {:?}", model.dialog),
    }
}

fn help_page(model: &Model) -> help::Page {
    let Help { from, filter, .. } = open_help(model);
    help::page(&model.keys, *from, filter.value(), model.screen)
}

fn help_filter(model: &Model) -> &str {
    open_help(model).filter.value()
}

fn help_scroll(model: &Model) -> usize {
    open_help(model).scroll
}

#[test]
fn help_opened_from_the_picker_lists_the_pickers_keys_first() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    key(&mut model, KeyCode::F(1));
    let page = help_page(&model);
    assert_eq!(
        page.lines[0],
        HelpLine::Title {
            title: "Target picker",
            here: true
        }
    );
    assert!(
        matches!(&page.lines[1], HelpLine::Row { keys, .. } if keys == "Enter"),
        "{:?}",
        page.lines[1]
    );
}

#[test]
fn typing_in_help_filters_and_esc_clears_the_filter_then_closes() {
    let mut model = model();
    key(&mut model, KeyCode::F(1));
    // q and ? are letters of the filter now, not ways out.
    type_text(&mut model, "q?");
    assert_eq!(help_filter(&model), "q?");
    ctrl(&mut model, 'u');
    type_text(&mut model, "free");
    let rows: Vec<String> = help_page(&model)
        .lines
        .iter()
        .filter_map(|line| match line {
            HelpLine::Row { keys, description } => Some(format!("{keys} {description}")),
            _ => None,
        })
        .collect();
    assert!(
        rows.contains(&"Ctrl-o only who is free".to_owned()),
        "{rows:?}"
    );
    assert!(rows.iter().all(|row| row.contains("free")), "{rows:?}");
    key(&mut model, KeyCode::Backspace);
    assert_eq!(help_filter(&model), "fre");
    key(&mut model, KeyCode::Esc);
    assert_eq!(help_filter(&model), "", "the first Esc clears the filter");
    key(&mut model, KeyCode::Esc);
    assert!(model.dialog.is_none(), "the second closes");
    key(&mut model, KeyCode::F(1));
    type_text(&mut model, "x");
    key(&mut model, KeyCode::F(1));
    assert!(model.dialog.is_none(), "F1 closes at once");
}

#[test]
fn help_scrolls_within_its_lines_only() {
    let mut model = model();
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    key(&mut model, KeyCode::F(1));
    let page = help_page(&model);
    assert!(page.max_scroll() > 0, "80x24 cannot show every key at once");
    key(&mut model, KeyCode::Up);
    assert_eq!(help_scroll(&model), 0);
    key(&mut model, KeyCode::Down);
    assert_eq!(help_scroll(&model), 1);
    key(&mut model, KeyCode::PageDown);
    assert_eq!(help_scroll(&model), 1 + page.step());
    for _ in 0..page.lines.len() {
        key(&mut model, KeyCode::Down);
    }
    assert_eq!(
        help_scroll(&model),
        page.max_scroll(),
        "never past the last page"
    );
    key(&mut model, KeyCode::Up);
    assert_eq!(
        help_scroll(&model),
        page.max_scroll() - 1,
        "up moves at once"
    );
    key(&mut model, KeyCode::Home);
    assert_eq!(help_scroll(&model), 0);
    key(&mut model, KeyCode::End);
    assert_eq!(help_scroll(&model), page.max_scroll());
    type_text(&mut model, "e");
    assert_eq!(help_scroll(&model), 0, "a new filter starts at the top");
    // A taller terminal shows more at once, so it scrolls less.
    key(&mut model, KeyCode::Esc);
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 60,
        },
    );
    key(&mut model, KeyCode::End);
    assert_eq!(help_scroll(&model), help_page(&model).max_scroll());
    assert!(help_scroll(&model) < page.max_scroll());
}

/// Team mode: a transfer a teammate's claim stopped says who has it; `r` on it offers the same
/// target again (the target refused nothing), and sending asks a second time, naming the
/// teammate, before it takes the conversation over.
#[test]
fn r_on_a_transfer_a_teammate_holds_takes_it_over_after_a_second_confirmation() {
    let mut model = model();
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "billing");
    key(&mut model, KeyCode::Enter);
    let held = dispatched(key(&mut model, KeyCode::Char('y')));
    let holder = "Priya moved it to queue Billing at 14:03:11";
    report(
        &mut model,
        held.id,
        Progress::Finished(Outcome::held_by_teammate(holder)),
    );
    assert_eq!(
        model.transfer(held.id).unwrap().reason(),
        Some(FailureReason::HeldByTeammate)
    );
    key(&mut model, KeyCode::BackTab);
    key(&mut model, KeyCode::Char('r'));
    assert_eq!(model.focus, Focus::Picker);
    assert!(!model.picker.avoids(&held.target.id));
    type_text(&mut model, "billing");
    key(&mut model, KeyCode::Enter);
    assert!(key(&mut model, KeyCode::Char('y')).is_none(), "asks again");
    let Some(ConfirmAnyway { warnings, .. }) = model.showing::<ConfirmAnyway>() else {
        panic!("expected a second confirmation, got {:?}", model.dialog);
    };
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(holder) && w.contains("takes the conversation over")),
        "{warnings:?}"
    );
    match key(&mut model, KeyCode::Char('y')) {
        Some(Effect::TakeOver(request)) => {
            assert_eq!(request.session.as_str(), SESSION);
            assert_eq!(request.reroute_of, Some(held.id));
        }
        other => panic!("expected a take-over, got {other:?}"),
    }
    // A plain transfer of the same session later is no take-over.
    type_text(&mut model, SESSION);
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "billing");
    key(&mut model, KeyCode::Enter);
    let mut effect = key(&mut model, KeyCode::Char('y'));
    if model.showing::<ConfirmAnyway>().is_some() {
        effect = key(&mut model, KeyCode::Char('y'));
    }
    assert!(matches!(effect, Some(Effect::Dispatch(_))), "{effect:?}");
}

/// Who is free, as a refresh brings it: `agent` with `presence` and `used` of three chats.
fn live_agent(model: &mut Model, agent: &Target, presence: crate::platform::Presence, used: u32) {
    let mut live = crate::directory::Availability {
        agents: Default::default(),
        queues: Default::default(),
        taken_at: model.clock.now.with_timezone(&chrono::Local),
        read_by: None,
    };
    let state = crate::platform::AgentPresence {
        presence,
        chat: Some(crate::platform::Capacity { used, total: 3 }),
    };
    live.agents.insert(agent.id.clone(), state);
    update(model, Msg::Availability(Ok(live)));
}

/// The roster file read again without `name`, the target the confirmation shows.
pub(super) fn reloaded_without(name: &str) -> Msg {
    let targets = demo::roster()
        .targets()
        .iter()
        .filter(|t| t.name != name)
        .cloned()
        .collect();
    Msg::RosterReloaded(Ok((crate::roster::Roster::new(targets), Vec::new())))
}

/// Refreshes come while one conversation's confirmation is open and move the picker: `y` sends
/// to the target the confirmation names; and it asks again about the agent's state as the
/// dialog shows it when `y` is pressed.
#[test]
fn a_single_confirmation_sends_to_the_target_it_shows_whatever_a_refresh_says() {
    use crate::platform::Presence;
    let mut model = model();
    let dana = model.roster.targets()[0].clone();
    assert_eq!(dana.name, "Dana Whitfield");
    live_agent(&mut model, &dana, Presence::Available, 0);
    update(&mut model, Msg::Paste(SESSION.into()));
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<Confirm>().is_some());

    update(&mut model, reloaded_without("Dana Whitfield"));
    let list = crate::platform::ConversationList {
        conversations: Vec::new(),
        notes: Vec::new(),
    };
    update(&mut model, Msg::Conversations(Ok(list), None));
    live_agent(&mut model, &dana, Presence::Available, 1);
    assert_ne!(
        model.picker.highlighted(&model.roster).map(|t| &t.id),
        Some(&dana.id),
        "the picker moved behind the dialog"
    );
    let request = dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(request.target, dana);
    assert_eq!(request.session.as_str(), SESSION);

    // The refresh says the agent went offline: the dialog says it will ask again, and `y` does.
    update(&mut model, Msg::Paste("66c2f6939489bfffc7911a2b".into()));
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "marcus");
    key(&mut model, KeyCode::Enter);
    let Some(Confirm { target: marcus, .. }) = model.showing::<Confirm>().cloned() else {
        panic!("expected the confirmation, got {:?}", model.dialog);
    };
    live_agent(&mut model, &marcus, Presence::Offline, 0);
    assert!(key(&mut model, KeyCode::Char('y')).is_none());
    let Some(ConfirmAnyway {
        target, warnings, ..
    }) = model.showing::<ConfirmAnyway>()
    else {
        panic!("expected the second confirmation, got {:?}", model.dialog);
    };
    assert_eq!(target, &marcus);
    assert_eq!(warnings, &[format!("{} is offline.", marcus.name)]);
    live_agent(&mut model, &marcus, Presence::Available, 0);
    assert_eq!(
        dispatched(key(&mut model, KeyCode::Char('y'))).target,
        marcus
    );
}

/// After a send the picker starts afresh, so the next transfer never starts from the last
/// one's filter, view or highlight.
#[test]
fn after_a_send_the_picker_starts_afresh() {
    use crate::platform::Presence;
    let mut model = model();
    let dana = model.roster.targets()[0].clone();
    live_agent(&mut model, &dana, Presence::Available, 0);
    update(&mut model, Msg::Paste(SESSION.into()));
    key(&mut model, KeyCode::Enter);
    ctrl(&mut model, 'o');
    ctrl(&mut model, 't');
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL)),
    );
    assert_eq!(model.marked_agents.len(), 1, "Dana marked to spread over");
    type_text(&mut model, "dana");
    key(&mut model, KeyCode::Enter);
    dispatched(key(&mut model, KeyCode::Char('y')));

    assert_picker_starts_afresh(&model);
    assert!(
        !model.picker.avoids(&dana.id),
        "nothing avoided either once a re-route is sent"
    );
}

/// The platform's lists for a sync come while a confirmation is open: it is not covered, so
/// its `y` still does what it says.
#[test]
fn the_platforms_lists_never_cover_an_open_confirmation() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    assert!(matches!(ctrl(&mut model, 's'), Some(Effect::FetchListing)));
    update(&mut model, Msg::Paste(SESSION.into()));
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<Confirm>().is_some());
    let listing = crate::directory::Listing {
        targets: Vec::new(),
        notes: Vec::new(),
    };
    update(&mut model, Msg::ListingFetched(Ok(listing)));
    assert!(model.showing::<Confirm>().is_some());
    dispatched(key(&mut model, KeyCode::Char('y')));
}

/// A team budget whose Redis does not answer (a closed port), as the console sees it once a
/// call failed.
async fn redis_away_snapshot() -> crate::budget::BudgetSnapshot {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let config = crate::config::TeamConfig {
        redis_url: url::Url::parse(&format!("redis://127.0.0.1:{port}")).unwrap(),
        password: None,
        password_env: None,
        name: "Priya".into(),
        fallback_share: crate::config::DEFAULT_FALLBACK_SHARE,
    };
    let budget = crate::budget::RateBudget::team(
        60,
        std::time::Duration::from_secs(60),
        std::time::Duration::ZERO,
        crate::team::Link::new(&config).unwrap(),
        "acct",
        config.fallback_share,
    );
    let _ = budget.try_spend().await;
    let snapshot = budget.watch().borrow().clone();
    assert!(snapshot.redis_away().is_some(), "{snapshot:?}");
    snapshot
}

/// To Priya, confirmed once.
fn confirm_to_priya(model: &mut Model) {
    update(model, Msg::Paste(SESSION.into()));
    key(model, KeyCode::Enter);
    type_text(model, "priya");
    key(model, KeyCode::Enter);
    assert!(model.showing::<Confirm>().is_some());
}

/// Team mode with Redis away: the confirmation asks first. `y` sends without a claim; `w` or
/// Enter sends it to wait for Redis; Esc sends nothing, and the next confirmation asks again.
#[tokio::test]
async fn with_redis_away_a_transfer_asks_whether_to_send_without_a_claim() {
    let away = redis_away_snapshot().await;
    let mut model = model();
    update(&mut model, Msg::Budget(away));

    confirm_to_priya(&mut model);
    assert!(key(&mut model, KeyCode::Char('y')).is_none());
    let Some(SendUnclaimed { why, .. }) = model.showing::<SendUnclaimed>() else {
        panic!("{:?}", model.dialog);
    };
    assert!(why.contains("is unreachable"), "{why}");
    assert!(key(&mut model, KeyCode::Esc).is_none());
    assert!(model.dialog.is_none());
    assert_eq!(model.in_flight().count(), 0, "nothing sent");

    // Back in the picker, the session and target as they were: confirmed again.
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<Confirm>().is_some());
    key(&mut model, KeyCode::Char('y'));
    match key(&mut model, KeyCode::Char('y')) {
        Some(Effect::SendUnclaimed(request)) => assert_eq!(request.session.as_str(), SESSION),
        other => panic!("expected an unclaimed send, got {other:?}"),
    }

    // The same session again: a recent move is asked about too, after Redis; the answer holds.
    confirm_to_priya(&mut model);
    key(&mut model, KeyCode::Char('y'));
    assert!(key(&mut model, KeyCode::Enter).is_none());
    assert!(model.showing::<ConfirmAnyway>().is_some());
    dispatched(key(&mut model, KeyCode::Char('y')));
    assert_eq!(model.send_unclaimed, None, "asked again next time");
}

/// Without a team, or with Redis answering, nothing is asked.
#[test]
fn with_no_team_a_transfer_asks_nothing_about_redis() {
    let mut model = model();
    confirm_to_priya(&mut model);
    dispatched(key(&mut model, KeyCode::Char('y')));
}

/// A run of many asks about Redis too, at its confirmation, and `y` sends the run without
/// claims.
#[tokio::test]
async fn with_redis_away_a_run_of_many_asks_too() {
    let away = redis_away_snapshot().await;
    let mut model = model();
    update(&mut model, Msg::Budget(away));
    let list = crate::platform::ConversationList {
        conversations: (1..=3)
            .map(|n| crate::tui::conversations::tests::waiting(n, "Tech", 100, None))
            .collect(),
        notes: Vec::new(),
    };
    update(&mut model, Msg::Conversations(Ok(list), None));
    for _ in 0..3 {
        key(&mut model, KeyCode::Char(' '));
    }
    key(&mut model, KeyCode::Enter);
    type_text(&mut model, "billing");
    key(&mut model, KeyCode::Enter);
    assert!(model.showing::<ConfirmBulk>().is_some());
    assert!(key(&mut model, KeyCode::Char('y')).is_none());
    assert!(model.showing::<SendUnclaimed>().is_some());
    match key(&mut model, KeyCode::Char('y')) {
        Some(Effect::DispatchBulk {
            requests,
            unclaimed: true,
        }) => assert_eq!(requests.len(), 3),
        other => panic!("expected an unclaimed run, got {other:?}"),
    }
}

/// `handoff callbacks check`'s test callback, taken by a console holding the receiver's port:
/// said in the log, never a warning about an unknown callback, never recorded.
#[test]
fn a_test_callback_is_said_and_kept_out_of_the_ledger() {
    let mut model = model();
    let before = model.ledger.records().count();
    let test = crate::callback::Received::of(serde_json::json!({
        (crate::callback::TEST_MARKER): "3f2a",
        "status": "test",
        "botSessionId": "6538f8a3c9cf425ee5cf0a1b",
    }));
    update(&mut model, Msg::Callback(CallbackEvent::Received(test)));
    assert_eq!(model.ledger.records().count(), before);
    let last = model.log.entries().last().unwrap().kind.clone();
    assert_eq!(
        last,
        EntryKind::Notice(Notice::Info(
            "a test callback (handoff callbacks check) reached this console".into()
        ))
    );
}
