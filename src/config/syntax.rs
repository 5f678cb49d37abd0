//! Turns a TOML error into a message with the line and table, without quoting secrets.

use std::path::Path;

use super::ConfigError;

/// Keys whose values must never be quoted back, even in a parse error.
const SECRET_KEYS: [&str; 2] = ["jwt", "client_secret"];

pub(super) fn describe(error: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let section = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| format!(", in {header}"))
        .unwrap_or_default();
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text.split('=').next().unwrap_or("").trim();
    let message = if SECRET_KEYS.contains(&key) {
        format!(
            "the value of {key} is not valid (not shown: it is a secret); expected a string in quotes"
        )
    } else {
        error.message().trim().to_owned()
    };
    ConfigError::Syntax {
        path: path.to_owned(),
        line,
        section,
        message,
    }
}
