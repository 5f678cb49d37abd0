//! The target picker: one list over the whole roster, narrowed by a fuzzy filter on name, team
//! and id. Favourites come first, then the targets used most recently, then the rest in roster
//! order; with a filter, the best match comes first and that order breaks ties.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::input::TextInput;
use crate::roster::{Roster, Target};

pub struct Picker {
    pub filter: TextInput,
    /// Indexes into the roster's targets, best match first.
    matches: Vec<usize>,
    selected: usize,
    matcher: Matcher,
    /// Per target, the fields the filter searches: name, team, id.
    haystacks: Vec<[String; 3]>,
    /// Per target, its place when nothing is typed (favourites, recent, rest).
    rank: Vec<usize>,
    /// The id of a target the highlight does not start on: the one a re-routed transfer failed
    /// with.
    avoid: Option<String>,
}

impl std::fmt::Debug for Picker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picker")
            .field("filter", &self.filter)
            .field("matches", &self.matches)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl Picker {
    /// `recent` holds target ids, most recently used first.
    pub fn new(roster: &Roster, recent: &[String]) -> Self {
        let mut picker = Self {
            filter: TextInput::default(),
            matches: Vec::new(),
            selected: 0,
            matcher: Matcher::new(Config::DEFAULT),
            haystacks: Vec::new(),
            rank: Vec::new(),
            avoid: None,
        };
        picker.rebuild(roster, recent);
        picker
    }

    /// Follows a changed roster or recent list, keeping the filter and, where it still
    /// matches, the highlighted target.
    pub fn rebuild(&mut self, roster: &Roster, recent: &[String]) {
        let highlighted = self.highlighted(roster).map(|t| t.id.clone());
        let targets = roster.targets();
        self.haystacks = targets
            .iter()
            .map(|t| {
                [
                    t.name.clone(),
                    t.team.clone().unwrap_or_default(),
                    t.id.clone(),
                ]
            })
            .collect();
        let recency = |t: &Target| recent.iter().position(|id| *id == t.id);
        let mut order: Vec<usize> = (0..targets.len()).collect();
        // Stable: within each group the roster's own order stays.
        order.sort_by_key(|&i| {
            let target = &targets[i];
            (!target.favourite, recency(target).unwrap_or(usize::MAX))
        });
        self.rank = vec![0; targets.len()];
        for (place, &index) in order.iter().enumerate() {
            self.rank[index] = place;
        }
        self.refilter();
        if let Some(id) = highlighted {
            self.point_at(roster, &id);
        }
    }

    /// Marks target `id` as the one not to start on (`None` ends that), and moves the highlight
    /// off it.
    pub fn avoid(&mut self, id: Option<String>) {
        self.avoid = id;
        self.refilter();
    }

    /// Whether target `id` is the one marked to avoid.
    pub fn avoids(&self, id: &str) -> bool {
        self.avoid.as_deref() == Some(id)
    }

    /// Recomputes the matches after the filter text changed; the highlight goes to the best one
    /// that is not the target to avoid.
    pub fn refilter(&mut self) {
        self.compute_matches();
        let avoided = |&i: &usize| self.avoid.as_deref() == Some(self.haystacks[i][2].as_str());
        self.selected = self.matches.iter().position(|i| !avoided(i)).unwrap_or(0);
    }

    fn compute_matches(&mut self) {
        let query = self.filter.value().trim();
        if query.is_empty() {
            let mut all: Vec<usize> = (0..self.haystacks.len()).collect();
            all.sort_by_key(|&i| self.rank[i]);
            self.matches = all;
            return;
        }
        let atoms = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart).atoms;
        let mut buffer = Vec::new();
        let mut scored: Vec<(u32, usize)> = Vec::new();
        'targets: for (index, fields) in self.haystacks.iter().enumerate() {
            let mut total = 0;
            // Each word of the filter must match one field on its own, so letters are never
            // gathered across name and team; a match in the name counts double, so "billing"
            // puts the Billing queue above the agents of the Billing team.
            for atom in &atoms {
                let best = fields
                    .iter()
                    .zip([2, 1, 1])
                    .filter_map(|(field, weight)| {
                        atom.score(Utf32Str::new(field, &mut buffer), &mut self.matcher)
                            .map(|score| u32::from(score) * weight)
                    })
                    .max();
                match best {
                    Some(score) => total += score,
                    None => continue 'targets,
                }
            }
            scored.push((total, index));
        }
        // Best score first; favourites, recent and roster order break ties.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(self.rank[a.1].cmp(&self.rank[b.1])));
        self.matches = scored.into_iter().map(|(_, index)| index).collect();
    }

    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The highlighted target, if anything matches.
    pub fn highlighted<'r>(&self, roster: &'r Roster) -> Option<&'r Target> {
        self.matches
            .get(self.selected)
            .and_then(|&i| roster.targets().get(i))
    }

    /// Moves the highlight by `delta`, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn reset(&mut self) {
        self.filter.clear();
        self.refilter();
    }

    /// Points the highlight at `id` if it is listed.
    fn point_at(&mut self, roster: &Roster, id: &str) {
        if let Some(at) = self
            .matches
            .iter()
            .position(|&i| roster.targets().get(i).is_some_and(|t| t.id == id))
        {
            self.selected = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TargetKind;

    fn roster() -> Roster {
        let target = |kind, id: &str, name: &str, team: Option<&str>| {
            let target = Target::new(kind, id, name);
            match team {
                Some(team) => target.with_team(team),
                None => target,
            }
        };
        Roster::new(vec![
            target(TargetKind::Agent, "a-1", "Dana Whitfield", Some("Billing")),
            target(TargetKind::Agent, "a-2", "Sam Ortiz", Some("Tech support")),
            target(TargetKind::Queue, "qu-3", "Billing", None),
        ])
    }

    fn names(picker: &Picker, roster: &Roster) -> Vec<String> {
        picker
            .matches()
            .iter()
            .map(|&i| roster.targets()[i].name.clone())
            .collect()
    }

    #[test]
    fn an_empty_filter_lists_everything_in_order() {
        let roster = roster();
        let picker = Picker::new(&roster, &[]);
        assert_eq!(
            names(&picker, &roster),
            ["Dana Whitfield", "Sam Ortiz", "Billing"]
        );
    }

    #[test]
    fn the_filter_matches_name_team_and_id_fuzzily() {
        let roster = roster();
        let mut picker = Picker::new(&roster, &[]);
        picker.filter.paste("dwhit");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Dana Whitfield"]);
        picker.filter.clear();
        picker.filter.paste("billing");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Billing", "Dana Whitfield"]);
        picker.filter.clear();
        picker.filter.paste("sam tech");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Sam Ortiz"]);
        picker.filter.clear();
        picker.filter.paste("tech");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Sam Ortiz"]);
        picker.filter.clear();
        picker.filter.paste("qu-3");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Billing"]);
    }

    #[test]
    fn favourites_then_recent_then_the_rest() {
        let mut roster = roster();
        let billing = roster.targets()[2].id.clone();
        roster.toggle_favourite(&billing).unwrap();
        let picker = Picker::new(&roster, &["a-2".to_owned()]);
        assert_eq!(
            names(&picker, &roster),
            ["Billing", "Sam Ortiz", "Dana Whitfield"]
        );
    }

    #[test]
    fn a_rebuild_keeps_the_filter_and_the_highlight() {
        let roster = roster();
        let mut picker = Picker::new(&roster, &[]);
        picker.move_by(1);
        picker.rebuild(&roster, &["qu-3".to_owned()]);
        assert_eq!(picker.highlighted(&roster).unwrap().name, "Sam Ortiz");
    }

    #[test]
    fn the_highlight_stops_at_the_ends() {
        let roster = roster();
        let mut picker = Picker::new(&roster, &[]);
        picker.move_by(-1);
        assert_eq!(picker.selected(), 0);
        picker.move_by(10);
        assert_eq!(picker.highlighted(&roster).unwrap().name, "Billing");
    }
}
