//! The live log: each transfer's state in words and a symbol, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{has_focus, pane};
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
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for entry in log.entries().rev().skip(log.scroll) {
        let mut entry_lines = entry_lines(entry, theme);
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

fn entry_lines<'a>(entry: &'a LogEntry, theme: &Theme) -> Vec<Line<'a>> {
    let time = Span::styled(format!("{} ", entry.at.format("%H:%M:%S")), theme.dim);
    match &entry.kind {
        EntryKind::Notice(Notice::Info(text)) => {
            vec![Line::from(vec![time, Span::raw("· "), Span::raw(text.as_str())])]
        }
        EntryKind::Notice(Notice::Warning(text)) => vec![Line::from(vec![
            time,
            Span::styled(format!("! {text}"), theme.warning),
        ])],
        EntryKind::Transfer(transfer) => transfer_lines(time, transfer, theme),
    }
}

fn transfer_lines<'a>(time: Span<'a>, transfer: &TransferEntry, theme: &Theme) -> Vec<Line<'a>> {
    let (symbol, word, style, detail): (&str, String, Style, Option<String>) = match &transfer.state
    {
        TransferState::Queued => ("·", "queued".into(), theme.pending, None),
        TransferState::WaitingForBudget(wait) => (
            "⋯",
            "waiting".into(),
            theme.pending,
            Some(format!(
                "goes out by itself in {} s: the account's per-minute request budget is spent",
                wait.as_secs().max(1)
            )),
        ),
        TransferState::Sending => ("⋯", "sending".into(), theme.pending, None),
        TransferState::Finished(outcome) => match outcome {
            Outcome::Transferred { .. } => (
                "✓",
                "transferred".into(),
                theme.ok,
                outcome
                    .completed_at()
                    .map(|at| format!("platform completed it at {}", at.format("%H:%M:%S"))),
            ),
            Outcome::Failed { message, .. } => ("✗", "failed".into(), theme.error, Some(message.clone())),
            Outcome::Unknown { message, .. } => (
                "?",
                "unknown".into(),
                theme.warning,
                Some(format!("{message}; check the conversation before retrying")),
            ),
        },
    };
    let mut lines = vec![Line::from(vec![
        time,
        Span::styled(format!("{symbol} {word:<11} "), style),
        Span::raw(format!("{}… → {}", transfer.session.short(), transfer.target)),
    ])];
    if let Some(detail) = detail {
        lines.push(Line::from(vec![
            Span::raw("           "),
            Span::styled(format!("└ {detail}"), style),
        ]));
    }
    lines
}
