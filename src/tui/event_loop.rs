//! The one loop: terminal events and transfer updates in, one redraw per batch out. It waits on
//! both without a timer, so an idle console does no work at all.

use std::io::{self, IsTerminal, Write, stdout};
use std::sync::Arc;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::background::{self, SharedStore};
use super::log::Notice;
use super::log::TransferEntry;
use super::model::Model;
use super::theme::Theme;
use super::update::{Effect, Msg, update};
use super::view::view;
use crate::callback::CallbackEvent;
use crate::roster::Roster;
use crate::transfer::{Outcome, Progress, TransferEngine, TransferRequest, TransferUpdate};
use chrono::{DateTime, Local};
use std::time::Duration;

/// Room for every step of many concurrent transfers; senders wait when it is full, they never
/// drop a step.
const UPDATE_CHANNEL_CAPACITY: usize = 256;
/// At most this many queued updates are applied before a redraw, so keys stay responsive.
const MAX_UPDATES_PER_FRAME: usize = 64;

/// What the console needs to run.
pub struct Console {
    pub roster: Roster,
    pub store: SharedStore,
    /// Target ids, most recently used first.
    pub recent: Vec<String>,
    pub engine: TransferEngine,
    pub banner: String,
    pub notices: Vec<Notice>,
    /// This shift's earlier transfers, from the audit file, oldest first.
    pub history: Vec<(DateTime<Local>, TransferEntry)>,
    /// Posts to the callback receiver, when one runs.
    pub callbacks: Option<mpsc::Receiver<CallbackEvent>>,
    /// How long an accepted transfer waits for its callback.
    pub confirm_within: Duration,
}

/// The loop's connections to the work it hands off.
struct Workers {
    engine: TransferEngine,
    store: SharedStore,
    updates: mpsc::Sender<TransferUpdate>,
    messages: mpsc::Sender<Msg>,
    confirm_within: Duration,
}

/// Runs the console until the supervisor quits. The terminal is restored on return and on panic.
pub async fn run(console: Console) -> io::Result<()> {
    let theme = Theme::from_env();
    if !stdout().is_terminal() {
        return Err(io::Error::other(
            "the console needs an interactive terminal; for scripts use `handoff transfer`",
        ));
    }
    let mut terminal = ratatui::try_init().inspect_err(|_| ratatui::restore())?;
    install_paste_cleanup_on_panic();
    execute!(stdout(), EnableBracketedPaste)?;
    let result = event_loop(&mut terminal, console, &theme).await;
    let _ = execute!(stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// `ratatui::init` restores the screen on panic; this also turns bracketed paste back off so
/// the shell the supervisor returns to behaves normally.
fn install_paste_cleanup_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste);
        previous(info);
    }));
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    console: Console,
    theme: &Theme,
) -> io::Result<()> {
    let Console {
        roster,
        store,
        recent,
        engine,
        banner,
        notices,
        history,
        callbacks,
        confirm_within,
    } = console;
    // The shift's earlier transfers come first in the log: they happened before this start.
    let mut model = Model::with_recent(roster, banner, Vec::new(), recent);
    for (at, entry) in history {
        model.log.restore(at, entry);
    }
    for notice in notices {
        model.log.notice(notice);
    }
    model.confirmations = callbacks.is_some();
    let (updates, mut updates_rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
    let (messages, mut messages_rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
    background::watch_roster(Arc::clone(&store), messages.clone());
    background::schedule_availability(messages.clone());
    if let Some(callbacks) = callbacks {
        background::forward_callbacks(callbacks, messages.clone());
    }
    let workers = Workers {
        engine,
        store,
        updates,
        messages,
        confirm_within,
    };
    let mut events = EventStream::new();
    draw(terminal, &model, theme)?;

    loop {
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match message_for(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(error)) => return Err(error),
                // The terminal went away (e.g. the SSH session closed).
                None => return Ok(()),
            },
            Some(update) = updates_rx.recv() => Msg::Transfer(update),
            Some(msg) = messages_rx.recv() => msg,
        };
        if apply(&mut model, msg, &workers) {
            return Ok(());
        }
        for _ in 0..MAX_UPDATES_PER_FRAME {
            let Ok(update) = updates_rx.try_recv() else {
                break;
            };
            apply(&mut model, Msg::Transfer(update), &workers);
        }
        draw(terminal, &model, theme)?;
    }
}

/// Terminal events that mean something to the console; others (focus, mouse, key releases)
/// cause no redraw.
fn message_for(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(..) => Some(Msg::Resized),
        _ => None,
    }
}

/// Applies one message and carries out its effect; true when the console should close.
fn apply(model: &mut Model, msg: Msg, workers: &Workers) -> bool {
    match update(model, msg) {
        Some(Effect::Quit) => true,
        Some(Effect::Dispatch(request)) => {
            dispatch(workers.engine.clone(), request, workers.updates.clone());
            false
        }
        Some(Effect::SaveRoster(change)) => {
            background::save_roster(Arc::clone(&workers.store), change, workers.messages.clone());
            false
        }
        Some(Effect::RefreshAvailability(queue_ids)) => {
            let engine = workers.engine.clone();
            background::refresh_availability(engine, queue_ids, workers.messages.clone());
            false
        }
        Some(Effect::AwaitConfirmation(id)) => {
            background::confirm_deadline(id, workers.confirm_within, workers.messages.clone());
            false
        }
        Some(Effect::RecordConfirmation(request, confirmation)) => {
            let engine = workers.engine.clone();
            background::record_confirmation(engine, request, confirmation, workers.updates.clone());
            false
        }
        Some(Effect::SyncRoster) => {
            let engine = workers.engine.clone();
            background::sync_roster(engine, Arc::clone(&workers.store), workers.messages.clone());
            false
        }
        None => false,
    }
}

/// Runs a transfer on a background task; the task only reports through `updates`.
fn dispatch(
    engine: TransferEngine,
    request: TransferRequest,
    updates: mpsc::Sender<TransferUpdate>,
) {
    tokio::spawn(async move {
        if let Err(error) = engine.run(&request, &updates).await {
            let failed = Outcome::Failed {
                http_status: None,
                message: format!("not sent: {error}"),
            };
            let _ = updates
                .send(TransferUpdate::now(request.id, Progress::Finished(failed)))
                .await;
        }
    });
}

/// One frame, wrapped in a synchronized update so terminals that support it never show a
/// half-drawn screen.
fn draw(terminal: &mut DefaultTerminal, model: &Model, theme: &Theme) -> io::Result<()> {
    execute!(stdout(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view(model, theme, frame))?;
    execute!(stdout(), EndSynchronizedUpdate)?;
    stdout().flush()
}
