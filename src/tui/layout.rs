//! Where each part of the console is on screen. The view draws into these areas, and `update`
//! scrolls the lists and finds what a click is on from them, both from this one function, so a
//! click lands on what was drawn. It knows nothing of what is drawn: the model and the view both
//! build on it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

/// Below this the panes cannot show a session id and a target on one line.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the picker and the log sit side by side, each wide enough for its lines.
const WIDE: u16 = 160;
/// The session pane's border, its field and the field's status line.
const SESSION_FIELD: u16 = 4;
/// From this height the conversation list takes a good share of the screen; below it, a few
/// rows, so the picker and the log keep room at 80×24.
const ROOMY: u16 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub title: Rect,
    pub session: Rect,
    /// The queues' figures, above the conversation list; empty when hidden or with no room.
    pub floor: Rect,
    /// The session pane's list of conversations, below its column headings; empty when the
    /// terminal has no room for it.
    pub conversations: Rect,
    pub picker: Rect,
    /// The picker's rows of targets, below its filter line.
    pub picker_list: Rect,
    pub log: Rect,
    /// The progress of a run of many transfers, above the hints; empty when there is none.
    pub progress: Rect,
    pub hints: Rect,
}

/// The panes of a terminal `area`, with a line for a run's `progress` when there is one and
/// room for the figures of `queues` queues above the list; `None` when it is too small for
/// them (the view then says so).
pub fn panes(area: Rect, progress: bool, queues: usize) -> Option<Panes> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let list = list_height(area.height);
    let (strip, added) = floor_height(area.height, queues, list);
    let [title, session, main, progress, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(SESSION_FIELD + list + added),
        Constraint::Min(6),
        Constraint::Length(u16::from(progress)),
        Constraint::Length(1),
    ])
    .areas(area);
    let [picker, log] = if area.width >= WIDE {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    };
    let [_, picker_list] = picker_regions(picker);
    let inner = inside(session);
    // Below the field and its status line, the figures; below them the list's headings.
    let floor = Rect {
        y: inner.y.saturating_add(2),
        height: strip.min(inner.height.saturating_sub(2)),
        ..inner
    };
    let conversations = Rect {
        y: floor.bottom().saturating_add(1),
        height: inner.height.saturating_sub(3 + floor.height),
        ..inner
    };
    Some(Panes {
        title,
        session,
        floor,
        conversations,
        picker,
        picker_list,
        log,
        progress,
        hints,
    })
}

/// What a pane leaves inside its border.
pub fn inside(pane: Rect) -> Rect {
    Block::bordered().inner(pane)
}

/// Inside the picker's border: the filter line, then the rows of targets.
pub fn picker_regions(pane: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inside(pane))
}

/// Lines for the figures of `queues` queues, and how many of them the session pane grows by.
/// They come out of the list's rows, as long as it keeps its headings and three rows: where the
/// list has a few rows (24 to 29 lines), the worst queue in one line; below 50 lines, a heading
/// and the worst three; taller, a heading and up to six.
fn floor_height(height: u16, queues: usize, list: u16) -> (u16, u16) {
    let queues = u16::try_from(queues).unwrap_or(u16::MAX);
    if queues == 0 || list == 0 {
        return (0, 0);
    }
    let lines = match height {
        ..ROOMY => return (1, 0),
        ROOMY..50 => 1 + queues.min(3),
        50.. => 1 + queues.min(6),
    };
    let spare = list.saturating_sub(4);
    (lines, lines.saturating_sub(spare))
}

/// Lines for the conversation list, its headings included: a share of a tall screen, three rows
/// at 24, none below, where the picker and the log need every line (the title still counts
/// the conversations).
fn list_height(height: u16) -> u16 {
    match height {
        ROOMY.. => height / 4,
        24.. => 4,
        _ => 0,
    }
}
