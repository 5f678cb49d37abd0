//! What every pane shares: its frame, marked when it has the keyboard, and a list's filter line.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::symbols::{border, line};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::tui::input::TextInput;
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;

/// A pane's frame, bold and coloured when it has focus.
pub(super) fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let style: Style = if focused {
        theme.focused
    } else {
        theme.unfocused
    };
    let marker = if focused { "▶ " } else { "" };
    let mut title: Line = title.into();
    title.spans.insert(0, marker.into());
    Block::bordered().border_style(style).title(title)
}

/// The frame of a pane under another, whose top border is the bottom border of the one above:
/// where its corners meet that pane's sides they join them (├ ┤).
pub(super) fn pane_below<'a>(
    title: impl Into<Line<'a>>,
    focused: bool,
    theme: &Theme,
    area: Rect,
    screen: Rect,
) -> Block<'a> {
    let joins_left = area.x == screen.x;
    let joins_right = area.right() == screen.right();
    pane(title, focused, theme).border_set(border::Set {
        top_left: if joins_left {
            line::VERTICAL_RIGHT
        } else {
            line::TOP_LEFT
        },
        top_right: if joins_right {
            line::VERTICAL_LEFT
        } else {
            line::TOP_RIGHT
        },
        ..border::PLAIN
    })
}

/// A list's filter line, "/ tech", with the cursor in it while it has the keyboard.
pub(super) fn filter_field(
    input: &TextInput,
    editing: bool,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    const PROMPT: &str = "/ ";
    let line = Line::from(vec![
        Span::styled(PROMPT, theme.key),
        Span::raw(input.value().to_owned()),
    ]);
    frame.render_widget(line, area);
    if editing {
        let before = Span::raw(format!("{PROMPT}{}", input.before_cursor())).width();
        let x = area.x
            + u16::try_from(before)
                .unwrap_or(u16::MAX)
                .min(area.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// Whether the pane `focus` has the keyboard: focused, with no dialog over it.
pub(super) fn has_focus(model: &Model, focus: Focus) -> bool {
    model.dialog.is_none() && model.focus == focus
}
