//! The config file's `[keys]` resolved into the key map: the defaults with the supervisor's keys
//! applied. Every command resolves them as it starts, not only the console, so a line that
//! cannot work (an unknown action, part or key name, a key that would do two things, a letter a
//! text field needs) stops any of them with the file, the line and the key.

use super::{Action, Context, HELP_ORDER, Key, KeyMap, Override, meant};
use crate::config::{ConfigError, KeyLine, KeyValue, KeysTable, Placed};

/// One action's keys, resolved, with its setting and line for messages.
struct Line {
    setting: String,
    line: usize,
    value: Override,
}

/// What is wrong, on which line, and under which setting.
struct Problem {
    setting: String,
    line: usize,
    message: String,
}

/// The key map `[keys]` asks for: the defaults with its lines applied, with a warning for each
/// line that binds an action's old default key back (naming the file, the line, the setting and
/// the new default); or the first problem in the file's order, naming the file, the line and the
/// setting.
pub fn resolve(table: &KeysTable) -> Result<(KeyMap, Vec<String>), ConfigError> {
    let error = |problem: Problem| ConfigError::Keys {
        path: table.file.clone(),
        line: problem.line,
        setting: problem.setting,
        problem: problem.message,
    };
    let lines = resolve_lines(&table.lines).map_err(error)?;
    let overrides: Vec<Override> = lines.iter().map(|line| line.value.clone()).collect();
    let map = KeyMap::with_overrides(&overrides).map_err(|e| {
        let line = &lines[e.index];
        error(Problem {
            setting: line.setting.clone(),
            line: line.line,
            message: e.problem,
        })
    })?;
    let warnings = KeyMap::moved_back(&overrides)
        .into_iter()
        .map(|warning| {
            let line = &lines[warning.index];
            format!(
                "config file {}, line {}: {}: {}",
                table.file.display(),
                line.line,
                line.setting,
                warning.message
            )
        })
        .collect();
    Ok((map, warnings))
}

/// The lines of `[keys]` resolved, or the first problem in the file's order.
fn resolve_lines(table: &[KeyLine]) -> Result<Vec<Line>, Problem> {
    let mut lines = Vec::new();
    for KeyLine { name, value } in table {
        match &value.value {
            KeyValue::Part(entries) => {
                let context = context_named(&name.value, name.line)?;
                for entry in entries {
                    let setting = format!("keys.{}.{}", name.value, entry.name.value);
                    let action = (entry.name.value.as_str(), entry.name.line);
                    lines.push(line(Some(context), action, &entry.value, setting)?);
                }
            }
            KeyValue::One(_) | KeyValue::Many(_) => {
                let setting = format!("keys.{}", name.value);
                // `"log.re-route" = …` is the same as `re-route = …` under `[keys.log]`.
                let (context, action) = match name.value.rsplit_once('.') {
                    Some((part, action)) => (Some(context_named(part, name.line)?), action),
                    None => (None, name.value.as_str()),
                };
                lines.push(line(context, (action, name.line), value, setting)?);
            }
        }
    }
    Ok(lines)
}

/// One line: `action` (its name and line) given the keys of `value`.
fn line(
    context: Option<Context>,
    (action, action_line): (&str, usize),
    value: &Placed<KeyValue>,
    setting: String,
) -> Result<Line, Problem> {
    let problem = |line: usize, message: String| Problem {
        setting: setting.clone(),
        line,
        message,
    };
    let Some(found) = Action::from_name(action) else {
        let guess = meant(action)
            .map(|name| format!(" (did you mean {name}?)"))
            .unwrap_or_default();
        return Err(problem(
            action_line,
            format!(
                "{action:?} is not an action{guess}; docs/console.md lists them under \"Your keys\""
            ),
        ));
    };
    let labels: Vec<(&str, usize)> = match &value.value {
        KeyValue::One(label) => vec![(label.as_str(), value.line)],
        KeyValue::Many(labels) => labels
            .iter()
            .map(|label| (label.value.as_str(), label.line))
            .collect(),
        KeyValue::Part(_) => {
            return Err(problem(
                value.line,
                "expected a key such as \"F2\" or a list of keys, not a table".into(),
            ));
        }
    };
    let mut keys = Vec::with_capacity(labels.len());
    for (label, at) in labels {
        let key: Key = label.parse().map_err(|e| problem(at, format!("{e}")))?;
        keys.push(key);
    }
    Ok(Line {
        setting,
        line: value.line,
        value: Override {
            context,
            action: found,
            keys,
        },
    })
}

/// The part of the console `name` (on `line`) names.
fn context_named(name: &str, line: usize) -> Result<Context, Problem> {
    Context::from_name(name).ok_or_else(|| {
        let guess = meant(name)
            .map(|name| format!(" (did you mean {name}?)"))
            .unwrap_or_default();
        let parts: Vec<&str> = HELP_ORDER.iter().map(|c| c.name()).collect();
        Problem {
            setting: format!("keys.{name}"),
            line,
            message: format!(
                "{name:?} is not a part of the console{guess}; the parts are {}",
                parts.join(", ")
            ),
        }
    })
}

#[cfg(test)]
mod tests;
