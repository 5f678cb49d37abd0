//! The help dialog: every key, those that work where the supervisor was first, a filter to type
//! into, where in the list the screen is, and how to leave (in its title; the hint bar below
//! lists all of help's own keys).

use ratatui::Frame;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::dialog_frame::open;
use crate::tui::help::{self, HelpLine};
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context};
use crate::tui::model::Model;
use crate::tui::theme::Theme;

const PROMPT: &str = "/ ";

pub(super) fn draw(
    model: &Model,
    from: Context,
    filter: &TextInput,
    scroll: usize,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let page = help::page(&model.keys, from, filter.value(), area);
    let dialog = help::dialog_area(area);
    let areas = help::areas(dialog);
    let first = scroll.min(page.max_scroll());
    let last = page.lines.len().min(first + page.height);
    let close = model.keys.key_label(Context::Help, Action::BackOut);
    let title = format!("Help: type to filter; {close} clears, then closes");
    open(&title, dialog, theme, frame);
    let position = if page.lines.is_empty() {
        " no match ".to_owned()
    } else {
        format!(" {}–{last} of {} ", first + 1, page.lines.len())
    };
    let bottom = Rect {
        y: dialog.bottom().saturating_sub(1),
        height: 1,
        ..dialog
    };
    frame.render_widget(
        Line::styled(position, theme.title).right_aligned(),
        bottom.inner(Margin::new(1, 0)),
    );

    let typed = if filter.is_empty() {
        Span::styled(
            "type to filter by key, words or part of the console",
            theme.dim,
        )
    } else {
        Span::raw(filter.value().to_owned())
    };
    frame.render_widget(
        Line::from(vec![Span::styled(PROMPT, theme.key), typed]),
        areas.filter,
    );
    let before = PROMPT.width() + filter.before_cursor().width();
    let x = areas.filter.x
        + u16::try_from(before)
            .unwrap_or(u16::MAX)
            .min(areas.filter.width.saturating_sub(1));
    frame.set_cursor_position(Position::new(x, areas.filter.y));

    if page.lines.is_empty() {
        frame.render_widget(
            Paragraph::new(format!(
                "No key matches {:?}. {close} clears the filter.",
                filter.value()
            ))
            .style(theme.dim),
            areas.list,
        );
    } else {
        let lines: Vec<Line> = page.lines[first..last]
            .iter()
            .map(|line| match line {
                HelpLine::Title { title, here } => {
                    let mut spans = vec![Span::styled(*title, theme.title)];
                    if *here {
                        spans.push(Span::styled(" · where you are", theme.dim));
                    }
                    Line::from(spans)
                }
                HelpLine::Row { keys, description } => {
                    let pad = page.key_width.saturating_sub(keys.width());
                    Line::from(vec![
                        Span::raw(" ".repeat(help::INDENT)),
                        Span::styled(format!("{keys}{}", " ".repeat(pad)), theme.key),
                        Span::raw(" ".repeat(help::GAP)),
                        Span::raw(description.clone()),
                    ])
                }
                HelpLine::Blank => Line::raw(""),
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), areas.list);
    }
}
