//! How far the picker, the conversation list and the log are scrolled, kept in step with their
//! highlights and the terminal's size. The view draws with these positions and the mouse is matched against them,
//! so both agree on what is where.

use crate::tui::model::Model;
use crate::tui::transfer_log::{LogEntry, LogFilter};
use crate::tui::view;

/// After every change: each list scrolls just enough to show its highlight. Until the terminal's
/// size is known (or while it is too small for the panes) there is nothing to keep in view.
pub(super) fn keep_highlights_in_view(model: &mut Model) {
    let Some(panes) = model.panes() else {
        return;
    };
    model
        .picker
        .keep_selected_in_view(usize::from(panes.picker_list.height));
    model.conversations.keep_selected_in_view(
        model.session.value(),
        usize::from(panes.conversations.height),
    );
    let entries = view::log_entries_area(model, panes.log);
    let filter = LogFilter::new(
        &model.ledger,
        model.log_query.value(),
        model.showing_teammates(),
    );
    let (ledger, clock) = (&model.ledger, model.clock);
    model.log.keep_highlight_in_view(
        usize::from(entries.height),
        |entry: &LogEntry| view::log_entry_height(ledger, clock, entry, entries.width),
        |entry: &LogEntry| filter.lets_through(entry),
    );
}

/// Scrolls the picker by `rows` (negative: up), the highlight taken along where it would leave
/// the list.
pub(super) fn scroll_picker(model: &mut Model, rows: isize) {
    if let Some(panes) = model.panes() {
        model
            .picker
            .scroll_view(rows, usize::from(panes.picker_list.height));
    }
}

/// Scrolls the log by `entries` towards the newest (negative: the oldest), the highlight taken
/// along where it would leave the pane.
pub(super) fn scroll_log(model: &mut Model, entries: isize) {
    let Some(panes) = model.panes() else {
        return;
    };
    let area = view::log_entries_area(model, panes.log);
    let filter = LogFilter::new(
        &model.ledger,
        model.log_query.value(),
        model.showing_teammates(),
    );
    let (ledger, clock) = (&model.ledger, model.clock);
    model.log.scroll_view(
        entries,
        usize::from(area.height),
        |entry: &LogEntry| view::log_entry_height(ledger, clock, entry, area.width),
        |entry: &LogEntry| filter.lets_through(entry),
    );
}
