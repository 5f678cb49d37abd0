//! The mouse, when `[ui] mouse` is on: a click focuses the pane under it and highlights the row
//! it is on; the wheel scrolls the pane under it (in the conversation list it moves the
//! highlight), or goes to the dialog that is open (the help and the detail scroll with it). A
//! click never sends a transfer, nor answers a dialog: while a dialog is open it does nothing at
//! all, so nothing behind the dialog can be touched.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{Effect, highlighted_seen, to_dialog, viewport};
use crate::tui::model::{DialogInput, Focus, Model};
use crate::tui::view::{self, Spot};

/// Rows of the picker, and lines of an open dialog, per notch of the wheel: as far as most
/// programs scroll text.
const WHEEL_ROWS: i16 = 3;
/// Entries of the log per notch: an entry takes one line or several.
const WHEEL_ENTRIES: isize = 1;

pub(super) fn act(model: &mut Model, event: MouseEvent) -> Option<Effect> {
    let MouseEvent {
        kind, column, row, ..
    } = event;
    match kind {
        MouseEventKind::Down(MouseButton::Left) => {
            click(model, column, row);
            None
        }
        MouseEventKind::ScrollUp => wheel(model, column, row, -1),
        MouseEventKind::ScrollDown => wheel(model, column, row, 1),
        _ => None,
    }
}

fn click(model: &mut Model, column: u16, row: u16) {
    if model.dialog.is_some() {
        return;
    }
    match view::spot(model, model.screen, column, row) {
        Some(Spot::Session(row)) => {
            model.focus = Focus::Session;
            if let Some(at) = row {
                model.conversations.select(model.session.value(), at);
            }
        }
        Some(Spot::Picker(target)) => {
            model.focus = Focus::Picker;
            if let Some(at) = target {
                model.picker.select(at);
            }
        }
        Some(Spot::Log(entry)) => {
            model.focus = Focus::Log;
            if let Some(seq) = entry {
                model.log.highlight(seq);
            }
            highlighted_seen(model);
        }
        None => {}
    }
}

/// `notches` down the screen (negative: up). Focus stays where it is.
fn wheel(model: &mut Model, column: u16, row: u16, notches: i16) -> Option<Effect> {
    if model.dialog.is_some() {
        let lines = notches.saturating_mul(WHEEL_ROWS);
        return to_dialog(model, DialogInput::Wheel(lines));
    }
    match view::spot(model, model.screen, column, row) {
        Some(Spot::Picker(_)) => {
            viewport::scroll_picker(model, isize::from(notches.saturating_mul(WHEEL_ROWS)));
        }
        Some(Spot::Log(_)) => {
            // The newest entry is at the bottom: down the screen is towards it.
            viewport::scroll_log(model, isize::from(notches) * WHEEL_ENTRIES);
            highlighted_seen(model);
        }
        Some(Spot::Session(_)) => {
            super::conversations::move_highlight(model, isize::from(notches));
        }
        None => {}
    }
    None
}

#[cfg(test)]
mod tests;
