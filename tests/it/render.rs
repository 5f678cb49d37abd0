//! The console's screens, drawn on ratatui's `TestBackend` and compared with reviewed snapshots
//! (`cargo insta review` after an intended change). The console runs on a fixed clock shown in
//! UTC, so its times and durations are exact. Only what the demo floor's simulator stamps with
//! its own clock is masked, where a test says so: the waits it reports and the arrival time in
//! its session ids.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use handoff::demo;
use handoff::transfer::TransferUpdate;
use handoff::transfer::{FailureReason, Outcome, Progress};
use handoff::tui::clock::Clock;
use handoff::tui::dialog::detail::Detail;
use handoff::tui::effect::Effect;
use handoff::tui::keys::HELP_ORDER;
use handoff::tui::model::Model;
use handoff::tui::theme::Theme;
use handoff::tui::transfer_log::Notice;
use handoff::tui::update::{Msg, update};
use handoff::tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The console's clock in every test here: 14 March 2025, 09:30 UTC, shown in UTC whatever the
/// machine's zone.
fn clock() -> Clock {
    let now = DateTime::parse_from_rfc3339("2025-03-14T09:30:00Z").unwrap();
    Clock::utc(now.to_utc())
}

fn model() -> Model {
    let mut model = Model::new(
        demo::roster(),
        "simulator at http://127.0.0.1:PORT".into(),
        vec![Notice::Info("audit file: /data/transfers.jsonl".into())],
        clock(),
    );
    model.who = "DEMO".into();
    model
}

/// Runs `read` on a runtime of its own against the demo simulator, its clock standing still at
/// `at`, so what it reads is the same at every run.
fn on_frozen_demo<T, F: std::future::Future<Output = T>>(
    at: DateTime<Utc>,
    read: impl FnOnce(handoff_simulator::Simulator) -> F,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let frozen = handoff_simulator::SimulatorConfig {
            frozen_at: Some(at.into()),
            ..demo::simulator_config()
        };
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let simulator = handoff_simulator::Simulator::start(frozen, loopback)
            .await
            .unwrap();
        read(simulator).await
    })
}

/// The demo floor's open conversations, read from the real simulator over HTTP, as the console
/// reads them, at `read_at` (the console's clock), where the simulator's clock stands still:
/// the floor, its session ids (which start with the arrival time) and its waits are the same at
/// every run.
fn demo_conversations(read_at: DateTime<Utc>) -> handoff::platform::ConversationList {
    on_frozen_demo(read_at, |simulator| async move {
        let data = tempfile::tempdir().unwrap();
        let reads = handoff::account::Account::open(&demo::config_for(&simulator), data.path())
            .unwrap()
            .reads;
        let statuses = handoff::ids::ConversationStatus::MOVABLE;
        let mut list = reads
            .conversations(&demo::roster(), &statuses)
            .await
            .unwrap();
        // Read by the console's clock, as its platform client stamps the read by the machine's.
        for conversation in &mut list.conversations {
            conversation.read_at = read_at.into();
        }
        list
    })
}

/// The demo floor's queue numbers (queue-performance), read at `at` from a simulator frozen
/// then, since eight hours before.
fn demo_queue_numbers(at: DateTime<Utc>) -> handoff::directory::FloorNumbers {
    on_frozen_demo(at, |simulator| async move {
        let data = tempfile::tempdir().unwrap();
        let config = demo::config_for(&simulator);
        let budget = handoff::budget::RateBudget::shared(
            60,
            std::time::Duration::from_secs(60),
            std::time::Duration::ZERO,
            data.path(),
            &config.platform.account_id,
        );
        let client = handoff::platform::PlatformClient::new(
            &config,
            budget,
            handoff::secret::Redactor::new([]),
        )
        .unwrap();
        let since = at - chrono::Duration::hours(8);
        let performance = client.queue_performance(since, at).await.unwrap();
        handoff::directory::FloorNumbers {
            performance,
            at,
            since,
        }
    })
}

/// A model that has read the demo floor's conversations.
fn with_conversations(model: &mut Model) {
    let list = demo_conversations(model.clock.now);
    update(model, Msg::Conversations(Ok(list), None));
}

fn press(model: &mut Model, code: KeyCode) -> Option<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        press(model, KeyCode::Char(c));
    }
}

fn screen(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view(model, &Theme::monochrome(), frame))
        .unwrap();
    terminal.backend().to_string()
}

macro_rules! assert_screen {
    ($name:expr, $screen:expr) => {
        insta::assert_snapshot!($name, $screen);
    };
}

/// Sends a transfer through the dialog and returns its id.
fn send(model: &mut Model, session: &str, filter: &str) -> handoff::transfer::TransferId {
    type_text(model, session);
    press(model, KeyCode::Enter);
    type_text(model, filter);
    press(model, KeyCode::Enter);
    match press(model, KeyCode::Char('y')) {
        Some(Effect::Dispatch(request)) => request.id,
        other => panic!("expected a dispatch, got {other:?}"),
    }
}

/// The clock a quarter of a second on: each step from outside (the engine's, a callback) comes
/// that long after the one before.
fn later(model: &mut Model) -> DateTime<Utc> {
    model.clock.now += chrono::Duration::milliseconds(250);
    model.clock.now
}

/// The engine reports `progress` of transfer `id`.
fn finish(model: &mut Model, id: handoff::transfer::TransferId, progress: Progress) {
    let at = later(model);
    update(model, Msg::Transfer(TransferUpdate { id, progress, at }));
}

#[test]
fn the_conversation_list_from_the_simulator_at_80x24_and_120x40() {
    let mut model = model();
    with_conversations(&mut model);
    press(&mut model, KeyCode::Down);
    press(&mut model, KeyCode::Char(' '));
    press(&mut model, KeyCode::Up);
    let small = screen(&model, 80, 24);
    assert!(
        small.contains("conversation(s), 1 marked, by wait"),
        "{small}"
    );
    assert!(small.contains("▶●"), "the highlight and the mark:\n{small}");
    assert_screen!("conversations_80x24", small);
    let large = screen(&model, 120, 40);
    assert!(
        large.matches('…').count() > 10,
        "short ids at 120 columns:\n{large}"
    );
    assert_screen!("conversations_120x40", large);
    // Typing narrows it; Enter on the highlighted row takes it to the picker.
    type_text(&mut model, "refund");
    let narrowed = screen(&model, 80, 24);
    assert!(narrowed.contains("RefundReque"), "{narrowed}");
    assert!(!narrowed.contains("BillingQuestion"), "{narrowed}");
    press(&mut model, KeyCode::Enter);
    assert_eq!(model.focus, handoff::tui::model::Focus::Picker);
}

/// The queues' figures above the list: most urgent first, past `[floor]` marked, the range and
/// age said; F2 hides them and gives their lines back to the list.
#[test]
fn the_floor_strip_puts_the_worst_queue_first() {
    let mut model = model();
    with_conversations(&mut model);
    let numbers = demo_queue_numbers(model.clock.now - chrono::Duration::seconds(5));
    update(&mut model, Msg::QueueNumbers(Ok(numbers)));
    let large = screen(&model, 120, 40);
    assert!(
        large.contains("SLA and abandoned since 01:29 · numbers 5s old, waits 0s old · F2 hides"),
        "{large}"
    );
    assert!(large.contains("agents"), "{large}");
    assert!(
        large.contains("· ▲ "),
        "the header names the worst queue:\n{large}"
    );
    assert_screen!("floor_strip_120x40", large);
    // At 24 lines the list's rows come first: the header alone names the worst queue.
    let small = screen(&model, 80, 24);
    assert!(!small.contains("waiting ·"), "{small}");
    assert!(small.contains("▲ queue Escalations"), "{small}");
    press(&mut model, KeyCode::F(2));
    let hidden = screen(&model, 120, 40);
    assert!(!hidden.contains("waiting ·"), "{hidden}");
    assert!(
        hidden.matches("OVERDUE").count() > large.matches("OVERDUE").count(),
        "the list takes its lines back"
    );
}

/// Three conversations of the demo floor marked, to the Billing queue: the one confirmation.
fn three_to_billing(model: &mut Model) {
    three_to(model, "billing");
}

/// Marks the three conversations from the highlighted one and asks to send them to the target
/// that `filter` finds.
fn three_to(model: &mut Model, filter: &str) {
    mark_three(model);
    press(model, KeyCode::Enter);
    type_text(model, filter);
    press(model, KeyCode::Enter);
}

/// Marks the three conversations from the highlighted one.
fn mark_three(model: &mut Model) {
    for _ in 0..3 {
        press(model, KeyCode::Char(' '));
    }
}

/// The run under way: one accepted, one failed, one queued and not yet sent. Returns the run's
/// transfers.
fn run_under_way(model: &mut Model) -> Vec<handoff::transfer::TransferRequest> {
    let requests = match press(model, KeyCode::Char('y')) {
        Some(Effect::DispatchBulk { requests, .. }) => requests,
        other => panic!("expected a run, got {other:?}"),
    };
    for request in &requests[..2] {
        let sending = Progress::Sending {
            request: String::new(),
        };
        finish(model, request.id, sending);
    }
    finish(
        model,
        requests[0].id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    );
    finish(
        model,
        requests[1].id,
        Progress::Finished(Outcome::Failed {
            http_status: Some(404),
            reason: FailureReason::SessionEnded,
            message: "HTTP 404: Conversation not found or already closed".into(),
        }),
    );
    requests
}

#[test]
fn many_at_once_one_confirmation_then_a_bar_that_counts_them() {
    let mut model = model();
    with_conversations(&mut model);
    three_to_billing(&mut model);
    let confirm = screen(&model, 80, 24);
    assert!(
        confirm.contains("3 conversation(s) → queue Billing"),
        "{confirm}"
    );
    assert_screen!("confirm_many", confirm);
    run_under_way(&mut model);
    let bar = screen(&model, 120, 40);
    assert!(
        bar.contains(
            "3 → queue Billing sending: 2 sent · 1 accepted · 1 failed · 0 unknown · 1 waiting"
        ),
        "{bar}"
    );
    assert_screen!("progress", bar);
}

/// The run stopped before its third went out: that one is "not sent", quiet and apart from the
/// failed one, in the log and in the bar, and `R` offers it again.
#[test]
fn a_stopped_run_counts_what_it_never_sent_apart_from_what_failed() {
    let mut model = model();
    with_conversations(&mut model);
    three_to_billing(&mut model);
    let requests = run_under_way(&mut model);
    press(&mut model, KeyCode::Esc);
    press(&mut model, KeyCode::Char('y'));
    update(
        &mut model,
        Msg::BulkEnded {
            unsent: vec![requests[2].id],
        },
    );
    // Wide enough for the whole bar, with what `R` offers.
    let screen = screen(&model, 180, 40);
    assert!(
        screen.contains(
            "3 → queue Billing stopped: 2 sent · 1 accepted · 1 failed · 0 unknown · 1 not sent · 0 waiting · R in the log re-routes the 2 failed, in doubt or not sent"
        ),
        "{screen}"
    );
    assert!(screen.contains("↷ not sent"), "{screen}");
    assert!(
        screen.contains("stopped before its turn: the run was stopped"),
        "{screen}"
    );
    assert!(
        screen.contains("! 1 need a look"),
        "the failure needs a look, the one not sent does not:\n{screen}"
    );
    assert_screen!("progress_not_sent", screen);
}

/// Many to one agent: its free chats as last read, and how many would go beyond them, said
/// before `y`; the second confirmation names the agent's free chats again.
#[test]
fn many_to_one_agent_names_its_free_chats_and_asks_again() {
    let mut model = model();
    with_live(&mut model, false);
    with_conversations(&mut model);
    three_to(&mut model, "dana");
    // 120 columns: the dialog covers no session id cut short (those begin with their time).
    let first = screen(&model, 120, 40);
    assert!(
        first.contains("Dana Whitfield (2 of 3 chats free)"),
        "{first}"
    );
    assert!(
        first.contains("1 would go beyond their free chats (you will be asked again)"),
        "{first}"
    );
    assert_screen!("confirm_many_to_an_agent", first);
    assert!(press(&mut model, KeyCode::Enter).is_none(), "only y");
    assert!(
        press(&mut model, KeyCode::Char('y')).is_none(),
        "asked again"
    );
    let second = screen(&model, 120, 40);
    assert!(
        second.contains("1 of the 3 would go beyond what Dana Whitfield can take (2 chats free)"),
        "{second}"
    );
    assert_screen!("confirm_many_to_an_agent_anyway", second);
}

#[test]
fn spread_over_marked_agents_names_their_free_chats() {
    let mut model = model();
    with_live(&mut model, false);
    with_conversations(&mut model);
    mark_three(&mut model);
    press(&mut model, KeyCode::Enter);
    ctrl(&mut model, ' ');
    for _ in 0..4 {
        press(&mut model, KeyCode::Down);
    }
    ctrl(&mut model, ' ');
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 120, 40);
    assert!(
        screen.contains("3 conversation(s) → 2 agents by free capacity"),
        "{screen}"
    );
    assert_screen!("confirm_spread", screen);
}

#[test]
fn a_missing_scope_is_said_in_the_pane() {
    let mut model = model();
    update(
        &mut model,
        Msg::Conversations(
            Err(handoff::platform::ConversationsError::MissingScope {
                status: 403,
                message: "Forbidden".into(),
            }),
            None,
        ),
    );
    let screen = screen(&model, 80, 24);
    assert!(screen.contains("SmartAssist Analytics"), "{screen}");
    assert_screen!("conversations_missing_scope", screen);
}

#[test]
fn a_fresh_console() {
    assert_screen!("fresh_80x24", screen(&model(), 80, 24));
}

#[test]
fn an_invalid_session_id_is_explained_inline() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf425ee5cfxxxx");
    press(&mut model, KeyCode::Enter);
    assert_screen!("invalid_session", screen(&model, 80, 24));
}

#[test]
fn the_picker_filtered() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "tech");
    assert_screen!("picker_filtered", screen(&model, 80, 24));
}

/// "queue" and "agent" as words narrow the picker to that kind, and are not looked for in names.
#[test]
fn a_kind_word_narrows_the_picker() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "queue tech");
    let queues = screen(&model, 80, 24);
    assert!(queues.contains("Target (1 of 26)"), "{queues}");
    assert!(queues.contains("▶   queue Tech Support"), "{queues}");
    press(&mut model, KeyCode::Esc);
    type_text(&mut model, "agent tech");
    let agents = screen(&model, 80, 24);
    assert!(agents.contains("Target (6 of 26)"), "{agents}");
    assert!(
        agents.contains("▶   agent Samuel Ortiz         Tech Support"),
        "{agents}"
    );
    assert!(!agents.contains("queue Tech Support"), "{agents}");
}

/// F9 asks for the hand-over to be written; once it is, the log says where.
#[test]
fn the_log_says_where_the_hand_over_was_written() {
    let mut model = model();
    send(&mut model, "6538f8a3c9cf425ee5cf0a1b", "dana");
    let effect = press(&mut model, KeyCode::F(9));
    assert!(
        matches!(&effect, Some(Effect::WriteHandOver { stamp, .. }) if stamp == "2025-03-14-0930"),
        "{effect:?}"
    );
    update(
        &mut model,
        Msg::HandOverWritten(Ok(handoff::transfer::HandOverFiles {
            csv: "/data/handoff-shift-2025-03-14-0930.csv".into(),
            summary: "/data/handoff-shift-2025-03-14-0930.txt".into(),
        })),
    );
    let log = screen(&model, 120, 30);
    assert!(
        log.contains("hand-over written: /data/handoff-shift-2025-03-14-0930.csv and /data/handoff-shift-2025-03-14-0930.txt"),
        "{log}"
    );
}

#[test]
fn the_confirmation_shows_exactly_what_will_happen() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 100, 30);
    assert!(screen.contains("session 6538…cf0a1b → agent Dana Whitfield (a-3884339…)"));
    assert_screen!("confirm", screen);
}

/// A conversation taken from the list: the confirmation says how it waits, and for what.
#[test]
fn the_confirmation_names_the_conversations_queue_wait_and_intent() {
    let mut model = model();
    with_conversations(&mut model);
    let first = model.conversations.shown("")[0].clone();
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 100, 30);
    let queue = first.queue.as_ref().unwrap().label().to_owned();
    assert!(
        screen.contains(&format!(" in {queue} · intent {}", first.intent.unwrap())),
        "{screen}"
    );
    assert!(screen.contains("waiting "), "{screen}");
    assert_screen!("confirm_from_the_list", screen);
}

/// An unknown outcome: the detail says where the list last saw the conversation, and when.
#[test]
fn an_unknown_outcome_says_where_the_list_last_saw_the_conversation() {
    let mut model = model();
    with_conversations(&mut model);
    let first = model.conversations.shown("")[0].clone();
    let queue = first.queue.as_ref().unwrap().label().to_owned();
    let id = send(&mut model, first.session.as_str(), "dana");
    finish(
        &mut model,
        id,
        Progress::Finished(Outcome::Unknown {
            http_status: Some(504),
            reason: FailureReason::GatewayTimeout,
            message: "HTTP 504: gateway timed out".into(),
        }),
    );
    model.clock.now += chrono::Duration::seconds(40);
    press(&mut model, KeyCode::F(6));
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 110, 30);
    assert!(
        screen.contains(&format!(
            "per the list at 09:30:00, 40s ago: waiting in {queue}"
        )),
        "{screen}"
    );
    assert_screen!("detail_unknown_where_now", screen);
}

/// What a key did shows in the bottom line, even when the log's filter hides its line.
#[test]
fn a_keys_answer_shows_in_the_status_line_until_the_next_key() {
    let mut model = model();
    let id = send(&mut model, "fa11f6939489bfffc7911a2b", "marcus");
    finish(
        &mut model,
        id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    );
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Char('/'));
    type_text(&mut model, "marcus");
    press(&mut model, KeyCode::Enter);
    press(&mut model, KeyCode::Char('y'));
    let shown = screen(&model, 80, 24);
    let bottom = shown.lines().last().unwrap();
    assert!(
        bottom
            .contains("copied fa11f6939489bfffc7911a2b to the clipboard (if the terminal allows)"),
        "{shown}"
    );
    assert_screen!("status_copied", shown);
    press(&mut model, KeyCode::Up);
    let after = screen(&model, 80, 24);
    assert!(!after.contains("copied"), "{after}");
}

#[test]
fn the_log_shows_every_state_in_words() {
    let mut model = model();
    let transferred = send(&mut model, "6538f8a3c9cf425ee5cf0a1b", "dana");
    let failed = send(&mut model, "dead5f0e9a8b7c6d5e4f3a2b", "billing");
    let unknown = send(&mut model, "0077aa0e9a8b7c6d5e4f3a2b", "retention");
    let waiting = send(&mut model, "66c2f6939489bfffc7911a2b", "kwame");
    send(&mut model, "66c2f6939489bfffc7911a2c", "after hours");
    finish(
        &mut model,
        transferred,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: Some(1_698_825_180_041),
        }),
    );
    finish(
        &mut model,
        failed,
        Progress::Finished(Outcome::Failed {
            http_status: Some(404),
            reason: FailureReason::SessionEnded,
            message: "HTTP 404: Conversation not found or already closed".into(),
        }),
    );
    finish(
        &mut model,
        unknown,
        Progress::Finished(Outcome::Unknown {
            http_status: None,
            reason: FailureReason::NoAnswer,
            message: "no answer from the platform within 20s".into(),
        }),
    );
    finish(
        &mut model,
        waiting,
        Progress::WaitingForBudget(std::time::Duration::from_secs(42)),
    );
    assert_screen!("log_states", screen(&model, 130, 30));
}

fn callback(model: &mut Model, session: &str, payload: serde_json::Value) {
    use handoff::callback::{CallbackEvent, Received};
    let mut callback = Received::of(payload);
    callback.at = later(model).into();
    assert_eq!(callback.session.as_ref().map(|s| s.as_str()), Some(session));
    let effect = update(model, Msg::Callback(CallbackEvent::Received(callback)));
    // A callback that matches nothing gets a second look in the audit file; here it holds
    // nothing more.
    if let Some(Effect::LookFurther(callback)) = effect {
        update(
            model,
            Msg::LookedFurther {
                records: Vec::new(),
                callback,
            },
        );
    }
}

/// With the callback receiver on: accepted, then confirmed, failed by callback, unconfirmed;
/// a note; and callbacks that belong to nothing.
#[test]
fn the_log_follows_each_transfer_to_its_confirmation() {
    let mut model = model();
    model.confirmations = true;
    let accepted = Progress::Finished(Outcome::Transferred {
        request_completed_at: Some(1_698_825_180_041),
    });
    let confirmed = send(&mut model, "6538f8a3c9cf425ee5cf0a1b", "dana");
    let rejected = send(&mut model, "fa11f6939489bfffc7911a2b", "marcus");
    let silent = send(&mut model, "66c2f6939489bfffc7911a2b", "retention");
    // A note typed in the confirmation dialog.
    type_text(&mut model, "0000f6939489bfffc7911a2b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "billing");
    press(&mut model, KeyCode::Enter);
    press(&mut model, KeyCode::Tab);
    type_text(&mut model, "VIP, second contact today");
    let waiting = match press(&mut model, KeyCode::Enter) {
        Some(Effect::Dispatch(request)) => {
            assert_eq!(request.note.as_deref(), Some("VIP, second contact today"));
            request.id
        }
        other => panic!("expected a dispatch, got {other:?}"),
    };
    for id in [confirmed, rejected, silent, waiting] {
        finish(&mut model, id, accepted.clone());
    }
    callback(
        &mut model,
        "6538f8a3c9cf425ee5cf0a1b",
        serde_json::json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"}),
    );
    callback(
        &mut model,
        "fa11f6939489bfffc7911a2b",
        serde_json::json!({"sessionId": "fa11f6939489bfffc7911a2b", "status": "failure", "message": "Agent rejected the conversation"}),
    );
    update(&mut model, Msg::ConfirmDeadline(silent));
    callback(
        &mut model,
        "1234f6939489bfffc7911a2b",
        serde_json::json!({"sessionId": "1234f6939489bfffc7911a2b", "status": "success"}),
    );
    update(
        &mut model,
        Msg::Callback(handoff::callback::CallbackEvent::Refused {
            from: "203.0.113.9:51000".parse().unwrap(),
            refusal: handoff::callback::Refusal::WrongToken,
        }),
    );
    assert_screen!("log_lifecycle", screen(&model, 130, 34));
}

/// A callback whose payload runs to hundreds of thousands of characters: the detail view shows
/// the start of each string and of the payload, each saying how much was cut.
#[test]
fn a_huge_callback_payload_is_cut_in_the_detail() {
    let mut model = model();
    model.confirmations = true;
    let id = send(&mut model, "6538f8a3c9cf425ee5cf0a1b", "dana");
    let accepted = Progress::Finished(Outcome::Transferred {
        request_completed_at: Some(1_698_825_180_041),
    });
    finish(&mut model, id, accepted);
    let mut payload = serde_json::json!({
        "botSessionId": "6538f8a3c9cf425ee5cf0a1b",
        "status": "success",
        "a_reason": "x".repeat(200_000),
    });
    for n in 0..20 {
        payload[format!("field_{n:02}")] = "y".repeat(1_000).into();
    }
    callback(&mut model, "6538f8a3c9cf425ee5cf0a1b", payload);
    model.dialog = Some(Box::new(Detail::new(id)));
    // Tall enough for the whole detail: what it shows is all there is.
    let detail = screen(&model, 100, 300);
    let text: String = detail
        .lines()
        .flat_map(|line| line.split(['│', ' ', '"']))
        .collect();
    // What the cut keeps: the room less that of the longest count it could need.
    let cut = handoff::terminal_safe::JSON_STRING_CHARS - "…(+200,000 characters)".chars().count();
    assert!(
        text.contains(&format!(
            "{}…(+{}characters)",
            "x".repeat(20),
            handoff::terminal_safe::grouped(200_000 - cut)
        )),
        "the reason is cut: {detail}"
    );
    assert!(text.contains("field_00"), "{detail}");
    assert!(!text.contains("field_19"), "the payload is cut: {detail}");
    assert_eq!(text.matches("characters)").count(), 2, "{detail}");
}

#[test]
fn help_lists_every_key() {
    let mut model = model();
    press(&mut model, KeyCode::F(1));
    assert_screen!("help", screen(&model, 80, 40));
}

/// The help opened from the log, at the smallest usual terminal: the log's keys come first, and
/// paging through it shows every binding whole, its keys and its words on one line.
#[test]
fn help_at_80x24_fits_every_row_whole() {
    let mut model = model();
    // Help scrolls within the page of the terminal it is on.
    update(
        &mut model,
        Msg::Resized {
            width: 80,
            height: 24,
        },
    );
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Char('?'));
    let first = screen(&model, 80, 24);
    assert_screen!("help_80x24_from_log", first.clone());
    let mut screens = vec![first];
    for _ in 0..20 {
        press(&mut model, KeyCode::PageDown);
        screens.push(screen(&model, 80, 24));
    }
    for context in HELP_ORDER {
        for binding in model.keys.bindings(context) {
            let (keys, words) = (binding.keys_label(), binding.description);
            let whole = screens.iter().flat_map(|s| s.lines()).any(|line| {
                line.find(&keys)
                    .and_then(|at| line[at..].find(words))
                    .is_some()
            });
            assert!(whole, "{context:?}: {keys} {words} is not on screen whole");
        }
    }
    let last = screens.last().unwrap();
    assert!(last.contains(" of "), "where in the list: {last}");
}

/// `?` over the confirmation: help lists the confirmation's keys first, and Esc goes back to
/// the confirmation as it was.
#[test]
fn help_over_a_confirmation_starts_with_its_keys() {
    let mut model = model();
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "dana");
    press(&mut model, KeyCode::Enter);
    let confirmation = screen(&model, 100, 30);
    press(&mut model, KeyCode::Char('?'));
    let help = screen(&model, 100, 30);
    assert_screen!("help_over_confirm", help);
    press(&mut model, KeyCode::Esc);
    assert_eq!(screen(&model, 100, 30), confirmation);
}

#[test]
fn help_filtered_by_a_word() {
    let mut model = model();
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Char('?'));
    type_text(&mut model, "free");
    let screen = screen(&model, 80, 24);
    for row in ["Ctrl-o", "only who is free", "refresh who is free"] {
        assert!(screen.contains(row), "{row}: {screen}");
    }
    assert!(!screen.contains("re-route"), "{screen}");
    assert_screen!("help_filtered", screen);
}

#[test]
fn the_logs_hint_bar_at_80x24_keeps_the_way_to_the_details() {
    let mut model = model();
    press(&mut model, KeyCode::BackTab);
    let screen = screen(&model, 80, 24);
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains("Enter details of the transfer"), "{bar}");
    assert!(bar.contains("F1 help · Ctrl-c quit"), "{bar}");
}

/// Keys from the config file show wherever keys are named: the hint bar, the help, the words.
#[test]
fn your_keys_show_in_the_hint_bar_and_the_help() {
    use handoff::tui::keys::{Action, Context, KeyMap, Override};
    let mut model = model();
    let line = |context, action, keys: &[&str]| Override {
        context,
        action,
        keys: keys.iter().map(|k| k.parse().unwrap()).collect(),
    };
    model.keys = KeyMap::with_overrides(&[
        line(Some(Context::Log), Action::OpenDetail, &["o"]),
        line(None, Action::SubmitSession, &["F7"]),
    ])
    .unwrap();
    let fresh = screen(&model, 80, 24);
    assert!(fresh.contains("(24 hex), then F7"), "{fresh}");
    press(&mut model, KeyCode::BackTab);
    let log = screen(&model, 80, 24);
    let bar = log.lines().last().unwrap();
    assert!(bar.contains(" o details of the transfer · "), "{bar}");
    press(&mut model, KeyCode::Char('?'));
    type_text(&mut model, "details");
    let help = screen(&model, 80, 24);
    assert!(
        help.lines()
            .any(|l| l.contains("  o  ") && l.contains("details of the transfer")),
        "{help}"
    );
}

#[test]
fn quitting_while_sending_asks_first() {
    let mut model = model();
    send(&mut model, "6538f8a3c9cf425ee5cf0a1b", "dana");
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_screen!("quit_while_sending", screen(&model, 80, 24));
}

#[test]
fn a_terminal_too_small_says_so() {
    assert_screen!("too_small", screen(&model(), 50, 10));
}

#[test]
fn an_empty_roster_says_where_to_add_targets() {
    let model = Model::new(Default::default(), "test".into(), Vec::new(), clock());
    assert_screen!("empty_roster", screen(&model, 80, 20));
}

#[test]
fn the_picker_scrolls_to_keep_the_highlight_visible() {
    let mut model = model();
    press(&mut model, KeyCode::Tab);
    for _ in 0..12 {
        press(&mut model, KeyCode::Down);
    }
    let screen = screen(&model, 80, 24);
    assert!(screen.contains("▶   agent Sofia Marchetti"), "{screen}");
    assert_screen!("picker_scrolled", screen);
}

#[test]
fn a_narrow_hint_bar_keeps_help_and_quit() {
    let mut model = model();
    press(&mut model, KeyCode::Tab);
    for width in [80, 100, 120] {
        let screen = screen(&model, width, 24);
        let bar = screen.lines().last().unwrap();
        assert!(bar.contains("Enter transfer to target"), "{width}: {bar}");
        assert!(bar.contains("F1 help · Ctrl-c quit"), "{width}: {bar}");
    }
}

fn ctrl(model: &mut Model, c: char) -> Option<Effect> {
    update(
        model,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

#[test]
fn the_add_form_with_a_problem() {
    let mut model = model();
    press(&mut model, KeyCode::Tab);
    press(&mut model, KeyCode::Insert);
    type_text(&mut model, "Qu-7");
    press(&mut model, KeyCode::Tab);
    type_text(&mut model, "Billing overflow");
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 90, 30);
    assert!(screen.contains("Enter again to save it anyway"), "{screen}");
    assert_screen!("add_form_odd_id", screen);
}

#[test]
fn delete_asks_with_the_targets_name() {
    let mut model = model();
    press(&mut model, KeyCode::Tab);
    press(&mut model, KeyCode::F(8));
    assert_screen!("confirm_delete", screen(&model, 80, 24));
}

#[test]
fn favourites_and_stale_targets_are_marked_in_words_and_symbols() {
    let mut roster = demo::roster();
    let ids: Vec<String> = roster.targets().iter().map(|t| t.id.clone()).collect();
    roster.toggle_favourite(&ids[4]).unwrap();
    let mut stale = roster.find(&ids[2]).unwrap().clone();
    stale.stale = true;
    roster
        .replace(&ids[2], stale, handoff::roster::Shape::Forced)
        .unwrap();
    let model = Model::new(roster, "test".into(), Vec::new(), clock());
    let screen = screen(&model, 100, 24);
    assert!(screen.contains("★ agent Grace Liu"), "{screen}");
    assert_screen!("favourite_and_stale", screen);
}

/// Live state as the picker shows it: presence and chat load of agents, waiting and average
/// wait of queues, an inactive queue, and how old the data is.
fn with_live(model: &mut Model, failing: bool) {
    use handoff::directory::{Availability, QueueLoad};
    use handoff::platform::{AgentPresence, Capacity, Presence, QueueStats};
    let id = |name: &str| {
        model
            .roster
            .targets()
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .id
            .clone()
    };
    let agent = |presence, used| AgentPresence {
        presence,
        chat: Some(Capacity { used, total: 3 }),
    };
    let agents = [
        ("Dana Whitfield", agent(Presence::Available, 1)),
        ("Marcus Oyelaran", agent(Presence::Busy, 3)),
        ("Priya Raghunathan", agent(Presence::Away, 0)),
        ("Tomás Echeverría", agent(Presence::Offline, 0)),
        ("Grace Liu", agent(Presence::Available, 3)),
    ]
    .into_iter()
    .map(|(name, state)| (id(name), state))
    .collect();
    let queues = [
        (
            "Billing",
            QueueLoad {
                active: true,
                stats: Some(QueueStats {
                    waiting: Some(4),
                    average_wait: Some(std::time::Duration::from_secs(95)),
                }),
            },
        ),
        (
            "After Hours",
            QueueLoad {
                active: false,
                stats: None,
            },
        ),
    ]
    .into_iter()
    .map(|(name, state)| (id(name), state))
    .collect();
    // Read five seconds ago.
    let taken_at = model.clock.now - chrono::Duration::seconds(5);
    model.live = Some(Availability {
        agents,
        queues,
        taken_at: taken_at.into(),
        read_by: None,
    });
    if failing {
        model.live_error = Some("could not reach the platform".into());
    }
}

#[test]
fn the_picker_shows_who_is_free() {
    let mut model = model();
    with_live(&mut model, false);
    press(&mut model, KeyCode::Tab);
    type_text(&mut model, "billing");
    let screen = screen(&model, 110, 26);
    assert!(screen.contains("● 2 of 3 chats free"), "{screen}");
    assert!(screen.contains("◑ busy"), "{screen}");
    assert!(screen.contains("4 waiting ~1m35s"), "{screen}");
    assert!(screen.contains("who is free as of"), "{screen}");
    assert_screen!("picker_live", screen);
}

#[test]
fn stale_live_data_says_so() {
    let mut model = model();
    with_live(&mut model, true);
    let screen = screen(&model, 110, 26);
    assert!(screen.contains("STALE: as of"), "{screen}");
    assert_screen!("picker_live_stale", screen);
}

/// In team mode, what a teammate's console read says whose it is, beside how old it is: the
/// picker's line of who is free and the conversation list's title.
#[test]
fn a_teammates_reads_say_whose_they_are() {
    let mut model = model();
    with_live(&mut model, false);
    if let Some(live) = &mut model.live {
        live.read_by = Some("Marcus".into());
    }
    let read = handoff::directory::TeammateRead {
        by: "Marcus".into(),
        at: model.clock.now - chrono::Duration::seconds(12),
    };
    let list = demo_conversations(read.at);
    update(&mut model, Msg::Conversations(Ok(list), Some(read)));
    let screen = screen(&model, 120, 40);
    assert!(screen.contains("(12s ago, read by Marcus)"), "{screen}");
    assert!(screen.contains("who is free as of"), "{screen}");
    assert_eq!(
        screen.matches("ago, read by Marcus)").count(),
        2,
        "{screen}"
    );
    assert_screen!("teammates_reads", screen);
}

#[test]
fn an_offline_agent_needs_a_second_confirmation_in_words() {
    let mut model = model();
    with_live(&mut model, false);
    type_text(&mut model, "6538f8a3c9cf425ee5cf0a1b");
    press(&mut model, KeyCode::Enter);
    type_text(&mut model, "tomás");
    press(&mut model, KeyCode::Enter);
    let first = screen(&model, 100, 30);
    assert!(
        first.contains("now ○ offline (you will be asked to confirm again)"),
        "{first}"
    );
    assert!(press(&mut model, KeyCode::Char('y')).is_none());
    let second = screen(&model, 100, 30);
    assert!(
        second.contains("⚠ Tomás Echeverría is offline."),
        "{second}"
    );
    assert_screen!("confirm_anyway", second);
    // Enter does not send here; only y does.
    assert!(press(&mut model, KeyCode::Enter).is_none());
    assert!(matches!(
        press(&mut model, KeyCode::Char('y')),
        Some(Effect::Dispatch(_))
    ));
}

/// The detail view: request with the token replaced, the reply, the callback payload verbatim.
#[test]
fn the_detail_view_shows_request_reply_and_callback() {
    let mut model = model();
    model.confirmations = true;
    let id = send(&mut model, "fa11f6939489bfffc7911a2b", "marcus");
    finish(&mut model, id, Progress::Sending {
        request: "POST http://127.0.0.1:PORT/agentassist/api/v1/public/st-1/assign-conversation\n{\n  \"aId\": \"a-0691274-…\",\n  \"callbackUrl\": \"https://hooks.example.com/kore?handoff_token=<token>\"\n}".into(),
    });
    finish(
        &mut model,
        id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: Some(1_698_825_180_041),
        }),
    );
    callback(
        &mut model,
        "fa11f6939489bfffc7911a2b",
        serde_json::json!({"sessionId": "fa11f6939489bfffc7911a2b", "status": "failure", "message": "Agent rejected the conversation"}),
    );
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Enter);
    let screen = screen(&model, 110, 40);
    assert!(screen.contains("handoff_token=<token>"), "{screen}");
    assert!(
        screen.contains("\"message\": \"Agent rejected the conversation\""),
        "{screen}"
    );
    assert!(
        screen.contains("target unavailable or at capacity"),
        "{screen}"
    );
    assert_screen!("detail", screen);
}

/// `r` on a refused transfer: the picker marks the target that refused it and starts on
/// another; the new transfer's detail names the one it re-routes.
#[test]
fn a_reroute_marks_the_failed_target_and_links_the_transfers() {
    let mut model = model();
    let refused = send(&mut model, "dead5f0e9a8b7c6d5e4f3a2b", "dana");
    finish(
        &mut model,
        refused,
        Progress::Finished(Outcome::Failed {
            http_status: Some(404),
            reason: FailureReason::SessionEnded,
            message: "HTTP 404: Conversation not found or already closed".into(),
        }),
    );
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Char('r'));
    assert_screen!("reroute_picker", screen(&model, 100, 30));
    type_text(&mut model, "spanish");
    press(&mut model, KeyCode::Enter);
    let id = match press(&mut model, KeyCode::Char('y')) {
        Some(Effect::Dispatch(request)) => request.id,
        other => panic!("expected a dispatch, got {other:?}"),
    };
    model.dialog = Some(Box::new(Detail::new(id)));
    let detail = screen(&model, 100, 30);
    assert!(
        detail.contains("re-routes")
            && detail.contains("→ agent Dana Whitfield (a-3884339…): failed"),
        "{detail}"
    );
}

/// What a sync would change, named before anything is saved.
#[test]
fn a_sync_shows_what_it_would_change_first() {
    use handoff::ids::TargetKind;
    use handoff::roster::Listed;
    let mut model = model();
    let mut targets: Vec<Listed> = model
        .roster
        .targets()
        .iter()
        .skip(1)
        .map(|t| Listed {
            kind: t.kind,
            id: t.id.clone(),
            name: t.name.clone(),
            team: t.team.clone(),
        })
        .collect();
    targets.push(Listed {
        kind: TargetKind::Agent,
        id: "a-1234567-0000-4000-8000-000000000042".into(),
        name: "Nadia Haddad".into(),
        team: Some("Billing".into()),
    });
    update(
        &mut model,
        Msg::ListingFetched(Ok(handoff::directory::Listing {
            targets,
            notes: vec!["the platform said more queues follow, but also that there are 1 page(s); stopped at page 1".into()],
        })),
    );
    assert_screen!("sync_preview", screen(&model, 100, 30));
}

/// A real budget of `limit` calls a minute, with `spent` of them spent, as the console sees it.
async fn spent_budget(limit: u32, spent: usize) -> handoff::budget::BudgetSnapshot {
    use handoff::budget::RateBudget;
    let dir = tempfile::tempdir().unwrap();
    let budget = RateBudget::shared(
        limit,
        std::time::Duration::from_secs(60),
        std::time::Duration::ZERO,
        dir.path(),
        "acct",
    );
    for _ in 0..spent {
        let slot = budget.try_spend().await.unwrap();
        budget.done(slot).await;
    }
    budget.watch().borrow().clone()
}

#[tokio::test]
async fn the_header_shows_the_budget_and_counts_down_when_it_is_spent() {
    let mut model = model();
    // The budget's calls are real ones, counted on the wall clock: the console's clock is set
    // after them, as the event loop would.
    let budget = spent_budget(60, 41).await;
    model.clock.now = chrono::Utc::now();
    update(&mut model, Msg::Budget(budget));
    let header = screen(&model, 120, 20);
    assert!(header.contains("handoff · API 41/60 · DEMO"), "{header}");

    let budget = spent_budget(3, 3).await;
    model.clock.now = chrono::Utc::now();
    update(&mut model, Msg::Budget(budget));
    // The clock as the console would read it 12 s before the first call leaves the window.
    let now = std::time::SystemTime::from(model.clock.now);
    let wait = model.budget.as_ref().unwrap().wait_at(now).unwrap();
    model.clock.now += chrono::Duration::from_std(wait).unwrap() - chrono::Duration::seconds(12);
    assert_screen!("budget_spent", screen(&model, 80, 24));
    model.clock.now += chrono::Duration::milliseconds(4_500);
    assert!(screen(&model, 80, 24).contains("API 3/3 · next slot 8s"));
}

#[test]
fn the_log_filtered_to_what_failed() {
    let mut model = model();
    for (session, filter) in [
        ("c0ffee00aaaaaaaaaa111111", "dana"),
        ("c0ffee00aaaaaaaaaa222222", "billing"),
        ("c0ffee00aaaaaaaaaa333333", "grace"),
    ] {
        let id = send(&mut model, session, filter);
        let outcome = if filter == "dana" {
            Outcome::Transferred {
                request_completed_at: None,
            }
        } else {
            Outcome::Failed {
                http_status: Some(404),
                reason: FailureReason::SessionEnded,
                message: "HTTP 404: Conversation not found or already closed".into(),
            }
        };
        finish(&mut model, id, Progress::Finished(outcome));
    }
    press(&mut model, KeyCode::BackTab);
    press(&mut model, KeyCode::Char('/'));
    type_text(&mut model, "failed");
    let screen = screen(&model, 80, 24);
    assert!(screen.contains("Log (2 of 4)"), "{screen}");
    assert!(!screen.contains("111111"), "{screen}");
    assert_screen!("log_filtered", screen);
}

#[test]
fn at_60_columns_names_win_over_id_stubs() {
    let mut model = model();
    with_live(&mut model, false);
    let id = send(&mut model, "c0ffee00aaaaaaaaaa222222", "billing");
    finish(
        &mut model,
        id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    );
    press(&mut model, KeyCode::Tab);
    type_text(&mut model, "billing");
    let screen = screen(&model, 60, 20);
    for whole in [
        "Priya Raghunathan",
        "Tomás Echeverría",
        "● 2 of 3 chats free",
    ] {
        assert!(screen.contains(whole), "{whole} is cut:\n{screen}");
    }
    assert!(!screen.contains("a-0691274…"), "no id stubs:\n{screen}");
    assert!(screen.contains("c0ff…222222 → queue Billing"), "{screen}");
    assert_screen!("narrow_60x20", screen);
}

/// Every pane and dialog, as the supervisor meets them in a shift, for the size matrix below.
mod every_screen {
    use super::*;
    use handoff::tui::dialog::send_unclaimed::SendUnclaimed;

    /// A shift under way: live data, one transfer of each outcome, their three sessions' ids
    /// differing only in their last characters, and one still waiting for the budget.
    fn shift() -> Model {
        let mut model = model();
        with_live(&mut model, false);
        with_conversations(&mut model);
        let ends = [
            ("c0ffee00aaaaaaaaaa111111", "dana", None),
            ("c0ffee00aaaaaaaaaa222222", "spanish", Some(404)),
            ("c0ffee00aaaaaaaaaa333333", "retention", Some(504)),
        ];
        for (session, filter, status) in ends {
            let id = send(&mut model, session, filter);
            let outcome = match status {
                None => Outcome::Transferred {
                    request_completed_at: None,
                },
                Some(404) => Outcome::Failed {
                    http_status: Some(404),
                    reason: FailureReason::SessionEnded,
                    message: "HTTP 404: Conversation not found or already closed".into(),
                },
                Some(status) => Outcome::Unknown {
                    http_status: Some(status),
                    reason: FailureReason::GatewayTimeout,
                    message: format!("HTTP {status}: gateway timed out"),
                },
            };
            finish(&mut model, id, Progress::Finished(outcome));
        }
        let waiting = send(&mut model, "66c2f6939489bfffc7911a2b", "kwame");
        finish(
            &mut model,
            waiting,
            Progress::WaitingForBudget(std::time::Duration::from_secs(42)),
        );
        model
    }

    fn to_confirm(model: &mut Model, session: &str, filter: &str) {
        type_text(model, session);
        press(model, KeyCode::Enter);
        type_text(model, filter);
        press(model, KeyCode::Enter);
    }

    pub(super) fn scenarios() -> Vec<(&'static str, Model)> {
        let mut screens = Vec::new();
        screens.push(("session_pane", shift()));

        let mut picker = shift();
        press(&mut picker, KeyCode::Tab);
        type_text(&mut picker, "billing");
        screens.push(("picker_pane", picker));

        let mut log = shift();
        press(&mut log, KeyCode::BackTab);
        press(&mut log, KeyCode::Up);
        screens.push(("log_pane", log));

        let mut confirm = shift();
        to_confirm(&mut confirm, "6538f8a3c9cf425ee5cf0a1b", "dana");
        screens.push(("confirm", confirm));

        let mut note = shift();
        to_confirm(&mut note, "6538f8a3c9cf425ee5cf0a1b", "dana");
        press(&mut note, KeyCode::Tab);
        type_text(&mut note, "VIP, second contact today");
        screens.push(("confirm_note", note));

        let mut anyway = shift();
        to_confirm(&mut anyway, "c0ffee00aaaaaaaaaa111111", "tomás");
        press(&mut anyway, KeyCode::Char('y'));
        screens.push(("confirm_anyway", anyway));

        let mut detail = shift();
        press(&mut detail, KeyCode::BackTab);
        press(&mut detail, KeyCode::Up);
        press(&mut detail, KeyCode::Enter);
        assert!(detail.showing::<Detail>().is_some());
        screens.push(("detail", detail));

        let mut help = shift();
        press(&mut help, KeyCode::F(1));
        screens.push(("help", help));

        let mut form = shift();
        press(&mut form, KeyCode::Tab);
        press(&mut form, KeyCode::Insert);
        type_text(&mut form, "Qu-7");
        press(&mut form, KeyCode::Enter);
        screens.push(("add_form", form));

        let mut delete = shift();
        press(&mut delete, KeyCode::Tab);
        press(&mut delete, KeyCode::F(8));
        screens.push(("confirm_delete", delete));

        let mut quit = shift();
        ctrl(&mut quit, 'c');
        screens.push(("quit_while_sending", quit));

        let mut many = shift();
        three_to_billing(&mut many);
        screens.push(("confirm_many", many));

        let mut progress = shift();
        three_to_billing(&mut progress);
        run_under_way(&mut progress);
        screens.push(("progress", progress));

        let mut top = shift();
        ctrl(&mut top, 'g');
        type_text(&mut top, "15");
        screens.push(("mark_top", top));

        let mut filtered = shift();
        press(&mut filtered, KeyCode::BackTab);
        press(&mut filtered, KeyCode::Char('/'));
        type_text(&mut filtered, "c0ffee");
        screens.push(("log_filter", filtered));

        // Team mode with Redis away, as the budget's watch says it: the confirmation asks.
        let mut away = shift();
        to_confirm(&mut away, "6538f8a3c9cf425ee5cf0a1b", "dana");
        let confirmed = away.dialog.take().expect("the confirmation");
        let why =
            "Redis at redis://10.0.0.5:6379 is unreachable (Connection refused (os error 111))";
        away.dialog = Some(Box::new(SendUnclaimed::new(why.into(), confirmed)));
        screens.push(("redis_away", away));
        screens
    }
}

/// The three sizes a console meets: a laptop's default terminal, a half screen, a full one.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (220, 60)];

#[test]
fn every_pane_and_dialog_at_80x24_120x40_and_220x60() {
    for (name, model) in every_screen::scenarios() {
        let screens: Vec<String> = SIZES
            .iter()
            .map(|&(width, height)| {
                let screen = screen(&model, width, height);
                // Two sessions that differ only in their last characters look different
                // (at 80×24 the log has room for the newest two entries only).
                if name.ends_with("pane") && width > 80 {
                    assert!(
                        screen.contains("111111") && screen.contains("222222"),
                        "{name} at {width}×{height}:\n{screen}"
                    );
                }
                format!("{width}×{height}\n{screen}")
            })
            .collect();
        insta::with_settings!({
            snapshot_suffix => name,
        }, {
            insta::assert_snapshot!("sizes", screens.join("\n"));
        });
    }
}

/// With `NO_COLOR` set, no cell has a colour; meaning stays in words, symbols and emphasis.
#[test]
fn no_color_leaves_every_screen_without_colour() {
    use ratatui::style::Color;
    let no_color = Theme::for_no_color(Some(std::ffi::OsStr::new("1")));
    let colour = Theme::for_no_color(None);
    for (name, model) in every_screen::scenarios() {
        let cells = |theme: &Theme| {
            let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
            terminal.draw(|frame| view(&model, theme, frame)).unwrap();
            terminal.backend().buffer().content.clone()
        };
        let coloured =
            |cell: &ratatui::buffer::Cell| cell.fg != Color::Reset || cell.bg != Color::Reset;
        let plain = cells(&no_color);
        if let Some(cell) = plain.iter().find(|cell| coloured(cell)) {
            panic!("{name}: a coloured cell with NO_COLOR: {cell:?}");
        }
        assert!(
            cells(&colour).iter().any(coloured),
            "{name}: colour is on by default"
        );
        let text = |buffer: &[ratatui::buffer::Cell]| {
            buffer
                .iter()
                .map(|c| c.symbol().to_owned())
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            text(&plain),
            text(&cells(&colour)),
            "{name}: the same words either way"
        );
    }
}

#[test]
fn including_recent_moves_is_offered_only_when_some_were_left_out() {
    let mut model = model();
    with_conversations(&mut model);
    three_to_billing(&mut model);
    let nothing_recent = screen(&model, 120, 40);
    assert!(!nothing_recent.contains("i include"), "{nothing_recent}");
    let Some(Effect::DispatchBulk { requests, .. }) = press(&mut model, KeyCode::Char('y')) else {
        panic!("a run of three");
    };
    for request in &requests {
        for progress in [
            Progress::Sending {
                request: String::new(),
            },
            Progress::Finished(Outcome::Transferred {
                request_completed_at: None,
            }),
        ] {
            finish(&mut model, request.id, progress);
        }
    }
    // The same three again, a moment after they moved, elsewhere.
    for _ in 0..3 {
        press(&mut model, KeyCode::Up);
    }
    three_to(&mut model, "dana");
    let some_recent = screen(&model, 120, 40);
    assert!(some_recent.contains("left out as moved"), "{some_recent}");
    assert!(
        some_recent.contains("i include those moved recently (asks again)"),
        "{some_recent}"
    );
}

/// In team mode, `t` in the log shows teammates' transfers beside this console's, each marked
/// with who moved it; hidden, the title counts them.
#[test]
fn the_log_with_a_teammates_transfers() {
    let mut model = model();
    model.teammates = Some(false);
    let id = send(&mut model, "c0ffee00aaaaaaaaaa111111", "dana");
    finish(
        &mut model,
        id,
        Progress::Finished(Outcome::Transferred {
            request_completed_at: None,
        }),
    );
    let at = later(&mut model).to_rfc3339();
    let line = |event: &str, extra: serde_json::Value| {
        let mut line = serde_json::json!({
            "at": at, "transfer": "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11", "event": event,
        });
        line.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        handoff::team::TeamStep {
            id: "1-0".into(),
            by: "Priya".into(),
            console: "priya-1".into(),
            line,
        }
    };
    update(
        &mut model,
        Msg::TeamActivity(vec![
            line(
                "intent",
                serde_json::json!({
                    "session": "c0ffee00bbbbbbbbbb222222", "target_kind": "queue",
                    "target_id": "q-billing", "target_name": "Billing"
                }),
            ),
            line("outcome", serde_json::json!({"outcome": "transferred"})),
        ]),
    );
    press(&mut model, KeyCode::BackTab);
    let hidden = screen(&model, 80, 24);
    assert!(hidden.contains("Log · 1 by teammates: t"), "{hidden}");
    assert!(!hidden.contains("Priya:"), "{hidden}");
    press(&mut model, KeyCode::Char('t'));
    let shown = screen(&model, 80, 24);
    assert!(
        shown.contains("Priya: c0ff…222222 → queue Billing"),
        "{shown}"
    );
    assert_screen!("log_with_teammates", shown);
}

/// The lines of `screen` between the one starting with `top` and the next border line: what a
/// pane shows inside its frame.
fn pane_lines<'a>(screen: &'a str, top: &str) -> Vec<&'a str> {
    screen
        .lines()
        .skip_while(|line| !line.starts_with(&format!("\"{top}")))
        .skip(1)
        .take_while(|line| !line.starts_with("\"├") && !line.starts_with("\"└"))
        .collect()
}

/// Every row earns its place: at 80×24 six conversations and five log lines; at 120 columns the
/// intents and moods whole; at 200×60 the picker has no blank row while the list has rows to
/// fill; the header keeps who this console is before the banner.
#[test]
fn every_row_earns_its_place_at_80x24_120x40_and_200x60() {
    let mut model = model();
    with_conversations(&mut model);
    let small = screen(&model, 80, 24);
    let conversation_rows = |screen: &str| screen.matches(" 67d3").count();
    assert!(conversation_rows(&small) >= 6, "{small}");
    assert_eq!(pane_lines(&small, "├Log").len(), 5, "{small}");
    assert!(
        small.lines().next().is_some_and(|l| l.contains("DEMO")),
        "{small}"
    );
    assert_screen!("rows_80x24", small);

    let half = screen(&model, 120, 40);
    for whole in ["CancelSubscription", "RouterOffline", "angry"] {
        assert!(half.contains(whole), "{whole} is cut:\n{half}");
    }
    assert_screen!("rows_120x40", half);

    let full = screen(&model, 200, 60);
    let targets = pane_lines(&full, "├Target");
    assert!(
        targets
            .iter()
            .all(|l| l.contains("agent") || l.contains("queue") || l.contains("filter")),
        "no blank row in the picker:\n{full}"
    );
    assert!(conversation_rows(&full) > 14, "{full}");
    assert_screen!("rows_200x60", full);
}
