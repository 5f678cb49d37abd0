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
/// The session pane's top border, its field and the field's status line; its bottom border is
/// the top border of the panes below.
const SESSION_FIELD: u16 = 3;
/// From this height the conversation list takes a good share of the screen, and the queues'
/// figures have lines of their own; below it the list has six rows and the title bar names the
/// queue in trouble, so that the picker and the log keep room at 80×24.
const ROOMY: u16 = 30;
/// The log's five newest lines and its borders, kept whatever else is short.
const LOG_LEAST: u16 = 7;
/// Below the list, at least this much for the picker and the log side by side, however few
/// targets the picker has.
const WIDE_MAIN_LEAST: u16 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub title: Rect,
    /// The session pane; its last line is the border it shares with the panes below.
    pub session: Rect,
    /// The queues' figures, above the conversation list; empty when hidden or with no room.
    pub floor: Rect,
    /// The session pane's list of conversations, below its column headings; empty when the
    /// terminal has no room for it.
    pub conversations: Rect,
    /// The picker; stacked above the log, its last line is the border it shares with the log.
    pub picker: Rect,
    /// The picker's rows of targets, below its filter line.
    pub picker_list: Rect,
    pub log: Rect,
    /// The progress of a run of many transfers, above the hints; empty when there is none.
    pub progress: Rect,
    pub hints: Rect,
}

/// What the panes are laid out for besides the terminal's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Content {
    /// A run of many transfers is under way: a line for its progress.
    pub progress: bool,
    /// How many queues have figures above the list (0 when they are hidden).
    pub queues: usize,
    /// How many targets the roster has: a picker taller than them gives its rows to the list.
    pub targets: usize,
}

/// The panes of a terminal `area` for `content`; `None` when it is too small for them (the
/// view then says so). Panes stacked one above the other share a border line, so no line is
/// spent on two borders.
pub fn panes(area: Rect, content: Content) -> Option<Panes> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let wide = area.width >= WIDE;
    let list = list_height(area.height);
    let (strip, added) = floor_height(area.height, content.queues, list);
    let session_height = SESSION_FIELD + list + added;
    let progress = u16::from(content.progress);
    // Title, session, the panes below, progress, hints.
    let below = area
        .height
        .saturating_sub(2 + progress)
        .saturating_sub(session_height);
    let spare = picker_spare(below, wide, content.targets);
    let [title, session, main, progress, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(session_height + spare),
        Constraint::Min(6),
        Constraint::Length(progress),
        Constraint::Length(1),
    ])
    .areas(area);
    let session = with_shared_border(session);
    let [picker, log] = if wide {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main)
    } else {
        let log = LOG_LEAST.max(main.height * 45 / 100);
        let [picker, log] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(log)]).areas(main);
        [with_shared_border(picker), log]
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

/// `pane` one line taller: its bottom border drawn over by the top border of the pane below.
fn with_shared_border(pane: Rect) -> Rect {
    Rect {
        height: pane.height + 1,
        ..pane
    }
}

/// Lines the picker would leave blank in the `below` lines under the session pane, which the
/// conversation list gets instead: only on a tall screen, where the list already has its share.
fn picker_spare(below: u16, wide: bool, targets: usize) -> u16 {
    // Its top border, its filter line and a row per target; side by side with the log, its
    // bottom border too (stacked above the log, that one is the log's).
    let needed = u16::try_from(targets).unwrap_or(u16::MAX).saturating_add(2);
    if wide {
        below.saturating_sub((needed + 1).max(WIDE_MAIN_LEAST))
    } else {
        let log = LOG_LEAST.max(below * 45 / 100);
        below.saturating_sub(log).saturating_sub(needed.max(3))
    }
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
/// On a roomy screen they come out of the list's rows, as long as it keeps its headings and
/// three rows: below 50 lines a heading and the worst three; taller, a heading and up to six.
/// Below [`ROOMY`] there are none: the title bar names the queue in trouble.
fn floor_height(height: u16, queues: usize, list: u16) -> (u16, u16) {
    let queues = u16::try_from(queues).unwrap_or(u16::MAX);
    if queues == 0 || list == 0 {
        return (0, 0);
    }
    let lines = match height {
        ..ROOMY => return (0, 0),
        ROOMY..50 => 1 + queues.min(3),
        50.. => 1 + queues.min(6),
    };
    let spare = list.saturating_sub(4);
    (lines, lines.saturating_sub(spare))
}

/// Lines for the conversation list, its headings included: a share of a tall screen, six rows
/// from 24 lines, none below, where the picker and the log need every line (the title still
/// counts the conversations).
fn list_height(height: u16) -> u16 {
    match height {
        ROOMY.. => height / 4,
        24.. => 7,
        _ => 0,
    }
}
