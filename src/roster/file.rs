//! Reading the roster file. A malformed file is reported with its line and left untouched.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::check::{EntryCheck, Field};
use super::{Roster, Target};
use crate::ids::TargetKind;

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("cannot read roster file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("roster file {path}, line {line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoster {
    #[serde(default)]
    agents: Vec<RawTarget>,
    #[serde(default)]
    queues: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: Spanned<String>,
    name: Spanned<String>,
    team: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    favourite: bool,
    #[serde(default)]
    stale: bool,
    platform_name: Option<String>,
    platform_team: Option<String>,
}

/// A roster as loaded, with what looked odd but was accepted.
#[derive(Debug)]
pub struct Loaded {
    pub roster: Roster,
    /// Lines a supervisor should see, e.g. an id with an unusual shape, or no roster file yet.
    pub warnings: Vec<String>,
}

impl Loaded {
    /// What a new install has: no file yet, an empty roster and a hint where to put one.
    pub(super) fn missing(path: &Path) -> Self {
        Self {
            roster: Roster::default(),
            warnings: vec![format!(
                "no roster file at {}: add [[agents]] and [[queues]] there (see docs/configuration.md)",
                path.display()
            )],
        }
    }
}

impl Roster {
    /// Loads the roster at `path`. A missing file is an empty roster with a warning, so a new
    /// install opens; any other problem is an error and the file is left as it is.
    pub fn load(path: &Path) -> Result<Loaded, RosterError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Loaded::missing(path)),
            Err(source) => Err(RosterError::Unreadable {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses roster text; `path` names the file in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Loaded, RosterError> {
        Self::parse_as(text, path, Names::AsWritten).map(|(loaded, _)| loaded)
    }

    /// Parses roster text from outside (an import): names, teams and notes are cleaned of
    /// control and bidirectional characters instead of refused. Also returns how many targets
    /// were cleaned.
    pub(super) fn parse_cleaning(text: &str, path: &Path) -> Result<(Loaded, usize), RosterError> {
        Self::parse_as(text, path, Names::Cleaned)
    }

    fn parse_as(text: &str, path: &Path, names: Names) -> Result<(Loaded, usize), RosterError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let invalid = |offset: usize, message: String| RosterError::Invalid {
            path: path.to_owned(),
            line: line_of(offset),
            message,
        };
        let raw: RawRoster = toml::from_str(text).map_err(|error| {
            invalid(
                error.span().map_or(0, |span| span.start),
                error.message().trim().to_owned(),
            )
        })?;

        let mut targets = Vec::with_capacity(raw.agents.len() + raw.queues.len());
        let mut warnings = Vec::new();
        let mut cleaned = 0;
        let mut check = EntryCheck::default();
        let entries = (raw.agents.into_iter().map(|t| (TargetKind::Agent, t)))
            .chain(raw.queues.into_iter().map(|t| (TargetKind::Queue, t)));
        for (kind, entry) in entries {
            let id_offset = entry.id.span().start;
            let name_offset = entry.name.span().start;
            let mut target = Target {
                kind,
                id: entry.id.into_inner(),
                name: entry.name.into_inner(),
                team: entry.team,
                notes: entry.notes,
                favourite: entry.favourite,
                stale: entry.stale,
                platform_name: entry.platform_name,
                platform_team: entry.platform_team,
            };
            if names == Names::Cleaned && target.clean_text() {
                cleaned += 1;
            }
            let target = target.tidied();
            match check.check(&target, || format!("on line {}", line_of(id_offset))) {
                Err(problem) => {
                    let offset = match problem.field() {
                        Some(Field::Name) => name_offset,
                        _ => id_offset,
                    };
                    return Err(invalid(offset, problem.to_string()));
                }
                Ok(Some(warning)) => warnings.push(format!(
                    "roster file {}, line {}: {warning}",
                    path.display(),
                    line_of(id_offset)
                )),
                Ok(None) => {}
            }
            targets.push(target);
        }
        let loaded = Loaded {
            roster: Roster::new(targets),
            warnings,
        };
        Ok((loaded, cleaned))
    }
}

/// Whether names are taken as written (the supervisor's own file: a bad one is an error with
/// its line) or cleaned (text from outside, brought in by an import).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    AsWritten,
    Cleaned,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, RosterError> {
        Roster::parse(text, Path::new("roster.toml"))
    }

    #[test]
    fn agents_and_queues_load_in_order() {
        let loaded = parse(
            r#"
[[queues]]
id = "qu-b5d3bb4-a1ac-4caa-9be6-55a5abc3e2f1"
name = "Billing"

[[agents]]
id = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c"
name = "Dana Whitfield"
team = "Billing"
notes = ""
"#,
        )
        .unwrap();
        let targets = loaded.roster.targets();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].kind, TargetKind::Agent);
        assert_eq!(targets[0].team.as_deref(), Some("Billing"));
        assert_eq!(targets[0].notes, None);
        assert_eq!(targets[1].name, "Billing");
        assert!(loaded.warnings.is_empty());
    }

    #[test]
    fn a_duplicate_id_names_both_lines() {
        let error = parse(
            "[[agents]]\nid = \"a-1\"\nname = \"A\"\n[[agents]]\nid = \"a-1\"\nname = \"B\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("line 5"), "{error}");
        assert!(error.contains("already on line 2"), "{error}");
    }

    #[test]
    fn an_id_with_a_space_is_an_error_with_its_line() {
        let error = parse("[[queues]]\nname = \"Q\"\nid = \"qu 1\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 3"), "{error}");
        assert!(error.contains("contains a space"), "{error}");
    }

    #[test]
    fn an_odd_shaped_id_is_a_warning() {
        let loaded = parse("[[queues]]\nid = \"Qu-12\"\nname = \"Q\"\n").unwrap();
        assert_eq!(loaded.roster.targets().len(), 1);
        assert!(
            loaded.warnings[0].contains("line 2"),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let error = parse("[[agents]]\nid = \"a-1\"\nname = Dana\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 3"), "{error}");
    }

    #[test]
    fn unknown_keys_and_missing_names_are_errors() {
        let error = parse("[[agents]]\nid = \"a-1\"\nnmae = \"Dana\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("nmae"), "{error}");
        let error = parse("[[agents]]\nid = \"a-1\"\n").unwrap_err().to_string();
        assert!(error.contains("missing field `name`"), "{error}");
    }

    #[test]
    fn a_written_roster_reads_back_the_same() {
        let roster = super::super::sample();
        let loaded = parse(&roster.to_toml()).unwrap();
        assert_eq!(loaded.roster, roster);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn a_missing_file_is_an_empty_roster_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = Roster::load(&dir.path().join("roster.toml")).unwrap();
        assert!(loaded.roster.is_empty());
        assert!(loaded.warnings[0].contains("no roster file"));
    }
}
