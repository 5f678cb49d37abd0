//! "Mark the top N shown": a one-line prompt that takes a count and marks that many of the
//! first conversations the session pane shows, in its order and through its filter, then opens
//! the picker for their target, the step that always comes next (Esc there comes back with the
//! marks kept). Only digits go in; anything else, or a count of none, is answered in words and
//! the prompt stays.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{edit_field, key_line, open, sized};
use crate::tui::effect::Effect;
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Focus, Model};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MarkTop {
    pub count: TextInput,
    /// Why the last count typed or asked for was not taken.
    pub problem: Option<String>,
}

const LABEL: &str = "mark the top ";

impl MarkTop {
    /// Enter: the count read, or why it is not one.
    fn count(&self) -> Result<usize, String> {
        let typed = self.count.value();
        if typed.is_empty() {
            return Err("type how many to mark, such as 15".into());
        }
        match typed.parse::<usize>() {
            Ok(0) => Err("0 marks nothing: type how many to mark, 1 or more".into()),
            Ok(count) => Ok(count),
            Err(_) => Err(format!("{typed} is too large a count")),
        }
    }
}

/// Marks the top `count` shown and says how many that was, in the status line and the log;
/// with any marked, the picker takes over.
fn mark(model: &mut Model, count: usize) {
    let filter = model.session.value().to_owned();
    let done = model.conversations.mark_top_shown(&filter, count);
    let all = model.conversations.marked().len();
    let words = if done.shown == 0 {
        "no conversation is shown, so none was marked".to_owned()
    } else if count > done.shown {
        format!(
            "only {} shown: marked all of them ({all} marked in all)",
            done.shown
        )
    } else {
        format!(
            "marked the top {} of {} shown ({all} marked in all)",
            done.taken, done.shown
        )
    };
    model.tell(words);
    if done.taken > 0 {
        model.session.clear();
        model.session_error = None;
        model.focus = Focus::Picker;
    }
}

impl Dialog for MarkTop {
    fn context(&self) -> Context {
        Context::MarkTop
    }

    fn handle(mut self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Cancel) => return None,
            DialogInput::Action(Action::MarkTopCount) => match self.count() {
                Ok(count) => {
                    mark(model, count);
                    return None;
                }
                Err(problem) => self.problem = Some(problem),
            },
            DialogInput::Typed(c) if !c.is_ascii_digit() => {
                self.problem = Some(format!("only digits: {c:?} is not one"));
            }
            DialogInput::Pasted(text) if !text.trim().chars().all(|c| c.is_ascii_digit()) => {
                self.problem = Some("only digits can be pasted here".into());
            }
            DialogInput::Pasted(text) => {
                self.count.paste(text.trim());
                self.problem = None;
            }
            _ => {
                if edit_field(&mut self.count, input) == Some(true) {
                    self.problem = None;
                }
            }
        }
        model.keep_open(self)
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let shown = model.conversations.shown(model.session.value()).len();
        let mut lines = vec![
            Line::raw(""),
            Line::from(vec![
                Span::styled(LABEL, theme.key),
                Span::styled(self.count.value().to_owned(), theme.title),
                Span::raw(format!(" of {shown} shown")),
            ]),
        ];
        lines.push(match &self.problem {
            Some(problem) => Line::styled(problem.clone(), theme.error),
            None => Line::styled("in the list's order, through its filter", theme.dim),
        });
        lines.push(Line::raw(""));
        lines.push(key_line(&model.keys, self.context(), theme));
        let dialog = sized(area, 66, &lines);
        let inner = open("Mark the top N shown", dialog, theme, frame);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let before = Span::raw(format!("{LABEL}{}", self.count.before_cursor())).width();
        let x = inner.x
            + u16::try_from(before)
                .unwrap_or(u16::MAX)
                .min(inner.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y + 1));
    }
}
