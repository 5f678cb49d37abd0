//! The confirmation of one transfer: the session, the target and how it stands now, and a note to
//! keep with the transfer in the audit file. `y` sends, unless something says to think again, in
//! which case [`ConfirmAnyway`] asks in words.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::confirm_anyway::ConfirmAnyway;
use super::frame::{edit_field, headline, key_line, open, sized};
use super::{listed, send, send_unclaimed};
use crate::directory::LiveState;
use crate::ids::SessionId;
use crate::roster::Target;
use crate::terminal_safe::{MESSAGE_CHARS, NAME_CHARS, cut};
use crate::tui::effect::Effect;
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;
use crate::tui::view::live;

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub session: SessionId,
    pub target: Target,
    /// Words to keep with the transfer in the audit file.
    pub note: TextInput,
    /// The note field has the keyboard (Tab switches).
    pub writing_note: bool,
}

const NOTE_LABEL: &str = "note: ";

impl Confirm {
    pub fn new(session: SessionId, target: Target) -> Self {
        Self {
            session,
            target,
            note: TextInput::default(),
            writing_note: false,
        }
    }

    /// Confirmed once: sent, unless something says to think again (a teammate holds the session,
    /// it was moved a moment ago, the target cannot take it now), which is asked in words.
    fn send(self: Box<Self>, model: &mut Model) -> Option<Effect> {
        let confirmed = send_unclaimed::ask_first(self, model)?;
        let Self {
            session,
            target,
            note,
            ..
        } = *confirmed;
        let note = Some(note.value().trim().to_owned()).filter(|n| !n.is_empty());
        let mut warnings: Vec<String> = Vec::new();
        if let Some(held) = send::held_by_teammate(model, &session) {
            warnings.push(format!(
                "{held}. Sending takes the conversation over from them: check it first."
            ));
        }
        let now = model.clock.now;
        let recent = model.ledger.recent_move(&session, now);
        warnings.extend(recent.map(|record| record.move_words(now)));
        if let Some(concern) = model.live_state(&target.id).and_then(LiveState::concern) {
            warnings.push(format!("{} {concern}.", cut(&target.name, NAME_CHARS)));
        }
        if !warnings.is_empty() {
            model.dialog = Some(Box::new(ConfirmAnyway {
                session,
                target,
                warnings,
                note,
            }));
            return None;
        }
        Some(send::one(model, session, target, note, false))
    }
}

impl Dialog for Confirm {
    fn context(&self) -> Context {
        if self.writing_note {
            Context::ConfirmNote
        } else {
            Context::Confirm
        }
    }

    fn handle(mut self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Send) => return self.send(model),
            DialogInput::Action(Action::Cancel) => return None,
            DialogInput::Action(Action::WriteNote) => self.writing_note = !self.writing_note,
            _ if self.writing_note => {
                edit_field(&mut self.note, input);
            }
            _ => {}
        }
        model.keep_open(self)
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let Self {
            session,
            target,
            note,
            writing_note,
        } = self;
        let mut lines = headline(format!("session {} → {target}", session.short()), theme);
        if let Some(waits) = listed::how_it_waits(model, session) {
            // Under the headline, before its blank line: the conversation, then the target.
            lines.insert(2, Line::raw(waits).centered());
        }
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
        if *writing_note || !note.is_empty() {
            let style = if *writing_note {
                theme.title
            } else {
                theme.dim
            };
            lines.push(Line::from(vec![
                Span::styled(NOTE_LABEL, theme.key),
                Span::styled(note.value().to_owned(), style),
            ]));
            lines.push(Line::raw(""));
        }
        lines.push(key_line(&model.keys, self.context(), theme));
        let dialog = sized(area, 76, &lines);
        let inner = open("Transfer this conversation?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if *writing_note {
            let before = Span::raw(format!("{NOTE_LABEL}{}", note.before_cursor())).width();
            let x = inner.x + (before as u16).min(inner.width.saturating_sub(1));
            frame.set_cursor_position(Position::new(x, inner.y + note_row as u16));
        }
    }
}
