//! The session field: where a botSessionId is pasted, with why it is refused, inline.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::frame::{has_focus, pane};
use super::{conversations_pane, floor_strip};
use crate::ids::SessionId;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Focus, Model};
use crate::tui::text;
use crate::tui::theme::Theme;

const PROMPT: &str = "› ";

/// The pane in `area`, the queues' figures in `floor`, and its conversation list's rows in
/// `list_rows` (below the headings).
pub(super) fn draw(
    model: &Model,
    theme: &Theme,
    area: Rect,
    floor: Rect,
    list_rows: Rect,
    frame: &mut Frame,
) {
    let focused = has_focus(model, Focus::Session);
    let title = format!("Session id{}", conversations_pane::title_words(model));
    let block = pane(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let value = model.session.value();
    let submit = model
        .keys
        .key_label(Context::Session, Action::SubmitSession);
    let marked = model.conversations.marked().len();
    let status = if let Some(error) = &model.session_error {
        Line::styled(format!("✗ {error}"), theme.error)
    } else if value.trim().is_empty() && marked > 0 {
        let clear = model.keys.key_label(Context::Session, Action::ClearSession);
        Line::styled(
            format!(
                "● {marked} marked: {submit} to pick one target for them all, {clear} clears the marks"
            ),
            theme.ok,
        )
    } else if value.trim().is_empty() && !model.conversations.is_empty() {
        Line::styled(
            format!(
                "Paste or type the conversation's botSessionId, or a few letters to narrow the list; {submit} on a row picks it"
            ),
            theme.dim,
        )
    } else if value.trim().is_empty() {
        let full = format!("Paste or type the conversation's botSessionId (24 hex), then {submit}");
        let fits = full.width() <= usize::from(inner.width);
        Line::styled(
            if fits {
                full
            } else {
                format!("Paste or type a botSessionId, then {submit}")
            },
            theme.dim,
        )
    } else if SessionId::parse(value).is_ok() {
        Line::styled(
            format!("✓ looks right: {submit} to pick a target"),
            theme.ok,
        )
    } else if !model.conversations.is_empty() {
        let matching = model.conversations.shown(value).len();
        Line::styled(
            format!(
                "{matching} conversation(s) match; {submit} takes the highlighted one to the picker"
            ),
            theme.dim,
        )
    } else {
        Line::styled(
            format!("{} of 24 characters", value.trim().chars().count()),
            theme.dim,
        )
    };
    let field = Line::from(vec![Span::styled(PROMPT, theme.key), Span::raw(value)]);
    let status = text::fit(status, usize::from(inner.width));
    frame.render_widget(Paragraph::new(vec![field, status]), inner);
    floor_strip::draw(model, theme, floor, frame);
    let headings = Rect {
        y: floor.bottom(),
        height: u16::from(list_rows.height > 0),
        ..inner
    };
    conversations_pane::draw(model, theme, headings, list_rows, frame);

    if focused {
        let before = Span::raw(format!("{PROMPT}{}", model.session.before_cursor())).width();
        let x = inner.x + (before as u16).min(inner.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y));
    }
}
