//! The target picker: a filter line, then the matching agents and queues.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::{has_focus, pane};
use crate::roster::{Target, shorten};
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;

const FILTER_PROMPT: &str = "/ ";
/// Everything on a row but the name: highlight symbol, kind, team and short id.
const FIXED_COLUMNS: usize = 2 + 2 + 6 + 17 + 12;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let focused = has_focus(model, Focus::Picker);
    let picker = &model.picker;
    let title = format!(
        "Target ({} of {})",
        picker.matches().len(),
        model.roster.targets().len()
    );
    let block = pane(title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [filter_area, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);

    let filter = picker.filter.value();
    let filter_line = if filter.is_empty() && !focused {
        Line::styled("type to filter by name, team or id", theme.dim)
    } else {
        Line::from(vec![
            Span::styled(FILTER_PROMPT, theme.key),
            Span::raw(filter),
        ])
    };
    frame.render_widget(filter_line, filter_area);
    if focused {
        let before = Span::raw(format!("{FILTER_PROMPT}{}", picker.filter.before_cursor())).width();
        let x = filter_area.x + (before as u16).min(filter_area.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, filter_area.y));
    }

    if picker.matches().is_empty() {
        let message = if model.roster.is_empty() {
            "The roster is empty: add agents and queues to the roster file (see README)."
        } else {
            "Nothing matches the filter. Esc clears it."
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim), list_area);
        return;
    }

    // Only the rows that fit are laid out, however large the roster: the window scrolls just
    // enough to keep the highlight on screen.
    let rows = list_area.height as usize;
    let first = (picker.selected() + 1).saturating_sub(rows);
    let name_width = (list_area.width as usize)
        .saturating_sub(FIXED_COLUMNS)
        .clamp(10, 28);
    let items: Vec<ListItem> = picker.matches()[first..]
        .iter()
        .take(rows)
        .filter_map(|&i| model.roster.targets().get(i))
        .map(|target| ListItem::new(row(target, name_width, theme)))
        .collect();
    let list = List::new(items)
        .highlight_style(theme.highlight)
        .highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(picker.selected() - first));
    frame.render_stateful_widget(list, list_area, &mut state);
}

/// "★ agent  Dana Whitfield     Billing        a-59bb17e…"
fn row<'a>(target: &'a Target, name_width: usize, theme: &Theme) -> Line<'a> {
    let team = target.team.as_deref().unwrap_or("");
    let mark = if target.favourite {
        Span::styled("★ ", theme.warning)
    } else if target.stale {
        Span::styled("! ", theme.error)
    } else {
        Span::raw("  ")
    };
    Line::from(vec![
        mark,
        Span::styled(format!("{:<6}", target.kind.label()), theme.dim),
        Span::raw(format!(
            "{:<name_width$} ",
            shorten(&target.name, name_width.saturating_sub(1))
        )),
        Span::raw(format!("{:<16} ", shorten(team, 15))),
        Span::styled(target.short_id(), theme.dim),
        if target.stale {
            Span::styled(" stale: not on the platform", theme.error)
        } else {
            Span::raw("")
        },
    ])
}
