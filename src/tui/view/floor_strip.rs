//! The queues' figures above the conversation list: a heading that says what range and how old
//! they are, then one line per queue, most urgent first; where there is room for one line only,
//! the worst queue alone.
//!
//! "▲ Tech Support   12 waiting · 3 overdue · longest 4m10s · SLA 72% · 5 abandoned · agents 3
//! free 4 busy 1 away 2 off": a figure past `[floor]` in the error colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::directory::QueueFigure;
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::tui::keys::{Action, Context};
use crate::tui::model::Model;
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::words::short_duration;

/// The width the queue names take in the strip, so the figures line up.
const NAME_WIDTH: usize = 18;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    if area.height == 0 {
        return;
    }
    let figures = model.floor_figures();
    let width = usize::from(area.width);
    let mut lines = Vec::new();
    if area.height > 1 {
        lines.push(text::fit(heading(model, theme), width));
    }
    let rows = usize::from(area.height) - lines.len();
    for figure in figures.iter().take(rows) {
        lines.push(text::fit(queue_line(figure, theme), width));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "Queues, most urgent first · SLA and abandoned since 00:00 · numbers 12s old, waits 20s old ·
/// F2 hides": the numbers from queue-performance, the longest waits from the list; without
/// queue-performance, that the figures are counted in the list (whose title says its age).
fn heading(model: &Model, theme: &Theme) -> Line<'static> {
    let hide = model.keys.key_label(Context::Global, Action::ToggleFloor);
    let old = |at: chrono::DateTime<chrono::Utc>| {
        let secs = (model.clock.now - at).num_seconds().max(0).unsigned_abs();
        format!("{} old", short_duration(secs))
    };
    let source = match &model.floor.numbers {
        Some(numbers) => {
            let waits = model
                .conversations
                .as_of
                .map_or_else(String::new, |at| format!(", waits {}", old(at)));
            format!(
                "SLA and abandoned since {} · numbers {}{waits}",
                model.clock.shown(numbers.since).format("%H:%M"),
                old(numbers.at)
            )
        }
        None if model.floor.without_numbers => {
            "counted in the list below (the app cannot read queue-performance)".to_owned()
        }
        None if model.conversations.as_of.is_some() => {
            "counted in the list below until the queue numbers come".to_owned()
        }
        None => "reading the queues' numbers…".to_owned(),
    };
    Line::styled(
        format!("Queues, most urgent first · {source} · {hide} hides"),
        theme.dim,
    )
}

fn queue_line(figure: &QueueFigure, theme: &Theme) -> Line<'static> {
    let plain = ratatui::style::Style::default();
    let (marker, name_style) = if figure.over() {
        ("▲ ", theme.warning)
    } else {
        ("  ", plain)
    };
    let name = cut(&figure.name, NAME_CHARS.min(NAME_WIDTH));
    let mut spans = vec![
        Span::styled(marker, name_style),
        Span::styled(format!("{name:<NAME_WIDTH$} "), name_style),
        Span::raw(format!("{:>3} waiting", figure.waiting)),
    ];
    if let Some(age) = figure.waiting_age {
        spans.push(Span::styled(
            format!(" ({} ago)", short_duration(age.as_secs())),
            theme.dim,
        ));
    }
    let overdue_style = if figure.overdue > 0 {
        theme.warning
    } else {
        plain
    };
    spans.push(Span::styled(
        format!(" · {} overdue", figure.overdue),
        overdue_style,
    ));
    if let Some(wait) = figure.longest_wait {
        let style = if figure.wait_long { theme.error } else { plain };
        spans.push(Span::raw(" · longest "));
        spans.push(Span::styled(short_duration(wait.as_secs()), style));
    }
    match figure.sla_percent {
        Some(sla) => {
            let style = if figure.sla_low { theme.error } else { plain };
            spans.push(Span::raw(" · SLA "));
            spans.push(Span::styled(format!("{sla:.0}%"), style));
        }
        None => spans.push(Span::styled(" · SLA —", theme.dim)),
    }
    if let Some(abandoned) = figure.abandoned {
        spans.push(Span::raw(format!(" · {abandoned} abandoned")));
    }
    if let Some(agents) = figure.agents {
        let count = |n: Option<u32>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
        spans.push(Span::styled(
            format!(
                " · agents {} free {} busy {} away {} off",
                count(agents.available),
                count(agents.busy),
                count(agents.away),
                count(agents.offline)
            ),
            theme.dim,
        ));
    }
    Line::from(spans)
}
