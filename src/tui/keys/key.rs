//! One key with its modifiers, written the way the help shows it ("Ctrl-o", "F5", "Shift-Tab")
//! and read back from the same words in the config file.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: KeyCode,
    modifiers: KeyModifiers,
}

pub(super) const fn key(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

pub(super) const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

pub(super) const fn alt(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::ALT,
    }
}

/// A named key with Shift, such as Shift-↓: terminals (and tmux) report Shift with the arrows.
pub(super) const fn shift(code: KeyCode) -> Key {
    Key {
        code,
        modifiers: KeyModifiers::SHIFT,
    }
}

pub(super) const fn char_key(c: char) -> Key {
    key(KeyCode::Char(c))
}

/// Keys with a name rather than a character, as the help writes them. Reading and writing both
/// use this one table, so a label always reads back as the same key.
const NAMED: [(KeyCode, &str); 16] = [
    (KeyCode::Char(' '), "Space"),
    (KeyCode::Enter, "Enter"),
    (KeyCode::Esc, "Esc"),
    (KeyCode::Tab, "Tab"),
    (KeyCode::BackTab, "Shift-Tab"),
    (KeyCode::Up, "↑"),
    (KeyCode::Down, "↓"),
    (KeyCode::Left, "←"),
    (KeyCode::Right, "→"),
    (KeyCode::Home, "Home"),
    (KeyCode::End, "End"),
    (KeyCode::PageUp, "PgUp"),
    (KeyCode::PageDown, "PgDn"),
    (KeyCode::Backspace, "Backspace"),
    (KeyCode::Delete, "Del"),
    (KeyCode::Insert, "Ins"),
];

/// Other spellings the config file accepts, for labels that are awkward to type (arrows) or that
/// people write from habit.
const ALIASES: [(&str, KeyCode); 11] = [
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Escape", KeyCode::Esc),
    ("Return", KeyCode::Enter),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("BackTab", KeyCode::BackTab),
];

/// Terminals report function keys up to F12 reliably; beyond that few keyboards have them.
const HIGHEST_F_KEY: u8 = 12;

impl Key {
    pub(super) fn matches(self, event: &KeyEvent) -> bool {
        if self.code != event.code {
            return false;
        }
        // Shift is part of the key for characters ('G', '?') and for Shift-Tab (which terminals
        // report as BackTab, with or without the Shift flag), so it is ignored there; Ctrl and
        // Alt must always match exactly.
        let shift_is_implied = matches!(self.code, KeyCode::Char(_) | KeyCode::BackTab);
        let relevant = if shift_is_implied {
            KeyModifiers::CONTROL | KeyModifiers::ALT
        } else {
            KeyModifiers::all()
        };
        self.modifiers & relevant == event.modifiers & relevant
    }

    /// A character typed without Ctrl or Alt: in a text field it must go into the text.
    pub fn is_typed(self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    /// How the key is written on screen: "Ctrl-c", "Enter", "↑".
    pub fn label(self) -> String {
        let name = match NAMED.iter().find(|(code, _)| *code == self.code) {
            Some((_, name)) => (*name).to_owned(),
            None => match self.code {
                KeyCode::Char(c) => c.to_string(),
                KeyCode::F(n) => format!("F{n}"),
                other => format!("{other:?}"),
            },
        };
        let mut label = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            label.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            label.push_str("Alt-");
        }
        // Shift is in the name already for a character ('G') and for Shift-Tab.
        if self.modifiers.contains(KeyModifiers::SHIFT)
            && !matches!(self.code, KeyCode::Char(_) | KeyCode::BackTab)
        {
            label.push_str("Shift-");
        }
        label.push_str(&name);
        label
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Why a key name could not be read, in words for the config file's author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey(String);

impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const HOW_KEYS_ARE_WRITTEN: &str = "write a key as the help shows it: \"Ctrl-o\", \"Alt-x\", \"F5\", \"Enter\", \"Esc\", \"Tab\", \"Shift-Tab\", \"PgUp\", \"Space\", \"↑\" (or \"Up\"), or one character such as \"r\"";

impl FromStr for Key {
    type Err = UnknownKey;

    /// Reads what [`Key::label`] writes, plus a few spellings that are easier to type
    /// ("Up" for "↑"); modifier and key names in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            if let Some(after) = strip_prefix_ignoring_case(rest, "Ctrl-")
                && !after.is_empty()
            {
                modifiers |= KeyModifiers::CONTROL;
                rest = after;
            } else if let Some(after) = strip_prefix_ignoring_case(rest, "Alt-")
                && !after.is_empty()
            {
                modifiers |= KeyModifiers::ALT;
                rest = after;
            } else if let Some(after) = strip_prefix_ignoring_case(rest, "Shift-")
                && takes_shift(after)
            {
                modifiers |= KeyModifiers::SHIFT;
                rest = after;
            } else {
                break;
            }
        }
        let named = NAMED
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(rest))
            .map(|(code, _)| *code)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(rest))
                    .map(|(_, code)| *code)
            });
        let code = match named {
            Some(code) => code,
            None => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() && !c.is_whitespace() => {
                        // Terminals send the same for Ctrl-o and Ctrl-O.
                        let c = if modifiers.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        };
                        KeyCode::Char(c)
                    }
                    _ => function_key(rest).ok_or_else(|| {
                        UnknownKey(if strip_prefix_ignoring_case(rest, "Shift-").is_some() {
                            format!(
                                "{text:?} is not a key name: Shift goes only with Tab and the named keys (\"Shift-↓\"); for a shifted character write the character itself, such as \"G\" or \"?\""
                            )
                        } else {
                            format!("{text:?} is not a key name; {HOW_KEYS_ARE_WRITTEN}")
                        })
                    })?,
                }
            }
        };
        Ok(Self { code, modifiers })
    }
}

/// Whether "Shift-" may come before `name`: a named key other than Space, Tab (Shift-Tab is a
/// name of its own) and the characters, which carry Shift in themselves.
fn takes_shift(name: &str) -> bool {
    let named = NAMED.iter().map(|&(code, named)| (code, named));
    let aliases = ALIASES.iter().map(|&(alias, code)| (code, alias));
    named.chain(aliases).any(|(code, named)| {
        named.eq_ignore_ascii_case(name)
            && !matches!(code, KeyCode::Char(_) | KeyCode::Tab | KeyCode::BackTab)
    }) || function_key(name).is_some()
}

fn function_key(text: &str) -> Option<KeyCode> {
    let number = text.strip_prefix('F').or_else(|| text.strip_prefix('f'))?;
    if number.starts_with('0') {
        return None;
    }
    let n: u8 = number.parse().ok()?;
    (1..=HIGHEST_F_KEY).contains(&n).then_some(KeyCode::F(n))
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}
