//! The title bar (where transfers go, how many are in flight) and the key-hint bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use std::time::SystemTime;

use super::{live, text};
use crate::ids::TargetKind;
use unicode_width::UnicodeWidthStr;

use crate::tui::keys::{self, Binding, Hints};
use crate::tui::model::Model;
use crate::tui::theme::Theme;

pub(super) fn title_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    // What changes comes first, so a narrow terminal cuts the banner, not the counters.
    let mut spans = vec![Span::styled(" handoff ", theme.title)];
    if let Some(budget) = budget(model, theme) {
        spans.push(budget);
    }
    let in_flight = model.in_flight().count();
    if in_flight > 0 {
        spans.push(Span::styled(
            format!("· ⋯ {in_flight} in flight "),
            theme.pending,
        ));
    }
    let attention = model.unseen.len();
    if attention > 0 {
        spans.push(Span::styled(
            format!("· ! {attention} need a look (Log) "),
            theme.warning,
        ));
    }
    spans.push(Span::styled(format!("· {} ", model.banner), theme.dim));
    let mut line = Line::from(spans);
    let roster = Span::raw(format!(
        "· {} agents, {} queues",
        model.roster.count(TargetKind::Agent),
        model.roster.count(TargetKind::Queue)
    ));
    if line.width() + roster.width() <= usize::from(area.width) {
        line.push_span(roster);
    }
    frame.render_widget(text::fit(line, usize::from(area.width)), area);
}

/// "· API 41/60 ", "· API 60/60 · next slot 12s ", or "· API paused 40s ": the account's
/// budget, shared with every handoff on this machine, as of the last message.
fn budget(model: &Model, theme: &Theme) -> Option<Span<'static>> {
    let budget = model.budget.as_ref()?;
    let now = SystemTime::from(model.now);
    let limit = budget.limit();
    if let Some(pause) = budget.paused_at(now) {
        return Some(Span::styled(
            format!(
                "· API paused {} (platform said too many) ",
                live::countdown(pause)
            ),
            theme.error,
        ));
    }
    let used = budget.used_at(now).min(limit);
    Some(match budget.wait_at(now) {
        Some(wait) => Span::styled(
            format!(
                "· API {used}/{limit} · next slot {} ",
                live::countdown(wait)
            ),
            theme.warning,
        ),
        None => Span::raw(format!("· API {used}/{limit} ")),
    })
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
