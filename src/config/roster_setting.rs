//! The one setting the roster commands need, read without checking the rest of the config: a
//! supervisor managing the roster should not need the platform credentials at hand.

use std::path::{Path, PathBuf};

use super::{ConfigError, resolve_beside, syntax};

/// `[roster] file` from the config at `path`, resolved beside it; `Ok(None)` when there is no
/// config file or it does not set one.
pub fn roster_file_setting(path: &Path) -> Result<Option<PathBuf>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Unreadable {
                path: path.to_owned(),
                source,
            });
        }
    };
    let table: toml::Table =
        toml::from_str(&text).map_err(|error| syntax::describe(&error, &text, path))?;
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
