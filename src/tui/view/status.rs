//! The title bar (where transfers go, how many are in flight) and the key-hint bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use std::time::SystemTime;

use super::live;
use crate::ids::TargetKind;
use unicode_width::UnicodeWidthStr;

use crate::budget::BudgetSnapshot;
use crate::team::Health;
use crate::tui::keys::{Binding, Hint, Hints};
use crate::tui::model::Model;
use crate::tui::text;
use crate::tui::theme::Theme;

pub(super) fn title_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    // The budget (with the team's state) and who this console is come first, then what
    // changes, so a narrow terminal cuts the banner (host, stream), not those.
    let mut spans = vec![Span::styled(" handoff ", theme.title)];
    spans.extend(budget(model, theme));
    if !model.who.is_empty() {
        spans.push(Span::raw(format!("· {} ", model.who)));
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
    if let Some(alert) = &model.floor.alert {
        spans.push(Span::styled(format!("· ▲ queue {alert} "), theme.warning));
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

/// "· API 41/60 ", "· API 60/60 · next slot 12s ", or "· API paused 40s (platform said too
/// many) ": the account's budget, shared with every handoff on this machine, as of the last
/// message. In team mode "· team API 41/60 ", or, while Redis is away, "· team: Redis away, on
/// a local share · API 3/20 " (the log says why).
fn budget(model: &Model, theme: &Theme) -> Vec<Span<'static>> {
    let Some(budget) = model.budget.as_ref() else {
        return Vec::new();
    };
    match budget.team() {
        None => calls(budget, "API", model, theme).into_iter().collect(),
        Some(Health::Joining | Health::Joined) => calls(budget, "team API", model, theme)
            .into_iter()
            .collect(),
        Some(Health::Away(_)) => std::iter::once(Span::styled(
            "· team: Redis away, on a local share ",
            theme.warning,
        ))
        .chain(calls(budget, "API", model, theme))
        .collect(),
    }
}

/// The calls in the window, `label` first.
fn calls(
    budget: &BudgetSnapshot,
    label: &str,
    model: &Model,
    theme: &Theme,
) -> Option<Span<'static>> {
    let now = SystemTime::from(model.clock.now);
    let limit = budget.limit();
    if let Some(pause) = budget.paused_at(now) {
        return Some(Span::styled(
            format!(
                "· {label} paused {} (platform said too many) ",
                live::countdown(pause)
            ),
            theme.error,
        ));
    }
    let used = budget.used_at(now).min(limit);
    Some(match budget.wait_at(now) {
        Some(wait) => Span::styled(
            format!(
                "· {label} {used}/{limit} · next slot {} ",
                live::countdown(wait)
            ),
            theme.warning,
        ),
        None => Span::raw(format!("· {label} {used}/{limit} ")),
    })
}

/// The keys that work right now, from the same key map as the help screen; or, until the next
/// key, the answer to the last one ("copied … to the clipboard"), where the eye already is.
pub(super) fn hint_bar(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    if let Some(status) = &model.status {
        let line = Line::from(vec![
            Span::raw(LEAD),
            Span::styled(status.clone(), theme.title),
        ]);
        frame.render_widget(text::fit(line, usize::from(area.width)), area);
        return;
    }
    let mut hints = model.keys.hints(model.context());
    hints.own.retain(|binding| model.offers(binding.action));
    let shown = fitted(&hints, usize::from(area.width));
    frame.render_widget(Line::from(hint_spans(&shown, theme)), area);
}

/// " Enter details of the transfer · F1 help · Ctrl-c quit"
fn hint_spans(hints: &[&Binding], theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(LEAD)];
    for (n, binding) in hints.iter().enumerate() {
        if n > 0 {
            spans.push(Span::styled(SEPARATOR, theme.dim));
        }
        spans.push(Span::styled(binding.keys_label(), theme.key));
        spans.push(Span::raw(format!(" {}", binding.description)));
    }
    spans
}

/// The hints that fit in `width` columns, in the order they show. Each is shown whole or not at
/// all, so no word is ever cut. `Always` hints are taken first, each that fits; then `IfRoom`
/// hints, those of the layers beneath (moving between panes) before the context's own, in
/// table order, until one does not fit.
fn fitted<'a>(hints: &Hints<'a>, width: usize) -> Vec<&'a Binding> {
    let all: Vec<&Binding> = hints.own.iter().chain(&hints.beneath).copied().collect();
    let own = hints.own.len();
    let with_hint = |hint: Hint, range: std::ops::Range<usize>| -> Vec<usize> {
        range.filter(|&i| all[i].hint == hint).collect()
    };
    let always = with_hint(Hint::Always, 0..all.len());
    let mut if_room = with_hint(Hint::IfRoom, own..all.len());
    if_room.extend(with_hint(Hint::IfRoom, 0..own));
    let mut chosen: Vec<usize> = Vec::new();
    let mut used = LEAD.width();
    let mut take = |i: usize, chosen: &mut Vec<usize>| {
        let separator = if chosen.is_empty() {
            0
        } else {
            SEPARATOR.width()
        };
        let needed = separator + item_width(all[i]);
        let fits = used + needed <= width;
        if fits {
            used += needed;
            chosen.push(i);
        }
        fits
    };
    for i in always {
        take(i, &mut chosen);
    }
    for i in if_room {
        if !take(i, &mut chosen) {
            break;
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| all[i]).collect()
}

const LEAD: &str = " ";
const SEPARATOR: &str = " · ";

/// "Ctrl-c quit"
fn item_width(binding: &Binding) -> usize {
    binding.keys_label().width() + 1 + binding.description.width()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::{Context, HELP_ORDER, KeyMap};
    use crate::tui::layout::MIN_WIDTH;

    fn bar(hints: &[&Binding]) -> String {
        let items: Vec<String> = hints
            .iter()
            .map(|b| format!("{} {}", b.keys_label(), b.description))
            .collect();
        format!("{LEAD}{}", items.join(SEPARATOR))
    }

    fn always<'a>(hints: &Hints<'a>) -> Vec<&'a Binding> {
        hints
            .own
            .iter()
            .chain(&hints.beneath)
            .filter(|b| b.hint == Hint::Always)
            .copied()
            .collect()
    }

    #[test]
    fn the_bar_never_overflows_and_never_cuts_a_hint() {
        let map = KeyMap::default();
        for context in HELP_ORDER {
            let hints = map.hints(context);
            for width in 0..=200 {
                let text = bar(&fitted(&hints, width));
                assert!(
                    text.width() <= width.max(1),
                    "{context:?} at {width}: {text}"
                );
            }
        }
    }

    #[test]
    fn what_matters_stays_at_80_columns_and_in_the_panes_at_the_narrowest() {
        let map = KeyMap::default();
        for context in HELP_ORDER {
            let hints = map.hints(context);
            let shown = fitted(&hints, 80);
            for binding in always(&hints) {
                assert!(
                    shown.contains(&binding),
                    "{context:?}: {}",
                    binding.description
                );
            }
        }
        for context in [Context::Session, Context::Picker, Context::Log] {
            let hints = map.hints(context);
            let shown = fitted(&hints, usize::from(MIN_WIDTH));
            assert_eq!(
                always(&hints).len(),
                shown.iter().filter(|b| b.hint == Hint::Always).count(),
                "{context:?}: {}",
                bar(&shown)
            );
        }
        let log = map.hints(Context::Log);
        assert!(bar(&fitted(&log, 80)).contains("Enter details of the transfer"));
    }
}
