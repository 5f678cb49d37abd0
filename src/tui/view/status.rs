//! The title bar (where transfers go, how many are in flight) and the key-hint bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ids::TargetKind;
use unicode_width::UnicodeWidthStr;

use crate::tui::keys::{self, Binding, Hints};
use crate::tui::model::Model;
use crate::tui::theme::Theme;

pub(super) fn title_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let in_flight = model.in_flight().count();
    let attention = model.unseen.len();
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
            format!("· ⋯ {in_flight} in flight "),
            theme.pending,
        ));
    }
    if attention > 0 {
        spans.push(Span::styled(
            format!("· ! {attention} need a look (Log)"),
            theme.warning,
        ));
    }
    frame.render_widget(Line::from(spans), area);
}

/// The keys that work right now, from the same table as the help screen. When the bar is too
/// narrow, the context's own hints give way from the least important; help and quit stay.
pub(super) fn hint_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Hints { mut own, always } = keys::hints(model.context());
    let width = |own: &[&'static Binding]| bar_width(own.iter().chain(&always));
    while own.len() > 1 && width(&own) > area.width as usize {
        own.pop();
    }
    let mut spans = vec![Span::raw(" ")];
    for (n, binding) in own.iter().chain(&always).enumerate() {
        if n > 0 {
            spans.push(Span::styled(SEPARATOR, theme.dim));
        }
        spans.push(Span::styled(binding.keys_label(), theme.key));
        spans.push(Span::raw(format!(" {}", binding.description)));
    }
    frame.render_widget(Line::from(spans), area);
}

const SEPARATOR: &str = " · ";

fn bar_width<'a>(hints: impl Iterator<Item = &'a &'static Binding>) -> usize {
    hints
        .map(|b| SEPARATOR.width() + b.keys_label().width() + 1 + b.description.width())
        .sum::<usize>()
        .saturating_sub(SEPARATOR.width() - 1)
}
