//! F6 (and `n` in the log): the next transfer that needs a look, highlighted in the log and
//! counted as seen, so "! 9 need a look" clears in nine presses.

use super::Model;
use crate::tui::model::Focus;
use crate::tui::transfer_log::EntryKind;

/// Highlights the next transfer that needs a look after the log's highlight (from the oldest
/// again past the newest), with the log focused; the filter is cleared if it hides it.
pub(super) fn next_needing_look(model: &mut Model) {
    let waiting: Vec<(u64, crate::transfer::TransferId)> = model
        .log
        .entries()
        .filter_map(|entry| match entry.kind {
            EntryKind::Transfer(id) if model.unseen.contains(&id) => Some((entry.seq, id)),
            _ => None,
        })
        .collect();
    let Some(&(oldest_seq, oldest)) = waiting.first() else {
        model.tell("no transfer needs a look".into());
        return;
    };
    let from = (model.focus == Focus::Log)
        .then(|| model.highlighted_entry().map(|entry| entry.seq))
        .flatten();
    let (seq, id) = from
        .and_then(|from| waiting.iter().copied().find(|&(seq, _)| seq > from))
        .unwrap_or((oldest_seq, oldest));
    let hidden = {
        let filter = model.log_filter();
        model
            .log
            .entries()
            .find(|entry| entry.seq == seq)
            .is_some_and(|entry| !filter.lets_through(entry))
    };
    model.focus = Focus::Log;
    model.filtering_log = false;
    if hidden {
        model.log_query.clear();
    }
    model.seen(id);
    let left = model.unseen.len();
    let words = match (left, hidden) {
        (0, false) => "that was the last one that needs a look".to_owned(),
        (0, true) => "filter cleared to show it; the last one that needs a look".to_owned(),
        (_, false) => format!("{left} more need a look"),
        (_, true) => format!("filter cleared to show it; {left} more need a look"),
    };
    model.tell(words);
    // After the notice: the highlight on the newest entry would follow it to the notice.
    model.log.highlight(seq);
}
