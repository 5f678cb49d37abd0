use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::super::{Effect, Msg, update};
use crate::demo;
use crate::ids::SessionId;
use crate::platform::ConversationList;
use crate::tui::clock::test_clock;
use crate::tui::conversations::SortBy;
use crate::tui::conversations::tests::waiting;
use crate::tui::model::{Focus, Model};

fn model_with_list() -> Model {
    let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    let list = ConversationList {
        conversations: vec![
            waiting(1, "Tech", 300, Some("2")),
            waiting(2, "Billing", 200, Some("9")),
            waiting(3, "Billing", 100, None),
        ],
        notes: Vec::new(),
    };
    update(&mut model, Msg::Conversations(Ok(list), None));
    model
}

fn key(model: &mut Model, code: KeyCode) -> Option<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(model: &mut Model, c: char) -> Option<Effect> {
    update(
        model,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn session(n: u32) -> SessionId {
    waiting(n, "", 0, None).session
}

#[test]
fn arrows_move_and_enter_takes_the_highlighted_conversation_to_the_picker() {
    let mut model = model_with_list();
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Up);
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.session.value(), session(2).as_str());
}

#[test]
fn typing_narrows_the_list_and_a_whole_id_still_goes_to_the_picker() {
    let mut model = model_with_list();
    for c in "billing".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    assert_eq!(model.conversations.shown(model.session.value()).len(), 2);
    ctrl(&mut model, 'u');
    for c in "6538f8a3c9cf425ee5cf0a1b".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.session.value(), "6538f8a3c9cf425ee5cf0a1b");
}

#[test]
fn space_marks_ctrl_x_marks_all_shown_and_ctrl_t_sorts() {
    let mut model = model_with_list();
    key(&mut model, KeyCode::Char(' '));
    assert_eq!(model.conversations.marked(), [session(1)]);
    assert!(
        model.session.is_empty(),
        "no space typed while a row is highlighted"
    );
    key(&mut model, KeyCode::Up);
    key(&mut model, KeyCode::Char(' '));
    assert!(
        model.conversations.marked().is_empty(),
        "Space on a mark unmarks"
    );
    ctrl(&mut model, 'x');
    assert_eq!(model.conversations.marked().len(), 3);
    ctrl(&mut model, 'x');
    assert!(model.conversations.marked().is_empty(), "again: cleared");
    key(&mut model, KeyCode::Up);
    ctrl(&mut model, 't');
    assert_eq!(model.conversations.sort, SortBy::Priority);
    let first = model.conversations.highlighted("").unwrap().session.clone();
    assert_eq!(first, session(1), "the highlight stays on its conversation");
    key(&mut model, KeyCode::Up);
    assert_eq!(
        model.conversations.highlighted("").unwrap().session,
        session(2),
        "priority 9 is on top"
    );
}

#[test]
fn f5_asks_the_background_reads_and_a_held_list_says_why_it_is_old() {
    let mut model = model_with_list();
    assert!(matches!(
        key(&mut model, KeyCode::F(5)),
        Some(Effect::AskReads)
    ));
    let held = crate::directory::Held {
        every: std::time::Duration::from_secs(62),
        calls_per_minute: 12,
    };
    update(&mut model, Msg::ReadsHeld(Some(held)));
    let title = crate::tui::view::conversations_title(&model);
    assert!(
        title.contains(&format!(
            "; {} open, reads held to 12/min)",
            model.conversations.len()
        )),
        "{title}"
    );
    update(&mut model, Msg::ReadsHeld(None));
    assert!(!crate::tui::view::conversations_title(&model).contains("held"));
}

#[test]
fn the_clock_ticks_only_while_waits_are_on_screen() {
    let mut model = model_with_list();
    assert!(model.next_redraw().is_some(), "waits tick at 80×24");
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 20,
        },
    );
    assert_eq!(model.screen, Rect::new(0, 0, 80, 20));
    assert_eq!(model.next_redraw(), None, "no list on screen, no timer");
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    update(
        &mut model,
        Msg::Conversations(
            Ok(ConversationList {
                conversations: Vec::new(),
                notes: Vec::new(),
            }),
            None,
        ),
    );
    assert_eq!(
        model.next_redraw(),
        None,
        "nothing waits: the console sleeps"
    );
}

#[test]
fn a_whole_id_typed_while_others_are_marked_joins_them() {
    let mut model = model_with_list();
    key(&mut model, KeyCode::Char(' '));
    for c in "6538f8a3c9cf425ee5cf0a1b".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, Focus::Picker);
    let marked: Vec<&str> = model
        .conversations
        .marked()
        .iter()
        .map(SessionId::as_str)
        .collect();
    assert_eq!(marked, [session(1).as_str(), "6538f8a3c9cf425ee5cf0a1b"]);
    assert!(model.session.is_empty());
}

/// Queue numbers with one queue, `sla` its service level.
fn numbers(model: &Model, sla: f64) -> crate::directory::FloorNumbers {
    use crate::platform::{QueueNumbers, QueuePerformance, QueueRow};
    let queue = QueueNumbers {
        id: "qu-quiet".into(),
        name: "Quiet".into(),
        waiting: Some(0),
        overdue: Some(0),
        ongoing: Some(0),
        abandoned: Some(0),
        agents: None,
        rows: vec![QueueRow {
            channel: None,
            direction: None,
            waiting: Some(0),
            overdue: Some(0),
            ongoing: Some(0),
            abandoned: Some(0),
            sla_percent: Some(sla),
            average_answer: None,
        }],
    };
    crate::directory::FloorNumbers {
        performance: QueuePerformance {
            queues: vec![queue],
            notes: Vec::new(),
        },
        at: model.clock.now,
        since: model.clock.now - chrono::TimeDelta::hours(1),
    }
}

#[test]
fn a_queue_crossing_its_sla_target_rings_once_and_the_header_names_it() {
    let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
    model.bell = true;
    let read = numbers(&model, 95.0);
    update(&mut model, Msg::QueueNumbers(Ok(read)));
    assert!(!model.take_bell());
    assert_eq!(model.floor.alert, None);
    let read = numbers(&model, 70.0);
    update(&mut model, Msg::QueueNumbers(Ok(read)));
    assert!(model.take_bell(), "it crossed the target of 80%");
    assert_eq!(model.floor.alert.as_deref(), Some("Quiet"));
    let read = numbers(&model, 65.0);
    update(&mut model, Msg::QueueNumbers(Ok(read)));
    assert!(!model.take_bell(), "still under: said once");
}

#[test]
fn after_a_transfer_the_list_is_back_at_its_longest_waits() {
    let mut model = model_with_list();
    let top = model.conversations.highlighted("").unwrap().session.clone();
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Down);
    assert_ne!(model.conversations.highlighted("").unwrap().session, top);
    key(&mut model, KeyCode::Enter);
    for c in "billing".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Enter);
    assert!(matches!(
        key(&mut model, KeyCode::Char('y')),
        Some(Effect::Dispatch(_))
    ));
    assert_eq!(model.conversations.highlighted("").unwrap().session, top);
}

/// A click lands where it was aimed: the queues' figures take their lines from the start, so
/// the first list and numbers move no pane.
#[test]
fn the_first_figures_move_no_pane() {
    let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
    update(
        &mut model,
        Msg::Resized {
            width: 100,
            height: 30,
        },
    );
    let before = model.panes();
    let read = numbers(&model, 95.0);
    update(&mut model, Msg::QueueNumbers(Ok(read)));
    let list = model_with_list().conversations.all().to_vec();
    update(
        &mut model,
        Msg::Conversations(
            Ok(ConversationList {
                conversations: list,
                notes: Vec::new(),
            }),
            None,
        ),
    );
    assert!(model.floor.queues > 0);
    assert_eq!(model.panes(), before);
}

/// A desk with no callback path: the list, read after the platform accepted a transfer, shows
/// the conversation with its target, and the transfer reads "seen", weaker than confirmed.
#[test]
fn without_callbacks_the_list_shows_where_an_accepted_transfer_went() {
    use crate::transfer::{Outcome, Progress, TransferState, TransferUpdate};
    let mut model = model_with_list();
    model.confirmations = false;
    let session = model.conversations.highlighted("").unwrap().session.clone();
    key(&mut model, KeyCode::Enter);
    for c in "billing".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Enter);
    let Some(Effect::Dispatch(request)) = key(&mut model, KeyCode::Char('y')) else {
        panic!("a transfer is sent");
    };
    assert_eq!(request.target.kind, crate::ids::TargetKind::Queue);
    let accepted = Outcome::Transferred {
        request_completed_at: None,
    };
    let at = model.clock.now;
    update(
        &mut model,
        Msg::Transfer(TransferUpdate {
            id: request.id,
            progress: Progress::Finished(accepted),
            at,
        }),
    );
    let state = |model: &Model| model.transfer(request.id).unwrap().state();
    assert_eq!(
        state(&model),
        TransferState::Accepted {
            awaiting_callback: false
        }
    );
    // A list read since, with the conversation elsewhere: nothing is said.
    let read = |model: &mut Model, queue_id: &str| {
        let mut moved = waiting(1, "Billing", 3, None);
        moved.session = session.clone();
        moved.queue.as_mut().unwrap().id = Some(queue_id.to_owned());
        model.clock.now += chrono::TimeDelta::seconds(20);
        update(
            model,
            Msg::Conversations(
                Ok(ConversationList {
                    conversations: vec![moved],
                    notes: Vec::new(),
                }),
                None,
            ),
        );
    };
    read(&mut model, "qu-somewhere-else");
    assert!(matches!(state(&model), TransferState::Accepted { .. }));
    read(&mut model, &request.target.id);
    assert_eq!(state(&model), TransferState::Seen);
    let detail = model.transfer(request.id).unwrap().detail().unwrap();
    assert!(
        detail.starts_with("seen with queue Billing (per the list at "),
        "{detail}"
    );
}

fn shift(model: &mut Model, code: KeyCode) -> Option<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::SHIFT)))
}

fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
}

fn highlighted(model: &Model) -> SessionId {
    model
        .conversations
        .highlighted(model.session.value())
        .unwrap()
        .session
        .clone()
}

#[test]
fn space_marks_and_goes_down_one_key_a_row_and_stays_on_the_last() {
    let mut model = model_with_list();
    for _ in 0..3 {
        key(&mut model, KeyCode::Char(' '));
    }
    assert_eq!(
        model.conversations.marked(),
        [session(1), session(2), session(3)]
    );
    assert_eq!(
        highlighted(&model),
        session(3),
        "the last row stays highlighted"
    );
    key(&mut model, KeyCode::Char(' '));
    assert_eq!(
        model.conversations.marked(),
        [session(1), session(2)],
        "Space on the last row, marked, unmarks it"
    );
    assert!(model.session.is_empty());
}

#[test]
fn shift_arrows_extend_a_range_from_the_highlighted_row() {
    let mut model = model_with_list();
    key(&mut model, KeyCode::Down);
    shift(&mut model, KeyCode::Down);
    assert_eq!(model.conversations.marked(), [session(2), session(3)]);
    assert_eq!(highlighted(&model), session(3));
    shift(&mut model, KeyCode::Down);
    assert_eq!(
        model.conversations.marked(),
        [session(2), session(3)],
        "at the bottom the range stays as it is"
    );
    shift(&mut model, KeyCode::Up);
    shift(&mut model, KeyCode::Up);
    assert_eq!(
        model.conversations.marked(),
        [session(2), session(3), session(1)]
    );
    assert_eq!(highlighted(&model), session(1));
    assert!(model.session.is_empty(), "nothing typed");
}

#[test]
fn ctrl_g_marks_the_top_n_shown_in_the_order_and_filter_shown() {
    let mut model = model_with_list();
    type_text(&mut model, "billing");
    ctrl(&mut model, 't');
    ctrl(&mut model, 'g');
    assert_eq!(model.context(), crate::tui::keys::Context::MarkTop);
    type_text(&mut model, "1");
    key(&mut model, KeyCode::Enter);
    assert!(model.dialog.is_none());
    assert_eq!(
        model.conversations.marked(),
        [session(2)],
        "priority 9 first among the two Billing ones"
    );
    assert_eq!(
        model.status.as_deref(),
        Some("marked the top 1 of 2 shown (1 marked in all)")
    );
    assert_eq!(model.focus, Focus::Picker, "their target is next");
    key(&mut model, KeyCode::Esc);
    assert_eq!(model.focus, Focus::Session);
    assert_eq!(model.conversations.marked(), [session(2)], "the marks kept");
}

#[test]
fn the_top_n_prompt_takes_digits_only_and_says_why_not() {
    let mut model = model_with_list();
    ctrl(&mut model, 'g');
    key(&mut model, KeyCode::Enter);
    let problem = |model: &Model| {
        model
            .showing::<crate::tui::dialog::mark_top::MarkTop>()
            .and_then(|d| d.problem.clone())
    };
    assert_eq!(
        problem(&model).as_deref(),
        Some("type how many to mark, such as 15")
    );
    type_text(&mut model, "x");
    assert_eq!(
        problem(&model).as_deref(),
        Some("only digits: 'x' is not one")
    );
    type_text(&mut model, "0");
    assert_eq!(problem(&model), None, "a digit clears the complaint");
    key(&mut model, KeyCode::Enter);
    assert!(problem(&model).unwrap().starts_with("0 marks nothing"));
    key(&mut model, KeyCode::Backspace);
    type_text(&mut model, "99");
    key(&mut model, KeyCode::Enter);
    assert!(model.dialog.is_none());
    assert_eq!(model.conversations.marked().len(), 3);
    assert_eq!(
        model.status.as_deref(),
        Some("only 3 shown: marked all of them (3 marked in all)")
    );
    key(&mut model, KeyCode::Esc);
    ctrl(&mut model, 'g');
    type_text(&mut model, "2");
    key(&mut model, KeyCode::Esc);
    assert!(model.dialog.is_none());
    assert_eq!(model.conversations.marked().len(), 3, "Esc marks nothing");
    assert_eq!(model.status, None);
}
