//! What is under the mouse pointer, found from the same layout and scroll positions the view
//! draws with, so a click means what the supervisor sees under it.

use ratatui::layout::{Position, Rect};

use super::log_pane;
use crate::tui::model::Model;

/// A place on the console that a click or the wheel can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// The session pane; on a conversation's row, its place among those shown.
    Session(Option<usize>),
    /// The picker; on a target's row, that target's place among the matches.
    Picker(Option<usize>),
    /// The log; on an entry, that entry's sequence number.
    Log(Option<u64>),
}

/// The spot at `column`, `row` of a terminal `area` with the panes drawn from `model`; `None`
/// outside the panes (the title and hint bars, a terminal too small).
pub fn spot(model: &Model, area: Rect, column: u16, row: u16) -> Option<Spot> {
    let panes = model.panes_in(area)?;
    let at = Position::new(column, row);
    // A border line two panes share is drawn by the lower one, whose title is on it: it
    // belongs to that pane, so the lower panes are asked first.
    if panes.log.contains(at) {
        let entries = log_pane::regions(model, panes.log).1;
        let entry = entries
            .contains(at)
            .then(|| log_entry_at(model, entries, usize::from(row - entries.y)))
            .flatten();
        Some(Spot::Log(entry))
    } else if panes.picker.contains(at) {
        let list = panes.picker_list;
        let target = list.contains(at).then(|| {
            model.picker.first_shown(usize::from(list.height)) + usize::from(row - list.y)
        });
        Some(Spot::Picker(
            target.filter(|&n| n < model.picker.matches().len()),
        ))
    } else if panes.session.contains(at) {
        let list = panes.conversations;
        let filter = model.session.value();
        let row = list.contains(at).then(|| {
            model
                .conversations
                .first_shown(filter, usize::from(list.height))
                + usize::from(row - list.y)
        });
        let shown = model.conversations.shown(filter).len();
        Some(Spot::Session(row.filter(|&n| n < shown)))
    } else {
        None
    }
}

/// The entry drawn on line `line` of the log's `entries` area: its sequence number.
fn log_entry_at(model: &Model, entries: Rect, line: usize) -> Option<u64> {
    let mut bottom = 0;
    for entry in log_pane::window(model, entries).entries {
        bottom += log_pane::entry_height(&model.ledger, model.clock, entry, entries.width);
        if line < bottom {
            return Some(entry.seq);
        }
    }
    None
}
