//! `view`: draws the model. It reads the model only; nothing here changes state or does I/O.

mod bulk_dialogs;
mod conversations_pane;
mod detail;
mod dialogs;
mod help_dialog;
mod hit;
mod layout;
mod live;
mod log_pane;
mod picker_pane;
mod progress;
mod session_pane;
mod status;
pub(super) mod text;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::input::TextInput;
pub use hit::{Spot, spot};
pub use layout::{Panes, panes};
pub use log_pane::entry_height as log_entry_height;

use layout::{MIN_HEIGHT, MIN_WIDTH};

use super::keys::{Action, Context};
use super::model::{Focus, Model};
use super::theme::Theme;
use crate::terminal_safe;

pub fn view(model: &Model, theme: &Theme, frame: &mut Frame) {
    draw(model, theme, frame);
    neutralise(frame.buffer_mut());
}

/// The last guard between outside text and the terminal. ratatui drops control characters
/// itself, but keeps bidirectional overrides (attached to the cell before them), which would let
/// a name or a platform message reorder what the supervisor reads; they are taken out here.
fn neutralise(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        if cell.symbol().chars().any(terminal_safe::is_unsafe) {
            let kept: String = cell
                .symbol()
                .chars()
                .filter(|c| !terminal_safe::is_unsafe(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

fn draw(model: &Model, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let Some(panes) = panes(area, model.bulk.is_some()) else {
        too_small(model, area, frame);
        return;
    };
    status::title_bar(model, theme, panes.title, frame);
    session_pane::draw(model, theme, panes.session, panes.conversations, frame);
    picker_pane::draw(model, theme, panes.picker, frame);
    log_pane::draw(model, theme, panes.log, frame);
    progress::draw(model, theme, panes.progress, frame);
    status::hint_bar(model, theme, panes.hints, frame);
    dialogs::draw(model, theme, area, frame);
}

fn too_small(model: &Model, area: Rect, frame: &mut Frame) {
    let text = format!(
        "The terminal is too small for handoff: {}×{}; it needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Enlarge the window or make the font smaller. {} quits.",
        area.width,
        area.height,
        model.keys.key_label(Context::Global, Action::Quit)
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A pane's frame, bold and coloured when it has focus.
fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
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

/// A list's filter line, "/ tech", with the cursor in it while it has the keyboard.
fn filter_field(input: &TextInput, editing: bool, theme: &Theme, area: Rect, frame: &mut Frame) {
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

/// What a [`pane`] leaves inside its border.
fn inside(pane: Rect) -> Rect {
    Block::bordered().inner(pane)
}

fn has_focus(model: &Model, focus: Focus) -> bool {
    model.dialog.is_none() && model.focus == focus
}

/// Where the log's entries go inside its `pane`: below the filter line while there is one.
pub fn log_entries_area(model: &Model, pane: Rect) -> Rect {
    log_pane::regions(model, pane).1
}
