//! The one loop: terminal events, transfer updates, background messages and signals in, one
//! redraw per batch out. It waits on all of them, with a timer only while a countdown is on
//! screen, so an idle console does no work at all. On the way out (a quit, SIGTERM, SIGHUP, or
//! the terminal going away) the terminal is restored first, then the transfers in flight get
//! their answer written before the process ends.

use std::io::{self, IsTerminal, Write, stdout};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, Event, EventStream,
    KeyEventKind, MouseButton, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::background::{self, SharedStore};
use super::clock::Clock;
use super::effect::Effect;
use super::keys::KeyMap;
use super::model::Model;
use super::theme::Theme;
use super::transfer_log::Notice;
use super::update::{Msg, step, update};
use super::view::view;
use crate::budget::RateBudget;
use crate::callback::CallbackEvent;
use crate::config::Settings;
use crate::directory::{PlanSettings, Planner, Reads};
use crate::roster::Roster;
use crate::team::Team;
use crate::transfer::{
    AuditError, Ledger, TransferEngine, TransferId, TransferRequest, TransferUpdate, run_bulk,
    write_hand_over,
};

/// Room for every step of many concurrent transfers; senders wait when it is full, they never
/// drop a step.
const UPDATE_CHANNEL_CAPACITY: usize = 256;
/// What the background reads bring: one read at a time, and the loop takes each at once.
const FLOOR_CHANNEL_CAPACITY: usize = 8;
/// Beyond the request timeout, time for the answer's audit line to reach the disk.
const AUDIT_MARGIN: Duration = Duration::from_secs(2);

/// What the console needs to run.
pub struct Console {
    pub roster: Roster,
    pub store: SharedStore,
    /// Target ids, most recently used first.
    pub recent: Vec<String>,
    pub engine: TransferEngine,
    /// What the console reads from the platform besides transfers.
    pub reads: Reads,
    /// The account's budget, shown in the header.
    pub budget: RateBudget,
    /// In team mode, this console's place in the team.
    pub team: Option<Team>,
    pub banner: String,
    /// Who this console is, for the title bar.
    pub who: String,
    pub notices: Vec<Notice>,
    /// The day's transfers read back from the audit file, for matching late callbacks.
    pub ledger: Ledger,
    /// Those of this shift, shown in the log, oldest first.
    pub history: Vec<(DateTime<Local>, TransferId)>,
    /// Restored transfers still within their time for a callback, with what is left of it.
    pub still_waiting: Vec<(TransferId, Duration)>,
    /// Posts to the callback receiver, when one runs.
    pub callbacks: Option<mpsc::Receiver<CallbackEvent>>,
    /// Waits, what to list and ring, and the mouse, from the config.
    pub settings: Settings,
    /// The keys in force, after `[keys]`.
    pub keys: KeyMap,
}

/// Why the console closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The supervisor quit.
    Quit,
    /// SIGTERM.
    Terminated,
    /// SIGHUP: the session that held the terminal ended (an SSH drop).
    HungUp,
    /// The terminal went away without a signal.
    TerminalGone,
}

impl Ending {
    /// The process's exit code: 0 for a quit or a terminal gone without a signal, else 128 plus
    /// the signal's number, as a shell reports a process ended by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Quit | Self::TerminalGone => 0,
            Self::HungUp => 128 + 1,
            Self::Terminated => 128 + 15,
        }
    }
}

/// The loop's connections to the work it hands off.
struct Workers {
    engine: TransferEngine,
    reads: Reads,
    team: Option<Team>,
    store: SharedStore,
    updates: mpsc::Sender<TransferUpdate>,
    messages: mpsc::Sender<Msg>,
    confirm_within: Duration,
    /// The background reads, planned under the reads' ceiling.
    planner: Planner,
    /// Stops the run of many under way, if any.
    bulk_stop: Option<watch::Sender<bool>>,
    /// Transfers and audit writes under way: the process waits for them before it ends.
    tasks: JoinSet<()>,
}

impl Workers {
    /// Writes to the audit file on a task the process waits for before it ends; a failure to
    /// write is said in the log.
    fn write_audit(
        &mut self,
        write: impl Future<Output = Result<(), AuditError>> + Send + 'static,
    ) {
        let messages = self.messages.clone();
        self.tasks.spawn(async move {
            if let Err(error) = write.await {
                let _ = messages.send(Msg::Warning(error.to_string())).await;
            }
        });
    }
}

/// Every source the loop listens to, besides the terminal.
struct Inbox {
    updates: mpsc::Receiver<TransferUpdate>,
    messages: mpsc::Receiver<Msg>,
}

/// Runs the console until the supervisor quits, a signal asks it to stop, or the terminal goes
/// away. The terminal is restored before anything else on the way out, and on panic.
pub async fn run(console: Console) -> io::Result<Ending> {
    let theme = Theme::from_env();
    if !stdout().is_terminal() {
        return Err(io::Error::other(
            "the console needs an interactive terminal; for scripts use `handoff transfer`",
        ));
    }
    let request_timeout = console.settings.request_timeout;
    let mouse = console.settings.mouse;
    let (mut model, mut workers, mut inbox) = start(console);
    let mut terminal = ratatui::try_init().inspect_err(|_| restore())?;
    install_input_cleanup_on_panic();
    let _ = execute!(stdout(), EnableBracketedPaste);
    if mouse {
        let _ = report_clicks_and_wheel();
    }
    let result = event_loop(
        &mut terminal,
        &mut model,
        &mut workers,
        &mut inbox,
        &theme,
        mouse,
    )
    .await;
    restore();
    finish(&mut model, &mut workers, &mut inbox, request_timeout).await;
    if let Some(team) = &workers.team
        && let Some(words) = team.flush_activity().await
    {
        say(&format!("handoff: {words}"));
    }
    result
}

/// Asks the terminal to report button presses and releases and the wheel (mode 1000) in the SGR
/// form, which has no limit on columns (1006). Unlike crossterm's `EnableMouseCapture`, it asks
/// for no drag (1002) or motion (1003) reports: the console has no use for them, and each would
/// wake the loop as the pointer merely crosses the window.
fn report_clicks_and_wheel() -> io::Result<()> {
    let mut out = stdout();
    out.write_all(b"\x1b[?1000h\x1b[?1006h")?;
    out.flush()
}

/// Puts the terminal back as the shell had it. Errors are ignored: after a hang-up there is no
/// terminal left to restore, and saying so would only fail again. Mouse reports are turned off
/// whether or not they were asked for: that costs nothing, and a terminal left reporting would
/// type escape codes into the shell at every click.
fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    let _ = ratatui::try_restore();
}

/// `ratatui::init` restores the screen on panic; this also turns mouse reports and bracketed
/// paste back off so the shell the supervisor returns to behaves normally.
fn install_input_cleanup_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        previous(info);
    }));
}

/// The model with the shift's history and notices, and the background work started.
fn start(console: Console) -> (Model, Workers, Inbox) {
    let Console {
        roster,
        store,
        recent,
        engine,
        reads,
        budget,
        team,
        banner,
        who,
        notices,
        ledger,
        history,
        still_waiting,
        callbacks,
        settings:
            Settings {
                confirm_within,
                request_timeout: _,
                bell,
                mouse: _,
                conversation_statuses,
                conversations_refresh,
                floor: thresholds,
            },
        keys,
    } = console;
    let clock = Clock::local(Utc::now());
    let (floor, floor_rx) = mpsc::channel(FLOOR_CHANNEL_CAPACITY);
    let planner = reads.plan(
        roster.clone(),
        PlanSettings {
            refresh: conversations_refresh,
            statuses: conversation_statuses,
        },
        floor,
    );
    let mut model = Model::with_recent(roster, banner, Vec::new(), recent, clock);
    model.who = who;
    model.ledger = ledger;
    // The shift's earlier transfers come first in the log: they happened before this start.
    for (at, id) in history {
        model.show_transfer(id, at.to_utc());
    }
    for notice in notices {
        model.notice(notice);
    }
    model.confirmations = callbacks.is_some();
    model.bell = bell;
    model.keys = keys;
    model.floor.thresholds = thresholds;
    let (updates, updates_rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
    let (messages, messages_rx) = mpsc::channel(UPDATE_CHANNEL_CAPACITY);
    background::watch_roster(Arc::clone(&store), messages.clone());
    background::follow_floor(floor_rx, messages.clone());
    background::watch_budget(budget, messages.clone());
    if let Some(team) = &team {
        background::follow_team(team.activity.clone(), messages.clone());
        model.teammates = Some(false);
        model.me = Some(team.activity.member().name.clone());
    }
    if let Some(callbacks) = callbacks {
        background::forward_callbacks(callbacks, messages.clone());
    }
    for (id, left) in still_waiting {
        background::confirm_deadline(id, left, messages.clone());
    }
    let workers = Workers {
        engine,
        reads,
        team,
        store,
        updates,
        messages,
        confirm_within,
        planner,
        bulk_stop: None,
        tasks: JoinSet::new(),
    };
    let inbox = Inbox {
        updates: updates_rx,
        messages: messages_rx,
    };
    (model, workers, inbox)
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    model: &mut Model,
    workers: &mut Workers,
    inbox: &mut Inbox,
    theme: &Theme,
    mouse: bool,
) -> io::Result<Ending> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut events = EventStream::new();
    let size = terminal.size()?;
    update(
        model,
        Msg::Resized {
            width: size.width,
            height: size.height,
        },
    );
    draw(terminal, model, theme)?;

    loop {
        // Only while something on screen moves with the clock; an idle console sleeps.
        let redraw = model.next_redraw();
        let msg = tokio::select! {
            () = tokio::time::sleep(redraw.unwrap_or_default()), if redraw.is_some() => Msg::Tick,
            event = events.next() => match event {
                Some(Ok(event)) => match message_for(event, mouse) {
                    Some(msg) => msg,
                    None => continue,
                },
                // The terminal went away (e.g. the SSH session closed).
                Some(Err(_)) | None => return Ok(Ending::TerminalGone),
            },
            Some(update) = inbox.updates.recv() => Msg::Transfer(update),
            Some(msg) = inbox.messages.recv() => msg,
            _ = terminate.recv() => return Ok(Ending::Terminated),
            _ = hangup.recv() => return Ok(Ending::HungUp),
        };
        let step = step(model, Utc::now(), msg, || inbox.updates.try_recv().ok());
        for effect in step.effects {
            carry_out(effect, workers);
        }
        if step.quit {
            return Ok(Ending::Quit);
        }
        if step.redraw {
            // Forgets what it drew, so the next frame writes every cell.
            terminal.clear()?;
        }
        draw(terminal, model, theme)?;
        if model.take_bell() {
            // BEL on its own: every terminal (and tmux, and an SSH client) knows it.
            let _ = stdout().write_all(b"\x07").and_then(|()| stdout().flush());
        }
    }
}

/// On the way out: transfers still waiting for the budget are not sent; those already sent get
/// up to the request timeout for their answer, which the engine writes to the audit file;
/// callbacks and answers that arrive meanwhile are applied and written as usual.
async fn finish(
    model: &mut Model,
    workers: &mut Workers,
    inbox: &mut Inbox,
    request_timeout: Duration,
) {
    workers.engine.close();
    // A run of many sends nothing more once the console closes.
    if let Some(stop) = &workers.bulk_stop {
        stop.send_replace(true);
    }
    if workers.tasks.is_empty() {
        return;
    }
    let in_flight = model.in_flight().count();
    if in_flight > 0 {
        say(&format!(
            "handoff: waiting up to {} s for the platform's answer to {in_flight} transfer(s) in flight, to write it to the audit file",
            request_timeout.as_secs()
        ));
    }
    let deadline = tokio::time::Instant::now() + request_timeout + AUDIT_MARGIN;
    loop {
        let msg = tokio::select! {
            done = workers.tasks.join_next() => match done {
                Some(_) => continue,
                None => return,
            },
            Some(update) = inbox.updates.recv() => Msg::Transfer(update),
            Some(msg) = inbox.messages.recv() => match msg {
                Msg::Callback(_) | Msg::LookedFurther { .. } | Msg::Transfer(_) => msg,
                Msg::Warning(warning) => {
                    say(&format!("handoff: {warning}"));
                    continue;
                }
                _ => continue,
            },
            () = tokio::time::sleep_until(deadline) => break,
        };
        for effect in step(model, Utc::now(), msg, || None).effects {
            carry_out(effect, workers);
        }
    }
    let unanswered = model.in_flight().count();
    if unanswered > 0 {
        say(&format!(
            "handoff: {unanswered} transfer(s) still had no answer; the audit file shows them as interrupted: check them before retrying"
        ));
    }
}

/// A line on stderr for whoever is still there; nothing if nobody is.
fn say(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Terminal events that mean something to the console; others (focus, key releases, mouse
/// releases, drags and moves, any mouse event with `mouse` off) cause no redraw.
fn message_for(event: Event, mouse: bool) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resized { width, height }),
        Event::Mouse(mouse_event)
            if mouse
                && matches!(
                    mouse_event.kind,
                    MouseEventKind::Down(MouseButton::Left)
                        | MouseEventKind::ScrollUp
                        | MouseEventKind::ScrollDown
                ) =>
        {
            Some(Msg::Mouse(mouse_event))
        }
        _ => None,
    }
}

/// Carries out one effect outside the model: work handed to a background task.
fn carry_out(effect: Effect, workers: &mut Workers) {
    match effect {
        // The loop decides about quitting and redrawing; `step` never hands these on.
        Effect::Quit | Effect::Redraw => {}
        Effect::Many(effects) => {
            for effect in effects {
                carry_out(effect, workers);
            }
        }
        Effect::AskReads => workers.planner.ask(),
        Effect::RosterChanged(roster) => workers.planner.roster_changed(roster),
        Effect::DispatchBulk {
            requests,
            unclaimed,
        } => {
            let (stop, stopped) = watch::channel(false);
            workers.bulk_stop = Some(stop);
            let engine = workers.engine.clone().sending_unclaimed(unclaimed);
            let updates = workers.updates.clone();
            let messages = workers.messages.clone();
            workers.tasks.spawn(async move {
                let unsent = run_bulk(&engine, requests, updates, stopped).await;
                let unsent = unsent.iter().map(|r| r.id).collect();
                let _ = messages.send(Msg::BulkEnded { unsent }).await;
            });
        }
        Effect::StopBulk => {
            if let Some(stop) = &workers.bulk_stop {
                stop.send_replace(true);
            }
        }
        Effect::Dispatch(request) => {
            let engine = workers.engine.clone();
            let updates = workers.updates.clone();
            workers.tasks.spawn(dispatch(engine, request, updates));
        }
        Effect::TakeOver(request) => {
            let engine = workers.engine.clone().taking_over(true);
            let updates = workers.updates.clone();
            workers.tasks.spawn(dispatch(engine, request, updates));
        }
        Effect::SendUnclaimed(request) => {
            let engine = workers.engine.clone().sending_unclaimed(true);
            let updates = workers.updates.clone();
            workers.tasks.spawn(dispatch(engine, request, updates));
        }
        Effect::SaveRoster(change) => {
            background::save_roster(Arc::clone(&workers.store), change, workers.messages.clone());
        }
        Effect::AwaitConfirmation(id) => {
            background::confirm_deadline(id, workers.confirm_within, workers.messages.clone());
        }
        Effect::RecordConfirmation {
            request,
            confirmation,
            settlement,
        } => {
            let engine = workers.engine.clone();
            workers.write_audit(async move {
                engine
                    .record_confirmation(&request, &confirmation, settlement)
                    .await
            });
        }
        Effect::LookFurther(callback) => {
            let engine = workers.engine.clone();
            let messages = workers.messages.clone();
            workers.tasks.spawn(async move {
                let records = tokio::task::spawn_blocking(move || engine.read_recent())
                    .await
                    .unwrap_or_default();
                let _ = messages
                    .send(Msg::LookedFurther { records, callback })
                    .await;
            });
        }
        Effect::RecordUnmatched {
            session,
            target,
            payload,
        } => {
            let engine = workers.engine.clone();
            workers.write_audit(async move {
                engine
                    .record_unmatched(&session, target.as_deref(), &payload)
                    .await
            });
        }
        Effect::WriteHandOver {
            stamp,
            csv,
            summary,
        } => {
            let dir = workers.engine.data_dir().to_owned();
            let messages = workers.messages.clone();
            // On the tasks the process waits for: a hand-over asked for just before quitting
            // is still written.
            workers.tasks.spawn(async move {
                let written = tokio::task::spawn_blocking(move || {
                    write_hand_over(&dir, &stamp, &csv, &summary).map_err(|error| {
                        format!(
                            "could not write the hand-over to {}: {error}",
                            dir.display()
                        )
                    })
                })
                .await
                .unwrap_or_else(|error| Err(format!("writing the hand-over stopped: {error}")));
                let _ = messages.send(Msg::HandOverWritten(written)).await;
            });
        }
        Effect::Copy(text) => {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            // OSC 52: the terminal (or tmux, or the SSH client's terminal) sets its clipboard.
            let _ = write!(stdout(), "\x1b]52;c;{encoded}\x07").and_then(|()| stdout().flush());
        }
        Effect::FetchListing => {
            background::fetch_listing(workers.reads.clone(), workers.messages.clone());
        }
        Effect::ApplySync(listing) => {
            workers.planner.synced();
            background::apply_sync(
                listing,
                Arc::clone(&workers.store),
                workers.messages.clone(),
            );
        }
    }
}

/// Runs a transfer; it only reports through `updates`. If its intent cannot be written,
/// nothing is sent and the log says why.
async fn dispatch(
    engine: TransferEngine,
    request: TransferRequest,
    updates: mpsc::Sender<TransferUpdate>,
) {
    if let Err(error) = engine.run(&request, &updates).await {
        let not_sent =
            TransferUpdate::failed_before_sending(request.id, format!("not sent: {error}"));
        let _ = updates.send(not_sent).await;
    }
}

/// One frame, wrapped in a synchronized update so terminals that support it never show a
/// half-drawn screen.
fn draw(terminal: &mut DefaultTerminal, model: &Model, theme: &Theme) -> io::Result<()> {
    execute!(stdout(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view(model, theme, frame))?;
    execute!(stdout(), EndSynchronizedUpdate)?;
    stdout().flush()
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyModifiers, MouseEvent};

    use super::*;

    fn pointer(kind: MouseEventKind) -> Event {
        Event::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 5,
            modifiers: KeyModifiers::NONE,
        })
    }

    #[test]
    fn only_clicks_and_the_wheel_wake_the_console() {
        for kind in [
            MouseEventKind::Down(MouseButton::Left),
            MouseEventKind::ScrollUp,
            MouseEventKind::ScrollDown,
        ] {
            assert!(message_for(pointer(kind), true).is_some(), "{kind:?}");
            assert!(
                message_for(pointer(kind), false).is_none(),
                "{kind:?} with the mouse off"
            );
        }
        for kind in [
            MouseEventKind::Moved,
            MouseEventKind::Drag(MouseButton::Left),
            MouseEventKind::Up(MouseButton::Left),
            MouseEventKind::Down(MouseButton::Right),
            MouseEventKind::Down(MouseButton::Middle),
            MouseEventKind::ScrollLeft,
        ] {
            assert!(message_for(pointer(kind), true).is_none(), "{kind:?}");
        }
    }
}
