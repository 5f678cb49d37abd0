//! Finding a target from what a script or a person typed: an id, or a name.

use super::{Roster, Target};
use crate::ids::{TargetIdError, TargetKind, check_target_id};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{kind} {query:?}: {problem}")]
    BadId {
        kind: TargetKind,
        query: String,
        problem: TargetIdError,
    },
    #[error("{query:?} matches {} {kind}s: {}; give the id instead", candidates.len(), list(candidates))]
    Ambiguous {
        kind: TargetKind,
        query: String,
        candidates: Vec<Target>,
    },
    #[error("no {kind} named {query:?} in the roster{}", suggestion(candidates, *other_kind_match))]
    Unknown {
        kind: TargetKind,
        query: String,
        candidates: Vec<Target>,
        other_kind_match: bool,
    },
}

fn list(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| format!("{} ({})", t.name, t.id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn suggestion(candidates: &[Target], other_kind_match: bool) -> String {
    let mut text = String::new();
    if other_kind_match {
        text.push_str("; a target of the other kind has that name (use --agent or --queue)");
    }
    if !candidates.is_empty() {
        text.push_str("; did you mean: ");
        text.push_str(&list(candidates));
    }
    text
}

/// A resolved target, and a warning when it is an id the roster does not list.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub target: Target,
    pub warning: Option<String>,
}

/// How many near names an "unknown" error offers.
const MAX_CANDIDATES: usize = 8;

impl Roster {
    /// Finds the `kind` target that `query` names: an id in the roster, an id-shaped value not in
    /// it (sent as typed, with a warning), or a name matched without regard to case.
    pub fn resolve(&self, kind: TargetKind, query: &str) -> Result<Resolved, ResolveError> {
        let query = query.trim();
        let of_kind = || self.targets.iter().filter(move |t| t.kind == kind);
        if let Some(target) = of_kind().find(|t| t.id == query) {
            return Ok(Resolved {
                target: target.clone(),
                warning: None,
            });
        }
        let named: Vec<Target> = of_kind()
            .filter(|t| same_name(&t.name, query))
            .cloned()
            .collect();
        match named.len() {
            1 => {
                return Ok(Resolved {
                    target: named.into_iter().next().expect("one match"),
                    warning: None,
                });
            }
            n if n > 1 => {
                return Err(ResolveError::Ambiguous {
                    kind,
                    query: query.to_owned(),
                    candidates: named,
                });
            }
            _ => {}
        }
        if looks_like_an_id(kind, query) {
            let shape_warning =
                check_target_id(kind, query).map_err(|problem| ResolveError::BadId {
                    kind,
                    query: query.to_owned(),
                    problem,
                })?;
            let mut warning =
                format!("{kind} {query} is not in the roster; sending the id as typed");
            if let Some(shape) = shape_warning {
                warning = format!("{warning} ({shape})");
            }
            return Ok(Resolved {
                target: Target::unlisted(kind, query),
                warning: Some(warning),
            });
        }
        let lowered = query.to_lowercase();
        let candidates: Vec<Target> = of_kind()
            .filter(|t| {
                let name = t.name.to_lowercase();
                name.contains(&lowered) || lowered.contains(&name)
            })
            .take(MAX_CANDIDATES)
            .cloned()
            .collect();
        let candidates = if candidates.is_empty() {
            of_kind().take(MAX_CANDIDATES).cloned().collect()
        } else {
            candidates
        };
        Err(ResolveError::Unknown {
            kind,
            query: query.to_owned(),
            other_kind_match: self
                .targets
                .iter()
                .any(|t| t.kind != kind && same_name(&t.name, query)),
            candidates,
        })
    }
}

/// An id starts with its kind's prefix; anything else is taken for a name.
fn looks_like_an_id(kind: TargetKind, query: &str) -> bool {
    let lowered = query.to_ascii_lowercase();
    match kind {
        TargetKind::Agent => lowered.starts_with("a-"),
        TargetKind::Queue => lowered.starts_with("qu-"),
    }
}

/// Names compared without regard to case in any script: "TOMÁS" is "Tomás".
fn same_name(name: &str, query: &str) -> bool {
    name.chars()
        .flat_map(char::to_lowercase)
        .eq(query.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: TargetKind, id: &str, name: &str) -> Target {
        Target::new(kind, id, name)
    }

    fn roster() -> Roster {
        Roster::new(vec![
            target(
                TargetKind::Agent,
                "a-1111111-0000-4000-8000-000000000001",
                "Dana Whitfield",
            ),
            target(
                TargetKind::Agent,
                "a-1111111-0000-4000-8000-000000000002",
                "Sam Ortiz",
            ),
            target(
                TargetKind::Agent,
                "a-1111111-0000-4000-8000-000000000003",
                "Sam Ortiz",
            ),
            target(
                TargetKind::Queue,
                "qu-1111111-0000-4000-8000-000000000004",
                "Billing",
            ),
        ])
    }

    #[test]
    fn names_match_without_case() {
        let resolved = roster()
            .resolve(TargetKind::Agent, " dana WHITFIELD ")
            .unwrap();
        assert_eq!(resolved.target.id, "a-1111111-0000-4000-8000-000000000001");
        assert!(resolved.warning.is_none());
    }

    #[test]
    fn names_match_without_regard_to_case_beyond_ascii() {
        let roster = Roster::new(vec![Target::new(
            TargetKind::Agent,
            "a-1111111-0000-4000-8000-000000000009",
            "Tomás Echeverría",
        )]);
        let resolved = roster
            .resolve(TargetKind::Agent, "TOMÁS ECHEVERRÍA")
            .unwrap();
        assert_eq!(resolved.target.name, "Tomás Echeverría");
    }

    #[test]
    fn ids_match_exactly() {
        let resolved = roster()
            .resolve(TargetKind::Queue, "qu-1111111-0000-4000-8000-000000000004")
            .unwrap();
        assert_eq!(resolved.target.name, "Billing");
    }

    #[test]
    fn an_ambiguous_name_lists_the_candidates() {
        let error = roster()
            .resolve(TargetKind::Agent, "sam ortiz")
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("matches 2 agents"), "{text}");
        assert!(
            text.contains("000000000002") && text.contains("000000000003"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_name_suggests_near_ones() {
        let text = roster()
            .resolve(TargetKind::Agent, "Dana")
            .unwrap_err()
            .to_string();
        assert!(text.contains("no agent named \"Dana\""), "{text}");
        assert!(text.contains("did you mean: Dana Whitfield"), "{text}");
    }

    #[test]
    fn a_name_of_the_other_kind_is_pointed_out() {
        let text = roster()
            .resolve(TargetKind::Agent, "billing")
            .unwrap_err()
            .to_string();
        assert!(text.contains("other kind"), "{text}");
    }

    #[test]
    fn an_unlisted_id_is_sent_with_a_warning() {
        let resolved = roster()
            .resolve(TargetKind::Agent, "a-2222222-0000-4000-8000-000000000009")
            .unwrap();
        assert!(resolved.warning.unwrap().contains("not in the roster"));
        let error = roster()
            .resolve(TargetKind::Queue, "qu-\u{1b}x")
            .unwrap_err();
        assert!(matches!(error, ResolveError::BadId { .. }));
    }
}
