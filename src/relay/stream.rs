//! The account's callback stream in the team's Redis: what the relay appends, and what every
//! console reads back. One file holds both sides of the shape, so they cannot drift apart.
//!
//! An entry is `transfer` (the id the callback URL named, or empty), `body` (the JSON posted,
//! the token taken out), `at` (when the relay took it, ms since the epoch) and `digest` (of
//! transfer and body). The stream keeps 24 hours and at most 100,000 entries. The same callback
//! posted twice, to one relay or to two behind one name, is appended once: a key per digest,
//! kept as long as the stream keeps entries, says it was seen.

use std::time::Duration;

use chrono::{DateTime, Local, TimeZone};
use redis::Value as RedisValue;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::callback::{MAX_BODY_BYTES, Received};
use crate::team::{Link, reply};

/// How long the stream keeps a callback: a transfer is settled by its callback for a day.
pub const KEPT_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// The most entries the stream holds, whatever their age: some 100 MB at the largest bodies
/// seen, and a day of a very busy floor.
pub const MOST_ENTRIES: usize = 100_000;

pub(crate) fn stream_key(account: &str) -> String {
    format!("handoff:{{{account}}}:callbacks")
}

fn seen_prefix(account: &str) -> String {
    format!("handoff:{{{account}}}:callbacks:seen:")
}

/// One accepted callback, as the relay keeps it in its spool and on the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    /// The transfer the callback URL named, as posted (checked by whoever reads it).
    pub transfer: Option<String>,
    /// The JSON body, the token taken out.
    pub body: String,
    /// When the relay took it, in ms since the epoch.
    pub at_ms: i64,
}

impl Kept {
    /// What makes two posts the same callback: the transfer named and the body.
    fn digest(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.transfer.as_deref().unwrap_or("").as_bytes());
        hash.update([0]);
        hash.update(self.body.as_bytes());
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// A new entry, with its id.
    Added(String),
    /// The same callback was appended before: nothing new.
    Duplicate,
}

/// Appends only what was not seen, then trims by age and by count, in one step on the server,
/// so two relays never both append one callback.
const APPEND: &str = r"
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return false
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*',
  'transfer', ARGV[4], 'body', ARGV[5], 'at', ARGV[6])
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[3])
return id
";

/// Appends `kept` to the account's stream; `None` when Redis cannot take it now.
pub async fn append(link: &Link, account: &str, kept: &Kept) -> Option<Appended> {
    let script = redis::Script::new(APPEND);
    let keys = [
        stream_key(account),
        format!("{}{}", seen_prefix(account), kept.digest()),
    ];
    let oldest_kept = kept
        .at_ms
        .saturating_sub(KEPT_FOR.as_millis() as i64)
        .max(0);
    link.call(|mut connection| {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&keys[0])
            .key(&keys[1])
            .arg(KEPT_FOR.as_millis() as u64)
            .arg(MOST_ENTRIES)
            .arg(format!("{oldest_kept}-0"))
            .arg(kept.transfer.as_deref().unwrap_or(""))
            .arg(&kept.body)
            .arg(kept.at_ms);
        async move {
            let id: Option<String> = invocation.invoke_async(&mut connection).await?;
            Ok(id.map_or(Appended::Duplicate, Appended::Added))
        }
    })
    .await
}

/// One entry read back: where it is on the stream, and the callback it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub callback: Received,
}

/// The entries of an `XREAD` reply, in order, and the id of the last one, readable or not
/// (the next read goes on from there). Read leniently: anyone with access to Redis can write
/// to the stream, so an entry without a body, with a body that is not JSON or too large, is
/// skipped; its words reach a console only as any callback's do.
pub fn entries_of(reply: RedisValue) -> (Vec<Entry>, Option<String>) {
    let mut entries = Vec::new();
    let mut last = None;
    // XREAD answers [[stream, [[id, fields]…]]] (or a map of stream to entries in RESP3).
    let streams = match reply {
        RedisValue::Array(streams) => streams
            .into_iter()
            .filter_map(|stream| match stream {
                RedisValue::Array(mut pair) if pair.len() == 2 => pair.pop(),
                _ => None,
            })
            .collect(),
        RedisValue::Map(pairs) => pairs.into_iter().map(|(_, entries)| entries).collect(),
        _ => Vec::new(),
    };
    for stream in streams {
        let RedisValue::Array(items) = stream else {
            continue;
        };
        for item in items {
            let RedisValue::Array(parts) = item else {
                continue;
            };
            let mut parts = parts.into_iter();
            let Some(id) = parts.next().and_then(reply::text) else {
                continue;
            };
            last = Some(id.clone());
            if let Some(callback) = parts.next().and_then(callback_of) {
                entries.push(Entry { id, callback });
            }
        }
    }
    (entries, last)
}

fn callback_of(fields: RedisValue) -> Option<Received> {
    let (mut transfer, mut body, mut at) = (None, None, None);
    for (name, value) in reply::fields(fields)? {
        match name.as_str() {
            "transfer" => transfer = Some(value),
            "body" => body = Some(value),
            "at" => at = value.parse::<i64>().ok(),
            _ => {}
        }
    }
    let body = body.filter(|body| body.len() <= MAX_BODY_BYTES)?;
    let payload = serde_json::from_str(&body).ok()?;
    let at = at
        .and_then(|ms| Local.timestamp_millis_opt(ms).single())
        .unwrap_or_else(Local::now);
    let transfer = transfer.and_then(|id| uuid::Uuid::parse_str(&id).ok());
    let mut received = Received::new(payload, transfer, true);
    received.at = at;
    Some(received)
}

/// The stream id of the first entry at or after `at`.
pub fn id_at(at: DateTime<Local>) -> String {
    format!("{}-0", at.timestamp_millis().max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::reply::fixtures::{bulk, entry};

    #[test]
    fn the_same_callback_has_one_digest_and_another_transfer_another() {
        let kept = |transfer: Option<&str>, body: &str| Kept {
            transfer: transfer.map(str::to_owned),
            body: body.into(),
            at_ms: 1,
        };
        let one = kept(Some("t1"), r#"{"status":"success"}"#);
        assert_eq!(
            one.digest(),
            kept(Some("t1"), r#"{"status":"success"}"#).digest()
        );
        assert_ne!(
            one.digest(),
            kept(Some("t2"), r#"{"status":"success"}"#).digest()
        );
        assert_ne!(
            one.digest(),
            kept(Some("t1"), r#"{"status":"failed"}"#).digest()
        );
        // The separator keeps the transfer's end and the body's start apart.
        assert_ne!(
            kept(Some("t1{"), "}").digest(),
            kept(Some("t1"), "{}").digest()
        );
        assert_eq!(one.digest().len(), 64);
    }

    #[test]
    fn entries_without_a_readable_body_are_skipped_but_passed() {
        let transfer = "6f2b8c1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b";
        let reply = RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("handoff:{x}:callbacks"),
            RedisValue::Array(vec![
                entry(
                    "1-0",
                    &[
                        ("transfer", transfer),
                        (
                            "body",
                            r#"{"botSessionId":"6538f8a3c9cf425ee5cf0a1b","status":"success"}"#,
                        ),
                        ("at", "1700000000000"),
                    ],
                ),
                entry("2-0", &[("transfer", transfer), ("body", "{not json")]),
                entry("3-0", &[("transfer", "not-a-uuid"), ("body", "{}")]),
                RedisValue::Int(4),
                entry(
                    "5-0",
                    &[("body", &format!("\"{}\"", "x".repeat(MAX_BODY_BYTES)))],
                ),
            ]),
        ])]);
        let (entries, last) = entries_of(reply);
        assert_eq!(last.as_deref(), Some("5-0"));
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1-0", "3-0"]);
        let first = &entries[0].callback;
        assert!(first.relayed);
        assert_eq!(
            first.transfer.map(|t| t.to_string()).as_deref(),
            Some(transfer)
        );
        assert_eq!(
            first.session.as_ref().unwrap().as_str(),
            "6538f8a3c9cf425ee5cf0a1b"
        );
        assert_eq!(first.at.timestamp_millis(), 1_700_000_000_000);
        assert_eq!(
            entries[1].callback.transfer, None,
            "a malformed id names no transfer"
        );
    }

    #[test]
    fn a_reply_that_is_not_streams_reads_as_nothing() {
        assert_eq!(entries_of(RedisValue::Nil), (Vec::new(), None));
        assert_eq!(entries_of(bulk("OK")), (Vec::new(), None));
    }
}
