//! Turns a TOML error into a message with the line and table, without quoting secrets.

use std::path::Path;

use super::ConfigError;

/// Keys whose values must never be quoted back, even in a parse error.
const SECRET_KEYS: [&str; 2] = ["jwt", "client_secret"];

/// The line, counted from 1, of the byte at `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    before.matches('\n').count() + 1
}

pub(super) fn describe(error: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start).min(text.len());
    let before = &text[..offset];
    let line = line_of(text, offset);
    let section = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| format!(", in {header}"))
        .unwrap_or_default();
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text.split('=').next().unwrap_or("").trim();
    let message = error.message().trim();
    let message = if SECRET_KEYS.contains(&key) {
        format!(
            "the value of {key} is not valid (not shown: it is a secret); expected a string in quotes"
        )
    } else if is_key_of_assignment(line_text, key) && !message.contains(key) {
        // A wrong value's message ("invalid type: string \"yes\", expected a boolean") does not
        // say whose value it is.
        format!("{key}: {message}")
    } else {
        message.to_owned()
    };
    ConfigError::Syntax {
        path: path.to_owned(),
        line,
        section,
        message,
    }
}

/// Whether `key` is the bare or dotted key of a `key = value` line.
fn is_key_of_assignment(line: &str, key: &str) -> bool {
    line.contains('=')
        && !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
