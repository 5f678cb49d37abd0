//! Outside text cut to a length fit for where it shows, saying how much was left out. A name
//! of 2 MB from a broken or hostile server is never legitimate, and printed whole it buries
//! everything around it (and a table, a log line or a frame of the console takes it in full
//! each time). Each kind of field has its length, a constant here; text is cut before it is
//! escaped, so the count is of the characters the server sent.

use std::borrow::Cow;

use unicode_segmentation::GraphemeCursor;

/// A name: an agent's, a queue's, a supervisor's, a target in words, or a table's cell.
pub const NAME_CHARS: usize = 64;
/// A message on a line of its own: the platform's words on a refusal, a callback's reason, a
/// note.
pub const MESSAGE_CHARS: usize = 500;
/// A payload shown whole, as in the console's detail view of a callback.
pub const PAYLOAD_CHARS: usize = 8_000;
/// Each string in a `--json` output. Scripts read those, so they keep far more than a line
/// for a person does; but not everything, since no legitimate name, id or message comes near
/// this, and a value of megabytes would otherwise reach every script and log downstream.
pub const JSON_STRING_CHARS: usize = 4_096;

/// `text` if it has at most `max` characters; otherwise its start and how much was cut,
/// "Dana Whitfield…(+183,204 characters)", in `max` characters at most (unless `max` is
/// shorter than the count alone). The cut falls between two graphemes, never inside one (a
/// letter and its accents, a flag, an emoji sequence), so what is kept reads as it was.
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    // Each character takes one byte at least.
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let total = text.chars().count();
    if total <= max {
        return Cow::Borrowed(text);
    }
    // The count is never longer than this one, which would cut everything.
    let room = left_out(total).chars().count();
    let keep = max.saturating_sub(room);
    let end = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(at, _)| at);
    let kept = &text[..grapheme_start(text, end)];
    let count = total - kept.chars().count();
    Cow::Owned(format!("{kept}{}", left_out(count)))
}

/// Each string in `value` (keys too) cut to `max` characters.
pub fn cut_json(value: &serde_json::Value, max: usize) -> Cow<'_, serde_json::Value> {
    use serde_json::Value;
    fn too_long(value: &Value, max: usize) -> bool {
        match value {
            Value::String(text) => text.len() > max,
            Value::Array(items) => items.iter().any(|item| too_long(item, max)),
            Value::Object(fields) => fields
                .iter()
                .any(|(key, item)| key.len() > max || too_long(item, max)),
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }
    fn cut_all(value: &Value, max: usize) -> Value {
        match value {
            Value::String(text) => Value::String(cut(text, max).into_owned()),
            Value::Array(items) => Value::Array(items.iter().map(|i| cut_all(i, max)).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, item)| (cut(key, max).into_owned(), cut_all(item, max)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    // Byte lengths first: most values have nothing that long, and are not copied.
    if too_long(value, max) {
        Cow::Owned(cut_all(value, max))
    } else {
        Cow::Borrowed(value)
    }
}

/// "…(+183,204 characters)".
fn left_out(count: usize) -> String {
    let unit = if count == 1 {
        "character"
    } else {
        "characters"
    };
    format!("…(+{} {unit})", grouped(count))
}

/// The start of the grapheme that `at` falls in (`at` itself when it starts one).
fn grapheme_start(text: &str, at: usize) -> usize {
    let mut cursor = GraphemeCursor::new(at, text.len(), true);
    match cursor.is_boundary(text, 0) {
        Ok(false) => cursor.prev_boundary(text, 0).ok().flatten().unwrap_or(0),
        Ok(true) | Err(_) => at,
    }
}

/// "183,204": a count as people read it.
pub fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (n, digit) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_left_as_it_is() {
        assert!(matches!(
            cut("Dana Whitfield", NAME_CHARS),
            Cow::Borrowed(_)
        ));
        let exactly = "é".repeat(NAME_CHARS);
        assert!(matches!(cut(&exactly, NAME_CHARS), Cow::Borrowed(_)));
    }

    #[test]
    fn long_text_keeps_its_start_and_says_how_much_was_cut() {
        let name = format!("Dana {}", "x".repeat(200_000));
        let shown = cut(&name, NAME_CHARS);
        assert!(shown.chars().count() <= NAME_CHARS, "{shown}");
        assert!(shown.starts_with("Dana xxx"), "{shown}");
        let kept = shown.find('…').unwrap();
        assert_eq!(
            shown[kept..],
            format!("…(+{} characters)", grouped(name.len() - kept))
        );
        // Cut again to the same length, it stays as it is.
        assert_eq!(cut(&shown, NAME_CHARS), shown);
    }

    #[test]
    fn the_count_is_of_characters_and_one_is_singular() {
        let shown = cut("ééééé", 4);
        assert_eq!(shown, "…(+5 characters)", "shorter than the count alone");
        assert_eq!(left_out(1), "…(+1 character)");
    }

    #[test]
    fn a_cut_never_splits_a_grapheme() {
        // "e" and a combining acute accent, then a family emoji of seven code points.
        let family = "👩\u{200d}👩\u{200d}👧\u{200d}👦";
        for text in [
            format!("{}{}", "e\u{301}".repeat(60), "x".repeat(100)),
            format!("{}{}", family.repeat(30), "x".repeat(100)),
        ] {
            for max in 40..48 {
                let shown = cut(&text, max);
                let kept = &shown[..shown.find("…(+").unwrap()];
                assert!(text.starts_with(kept));
                let after = &text[kept.len()..];
                assert!(
                    !after.starts_with('\u{301}') && !after.starts_with('\u{200d}'),
                    "{kept:?}"
                );
                let count: usize = shown[kept.len()..]
                    .trim_start_matches("…(+")
                    .trim_end_matches(" characters)")
                    .replace(',', "")
                    .parse()
                    .unwrap();
                assert_eq!(count, after.chars().count());
            }
        }
    }

    #[test]
    fn json_strings_are_cut_and_stay_json() {
        let value = serde_json::json!({
            "name": "x".repeat(10_000),
            "k".repeat(5_000): 1,
            "list": ["short", "y".repeat(5_000)],
            "n": 3,
        });
        let shown = cut_json(&value, 100);
        let text = shown.to_string();
        assert!(text.len() < 1_000, "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            back["name"]
                .as_str()
                .unwrap()
                .ends_with("…(+9,921 characters)")
        );
        assert_eq!(back["list"][0], "short");
        assert_eq!(back["n"], 3);
        let small = serde_json::json!({"name": "Dana"});
        assert!(matches!(cut_json(&small, 100), Cow::Borrowed(_)));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(183_204), "183,204");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }
}
