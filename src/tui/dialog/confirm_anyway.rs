//! The second confirmation of one transfer, asked when something says to think again: a teammate
//! holds the session, it was moved a moment ago, or the target cannot take it now. Each warning
//! is a sentence; only `y` sends.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use super::{send, send_unclaimed};
use crate::ids::SessionId;
use crate::roster::Target;
use crate::terminal_safe::{MESSAGE_CHARS, cut};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmAnyway {
    pub session: SessionId,
    pub target: Target,
    pub warnings: Vec<String>,
    pub note: Option<String>,
}

impl Dialog for ConfirmAnyway {
    fn context(&self) -> Context {
        Context::ConfirmAnyway
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Send) => {
                let confirmed = send_unclaimed::ask_first(self, model)?;
                let Self {
                    session,
                    target,
                    note,
                    ..
                } = *confirmed;
                // Whatever the warnings were (a recent move among them), the supervisor read
                // them.
                Some(send::one(model, session, target, note, true))
            }
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let mut lines = vec![Line::raw("")];
        // A warning names a teammate and a target as Redis holds them: cut to a message's length.
        for warning in &self.warnings {
            let warning = cut(warning, MESSAGE_CHARS);
            lines.push(Line::styled(format!("⚠ {warning}"), theme.warning).centered());
        }
        lines.extend([
            Line::raw(format!(
                "Transfer session {} to {} anyway?",
                self.session.short(),
                self.target
            ))
            .centered(),
            Line::styled(
                "The platform may refuse it, the customer may wait, or the conversation may move twice.",
                theme.dim,
            )
            .centered(),
            Line::raw(""),
            key_line(&model.keys, self.context(), theme),
        ]);
        let dialog = sized(area, 90, &lines);
        let inner = open("Are you sure?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
