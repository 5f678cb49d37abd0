//! The live log: each transfer's state in words and a symbol, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{has_focus, live, pane, text};
use crate::transfer::Outcome;
use crate::tui::log::{EntryKind, LogEntry, Notice, State, TransferEntry};
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let log = &model.log;
    let title = if log.scroll > 0 {
        format!("Log ({} newer below: End)", log.scroll)
    } else {
        "Log".to_owned()
    };
    let focused = has_focus(model, Focus::Log);
    let block = pane(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Walk back from the newest shown entry until the pane is full; only what is visible is
    // laid out, however long the log.
    let height = inner.height as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for (n, entry) in log.entries().rev().skip(log.scroll).enumerate() {
        let mut entry_lines = entry_lines(entry, model.confirmations, theme, width);
        if lines.len() + entry_lines.len() > height {
            break;
        }
        // With the log focused, the newest shown entry is the one Enter opens.
        if focused && n == 0 {
            entry_lines[0] = entry_lines[0].clone().patch_style(theme.highlight);
        }
        entry_lines.reverse();
        lines.extend(entry_lines);
    }
    lines.reverse();
    if lines.is_empty() {
        lines.push(Line::styled(
            "Transfers show here as they move: sending → accepted → confirmed, or failed.",
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Columns before a continuation line: the width of "14:03:11 ✓ ", so text lines up under
/// the first line's text.
const DETAIL_INDENT: &str = "           ";

/// An entry's lines: a transfer's head cut to the pane's width with its detail wrapped beneath,
/// or a notice wrapped under its own first line.
fn entry_lines(
    entry: &LogEntry,
    confirmations: bool,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let time = Span::styled(format!("{} ", entry.at.format("%H:%M:%S")), theme.dim);
    let room = width.saturating_sub(DETAIL_INDENT.len());
    match &entry.kind {
        EntryKind::Notice(notice) => {
            let (symbol, text, style) = match notice {
                Notice::Info(text) => ("· ", text, Style::new()),
                Notice::Warning(text) => ("! ", text, theme.warning),
            };
            let mut lines = Vec::new();
            for (n, part) in text::wrap(text, room).into_iter().enumerate() {
                let lead = if n == 0 {
                    vec![time.clone(), Span::styled(symbol, style)]
                } else {
                    vec![Span::raw(DETAIL_INDENT)]
                };
                let mut spans = lead;
                spans.push(Span::styled(part, style));
                lines.push(Line::from(spans));
            }
            lines
        }
        EntryKind::Transfer(transfer) => {
            let (head, detail) = transfer_head(time, transfer, confirmations, theme);
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
    }
}

/// "14:03:11 ✓ transferred 6538f8a3… → agent Dana Whitfield (a-59bb17e…)", and the detail to
/// show beneath it.
fn transfer_head(
    time: Span<'static>,
    transfer: &TransferEntry,
    confirmations: bool,
    theme: &Theme,
) -> (Line<'static>, Option<(String, Style)>) {
    let accepted_in = match (transfer.sent_at, transfer.answered_at) {
        (Some(sent), Some(answered)) => format!("accepted in {}", elapsed(sent, answered)),
        _ => "accepted".to_owned(),
    };
    let settled_after = match (transfer.answered_at, transfer.confirmed_at) {
        (Some(answered), Some(settled)) => elapsed(answered, settled),
        _ => "?".to_owned(),
    };
    let outcome_detail = || transfer.outcome.as_ref().and_then(Outcome::detail);
    let confirmation_detail = || transfer.confirmation.as_ref().and_then(|c| c.detail());
    let (symbol, word, style, detail): (&str, &str, Style, Option<String>) = match transfer.state()
    {
        State::Queued => ("·", "queued", theme.pending, None),
        State::WaitingForBudget(wait) => (
            "⋯",
            "waiting",
            theme.pending,
            Some(format!(
                "goes out by itself in {} s: the account's per-minute request budget is spent",
                wait.as_secs().max(1)
            )),
        ),
        State::Sending => ("⋯", "sending", theme.pending, None),
        State::Accepted if confirmations => (
            "⋯",
            "accepted",
            theme.pending,
            Some(format!("{accepted_in}; waiting for the platform's confirmation")),
        ),
        State::Accepted => (
            "✓",
            "accepted",
            theme.ok,
            Some(format!(
                "{accepted_in}; {}",
                outcome_detail().unwrap_or_else(|| "the platform accepted it".into())
            )),
        ),
        State::Confirmed => (
            "✓",
            "confirmed",
            theme.ok,
            Some(format!("{accepted_in}, confirmed after {settled_after}")),
        ),
        State::Failed if transfer.confirmation.is_some() => (
            "✗",
            "failed",
            theme.error,
            Some(format!(
                "{accepted_in}, failed after {settled_after}: {}",
                confirmation_detail().unwrap_or_default()
            )),
        ),
        State::Failed => (
            "✗",
            "failed",
            theme.error,
            transfer.outcome.as_ref().map(|outcome| {
                let reason = outcome.reason().map(|r| r.words()).unwrap_or("failed");
                format!("{reason}: {}", outcome_detail().unwrap_or_default())
            }),
        ),
        State::Unclear => ("?", "unclear", theme.warning, confirmation_detail()),
        State::Unconfirmed => (
            "?",
            "unconfirmed",
            theme.warning,
            Some(format!("{accepted_in}; {}", confirmation_detail().unwrap_or_default())),
        ),
        State::Unknown => ("?", "unknown", theme.warning, outcome_detail()),
        State::Interrupted => (
            "!",
            "interrupted",
            theme.warning,
            Some(
                "handoff stopped before the platform answered; check the conversation before retrying"
                    .into(),
            ),
        ),
    };
    let head = Line::from(vec![
        time,
        Span::styled(format!("{symbol} {word:<11} "), style),
        Span::raw(format!(
            "{}… → {}",
            transfer.request.session.short(),
            transfer.request.target
        )),
    ]);
    let detail = match (&transfer.request.note, detail) {
        (Some(note), Some(detail)) => Some(format!("{detail} · note: {note}")),
        (Some(note), None) => Some(format!("note: {note}")),
        (None, detail) => detail,
    };
    (head, detail.map(|d| (d, style)))
}

/// "35 ms", "1.5s", "12s", "3m05s": as precise as matters at each scale.
fn elapsed(from: chrono::DateTime<chrono::Local>, to: chrono::DateTime<chrono::Local>) -> String {
    let ms = (to - from).num_milliseconds().max(0) as u64;
    if ms == 0 {
        "under 1 ms".to_owned()
    } else if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 10_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        live::short_duration(ms / 1000)
    }
}
