//! The add/edit dialog for one roster target: its fields, which one has focus, the checks run
//! before anything is saved, and its keys. Tab moves between fields; Enter saves.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{edit_field, key_line, open, sized};
use crate::ids::TargetKind;
use crate::roster::{EntryCheck, Roster, RosterChange, Shape, Target};
use crate::tui::effect::Effect;
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Context};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::theme::Theme;

/// The form's fields in Tab order. `Kind` is a toggle; the others are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Kind,
    Id,
    Name,
    Team,
    Notes,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Kind,
        Field::Id,
        Field::Name,
        Field::Team,
        Field::Notes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Id => "id",
            Self::Name => "name",
            Self::Team => "team",
            Self::Notes => "notes",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetForm {
    /// The id of the target being edited; `None` when adding.
    pub editing: Option<String>,
    pub kind: TargetKind,
    pub id: TextInput,
    pub name: TextInput,
    pub team: TextInput,
    pub notes: TextInput,
    pub focus: Field,
    /// Why the last save was refused, or the warning that a second Enter overrides.
    pub problem: Option<String>,
    /// The supervisor was told the id looks unusual; Enter again saves it anyway.
    pub odd_shape_acknowledged: bool,
    /// Kept from the original so an edit does not lose them.
    favourite: bool,
    platform_name: Option<String>,
    platform_team: Option<String>,
}

fn filled(text: &str) -> TextInput {
    let mut input = TextInput::default();
    input.paste(text);
    input
}

/// What a valid form asks to save.
#[derive(Debug, Clone, PartialEq)]
struct Submission {
    editing: Option<String>,
    target: Target,
    shape: Shape,
}

impl TargetForm {
    pub fn add(kind: TargetKind) -> Self {
        Self {
            editing: None,
            kind,
            id: TextInput::default(),
            name: TextInput::default(),
            team: TextInput::default(),
            notes: TextInput::default(),
            focus: Field::Id,
            problem: None,
            odd_shape_acknowledged: false,
            favourite: false,
            platform_name: None,
            platform_team: None,
        }
    }

    pub fn edit(target: &Target) -> Self {
        Self {
            editing: Some(target.id.clone()),
            kind: target.kind,
            id: filled(&target.id),
            name: filled(&target.name),
            team: filled(target.team.as_deref().unwrap_or("")),
            notes: filled(target.notes.as_deref().unwrap_or("")),
            // The same field as the add form, so Tab means the same in both.
            focus: Field::Id,
            problem: None,
            odd_shape_acknowledged: false,
            favourite: target.favourite,
            platform_name: target.platform_name.clone(),
            platform_team: target.platform_team.clone(),
        }
    }

    fn input(&self, field: Field) -> Option<&TextInput> {
        match field {
            Field::Kind => None,
            Field::Id => Some(&self.id),
            Field::Name => Some(&self.name),
            Field::Team => Some(&self.team),
            Field::Notes => Some(&self.notes),
        }
    }

    fn focused_input(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Kind => None,
            Field::Id => Some(&mut self.id),
            Field::Name => Some(&mut self.name),
            Field::Team => Some(&mut self.team),
            Field::Notes => Some(&mut self.notes),
        }
    }

    /// Any edit makes earlier complaints stale.
    fn edited(&mut self) {
        self.problem = None;
        self.odd_shape_acknowledged = false;
    }

    fn move_focus(&mut self, forward: bool) {
        let at = Field::ALL
            .iter()
            .position(|&f| f == self.focus)
            .unwrap_or(0);
        let len = Field::ALL.len();
        let next = if forward { at + 1 } else { at + len - 1 };
        self.focus = Field::ALL[next % len];
    }

    fn toggle_kind(&mut self) {
        self.kind = match self.kind {
            TargetKind::Agent => TargetKind::Queue,
            TargetKind::Queue => TargetKind::Agent,
        };
        self.edited();
    }

    fn target(&self) -> Target {
        let mut target = Target::new(self.kind, self.id.value(), self.name.value());
        target.team = Some(self.team.value().to_owned());
        target.notes = Some(self.notes.value().to_owned());
        target.favourite = self.favourite;
        target.platform_name = self.platform_name.clone();
        target.platform_team = self.platform_team.clone();
        target.tidied()
    }

    /// Checks the form against `roster`. On a problem the form keeps it to show and returns
    /// `None`; an unusual id shape is shown once and accepted on the next try.
    fn submit(&mut self, roster: &Roster) -> Option<Submission> {
        let target = self.target();
        let mut check = EntryCheck::joining(roster, self.editing.as_deref());
        let problem = match check.check(&target, String::new) {
            Err(error) => Some(error.to_string()),
            Ok(Some(warning)) if !self.odd_shape_acknowledged => {
                self.odd_shape_acknowledged = true;
                self.problem = Some(format!("{warning}. Enter again to save it anyway"));
                return None;
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            self.problem = Some(problem);
            return None;
        }
        Some(Submission {
            editing: self.editing.clone(),
            target,
            shape: if self.odd_shape_acknowledged {
                Shape::Forced
            } else {
                Shape::Checked
            },
        })
    }
}

impl Dialog for TargetForm {
    fn context(&self) -> Context {
        Context::Form
    }

    fn handle(mut self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::SaveTarget) => {
                if let Some(submission) = self.submit(&model.roster) {
                    return Some(saved(model, submission));
                }
            }
            DialogInput::Action(Action::Cancel) => return None,
            DialogInput::Action(action @ (Action::NextField | Action::PreviousField)) => {
                self.move_focus(action == Action::NextField);
            }
            DialogInput::Action(Action::ToggleKind) => self.toggle_kind(),
            // Space on the kind field switches agent and queue, like a checkbox.
            DialogInput::Typed(' ') if self.focus == Field::Kind => self.toggle_kind(),
            _ => {
                if let Some(field) = self.focused_input()
                    && edit_field(field, input) == Some(true)
                {
                    self.edited();
                }
            }
        }
        model.keep_open(self)
    }

    /// One line per field, the focused one marked, and the problem if any.
    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let mut lines = vec![Line::raw("")];
        let mut cursor = None;
        for field in Field::ALL {
            let focused = self.focus == field;
            let marker = if focused { "▶ " } else { "  " };
            let label = Span::styled(format!("{marker}{:<6} ", field.label()), theme.key);
            let value = match self.input(field) {
                Some(input) => {
                    if focused {
                        let before =
                            format!("{marker}{:<6} {}", field.label(), input.before_cursor());
                        cursor = Some((Span::raw(before).width(), lines.len()));
                    }
                    Span::raw(input.value().to_owned())
                }
                None => {
                    let (agent, queue) = match self.kind {
                        TargetKind::Agent => ("(•) agent", "( ) queue"),
                        TargetKind::Queue => ("( ) agent", "(•) queue"),
                    };
                    let toggle = model.keys.key_label(self.context(), Action::ToggleKind);
                    Span::raw(format!("{agent}  {queue}   Space or {toggle} switches"))
                }
            };
            let style = if focused { theme.title } else { Style::new() };
            lines.push(Line::from(vec![label, value.style(style)]));
        }
        lines.push(Line::raw(""));
        if let Some(problem) = &self.problem {
            lines.push(Line::styled(format!("✗ {problem}"), theme.error));
            lines.push(Line::raw(""));
        }
        lines.push(key_line(&model.keys, self.context(), theme));
        let title = if self.editing.is_some() {
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
}

/// A valid form, saved: the picker's highlight goes to its target once the roster is saved.
fn saved(model: &mut Model, submission: Submission) -> Effect {
    model.select_after_save = Some(submission.target.id.trim().to_owned());
    let change = match submission.editing {
        Some(id) => RosterChange::Replace {
            id,
            target: submission.target,
            shape: submission.shape,
        },
        None => RosterChange::Add(submission.target, submission.shape),
    };
    Effect::SaveRoster(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DANA: &str = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c";

    fn roster() -> Roster {
        Roster::new(vec![Target::new(TargetKind::Agent, DANA, "Dana")])
    }

    #[test]
    fn a_duplicate_id_is_refused_in_words() {
        let mut form = TargetForm::add(TargetKind::Agent);
        form.id.paste(DANA);
        form.name.paste("Someone");
        assert_eq!(form.submit(&roster()), None);
        assert!(
            form.problem
                .as_deref()
                .unwrap()
                .contains("already in the roster (agent Dana)")
        );
    }

    #[test]
    fn an_odd_id_needs_a_second_enter() {
        let mut form = TargetForm::add(TargetKind::Queue);
        form.id.paste("Qu-7");
        form.name.paste("Billing");
        assert_eq!(form.submit(&roster()), None);
        assert!(form.problem.as_deref().unwrap().contains("Enter again"));
        let submission = form.submit(&roster()).unwrap();
        assert_eq!(submission.shape, Shape::Forced);
        assert_eq!(submission.target.kind, TargetKind::Queue);
    }

    #[test]
    fn editing_keeps_the_id_and_favourite() {
        let mut dana = Target::new(TargetKind::Agent, DANA, "Dana").with_team("Billing");
        dana.favourite = true;
        let mut form = TargetForm::edit(&dana);
        " Whitfield".chars().for_each(|c| form.name.insert(c));
        let submission = form.submit(&roster()).unwrap();
        assert_eq!(submission.editing.as_deref(), Some(DANA));
        assert_eq!(submission.target.name, "Dana Whitfield");
        assert!(submission.target.favourite);
        assert_eq!(submission.shape, Shape::Checked);
    }

    #[test]
    fn empty_fields_are_explained() {
        let mut form = TargetForm::add(TargetKind::Agent);
        assert_eq!(form.submit(&roster()), None);
        assert!(form.problem.as_deref().unwrap().contains("the id is empty"));
    }
}
