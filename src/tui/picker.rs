//! The target picker: one list over the whole roster, narrowed by a filter on name, team, id
//! and notes. Favourites come first, then the targets used most recently, then the rest in
//! roster order; with a filter, the best match comes first and that order breaks ties. Two views
//! narrow or reorder it further: only the targets free right now, and by load.
//!
//! A match is ranked as a person reads the list: each word of the filter is found in one field
//! on its own, as a whole word, else at the start of a word, else inside one, else as letters
//! scattered through it; how it was found counts first, then where (a name before a team, a
//! team before an id or a note). So "tech" lists the Tech Support queue and team before a name
//! that merely holds t, e, c and h. The words "agent" and "queue" narrow the list to that kind.

use std::collections::{HashMap, HashSet};

use nucleo_matcher::chars::normalize;
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::input::TextInput;
use crate::ids::TargetKind;
use crate::roster::{Roster, Target};

/// The fields the filter searches, in the order of [`Picker::haystacks`], with what a match in
/// each is worth: a name above a team, a team above an id or a note.
const FIELD_WEIGHTS: [u64; 4] = [3, 2, 1, 1];
/// Where the id sits among the fields.
const ID_FIELD: usize = 2;
/// A word's score is how it was found, then in which field, then (for scattered letters only)
/// the fuzzy matcher's own score: each step of [`Found`] outweighs every field, each field every
/// fuzzy score.
const FOUND_UNIT: u64 = 1_000_000;
const FIELD_UNIT: u64 = 100_000;
const FUZZY_CAP: u64 = FIELD_UNIT - 1;

/// How a word of the filter was found in a field, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Found {
    /// Its letters in order, with others between.
    Scattered,
    /// Whole, inside a word ("port" in "Tech Support").
    Inside,
    /// Whole, at the start of a word ("tech" in "Tech Support").
    WordStart,
    /// As a word of its own ("support" in "Tech Support").
    Word,
}

/// The filter as typed, read: the kinds it narrows to ("agent", "queue" as words) and the
/// other words, each to be found in some field.
#[derive(Debug, Default)]
struct Query {
    /// Empty when no kind word was typed.
    kinds: Vec<TargetKind>,
    /// Folded as the fields are (lower case, accents removed).
    words: Vec<String>,
}

impl Query {
    fn parse(text: &str) -> Self {
        let mut query = Self::default();
        for word in text.split_whitespace() {
            let word = fold(word);
            match kind_named(&word) {
                Some(kind) => query.kinds.push(kind),
                None => query.words.push(word),
            }
        }
        query
    }

    fn atoms(&self) -> Vec<Atom> {
        self.words
            .iter()
            .map(|word| {
                Atom::new(
                    word,
                    CaseMatching::Ignore,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                    false,
                )
            })
            .collect()
    }
}

/// The kind a word of the filter names: "agent" or "queue", or their plurals.
fn kind_named(word: &str) -> Option<TargetKind> {
    match word {
        "agent" | "agents" => Some(TargetKind::Agent),
        "queue" | "queues" => Some(TargetKind::Queue),
        _ => None,
    }
}

/// Text as the filter compares it: lower case, accents removed ("Tomás" reads as "tomas").
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(normalize)
        .collect()
}

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
    /// The same folded as the filter's words are, for finding whole words without allocating per
    /// keystroke.
    folded: Vec<[String; 4]>,
    /// Per target, its kind, for "agent" and "queue" in the filter.
    kinds: Vec<TargetKind>,
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
            folded: Vec::new(),
            kinds: Vec::new(),
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
        self.folded = self
            .haystacks
            .iter()
            .map(|fields| fields.each_ref().map(|field| fold(field)))
            .collect();
        self.kinds = targets.iter().map(|t| t.kind).collect();
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
            self.matches
                .retain(|&i| only.contains(&haystacks[i][ID_FIELD]));
        }
        if let Some(load) = &self.load {
            let haystacks = &self.haystacks;
            // Stable: equal loads keep the match order.
            self.matches.sort_by_key(|&i| {
                load.get(&haystacks[i][ID_FIELD])
                    .copied()
                    .unwrap_or(u32::MAX)
            });
        }
        let avoided =
            |&i: &usize| self.avoid.as_deref() == Some(self.haystacks[i][ID_FIELD].as_str());
        self.selected = self.matches.iter().position(|i| !avoided(i)).unwrap_or(0);
    }

    fn compute_matches(&mut self) {
        let query = Query::parse(self.filter.value());
        let atoms = query.atoms();
        let mut buffer = Vec::new();
        let mut scored: Vec<(u64, usize)> = Vec::new();
        'targets: for (index, (fields, folded)) in
            self.haystacks.iter().zip(&self.folded).enumerate()
        {
            if !query.kinds.is_empty() && !query.kinds.contains(&self.kinds[index]) {
                continue;
            }
            let mut total = 0;
            // Each word of the filter must be found in one field on its own, so letters are
            // never gathered across name and team.
            for (word, atom) in query.words.iter().zip(&atoms) {
                let best = fields
                    .iter()
                    .zip(folded)
                    .zip(FIELD_WEIGHTS)
                    .filter_map(|((field, folded), weight)| {
                        // The fuzzy matcher first: it turns most fields down fastest, and a
                        // word found whole is always also found as letters in order.
                        let fuzzy =
                            atom.score(Utf32Str::new(field, &mut buffer), &mut self.matcher)?;
                        let score = match find_whole(folded, word) {
                            Some(found) => found as u64 * FOUND_UNIT,
                            None => {
                                Found::Scattered as u64 * FOUND_UNIT
                                    + u64::from(fuzzy).min(FUZZY_CAP)
                            }
                        };
                        Some(score + weight * FIELD_UNIT)
                    })
                    .max();
                match best {
                    Some(score) => total += score,
                    None => continue 'targets,
                }
            }
            scored.push((total, index));
        }
        // Best score first; favourites, recent and roster order break ties (and are the whole
        // order when only kind words, or nothing, were typed).
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(self.rank[a.1].cmp(&self.rank[b.1])));
        self.matches = scored.into_iter().map(|(_, index)| index).collect();
    }

    /// Marks the letters of target names that the filter matched, for the list to show them.
    /// `None` when no word to find is typed.
    pub fn highlighter(&self) -> Option<Highlighter> {
        let query = Query::parse(self.filter.value());
        (!query.words.is_empty()).then(|| Highlighter {
            atoms: query.atoms(),
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

/// How `word` is found whole in `field` (both folded), at its best; `None` when it is not.
fn find_whole(field: &str, word: &str) -> Option<Found> {
    if word.is_empty() {
        return None;
    }
    let is_word_char = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    field
        .match_indices(word)
        .map(|(at, _)| {
            let starts = !is_word_char(field[..at].chars().next_back());
            let ends = !is_word_char(field[at + word.len()..].chars().next());
            match (starts, ends) {
                (true, true) => Found::Word,
                (true, false) => Found::WordStart,
                _ => Found::Inside,
            }
        })
        .max()
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

    /// The floor: a Billing agent whose name holds t, e, c, h in order, Tech Support's
    /// agents and queue, and a Dana in each kind.
    fn floor() -> Roster {
        Roster::new(vec![
            Target::new(TargetKind::Agent, "a-1", "Tomás Echeverría").with_team("Billing"),
            Target::new(TargetKind::Agent, "a-2", "Aiko Tanaka").with_team("Tech Support"),
            Target::new(TargetKind::Agent, "a-3", "Dana Whitfield").with_team("Billing"),
            Target::new(TargetKind::Agent, "a-4", "Jamal Mwangi").with_team("Tech Support"),
            Target::new(TargetKind::Queue, "qu-1", "Billing"),
            Target::new(TargetKind::Queue, "qu-2", "Tech Support"),
            Target::new(TargetKind::Queue, "qu-3", "Dana's overflow"),
        ])
    }

    fn filtered(roster: &Roster, filter: &str) -> Vec<String> {
        let mut picker = Picker::new(roster, &[]);
        picker.filter.paste(filter);
        picker.refilter();
        names(&picker, roster)
    }

    #[test]
    fn tech_lists_tech_support_before_scattered_letters() {
        let roster = floor();
        assert_eq!(
            filtered(&roster, "tech"),
            [
                "Tech Support",
                "Aiko Tanaka",
                "Jamal Mwangi",
                "Tomás Echeverría"
            ],
            "the queue by its name, then the team's agents, then the letters in a name"
        );
        assert_eq!(
            filtered(&roster, "support")[..3],
            ["Tech Support", "Aiko Tanaka", "Jamal Mwangi"],
            "a whole word in a name, then in a team"
        );
        assert_eq!(
            filtered(&roster, "TOMAS")[0],
            "Tomás Echeverría",
            "case and accents aside"
        );
    }

    #[test]
    fn a_word_start_beats_a_word_inside_and_a_name_beats_a_team() {
        let roster = Roster::new(vec![
            Target::new(TargetKind::Agent, "a-1", "Bo Hart").with_team("Support"),
            Target::new(TargetKind::Agent, "a-2", "Art Vance").with_team("Sales"),
            Target::new(TargetKind::Agent, "a-3", "Mo Lee").with_team("Artists"),
        ]);
        assert_eq!(
            filtered(&roster, "art"),
            ["Art Vance", "Mo Lee", "Bo Hart"],
            "a word in a name, a word start in a team, letters inside a name"
        );
    }

    #[test]
    fn kind_words_narrow_to_that_kind() {
        let roster = floor();
        assert_eq!(filtered(&roster, "queue tech"), ["Tech Support"]);
        assert_eq!(filtered(&roster, "tech queue"), ["Tech Support"]);
        assert_eq!(filtered(&roster, "agent dana"), ["Dana Whitfield"]);
        assert_eq!(
            filtered(&roster, "Queues"),
            ["Billing", "Tech Support", "Dana's overflow"],
            "a kind word alone lists that kind in the usual order"
        );
        assert_eq!(
            filtered(&roster, "dana"),
            ["Dana Whitfield", "Dana's overflow"]
        );
        let mut picker = Picker::new(&roster, &[]);
        picker.filter.paste("queue");
        picker.refilter();
        assert!(picker.highlighter().is_none(), "nothing to mark in names");
    }

    #[test]
    fn who_is_free_in_tech_support() {
        let roster = floor();
        let mut picker = Picker::new(&roster, &[]);
        // Ctrl-o: the free agents and the active queues.
        picker.only(Some(
            ["a-1", "a-2", "a-3", "qu-1", "qu-2"]
                .map(String::from)
                .into_iter()
                .collect(),
        ));
        picker.filter.paste("tech");
        picker.refilter();
        assert_eq!(
            names(&picker, &roster),
            ["Tech Support", "Aiko Tanaka", "Tomás Echeverría"]
        );
        picker.filter.clear();
        picker.filter.paste("agent tech");
        picker.refilter();
        assert_eq!(names(&picker, &roster)[0], "Aiko Tanaka");
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
