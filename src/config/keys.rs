//! `[keys]`: the supervisor's own keys, in the words of the help. Each line names an action and
//! gives its keys, for every part of the console where the action is bound, or under
//! `[keys.<part>]` for that part only:
//!
//! ```toml
//! [keys]
//! only-who-is-free = "Ctrl-o"
//! re-route = ["r", "x"]
//!
//! [keys.log]
//! details = "o"
//! ```
//!
//! Anything that cannot work (an unknown action, part or key name, a key that would do two
//! things, a letter a text field needs) stops the start with the file, the line and the key.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use super::ConfigError;
use super::syntax::line_of;
use crate::tui::keys::{Action, Context, Key, KeyMap, Override, meant};

/// `[keys]` as written, with where each part is.
#[derive(Debug, Default)]
pub(super) struct RawKeys(Vec<(Spanned<String>, Spanned<RawValue>)>);

#[derive(Debug)]
enum RawValue {
    One(String),
    Many(Vec<Spanned<String>>),
    /// `[keys.log]`: the lines for one part.
    Part(Vec<(Spanned<String>, Spanned<RawValue>)>),
}

/// One action's keys, resolved, with where the line is for messages.
struct Line {
    setting: String,
    span: Range<usize>,
    value: Override,
}

/// What is wrong, where, and under which setting.
struct Problem {
    setting: String,
    span: Range<usize>,
    message: String,
}

/// The key map the file asks for: the defaults with `[keys]` applied.
pub(super) fn key_map(raw: RawKeys, text: &str, path: &Path) -> Result<KeyMap, ConfigError> {
    let error = |problem: Problem| ConfigError::Keys {
        path: path.to_owned(),
        line: line_of(text, problem.span.start),
        setting: problem.setting,
        problem: problem.message,
    };
    let lines = resolve(raw).map_err(error)?;
    let overrides: Vec<Override> = lines.iter().map(|line| line.value.clone()).collect();
    KeyMap::with_overrides(&overrides).map_err(|e| {
        let line = &lines[e.index];
        error(Problem {
            setting: line.setting.clone(),
            span: line.span.clone(),
            message: e.problem,
        })
    })
}

/// The lines of `[keys]` resolved, or the first problem in the file's order.
fn resolve(raw: RawKeys) -> Result<Vec<Line>, Problem> {
    let mut lines = Vec::new();
    for (name, value) in in_file_order(raw.0) {
        let span = value.span();
        match value.into_inner() {
            RawValue::Part(entries) => {
                let context = context_named(&name)?;
                for (action, value) in in_file_order(entries) {
                    let setting = format!("keys.{}.{}", name.get_ref(), action.get_ref());
                    lines.push(line(Some(context), &action, value, setting)?);
                }
            }
            value => {
                let value = Spanned::new(span, value);
                let setting = format!("keys.{}", name.get_ref());
                // `"log.re-route" = …` is the same as `re-route = …` under `[keys.log]`.
                let (context, action) = match name.get_ref().rsplit_once('.') {
                    Some((part, action)) => {
                        let context = context_named(&Spanned::new(name.span(), part.to_owned()))?;
                        let action = Spanned::new(name.span(), action.to_owned());
                        (Some(context), action)
                    }
                    None => (None, name),
                };
                lines.push(line(context, &action, value, setting)?);
            }
        }
    }
    Ok(lines)
}

/// TOML tables come back sorted by name; messages should follow the file.
fn in_file_order(
    mut entries: Vec<(Spanned<String>, Spanned<RawValue>)>,
) -> Vec<(Spanned<String>, Spanned<RawValue>)> {
    entries.sort_by_key(|(name, _)| name.span().start);
    entries
}

fn line(
    context: Option<Context>,
    action: &Spanned<String>,
    value: Spanned<RawValue>,
    setting: String,
) -> Result<Line, Problem> {
    let problem = |span: Range<usize>, message: String| Problem {
        setting: setting.clone(),
        span,
        message,
    };
    let Some(found) = Action::from_name(action.get_ref()) else {
        let guess = meant(action.get_ref())
            .map(|name| format!(" (did you mean {name}?)"))
            .unwrap_or_default();
        return Err(problem(
            action.span(),
            format!(
                "{:?} is not an action{guess}; the README lists them under \"Your keys\"",
                action.get_ref()
            ),
        ));
    };
    let span = value.span();
    let labels: Vec<Spanned<String>> = match value.into_inner() {
        RawValue::One(label) => vec![Spanned::new(span.clone(), label)],
        RawValue::Many(labels) => labels,
        RawValue::Part(_) => {
            return Err(problem(
                span,
                "expected a key such as \"F2\" or a list of keys, not a table".into(),
            ));
        }
    };
    let mut keys = Vec::with_capacity(labels.len());
    for label in labels {
        let key: Key = label
            .get_ref()
            .parse()
            .map_err(|e| problem(label.span(), format!("{e}")))?;
        keys.push(key);
    }
    Ok(Line {
        setting: setting.clone(),
        span,
        value: Override {
            context,
            action: found,
            keys,
        },
    })
}

fn context_named(name: &Spanned<String>) -> Result<Context, Problem> {
    Context::from_name(name.get_ref()).ok_or_else(|| {
        let guess = meant(name.get_ref())
            .map(|name| format!(" (did you mean {name}?)"))
            .unwrap_or_default();
        let parts: Vec<&str> = crate::tui::keys::HELP_ORDER
            .iter()
            .map(|c| c.name())
            .collect();
        Problem {
            setting: format!("keys.{}", name.get_ref()),
            span: name.span(),
            message: format!(
                "{:?} is not a part of the console{guess}; the parts are {}",
                name.get_ref(),
                parts.join(", ")
            ),
        }
    })
}

impl<'de> Deserialize<'de> for RawKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor).map(RawKeys)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// The lines of a table, each name and value with its place in the file.
struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(Spanned<String>, Spanned<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table of actions and their keys")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(name) = map.next_key::<Spanned<String>>()? {
            entries.push((name, map.next_value()?));
        }
        Ok(entries)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key such as \"F2\", a list of keys, or a table such as [keys.log]")
    }

    fn visit_str<E: de::Error>(self, label: &str) -> Result<RawValue, E> {
        Ok(RawValue::One(label.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut labels = Vec::new();
        while let Some(label) = seq.next_element::<Spanned<String>>()? {
            labels.push(label);
        }
        Ok(RawValue::Many(labels))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawValue, A::Error> {
        EntriesVisitor.visit_map(map).map(RawValue::Part)
    }
}
