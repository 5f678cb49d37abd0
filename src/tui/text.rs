//! Fitting text to a pane: long lines are cut with an ellipsis or wrapped at words, never cut
//! silently, so a failure message is always readable whole.

use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `line` to `width` columns, ending with "…" when something was cut.
pub fn fit(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let room = width.saturating_sub(1);
    let mut used = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        let span_width = span.content.width();
        if used + span_width <= room {
            used += span_width;
            spans.push(span);
            continue;
        }
        let cut = take_columns(&span.content, room - used);
        spans.push(Span::styled(format!("{cut}…"), span.style));
        break;
    }
    Line::from(spans).style(line.style)
}

/// The longest prefix of `text` that fits in `columns`.
fn take_columns(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (index, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > columns {
            return &text[..index];
        }
    }
    text
}

/// Breaks `text` into lines of at most `width` columns, at spaces where it can, inside a word
/// only when the word alone is wider than a line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let needed = if current.is_empty() {
            word.width()
        } else {
            current.width() + 1 + word.width()
        };
        if needed <= width {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        while rest.width() > width {
            let head = take_columns(rest, width);
            // A character wider than the whole line still has to go somewhere.
            let head = if head.is_empty() {
                &rest[..rest.chars().next().map_or(rest.len(), char::len_utf8)]
            } else {
                head
            };
            lines.push(head.to_owned());
            rest = &rest[head.len()..];
        }
        current.push_str(rest);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        let line = Line::from(vec![Span::raw("12:00 "), Span::raw("agent Dana Whitfield")]);
        assert_eq!(
            fit(line.clone(), 100).to_string(),
            "12:00 agent Dana Whitfield"
        );
        assert_eq!(fit(line, 16).to_string(), "12:00 agent Dan…");
    }

    #[test]
    fn wrap_breaks_at_words_and_splits_long_ones() {
        assert_eq!(
            wrap("HTTP 404: Conversation not found or already closed", 20),
            [
                "HTTP 404:",
                "Conversation not",
                "found or already",
                "closed"
            ]
        );
        assert_eq!(wrap("/a/very/long/path", 6), ["/a/ver", "y/long", "/path"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("Tomás Echeverría", 8), ["Tomás", "Echeverr", "ía"]);
    }
}
