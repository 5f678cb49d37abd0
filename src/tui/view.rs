//! `view`: draws the model. It reads the model only; nothing here changes state or does I/O.
//! The open dialog draws itself, over the panes.

mod conversations_pane;
mod floor_strip;
mod frame;
mod hit;
pub mod live;
mod log_pane;
mod picker_pane;
mod progress;
mod session_pane;
mod status;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

#[cfg(test)]
pub(crate) use conversations_pane::title_words as conversations_title;
pub use hit::{Spot, spot};
pub use log_pane::entry_height as log_entry_height;

use super::keys::{Action, Context};
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::model::Model;
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
    let Some(panes) = model.panes_in(area) else {
        too_small(model, area, frame);
        return;
    };
    status::title_bar(model, theme, panes.title, frame);
    session_pane::draw(
        model,
        theme,
        panes.session,
        panes.floor,
        panes.conversations,
        frame,
    );
    picker_pane::draw(model, theme, panes.picker, frame);
    log_pane::draw(model, theme, panes.log, frame);
    progress::draw(model, theme, panes.progress, frame);
    status::hint_bar(model, theme, panes.hints, frame);
    if let Some(dialog) = &model.dialog {
        dialog.draw(model, theme, area, frame);
    }
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

/// Where the log's entries go inside its `pane`: below the filter line while there is one.
pub fn log_entries_area(model: &Model, pane: Rect) -> Rect {
    log_pane::regions(model, pane).1
}
