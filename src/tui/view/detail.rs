//! One transfer in full: its timeline, the request as sent (secrets replaced), the platform's
//! reply and the callback payload, verbatim.

use chrono::{DateTime, Local};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::transfer::{Confirmation, Outcome, TransferId};
use crate::tui::log::TransferEntry;
use crate::tui::model::Model;
use crate::tui::theme::Theme;

pub(super) fn draw(
    model: &Model,
    id: TransferId,
    scroll: u16,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let lines = match model.log.transfer(id) {
        Some(entry) => lines(entry, theme),
        None => vec![Line::raw(
            "This transfer is no longer in the log; see the audit file.",
        )],
    };
    let [row] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [dialog] = Layout::horizontal([Constraint::Max(100)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, dialog);
    let block = Block::bordered()
        .border_style(theme.focused)
        .title(Span::styled(
            " Transfer detail (↑/↓ scroll, Esc close) ",
            theme.title,
        ));
    let inner = block.inner(dialog);
    frame.render_widget(block, dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

fn lines(entry: &TransferEntry, theme: &Theme) -> Vec<Line<'static>> {
    let request = &entry.request;
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), theme.key),
            Span::raw(value),
        ])
    };
    let heading = |text: &str| Line::styled(text.to_owned(), theme.title);
    let time = |at: Option<DateTime<Local>>| {
        at.map_or_else(
            || "—".to_owned(),
            |at| at.format("%H:%M:%S%.3f").to_string(),
        )
    };
    let mut lines = vec![
        field("session", request.session.to_string()),
        field(
            "target",
            format!(
                "{} {} ({})",
                request.target.kind, request.target.name, request.target.id
            ),
        ),
    ];
    if let Some(note) = &request.note {
        lines.push(field("note", note.clone()));
    }
    lines.push(Line::raw(""));
    lines.push(heading("Timeline"));
    lines.push(field("sent", time(entry.sent_at)));
    lines.push(field("answered", time(entry.answered_at)));
    lines.push(field("callback", time(entry.confirmed_at)));
    lines.push(Line::raw(""));

    lines.push(heading("Request"));
    match &entry.sent {
        Some(sent) => lines.extend(sent.lines().map(|l| Line::raw(l.to_owned()))),
        None if entry.restored => lines.push(Line::styled(
            "from an earlier run: the audit file keeps the outcome, not the request",
            theme.dim,
        )),
        None => lines.push(Line::styled("not sent yet", theme.dim)),
    }
    lines.push(Line::raw(""));

    lines.push(heading("Reply"));
    lines.push(Line::raw(match &entry.outcome {
        None => "none yet".to_owned(),
        Some(Outcome::Transferred {
            request_completed_at,
        }) => format!(
            "status \"transferred\", requestCompletedAt {}",
            request_completed_at.map_or_else(|| "not given".to_owned(), |ms| ms.to_string())
        ),
        Some(outcome) => format!(
            "{}: {}",
            outcome.reason().map_or("failed", |r| r.words()),
            outcome.detail().unwrap_or_default()
        ),
    }));
    lines.push(Line::raw(""));

    lines.push(heading("Callback"));
    match &entry.confirmation {
        None => lines.push(Line::styled("none yet", theme.dim)),
        Some(Confirmation::Unconfirmed) => {
            lines.push(Line::styled("none arrived in time", theme.warning))
        }
        Some(confirmation) => {
            if let Some(detail) = confirmation.detail() {
                lines.push(Line::raw(detail));
            }
            let payload = confirmation
                .payload()
                .map(|p| serde_json::to_string_pretty(p).unwrap_or_default())
                .unwrap_or_default();
            lines.extend(payload.lines().map(|l| Line::raw(l.to_owned())));
        }
    }
    lines
}
