//! Dialogs over the panes: the transfer confirmation, quitting while sending, the roster's
//! forms and confirmations. Help has a module of its own.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::dialog_frame::{headline, key_line, open, sized};
use super::live;
use crate::ids::{SessionId, TargetKind};
use crate::roster::{SyncPreview, Target};
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::transfer::TransferState;
use crate::tui::form::{Field, TargetForm};
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context, KeyMap};
use crate::tui::model::{Dialog, Model};
use crate::tui::theme::Theme;

pub(super) fn draw(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    match &model.dialog {
        None => {}
        Some(Dialog::Confirm {
            session,
            target,
            note,
            writing_note,
        }) => confirm(
            model,
            session,
            target,
            (note, *writing_note),
            theme,
            area,
            frame,
        ),
        Some(Dialog::Detail { transfer, scroll }) => {
            super::detail::draw(model, *transfer, *scroll, theme, area, frame)
        }
        Some(Dialog::QuitWhileSending) => quit_while_sending(model, theme, area, frame),
        Some(Dialog::Help {
            from,
            filter,
            scroll,
        }) => super::help_dialog::draw(model, *from, filter, *scroll, theme, area, frame),
        Some(Dialog::EditTarget(form)) => target_form(&model.keys, form, theme, area, frame),
        Some(Dialog::ConfirmDelete(target)) => {
            confirm_delete(&model.keys, target, theme, area, frame)
        }
        Some(Dialog::ConfirmAnyway {
            session,
            target,
            warnings,
            ..
        }) => confirm_anyway(&model.keys, (session, target), warnings, theme, area, frame),
        Some(Dialog::SyncPreview { listing, preview }) => {
            sync_preview(&model.keys, &listing.notes, preview, theme, area, frame)
        }
        Some(Dialog::ConfirmBulk {
            to,
            send,
            recent,
            skipped,
            ..
        }) => super::bulk_dialogs::confirm(model, to, send, (recent, skipped), theme, area, frame),
        Some(Dialog::ConfirmBulkAnyway {
            to, send, warnings, ..
        }) => super::bulk_dialogs::anyway(model, to, send.len(), warnings, theme, area, frame),
        Some(Dialog::ConfirmStop) => super::bulk_dialogs::stop(model, theme, area, frame),
        Some(Dialog::SendUnclaimed { why, .. }) => redis_away(model, why, theme, area, frame),
    }
}

/// Redis is away: what sending without a claim risks, and the choice.
fn redis_away(model: &Model, why: &str, theme: &Theme, area: Rect, frame: &mut Frame) {
    let lines = vec![
        Line::raw(""),
        Line::styled(
            "The team's Redis does not answer, so the conversations cannot be claimed.",
            theme.title,
        ),
        Line::raw(cut(why, MESSAGE_CHARS).into_owned()),
        Line::raw(""),
        Line::raw(
            "Sent without a claim, a teammate could be moving them at the same time: check first. Sent once Redis answers, they wait for it (one rate window at most), then are not sent.",
        ),
        Line::raw(""),
        key_line(&model.keys, Context::SendUnclaimed, theme),
    ];
    let dialog = sized(area, 84, &lines);
    let inner = open("Redis is away: send without a claim?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn confirm(
    model: &Model,
    session: &SessionId,
    target: &Target,
    (note, writing_note): (&TextInput, bool),
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let mut lines = headline(format!("session {} → {target}", session.short()), theme);
    if let Some(state) = model.live_state(&target.id) {
        let (text, style) = live::describe(state, theme);
        let mut line = vec![Span::raw("now "), Span::styled(text, style)];
        if state.concern().is_some() {
            line.push(Span::styled(
                " (you will be asked to confirm again)",
                theme.warning,
            ));
        }
        lines.push(Line::from(line).centered());
    }
    let mut details = vec![
        format!("full session id {session}"),
        format!("{} id {}", target.kind, cut(&target.id, NAME_CHARS)),
    ];
    if let Some(team) = &target.team {
        details.push(format!("team {}", cut(team, NAME_CHARS)));
    }
    if let Some(notes) = &target.notes {
        details.push(format!("notes {}", cut(notes, MESSAGE_CHARS)));
    }
    lines.extend(
        details
            .into_iter()
            .map(|d| Line::styled(d, theme.dim).centered()),
    );
    lines.push(Line::raw(""));
    let note_row = lines.len();
    if writing_note || !note.is_empty() {
        let style = if writing_note { theme.title } else { theme.dim };
        lines.push(Line::from(vec![
            Span::styled(NOTE_LABEL, theme.key),
            Span::styled(note.value().to_owned(), style),
        ]));
        lines.push(Line::raw(""));
    }
    let context = if writing_note {
        Context::ConfirmNote
    } else {
        Context::Confirm
    };
    lines.push(key_line(&model.keys, context, theme));
    let dialog = sized(area, 76, &lines);
    let inner = open("Transfer this conversation?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if writing_note {
        let before = Span::raw(format!("{NOTE_LABEL}{}", note.before_cursor())).width();
        let x = inner.x + (before as u16).min(inner.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y + note_row as u16));
    }
}

/// Quitting with transfers still waiting on the platform: each one, and what quitting does to it.
fn quit_while_sending(model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut lines = vec![Line::raw("")];
    for record in model.open_transfers() {
        let request = &record.request;
        let fate = match record.state() {
            TransferState::WaitingForBudget => {
                "not sent yet: quitting now cancels it (w sends it first)"
            }
            state if state.in_flight() => {
                "its answer is still written to the audit file if it comes within the request timeout"
            }
            _ => {
                "its callback will not be heard; the next start shows it unconfirmed unless a callback settles it"
            }
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", record.state().symbol(), record.state().word()),
                theme.tone(record.state().tone()),
            ),
            Span::raw(format!(
                "{} → {}: {fate}",
                request.session.short(),
                request.target
            )),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(key_line(&model.keys, Context::QuitConfirm, theme));
    let dialog = sized(area, 90, &lines);
    let inner = open("Quit with transfers open?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The add/edit form: one line per field, the focused one marked, and the problem if any.
fn target_form(keys: &KeyMap, form: &TargetForm, theme: &Theme, area: Rect, frame: &mut Frame) {
    let mut lines = vec![Line::raw("")];
    let mut cursor = None;
    for field in Field::ALL {
        let focused = form.focus == field;
        let marker = if focused { "▶ " } else { "  " };
        let label = Span::styled(format!("{marker}{:<6} ", field.label()), theme.key);
        let value = match form.input(field) {
            Some(input) => {
                if focused {
                    let before = format!("{marker}{:<6} {}", field.label(), input.before_cursor());
                    cursor = Some((Span::raw(before).width(), lines.len()));
                }
                Span::raw(input.value().to_owned())
            }
            None => {
                let (agent, queue) = match form.kind {
                    TargetKind::Agent => ("(•) agent", "( ) queue"),
                    TargetKind::Queue => ("( ) agent", "(•) queue"),
                };
                let toggle = keys.key_label(Context::Form, Action::ToggleKind);
                Span::raw(format!("{agent}  {queue}   Space or {toggle} switches"))
            }
        };
        let style = if focused { theme.title } else { Style::new() };
        lines.push(Line::from(vec![label, value.style(style)]));
    }
    lines.push(Line::raw(""));
    if let Some(problem) = &form.problem {
        lines.push(Line::styled(format!("✗ {problem}"), theme.error));
        lines.push(Line::raw(""));
    }
    lines.push(key_line(keys, Context::Form, theme));
    let title = if form.editing.is_some() {
        "Edit target"
    } else {
        "Add a target"
    };
    let dialog = sized(area, 76, &lines);
    let inner = open(title, dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((x, y)) = cursor {
        let x = inner.x + (x as u16).min(inner.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y + y as u16));
    }
}

const NOTE_LABEL: &str = "note: ";

/// The second confirmation, saying in words why to think again: the target may not take the
/// conversation, or the session was moved a moment ago.
fn confirm_anyway(
    keys: &KeyMap,
    (session, target): (&SessionId, &Target),
    warnings: &[String],
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    let mut lines = vec![Line::raw("")];
    // A warning names a teammate and a target as Redis holds them: cut to a message's length.
    for warning in warnings {
        let warning = cut(warning, MESSAGE_CHARS);
        lines.push(Line::styled(format!("⚠ {warning}"), theme.warning).centered());
    }
    lines.extend([
        Line::raw(format!(
            "Transfer session {} to {target} anyway?",
            session.short()
        ))
        .centered(),
        Line::styled(
            "The platform may refuse it, the customer may wait, or the conversation may move twice.",
            theme.dim,
        )
        .centered(),
        Line::raw(""),
        key_line(keys, Context::ConfirmAnyway, theme),
    ]);
    let dialog = sized(area, 90, &lines);
    let inner = open("Are you sure?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// What a sync would change, named, before anything is saved.
fn sync_preview(
    keys: &KeyMap,
    notes: &[String],
    preview: &SyncPreview,
    theme: &Theme,
    area: Rect,
    frame: &mut Frame,
) {
    /// Enough names to recognise the change; the count says the rest.
    const NAMED: usize = 6;
    // The names are the platform's: each is cut to a name's length.
    let named = |names: Vec<String>| {
        let more = names.len().saturating_sub(NAMED);
        let mut text = names
            .iter()
            .take(NAMED)
            .map(|name| cut(name, NAME_CHARS))
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let mut lines = vec![Line::raw("")];
    let mut section = |count: usize, what: &str, names: Vec<String>, style: Style| {
        if count > 0 {
            lines.push(Line::styled(
                format!("{count} {what}: {}", named(names)),
                style,
            ));
        }
    };
    section(
        preview.added.len(),
        "to add",
        preview.added.clone(),
        theme.ok,
    );
    section(
        preview.renamed.len(),
        "renamed by the platform",
        preview
            .renamed
            .iter()
            .map(|(old, new)| format!("{} → {}", cut(old, NAME_CHARS), cut(new, NAME_CHARS)))
            .collect(),
        Style::new(),
    );
    section(
        preview.stale.len(),
        "no longer listed, to mark stale (kept, not deleted)",
        preview.stale.clone(),
        theme.warning,
    );
    let summary = &preview.summary;
    let others = summary.updated.saturating_sub(preview.renamed.len());
    if others > 0 {
        lines.push(Line::raw(format!(
            "{others} more with a team filled in or listed again"
        )));
    }
    lines.push(Line::styled(
        format!(
            "{} unchanged; your names, notes and favourites are kept",
            summary.unchanged
        ),
        theme.dim,
    ));
    for note in notes {
        lines.push(Line::styled(note.clone(), theme.dim));
    }
    lines.push(Line::raw(""));
    lines.push(key_line(keys, Context::SyncPreview, theme));
    let dialog = sized(area, 100, &lines);
    let inner = open("Sync the roster with the platform?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn confirm_delete(keys: &KeyMap, target: &Target, theme: &Theme, area: Rect, frame: &mut Frame) {
    let lines = vec![
        Line::raw(""),
        Line::styled(format!("Delete {target} from the roster?"), theme.title).centered(),
        Line::styled("The previous roster stays in roster.toml.bak.", theme.dim).centered(),
        Line::raw(""),
        key_line(keys, Context::ConfirmDelete, theme),
    ];
    let dialog = sized(area, 70, &lines);
    let inner = open("Delete a target?", dialog, theme, frame);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
