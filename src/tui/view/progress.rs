//! The progress of a run of many, on one line above the hints: how far it has come, each state
//! counted in words, and roughly how long the rest takes on the budget.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::LineGauge;

use crate::tui::bulk::eta;
use crate::tui::keys::{Action, Context};
use crate::tui::model::Model;
use crate::tui::theme::Theme;
use crate::words::short_duration;

/// The gauge's share of the line; the words take the rest.
const GAUGE_WIDTH: u16 = 16;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let Some(run) = &model.bulk else {
        return;
    };
    if area.height == 0 {
        return;
    }
    let counts = run.counts(&model.ledger);
    let ratio = if counts.total == 0 {
        1.0
    } else {
        counts.done() as f64 / counts.total as f64
    };
    let gauge_width = GAUGE_WIDTH.min(area.width / 4);
    let gauge_area = Rect {
        width: gauge_width,
        ..area
    };
    let words_area = Rect {
        x: area.x + gauge_width + 1,
        width: area.width.saturating_sub(gauge_width + 1),
        ..area
    };
    frame.render_widget(
        LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            // Thick against thin: the share done reads without colour too.
            .filled_symbol("━")
            .unfilled_symbol("╌")
            .filled_style(theme.ok)
            .unfilled_style(theme.dim)
            .label(""),
        gauge_area,
    );
    let state = if run.ended() && run.stopped {
        "stopped".to_owned()
    } else if run.ended() {
        "done".to_owned()
    } else if run.stopped {
        "stopping".to_owned()
    } else {
        let left = model
            .budget
            .as_ref()
            .map(|budget| {
                format!(
                    " · ~{} left",
                    short_duration(eta(counts.waiting, budget).as_secs())
                )
            })
            .unwrap_or_default();
        format!("sending{left}")
    };
    let next = if run.ended() {
        // What `R` marks again: the failed, those in doubt, and those never sent.
        let again = counts.failed + counts.unknown + counts.not_sent;
        let which = if counts.not_sent > 0 {
            "failed, in doubt or not sent"
        } else {
            "failed or in doubt"
        };
        if again > 0 {
            let key = model.keys.key_label(Context::Log, Action::RerouteFailed);
            format!(" · {key} in the log re-routes the {again} {which}")
        } else {
            String::new()
        }
    } else if !run.stopped {
        let key = model.keys.key_label(Context::Session, Action::ClearSession);
        format!(" · {key} in the empty session field stops it")
    } else {
        String::new()
    };
    // Those never sent (stopped, or someone else has them) are no failure: counted on their
    // own, and only once there are any.
    let not_sent = if counts.not_sent > 0 {
        format!(" · {} not sent", counts.not_sent)
    } else {
        String::new()
    };
    let line = Line::from(vec![
        Span::styled(format!("{} → {} ", counts.total, run.target), theme.title),
        Span::raw(format!(
            "{state}: {} sent · {} accepted · {} failed · {} unknown{not_sent} · {} waiting",
            counts.sent, counts.good, counts.failed, counts.unknown, counts.waiting
        )),
        Span::styled(next, theme.dim),
    ]);
    frame.render_widget(
        crate::tui::text::fit(line, usize::from(words_area.width)),
        words_area,
    );
}
