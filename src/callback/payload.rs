//! Reading a callback whose shape is not documented: the session id wherever it appears, the
//! outcome in whatever words, and the payload kept verbatim.

use serde_json::Value;

use crate::ids::SessionId;
use crate::terminal_safe::one_line;

/// What a callback says about its transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    Failed {
        message: Option<String>,
    },
    /// No status we recognise: shown to the supervisor as it came.
    Unclear,
}

/// Words that mean success or failure in a status field, in the platform's various spellings.
const SUCCESS_WORDS: [&str; 6] = [
    "success",
    "transferred",
    "assigned",
    "accepted",
    "completed",
    "ok",
];
const FAILURE_WORDS: [&str; 7] = [
    "fail", "error", "reject", "declin", "timeout", "expired", "cancel",
];

/// The key that marks a test callback (`handoff callbacks check`), with the check's own id: never
/// the platform's, never a transfer's outcome.
pub const TEST_MARKER: &str = "handoffTest";

/// Finds the bot session id: first under a key that names a session, then any 24-hex string.
pub fn session_of(payload: &Value) -> Option<SessionId> {
    find_string(payload, &|key, value| {
        key.to_ascii_lowercase().contains("session") && SessionId::parse(value).is_ok()
    })
    .or_else(|| find_string(payload, &|_, value| SessionId::parse(value).is_ok()))
    .and_then(|value| SessionId::parse(&value).ok())
}

/// The agent or queue the callback names, if it names one in the shape of a target id: the
/// docs use `agentId` for user ids (`u-…`) in places, and those cannot tell transfers apart.
pub fn target_of(payload: &Value) -> Option<String> {
    let looks_like_target = |value: &str| {
        let lower = value.trim().to_ascii_lowercase();
        lower.starts_with("a-") || lower.starts_with("qu-")
    };
    find_string(payload, &|key, value| {
        matches!(
            key.to_ascii_lowercase().as_str(),
            "agentid" | "aid" | "queueid"
        ) && looks_like_target(value)
    })
    .map(|value| value.trim().to_owned())
}

pub fn verdict_of(payload: &Value) -> Verdict {
    let status = find_string(payload, &|key, _| {
        matches!(
            key.to_ascii_lowercase().as_str(),
            "status" | "transferstatus" | "state" | "result"
        )
    })
    .map(|s| s.to_ascii_lowercase());
    let message = find_string(payload, &|key, _| {
        matches!(
            key.to_ascii_lowercase().as_str(),
            "message" | "msg" | "reason" | "error" | "description"
        )
    })
    // Words from outside are shown and kept: made one safe line first.
    .map(|message| one_line(&message));
    match status {
        Some(s) if FAILURE_WORDS.iter().any(|w| s.contains(w)) => Verdict::Failed { message },
        Some(s) if SUCCESS_WORDS.iter().any(|w| s.contains(w)) => Verdict::Succeeded,
        _ => Verdict::Unclear,
    }
}

/// The first string value, depth first, whose key and value pass `wanted`.
fn find_string(value: &Value, wanted: &dyn Fn(&str, &str) -> bool) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, value)| match value {
            Value::String(text) if wanted(key, text) => Some(text.clone()),
            nested => find_string(nested, wanted),
        }),
        Value::Array(items) => items.iter().find_map(|item| find_string(item, wanted)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_session_is_found_wherever_it_is() {
        let flat = json!({"botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"});
        assert_eq!(
            session_of(&flat).unwrap().as_str(),
            "6538f8a3c9cf425ee5cf0a1b"
        );
        let nested = json!({"data": {"conversation": {"session_id": "6538F8A3C9CF425EE5CF0A1B"}}});
        assert_eq!(
            session_of(&nested).unwrap().as_str(),
            "6538f8a3c9cf425ee5cf0a1b"
        );
        let anywhere = json!({"events": [{"ref": "6538f8a3c9cf425ee5cf0a1b"}]});
        assert!(session_of(&anywhere).is_some());
        assert!(session_of(&json!({"status": "success"})).is_none());
    }

    #[test]
    fn verdicts_in_many_words() {
        assert_eq!(
            verdict_of(&json!({"status": "success"})),
            Verdict::Succeeded
        );
        assert_eq!(
            verdict_of(&json!({"data": {"transferStatus": "ASSIGNED"}})),
            Verdict::Succeeded
        );
        assert_eq!(
            verdict_of(&json!({"status": "failure", "message": "Agent rejected the conversation"})),
            Verdict::Failed {
                message: Some("Agent rejected the conversation".into())
            }
        );
        assert_eq!(verdict_of(&json!({"hello": 1})), Verdict::Unclear);
        assert_eq!(
            verdict_of(&json!({"status": "failed", "reason": "no\u{1b}]0;x\u{7} agent"})),
            Verdict::Failed {
                message: Some("no\\x1b]0;x\\x07 agent".into())
            }
        );
    }

    #[test]
    fn the_target_is_taken_only_in_a_targets_shape() {
        assert_eq!(
            target_of(&json!({"agentId": "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c"})).as_deref(),
            Some("a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c")
        );
        assert_eq!(
            target_of(&json!({"data": {"queueId": "qu-1"}})).as_deref(),
            Some("qu-1")
        );
        assert_eq!(target_of(&json!({"agentId": "u-70b19d34"})), None);
        assert_eq!(target_of(&json!({"status": "success"})), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Any JSON a stranger could post.
        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                ".{0,30}".prop_map(Value::from),
                "[0-9a-f]{24}".prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    proptest::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..6)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
        }

        proptest! {
            /// Whatever is posted, reading it never fails, and a session it finds is one the
            /// payload holds; a message it finds is one safe line.
            #[test]
            fn any_payload_is_read_without_harm(payload in json()) {
                let text = payload.to_string().to_ascii_lowercase();
                if let Some(session) = session_of(&payload) {
                    prop_assert!(text.contains(session.as_str()));
                }
                if let Some(target) = target_of(&payload) {
                    prop_assert!(target.to_ascii_lowercase().starts_with("a-") || target.to_ascii_lowercase().starts_with("qu-"));
                }
                if let Verdict::Failed { message: Some(message) } = verdict_of(&payload) {
                    prop_assert!(!message.chars().any(crate::terminal_safe::is_unsafe));
                }
            }

            /// The documented keys are always found, whatever surrounds them.
            #[test]
            fn a_named_session_is_found(session in "[0-9a-f]{24}", extra in json()) {
                let payload = serde_json::json!({"botSessionId": session, "status": "success", "zzz": extra});
                let found = session_of(&payload).unwrap();
                prop_assert_eq!(found.as_str(), session.as_str());
                prop_assert_eq!(verdict_of(&payload), Verdict::Succeeded);
            }
        }
    }
}
