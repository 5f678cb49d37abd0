//! What of the log a pane shows. The pane keeps its place while the highlight moves within it
//! and while entries arrive, and moves just enough when the highlight would leave it; the wheel
//! moves it and takes the highlight along. The view draws [`TransferLog::window`] and the mouse
//! is matched against the same window, so a click lands on the entry drawn under it.

use super::{LogEntry, TransferLog};

/// What a pane of the log shows.
#[derive(Debug, Default)]
pub struct Window<'a> {
    /// The entries on screen, oldest first.
    pub entries: Vec<&'a LogEntry>,
    /// Entries let through that are newer than the last one on screen.
    pub newer_below: usize,
    /// The entry the window is laid out from, as [`TransferLog`] keeps it.
    anchor: Option<u64>,
}

impl TransferLog {
    /// What a pane `rows` high shows of the entries `shown` lets through, each taking `height`
    /// rows: laid out from the anchor (older entries above it, newer ones below while there is
    /// room), moved just enough to show the highlight.
    pub fn window(
        &self,
        rows: usize,
        height: impl Fn(&LogEntry) -> usize,
        shown: impl Fn(&LogEntry) -> bool + Copy,
    ) -> Window<'_> {
        let list: Vec<&LogEntry> = self.entries.iter().filter(|entry| shown(entry)).collect();
        let Some(newest) = list.len().checked_sub(1) else {
            return Window::default();
        };
        let highlighted = self
            .highlighted(shown)
            .and_then(|entry| list.iter().position(|e| e.seq == entry.seq))
            .unwrap_or(newest);
        let mut anchor = match self.anchor {
            None => newest,
            // Gone or filtered out: the nearest older entry shown.
            Some(seq) => list.iter().rposition(|e| e.seq <= seq).unwrap_or(0),
        };
        let mut laid_out = page(&list, anchor, rows, &height);
        if !laid_out.is_some_and(|(first, last)| (first..=last).contains(&highlighted)) {
            anchor = if highlighted > anchor {
                highlighted
            } else {
                last_fitting(&list, highlighted, rows, &height)
            };
            laid_out = page(&list, anchor, rows, &height);
        }
        let Some((first, last)) = laid_out else {
            return Window::default();
        };
        Window {
            entries: list[first..=last].to_vec(),
            newer_below: newest - last,
            anchor: (anchor < newest).then(|| list[anchor].seq),
        }
    }

    /// Remembers where a pane `rows` high now is laid out from, after the highlight moved or
    /// entries came and went, so the next change starts from there.
    pub fn keep_highlight_in_view(
        &mut self,
        rows: usize,
        height: impl Fn(&LogEntry) -> usize,
        shown: impl Fn(&LogEntry) -> bool + Copy,
    ) {
        self.anchor = self.window(rows, height, shown).anchor;
    }

    /// Scrolls a pane `rows` high by `delta` entries towards the newest (negative: the oldest),
    /// no further than the oldest page or the newest entry, and takes the highlight along where
    /// it would leave the pane.
    pub fn scroll_view(
        &mut self,
        delta: isize,
        rows: usize,
        height: impl Fn(&LogEntry) -> usize,
        shown: impl Fn(&LogEntry) -> bool + Copy,
    ) {
        let list: Vec<&LogEntry> = self.entries.iter().filter(|entry| shown(entry)).collect();
        let Some(newest) = list.len().checked_sub(1) else {
            return;
        };
        let now = self
            .window(rows, &height, shown)
            .anchor
            .and_then(|seq| list.iter().position(|e| e.seq == seq))
            .unwrap_or(newest);
        let oldest_page = last_fitting(&list, 0, rows, &height).min(newest);
        let anchor = now.saturating_add_signed(delta).clamp(oldest_page, newest);
        let Some((first, last)) = page(&list, anchor, rows, &height) else {
            return;
        };
        let highlighted = self
            .highlighted(shown)
            .and_then(|entry| list.iter().position(|e| e.seq == entry.seq))
            .unwrap_or(newest);
        let highlight = highlighted.clamp(first, last);
        let highlight = (highlight < newest).then(|| list[highlight].seq);
        let anchor = (anchor < newest).then(|| list[anchor].seq);
        self.highlight = highlight;
        self.anchor = anchor;
    }
}

/// The first and last entries of `list` on a pane `rows` high laid out from `anchor`: it and
/// older ones above while they fit whole, then newer ones below while there is room. `None`
/// when the anchor alone is taller than the pane.
fn page(
    list: &[&LogEntry],
    anchor: usize,
    rows: usize,
    height: impl Fn(&LogEntry) -> usize,
) -> Option<(usize, usize)> {
    let mut used = 0;
    let mut first = None;
    for at in (0..=anchor).rev() {
        let needs = height(list[at]);
        if used + needs > rows {
            break;
        }
        used += needs;
        first = Some(at);
    }
    let first = first?;
    let mut last = anchor;
    for (at, entry) in list.iter().enumerate().skip(anchor + 1) {
        let needs = height(entry);
        if used + needs > rows {
            break;
        }
        used += needs;
        last = at;
    }
    Some((first, last))
}

/// The newest entry that fits on a pane `rows` high together with every entry from `from` on:
/// where to lay the pane out from to show `from` at its top.
fn last_fitting(
    list: &[&LogEntry],
    from: usize,
    rows: usize,
    height: impl Fn(&LogEntry) -> usize,
) -> usize {
    let mut used = 0;
    let mut last = from;
    for (at, entry) in list.iter().enumerate().skip(from) {
        used += height(entry);
        if used > rows {
            break;
        }
        last = at;
    }
    last
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::tui::transfer_log::{EntryKind, LOG_CAPACITY, Notice};

    /// When every entry of these tests arrives: they are about room on screen, not time.
    const AT: DateTime<chrono::Utc> = DateTime::UNIX_EPOCH;

    fn notice(n: usize) -> EntryKind {
        EntryKind::Notice(Notice::Info(n.to_string()))
    }

    fn log_of(count: usize) -> TransferLog {
        let mut log = TransferLog::default();
        for n in 0..count {
            log.push(AT, notice(n), |_| false);
        }
        log
    }

    const ALL: fn(&LogEntry) -> bool = |_| true;
    const ONE_LINE: fn(&LogEntry) -> usize = |_| 1;

    /// The notices on a pane `rows` high, oldest first, and how many are below it.
    fn on_screen(log: &TransferLog, rows: usize) -> (Vec<EntryKind>, usize) {
        let window = log.window(rows, ONE_LINE, ALL);
        let kinds = window.entries.iter().map(|e| e.kind.clone()).collect();
        (kinds, window.newer_below)
    }

    fn notices(range: std::ops::RangeInclusive<usize>) -> Vec<EntryKind> {
        range.map(notice).collect()
    }

    #[test]
    fn the_pane_stays_while_the_highlight_moves_within_it_and_moves_just_enough_beyond() {
        let mut log = log_of(20);
        let rows = 5;
        assert_eq!(on_screen(&log, rows), (notices(15..=19), 0));
        log.move_highlight(-4, ALL);
        log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        assert_eq!(on_screen(&log, rows), (notices(15..=19), 0), "15 is on it");
        log.move_highlight(-1, ALL);
        log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        assert_eq!(
            on_screen(&log, rows),
            (notices(14..=18), 1),
            "14 at the top"
        );
        log.move_highlight(3, ALL);
        log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        assert_eq!(on_screen(&log, rows), (notices(14..=18), 1), "17 is on it");
        log.move_highlight(2, ALL);
        log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        assert_eq!(
            on_screen(&log, rows),
            (notices(15..=19), 0),
            "the newest, followed"
        );
        log.push(AT, notice(20), |_| false);
        assert_eq!(on_screen(&log, rows), (notices(16..=20), 0));
    }

    #[test]
    fn a_pane_scrolled_back_stays_put_as_entries_arrive() {
        let mut log = log_of(20);
        let rows = 5;
        log.move_highlight(-10, ALL);
        log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        assert_eq!(on_screen(&log, rows), (notices(9..=13), 6));
        for n in 20..LOG_CAPACITY + 5 {
            log.push(AT, notice(n), |_| false);
            log.keep_highlight_in_view(rows, ONE_LINE, ALL);
        }
        // The five oldest entries were pushed out as the log filled; the highlight and the page
        // laid out from it stay.
        let (shown, _) = on_screen(&log, rows);
        assert_eq!(shown.last(), Some(&notice(13)));
        assert_eq!(log.highlighted(ALL).unwrap().kind, notice(9));
    }

    #[test]
    fn the_wheel_stops_at_either_end_and_takes_the_highlight_along() {
        let two_lines = |_: &LogEntry| 2;
        let mut log = log_of(10);
        // Seven lines show three entries of two.
        log.scroll_view(-1, 7, two_lines, ALL);
        let window = log.window(7, two_lines, ALL);
        assert_eq!(window.newer_below, 1);
        assert_eq!(log.highlighted(ALL).unwrap().kind, notice(8));
        log.scroll_view(-100, 7, two_lines, ALL);
        let window = log.window(7, two_lines, ALL);
        assert_eq!(window.entries[0].kind, notice(0), "the oldest page");
        assert_eq!(window.entries.len(), 3);
        assert_eq!(log.highlighted(ALL).unwrap().kind, notice(2));
        log.scroll_view(100, 7, two_lines, ALL);
        assert_eq!(log.window(7, two_lines, ALL).newer_below, 0);
        assert_eq!(
            log.highlighted(ALL).unwrap().kind,
            notice(7),
            "the oldest entry shown"
        );
        // At the bottom the pane follows new entries as far as the highlight stays on it.
        log.push(AT, notice(10), |_| false);
        assert_eq!(log.window(7, two_lines, ALL).newer_below, 1);
        log.move_highlight(isize::MAX, ALL);
        log.push(AT, notice(11), |_| false);
        assert_eq!(log.window(7, two_lines, ALL).newer_below, 0);
    }

    #[test]
    fn a_filtered_out_anchor_lays_the_pane_out_from_the_nearest_older_entry() {
        let mut log = log_of(20);
        log.scroll_view(-5, 3, ONE_LINE, ALL);
        assert_eq!(on_screen(&log, 3), (notices(12..=14), 5));
        let even = |entry: &LogEntry| entry.seq.is_multiple_of(2);
        let window = log.window(3, ONE_LINE, even);
        let kinds: Vec<EntryKind> = window.entries.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(kinds, [notice(10), notice(12), notice(14)]);
        assert_eq!(window.newer_below, 2);
    }

    #[test]
    fn an_entry_taller_than_the_pane_shows_nothing_and_panics_nothing() {
        let mut log = log_of(3);
        let tall = |_: &LogEntry| 10;
        assert!(log.window(5, tall, ALL).entries.is_empty());
        log.scroll_view(-1, 5, tall, ALL);
        log.keep_highlight_in_view(5, tall, ALL);
        assert!(log.window(0, ONE_LINE, ALL).entries.is_empty());
    }
}
