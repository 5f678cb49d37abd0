//! The target picker: one list over the whole roster, narrowed by a fuzzy filter on name, team,
//! id and notes. Favourites come first, then the targets used most recently, then the rest in
//! roster order; with a filter, the best match comes first and that order breaks ties. Two views
//! narrow or reorder it further: only the targets free right now, and by load.

use std::collections::{HashMap, HashSet};

use nucleo_matcher::pattern::{Atom, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::input::TextInput;
use crate::roster::{Roster, Target};

/// The fields the filter searches, with what a match in each is worth: a match in the name
/// counts double, so "billing" puts the Billing queue above the agents of the Billing team.
const FIELD_WEIGHTS: [u32; 4] = [2, 1, 1, 1];
/// What a word of the filter found whole at the start of a word (a name, a team, a note) adds
/// to its score: more than any scattered match can reach, so "tech" finds the Tech Support team
/// before a name that merely holds t, e, c and h.
const WORD_START_BONUS: u32 = 10_000;

pub struct Picker {
    pub filter: TextInput,
    /// Indexes into the roster's targets, best match first.
    matches: Vec<usize>,
    selected: usize,
    /// The first match the list showed: kept while the highlight moves within the rows shown,
    /// so a row stays where it was clicked.
    top: usize,
    matcher: Matcher,
    /// Per target, the fields the filter searches: name, team, id, notes.
    haystacks: Vec<[String; 4]>,
    /// The same in lower case, for finding whole words without allocating per keystroke.
    lowered: Vec<[String; 4]>,
    /// Per target, its place when nothing is typed (favourites, recent, rest).
    rank: Vec<usize>,
    /// The id of a target the highlight does not start on: the one a re-routed transfer failed
    /// with.
    avoid: Option<String>,
    /// When set, only these target ids are listed (those free right now).
    only: Option<HashSet<String>>,
    /// When set, targets are listed by this load, lowest first, before any other order.
    load: Option<HashMap<String, u32>>,
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
            top: 0,
            matcher: Matcher::new(Config::DEFAULT),
            haystacks: Vec::new(),
            lowered: Vec::new(),
            rank: Vec::new(),
            avoid: None,
            only: None,
            load: None,
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
                    t.notes.clone().unwrap_or_default(),
                ]
            })
            .collect();
        self.lowered = self
            .haystacks
            .iter()
            .map(|fields| fields.clone().map(|field| field.to_lowercase()))
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

    /// Lists only the targets in `ids` (`None` lists every target).
    pub fn only(&mut self, ids: Option<HashSet<String>>) {
        self.only = ids;
        self.refilter();
    }

    /// Orders the list by `load` per target id, lowest first (`None` for the usual order);
    /// targets without a load come last.
    pub fn order_by_load(&mut self, load: Option<HashMap<String, u32>>) {
        self.load = load;
        self.refilter();
    }

    /// Recomputes the matches after the filter text changed; the highlight goes to the best one
    /// that is not the target to avoid.
    pub fn refilter(&mut self) {
        self.compute_matches();
        if let Some(only) = &self.only {
            let haystacks = &self.haystacks;
            self.matches.retain(|&i| only.contains(&haystacks[i][2]));
        }
        if let Some(load) = &self.load {
            let haystacks = &self.haystacks;
            // Stable: equal loads keep the match order.
            self.matches
                .sort_by_key(|&i| load.get(&haystacks[i][2]).copied().unwrap_or(u32::MAX));
        }
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
        let atoms = parse(query);
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut buffer = Vec::new();
        let mut scored: Vec<(u32, usize)> = Vec::new();
        'targets: for (index, (fields, lowered)) in
            self.haystacks.iter().zip(&self.lowered).enumerate()
        {
            let mut total = 0;
            // Each word of the filter must match one field on its own, so letters are never
            // gathered across name and team.
            for (n, atom) in atoms.iter().enumerate() {
                let word = words.get(n).map(String::as_str).unwrap_or_default();
                let best = fields
                    .iter()
                    .zip(lowered)
                    .zip(FIELD_WEIGHTS)
                    .filter_map(|((field, lowered), weight)| {
                        let fuzzy =
                            atom.score(Utf32Str::new(field, &mut buffer), &mut self.matcher)?;
                        let bonus = if starts_a_word(lowered, word) {
                            WORD_START_BONUS
                        } else {
                            0
                        };
                        Some(u32::from(fuzzy) * weight + bonus)
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

    /// Marks the letters of target names that the filter matched, for the list to show them.
    /// `None` when nothing is typed.
    pub fn highlighter(&self) -> Option<Highlighter> {
        let query = self.filter.value().trim();
        (!query.is_empty()).then(|| Highlighter {
            atoms: parse(query),
            matcher: Matcher::new(Config::DEFAULT),
        })
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
        self.select(self.selected.saturating_add_signed(delta));
    }

    /// Highlights the match at `at` (the last one if there are fewer).
    pub fn select(&mut self, at: usize) {
        self.selected = at.min(self.matches.len().saturating_sub(1));
    }

    /// The first match a list `rows` high shows: where it was, unless the highlight would be
    /// off it (then just far enough to show it) or rows would be left empty at the end.
    pub fn first_shown(&self, rows: usize) -> usize {
        let rows = rows.max(1);
        let lowest = (self.selected + 1).saturating_sub(rows);
        let last_page = self.matches.len().saturating_sub(rows);
        self.top.min(last_page).clamp(lowest, self.selected)
    }

    /// Remembers where a list `rows` high now starts, for the next move to start from.
    pub fn keep_selected_in_view(&mut self, rows: usize) {
        self.top = self.first_shown(rows);
    }

    /// Scrolls a list `rows` high by `delta` rows without going past either end, and takes the
    /// highlight along where it would leave the list.
    pub fn scroll_view(&mut self, delta: isize, rows: usize) {
        let rows = rows.max(1);
        let last_page = self.matches.len().saturating_sub(rows);
        self.top = self
            .first_shown(rows)
            .saturating_add_signed(delta)
            .min(last_page);
        let last_shown = (self.top + rows - 1).min(self.matches.len().saturating_sub(1));
        self.selected = self.selected.clamp(self.top, last_shown.max(self.top));
    }

    pub fn reset(&mut self) {
        self.filter.clear();
        self.refilter();
    }

    /// Points the highlight at `id` if it is listed.
    pub fn point_at(&mut self, roster: &Roster, id: &str) {
        if let Some(at) = self
            .matches
            .iter()
            .position(|&i| roster.targets().get(i).is_some_and(|t| t.id == id))
        {
            self.selected = at;
        }
    }
}

fn parse(query: &str) -> Vec<Atom> {
    Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart).atoms
}

/// Whether `word` appears in `field` at the start of one of its words; both in lower case.
fn starts_a_word(field: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    field.match_indices(word).any(|(at, _)| {
        at == 0
            || !field[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    })
}

/// Finds the letters of a name the filter matched.
pub struct Highlighter {
    atoms: Vec<Atom>,
    matcher: Matcher,
}

impl Highlighter {
    /// The positions (in characters) of `name` that some word of the filter matched.
    pub fn name(&mut self, name: &str) -> HashSet<usize> {
        let mut buffer = Vec::new();
        let mut indices = Vec::new();
        for atom in &self.atoms {
            atom.indices(
                Utf32Str::new(name, &mut buffer),
                &mut self.matcher,
                &mut indices,
            );
        }
        indices.into_iter().map(|i| i as usize).collect()
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
    fn a_whole_word_ranks_above_scattered_letters_and_notes_count() {
        let roster = Roster::new(vec![
            Target::new(crate::ids::TargetKind::Agent, "a-1", "Tomás Echeverría")
                .with_team("Billing"),
            Target::new(crate::ids::TargetKind::Agent, "a-2", "Aiko Tanaka")
                .with_team("Tech Support"),
            Target::new(crate::ids::TargetKind::Agent, "a-3", "Lena Weber").with_notes("French"),
        ]);
        let mut picker = Picker::new(&roster, &[]);
        picker.filter.paste("tech");
        picker.refilter();
        assert_eq!(names(&picker, &roster)[0], "Aiko Tanaka");
        picker.filter.clear();
        picker.filter.paste("french");
        picker.refilter();
        assert_eq!(names(&picker, &roster), ["Lena Weber"]);
        let mut highlighter = picker.highlighter().unwrap();
        assert!(
            highlighter.name("Lena Weber").is_empty(),
            "the match was in the notes"
        );
        picker.filter.clear();
        picker.filter.paste("lw");
        picker.refilter();
        let marked = picker.highlighter().unwrap().name("Lena Weber");
        assert_eq!(marked, [0, 5].into_iter().collect());
    }

    #[test]
    fn only_the_free_and_by_load() {
        let roster = roster();
        let mut picker = Picker::new(&roster, &[]);
        picker.only(Some(
            ["a-2".to_owned(), "qu-3".to_owned()].into_iter().collect(),
        ));
        assert_eq!(names(&picker, &roster), ["Sam Ortiz", "Billing"]);
        picker.only(None);
        picker.order_by_load(Some([("qu-3".to_owned(), 1), ("a-2".to_owned(), 2)].into()));
        assert_eq!(
            names(&picker, &roster),
            ["Billing", "Sam Ortiz", "Dana Whitfield"],
            "unknown load last"
        );
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
    fn the_list_keeps_its_place_while_the_highlight_moves_within_it() {
        let roster = Roster::new(
            (0..20)
                .map(|n| Target::new(TargetKind::Agent, format!("a-{n}"), format!("Agent {n}")))
                .collect(),
        );
        let mut picker = Picker::new(&roster, &[]);
        let rows = 5;
        picker.move_by(7);
        picker.keep_selected_in_view(rows);
        assert_eq!(picker.first_shown(rows), 3, "just far enough");
        picker.move_by(-2);
        picker.keep_selected_in_view(rows);
        assert_eq!(picker.first_shown(rows), 3, "still shown: the list stays");
        picker.move_by(-3);
        picker.keep_selected_in_view(rows);
        assert_eq!(picker.first_shown(rows), 2);

        picker.scroll_view(100, rows);
        assert_eq!(picker.first_shown(rows), 15, "the last page");
        assert_eq!(picker.selected(), 15, "taken along");
        // A filter that leaves fewer: the list starts at the top again.
        picker.filter.paste("Agent 1");
        picker.refilter();
        assert_eq!(picker.first_shown(rows), 0);
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
