//! Stop the run of many under way? What stopping does, in words. Only `y` stops it: an Esc typed
//! out of habit must not.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;
use crate::tui::transfer_log::Notice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmStop;

/// `y`: nothing more of the run is sent.
fn stop(model: &mut Model) -> Option<Effect> {
    let run = model.bulk.as_mut()?;
    if run.ended() {
        return None;
    }
    run.stopped = true;
    model.notice(Notice::Info(
        "stopping the run: what has not been sent stays unsent; what is on its way gets its answer"
            .into(),
    ));
    Some(Effect::StopBulk)
}

impl Dialog for ConfirmStop {
    fn context(&self) -> Context {
        Context::ConfirmStop
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::StopRun) => stop(model),
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
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
            key_line(&model.keys, self.context(), theme),
        ];
        let dialog = sized(area, 76, &lines);
        let inner = open("Stop the run?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
