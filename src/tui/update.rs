//! `update`: the one place the console's state changes. It takes a message (a key, a paste, a
//! step of a background transfer) and returns what the event loop must do outside the model.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};

mod bulk;
mod conversations;
mod described;
mod lifecycle;
mod mouse;
mod refresh;
mod roster_edit;
mod teammates;
mod viewport;

pub use lifecycle::Look;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use serde_json::Value;

use super::help;
use super::input::TextInput;
use super::keys::{Action, Context};
use super::model::{Dialog, Focus, Model, Reroute};
use super::transfer_log::{EntryKind, Notice};
use crate::callback::CallbackEvent;
use crate::directory::{Availability, Listing, LiveState, TeammateRead};
use crate::ids::{SessionId, SessionList};
use crate::platform::{ConversationList, ConversationsError};
use crate::roster::{Roster, RosterChange, Target};
use crate::team::{Health, TeamStep};
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::transfer::{
    BudgetSnapshot, Confirmation, FailureReason, Settlement, TransferId, TransferRecord,
    TransferRequest, TransferUpdate,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// A click or a turn of the wheel; the event loop passes on no other mouse event.
    Mouse(MouseEvent),
    /// The terminal's new size, in columns and rows.
    Resized {
        width: u16,
        height: u16,
    },
    Transfer(TransferUpdate),
    /// A roster change was saved (or refused, in words).
    RosterSaved(Result<RosterSaved, String>),
    /// The roster file changed on disk and was read again: the roster and its warnings, or
    /// why it no longer loads.
    RosterReloaded(Result<(Roster, Vec<String>), String>),
    /// Time for the periodic refresh of who is free.
    AvailabilityDue,
    /// A refresh of who is free ended.
    Availability(Result<Availability, String>),
    /// Time for the periodic read of the account's conversations.
    ConversationsDue,
    /// A run of many ended: every transfer handed out has its answer; these were never handed
    /// out (the run was stopped).
    BulkEnded {
        unsent: Vec<TransferId>,
    },
    /// A read of the account's conversations ended; in team mode, perhaps a teammate's.
    Conversations(
        Result<ConversationList, ConversationsError>,
        Option<TeammateRead>,
    ),
    /// A post to the callback receiver.
    Callback(CallbackEvent),
    /// The audit file read again for a callback that matched nothing: other handoff processes
    /// may have sent the transfer it is about.
    LookedFurther {
        records: Vec<TransferRecord>,
        callback: CallbackEvent,
    },
    /// The time for a transfer's callback ran out.
    ConfirmDeadline(TransferId),
    /// Background work that went wrong in a way the supervisor should read.
    Warning(String),
    /// The platform's lists for a sync, or why they could not be read.
    ListingFetched(Result<Listing, String>),
    /// The account's request budget changed (calls of this process or of another).
    Budget(BudgetSnapshot),
    /// Steps of teammates' transfers, read from the team's activity stream, oldest first.
    TeamActivity(Vec<TeamStep>),
    /// A countdown on screen moved on: only the clock changed.
    Tick,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RosterSaved {
    pub roster: Roster,
    /// What the change did, e.g. "added agent Dana Whitfield (a-59bb17e…)".
    pub summary: String,
    /// Someone had edited the file meanwhile; the change was applied on top of that edit.
    pub merged_hand_edit: bool,
}

/// Why a read is made. In team mode it decides how fresh a teammate's read must be to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Its time came round.
    Due,
    /// The supervisor asked for it, and wants it fresh.
    Asked,
}

/// Work for the event loop: the model itself never does I/O.
#[derive(Debug, Clone)]
pub enum Effect {
    Dispatch(TransferRequest),
    /// Send this transfer although a teammate holds its session: the supervisor read who holds
    /// it and confirmed twice (team mode).
    TakeOver(TransferRequest),
    /// Send this transfer without claiming its session: Redis is away, and the supervisor was
    /// told a teammate could be moving it too (team mode).
    SendUnclaimed(TransferRequest),
    /// Run these transfers as one run of many: the budget's full speed behind any single
    /// transfer, stoppable until each is sent; `unclaimed` as for a single transfer.
    DispatchBulk {
        requests: Vec<TransferRequest>,
        unclaimed: bool,
    },
    /// Send no more of the run under way.
    StopBulk,
    SaveRoster(RosterChange),
    /// Fetch who is free now, with stats for these queues.
    RefreshAvailability(Vec<String>, Refresh),
    /// Read the account's open conversations, naming people and queues as this roster does.
    RefreshConversations(Roster, Refresh),
    /// Fetch the platform's lists, to show what a sync would change.
    FetchListing,
    /// Merge these lists into the roster file: the supervisor said yes to the preview.
    ApplySync(Listing),
    /// Put this text on the terminal's clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Start the clock for this accepted transfer's callback.
    AwaitConfirmation(TransferId),
    /// Write what a callback said (and what it did), or that none came, to the audit file.
    RecordConfirmation {
        request: TransferRequest,
        confirmation: Confirmation,
        settlement: Option<Settlement>,
    },
    /// Read the audit file again for transfers other processes sent, then match this callback.
    LookFurther(CallbackEvent),
    /// Write a callback that matched no transfer to the audit file.
    RecordUnmatched {
        session: SessionId,
        target: Option<String>,
        payload: Value,
    },
    /// Several pieces of work from one message, carried out in order.
    Many(Vec<Effect>),
    Quit,
}

/// How far PgUp/PgDn move in the picker and the log.
const PAGE: isize = 10;

/// At most this many queued transfer updates are applied with a message before a redraw, so
/// keys stay responsive under a burst.
pub const MAX_UPDATES_PER_STEP: usize = 64;

/// What one turn of the loop asks for: the effects to carry out, in order, and whether the
/// console closes after them.
#[derive(Debug, Default)]
pub struct Step {
    pub effects: Vec<Effect>,
    pub quit: bool,
}

/// One turn of the loop at `now`, the time the event loop read (the console's one look at the
/// wall clock): `msg`, then the transfer updates already queued behind it (`queued` gives the
/// next one, if any). Every message's result counts: a quit asked for by any of them is
/// honoured, and the effects of those before it are still carried out.
pub fn step(
    model: &mut Model,
    now: DateTime<Utc>,
    msg: Msg,
    mut queued: impl FnMut() -> Option<TransferUpdate>,
) -> Step {
    fn take(effect: Option<Effect>, step: &mut Step) {
        match effect {
            Some(Effect::Quit) => step.quit = true,
            Some(Effect::Many(effects)) => {
                for effect in effects {
                    take(Some(effect), step);
                }
            }
            Some(effect) => step.effects.push(effect),
            None => {}
        }
    }
    // The clock moves here only, so `update` stays a function of the model and the message.
    model.clock.now = now;
    let mut step = Step::default();
    take(update(model, msg), &mut step);
    for _ in 0..MAX_UPDATES_PER_STEP {
        if step.quit {
            break;
        }
        let Some(next) = queued() else {
            break;
        };
        take(update(model, Msg::Transfer(next)), &mut step);
    }
    step
}

pub fn update(model: &mut Model, msg: Msg) -> Option<Effect> {
    tracing::debug!(target: "handoff::console", "{}", msg.described());
    let effect = apply(model, msg);
    viewport::keep_highlights_in_view(model);
    effect
}

fn apply(model: &mut Model, msg: Msg) -> Option<Effect> {
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => {
            paste(model, &text);
            None
        }
        Msg::Mouse(event) => {
            mouse::act(model, event);
            None
        }
        Msg::Resized { width, height } => {
            model.screen = Rect::new(0, 0, width, height);
            None
        }
        Msg::Tick => None,
        Msg::TeamActivity(steps) => {
            teammates::fold_in(model, &steps);
            None
        }
        Msg::Budget(snapshot) => {
            let was = model.budget.as_ref().and_then(|b| b.team().cloned());
            match (was, snapshot.team()) {
                (Some(Health::Away(before)), Some(Health::Away(now))) if before == *now => {}
                (_, Some(Health::Away(reason))) => model.notice(Notice::Warning(format!(
                    "team: {reason}; this console counts alone on a share of {} calls per {} s until Redis answers again",
                    snapshot.limit(),
                    snapshot.window().as_secs()
                ))),
                (Some(Health::Away(_)), Some(Health::Joined)) => model.notice(Notice::Info(
                    "team: Redis answers again; back on the team's budget".into(),
                )),
                _ => {}
            }
            model.budget = Some(snapshot);
            None
        }
        Msg::Transfer(update) => {
            let effect = lifecycle::progressed(model, update);
            if model.quit_when_done && model.in_flight().next().is_none() {
                // The answer's audit line is written by the engine before it reports, so the
                // last answer is safe on disk by now.
                return Some(Effect::Quit);
            }
            effect
        }
        Msg::Callback(event) => lifecycle::callback(model, event, Look::First),
        Msg::LookedFurther { records, callback } => {
            model.ledger.merge_new_as_of(records, model.clock.now);
            lifecycle::callback(model, callback, Look::Again)
        }
        Msg::ConfirmDeadline(id) => lifecycle::deadline(model, id),
        Msg::RosterSaved(result) => {
            roster_edit::saved(model, result);
            None
        }
        Msg::RosterReloaded(result) => {
            roster_edit::reloaded(model, result);
            None
        }
        Msg::Warning(warning) => {
            model.notice(Notice::Warning(warning));
            None
        }
        Msg::ListingFetched(result) => {
            refresh::preview_sync(model, result);
            None
        }
        Msg::AvailabilityDue => refresh::refresh(model, Refresh::Due),
        Msg::ConversationsDue => conversations::refresh(model, Refresh::Due),
        Msg::BulkEnded { unsent } => {
            let effects = bulk::ended(model, unsent);
            (!effects.is_empty()).then_some(Effect::Many(effects))
        }
        Msg::Conversations(result, teammate) => {
            conversations::refreshed(model, result, teammate);
            bulk::after_read(model)
        }
        Msg::Availability(result) => {
            refresh::refreshed(model, result);
            None
        }
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Option<Effect> {
    match model.keys.action_for(model.context(), &key) {
        Some(action) => perform(model, action),
        None => {
            let plain = !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
            if let (KeyCode::Char(c), true) = (key.code, plain) {
                if let Some(input) = model.focused_input() {
                    input.insert(c);
                    after_edit(model);
                } else if c == ' ' {
                    roster_edit::space_on_kind(model);
                }
            }
            None
        }
    }
}

/// A paste into a form's field, the help's filter, or the log's filter while it is typed, stays
/// there. Anywhere else (the picker's filter, the log) it is a session id, so it goes to the
/// session field, replacing what was there. Several ids at once are marked, to be moved
/// together.
fn paste(model: &mut Model, text: &str) {
    let in_form = matches!(
        model.dialog,
        Some(
            Dialog::EditTarget(_)
                | Dialog::Help { .. }
                | Dialog::Confirm {
                    writing_note: true,
                    ..
                }
        )
    ) || model.context() == Context::LogFilter;
    if in_form {
        if let Some(input) = model.focused_input() {
            input.paste(text);
            after_edit(model);
        }
        return;
    }
    if model.dialog.is_some() {
        return;
    }
    let list = SessionList::parse(text);
    let mut ids = list.unique();
    let duplicates = list.ids.len() - ids.len();
    model.session.clear();
    match ids.len() {
        // No id at all: the field shows what came, and says why it is not one.
        0 => model.session.paste(text),
        // One id, however it came wrapped (a trailing comma, quotes of a spreadsheet cell).
        1 => model.session.paste(ids.remove(0).as_str()),
        _ => {
            conversations::mark_pasted(model, ids, duplicates);
            return;
        }
    }
    model.focus = Focus::Session;
    model.session_error = None;
    end_reroute_if_changed(model);
}

/// With the log focused, the highlighted transfer is in front of the supervisor: seen.
fn highlighted_seen(model: &mut Model) {
    if model.focus != Focus::Log {
        return;
    }
    if let Some(EntryKind::Transfer(id)) = model.highlighted_entry().map(|entry| &entry.kind) {
        let id = *id;
        model.seen(id);
    }
}

/// A re-route belongs to its session: once the field holds another, it is over.
fn end_reroute_if_changed(model: &mut Model) {
    let same = model.rerouting.as_ref().is_some_and(|reroute| {
        SessionId::parse(model.session.value()).is_ok_and(|typed| typed == reroute.session)
    });
    if !same && model.rerouting.take().is_some() {
        model.picker.avoid(None);
    }
}

/// Keeps derived state in step with the text fields.
fn after_edit(model: &mut Model) {
    match &mut model.dialog {
        Some(Dialog::EditTarget(form)) => {
            form.edited();
            return;
        }
        // A new filter starts the list from its top.
        Some(Dialog::Help { scroll, .. }) => {
            *scroll = 0;
            return;
        }
        _ => {}
    }
    match model.focus {
        Focus::Session => {
            model.session_error = None;
            end_reroute_if_changed(model);
        }
        Focus::Picker => model.picker.refilter(),
        // A new filter starts from its newest match.
        Focus::Log => model.log.follow(),
    }
}

fn perform(model: &mut Model, action: Action) -> Option<Effect> {
    match action {
        Action::Quit => {
            if model.open_transfers().next().is_some() && !model.quit_when_done {
                model.dialog = Some(Dialog::QuitWhileSending);
                None
            } else {
                Some(Effect::Quit)
            }
        }
        Action::QuitNow => Some(Effect::Quit),
        Action::QuitWhenDone => {
            model.dialog = None;
            let in_flight = model.in_flight().count();
            if in_flight == 0 {
                return Some(Effect::Quit);
            }
            model.quit_when_done = true;
            let quit = model.keys.key_label(Context::Global, Action::Quit);
            model.notice(Notice::Info(format!(
                "quitting when the {in_flight} transfer(s) in flight have their answer; {quit} quits now"
            )));
            None
        }
        Action::Stay | Action::Cancel | Action::Close => {
            model.dialog = None;
            model.send_unclaimed = None;
            None
        }
        Action::Help => {
            model.dialog = Some(Dialog::Help {
                from: model.context(),
                filter: TextInput::default(),
                scroll: 0,
            });
            None
        }
        Action::NextPane | Action::PreviousPane => {
            model.focus = model.focus.cycled(action == Action::NextPane);
            highlighted_seen(model);
            None
        }
        Action::SubmitSession => {
            match SessionId::parse(model.session.value()) {
                // With conversations marked, a whole id typed joins them: the picker's Enter
                // moves the marked ones.
                Ok(id) if !model.conversations.marked().is_empty() => {
                    model.conversations.mark(id);
                    conversations::take_to_picker(model);
                }
                Ok(_) => {
                    model.session_error = None;
                    model.focus = Focus::Picker;
                }
                Err(_) if conversations::take_to_picker(model) => {}
                Err(error) => model.session_error = Some(error.to_string()),
            }
            None
        }
        Action::ClearSession => {
            // Esc clears what is typed first, then the marks, then asks to stop a run.
            if model.session.is_empty() {
                if model.conversations.marked().is_empty() {
                    bulk::back_out(model);
                }
                model.conversations.clear_marks();
            }
            model.session.clear();
            model.session_error = None;
            None
        }
        Action::MarkConversation => {
            conversations::mark_highlighted(model);
            None
        }
        Action::MarkAllShown => {
            conversations::mark_all_shown(model);
            None
        }
        Action::SortConversations => {
            model.conversations.sort_next();
            None
        }
        Action::IncludeRecent => {
            bulk::include_recent(model);
            None
        }
        Action::StopRun => bulk::stop(model),
        Action::RerouteFailed => {
            bulk::reroute_failed(model);
            None
        }
        Action::MarkAgent => {
            bulk::mark_agent(model);
            None
        }
        Action::Choose => {
            choose(model);
            None
        }
        Action::BackOut => {
            if let Some(Dialog::Help { filter, scroll, .. }) = &mut model.dialog {
                // Esc clears the filter first, so a second Esc is needed to close.
                if filter.is_empty() {
                    model.dialog = None;
                } else {
                    filter.clear();
                    *scroll = 0;
                }
            } else if model.focus == Focus::Picker && !model.picker.filter.is_empty() {
                model.picker.reset();
            } else if model.focus == Focus::Log && !model.log_query.is_empty() {
                model.log_query.clear();
            } else {
                model.focus = Focus::Session;
            }
            None
        }
        Action::Send => send(model),
        Action::SendUnclaimed => answer_redis_away(model, true),
        Action::WaitForRedis => answer_redis_away(model, false),
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
            if matches!(model.dialog, Some(Dialog::Help { .. })) =>
        {
            let lines = move |page: &help::Page| {
                let step = isize::try_from(page.step()).unwrap_or(isize::MAX);
                match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -step,
                    Action::PageDown => step,
                    Action::Top => isize::MIN,
                    _ => isize::MAX,
                }
            };
            scroll_help(model, lines);
            None
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            let delta = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -PAGE,
                _ => PAGE,
            };
            scroll(model, delta);
            None
        }
        Action::FilterLog => {
            model.filtering_log = true;
            None
        }
        Action::ShowTeammates => {
            teammates::toggle(model);
            None
        }
        Action::KeepFilter => {
            model.filtering_log = false;
            None
        }
        Action::ClearFilter => {
            model.log_query.clear();
            model.filtering_log = false;
            None
        }
        Action::Top => {
            model.move_log_highlight(isize::MIN);
            None
        }
        Action::Bottom => {
            model.log.follow();
            None
        }
        Action::AddTarget
        | Action::EditTarget
        | Action::DeleteTarget
        | Action::ToggleFavourite
        | Action::NextField
        | Action::PreviousField
        | Action::ToggleKind
        | Action::SaveTarget => roster_edit::perform(model, action),
        Action::Refresh => {
            // Both reads go on the background budget; each skips itself while one runs.
            let reads: Vec<Effect> = [
                refresh::refresh(model, Refresh::Asked),
                conversations::refresh(model, Refresh::Asked),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!reads.is_empty()).then_some(Effect::Many(reads))
        }
        Action::Sync => refresh::sync(model),
        Action::ApplySync => match model.dialog.take() {
            Some(Dialog::SyncPreview { listing, .. }) => Some(Effect::ApplySync(listing)),
            other => {
                model.dialog = other;
                None
            }
        },
        Action::WriteNote => {
            if let Some(Dialog::Confirm { writing_note, .. }) = &mut model.dialog {
                *writing_note = !*writing_note;
            }
            None
        }
        Action::Reroute => {
            reroute(model);
            None
        }
        Action::CopySession => {
            let session = selected_transfer(model)
                .and_then(|id| model.transfer(id))
                .map(|record| record.request.session.to_string())?;
            model.notice(Notice::Info(format!(
                "copied session {session} to the clipboard (if the terminal allows OSC 52)"
            )));
            Some(Effect::Copy(session))
        }
        Action::ToggleFreeOnly => {
            model.free_only = !model.free_only;
            model.apply_live_views();
            None
        }
        Action::ToggleByLoad => {
            model.by_load = !model.by_load;
            model.apply_live_views();
            None
        }
        Action::OpenDetail => {
            if let Some(EntryKind::Transfer(transfer)) =
                model.highlighted_entry().map(|entry| &entry.kind)
            {
                let transfer = *transfer;
                model.seen(transfer);
                model.dialog = Some(Dialog::Detail {
                    transfer,
                    scroll: 0,
                });
            }
            None
        }
        Action::CursorLeft
        | Action::CursorRight
        | Action::CursorHome
        | Action::CursorEnd
        | Action::DeleteBack
        | Action::DeleteForward
        | Action::DeleteWord
        | Action::ClearLine => {
            edit(model, action);
            None
        }
    }
}

fn edit(model: &mut Model, action: Action) {
    let Some(input) = model.focused_input() else {
        return;
    };
    match action {
        Action::CursorLeft => input.left(),
        Action::CursorRight => input.right(),
        Action::CursorHome => input.home(),
        Action::CursorEnd => input.end(),
        Action::DeleteBack => input.backspace(),
        Action::DeleteForward => input.delete(),
        Action::DeleteWord => input.delete_word(),
        Action::ClearLine => input.clear(),
        _ => return,
    }
    if matches!(
        action,
        Action::DeleteBack | Action::DeleteForward | Action::DeleteWord | Action::ClearLine
    ) {
        after_edit(model);
    }
}

/// Moves the help's list by the lines `lines` gives for its page (negative: up), never past
/// its last page.
fn scroll_help(model: &mut Model, lines: impl FnOnce(&help::Page) -> isize) {
    let Some(Dialog::Help {
        from,
        filter,
        scroll,
    }) = &mut model.dialog
    else {
        return;
    };
    let page = help::page(&model.keys, *from, filter.value(), model.screen);
    *scroll = scroll
        .saturating_add_signed(lines(&page))
        .min(page.max_scroll());
}

/// Up/Down and paging: the text in the detail dialog, else the focused list.
fn scroll(model: &mut Model, delta: isize) {
    if let Some(Dialog::Detail { scroll, .. }) = &mut model.dialog {
        *scroll = scroll.saturating_add_signed(delta.clamp(-100, 100) as i16);
        return;
    }
    match model.focus {
        Focus::Picker => model.picker.move_by(delta),
        Focus::Log => {
            model.move_log_highlight(delta);
            highlighted_seen(model);
        }
        Focus::Session => conversations::move_highlight(model, delta),
    }
}

/// Enter in the picker: confirm the highlighted target for the marked conversations, else for
/// the session in the field.
fn choose(model: &mut Model) {
    if !model.conversations.marked().is_empty() {
        bulk::confirm(model);
        return;
    }
    let session = match SessionId::parse(model.session.value()) {
        Ok(session) => session,
        Err(error) => {
            model.session_error = Some(format!("enter a session id first: {error}"));
            model.focus = Focus::Session;
            return;
        }
    };
    if let Some(target) = model.picker.highlighted(&model.roster) {
        model.dialog = Some(Dialog::Confirm {
            session,
            target: target.clone(),
            note: TextInput::default(),
            writing_note: false,
        });
    }
}

/// Confirmed once: send, unless something says to think again (the target cannot take it now,
/// or the session was moved a moment ago), in which case ask again in words. Confirmed twice:
/// send. In team mode with Redis away, the first confirmation that would send asks first
/// whether to send without a claim or once Redis answers; the answer holds for the rest.
fn send(model: &mut Model) -> Option<Effect> {
    let confirming = matches!(
        model.dialog,
        Some(
            Dialog::Confirm { .. }
                | Dialog::ConfirmAnyway { .. }
                | Dialog::ConfirmBulk { .. }
                | Dialog::ConfirmBulkAnyway { .. }
        )
    );
    if confirming
        && model.send_unclaimed.is_none()
        && let Some(why) = model.redis_away().map(str::to_owned)
        && let Some(confirmed) = model.dialog.take()
    {
        model.dialog = Some(Dialog::SendUnclaimed {
            why,
            confirmed: Box::new(confirmed),
        });
        return None;
    }
    match model.dialog.take() {
        Some(Dialog::Confirm {
            session,
            target,
            note,
            ..
        }) => {
            let note = Some(note.value().trim().to_owned()).filter(|n| !n.is_empty());
            let mut warnings: Vec<String> = Vec::new();
            if let Some(held) = held_by_teammate(model, &session) {
                warnings.push(format!(
                    "{held}. Sending takes the conversation over from them: check it first."
                ));
            }
            let now = model.clock.now;
            let recent = model.ledger.recent_move(&session, now);
            warnings.extend(recent.map(|record| record.move_words(now)));
            if let Some(concern) = model.live_state(&target.id).and_then(LiveState::concern) {
                warnings.push(format!("{} {concern}.", cut(&target.name, NAME_CHARS)));
            }
            if !warnings.is_empty() {
                model.dialog = Some(Dialog::ConfirmAnyway {
                    session,
                    target,
                    warnings,
                    note,
                });
                return None;
            }
            Some(dispatch(model, session, target, note, false))
        }
        // Whatever the warnings were (a recent move among them), the supervisor read them.
        Some(Dialog::ConfirmAnyway {
            session,
            target,
            note,
            ..
        }) => Some(dispatch(model, session, target, note, true)),
        Some(Dialog::ConfirmBulk { to, key, send, .. }) => bulk::confirmed(model, to, key, send),
        Some(Dialog::ConfirmBulkAnyway { to, key, send, .. }) => {
            bulk::dispatch(model, to, key, send)
        }
        other => {
            model.dialog = other;
            None
        }
    }
}

/// The answer to "Redis is away": the confirmation it interrupted goes on, its transfers sent
/// without a claim (`unclaimed`) or once Redis answers.
fn answer_redis_away(model: &mut Model, unclaimed: bool) -> Option<Effect> {
    let Some(Dialog::SendUnclaimed { confirmed, .. }) = model.dialog.take() else {
        return None;
    };
    model.dialog = Some(*confirmed);
    model.send_unclaimed = Some(unclaimed);
    send(model)
}

/// When the supervisor re-routes a transfer that was not sent because a teammate holds its
/// session (team mode), the words that said who and where: sending now takes it over.
fn held_by_teammate(model: &Model, session: &SessionId) -> Option<String> {
    let reroute = model.rerouting.as_ref().filter(|r| r.session == *session)?;
    let record = model.transfer(reroute.of)?;
    (record.reason() == Some(FailureReason::HeldByTeammate))
        .then(|| record.outcome.as_ref()?.message().map(str::to_owned))
        .flatten()
}

/// The transfer the supervisor is on: the one in the detail view, else the log's highlight.
fn selected_transfer(model: &Model) -> Option<TransferId> {
    match (
        &model.dialog,
        model.highlighted_entry().map(|entry| &entry.kind),
    ) {
        (Some(Dialog::Detail { transfer, .. }), _) => Some(*transfer),
        (None, Some(EntryKind::Transfer(id))) => Some(*id),
        _ => None,
    }
}

/// `r` on a transfer that failed or is in doubt (in the log, or in its detail): its session goes
/// back in the field and the picker opens on the other targets, the one that did not take it
/// marked.
fn reroute(model: &mut Model) {
    let Some(id) = selected_transfer(model) else {
        return;
    };
    let Some(record) = model.transfer(id) else {
        return;
    };
    if !record.state().may_reroute() {
        let key = model.keys.key_label(model.context(), Action::Reroute);
        model.notice(Notice::Info(format!(
            "{key} re-routes a transfer that failed or is in doubt; this one is {}",
            record.state().word()
        )));
        return;
    }
    let session = record.request.session.clone();
    // A teammate's hold says nothing against the target: it stays unmarked.
    let avoid = (record.reason() != Some(FailureReason::HeldByTeammate))
        .then(|| record.request.target.id.clone());
    model.seen(id);
    model.session.clear();
    model.session.paste(session.as_str());
    model.session_error = None;
    model.dialog = None;
    model.picker.reset();
    model.picker.avoid(avoid);
    model.rerouting = Some(Reroute { of: id, session });
    model.focus = Focus::Picker;
}

/// Logs the transfer, asks the loop to run it, and makes ready for the next one.
/// `confirmed_recent`: the supervisor was warned of a recent move and confirmed.
fn dispatch(
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

#[cfg(test)]
mod tests;
