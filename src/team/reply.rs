//! Redis's replies about a stream, read leniently: anyone with access to the team's Redis can
//! write to a stream, so a value of the wrong kind reads as nothing, never as an error.

use redis::Value as RedisValue;

/// The text of a bulk or simple string.
pub fn text(value: RedisValue) -> Option<String> {
    match value {
        RedisValue::BulkString(bytes) => String::from_utf8(bytes).ok(),
        RedisValue::SimpleString(text) => Some(text),
        _ => None,
    }
}

/// A stream entry's fields as (name, value), in the order given (a list, or a map in RESP3);
/// a pair either side of which is not text is left out. `None` for a reply of another shape.
pub fn fields(value: RedisValue) -> Option<Vec<(String, String)>> {
    let flat = match value {
        RedisValue::Array(fields) => fields,
        RedisValue::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return None,
    };
    let mut flat = flat.into_iter();
    let mut pairs = Vec::new();
    while let (Some(name), Some(value)) = (flat.next(), flat.next()) {
        if let (Some(name), Some(value)) = (text(name), text(value)) {
            pairs.push((name, value));
        }
    }
    Some(pairs)
}

/// Replies as Redis sends them, for tests of what reads them.
#[cfg(test)]
pub mod fixtures {
    use super::RedisValue;

    pub fn bulk(text: &str) -> RedisValue {
        RedisValue::BulkString(text.as_bytes().to_vec())
    }

    /// One stream entry: its id and its fields.
    pub fn entry(id: &str, fields: &[(&str, &str)]) -> RedisValue {
        RedisValue::Array(vec![
            bulk(id),
            RedisValue::Array(
                fields
                    .iter()
                    .flat_map(|(k, v)| [bulk(k), bulk(v)])
                    .collect(),
            ),
        ])
    }
}
