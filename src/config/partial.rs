//! Single settings read without checking the rest of the config: a supervisor managing the
//! roster or reading the history should not need the platform credentials at hand.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::keys::{KeysTable, RawKeys};
use super::raw::RawUi;
use super::{CONFIRM_WITHIN_RANGE, ConfigError, DEFAULT_CONFIRM_WITHIN, resolve_beside, syntax};

/// How the console looks and answers, apart from the account: `[keys]` as written, and `[ui]`'s
/// settings where the file gives them.
#[derive(Debug, Clone)]
pub struct ConsoleLook {
    pub keys: KeysTable,
    pub bell: Option<bool>,
    pub mouse: Option<bool>,
}

/// `[keys]` and `[ui]` only; every other table is left unread.
#[derive(Deserialize)]
struct LookOnly {
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    keys: RawKeys,
}

/// `[keys]` and `[ui]` from the config at `path`, checked as the whole file would check them,
/// the rest of it unread (demo mode has its own account); `Ok(None)` when there is no file.
pub fn console_look(path: &Path) -> Result<Option<ConsoleLook>, ConfigError> {
    let Some(text) = text_if_any(path)? else {
        return Ok(None);
    };
    let look: LookOnly =
        toml::from_str(&text).map_err(|error| syntax::describe(&error, &text, path))?;
    Ok(Some(ConsoleLook {
        keys: look.keys.placed(&text, path),
        bell: look.ui.bell,
        mouse: look.ui.mouse,
    }))
}

/// The text of the config file at `path`; `Ok(None)` when there is no file.
fn text_if_any(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Unreadable {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The config file at `path` as a bare table; `Ok(None)` when there is no file.
fn table(path: &Path) -> Result<Option<toml::Table>, ConfigError> {
    let Some(text) = text_if_any(path)? else {
        return Ok(None);
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|error| syntax::describe(&error, &text, path))
}

/// `[roster] file` from the config at `path`, resolved beside it; `Ok(None)` when there is no
/// config file or it does not set one.
pub fn roster_file_setting(path: &Path) -> Result<Option<PathBuf>, ConfigError> {
    let Some(table) = table(path)? else {
        return Ok(None);
    };
    match table.get("roster").and_then(|r| r.get("file")) {
        None => Ok(None),
        Some(toml::Value::String(file)) if !file.trim().is_empty() => {
            Ok(Some(resolve_beside(path, file)))
        }
        Some(_) => Err(ConfigError::Invalid {
            path: path.to_owned(),
            key: "roster.file",
            expected: "expected a file path in quotes".into(),
        }),
    }
}

/// `[callback] confirm_within` from the config at `path`, or the default when there is no
/// config file or it does not set one.
pub fn confirm_within_setting(path: &Path) -> Result<Duration, ConfigError> {
    let Some(table) = table(path)? else {
        return Ok(DEFAULT_CONFIRM_WITHIN);
    };
    let (low, high) = CONFIRM_WITHIN_RANGE;
    match table.get("callback").and_then(|c| c.get("confirm_within")) {
        None => Ok(DEFAULT_CONFIRM_WITHIN),
        Some(toml::Value::Integer(secs))
            if (low..=high).contains(&secs.unsigned_abs()) && *secs > 0 =>
        {
            Ok(Duration::from_secs(secs.unsigned_abs()))
        }
        Some(_) => Err(ConfigError::Invalid {
            path: path.to_owned(),
            key: "callback.confirm_within",
            expected: format!("expected a number of seconds from {low} to {high}"),
        }),
    }
}
