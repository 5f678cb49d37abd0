//! Reading fields the way the platform's own sample replies write them: the docs' field tables
//! disagree with their samples, so a number may come as a string, a flag as "true", and any field
//! may be missing or null. Each reader takes what it can and says `None` otherwise, so one odd
//! field never costs the rest of a reply.

use serde_json::Value;

/// A text field; a number is taken as its digits. Empty text counts as missing.
pub(super) fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A count: a whole number that is not negative, as a number or as text.
pub(super) fn count(value: &Value) -> Option<u32> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .and_then(|n| u32::try_from(n).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Milliseconds, as a number or as text.
pub(super) fn millis(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A yes/no flag: a boolean, "true"/"false" or "yes"/"no" in any case, or a whole number (0 is
/// false, any other true).
pub(super) fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" => Some(true),
            "false" | "no" => Some(false),
            _ => None,
        },
        Value::Number(number) => number.as_u64().map(|n| n != 0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_taken_as_they_come() {
        let entry = json!({"name": " Dana ", "n": 3, "empty": "", "none": null});
        assert_eq!(text(&entry, "name").as_deref(), Some("Dana"));
        assert_eq!(text(&entry, "n").as_deref(), Some("3"));
        assert_eq!(text(&entry, "empty"), None);
        assert_eq!(text(&entry, "none"), None);
        assert_eq!(count(&json!("4")), Some(4));
        assert_eq!(count(&json!(2.0)), Some(2));
        assert_eq!(count(&json!(-1)), None);
        assert_eq!(millis(&json!(95000.5)), Some(95000));
        assert_eq!(flag(&json!("TRUE")), Some(true));
        assert_eq!(flag(&json!(0)), Some(false));
        assert_eq!(flag(&json!(null)), None);
    }
}
