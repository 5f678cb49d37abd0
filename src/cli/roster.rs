//! `handoff roster …`: the roster from the command line, for scripts and for people who prefer
//! it. Every change goes through the same safe save as the console's.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::setup::Setup;
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::ids::TargetKind;
use crate::roster::{EditError, Roster, RosterStore, Shape, Target, import};

#[derive(Debug, Args)]
pub struct RosterArgs {
    #[command(subcommand)]
    command: RosterCommand,
}

#[derive(Debug, Subcommand)]
enum RosterCommand {
    /// Print every target
    List {
        /// One JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Add an agent or a queue
    Add {
        kind: KindArg,
        id: String,
        name: String,
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// Add it even if the id does not look like the platform's usual shape
        #[arg(long)]
        force: bool,
    },
    /// Remove a target by id or by name
    Remove {
        #[arg(value_name = "ID_OR_NAME")]
        target: String,
    },
    /// Add and update targets from a CSV file (kind,id,name,team,notes) or a roster TOML file
    Import {
        file: PathBuf,
        /// Import even if some ids do not look like the platform's usual shape
        #[arg(long)]
        force: bool,
    },
    /// Print the roster to stdout
    Export {
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Agent,
    Queue,
}

impl From<KindArg> for TargetKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Agent => TargetKind::Agent,
            KindArg::Queue => TargetKind::Queue,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Toml,
}

pub fn run(global: &GlobalArgs, args: RosterArgs) -> ExitCode {
    match execute(global, args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn execute(global: &GlobalArgs, command: RosterCommand) -> Result<(), String> {
    let path = Setup::roster_path(global).map_err(|e| e.to_string())?;
    let (mut store, loaded) = RosterStore::open(&path).map_err(|e| e.to_string())?;
    let roster = loaded.roster;
    match command {
        RosterCommand::List { json } => {
            if json {
                println!("{}", list_json(&roster));
            } else {
                print!("{}", table(&roster));
            }
        }
        RosterCommand::Export { format } => match format {
            Format::Csv => print!("{}", roster.to_csv()),
            Format::Toml => print!("{}", roster.to_toml()),
        },
        RosterCommand::Add {
            kind,
            id,
            name,
            team,
            notes,
            force,
        } => {
            let mut target = Target::new(kind.into(), id, name);
            target.team = team;
            target.notes = notes;
            let shape = if force { Shape::Forced } else { Shape::Checked };
            let saved = store
                .update(|roster| {
                    roster.add(target.clone(), shape)?;
                    Ok(roster.find(target.id.trim()).cloned())
                })
                .map_err(|e| e.to_string())?;
            if let Some(added) = saved.value {
                println!("added {added} to {}", path.display());
            }
        }
        RosterCommand::Remove { target } => {
            let id = find_one(&roster, &target)?;
            let removed = store
                .update(|roster| roster.remove(&id))
                .map_err(|e| e.to_string())?;
            println!("removed {} from {}", removed.value, path.display());
        }
        RosterCommand::Import { file, force } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let imported = import(&text, &file).map_err(|e| e.to_string())?;
            if !imported.warnings.is_empty() && !force {
                return Err(format!(
                    "{}: some ids look unlike the platform's usual shape:\n  {}\nimport anyway with --force if they are right",
                    file.display(),
                    imported.warnings.join("\n  ")
                ));
            }
            let saved = store
                .update(|roster| Ok::<_, EditError>(roster.merge_import(imported.targets)))
                .map_err(|e| e.to_string())?;
            let merged = saved.value;
            println!(
                "imported {} into {}: added {}, updated {}, unchanged {}",
                file.display(),
                path.display(),
                merged.added,
                merged.updated,
                merged.unchanged
            );
        }
    }
    Ok(())
}

/// The id of the one target `query` names: an exact id, or a name of either kind.
fn find_one(roster: &Roster, query: &str) -> Result<String, String> {
    let query = query.trim();
    if let Some(target) = roster.find(query) {
        return Ok(target.id.clone());
    }
    let named: Vec<&Target> = roster
        .targets()
        .iter()
        .filter(|t| t.name.eq_ignore_ascii_case(query))
        .collect();
    match named.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(format!(
            "no target with the id or name {query:?} in the roster"
        )),
        many => Err(format!(
            "{query:?} names {} targets: {}; give the id instead",
            many.len(),
            many.iter()
                .map(|t| format!("{t}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn list_json(roster: &Roster) -> serde_json::Value {
    roster
        .targets()
        .iter()
        .map(|t| {
            json!({
                "kind": t.kind,
                "id": t.id,
                "name": t.name,
                "team": t.team,
                "notes": t.notes,
                "favourite": t.favourite,
                "stale": t.stale,
            })
        })
        .collect()
}

/// A plain table: kind, name, team, id and marks, one target per line.
fn table(roster: &Roster) -> String {
    if roster.is_empty() {
        return "the roster is empty\n".to_owned();
    }
    let name_width = roster
        .targets()
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let team_width = roster
        .targets()
        .iter()
        .map(|t| t.team.as_deref().unwrap_or("").chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "KIND   {:name_width$}  {:team_width$}  ID\n",
        "NAME", "TEAM"
    );
    for t in roster.targets() {
        let mut marks = String::new();
        if t.favourite {
            marks.push_str("  ★ favourite");
        }
        if t.stale {
            marks.push_str("  ! stale (no longer on the platform)");
        }
        out.push_str(&format!(
            "{:<6} {:name_width$}  {:team_width$}  {}{marks}\n",
            t.kind.label(),
            t.name,
            t.team.as_deref().unwrap_or(""),
            t.id
        ));
    }
    out
}
