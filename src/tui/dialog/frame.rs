//! What every dialog shares: its place on screen, its frame and title, its line of keys from
//! the key map, and its text field.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};

use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context, Hint, KeyMap};
use crate::tui::model::{DialogInput, Model};
use crate::tui::theme::Theme;

/// At most this many of a run's left-out conversations, or of its warnings, are named; the
/// rest are counted.
pub(super) const NAMED: usize = 6;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// A centered dialog `width` wide (at most) and tall enough for `lines` once wrapped.
pub(super) fn sized(area: Rect, width: u16, lines: &[Line]) -> Rect {
    let inner_width = usize::from(width.min(area.width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    centered(area, width, u16::try_from(rows + 2).unwrap_or(u16::MAX))
}

/// The dialog's keys, from the key map: "y/Enter send the transfer · n/Esc cancel".
pub(super) fn key_line(keys: &KeyMap, context: Context, theme: &Theme) -> Line<'static> {
    key_line_of(keys, context, theme, |_| true)
}

/// Like [`key_line`], without the keys that would do nothing now.
pub(super) fn offered_key_line(model: &Model, context: Context, theme: &Theme) -> Line<'static> {
    key_line_of(&model.keys, context, theme, |action| model.offers(action))
}

fn key_line_of(
    keys: &KeyMap,
    context: Context,
    theme: &Theme,
    offered: impl Fn(Action) -> bool,
) -> Line<'static> {
    let mut spans = Vec::new();
    for (n, binding) in keys
        .bindings(context)
        .iter()
        .filter(|b| b.hint != Hint::Never && offered(b.action))
        .enumerate()
    {
        if n > 0 {
            spans.push(Span::styled("   ", theme.dim));
        }
        spans.push(Span::styled(binding.keys_label(), theme.key));
        spans.push(Span::raw(format!(" {}", binding.description)));
    }
    Line::from(spans).centered()
}

/// What a confirmation opens with: what goes where, centred between blank lines.
pub(super) fn headline(what: String, theme: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::raw(""),
        Line::styled(what, theme.title).centered(),
        Line::raw(""),
    ]
}

/// Clears `area` and frames it with `title`; returns what is inside the frame.
pub(super) fn open(title: &str, area: Rect, theme: &Theme, frame: &mut Frame) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme.focused)
        .title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// An editing key, a typed character or a paste, applied to a dialog's text `field`: whether
/// its text changed (a cursor move changes none), or `None` when `input` is none of these.
pub(super) fn edit_field(field: &mut TextInput, input: DialogInput) -> Option<bool> {
    match input {
        DialogInput::Action(action) => field.edit(action),
        DialogInput::Typed(c) => {
            field.insert(c);
            Some(true)
        }
        DialogInput::Pasted(text) => {
            field.paste(text);
            Some(true)
        }
        DialogInput::Wheel(_) => None,
    }
}
