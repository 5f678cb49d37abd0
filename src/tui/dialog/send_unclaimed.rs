//! Team mode, Redis away: sessions cannot be claimed. Asked after the first confirmation that
//! would send: send without a claim (a teammate could be moving them too), or once Redis
//! answers? The answer holds for the rest of that confirmation, which then goes on.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{key_line, open, sized};
use crate::terminal_safe::{MESSAGE_CHARS, cut};
use crate::tui::effect::Effect;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

#[derive(Debug)]
pub struct SendUnclaimed {
    /// Why Redis does not answer, in words.
    pub why: String,
    /// The confirmation the supervisor gave, taken up again with the answer.
    pub confirmed: Box<dyn Dialog>,
}

impl SendUnclaimed {
    pub fn new(why: String, confirmed: Box<dyn Dialog>) -> Self {
        Self { why, confirmed }
    }
}

/// Before a confirmation sends: if Redis is away and the supervisor has not said yet what to do
/// about it, this dialog asks, keeping `confirmed` to go on with the answer, and `None` is
/// returned; else `confirmed` comes back, to send.
pub(super) fn ask_first<D: Dialog>(confirmed: Box<D>, model: &mut Model) -> Option<Box<D>> {
    if model.send_unclaimed.is_some() {
        return Some(confirmed);
    }
    let Some(why) = model.redis_away().map(str::to_owned) else {
        return Some(confirmed);
    };
    model.dialog = Some(Box::new(SendUnclaimed::new(why, confirmed)));
    None
}

impl SendUnclaimed {
    /// The answer: the confirmation goes on, its transfers sent without a claim (`unclaimed`) or
    /// once Redis answers.
    fn answer(self, model: &mut Model, unclaimed: bool) -> Option<Effect> {
        model.send_unclaimed = Some(unclaimed);
        self.confirmed
            .handle(model, DialogInput::Action(Action::Send))
    }
}

impl Dialog for SendUnclaimed {
    fn context(&self) -> Context {
        Context::SendUnclaimed
    }

    fn handle(self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::SendUnclaimed) => self.answer(model, true),
            DialogInput::Action(Action::WaitForRedis) => self.answer(model, false),
            DialogInput::Action(Action::Cancel) => None,
            _ => model.keep_open(self),
        }
    }

    /// What sending without a claim risks, and the choice.
    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let lines = vec![
            Line::raw(""),
            Line::styled(
                "The team's Redis does not answer, so the conversations cannot be claimed.",
                theme.title,
            ),
            Line::raw(cut(&self.why, MESSAGE_CHARS).into_owned()),
            Line::raw(""),
            Line::raw(
                "Sent without a claim, a teammate could be moving them at the same time: check first. Sent once Redis answers, they wait for it (one rate window at most), then are not sent.",
            ),
            Line::raw(""),
            key_line(&model.keys, self.context(), theme),
        ];
        let dialog = sized(area, 84, &lines);
        let inner = open("Redis is away: send without a claim?", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
