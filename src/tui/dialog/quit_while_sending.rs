//! Quitting with transfers still waiting on the platform: each one, and what quitting does to it.
//! Quit now, quit once those in flight are answered, or stay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use crate::transfer::TransferState;
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;
use crate::tui::transfer_log::Notice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuitWhileSending;

/// `w`: the console quits by itself once every transfer in flight has its answer.
fn quit_when_done(model: &mut Model) -> Option<Effect> {
    let in_flight = model.in_flight().count();
    if in_flight == 0 {
        return Some(Effect::Quit);
    }
    model.quit_when_done = true;
    let quit = model.keys.key_label(Context::Global, Action::Quit);
    model.notice(Notice::Info(format!(
        "quitting when the {in_flight} transfer(s) in flight have their answer; {quit} quits now"
    )));
    None
}

impl Dialog for QuitWhileSending {
    fn context(&self) -> Context {
        Context::QuitConfirm
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::QuitWhenDone) => quit_when_done(model),
            DialogInput::Action(Action::Stay) => None,
            // Open until the end, over what is left on screen.
            DialogInput::Action(Action::QuitNow) => {
                model.dialog = Some(self);
                Some(Effect::Quit)
            }
            _ => model.keep_open(self),
        }
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
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
        lines.push(key_line(&model.keys, self.context(), theme));
        let dialog = sized(area, 90, &lines);
        let inner = open("Quit with transfers open?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
