//! The live log: each transfer's state in words and a symbol, newest at the bottom.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::frame::{filter_field, has_focus, pane_below};
use super::live;
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::{FailureReason, Ledger, Outcome, Phase, TransferRecord, TransferState};
use crate::tui::clock::Clock;
use crate::tui::keys::{Action, Context};
use crate::tui::layout::inside;
use crate::tui::model::{Focus, Model};
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::transfer_log::{EntryKind, LogEntry, Notice, Refusals, Window};
use crate::words::short_duration;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let log = &model.log;
    let filter = model.log_filter();
    let mut title = "Log".to_owned();
    if filter.is_active() {
        title.push_str(&format!(
            " ({} of {})",
            log.shown(|entry| filter.lets_through(entry)).count(),
            log.entries().len()
        ));
    }
    title.push_str(&teammates_title(model));
    let focused = has_focus(model, Focus::Log);
    let (filter_area, entries_area) = regions(model, area);
    if let Some(filter_area) = filter_area {
        let editing = focused && model.filtering_log;
        filter_field(&model.log_query, editing, theme, filter_area, frame);
    }

    // Only what is visible is laid out, however long the log.
    let window = window(model, entries_area);
    if window.newer_below > 0 {
        title.push_str(&format!(" · {} newer below: End", window.newer_below));
    }
    frame.render_widget(pane_below(title, focused, theme, area, frame.area()), area);
    let highlighted = model.highlighted_entry().map(|entry| entry.seq);
    let width = usize::from(entries_area.width);
    let mut lines: Vec<Line> = Vec::with_capacity(usize::from(entries_area.height));
    for entry in window.entries {
        let mut entry_lines = entry_lines(&model.ledger, model.clock, entry, theme, width);
        // With the log focused, the highlighted entry is the one Enter opens.
        if focused && Some(entry.seq) == highlighted {
            entry_lines[0] = entry_lines[0].clone().patch_style(theme.highlight);
        }
        lines.extend(entry_lines);
    }
    if lines.is_empty() {
        let empty = if filter.is_active() {
            "Nothing in the log matches the filter; Esc clears it."
        } else {
            "Transfers show here as they move: sending → accepted → confirmed, or failed."
        };
        lines.push(Line::styled(empty, theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), entries_area);
}

/// " · with teammates'" while they show, " · 12 by teammates: t" while they are hidden.
fn teammates_title(model: &Model) -> String {
    match model.teammates {
        None => String::new(),
        Some(true) => " · with teammates'".to_owned(),
        Some(false) => match model.log.teammates() {
            0 => String::new(),
            hidden => format!(
                " · {hidden} by teammates: {}",
                model.keys.key_label(Context::Log, Action::ShowTeammates)
            ),
        },
    }
}

/// Inside the pane's border: the filter line while there is a filter, then the entries.
pub(super) fn regions(model: &Model, pane: Rect) -> (Option<Rect>, Rect) {
    let inner = inside(pane);
    if model.filtering_log || model.log_filter().is_active() {
        let [filter, entries] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        (Some(filter), entries)
    } else {
        (None, inner)
    }
}

/// The entries the log's `entries` area shows, oldest first.
pub(super) fn window(model: &Model, entries: Rect) -> Window<'_> {
    let filter = model.log_filter();
    model.log.window(
        usize::from(entries.height),
        |entry| entry_height(&model.ledger, model.clock, entry, entries.width),
        |entry| filter.lets_through(entry),
    )
}

/// The rows an entry takes in a log `width` columns wide, at the `clock`'s time. Styles do not
/// change the count, so it is measured without colour.
pub fn entry_height(ledger: &Ledger, clock: Clock, entry: &LogEntry, width: u16) -> usize {
    entry_lines(
        ledger,
        clock,
        entry,
        &Theme::monochrome(),
        usize::from(width),
    )
    .len()
}

/// Columns before a continuation line: the width of "14:03:11 ✓ ", so text lines up under
/// the first line's text.
const DETAIL_INDENT: &str = "           ";

/// An entry's lines: a transfer's head cut to the pane's width with its detail wrapped beneath,
/// or a notice wrapped under its own first line.
fn entry_lines(
    ledger: &Ledger,
    clock: Clock,
    entry: &LogEntry,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let time = Span::styled(
        format!("{} ", clock.shown(entry.at).format("%H:%M:%S")),
        theme.dim,
    );
    let room = width.saturating_sub(DETAIL_INDENT.len());
    let notice = |symbol: &'static str, text: &str, style: Style| {
        let mut lines = Vec::new();
        for (n, part) in text::wrap(text, room).into_iter().enumerate() {
            let mut spans = if n == 0 {
                vec![time.clone(), Span::styled(symbol, style)]
            } else {
                vec![Span::raw(DETAIL_INDENT)]
            };
            spans.push(Span::styled(part, style));
            lines.push(Line::from(spans));
        }
        lines
    };
    match &entry.kind {
        EntryKind::Notice(Notice::Info(text)) => notice("· ", text, Style::new()),
        EntryKind::Notice(Notice::Warning(text)) => notice("! ", text, theme.warning),
        EntryKind::Refusals(refusals) => notice("! ", &refused(refusals), theme.warning),
        EntryKind::Transfer(id) => match ledger.get(*id) {
            Some(record) => transfer_lines(time, record, None, clock, theme, width),
            None => notice(
                "· ",
                "a transfer no longer kept; see the audit file",
                theme.dim,
            ),
        },
        EntryKind::Teammate(transfer) => transfer_lines(
            time,
            &transfer.record,
            Some(&transfer.by),
            clock,
            theme,
            width,
        ),
    }
}

/// A transfer's head cut to the pane's width, with its detail wrapped beneath.
fn transfer_lines(
    time: Span<'static>,
    record: &TransferRecord,
    by: Option<&str>,
    clock: Clock,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(DETAIL_INDENT.len());
    let (head, detail) = transfer_head(time, record, by, clock, theme);
    let mut lines = vec![text::fit(head, width)];
    if let Some((detail, style)) = detail {
        let parts = text::wrap(&detail, room.saturating_sub(2));
        for (n, part) in parts.into_iter().enumerate() {
            let marker = if n == 0 { "└ " } else { "  " };
            lines.push(Line::from(vec![
                Span::raw(DETAIL_INDENT),
                Span::styled(format!("{marker}{part}"), style),
            ]));
        }
    }
    lines
}

/// "412 callbacks refused in a minute: without the right token (last from …); nothing
/// changed".
fn refused(refusals: &Refusals) -> String {
    let Refusals {
        refusal,
        count,
        last_from,
    } = refusals;
    if *count == 1 {
        format!(
            "refused a callback from {last_from}: {}; nothing changed",
            refusal.words()
        )
    } else {
        format!(
            "{count} callbacks refused in a minute: {} (last from {last_from}); nothing changed",
            refusal.words()
        )
    }
}

/// "14:03:11 ✓ confirmed   6538…cf0a1b → agent Dana Whitfield (a-59bb17e…)", and the detail
/// to show beneath it: how long each step took, then the record's own words. A teammate's
/// transfer is marked with their name: "14:03:11 ✓ accepted    Priya: 6538…cf0a1b → …".
fn transfer_head(
    time: Span<'static>,
    record: &TransferRecord,
    by: Option<&str>,
    clock: Clock,
    theme: &Theme,
) -> (Line<'static>, Option<(String, Style)>) {
    let state = record.state();
    let style = theme.tone(state.tone());
    let word = state.word();
    let mut spans = vec![
        time,
        Span::styled(format!("{} {word:<11} ", state.symbol()), style),
    ];
    if let Some(by) = by {
        spans.push(Span::styled(
            format!("{}: ", cut(by, NAME_CHARS)),
            theme.title,
        ));
    }
    spans.push(Span::raw(format!(
        "{} → {}",
        record.request.session.short(),
        record.request.target
    )));
    let head = Line::from(spans);
    let mut parts: Vec<String> = Vec::new();
    if let Phase::WaitingForBudget { until } = record.phase
        && state == TransferState::WaitingForBudget
    {
        let left = (until - clock.now).to_std().unwrap_or_default();
        parts.push(format!(
            "goes out by itself in {} (at {}): the account's per-minute request budget is spent",
            live::countdown(left),
            clock.shown(until).format("%H:%M:%S")
        ));
    }
    parts.extend(timing(record));
    match state {
        TransferState::Accepted {
            awaiting_callback: true,
        } => parts.push("waiting for the platform's confirmation".into()),
        TransferState::Accepted {
            awaiting_callback: false,
        } => parts.push(
            record
                .outcome
                .as_ref()
                .and_then(Outcome::detail)
                .unwrap_or_else(|| "the platform accepted it".into()),
        ),
        _ => parts.extend(record.detail()),
    }
    if record.reason() == Some(FailureReason::HeldByTeammate) && by.is_none() {
        parts.push(
            "nothing was sent; re-route it to take it over, after checking the conversation".into(),
        );
    }
    if let Some(note) = &record.request.note {
        parts.push(format!("note: {}", cut(note, MESSAGE_CHARS)));
    }
    let detail = (!parts.is_empty()).then(|| (parts.join("; "), style));
    (head, detail)
}

/// "waited 19s for the budget, accepted in 35 ms, confirmed after 1.2s".
fn timing(record: &TransferRecord) -> Option<String> {
    let mut steps = Vec::new();
    if let Some(wait) = record.time_waiting() {
        steps.push(format!(
            "waited {} for the budget",
            short_duration(wait.as_secs())
        ));
    }
    if let (Some(sent), Some(answered), Some(Outcome::Transferred { .. })) =
        (record.sent_at, record.answered_at, &record.outcome)
    {
        steps.push(format!("accepted in {}", elapsed(sent, answered)));
    }
    if let (Some(answered), Some(settled), Some(confirmation)) =
        (record.answered_at, record.settled_at, &record.confirmation)
        && confirmation.is_final()
    {
        steps.push(format!(
            "{} after {}",
            confirmation.state().word(),
            elapsed(answered, settled)
        ));
    }
    (!steps.is_empty()).then(|| steps.join(", "))
}

/// "35 ms", "1.5s", "12s", "3m05s": as precise as matters at each scale.
fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let ms = (to - from).num_milliseconds().max(0) as u64;
    if ms == 0 {
        "under 1 ms".to_owned()
    } else if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 10_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        short_duration(ms / 1000)
    }
}
