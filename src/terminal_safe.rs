//! Text from outside (platform replies, callback payloads, synced names, imported files) made
//! safe to print. A terminal acts on control characters and escape sequences: an agent name or a
//! callback reason could retitle the window, clear the screen or reorder what the supervisor
//! reads. Every output path passes outside text through here: control characters are shown
//! escaped (`\x1b`), and bidirectional overrides are neutralised the same way (`\u{202e}`).
//! Outside text is also cut to a length fit for where it shows ([`cut`]).

mod cut;

pub use cut::{
    JSON_STRING_CHARS, MESSAGE_CHARS, NAME_CHARS, PAYLOAD_CHARS, cut, cut_json, grouped,
};

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that reorder the text around them: embeddings, overrides and isolates, and the
/// marks that steer them.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// True for a character a terminal may act on rather than show.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn escaped(c: char, out: &mut String) {
    if (c as u32) <= 0xff {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// Escapes every unsafe character except those `keep` allows.
fn escape_except(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For one line: every control character, line breaks included, is shown escaped.
pub fn line(text: &str) -> Cow<'_, str> {
    escape_except(text, |_| false)
}

/// Squeezes text onto one line cut to [`MESSAGE_CHARS`] (saying how much was cut), with any
/// control character or bidirectional override shown escaped, so a reply can never act on the
/// terminal or break the audit log. Every message from outside that a transfer keeps (the
/// platform's replies, its callbacks) comes through here, so what is built from them stays
/// bounded too.
pub fn one_line(text: &str) -> String {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line(&cut(&squeezed, MESSAGE_CHARS)).into_owned()
}

/// For several lines (a table, a report): line breaks and tabs stay, everything else unsafe is
/// shown escaped.
pub fn block(text: &str) -> Cow<'_, str> {
    escape_except(text, |c| c == '\n' || c == '\t')
}

/// A JSON value as one line of JSON that a terminal shows as it is: serde already escapes the
/// C0 controls; DEL, the C1 controls and the bidirectional controls are escaped too, which keeps
/// the JSON's meaning. Each string is cut to [`JSON_STRING_CHARS`], and stays a JSON string.
pub fn json(value: &serde_json::Value) -> String {
    json_escape(cut_json(value, JSON_STRING_CHARS).to_string())
}

/// The same, indented for reading.
pub fn json_pretty(value: &serde_json::Value) -> String {
    json_escape(
        serde_json::to_string_pretty(&cut_json(value, JSON_STRING_CHARS)).unwrap_or_default(),
    )
}

fn json_escape(text: String) -> String {
    if !text.chars().any(is_unsafe) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        // Line breaks only occur between tokens here (serde escapes those inside strings).
        if is_unsafe(c) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters a spreadsheet reads as the start of a formula, and the guard itself, so that a
/// value that starts with a `'` of its own reads back as it was.
const GUARDED_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A CSV cell that a spreadsheet shows as text: escaped like a line, and a cell that would
/// start a formula gets a leading `'`, which spreadsheets read as "text follows".
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(GUARDED_STARTS) {
        Cow::Owned(format!("'{}", line(text)))
    } else {
        line(text)
    }
}

/// Undoes [`csv_cell`]'s guard when a cell is read back, so an exported roster imports as it
/// was.
pub fn csv_unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(GUARDED_STARTS) => rest,
        _ => cell,
    }
}

/// A name from outside, cleaned for keeping: control and bidirectional characters dropped
/// (line breaks and tabs count as spaces) and runs of whitespace made one space. Returns the
/// name and whether anything was changed.
pub fn clean_name(name: &str) -> (String, bool) {
    let kept: String = name
        .chars()
        .filter(|&c| c.is_whitespace() || !is_unsafe(c))
        .collect();
    let cleaned = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    let changed = cleaned != name.trim();
    (cleaned, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_acted_on() {
        assert_eq!(line("Dana\x1b]0;pwned\x07"), "Dana\\x1b]0;pwned\\x07");
        assert_eq!(line("a\nb"), "a\\x0ab");
        assert_eq!(block("a\nb\x1b[2J"), "a\nb\\x1b[2J");
        assert_eq!(line("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(line("\u{9b}31m"), "\\x9b31m");
        assert!(matches!(line("Dana Whitfield"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_stays_json() {
        let value = serde_json::json!({"reason": "x\u{9b}\u{202e}\x1b"});
        let text = json(&value);
        assert!(!text.chars().any(is_unsafe), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert!(
            !json_pretty(&value)
                .chars()
                .any(|c| is_unsafe(c) && c != '\n')
        );
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("Dana"), "Dana");
        assert_eq!(csv_cell("'@"), "''@");
        assert_eq!(csv_unguard("'=1+1"), "=1+1");
        assert_eq!(csv_unguard("''@"), "'@");
        assert_eq!(csv_unguard("'quoted"), "'quoted");
    }

    #[test]
    fn names_are_cleaned_and_say_so() {
        assert_eq!(
            clean_name("Dana\x1b[2J  Whit\u{202e}field\n"),
            ("Dana[2J Whitfield".to_owned(), true)
        );
        assert_eq!(clean_name(" Sam Ortiz "), ("Sam Ortiz".to_owned(), false));
    }
}
