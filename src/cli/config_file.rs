//! `handoff config init` writes a starting config from the built-in example; `handoff config
//! path` says where handoff looks for its config, in order, and which place it uses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::output::{err, out};
use super::{EXIT_BAD_INPUT, GlobalArgs};
use crate::config::{EXAMPLE, PLACEHOLDER, default_config_path, default_data_dir};

/// The environment variable that names the config file, as `--config` does.
pub const CONFIG_ENV: &str = "HANDOFF_CONFIG";
/// The environment variable that names the data folder, as `--data-dir` does.
pub const DATA_DIR_ENV: &str = "HANDOFF_DATA_DIR";

/// Exit code when the file could not be written (a folder that cannot be made, a full disk).
const EXIT_NOT_WRITTEN: u8 = 1;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Write the commented example config, for you to fill in
    ///
    /// The same text as config.example.toml, readable by you alone (mode 600), in the place
    /// handoff reads (see `handoff config path`) or at --path; missing folders are made. Its ids
    /// are placeholders (FILL-IN) that stop handoff, naming the key, until you replace them.
    /// An existing file is never overwritten. Exit codes: 0 written; 1 it could not be written;
    /// 2 a file is already there (nothing written).
    Init {
        /// Write here instead of where handoff reads its config
        #[arg(long, value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Print every place handoff looks for its config, in order, and which one it uses
    Path,
}

/// Where the config file's path came from: `--config`, `HANDOFF_CONFIG`, or neither (then the
/// platform's default place).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConfigSource {
    Flag,
    Environment,
    #[default]
    Default,
}

pub fn run(global: &GlobalArgs, args: &ConfigArgs) -> ExitCode {
    match &args.command {
        ConfigCommand::Init { path } => init(global, path.as_deref()),
        ConfigCommand::Path => path(global),
    }
}

fn init(global: &GlobalArgs, path: Option<&Path>) -> ExitCode {
    let Some(path) = path
        .map(Path::to_owned)
        .or_else(|| global.config.clone())
        .or_else(default_config_path)
    else {
        err!("error: no place for the config: give --path (no home folder found)");
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    match write_new_private(&path, EXAMPLE) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            err!(
                "error: {} already exists: nothing was written (handoff never overwrites a config; move it away, or give another --path)",
                path.display()
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(error) => {
            err!("error: cannot write {}: {error}", path.display());
            return ExitCode::from(EXIT_NOT_WRITTEN);
        }
    }
    out!(
        "wrote the example config to {} (readable by you alone)",
        path.display()
    );
    out!(
        "next: replace each {PLACEHOLDER} in [platform] and [auth] with your app's ids, set [callback] url, and put the client secret in HANDOFF_CLIENT_SECRET (or where [auth] says)"
    );
    let read_there = global.config.clone().or_else(default_config_path);
    if read_there.as_deref() != Some(path.as_path()) {
        out!(
            "handoff reads it when told: --config {} or {CONFIG_ENV}={}",
            path.display(),
            path.display()
        );
    }
    ExitCode::SUCCESS
}

/// Writes `text` to a new file at `path`, readable and writable by its owner alone, making the
/// missing folders (readable by the owner alone too). An existing file is left as it was
/// (`AlreadyExists`); a file left half written is removed.
fn write_new_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut folders = std::fs::DirBuilder::new();
        folders.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folders, 0o700);
        folders.create(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let written = (|| {
        // Exactly 600 whatever the umask took away.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

fn path(global: &GlobalArgs) -> ExitCode {
    let from_env = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty());
    let default = default_config_path();
    let flag = match global.config_from {
        ConfigSource::Flag => global.config.clone(),
        _ => None,
    };
    let shown = |path: Option<&Path>, unset: &str| match path {
        Some(path) => format!("{} ({})", path.display(), exists(path)),
        None => unset.to_owned(),
    };
    let used = global.config_from;
    let mark = |source: ConfigSource| if source == used { "*" } else { " " };
    out!("handoff looks for its config in this order, and uses the first one given (*):");
    out!(
        "{} 1. --config          {}",
        mark(ConfigSource::Flag),
        shown(flag.as_deref(), "not given")
    );
    out!(
        "{} 2. {CONFIG_ENV}    {}",
        mark(ConfigSource::Environment),
        shown(from_env.as_deref().map(Path::new), "not set")
    );
    out!(
        "{} 3. default place     {}",
        mark(ConfigSource::Default),
        shown(default.as_deref(), "none: no home folder found")
    );
    match global.config.clone().or(default) {
        Some(path) if path.exists() => out!("uses {}", path.display()),
        Some(path) => out!(
            "uses {}, which does not exist yet: `handoff config init` writes a starting one there",
            path.display()
        ),
        None => out!("uses none: give --config or {CONFIG_ENV}"),
    }
    let data_dir = global.data_dir.clone().or_else(default_data_dir);
    match data_dir {
        Some(dir) => out!(
            "data folder (--data-dir, {DATA_DIR_ENV}, or the default place): {} ({})",
            dir.display(),
            exists(&dir)
        ),
        None => out!("data folder: none: give --data-dir or {DATA_DIR_ENV}"),
    }
    ExitCode::SUCCESS
}

fn exists(path: &Path) -> &'static str {
    if path.exists() { "exists" } else { "not there" }
}
