//! Where each part of the console is on screen. The view draws into these areas and the mouse is
//! matched against them, both from this one function, so a click lands on what was drawn.

use ratatui::layout::{Constraint, Layout, Rect};

use super::picker_pane;

/// Below this the panes cannot show a session id and a target on one line.
pub(super) const MIN_WIDTH: u16 = 60;
pub(super) const MIN_HEIGHT: u16 = 15;
/// From this width the picker and the log sit side by side, each wide enough for its lines.
const WIDE: u16 = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub title: Rect,
    pub session: Rect,
    pub picker: Rect,
    /// The picker's rows of targets, below its filter line.
    pub picker_list: Rect,
    pub log: Rect,
    pub hints: Rect,
}

/// The panes of a terminal `area`; `None` when it is too small for them (the view then says so).
pub fn panes(area: Rect) -> Option<Panes> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [title, session, main, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let [picker, log] = if area.width >= WIDE {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    };
    let [_, picker_list] = picker_pane::regions(picker);
    Some(Panes {
        title,
        session,
        picker,
        picker_list,
        log,
        hints,
    })
}
