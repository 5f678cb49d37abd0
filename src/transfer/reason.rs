//! Why a transfer failed, in a few words a supervisor acts on. The platform's errors are not
//! documented, so this reads the HTTP status and the platform's own message; the raw message is
//! always kept beside the reason.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    InvalidSession,
    SessionEnded,
    TargetUnknown,
    TargetUnavailable,
    NotAuthorised,
    RateLimited,
    PlatformError,
    Network,
    Unknown,
}

impl FailureReason {
    /// The reason in words, as the log and the command line show it.
    pub fn words(self) -> &'static str {
        match self {
            Self::InvalidSession => "invalid session",
            Self::SessionEnded => "session already ended",
            Self::TargetUnknown => "target unknown",
            Self::TargetUnavailable => "target unavailable or at capacity",
            Self::NotAuthorised => "not authorised",
            Self::RateLimited => "rate-limited",
            Self::PlatformError => "platform error",
            Self::Network => "network",
            Self::Unknown => "unknown",
        }
    }

    /// Reads an HTTP status (if any) and the platform's message.
    pub fn classify(http_status: Option<u16>, message: &str) -> Self {
        let text = message.to_ascii_lowercase();
        let says = |words: &[&str]| words.iter().any(|w| text.contains(w));
        match http_status {
            Some(401 | 403) => return Self::NotAuthorised,
            Some(429) => return Self::RateLimited,
            _ => {}
        }
        if says(&["rate limit", "rate-limit", "too many requests"]) {
            Self::RateLimited
        } else if says(&[
            "already closed",
            "already ended",
            "has ended",
            "session ended",
            "conversation ended",
            "closed",
        ]) {
            Self::SessionEnded
        } else if says(&[
            "capacity",
            "unavailable",
            "offline",
            "not available",
            "busy",
            "rejected",
            "declined",
            "no agent",
        ]) {
            Self::TargetUnavailable
        } else if says(&["agent", "queue"])
            && says(&["not found", "unknown", "does not exist", "invalid"])
        {
            Self::TargetUnknown
        } else if says(&["session", "conversation", "botsessionid"])
            && says(&["not found", "invalid", "unknown", "expected"])
        {
            Self::InvalidSession
        } else if says(&[
            "unauthori",
            "forbidden",
            "token",
            "signature",
            "accountid",
            "expired",
        ]) {
            Self::NotAuthorised
        } else if says(&[
            "could not reach",
            "connection",
            "dns",
            "no answer from the platform",
            "timed out",
        ]) {
            Self::Network
        } else if http_status.is_some_and(|s| s >= 500) {
            Self::PlatformError
        } else {
            Self::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureReason as R;

    #[test]
    fn what_the_platform_says_maps_to_a_reason() {
        let cases = [
            (
                Some(404),
                "Conversation not found or already closed",
                R::SessionEnded,
            ),
            (Some(404), "Agent a-1 not found", R::TargetUnknown),
            (Some(404), "Queue qu-1 not found", R::TargetUnknown),
            (
                Some(400),
                "botSessionId: expected 24 lowercase hex characters",
                R::InvalidSession,
            ),
            (Some(401), "Invalid token signature", R::NotAuthorised),
            (Some(403), "anything", R::NotAuthorised),
            (
                Some(429),
                "You've exceeded the per-minute rate limit.",
                R::RateLimited,
            ),
            (
                Some(500),
                "500 Internal Server Error (an HTML page, likely from a proxy or gateway)",
                R::PlatformError,
            ),
            (Some(502), "Bad Gateway (empty reply)", R::PlatformError),
            (
                None,
                "could not reach the platform: connection refused",
                R::Network,
            ),
            (
                None,
                "Agent rejected the conversation",
                R::TargetUnavailable,
            ),
            (None, "agent is at full capacity", R::TargetUnavailable),
            (Some(418), "teapot", R::Unknown),
        ];
        for (status, message, expected) in cases {
            assert_eq!(
                FailureReason::classify(status, message),
                expected,
                "{message}"
            );
        }
    }
}
