//! `update`: the one place the console's state changes. It takes a message (a key, a paste, a
//! step of a background transfer) and returns what the event loop must do outside the model.
//! While a dialog is open, what the supervisor does goes to it (`tui::dialog`), acting from here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent};

mod attention;
mod bulk;
mod conversations;
mod described;
mod hand_over;
mod lifecycle;
mod mouse;
mod refresh;
mod roster_edit;
mod teammates;
mod viewport;

use super::effect::Effect;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::dialog::confirm::Confirm;
use super::dialog::confirm_bulk::ConfirmBulk;
use super::dialog::detail::Detail;
use super::dialog::help::Help;
use super::dialog::mark_top::MarkTop;
use super::dialog::quit_while_sending::QuitWhileSending;
use super::keys::{Action, Context};
use super::model::{DialogInput, Focus, Model};
use super::transfer_log::{EntryKind, Notice};
use crate::budget::BudgetSnapshot;
use crate::callback::CallbackEvent;
use crate::directory::{Availability, FloorNumbers, Held, Listing, TeammateRead};
use crate::ids::{SessionId, SessionList};
use crate::platform::{ConversationList, ConversationsError};
use crate::roster::Roster;
use crate::team::{Health, TeamStep};
use crate::transfer::{HandOverFiles, Look, TransferId, TransferRecord, TransferUpdate};

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
    /// A refresh of who is free ended.
    Availability(Result<Availability, String>),
    /// The list comes less often than `refresh_secs`, held back by the reads' ceiling (how
    /// often it can come); `None` once it comes as often as wanted.
    ReadsHeld(Option<Held>),
    /// Something the background reads say once.
    ReadsNote(String),
    /// Every queue's numbers, from queue-performance, or why there are none.
    QueueNumbers(Result<FloorNumbers, String>),
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
    /// The shift's hand-over was written (F9), or why not.
    HandOverWritten(Result<HandOverFiles, String>),
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
    /// The screen is to be cleared and drawn whole, not only where it changed.
    pub redraw: bool,
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
            Some(Effect::Redraw) => step.redraw = true,
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
    if matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(_)) {
        // The status line answered what the supervisor did before; this gets its own answer.
        model.status = None;
    }
    match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => paste(model, &text),
        Msg::Mouse(event) => mouse::act(model, event),
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
            Some(Effect::RosterChanged(model.roster.clone()))
        }
        Msg::RosterReloaded(result) => {
            roster_edit::reloaded(model, result);
            Some(Effect::RosterChanged(model.roster.clone()))
        }
        Msg::Warning(warning) => {
            model.notice(Notice::Warning(warning));
            None
        }
        Msg::ListingFetched(result) => {
            refresh::preview_sync(model, result);
            None
        }
        Msg::ReadsHeld(held) => {
            model.reads_held = held;
            None
        }
        Msg::QueueNumbers(Ok(numbers)) => {
            model.floor.numbers = Some(numbers);
            model.look_at_floor();
            None
        }
        // Said once: every read without the scope comes to the same.
        Msg::QueueNumbers(Err(why)) => {
            if !std::mem::replace(&mut model.floor.without_numbers, true) {
                model.notice(Notice::Info(why));
            }
            None
        }
        Msg::ReadsNote(note) => {
            model.notice(Notice::Info(note));
            None
        }
        Msg::BulkEnded { unsent } => {
            let effects = bulk::ended(model, unsent);
            (!effects.is_empty()).then_some(Effect::Many(effects))
        }
        Msg::Conversations(result, teammate) => {
            conversations::refreshed(model, result, teammate);
            model.look_at_floor();
            bulk::after_read(model)
        }
        Msg::Availability(result) => {
            refresh::refreshed(model, result);
            None
        }
        Msg::HandOverWritten(result) => {
            hand_over::written(model, result);
            None
        }
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Option<Effect> {
    let action = model.keys.action_for(model.context(), &key);
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let typed = match key.code {
        KeyCode::Char(c) if plain => Some(c),
        _ => None,
    };
    if model.dialog.is_some() {
        let input = match (action, typed) {
            (Some(action), _) => DialogInput::Action(action),
            (None, Some(c)) => DialogInput::Typed(c),
            (None, None) => return None,
        };
        return to_dialog(model, input);
    }
    // `?` opens help from an empty field only: after something, it is part of what is typed.
    let action = match (action, typed) {
        (Some(Action::Help), Some(_))
            if model.focused_input().is_some_and(|input| !input.is_empty()) =>
        {
            None
        }
        _ => action,
    };
    match (action, typed) {
        (Some(action), _) => perform(model, action),
        (None, Some(c)) => {
            if let Some(input) = model.focused_input() {
                input.insert(c);
                after_edit(model);
            }
            None
        }
        (None, None) => None,
    }
}

/// Hands `input` to the open dialog, taken out of the model while it acts. Once it closes, the
/// answer to "Redis is away" it may have held goes with it: that answer was for the transfer
/// being confirmed.
fn to_dialog(model: &mut Model, input: DialogInput) -> Option<Effect> {
    let dialog = model.dialog.take()?;
    // Help opens over any dialog and gives it back as it was when it closes.
    if input == DialogInput::Action(Action::Help) {
        model.dialog = Some(Box::new(Help::over(dialog)));
        return None;
    }
    let effect = dialog.handle(model, input);
    if model.dialog.is_none() {
        model.send_unclaimed = None;
    }
    effect
}

/// A paste into an open dialog is the dialog's, and into the log's filter while it is typed
/// stays there. Anywhere else (the picker's filter, the log) it is a session id, so it goes to
/// the session field, replacing what was there. Several ids at once are marked, to be moved
/// together.
fn paste(model: &mut Model, text: &str) -> Option<Effect> {
    if model.dialog.is_some() {
        return to_dialog(model, DialogInput::Pasted(text));
    }
    if model.context() == Context::LogFilter {
        model.log_query.paste(text);
        after_edit(model);
        return None;
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
            return None;
        }
    }
    model.focus = Focus::Session;
    model.session_error = None;
    end_reroute_if_changed(model);
    None
}

/// With the log focused, the highlighted transfer is in front of the supervisor: seen.
fn highlighted_seen(model: &mut Model) {
    if model.focus != Focus::Log {
        return;
    }
    if let Some(id) = highlighted_transfer(model) {
        model.seen(id);
    }
}

/// The transfer the log's highlight is on, if it is one of this console's.
fn highlighted_transfer(model: &Model) -> Option<TransferId> {
    match model.highlighted_entry().map(|entry| &entry.kind) {
        Some(EntryKind::Transfer(id)) => Some(*id),
        _ => None,
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

/// Keeps derived state in step with the focused pane's text field.
fn after_edit(model: &mut Model) {
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

/// A key of the focused pane (or of every pane); an open dialog takes its keys itself.
fn perform(model: &mut Model, action: Action) -> Option<Effect> {
    match action {
        Action::Quit => {
            if model.open_transfers().next().is_some() && !model.quit_when_done {
                model.dialog = Some(Box::new(QuitWhileSending));
                None
            } else {
                Some(Effect::Quit)
            }
        }
        Action::Help => {
            model.dialog = Some(Box::new(Help::new(model.context())));
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
        Action::ExtendMarksUp | Action::ExtendMarksDown => {
            let delta = if action == Action::ExtendMarksUp {
                -1
            } else {
                1
            };
            let filter = model.session.value().to_owned();
            model.conversations.extend_marks(&filter, delta);
            None
        }
        Action::MarkTopShown => {
            model.dialog = Some(Box::new(MarkTop::default()));
            None
        }
        Action::NextNeedingLook => {
            attention::next_needing_look(model);
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
            if model.focus == Focus::Picker && !model.picker.filter.is_empty() {
                model.picker.reset();
            } else if model.focus == Focus::Log && !model.log_query.is_empty() {
                model.log_query.clear();
            } else {
                model.focus = Focus::Session;
            }
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
        Action::WriteHandOver => Some(hand_over::prepare(model)),
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
        Action::AddTarget | Action::EditTarget | Action::DeleteTarget | Action::ToggleFavourite => {
            roster_edit::perform(model, action)
        }
        // The list and who is free, now, before the planned reads.
        Action::Refresh => Some(Effect::AskReads),
        Action::ToggleFloor => {
            model.floor.hidden = !model.floor.hidden;
            None
        }
        Action::Sync => refresh::sync(model),
        Action::Reroute => {
            if let Some(id) = highlighted_transfer(model) {
                model.reroute(id, model.context());
            }
            None
        }
        Action::CopySession => {
            let id = highlighted_transfer(model)?;
            model.copy_session(id)
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
            if let Some(transfer) = highlighted_transfer(model) {
                model.seen(transfer);
                model.dialog = Some(Box::new(Detail::new(transfer)));
            }
            None
        }
        Action::Redraw => Some(Effect::Redraw),
        Action::CursorLeft
        | Action::CursorRight
        | Action::CursorHome
        | Action::CursorEnd
        | Action::WordLeft
        | Action::WordRight
        | Action::KillToEnd
        | Action::DeleteBack
        | Action::DeleteForward
        | Action::DeleteWord
        | Action::ClearLine => {
            if let Some(input) = model.focused_input()
                && input.edit(action) == Some(true)
            {
                after_edit(model);
            }
            None
        }
        // Only dialogs bind these, and a dialog takes its keys itself.
        Action::QuitNow
        | Action::QuitWhenDone
        | Action::Stay
        | Action::Close
        | Action::Send
        | Action::Cancel
        | Action::NextField
        | Action::PreviousField
        | Action::ToggleKind
        | Action::SaveTarget
        | Action::WriteNote
        | Action::ApplySync
        | Action::IncludeRecent
        | Action::StopRun
        | Action::SendUnclaimed
        | Action::MarkTopCount
        | Action::WaitForRedis => None,
    }
}

/// Up/Down and paging in the focused list.
fn scroll(model: &mut Model, delta: isize) {
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
        ConfirmBulk::open(model);
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
        model.dialog = Some(Box::new(Confirm::new(session, target.clone())));
    }
}

#[cfg(test)]
mod tests;
