//! The one check of a roster entry, wherever it comes from: the roster file, an import, the
//! console's form or the command line. An entry needs an id of a sound shape (an unusual one is
//! a warning the supervisor may override), a name, and an id no other entry has.

use std::collections::HashMap;

use super::{Roster, Target};
use crate::ids::{TargetIdError, check_target_id};

/// Checks entries one after another, remembering where each id was first seen, so the second
/// entry with an id is refused with words that point at the first.
#[derive(Debug, Default)]
pub struct EntryCheck {
    /// Each id seen so far, and where, in words that follow "already": "on line 12", "in the
    /// roster (agent Dana Whitfield)".
    first_seen: HashMap<String, String>,
}

/// Which field of an entry a problem is about, for messages that point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Name,
}

impl EntryCheck {
    /// For entries joining `roster`: the ids it holds are taken, except `replacing` (the entry
    /// being edited, which keeps its own id).
    pub fn joining(roster: &Roster, replacing: Option<&str>) -> Self {
        let first_seen = roster
            .targets()
            .iter()
            .filter(|target| Some(target.id.as_str()) != replacing)
            .map(|target| {
                let place = format!("in the roster ({} {})", target.kind, target.name);
                (target.id.clone(), place)
            })
            .collect();
        Self { first_seen }
    }

    /// Checks `target` (tidied), which is `place` ("on line 12"): a hard problem is an error,
    /// an id of an unusual shape a warning (`Ok(Some(..))`). Its id is taken from then on.
    pub fn check(
        &mut self,
        target: &Target,
        place: impl FnOnce() -> String,
    ) -> Result<Option<String>, EditError> {
        let shape =
            check_target_id(target.kind, &target.id).map_err(|problem| EditError::BadId {
                kind: target.kind,
                id: target.id.clone(),
                problem,
            })?;
        if target.name.is_empty() || target.name.chars().any(char::is_control) {
            return Err(EditError::BadName {
                kind: target.kind,
                id: target.id.clone(),
            });
        }
        if let Some(first) = self.first_seen.get(&target.id) {
            return Err(EditError::Duplicate {
                id: target.id.clone(),
                first: first.clone(),
            });
        }
        self.first_seen.insert(target.id.clone(), place());
        Ok(shape)
    }
}

/// Why an entry or an edit is refused. It lives beside the check, which finds most of these, so
/// that the edits use the check without the check needing anything of theirs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{kind} id {id:?}: {problem}")]
    BadId {
        kind: crate::ids::TargetKind,
        id: String,
        problem: TargetIdError,
    },
    #[error("{kind} {id}: expected a name, without control characters")]
    BadName {
        kind: crate::ids::TargetKind,
        id: String,
    },
    /// `first` says where the id already is, in words that follow "already".
    #[error("id {id} is already {first}; each id may appear once")]
    Duplicate { id: String, first: String },
    #[error("no target with id {0} in the roster")]
    NotFound(String),
    /// The id looks unlike the documented shape; the supervisor may insist.
    #[error("{0}; add it anyway with --force (or y in the console) if it is right")]
    OddShape(String),
}

impl EditError {
    /// The field the problem is about; `None` when it is about no one field.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::BadId { .. } | Self::Duplicate { .. } | Self::OddShape(_) => Some(Field::Id),
            Self::BadName { .. } => Some(Field::Name),
            Self::NotFound(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;

    #[test]
    fn the_second_entry_with_an_id_points_at_the_first() {
        let mut check = EntryCheck::default();
        let dana = Target::new(TargetKind::Agent, "a-1", "Dana");
        assert!(check.check(&dana, || "on line 2".into()).is_ok());
        let again = Target::new(TargetKind::Queue, "a-1", "Q");
        let error = check.check(&again, || "on line 5".into()).unwrap_err();
        assert_eq!(error.field(), Some(Field::Id));
        assert!(
            error
                .to_string()
                .starts_with("id a-1 is already on line 2; each id may appear once"),
            "{error}"
        );
    }

    #[test]
    fn an_entry_joining_a_roster_may_keep_its_own_id_only() {
        let roster = Roster::new(vec![
            Target::new(TargetKind::Agent, "a-1", "Dana"),
            Target::new(TargetKind::Agent, "a-2", "Sam"),
        ]);
        let edited = Target::new(TargetKind::Agent, "a-1", "Dana W.");
        let mut check = EntryCheck::joining(&roster, Some("a-1"));
        assert!(check.check(&edited, String::new).is_ok());
        let clash = Target::new(TargetKind::Agent, "a-2", "Dana W.");
        let mut check = EntryCheck::joining(&roster, Some("a-1"));
        let error = check.check(&clash, String::new).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("already in the roster (agent Sam)"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_name_or_a_bad_id_says_which_field() {
        let mut check = EntryCheck::default();
        let no_name = Target::new(TargetKind::Agent, "a-1", "");
        let error = check.check(&no_name, String::new).unwrap_err();
        assert_eq!(error.field(), Some(Field::Name));
        let spaced = Target::new(TargetKind::Agent, "a 1", "Dana");
        let error = check.check(&spaced, String::new).unwrap_err();
        assert_eq!(error.field(), Some(Field::Id));
        assert!(error.to_string().contains("contains a space"), "{error}");
        let odd = Target::new(TargetKind::Queue, "Qu-12", "Billing");
        assert!(check.check(&odd, String::new).unwrap().is_some());
    }
}
