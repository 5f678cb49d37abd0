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
//! The config keeps the table as written, each name and key with its line, and knows nothing of
//! the console's actions, parts and keys: the console resolves the table into its key map when
//! any command starts. Anything that cannot work there (an unknown action, part or key name, a
//! key that would do two things, a letter a text field needs) stops the start with the file, the
//! line and the key ([`ConfigError::Keys`](super::ConfigError::Keys)).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use super::syntax::line_of;

/// `[keys]` as written, in the file's order, each name and key with its line, for the console
/// to resolve and to point at the line of any problem.
#[derive(Debug, Clone, Default)]
pub struct KeysTable {
    /// The config file, for messages.
    pub file: PathBuf,
    pub lines: Vec<KeyLine>,
}

/// One line of `[keys]`: an action (or `part.action`) and its keys, or a part's table.
#[derive(Debug, Clone)]
pub struct KeyLine {
    pub name: Placed<String>,
    pub value: Placed<KeyValue>,
}

/// What a line of `[keys]` gives.
#[derive(Debug, Clone)]
pub enum KeyValue {
    /// One key: `"F2"`.
    One(String),
    /// A list of keys, each with its own line, as a list may run over several.
    Many(Vec<Placed<String>>),
    /// `[keys.log]`: the lines for one part.
    Part(Vec<KeyLine>),
}

/// Something written in the file, with the line it is on, counted from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<T> {
    pub line: usize,
    pub value: T,
}

/// `[keys]` as read, with where each part is.
#[derive(Debug, Default)]
pub(super) struct RawKeys(Vec<RawEntry>);

type RawEntry = (Spanned<String>, Spanned<RawValue>);

#[derive(Debug)]
enum RawValue {
    One(String),
    Many(Vec<Spanned<String>>),
    /// `[keys.log]`: the lines for one part.
    Part(Vec<RawEntry>),
}

impl RawKeys {
    /// The table as written in `text`, the file at `file`, with lines in place of offsets.
    pub(super) fn placed(self, text: &str, file: &Path) -> KeysTable {
        KeysTable {
            file: file.to_owned(),
            lines: key_lines(self.0, text),
        }
    }
}

fn key_lines(entries: Vec<RawEntry>, text: &str) -> Vec<KeyLine> {
    in_file_order(entries)
        .into_iter()
        .map(|(name, value)| {
            let line = line_of(text, value.span().start);
            let value = match value.into_inner() {
                RawValue::One(key) => KeyValue::One(key),
                RawValue::Many(keys) => {
                    KeyValue::Many(keys.into_iter().map(|key| placed(key, text)).collect())
                }
                RawValue::Part(entries) => KeyValue::Part(key_lines(entries, text)),
            };
            KeyLine {
                name: placed(name, text),
                value: Placed { line, value },
            }
        })
        .collect()
}

/// TOML tables come back sorted by name; messages should follow the file.
fn in_file_order(mut entries: Vec<RawEntry>) -> Vec<RawEntry> {
    entries.sort_by_key(|(name, _)| name.span().start);
    entries
}

fn placed<T>(spanned: Spanned<T>, text: &str) -> Placed<T> {
    Placed {
        line: line_of(text, spanned.span().start),
        value: spanned.into_inner(),
    }
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
    type Value = Vec<RawEntry>;

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
