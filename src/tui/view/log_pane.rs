//! The live log: each transfer's state in words and a symbol, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{has_focus, pane, text};
use crate::transfer::Outcome;
use crate::tui::log::{EntryKind, LogEntry, Notice, TransferEntry, TransferState};
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let log = &model.log;
    let title = if log.scroll > 0 {
        format!("Log ({} newer below: End)", log.scroll)
    } else {
        "Log".to_owned()
    };
    let block = pane(title, has_focus(model, Focus::Log), theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // Walk back from the newest shown entry until the pane is full; only what is visible is
    // laid out, however long the log.
    let height = inner.height as usize;
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for entry in log.entries().rev().skip(log.scroll) {
        let mut entry_lines = entry_lines(entry, theme, width);
        if lines.len() + entry_lines.len() > height {
            break;
        }
        entry_lines.reverse();
        lines.extend(entry_lines);
    }
    lines.reverse();
    if lines.is_empty() {
        lines.push(Line::styled(
            "Transfers show here as they move: sending → transferred or failed.",
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
fn entry_lines(entry: &LogEntry, theme: &Theme, width: usize) -> Vec<Line<'static>> {
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
            let (head, detail) = transfer_head(time, transfer, theme);
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
    theme: &Theme,
) -> (Line<'static>, Option<(String, Style)>) {
    let (symbol, word, style, detail): (&str, &str, Style, Option<String>) = match &transfer.state {
        TransferState::Queued => ("·", "queued", theme.pending, None),
        TransferState::WaitingForBudget(wait) => (
            "⋯",
            "waiting",
            theme.pending,
            Some(format!(
                "goes out by itself in {} s: the account's per-minute request budget is spent",
                wait.as_secs().max(1)
            )),
        ),
        TransferState::Sending => ("⋯", "sending", theme.pending, None),
        TransferState::Finished(outcome) => {
            let (symbol, word, style) = match outcome {
                Outcome::Transferred { .. } => ("✓", "transferred", theme.ok),
                Outcome::Failed { .. } => ("✗", "failed", theme.error),
                Outcome::Unknown { .. } => ("?", "unknown", theme.warning),
            };
            (symbol, word, style, outcome.detail())
        }
    };
    let head = Line::from(vec![
        time,
        Span::styled(format!("{symbol} {word:<11} "), style),
        Span::raw(format!(
            "{}… → {}",
            transfer.session.short(),
            transfer.target
        )),
    ]);
    (head, detail.map(|d| (d, style)))
}
