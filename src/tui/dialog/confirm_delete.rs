//! Delete a target from the roster? Only `y` deletes: an Enter typed out of habit must not.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use crate::roster::{RosterChange, Target};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmDelete {
    pub target: Target,
}

impl Dialog for ConfirmDelete {
    fn context(&self) -> Context {
        Context::ConfirmDelete
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::DeleteTarget) => {
                Some(Effect::SaveRoster(RosterChange::Remove(self.target.id)))
            }
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let lines = vec![
            Line::raw(""),
            Line::styled(
                format!("Delete {} from the roster?", self.target),
                theme.title,
            )
            .centered(),
            Line::styled("The previous roster stays in roster.toml.bak.", theme.dim).centered(),
            Line::raw(""),
            key_line(&model.keys, self.context(), theme),
        ];
        let dialog = sized(area, 70, &lines);
        let inner = open("Delete a target?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
