//! A one-line text field: what the supervisor types or pastes, and where the cursor is.

use super::keys::Action;

/// Longer input is never a session id or a useful filter; the cap keeps a huge accidental paste
/// from costing anything.
const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    value: String,
    /// Cursor position in characters, `0..=len`.
    cursor: usize,
}

impl TextInput {
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The text before the cursor, to place the terminal cursor.
    pub fn before_cursor(&self) -> &str {
        &self.value[..self.byte_index(self.cursor)]
    }

    fn len(&self) -> usize {
        self.value.chars().count()
    }

    fn byte_index(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map_or(self.value.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        if c.is_control() || self.len() >= MAX_CHARS {
            return;
        }
        let at = self.byte_index(self.cursor);
        self.value.insert(at, c);
        self.cursor += 1;
    }

    /// Inserts pasted text: line breaks and tabs become spaces, other control characters
    /// (escape sequences from a terminal) and bidi overrides are dropped, surrounding
    /// whitespace is trimmed.
    pub fn paste(&mut self, text: &str) {
        let cleaned: String = text
            .trim()
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if crate::terminal_safe::is_unsafe(c) => None,
                c => Some(c),
            })
            .collect();
        for c in cleaned.chars() {
            self.insert(c);
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_index(self.cursor);
            self.value.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_index(self.cursor);
            self.value.remove(at);
        }
    }

    /// Deletes the word before the cursor, as Ctrl-w does in a shell.
    pub fn delete_word(&mut self) {
        while self.cursor > 0 && self.char_before().is_some_and(char::is_whitespace) {
            self.backspace();
        }
        while self.cursor > 0 && self.char_before().is_some_and(|c| !c.is_whitespace()) {
            self.backspace();
        }
    }

    fn char_before(&self) -> Option<char> {
        self.before_cursor().chars().next_back()
    }

    fn char_at_cursor(&self) -> Option<char> {
        self.value[self.byte_index(self.cursor)..].chars().next()
    }

    /// Deletes from the cursor to the end, as Ctrl-k does in a shell.
    pub fn kill_to_end(&mut self) {
        let at = self.byte_index(self.cursor);
        self.value.truncate(at);
    }

    /// To the start of the word before the cursor, as Alt-b does in a shell.
    pub fn word_left(&mut self) {
        while self.cursor > 0 && self.char_before().is_some_and(|c| !c.is_alphanumeric()) {
            self.left();
        }
        while self.cursor > 0 && self.char_before().is_some_and(char::is_alphanumeric) {
            self.left();
        }
    }

    /// To the end of the word after the cursor, as Alt-f does in a shell.
    pub fn word_right(&mut self) {
        let len = self.len();
        while self.cursor < len && self.char_at_cursor().is_some_and(|c| !c.is_alphanumeric()) {
            self.right();
        }
        while self.cursor < len && self.char_at_cursor().is_some_and(char::is_alphanumeric) {
            self.right();
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.len();
    }

    pub fn clear(&mut self) {
        self.value.clear();
        self.cursor = 0;
    }

    /// What an editing key does here: `Some(true)` when the text changed, `Some(false)` when
    /// only the cursor moved, `None` for a key that is not one of the editing keys.
    pub fn edit(&mut self, action: Action) -> Option<bool> {
        let (edit, changes_text): (fn(&mut Self), bool) = match action {
            Action::CursorLeft => (Self::left, false),
            Action::CursorRight => (Self::right, false),
            Action::CursorHome => (Self::home, false),
            Action::CursorEnd => (Self::end, false),
            Action::WordLeft => (Self::word_left, false),
            Action::WordRight => (Self::word_right, false),
            Action::KillToEnd => (Self::kill_to_end, true),
            Action::DeleteBack => (Self::backspace, true),
            Action::DeleteForward => (Self::delete, true),
            Action::DeleteWord => (Self::delete_word, true),
            Action::ClearLine => (Self::clear, true),
            _ => return None,
        };
        edit(self);
        Some(changes_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> TextInput {
        let mut input = TextInput::default();
        text.chars().for_each(|c| input.insert(c));
        input
    }

    #[test]
    fn editing_moves_the_cursor() {
        let mut input = typed("héllo");
        input.left();
        input.left();
        input.insert('X');
        assert_eq!(input.value(), "hélXlo");
        assert_eq!(input.before_cursor(), "hélX");
        input.home();
        input.delete();
        assert_eq!(input.value(), "élXlo");
        input.end();
        input.backspace();
        assert_eq!(input.value(), "élXl");
    }

    #[test]
    fn ctrl_w_deletes_the_last_word() {
        let mut input = typed("dana whit  ");
        input.delete_word();
        assert_eq!(input.value(), "dana ");
    }

    #[test]
    fn the_shell_keys_edit_as_in_a_shell() {
        let mut input = typed("queue tech-support");
        input.edit(Action::WordLeft);
        assert_eq!(input.before_cursor(), "queue tech-");
        input.edit(Action::WordLeft);
        assert_eq!(input.before_cursor(), "queue ");
        input.edit(Action::WordLeft);
        assert_eq!(input.before_cursor(), "");
        input.edit(Action::WordLeft);
        assert_eq!(input.before_cursor(), "", "stops at the start");
        input.edit(Action::WordRight);
        assert_eq!(input.before_cursor(), "queue");
        input.edit(Action::WordRight);
        assert_eq!(input.before_cursor(), "queue tech");
        assert_eq!(input.edit(Action::KillToEnd), Some(true));
        assert_eq!(input.value(), "queue tech");
        input.edit(Action::CursorHome);
        assert_eq!(input.edit(Action::DeleteForward), Some(true));
        assert_eq!(input.value(), "ueue tech");
        input.edit(Action::CursorEnd);
        input.edit(Action::WordRight);
        assert_eq!(input.before_cursor(), "ueue tech", "stops at the end");
        assert_eq!(input.edit(Action::KillToEnd), Some(true));
        assert_eq!(input.value(), "ueue tech", "nothing after the cursor");
    }

    #[test]
    fn pasted_text_is_cleaned() {
        let mut input = TextInput::default();
        input.paste("  6538f8a3\tc9cf\x1b[31m\n");
        assert_eq!(input.value(), "6538f8a3 c9cf[31m");
    }

    #[test]
    fn length_is_capped() {
        let mut input = TextInput::default();
        input.paste(&"a".repeat(1000));
        assert_eq!(input.value().len(), MAX_CHARS);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever a paste brings, the field holds one line a terminal shows as it is, and
            /// the cursor stays inside it.
            #[test]
            fn a_paste_leaves_one_safe_line(before in ".{0,20}", pasted in "(.|\n|\u{1b}|\u{202e}){0,60}") {
                let mut input = TextInput::default();
                input.paste(&before);
                input.paste(&pasted);
                prop_assert!(!input.value().chars().any(crate::terminal_safe::is_unsafe));
                prop_assert!(input.before_cursor().len() <= input.value().len());
            }
        }
    }
}
