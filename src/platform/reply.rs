//! What the platform answers, read defensively: a typed success, or an error that keeps the HTTP
//! status and the platform's own words whether they came as JSON, an HTML page from a proxy, plain
//! text or nothing at all.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::terminal_safe::one_line;

/// The synchronous reply to assign-conversation: the platform accepted the transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignReply {
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    pub status: String,
    /// Epoch milliseconds.
    pub request_completed_at: Option<i64>,
}

/// Everything that can go wrong with one call, grouped by what it means for the transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The platform (or a proxy) answered with an error status.
    #[error("HTTP {status}: {message}")]
    Refused {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The platform answered 2xx but with a status other than "transferred".
    #[error("HTTP {status}: the platform answered status {reported:?}, not \"transferred\"")]
    NotTransferred { status: u16, reported: String },
    /// The connection could not be made: the request never left.
    #[error("could not reach the platform: {0}")]
    Unreachable(String),
    /// The request could not be formed or signed: the request never left.
    #[error("not sent: {0}")]
    NotSent(String),
    /// No answer in time: the platform may or may not have acted on it.
    #[error("the request went out, but no answer came within {0:?}")]
    Timeout(Duration),
    /// The request went out and something broke before a full answer came back.
    #[error("the connection broke after the request was sent: {0}")]
    Interrupted(String),
    /// A 2xx answer that could not be read as the documented reply.
    #[error("HTTP {status}: the reply could not be read ({detail})")]
    UnreadableReply { status: u16, detail: String },
    /// 401 or 403 from a call that needs an API scope besides "Routing", the transfer's: an app
    /// made for transfers may lack it, and the caller can fall back to a call it has.
    #[error(
        "HTTP {status}: {message}; {call} needs the \"{scope}\" API scope, which the app's credentials lack (App Settings → Dev Tools → API Scope)"
    )]
    MissingScope {
        status: u16,
        message: String,
        /// The scope, as the platform's settings name it: "Configuration".
        scope: &'static str,
        /// What needs it, in words: "queue performance".
        call: &'static str,
    },
}

impl PlatformError {
    /// True only where the answer proves the platform did not act: a 4xx status (which a
    /// gateway does not invent for a request the platform took), or a request that never left.
    /// A 5xx may come from a gateway after the platform acted, so it proves nothing.
    pub fn certainly_not_applied(&self) -> bool {
        match self {
            Self::Refused { status, .. } => (400..500).contains(status),
            Self::Unreachable(_) | Self::NotSent(_) | Self::MissingScope { .. } => true,
            Self::NotTransferred { .. }
            | Self::Timeout(_)
            | Self::Interrupted(_)
            | Self::UnreadableReply { .. } => false,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. }
            | Self::NotTransferred { status, .. }
            | Self::UnreadableReply { status, .. }
            | Self::MissingScope { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The platform asked for a pause: a 429, with how long it said to wait, if it did.
    pub fn rate_limited(&self) -> Option<Option<Duration>> {
        match self {
            Self::Refused {
                status: 429,
                retry_after,
                ..
            } => Some(*retry_after),
            _ => None,
        }
    }
}

/// Reads a 2xx body as the documented reply.
pub(super) fn parse_success(status: u16, body: &[u8]) -> Result<AssignReply, PlatformError> {
    let reply: AssignReply =
        serde_json::from_slice(body).map_err(|e| PlatformError::UnreadableReply {
            status,
            detail: format!("{e}; body: {}", one_line(&String::from_utf8_lossy(body))),
        })?;
    if reply.status.eq_ignore_ascii_case("transferred") {
        Ok(reply)
    } else {
        Err(PlatformError::NotTransferred {
            status,
            reported: one_line(&reply.status),
        })
    }
}

/// The platform's own words from an error body, in whatever form it came.
pub(super) fn error_message(status: u16, content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return format!("{} (empty reply)", reason_phrase(status));
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed) {
        return json_message(&json).unwrap_or_else(|| one_line(trimmed));
    }
    if content_type.contains("html") || trimmed.starts_with('<') {
        let heading = html_heading(trimmed).unwrap_or_else(|| reason_phrase(status).to_owned());
        return format!("{heading} (an HTML page, likely from a proxy or gateway)");
    }
    one_line(trimmed)
}

/// `errors[].msg` as documented elsewhere on the platform, else a top-level message field.
fn json_message(json: &serde_json::Value) -> Option<String> {
    if let Some(errors) = json.get("errors").and_then(|e| e.as_array()) {
        // Joined before they are cut, so the count of what was cut is of the whole.
        let messages: Vec<&str> = errors
            .iter()
            .filter_map(|e| {
                e.get("msg")
                    .or_else(|| e.get("message"))
                    .and_then(|m| m.as_str())
            })
            .collect();
        if !messages.is_empty() {
            return Some(one_line(&messages.join("; ")));
        }
    }
    ["message", "msg", "error_description", "error"]
        .iter()
        .find_map(|key| json.get(key).and_then(|m| m.as_str()))
        .map(one_line)
}

/// The text of an HTML page's `<title>` or first `<h1>`.
fn html_heading(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    ["title", "h1"].iter().find_map(|tag| {
        let open = lower.find(&format!("<{tag}"))?;
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{tag}"))?;
        let inner = one_line(&html[start..end]);
        (!inner.is_empty()).then_some(inner)
    })
}

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal_safe::{self, MESSAGE_CHARS};

    #[test]
    fn the_documented_reply_is_read() {
        let reply = parse_success(
            200,
            br#"{"sessionId":"6538f8a3c9cf425ee5cf0a1b","agentId":"a-1","status":"transferred","requestCompletedAt":1698825180041}"#,
        )
        .unwrap();
        assert_eq!(reply.agent_id.as_deref(), Some("a-1"));
        assert_eq!(reply.request_completed_at, Some(1698825180041));
    }

    #[test]
    fn a_success_status_that_is_not_transferred_proves_nothing() {
        let error = parse_success(200, br#"{"status":"rejected"}"#).unwrap_err();
        assert!(!error.certainly_not_applied());
        assert!(error.to_string().contains("\"rejected\""));
    }

    #[test]
    fn only_4xx_and_unsent_requests_are_certain() {
        let refused = |status| PlatformError::Refused {
            status,
            message: String::new(),
            retry_after: None,
        };
        assert!(refused(404).certainly_not_applied());
        assert!(refused(429).certainly_not_applied());
        assert!(!refused(500).certainly_not_applied());
        assert!(!refused(503).certainly_not_applied());
        assert!(!refused(504).certainly_not_applied());
        assert!(PlatformError::Unreachable("refused".into()).certainly_not_applied());
        assert!(!PlatformError::Interrupted("reset".into()).certainly_not_applied());
        assert!(
            !parse_success(200, b"OK")
                .unwrap_err()
                .certainly_not_applied()
        );
    }

    #[test]
    fn error_bodies_of_every_shape() {
        assert_eq!(
            error_message(
                400,
                "application/json",
                br#"{"errors":[{"msg":"Agent not found","code":404},{"msg":"and more"}]}"#
            ),
            "Agent not found; and more"
        );
        assert_eq!(
            error_message(
                503,
                "application/json",
                br#"{"message":"Service temporarily unavailable"}"#
            ),
            "Service temporarily unavailable"
        );
        assert_eq!(
            error_message(500, "application/json", br#"{"weird":true}"#),
            r#"{"weird":true}"#
        );
        assert_eq!(
            error_message(
                502,
                "text/html",
                b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
            ),
            "502 Bad Gateway (an HTML page, likely from a proxy or gateway)"
        );
        assert_eq!(error_message(502, "", b""), "Bad Gateway (empty reply)");
        assert_eq!(
            error_message(500, "text/plain", b"boom\n\x1b[31mred\xe2\x80\xae"),
            "boom \\x1b[31mred\\u{202e}"
        );
    }

    #[test]
    fn a_huge_message_is_cut_and_says_how_much() {
        let huge = format!(
            "{{\"errors\":[{{\"msg\":\"Agent {}\"}},{{\"msg\":\"{}\"}}]}}",
            "x".repeat(600_000),
            "y".repeat(400_000)
        );
        let message = error_message(400, "application/json", huge.as_bytes());
        assert!(message.chars().count() <= MESSAGE_CHARS, "{message}");
        assert!(message.starts_with("Agent xxx"), "{message}");
        let kept = message.find('…').unwrap();
        let whole = "Agent ".len() + 600_000 + "; ".len() + 400_000;
        assert!(
            message.ends_with(&format!(
                "…(+{} characters)",
                terminal_safe::grouped(whole - kept)
            )),
            "{message}"
        );
    }
}
