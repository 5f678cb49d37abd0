//! The saved roster: the agents and queues a supervisor transfers to, loaded from TOML.
//!
//! ```toml
//! [[agents]]
//! id = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c"
//! name = "Dana Whitfield"
//! team = "Billing"          # optional
//! notes = "Spanish, French" # optional
//!
//! [[queues]]
//! id = "qu-b5d3bb4-a1ac-4caa-9be6-55a5abc3e2f1"
//! name = "Billing"
//! ```

mod check;
mod edit;
mod exchange;
mod file;
mod resolve;
mod store;
mod sync;

use std::fmt;

use serde::Serialize;

pub use check::{EditError, EntryCheck, Field};
pub use edit::{RosterChange, Shape};
pub use exchange::{CSV_HEADER, ImportError, Imported, Merged, import};
pub use file::{Loaded, RosterError};
pub use resolve::ResolveError;
pub use store::{RosterStore, Saved, StoreError};
pub use sync::{Listed, SyncPreview, SyncSummary};

use crate::ids::TargetKind;
use crate::terminal_safe::{NAME_CHARS, cut};

/// How long the prefix and first group of an id may be for a short id to keep them
/// ("qu-b5d3bb4" is 10): an id of another shape, perhaps from outside, is cut like any text.
const SHORT_ID_MAX_PREFIX: usize = 16;

/// One agent or queue a conversation can be moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    #[serde(skip)]
    pub kind: TargetKind,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Marked by the supervisor; favourites sort first in the picker.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub favourite: bool,
    /// The platform stopped listing this target at the last sync. Kept, never deleted silently.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// The name the platform gave at the last sync, so a sync can tell a name the supervisor
    /// chose (kept) from one the platform changed (followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    /// The team the last sync gave (the agent's group, else their first queue), so a sync can
    /// tell a team the supervisor set (kept) from one it filled in (followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_team: Option<String>,
}

impl Target {
    pub fn new(kind: TargetKind, id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            name: name.into(),
            team: None,
            notes: None,
            favourite: false,
            stale: false,
            platform_name: None,
            platform_team: None,
        }
    }

    pub fn with_team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    /// A target known only by its id, for an id typed on the command line that is not in the
    /// roster.
    pub fn unlisted(kind: TargetKind, id: &str) -> Self {
        Self::new(kind, id, id)
    }

    /// The id cut to its prefix and first group, "a-59bb17e…", for one-line displays; an id
    /// of another shape to its first 12 characters.
    pub fn short_id(&self) -> String {
        match self.id.match_indices('-').nth(1) {
            Some((second_dash, _)) if second_dash <= SHORT_ID_MAX_PREFIX => {
                format!("{}…", &self.id[..second_dash])
            }
            _ => shorten(&self.id, 12),
        }
    }
}

impl fmt::Display for Target {
    /// "agent Dana Whitfield (a-59bb17e…)", the way a confirmation names a target. A name (or
    /// id) that came from outside, synced or a teammate's, is cut to a name's length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name == self.id {
            write!(f, "{} {}", self.kind, cut(&self.id, NAME_CHARS))
        } else {
            let name = cut(&self.name, NAME_CHARS);
            write!(f, "{} {name} ({})", self.kind, self.short_id())
        }
    }
}

/// Cuts `text` to `keep` characters plus an ellipsis when it is longer.
pub fn shorten(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(keep).collect();
        short.push('…');
        short
    }
}

/// Every target of one install, agents first, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    targets: Vec<Target>,
}

impl Roster {
    pub fn new(targets: Vec<Target>) -> Self {
        Self { targets }
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn count(&self, kind: TargetKind) -> usize {
        self.targets.iter().filter(|t| t.kind == kind).count()
    }

    /// The roster in the file format [`Roster::parse`] reads.
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            agents: Vec<&'a Target>,
            queues: Vec<&'a Target>,
        }
        let of = |kind| self.targets.iter().filter(|t| t.kind == kind).collect();
        toml::to_string(&File {
            agents: of(TargetKind::Agent),
            queues: of(TargetKind::Queue),
        })
        .expect("a roster always serializes")
    }
}

/// Agents with and without a team or notes, and queues, as a saved roster holds them: what
/// the roster's round trips are tested on.
#[cfg(test)]
fn sample() -> Roster {
    Roster::new(vec![
        Target::new(
            TargetKind::Agent,
            "a-75b2b7b-674c-49d2-ad7a-8bce77c4d2e1",
            "Jane Doe",
        )
        .with_team("Billing")
        .with_notes("Spanish; escalations, \"VIP\""),
        Target::new(
            TargetKind::Agent,
            "a-1f0c2e9-0b6e-4c1e-9d0e-2a7c4b1d9f30",
            "Ravi Kumar",
        ),
        Target::new(
            TargetKind::Queue,
            "qu-268eda9-ba47-4b03-ab29-d1909c3870ab",
            "Billing",
        )
        .with_notes("8am–6pm, weekdays"),
        Target::new(
            TargetKind::Queue,
            "qu-5e2a8c1-7d3f-4a9b-8c2e-6f1b0d4a11c5",
            "Retention",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_from_outside_is_shown_cut() {
        let huge = format!("Billing {}", "x".repeat(100_000));
        let named = Target::new(TargetKind::Queue, format!("q-{huge}-1"), &huge).to_string();
        assert!(named.starts_with("queue Billing x"), "{named}");
        assert!(named.chars().count() < 100, "{named}");
        assert!(named.ends_with(" characters) (q-Billing xx…)"), "{named}");
        let unnamed = Target::unlisted(TargetKind::Agent, &huge).to_string();
        assert!(unnamed.chars().count() < 100, "{unnamed}");
        assert_eq!(
            Target::new(
                TargetKind::Agent,
                "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c",
                "Dana"
            )
            .to_string(),
            "agent Dana (a-59bb17e…)"
        );
    }
}
