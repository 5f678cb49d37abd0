//! `handoff roster …`: the roster from the command line, for scripts and for people who prefer
//! it. Every change goes through the same safe save as the console's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::output::{err, finish, out, out_json, out_raw};
use super::setup::{Callbacks, Setup, SetupError};
use super::{EXIT_BAD_INPUT, EXIT_PLATFORM_FAILED, GlobalArgs};
use crate::ids::TargetKind;
use crate::roster::{EditError, Roster, RosterChange, RosterStore, Shape, Target, import};

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
    /// Bring in every agent and queue the platform lists (needs the full config)
    ///
    /// New targets are added and names the platform changed are followed; names you chose,
    /// notes and favourites are kept; targets the platform no longer lists are marked stale,
    /// never deleted. Exit codes: 0 synced; 1 the platform failed; 2 bad config or roster.
    Sync,
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

pub async fn run(global: &GlobalArgs, args: RosterArgs) -> ExitCode {
    let result = match args.command {
        RosterCommand::Sync => sync(global).await,
        RosterCommand::List { json } => list(global, json),
        RosterCommand::Export { format } => export(global, format),
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
            change(global, |_| Ok(RosterChange::Add(target, shape)), "to")
        }
        RosterCommand::Remove { target } => change(
            global,
            |roster| find_one(roster, &target).map(RosterChange::Remove),
            "from",
        ),
        RosterCommand::Import { file, force } => import_file(global, &file, force),
    };
    finish(result)
}

async fn sync(global: &GlobalArgs) -> Result<(), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    if global.demo {
        return Err(bad_input(SetupError::DemoSync.to_string()));
    }
    let mut setup = Setup::prepare(global, Callbacks::Ignore)
        .await
        .map_err(|e| bad_input(e.to_string()))?;
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let listing = setup.reads.listing().await.map_err(|e| {
        (
            EXIT_PLATFORM_FAILED,
            format!("could not read the platform's lists: {e}; the roster is unchanged"),
        )
    })?;
    for note in &listing.notes {
        err!("note: {note}");
    }
    let saved = setup
        .store
        .update(|roster| Ok::<_, EditError>(roster.merge_sync(listing.targets)))
        .map_err(|e| bad_input(e.to_string()))?;
    out!(
        "synced {} with the platform: {}",
        setup.store.path().display(),
        saved.value
    );
    Ok(())
}

fn open(global: &GlobalArgs) -> Result<(RosterStore, Roster), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    let path = Setup::roster_path(global).map_err(|e| bad_input(e.to_string()))?;
    let (store, loaded) = RosterStore::open(&path).map_err(|e| bad_input(e.to_string()))?;
    Ok((store, loaded.roster))
}

fn list(global: &GlobalArgs, json: bool) -> Result<(), (u8, String)> {
    let (_, roster) = open(global)?;
    if json {
        out_json!(list_json(&roster));
    } else {
        out_raw!("{}", table(&roster));
    }
    Ok(())
}

fn export(global: &GlobalArgs, format: Format) -> Result<(), (u8, String)> {
    let (_, roster) = open(global)?;
    match format {
        Format::Csv => out_raw!("{}", roster.to_csv()),
        Format::Toml => out_raw!("{}", roster.to_toml()),
    }
    Ok(())
}

/// One change, worked out from the roster as loaded, saved, and reported with `preposition`
/// and the file ("added agent … to …/roster.toml").
fn change(
    global: &GlobalArgs,
    decide: impl FnOnce(&Roster) -> Result<RosterChange, String>,
    preposition: &str,
) -> Result<(), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    let (mut store, roster) = open(global)?;
    let change = decide(&roster).map_err(bad_input)?;
    let saved = store
        .update(|roster| change.apply(roster))
        .map_err(|e| bad_input(e.to_string()))?;
    out!("{} {preposition} {}", saved.value, store.path().display());
    Ok(())
}

fn import_file(global: &GlobalArgs, file: &Path, force: bool) -> Result<(), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    let text = std::fs::read_to_string(file)
        .map_err(|e| bad_input(format!("cannot read {}: {e}", file.display())))?;
    let imported = import(&text, file).map_err(|e| bad_input(e.to_string()))?;
    if !imported.warnings.is_empty() && !force {
        return Err(bad_input(format!(
            "{}: some ids look unlike the platform's usual shape:\n  {}\nimport anyway with --force if they are right",
            file.display(),
            imported.warnings.join("\n  ")
        )));
    }
    let (mut store, _) = open(global)?;
    let saved = store
        .update(|roster| Ok::<_, EditError>(roster.merge_import(imported.targets)))
        .map_err(|e| bad_input(e.to_string()))?;
    let merged = saved.value;
    out!(
        "imported {} into {}: added {}, updated {}, unchanged {}",
        file.display(),
        store.path().display(),
        merged.added,
        merged.updated,
        merged.unchanged
    );
    if imported.cleaned > 0 {
        out!(
            "{} target(s) came with control characters in a name, team or notes, kept without them",
            imported.cleaned
        );
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
