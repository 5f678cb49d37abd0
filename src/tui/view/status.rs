//! The title bar (where transfers go, how many are in flight) and the key-hint bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ids::TargetKind;
use unicode_width::UnicodeWidthStr;

use crate::tui::keys::{self, Binding, Context};
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

/// The keys that work right now, from the same table as the help screen. When the bar is too
/// narrow, the pane's own hints give way from the end; help and quit always stay.
pub(super) fn hint_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let global = keys::bindings(Context::Global);
    let is_global = |b: &Binding| global.iter().any(|g| std::ptr::eq(g, b));
    let mut hints = keys::hints(model.context());
    while bar_width(&hints) > area.width as usize {
        match hints.iter().rposition(|b| !is_global(b)) {
            Some(last_local) if hints.len() > 1 => hints.remove(last_local),
            _ => break,
        };
    }
    let mut spans = vec![Span::raw(" ")];
    for (n, binding) in hints.into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(SEPARATOR, theme.dim));
        }
        spans.push(Span::styled(binding.keys_label(), theme.key));
        spans.push(Span::raw(format!(" {}", binding.description)));
    }
    frame.render_widget(Line::from(spans), area);
}

const SEPARATOR: &str = " · ";

fn bar_width(hints: &[&Binding]) -> usize {
    1 + hints
        .iter()
        .map(|b| b.keys_label().width() + 1 + b.description.width())
        .sum::<usize>()
        + SEPARATOR.width() * hints.len().saturating_sub(1)
}
