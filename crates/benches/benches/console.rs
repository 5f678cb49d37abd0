//! How the console's per-keystroke work scales: filtering a large roster, drawing a full screen
//! with a full log, and a busy floor (the longest conversation list the console keeps, a run of
//! many under way): its frame, and a key to the next frame. Run with
//! `cargo bench -p handoff-benches` (a crate of its own, so that `cargo test` never builds
//! criterion).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use handoff::ids::ConversationStatus;
use handoff::ids::{SessionId, TargetKind};
use handoff::platform::{Conversation, ConversationList, QueueRef};
use handoff::roster::{Roster, Target};
use handoff::transfer::{
    FailureReason, Outcome, Progress, TransferId, TransferRecord, TransferRequest, TransferUpdate,
};
use handoff::tui::clock::Clock;
use handoff::tui::conversations::MAX_CONVERSATIONS;
use handoff::tui::model::Model;
use handoff::tui::picker::Picker;
use handoff::tui::theme::Theme;
use handoff::tui::transfer_log::LOG_CAPACITY;
use handoff::tui::update::{Msg, update};
use handoff::tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FIRST: [&str; 10] = [
    "Dana", "Marcus", "Priya", "Tomás", "Grace", "Samuel", "Hannah", "Kwame", "Aiko", "Liam",
];
const LAST: [&str; 10] = [
    "Whitfield",
    "Oyelaran",
    "Raghunathan",
    "Echeverría",
    "Liu",
    "Ortiz",
    "Kowalczyk",
    "Mensah",
    "Tanaka",
    "O'Connor",
];
const TEAMS: [&str; 5] = [
    "Billing",
    "Tech Support",
    "Retention",
    "Escalations",
    "Sales",
];

/// The console's clock at the wall clock's time, as the event loop sets it.
fn clock() -> Clock {
    Clock::local(chrono::Utc::now())
}

/// A contact center far larger than any the product expects: `agents` agents and 50 queues.
fn big_roster(agents: usize) -> Roster {
    let agent = |n: usize| {
        Target::new(
            TargetKind::Agent,
            format!("a-{n:07x}-0cae-46b0-8d80-a8a8ac34e55c"),
            format!("{} {} {n}", FIRST[n % 10], LAST[(n / 10) % 10]),
        )
        .with_team(TEAMS[n % 5])
    };
    let queue = |n: usize| {
        Target::new(
            TargetKind::Queue,
            format!("qu-{n:07x}-a1ac-4caa-9be6-55a5abc3e2f1"),
            format!("{} queue {n}", TEAMS[n % 5]),
        )
    };
    Roster::new((0..agents).map(agent).chain((0..50).map(queue)).collect())
}

fn filtering(c: &mut Criterion) {
    let roster = big_roster(2_000);
    let mut picker = Picker::new(&roster, &[]);
    for query in ["d", "dana", "tech sup", "qu-00000"] {
        c.bench_function(&format!("filter 2050 targets by {query:?}"), |b| {
            b.iter(|| {
                picker.filter.clear();
                picker.filter.paste(black_box(query));
                picker.refilter();
                black_box(picker.matches().len())
            })
        });
    }
}

fn drawing(c: &mut Criterion) {
    let mut model = Model::new(big_roster(2_000), "bench".into(), Vec::new(), clock());
    let session = SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap();
    let target = model.roster.targets()[0].clone();
    for _ in 0..LOG_CAPACITY {
        let id = TransferId::new();
        let request = TransferRequest {
            id,
            session: session.clone(),
            target: target.clone(),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        };
        let now = model.clock.now;
        model
            .ledger
            .insert_as_of(TransferRecord::new(request, now, false), now);
        model.show_transfer(id, now);
        update(
            &mut model,
            Msg::Transfer(TransferUpdate::now(
                id,
                Progress::Finished(Outcome::Failed {
                    http_status: Some(404),
                    reason: FailureReason::SessionEnded,
                    message: "HTTP 404: Conversation not found or already closed".into(),
                }),
            )),
        );
    }
    let theme = Theme::colour();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("draw a 200x60 screen, 2050 targets, full log", |b| {
        b.iter(|| {
            terminal.draw(|frame| view(&model, &theme, frame)).unwrap();
        })
    });
}

/// The console on a busy floor: 2,000 waiting, the floor issue 19 measures, and the longest
/// list it keeps ([`MAX_CONVERSATIONS`]); with the queues' figures above the list and a move of
/// 200 of them under way.
fn busy_floor(c: &mut Criterion) {
    for size in [2_000, MAX_CONVERSATIONS] {
        floor_of(c, size);
    }
}

fn floor_of(c: &mut Criterion, size: usize) {
    let mut model = Model::new(big_roster(2_000), "bench".into(), Vec::new(), clock());
    let read_at = std::time::SystemTime::now();
    let conversations = (0..size)
        .map(|n| Conversation {
            session: SessionId::parse(&format!("6b0769a0{n:016x}")).unwrap(),
            conversation_id: None,
            status: Some(ConversationStatus::Open),
            wait: Some(std::time::Duration::from_secs(60 + n as u64)),
            read_at,
            priority: Some((n % 10).to_string()),
            intent: Some("RefundRequest".into()),
            sentiment: None,
            language: None,
            channel: None,
            queue: Some(QueueRef {
                id: Some(format!("qu-bench-{}", n % TEAMS.len())),
                name: Some(TEAMS[n % TEAMS.len()].into()),
            }),
            agent: None,
            moves: Vec::new(),
        })
        .collect();
    update(
        &mut model,
        Msg::Conversations(
            Ok(ConversationList {
                conversations,
                notes: Vec::new(),
            }),
            None,
        ),
    );
    let key = |model: &mut Model, code: KeyCode, modifiers: KeyModifiers| {
        update(model, Msg::Key(KeyEvent::new(code, modifiers)))
    };
    // Mark 200, pick a queue, confirm: the run is under way (its transfers are not sent here).
    for _ in 0..200 {
        key(&mut model, KeyCode::Char(' '), KeyModifiers::NONE);
        key(&mut model, KeyCode::Down, KeyModifiers::NONE);
    }
    key(&mut model, KeyCode::Tab, KeyModifiers::NONE);
    for c in "queue 7".chars() {
        key(&mut model, KeyCode::Char(c), KeyModifiers::NONE);
    }
    key(&mut model, KeyCode::Enter, KeyModifiers::NONE);
    key(&mut model, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(model.bulk.is_some(), "the run of 200 is under way");
    key(&mut model, KeyCode::BackTab, KeyModifiers::NONE);
    let theme = Theme::colour();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function(
        &format!("draw a 200x60 screen, {size} conversations, a run of 200"),
        |b| {
            b.iter(|| {
                terminal.draw(|frame| view(&model, &theme, frame)).unwrap();
            })
        },
    );
    c.bench_function(
        &format!("a key to the next frame, {size} conversations"),
        |b| {
            b.iter(|| {
                key(&mut model, KeyCode::Down, KeyModifiers::NONE);
                key(&mut model, KeyCode::Up, KeyModifiers::NONE);
                terminal.draw(|frame| view(&model, &theme, frame)).unwrap();
            })
        },
    );
}

criterion_group!(benches, filtering, drawing, busy_floor);
criterion_main!(benches);
