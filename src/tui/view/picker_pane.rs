//! The target picker: a filter line, then the matching agents and queues.

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::frame::{filter_field, has_focus, pane_below};
use super::live;
use crate::roster::{Target, shorten};
use crate::tui::keys::{Action, Context};
use crate::tui::layout::picker_regions;
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;

/// The highlight symbol, the favourite mark and the kind: on every row whatever the width.
const LEAD_COLUMNS: usize = 2 + 2 + 6;
/// Names get this much before any other column, so narrow terminals keep names readable.
const NAME_MIN: usize = 18;
const NAME_MAX: usize = 28;
/// How wide a name grows once the other columns have their room.
const NAME_WIDE: usize = 40;
const TEAM_WIDTH: usize = 14;
const TEAM_WIDE: usize = 22;
/// Wide enough for "● 2 of 12 chats free" and "12 waiting ~13m05s".
const STATUS_WIDTH: usize = 20;
/// Room for longer words about who is free, where the row has it.
const STATUS_WIDE: usize = 30;
/// "a-59bb17e…"
const ID_WIDTH: usize = 12;

/// How a row's width is shared: the name first, then who is free, then the id stub, then the
/// team; what is left widens the name, the team and who is free. A column that does not fit
/// whole is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    name: usize,
    status: usize,
    id: usize,
    team: usize,
}

impl Columns {
    fn for_width(width: usize) -> Self {
        let mut room = width.saturating_sub(LEAD_COLUMNS);
        let name = room.min(NAME_MIN);
        room -= name;
        // Every column but the last (the id) is followed by a space.
        let mut take = |width: usize, space: usize| {
            let fits = room >= width + space;
            if fits {
                room -= width + space;
            }
            if fits { width } else { 0 }
        };
        let mut status = take(STATUS_WIDTH, 1);
        let id = take(ID_WIDTH, 0);
        let mut team = take(TEAM_WIDTH, 1);
        let mut name = name;
        // What is left widens the name, then the columns that were shown cut (a long team,
        // who is free in words), then the name again.
        let mut widen = |column: &mut usize, to: usize| {
            if *column > 0 {
                let by = to.saturating_sub(*column).min(room);
                *column += by;
                room -= by;
            }
        };
        widen(&mut name, NAME_MAX);
        widen(&mut team, TEAM_WIDE);
        widen(&mut status, STATUS_WIDE);
        widen(&mut name, NAME_WIDE);
        Self {
            name,
            status,
            id,
            team,
        }
    }
}

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let focused = has_focus(model, Focus::Picker);
    let picker = &model.picker;
    let mut title = format!(
        "Target ({} of {})",
        picker.matches().len(),
        model.roster.targets().len()
    );
    if model.free_only {
        title.push_str(" · only who is free");
    }
    if model.by_load {
        title.push_str(" · least loaded first");
    }
    if model.rerouting.is_some() {
        title.push_str(" · re-routing: ✗ marks the target it failed with");
    }
    frame.render_widget(pane_below(title, focused, theme, area, frame.area()), area);
    let [filter_area, list_area] = picker_regions(area);

    let freshness = live_freshness(model, theme);
    let [filter_area, freshness_area] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(freshness.width() as u16),
    ])
    .spacing(1)
    .areas(filter_area);
    if picker.filter.is_empty() && !focused {
        let hint = Line::styled("type to filter by name, team, id or note", theme.dim);
        frame.render_widget(hint, filter_area);
    } else {
        filter_field(&picker.filter, focused, theme, filter_area, frame);
    }
    frame.render_widget(freshness, freshness_area);

    if picker.matches().is_empty() {
        let key = |action| model.keys.key_label(Context::Picker, action);
        let message = if model.roster.is_empty() {
            "The roster is empty: add agents and queues (see docs/configuration.md).".into()
        } else if model.free_only && model.live.is_none() {
            format!(
                "Who is free is not known yet. {} lists everyone.",
                key(Action::ToggleFreeOnly)
            )
        } else if model.free_only {
            format!(
                "Nobody that matches is free right now. {} lists everyone.",
                key(Action::ToggleFreeOnly)
            )
        } else {
            format!(
                "Nothing matches the filter. {} clears it.",
                key(Action::BackOut)
            )
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim), list_area);
        return;
    }

    // Only the rows that fit are laid out, however large the roster: the window scrolls just
    // enough to keep the highlight on screen.
    let rows = list_area.height as usize;
    let first = picker.first_shown(rows);
    let columns = Columns::for_width(list_area.width as usize);
    let mut highlighter = picker.highlighter();
    let items: Vec<ListItem> = picker.matches()[first..]
        .iter()
        .take(rows)
        .filter_map(|&i| model.roster.targets().get(i))
        .map(|target| {
            let matched = highlighter
                .as_mut()
                .map(|h| h.name(&target.name))
                .unwrap_or_default();
            ListItem::new(row(model, target, columns, &matched, theme))
        })
        .collect();
    let list = List::new(items)
        .highlight_style(theme.highlight)
        .highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(picker.selected() - first));
    frame.render_stateful_widget(list, list_area, &mut state);
}

/// How fresh the live column is: its age, or that it is stale and why.
fn live_freshness(model: &Model, theme: &Theme) -> Line<'static> {
    let text = match (&model.live, &model.live_error) {
        (None, None) => "who is free: loading…".to_owned(),
        (None, Some(_)) => "who is free: unknown, platform unreachable".to_owned(),
        (Some(taken), None) => format!(
            "who is free {}",
            live::age(model.clock, taken.taken_at, taken.read_by.as_deref())
        ),
        (Some(taken), Some(_)) => format!(
            "STALE: {}, refresh failing",
            live::age(model.clock, taken.taken_at, taken.read_by.as_deref())
        ),
    };
    let style = if model.live_error.is_some() {
        theme.warning
    } else {
        theme.dim
    };
    Line::styled(text, style)
}

/// "★ agent  Dana Whitfield     Billing        ● 2 of 3 chats free  a-59bb17e…", the letters the
/// filter matched in the name (`matched`, by character) marked.
fn row<'a>(
    model: &Model,
    target: &'a Target,
    columns: Columns,
    matched: &HashSet<usize>,
    theme: &Theme,
) -> Line<'a> {
    let team = target.team.as_deref().unwrap_or("");
    let mark = if model.picker.avoids(&target.id) {
        Span::styled("✗ ", theme.error)
    } else if model.marked_agents.contains(&target.id) {
        Span::styled("● ", theme.ok)
    } else if target.favourite {
        Span::styled("★ ", theme.warning)
    } else if target.stale {
        Span::styled("! ", theme.error)
    } else {
        Span::raw("  ")
    };
    let (status, status_style) = if target.stale {
        ("stale: not listed".to_owned(), theme.error)
    } else {
        match (model.live_state(&target.id), &model.live) {
            (Some(state), _) => live::describe(state, theme),
            // A refresh came back without this target: say so rather than show nothing.
            (None, Some(_)) => ("no live data".to_owned(), theme.dim),
            (None, None) => (String::new(), theme.dim),
        }
    };
    let mut spans = vec![
        mark,
        Span::styled(format!("{:<6}", target.kind.label()), theme.dim),
    ];
    spans.extend(name_spans(&target.name, columns.name, matched, theme));
    if columns.team > 0 {
        let team = shorten(team, columns.team - 1);
        spans.push(Span::raw(format!("{team:<width$} ", width = columns.team)));
    }
    if columns.status > 0 {
        let status = shorten(&status, columns.status);
        spans.push(Span::styled(
            format!("{status:<width$} ", width = columns.status),
            status_style,
        ));
    }
    if columns.id > 0 {
        spans.push(Span::styled(target.short_id(), theme.dim));
    }
    Line::from(spans)
}

/// The name cut to its column and padded, the matched letters marked.
fn name_spans(
    name: &str,
    width: usize,
    matched: &HashSet<usize>,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let shown = shorten(name, width.saturating_sub(1));
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut plain = String::new();
    for (n, c) in shown.chars().enumerate() {
        if matched.contains(&n) {
            if !plain.is_empty() {
                spans.push(Span::raw(std::mem::take(&mut plain)));
            }
            spans.push(Span::styled(c.to_string(), theme.matched));
        } else {
            plain.push(c);
        }
    }
    // The column, then one space before the next.
    let pad = width.saturating_sub(shown.chars().count()) + 1;
    plain.push_str(&" ".repeat(pad));
    spans.push(Span::raw(plain));
    spans
}
