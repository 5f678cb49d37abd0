//! Merging the platform's lists into the roster. The platform is the authority on which agents
//! and queues exist and what they are called; the supervisor is the authority on everything they
//! changed: a name they chose, a team they set, notes, favourites. Nothing is deleted: a target the platform no
//! longer lists is marked stale and stays until the supervisor removes it.

use std::collections::HashSet;

use super::{Roster, Target};
use crate::ids::{TargetKind, check_target_id};
use crate::terminal_safe::clean_name;

/// One target as the platform lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub kind: TargetKind,
    pub id: String,
    pub name: String,
    pub team: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub added: usize,
    pub updated: usize,
    /// Newly marked stale by this sync.
    pub stale: usize,
    pub unchanged: usize,
    /// Names and teams that came with control or bidirectional characters, kept without them.
    pub cleaned: usize,
    /// Entries whose id can never be sent (empty, with spaces or control characters): left out.
    pub skipped: Vec<String>,
}

impl std::fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} stale (no longer listed by the platform), {} unchanged",
            self.added, self.updated, self.stale, self.unchanged
        )?;
        if self.cleaned > 0 {
            write!(
                f,
                "; {} name(s) came with control characters, kept without them",
                self.cleaned
            )?;
        }
        if !self.skipped.is_empty() {
            write!(
                f,
                "; {} left out, their id unusable: {}",
                self.skipped.len(),
                self.skipped.join(", ")
            )?;
        }
        Ok(())
    }
}

impl Listed {
    /// The entry as the roster can keep it: the name and team cleaned of anything a terminal
    /// would act on (the name falls back to the id if nothing is left), or `Err` with the id
    /// shown safely when the id itself can never be sent. `cleaned` counts what was changed.
    fn kept(mut self, cleaned: &mut usize) -> Result<Self, String> {
        if check_target_id(self.kind, &self.id).is_err() {
            return Err(format!("{:?}", crate::terminal_safe::line(&self.id)));
        }
        let (name, name_changed) = clean_name(&self.name);
        let team = self.team.map(|team| clean_name(&team));
        let team_changed = team.as_ref().is_some_and(|(_, changed)| *changed);
        *cleaned += usize::from(name_changed || team_changed);
        self.name = if name.is_empty() {
            self.id.clone()
        } else {
            name
        };
        self.team = team.map(|(team, _)| team).filter(|t| !t.is_empty());
        Ok(self)
    }
}

impl Roster {
    /// Merges a complete listing of both kinds into the roster.
    pub fn merge_sync(&mut self, listing: Vec<Listed>) -> SyncSummary {
        let mut summary = SyncSummary::default();
        let listing: Vec<Listed> = listing
            .into_iter()
            .filter_map(|listed| {
                listed
                    .kept(&mut summary.cleaned)
                    .map_err(|id| summary.skipped.push(id))
                    .ok()
            })
            .collect();
        let listed_ids: HashSet<String> = listing.iter().map(|l| l.id.clone()).collect();
        for listed in listing {
            match self.targets.iter_mut().find(|t| t.id == listed.id) {
                Some(existing) => {
                    if follow(existing, listed) {
                        summary.updated += 1;
                    } else {
                        summary.unchanged += 1;
                    }
                }
                None => {
                    let mut target = Target::new(listed.kind, listed.id, listed.name.clone());
                    target.team = listed.team.clone();
                    target.platform_name = Some(listed.name);
                    target.platform_team = listed.team;
                    self.targets.push(target.tidied());
                    summary.added += 1;
                }
            }
        }
        for target in &mut self.targets {
            if !listed_ids.contains(&target.id) && !target.stale {
                target.stale = true;
                summary.stale += 1;
            }
        }
        self.targets.sort_by_key(|t| t.kind);
        summary
    }
}

/// What a sync would do, shown before anything is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPreview {
    pub summary: SyncSummary,
    /// Targets it would add, as "agent Dana Whitfield".
    pub added: Vec<String>,
    /// Names it would change, old then new.
    pub renamed: Vec<(String, String)>,
    /// Targets it would mark stale.
    pub stale: Vec<String>,
}

impl Roster {
    /// What merging `listing` would change, worked out on a copy: the roster is untouched.
    pub fn preview_sync(&self, listing: Vec<Listed>) -> SyncPreview {
        let mut after = self.clone();
        let summary = after.merge_sync(listing);
        let mut preview = SyncPreview {
            summary,
            ..SyncPreview::default()
        };
        for target in after.targets() {
            match self.find(&target.id) {
                None => preview
                    .added
                    .push(format!("{} {}", target.kind, target.name)),
                Some(before) => {
                    if before.name != target.name {
                        preview
                            .renamed
                            .push((before.name.clone(), target.name.clone()));
                    }
                    if target.stale && !before.stale {
                        preview
                            .stale
                            .push(format!("{} {}", target.kind, target.name));
                    }
                }
            }
        }
        preview
    }
}

/// Brings one known target in line with the platform; true when anything the supervisor sees
/// changed (recording the platform's name alone is bookkeeping).
fn follow(existing: &mut Target, listed: Listed) -> bool {
    let before = (existing.name.clone(), existing.team.clone(), existing.stale);
    // A name that is still the platform's from the last sync follows the platform; any other
    // name was chosen by the supervisor (typed in, imported, or edited) and is kept.
    if existing.platform_name.as_deref() == Some(existing.name.as_str()) {
        existing.name = listed.name.clone();
    }
    // Likewise a team: one the last sync filled in, or none, follows the platform (the agent's
    // group, else their first queue); one the supervisor set is kept. A roster from before
    // sync remembered teams has none recorded, so its teams count as set by hand.
    if existing.team.is_none() || existing.team == existing.platform_team {
        existing.team.clone_from(&listed.team);
    }
    existing.platform_name = Some(listed.name);
    existing.platform_team = listed.team;
    existing.stale = false;
    (existing.name.clone(), existing.team.clone(), existing.stale) != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(kind: TargetKind, id: &str, name: &str, team: Option<&str>) -> Listed {
        Listed {
            kind,
            id: id.into(),
            name: name.into(),
            team: team.map(Into::into),
        }
    }

    #[test]
    fn the_merge_rules() {
        let mut dana = Target::new(TargetKind::Agent, "a-1", "Dana W.").with_notes("Refunds");
        dana.favourite = true;
        dana.platform_name = Some("Dana Whitfield".into()); // renamed by the supervisor
        let mut sam = Target::new(TargetKind::Agent, "a-2", "Sam Ortiz");
        sam.platform_name = Some("Sam Ortiz".into());
        let gone = Target::new(TargetKind::Agent, "a-3", "Left in October");
        let typed = Target::new(TargetKind::Agent, "a-5", "Nadia (evenings)");
        let mut revived = Target::new(TargetKind::Queue, "qu-1", "Billing").with_team("x");
        revived.stale = true;
        revived.platform_name = Some("Billing".into());
        let mut roster = Roster::new(vec![dana, sam, gone, typed, revived]);

        let listing = vec![
            listed(
                TargetKind::Agent,
                "a-1",
                "Dana Whitfield-Jones",
                Some("Billing"),
            ),
            listed(TargetKind::Agent, "a-2", "Samuel Ortiz", Some("Tech")),
            listed(TargetKind::Agent, "a-4", "New Person", Some("Retention")),
            listed(TargetKind::Agent, "a-5", "Nadia Haddad", None),
            listed(TargetKind::Queue, "qu-1", "Billing", None),
        ];
        let summary = roster.merge_sync(listing.clone());
        assert_eq!(
            summary,
            SyncSummary {
                added: 1,
                updated: 3,
                stale: 1,
                unchanged: 1,
                ..SyncSummary::default()
            }
        );
        assert_eq!(
            roster.find("a-5").unwrap().name,
            "Nadia (evenings)",
            "a typed name is kept"
        );
        let dana = roster.find("a-1").unwrap();
        assert_eq!(dana.name, "Dana W.", "a locally chosen name is kept");
        assert_eq!(dana.notes.as_deref(), Some("Refunds"));
        assert!(dana.favourite);
        assert_eq!(
            dana.team.as_deref(),
            Some("Billing"),
            "an empty team is filled"
        );
        assert_eq!(
            roster.find("a-2").unwrap().name,
            "Samuel Ortiz",
            "a platform rename is followed"
        );
        assert_eq!(roster.find("a-2").unwrap().team.as_deref(), Some("Tech"));
        assert!(roster.find("a-3").unwrap().stale, "kept, marked stale");
        assert!(
            !roster.find("qu-1").unwrap().stale,
            "listed again: no longer stale"
        );
        let new = roster.find("a-4").unwrap();
        assert_eq!(new.platform_name.as_deref(), Some("New Person"));
        assert_eq!(roster.targets().last().unwrap().kind, TargetKind::Queue);

        // A second identical sync changes nothing and marks nothing stale again.
        let again = roster.merge_sync(listing);
        assert_eq!(
            again,
            SyncSummary {
                unchanged: 5,
                ..SyncSummary::default()
            }
        );
    }

    #[test]
    fn teams_filled_by_a_sync_follow_the_platform_and_teams_set_by_hand_stay() {
        let set_by_hand = Target::new(TargetKind::Agent, "a-1", "Dana").with_team("Refunds desk");
        let mut roster = Roster::new(vec![set_by_hand]);
        let listing = |dana: &str, sam: Option<&str>| {
            vec![
                listed(TargetKind::Agent, "a-1", "Dana", Some(dana)),
                listed(TargetKind::Agent, "a-2", "Sam", sam),
            ]
        };
        roster.merge_sync(listing("Billing", Some("Tech Support")));
        let team = |roster: &Roster, id: &str| roster.find(id).unwrap().team.clone();
        assert_eq!(team(&roster, "a-1").as_deref(), Some("Refunds desk"));
        assert_eq!(team(&roster, "a-2").as_deref(), Some("Tech Support"));

        // Sam moves to another group: the team the sync filled in follows.
        let summary = roster.merge_sync(listing("Billing", Some("Retention")));
        assert_eq!(team(&roster, "a-2").as_deref(), Some("Retention"));
        assert_eq!(summary.updated, 1);
        assert_eq!(team(&roster, "a-1").as_deref(), Some("Refunds desk"));

        // The supervisor sets Sam's team: from then on it stays.
        let mut sam = roster.find("a-2").unwrap().clone();
        sam.team = Some("Night shift".into());
        roster
            .replace("a-2", sam, crate::roster::Shape::Forced)
            .unwrap();
        roster.merge_sync(listing("Billing", Some("Escalations")));
        assert_eq!(team(&roster, "a-2").as_deref(), Some("Night shift"));

        // What the sync remembers survives saving and loading.
        let text = roster.to_toml();
        let loaded = Roster::parse(&text, std::path::Path::new("roster.toml")).unwrap();
        assert_eq!(loaded.roster, roster);
    }

    #[test]
    fn a_preview_names_what_would_change_and_changes_nothing() {
        let mut sam = Target::new(TargetKind::Agent, "a-2", "Sam Ortiz");
        sam.platform_name = Some("Sam Ortiz".into());
        let roster = Roster::new(vec![
            sam,
            Target::new(TargetKind::Agent, "a-3", "Left in October"),
        ]);
        let preview = roster.preview_sync(vec![
            listed(TargetKind::Agent, "a-2", "Samuel Ortiz", None),
            listed(TargetKind::Queue, "qu-1", "Billing", None),
        ]);
        assert_eq!(preview.added, ["queue Billing"]);
        assert_eq!(
            preview.renamed,
            [("Sam Ortiz".to_owned(), "Samuel Ortiz".to_owned())]
        );
        assert_eq!(preview.stale, ["agent Left in October"]);
        assert_eq!(roster.find("a-2").unwrap().name, "Sam Ortiz", "untouched");
    }

    #[test]
    fn names_from_outside_are_cleaned_and_bad_ids_left_out() {
        let mut roster = Roster::default();
        let summary = roster.merge_sync(vec![
            listed(
                TargetKind::Agent,
                "a-1",
                "Dana\u{1b}]0;owned\u{7} Whitfield",
                Some("Bill\u{202e}ing"),
            ),
            listed(TargetKind::Agent, "a-2", "\u{1b}[2J", None),
            listed(TargetKind::Agent, "a 3", "Spaced", None),
            listed(TargetKind::Queue, "", "Empty", None),
        ]);
        assert_eq!(summary.added, 2);
        assert_eq!(summary.cleaned, 2);
        assert_eq!(summary.skipped.len(), 2);
        assert!(summary.to_string().contains("2 left out"), "{summary}");
        let dana = roster.find("a-1").unwrap();
        assert_eq!(dana.name, "Dana]0;owned Whitfield");
        assert_eq!(dana.team.as_deref(), Some("Billing"));
        assert_eq!(roster.find("a-2").unwrap().name, "[2J");
        // What the sync keeps, the loader takes.
        let text = roster.to_toml();
        let loaded = Roster::parse(&text, std::path::Path::new("roster.toml")).unwrap();
        assert_eq!(loaded.roster, roster);
    }
}
