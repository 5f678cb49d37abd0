//! Changing the roster: every edit checks the target with the same [`EntryCheck`] the file
//! loader uses, so what the supervisor adds in the console, on the command line or by import is
//! as sound as a file that loads.

use super::check::{EditError, EntryCheck};
use super::{Roster, Target};

/// One change to the roster, as the console or the command line asks for it; applied by the
/// store to the file's current content.
#[derive(Debug, Clone, PartialEq)]
pub enum RosterChange {
    Add(Target, Shape),
    Replace {
        id: String,
        target: Target,
        shape: Shape,
    },
    Remove(String),
    ToggleFavourite(String),
}

impl RosterChange {
    /// Applies the change and says what it did, in words for the log.
    pub fn apply(self, roster: &mut Roster) -> Result<String, EditError> {
        match self {
            Self::Add(target, shape) => {
                let id = target.id.trim().to_owned();
                roster.add(target, shape)?;
                Ok(format!("added {}", described(roster, &id)))
            }
            Self::Replace { id, target, shape } => {
                let new_id = target.id.trim().to_owned();
                roster.replace(&id, target, shape)?;
                Ok(format!("saved {}", described(roster, &new_id)))
            }
            Self::Remove(id) => Ok(format!("removed {}", roster.remove(&id)?)),
            Self::ToggleFavourite(id) => {
                let now = roster.toggle_favourite(&id)?;
                let what = described(roster, &id);
                Ok(if now {
                    format!("★ {what} is a favourite")
                } else {
                    format!("{what} is no longer a favourite")
                })
            }
        }
    }
}

fn described(roster: &Roster, id: &str) -> String {
    roster
        .find(id)
        .map_or_else(|| id.to_owned(), ToString::to_string)
}

/// Whether an unusual id shape stops the edit or is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Checked,
    Forced,
}

impl Target {
    /// Cleans the name, team and notes of control and bidirectional characters, as text from
    /// outside must be before it is kept; true when anything changed.
    pub fn clean_text(&mut self) -> bool {
        let mut changed = false;
        let mut clean = |text: &mut String| {
            let (cleaned, was_changed) = crate::terminal_safe::clean_name(text);
            changed |= was_changed;
            *text = cleaned;
        };
        clean(&mut self.name);
        for text in [
            &mut self.team,
            &mut self.notes,
            &mut self.platform_name,
            &mut self.platform_team,
        ]
        .into_iter()
        .flatten()
        {
            clean(text);
        }
        changed
    }

    /// Trims the text fields and drops empty optional ones, as a person would expect.
    pub fn tidied(mut self) -> Self {
        let tidy =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        self.id = self.id.trim().to_owned();
        self.name = self.name.trim().to_owned();
        self.team = tidy(self.team);
        self.notes = tidy(self.notes);
        self.platform_name = tidy(self.platform_name);
        self.platform_team = tidy(self.platform_team);
        self
    }
}

impl Roster {
    pub fn find(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    fn position(&self, id: &str) -> Result<usize, EditError> {
        self.targets
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| EditError::NotFound(id.to_owned()))
    }

    /// `target`, tidied, if it may join the roster in place of `replacing` (or beside the
    /// others): an unusual id shape only when `shape` says the supervisor insisted.
    fn admit(
        &self,
        target: Target,
        replacing: Option<&str>,
        shape: Shape,
    ) -> Result<Target, EditError> {
        let target = target.tidied();
        let warning = EntryCheck::joining(self, replacing).check(&target, String::new)?;
        match (warning, shape) {
            (Some(warning), Shape::Checked) => Err(EditError::OddShape(warning)),
            _ => Ok(target),
        }
    }

    /// Adds a target; an id already present is refused.
    pub fn add(&mut self, target: Target, shape: Shape) -> Result<(), EditError> {
        let target = self.admit(target, None, shape)?;
        self.targets.push(target);
        self.keep_order();
        Ok(())
    }

    /// Replaces the target with id `id` (the id itself may change, but not to another's).
    pub fn replace(&mut self, id: &str, target: Target, shape: Shape) -> Result<(), EditError> {
        let at = self.position(id)?;
        let target = self.admit(target, Some(id), shape)?;
        self.targets[at] = target;
        self.keep_order();
        Ok(())
    }

    pub fn remove(&mut self, id: &str) -> Result<Target, EditError> {
        let at = self.position(id)?;
        Ok(self.targets.remove(at))
    }

    /// Flips the favourite mark; returns the new state.
    pub fn toggle_favourite(&mut self, id: &str) -> Result<bool, EditError> {
        let at = self.position(id)?;
        let target = &mut self.targets[at];
        target.favourite = !target.favourite;
        Ok(target.favourite)
    }

    /// Agents before queues, as the file lists them, so a save and a reload agree on order.
    fn keep_order(&mut self) {
        self.targets.sort_by_key(|t| t.kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;

    const AGENT: &str = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c";

    #[test]
    fn add_refuses_duplicates_and_odd_ids_unless_forced() {
        let mut roster = Roster::default();
        roster
            .add(
                Target::new(TargetKind::Agent, AGENT, " Dana "),
                Shape::Checked,
            )
            .unwrap();
        assert_eq!(roster.find(AGENT).unwrap().name, "Dana");
        let duplicate = roster
            .add(Target::new(TargetKind::Queue, AGENT, "Q"), Shape::Forced)
            .unwrap_err();
        assert!(
            duplicate
                .to_string()
                .contains("already in the roster (agent Dana)")
        );
        let odd = Target::new(TargetKind::Queue, "Qu-12", "Billing");
        assert!(matches!(
            roster.add(odd.clone(), Shape::Checked),
            Err(EditError::OddShape(_))
        ));
        roster.add(odd, Shape::Forced).unwrap();
        let empty = roster.add(Target::new(TargetKind::Agent, " ", "X"), Shape::Forced);
        assert!(matches!(empty, Err(EditError::BadId { .. })));
        let no_name = roster.add(Target::new(TargetKind::Agent, "a-1", " "), Shape::Forced);
        assert!(matches!(no_name, Err(EditError::BadName { .. })));
    }

    #[test]
    fn agents_stay_before_queues() {
        let mut roster = Roster::default();
        roster
            .add(Target::new(TargetKind::Queue, "qu-1", "Q"), Shape::Forced)
            .unwrap();
        roster
            .add(Target::new(TargetKind::Agent, "a-1", "A"), Shape::Forced)
            .unwrap();
        assert_eq!(roster.targets()[0].kind, TargetKind::Agent);
    }

    #[test]
    fn replace_and_remove_and_favourite() {
        let mut roster = Roster::default();
        roster
            .add(
                Target::new(TargetKind::Agent, AGENT, "Dana"),
                Shape::Checked,
            )
            .unwrap();
        roster
            .add(Target::new(TargetKind::Agent, "a-2", "Sam"), Shape::Forced)
            .unwrap();
        let renamed = Target::new(TargetKind::Agent, AGENT, "Dana W.").with_team("Billing");
        roster.replace(AGENT, renamed, Shape::Checked).unwrap();
        assert_eq!(roster.find(AGENT).unwrap().team.as_deref(), Some("Billing"));
        let clash = roster.replace(
            "a-2",
            Target::new(TargetKind::Agent, AGENT, "X"),
            Shape::Forced,
        );
        assert!(matches!(clash, Err(EditError::Duplicate { .. })));
        assert!(roster.toggle_favourite(AGENT).unwrap());
        assert!(!roster.toggle_favourite(AGENT).unwrap());
        assert_eq!(roster.remove("a-2").unwrap().name, "Sam");
        assert_eq!(roster.remove("a-2"), Err(EditError::NotFound("a-2".into())));
    }
}
