//! The dialogs of a run of many: its one confirmation, the second one for conversations moved a
//! moment ago or beyond the agents' free chats, and stopping it. Why each is left out names who
//! moved it, from outside: cut to a message's length.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog_frame::{headline, key_line, offered_key_line, open, sized};
use crate::ids::SessionId;
use crate::roster::Target;
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::Skipped;
use crate::tui::bulk::{BulkTo, Room};
use crate::tui::keys::{Action, Context};
use crate::tui::model::Model;
use crate::tui::theme::Theme;

/// At most this many left-out conversations are named; the rest are counted.
const NAMED: usize = 6;

/// "12 conversations → queue Billing", what is left out and why, and the keys.
pub(super) fn confirm(
    model: &Model,
    to: &BulkTo,
    send: &[SessionId],
    (recent, skipped): (&[Skipped], &[Skipped]),
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let mut lines = headline(
        format!("{} conversation(s) → {}", send.len(), to.words()),
        theme,
    );
    // Each agent's room as the run will be checked by it; a queue takes any number.
    let room_of =
        |agent: &Target, room: Room| format!("{} ({})", cut(&agent.name, NAME_CHARS), room.words());
    let rooms: Vec<String> = match to {
        BulkTo::Queue(_) => Vec::new(),
        BulkTo::Agent(agent, room) => vec![room_of(agent, *room)],
        BulkTo::Spread(agents) => agents
            .iter()
            .map(|(agent, room)| room_of(agent, *room))
            .collect(),
    };
    if !rooms.is_empty() {
        lines.push(Line::raw(rooms.join(", ")).centered());
        if let Some(note) = to.capacity_note(send.len()) {
            lines.push(Line::styled(note, theme.warning).centered());
        }
        lines.push(Line::raw(""));
    }
    if !skipped.is_empty() {
        lines.push(Line::styled(
            format!("{} left out:", skipped.len()),
            theme.warning,
        ));
        lines.extend(named(skipped, theme));
    }
    if !recent.is_empty() {
        let include = model
            .keys
            .key_label(Context::ConfirmBulk, Action::IncludeRecent);
        lines.push(Line::styled(
            format!(
                "{} left out as moved in the last 10 minutes or on their way ({include} includes them, after asking again):",
                recent.len()
            ),
            theme.warning,
        ));
        lines.extend(named(recent, theme));
    }
    if skipped.is_empty() && recent.is_empty() {
        lines.push(Line::styled("none left out", theme.dim).centered());
    }
    lines.push(Line::raw(""));
    lines.push(offered_key_line(model, Context::ConfirmBulk, theme));
    let dialog = sized(area, 84, &lines);
    let inner = open("Move these conversations?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn named(skipped: &[Skipped], theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = skipped
        .iter()
        .take(NAMED)
        .map(|s| {
            let why = cut(&s.why, MESSAGE_CHARS);
            Line::raw(format!("  {} {why}", s.session.short()))
        })
        .collect();
    if skipped.len() > NAMED {
        lines.push(Line::styled(
            format!("  and {} more", skipped.len() - NAMED),
            theme.dim,
        ));
    }
    lines
}

/// The second confirmation: those moved a moment ago, and what goes beyond the free chats of
/// the agent or agents, in words; only `y` sends.
pub(super) fn anyway(
    model: &Model,
    to: &BulkTo,
    count: usize,
    warnings: &[String],
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let mut lines = headline(format!("{count} conversation(s) → {}", to.words()), theme);
    lines.push(Line::styled("Think again about these:", theme.warning));
    lines.extend(
        warnings
            .iter()
            .take(NAMED)
            .map(|w| Line::raw(format!("  {}", cut(w, MESSAGE_CHARS)))),
    );
    if warnings.len() > NAMED {
        lines.push(Line::styled(
            format!("  and {} more", warnings.len() - NAMED),
            theme.dim,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(key_line(&model.keys, Context::ConfirmAnyway, theme));
    let dialog = sized(area, 84, &lines);
    let inner = open("Move them anyway?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Stop the run? What stopping does, in words.
pub(super) fn stop(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let waiting = model
        .bulk
        .as_ref()
        .map_or(0, |run| run.counts(&model.ledger).waiting);
    let lines = vec![
        Line::raw(""),
        Line::styled(
            format!(
                "{waiting} conversation(s) of the run are not sent yet: stopping leaves them where they are."
            ),
            theme.title,
        ),
        Line::raw("Those already on their way still get their answer."),
        Line::raw(""),
        key_line(&model.keys, Context::ConfirmStop, theme),
    ];
    let dialog = sized(area, 76, &lines);
    let inner = open("Stop the run?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
