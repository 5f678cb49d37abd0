//! The title bar (where transfers go, how many are in flight) and the key-hint bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ids::TargetKind;
use crate::tui::keys;
use crate::tui::model::Model;
use crate::tui::theme::Theme;

pub(super) fn title_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let in_flight = model.log.in_flight();
    let mut spans = vec![
        Span::styled(" handoff ", theme.title),
        Span::styled(format!("· {} ", model.banner), theme.dim),
        Span::raw(format!(
            "· {} agents, {} queues ",
            model.roster.count(TargetKind::Agent),
            model.roster.count(TargetKind::Queue)
        )),
    ];
    if in_flight > 0 {
        spans.push(Span::styled(
            format!("· ⋯ {in_flight} in flight"),
            theme.pending,
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

/// The keys that work right now, from the same table as the help screen.
pub(super) fn hint_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut spans = vec![Span::raw(" ")];
    for (n, binding) in keys::hints(model.context()).into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(binding.keys_label(), theme.key));
        spans.push(Span::raw(format!(" {}", binding.description)));
    }
    frame.render_widget(Line::from(spans), area);
}
