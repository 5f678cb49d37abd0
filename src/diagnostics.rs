//! Diagnostics for a bug report, off unless asked for: with `HANDOFF_LOG` set (a level such as
//! `debug`, or targets with levels such as `handoff::platform=debug`) or `--log-file PATH`,
//! every message through the console's loop, every platform call with its status and timing,
//! and every wait for the rate budget go to a file. Never to the terminal, where the console
//! draws, and never a secret: the events carry methods, paths, statuses, sizes and kinds, not
//! headers or bodies.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The environment variable that turns diagnostics on and says how much.
pub const LOG_ENV: &str = "HANDOFF_LOG";

/// The file diagnostics go to, in the data folder, when `--log-file` does not name one.
pub const LOG_FILE_NAME: &str = "handoff.log";

/// How much is written when only `--log-file` asks for diagnostics.
const DEFAULT_LEVEL: &str = "debug";

#[derive(Debug, thiserror::Error)]
pub enum DiagnosticsError {
    #[error(
        "{LOG_ENV}={value:?} is not a level (error, warn, info, debug, trace) or a filter: {reason}"
    )]
    Filter { value: String, reason: String },
    #[error("cannot open the diagnostics file {path} (--log-file): {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Starts writing diagnostics if `filter` (the value of [`LOG_ENV`]) or `log_file` asks for
/// them, to `log_file` or else to [`LOG_FILE_NAME`] in `data_dir`. Returns the file written to,
/// if any.
pub fn start(
    filter: Option<&str>,
    log_file: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<Option<PathBuf>, DiagnosticsError> {
    let filter = filter.map(str::trim).filter(|f| !f.is_empty());
    let path = match (filter, log_file) {
        (None, None) => return Ok(None),
        (_, Some(path)) => path.to_owned(),
        (Some(_), None) => data_dir
            .unwrap_or_else(|| Path::new("."))
            .join(LOG_FILE_NAME),
    };
    let filter = filter.unwrap_or(DEFAULT_LEVEL);
    let targets = parse_filter(filter).map_err(|reason| DiagnosticsError::Filter {
        value: filter.to_owned(),
        reason,
    })?;
    let file = open(&path).map_err(|source| DiagnosticsError::File {
        path: path.clone(),
        source,
    })?;
    // Another subscriber already set (tests running in one process) keeps its place.
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(Mutex::new(file)),
        )
        .with(targets)
        .try_init();
    Ok(Some(path))
}

/// A level, or targets with levels (`handoff::platform=debug,warn`). A lone word must be a
/// level: as a target it would name a module, and a typo would turn everything off unseen.
fn parse_filter(filter: &str) -> Result<Targets, String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let directive = filter.contains(['=', ',']);
    if !directive && !LEVELS.contains(&filter.to_ascii_lowercase().as_str()) {
        return Err("a lone word must be a level".into());
    }
    filter
        .parse()
        .map_err(|error: tracing_subscriber::filter::ParseError| error.to_string())
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::parse_filter;

    #[test]
    fn a_level_or_targets_with_levels_and_nothing_else() {
        assert!(parse_filter("debug").is_ok());
        assert!(parse_filter("TRACE").is_ok());
        assert!(parse_filter("handoff::platform=debug,warn").is_ok());
        assert!(parse_filter("loud").is_err(), "a lone word must be a level");
        assert!(parse_filter("handoff=loud").is_err());
    }
}
