//! The second confirmation of a run of many: those moved a moment ago included, some going beyond
//! the free chats of the agent or agents, or one agent's free chats not known. Each warning is
//! said; only `y` sends.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{NAMED, headline, key_line, open, sized};
use super::{send, send_unclaimed};
use crate::ids::SessionId;
use crate::terminal_safe::{MESSAGE_CHARS, cut};
use crate::transfer::BulkDestination;
use crate::transfer::BulkKey;
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

/// `to` is what it shows and what is sent: a refresh meanwhile changes neither.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmBulkAnyway {
    pub to: BulkDestination,
    pub key: BulkKey,
    pub send: Vec<SessionId>,
    pub warnings: Vec<String>,
}

impl Dialog for ConfirmBulkAnyway {
    /// The same keys as the second confirmation of one transfer.
    fn context(&self) -> Context {
        Context::ConfirmAnyway
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Send) => {
                let Self { to, key, send, .. } = *send_unclaimed::ask_first(self, model)?;
                send::many(model, to, key, send)
            }
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let Self {
            to, send, warnings, ..
        } = self;
        let mut lines = headline(
            format!("{} conversation(s) → {}", send.len(), to.words()),
            theme,
        );
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
        lines.push(key_line(&model.keys, self.context(), theme));
        let dialog = sized(area, 84, &lines);
        let inner = open("Move them anyway?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
