//! Import and export: the roster as CSV (`kind,id,name,team,notes`) or in its own TOML format, so
//! a roster kept in a spreadsheet or another tool can be brought in and taken out.

use std::path::Path;

use super::check::{EntryCheck, Field};
use super::{Roster, Target};
use crate::ids::TargetKind;
use crate::terminal_safe::{csv_cell, csv_unguard};

pub const CSV_HEADER: [&str; 5] = ["kind", "id", "name", "team", "notes"];

/// Targets read from an import file, with the odd-looking ids found on the way.
#[derive(Debug)]
pub struct Imported {
    pub targets: Vec<Target>,
    pub warnings: Vec<String>,
    /// Targets whose name, team or notes came with control or bidirectional characters, kept
    /// without them.
    pub cleaned: usize,
}

/// What merging an import changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}, line {line}: {message}")]
pub struct ImportError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Reads `text` as CSV when the file is named `*.csv` or starts with the CSV header, else as the
/// roster's TOML format.
pub fn import(text: &str, path: &Path) -> Result<Imported, ImportError> {
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("kind,");
    if is_csv {
        import_csv(text, path)
    } else {
        Roster::parse_cleaning(text, path)
            .map(|(loaded, cleaned)| Imported {
                targets: loaded.roster.targets().to_vec(),
                warnings: loaded.warnings,
                cleaned,
            })
            .map_err(|error| match error {
                super::RosterError::Invalid { line, message, .. } => ImportError {
                    path: path.display().to_string(),
                    line,
                    message,
                },
                other => ImportError {
                    path: path.display().to_string(),
                    line: 0,
                    message: other.to_string(),
                },
            })
    }
}

fn import_csv(text: &str, path: &Path) -> Result<Imported, ImportError> {
    let error = |line: usize, message: String| ImportError {
        path: path.display().to_string(),
        line,
        message,
    };
    // A spreadsheet's byte-order mark is not part of the first column's name.
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| error(1, e.to_string()))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    if header != CSV_HEADER {
        return Err(error(
            1,
            format!(
                "expected the header {}, found {}",
                CSV_HEADER.join(","),
                header.join(",")
            ),
        ));
    }
    let mut targets = Vec::new();
    let mut warnings = Vec::new();
    let mut cleaned = 0;
    let mut check = EntryCheck::default();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            error(line, csv_problem(&e))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        // Cells this program exported carry a guard against spreadsheet formulas; it comes off.
        let field = |n: usize| csv_unguard(record.get(n).unwrap_or("")).to_owned();
        let kind = match field(0).to_ascii_lowercase().as_str() {
            "agent" => TargetKind::Agent,
            "queue" => TargetKind::Queue,
            other => {
                return Err(error(
                    line,
                    format!("kind: expected agent or queue, found {other:?}"),
                ));
            }
        };
        let mut target = Target::new(kind, field(1), field(2));
        target.team = Some(field(3));
        target.notes = Some(field(4));
        if target.clean_text() {
            cleaned += 1;
        }
        let target = target.tidied();
        match check.check(&target, || format!("on line {line}")) {
            Err(problem) => {
                let field = match problem.field() {
                    Some(Field::Name) => "name",
                    _ => "id",
                };
                return Err(error(line, format!("{field}: {problem}")));
            }
            Ok(Some(warning)) => warnings.push(format!("line {line}: {warning}")),
            Ok(None) => {}
        }
        targets.push(target);
    }
    Ok(Imported {
        targets,
        warnings,
        cleaned,
    })
}

fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields (kind,id,name,team,notes), found {len}"),
        csv::ErrorKind::Utf8 { .. } => "the line is not valid UTF-8 text".to_owned(),
        _ => error.to_string(),
    }
}

impl Roster {
    /// Brings imported targets in: new ids are added, known ids take the imported kind, name,
    /// team and notes and are no longer stale (favourites stay as they are).
    pub fn merge_import(&mut self, targets: Vec<Target>) -> Merged {
        let mut merged = Merged::default();
        for incoming in targets {
            match self.targets.iter_mut().find(|t| t.id == incoming.id) {
                Some(existing) => {
                    let before = existing.clone();
                    existing.kind = incoming.kind;
                    existing.name = incoming.name;
                    existing.team = incoming.team;
                    existing.notes = incoming.notes;
                    existing.stale = false;
                    if *existing == before {
                        merged.unchanged += 1;
                    } else {
                        merged.updated += 1;
                    }
                }
                None => {
                    self.targets.push(incoming);
                    merged.added += 1;
                }
            }
        }
        self.targets.sort_by_key(|t| t.kind);
        merged
    }

    /// The roster as CSV, every cell guarded so a spreadsheet shows it rather than runs it;
    /// [`import`] takes the guard off again.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let rows =
            std::iter::once(CSV_HEADER.map(str::to_owned)).chain(self.targets.iter().map(|t| {
                [
                    t.kind.label(),
                    &t.id,
                    &t.name,
                    t.team.as_deref().unwrap_or_default(),
                    t.notes.as_deref().unwrap_or_default(),
                ]
                .map(|cell| csv_cell(cell).into_owned())
            }));
        for row in rows {
            writer
                .write_record(&row)
                .expect("writing to memory cannot fail");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
            .expect("CSV of UTF-8 strings is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Imported, ImportError> {
        import(text, Path::new("team.csv"))
    }

    #[test]
    fn csv_round_trips() {
        let roster = super::super::sample();
        let imported = csv(&roster.to_csv()).unwrap();
        assert_eq!(imported.targets, roster.targets());
        assert!(imported.warnings.is_empty());
    }

    #[test]
    fn formulas_are_guarded_on_export_and_unguarded_on_import() {
        let mut roster = Roster::default();
        roster.targets.push(
            Target::new(TargetKind::Agent, "a-1", "=HYPERLINK(\"http://x\")").with_notes("@SUM(1)"),
        );
        let text = roster.to_csv();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("'@SUM(1)"), "{text}");
        let imported = csv(&text).unwrap();
        assert_eq!(imported.targets, roster.targets());
    }

    #[test]
    fn control_characters_are_cleaned_and_counted() {
        let imported = csv(
            "kind,id,name,team,notes\nagent,a-1,\"Dana\u{1b}]0;x\u{7}\",Billing,\"Fr\u{202e}ench\"\nagent,a-2,Sam,,\n",
        )
        .unwrap();
        assert_eq!(imported.cleaned, 1);
        assert_eq!(imported.targets[0].name, "Dana]0;x");
        assert_eq!(imported.targets[0].notes.as_deref(), Some("French"));
        let toml = import(
            "[[agents]]\nid = \"a-1\"\nname = \"Dana\\u001b[2J\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(
            (toml.cleaned, toml.targets[0].name.as_str()),
            (1, "Dana[2J")
        );
    }

    #[test]
    fn quoted_commas_and_a_byte_order_mark_are_fine() {
        let imported = csv(
            "\u{feff}kind,id,name,team,notes\nagent,a-1,\"Ortiz, Sam\",Tech,\"Spanish, French\"\n",
        )
        .unwrap();
        assert_eq!(imported.targets[0].name, "Ortiz, Sam");
        assert_eq!(
            imported.targets[0].notes.as_deref(),
            Some("Spanish, French")
        );
        assert!(imported.warnings[0].starts_with("line 2:"));
    }

    #[test]
    fn every_bad_line_is_named() {
        let header = "kind,id,name,team,notes\n";
        let cases = [
            (
                "kind,id,name\nagent,a-1,Dana\n",
                "line 1: expected the header kind,id,name,team,notes",
            ),
            (
                &format!("{header}agent,a-1,Dana,,\nperson,a-2,Sam,,\n") as &str,
                "line 3: kind: expected agent or queue, found \"person\"",
            ),
            (
                &format!("{header}agent,a-1,Dana,,\nagent,a 2,Sam,,\n"),
                "line 3: id: agent id \"a 2\": the id contains a space",
            ),
            (
                &format!("{header}agent,,Dana,,\n"),
                "line 2: id: agent id \"\": the id is empty",
            ),
            (
                &format!("{header}agent,a-1,,,\n"),
                "line 2: name: agent a-1: expected a name",
            ),
            (
                &format!("{header}agent,a-1,Dana,,\nqueue,a-1,Q,,\n"),
                "line 3: id: id a-1 is already on line 2; each id may appear once",
            ),
            (
                &format!("{header}agent,a-1,Dana\n"),
                "line 2: expected 5 fields",
            ),
        ];
        for (text, expected) in cases {
            let error = csv(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected}: {error}");
            assert!(error.starts_with("team.csv"), "{error}");
        }
    }

    #[test]
    fn toml_imports_report_their_line() {
        let error = import("[[agents]]\nid = \"a-1\"\n", Path::new("x.toml")).unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("missing field `name`"));
    }

    #[test]
    fn merging_adds_and_updates_and_keeps_favourites() {
        let mut roster = Roster::default();
        let mut dana = Target::new(TargetKind::Agent, "a-1", "Dana");
        dana.favourite = true;
        roster.targets.push(dana);
        let merged = roster.merge_import(vec![
            Target::new(TargetKind::Agent, "a-1", "Dana Whitfield"),
            Target::new(TargetKind::Queue, "qu-1", "Billing"),
        ]);
        assert_eq!(
            merged,
            Merged {
                added: 1,
                updated: 1,
                unchanged: 0
            }
        );
        assert!(roster.find("a-1").unwrap().favourite);
        assert_eq!(roster.find("a-1").unwrap().name, "Dana Whitfield");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Text a spreadsheet cell could hold: formulas, quotes, commas, escapes, bidi, anything.
        fn cell() -> impl Strategy<Value = String> {
            "([-=+@'\",]|[a-zA-Z ]|\u{1b}|\u{7}|\u{202e}|.){0,16}"
        }

        proptest! {
            /// Any text at all is either imported or refused with its line; never a panic.
            #[test]
            fn any_text_imports_or_says_where(text in "(.|\n|,|\"){0,200}") {
                match csv(&format!("kind,id,name,team,notes\n{text}")) {
                    Ok(imported) => prop_assert!(imported.targets.iter().all(|t| !t.name.chars().any(crate::terminal_safe::is_unsafe))),
                    Err(error) => prop_assert!(error.to_string().starts_with("team.csv, line ")),
                }
            }

            /// What an import keeps, an export gives back guarded and a second import reads
            /// back exactly.
            #[test]
            fn export_then_import_is_the_same_roster(name in cell(), team in cell(), notes in cell()) {
                let mut writer = ::csv::Writer::from_writer(Vec::new());
                writer.write_record(CSV_HEADER).unwrap();
                writer.write_record(["agent", "a-1111111-0000-4000-8000-000000000001", &format!("x{name}"), &team, &notes]).unwrap();
                let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
                let first = csv(&text).unwrap();
                let roster = Roster::new(first.targets.clone());
                let exported = roster.to_csv();
                prop_assert!(exported.lines().skip(1).all(|row| !row.starts_with(FORMULA)));
                let again = csv(&exported).unwrap();
                prop_assert_eq!(again.targets, first.targets);
            }
        }

        const FORMULA: [char; 4] = ['=', '+', '-', '@'];
    }
}
