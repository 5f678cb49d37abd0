//! Why a transfer failed or could not be settled, in a few words a supervisor acts on. The cause
//! decides first (the HTTP status, or how the connection ended); the platform's own message is
//! only read where the status leaves the cause open, and the raw message is always kept beside
//! the reason.

use serde::{Deserialize, Serialize};

use crate::platform::PlatformError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    InvalidSession,
    SessionEnded,
    TargetUnknown,
    TargetUnavailable,
    NotAuthorised,
    RateLimited,
    /// A 503: the platform says it cannot serve now.
    PlatformUnavailable,
    /// A 504: a gateway gave up waiting for the platform.
    GatewayTimeout,
    /// Any other 5xx, from the platform or a proxy in front of it.
    PlatformError,
    /// The connection could not be made.
    Network,
    /// The request could not be formed or signed: nothing was sent.
    NotSent,
    /// A teammate is moving the session, or moved it a moment ago (team mode): nothing was
    /// sent. Sending it all the same takes it over, after the supervisor read who and where.
    HeldByTeammate,
    /// Another handoff run or console of this data folder is sending the session, or sent it a
    /// moment ago: nothing was sent.
    InFlightElsewhere,
    /// Team mode: the session could not be claimed because Redis did not answer, and the
    /// supervisor did not say to send it unclaimed: nothing was sent.
    CouldNotClaim,
    /// The run was stopped, or handoff was closing, before its turn came: nothing was sent.
    Stopped,
    /// No answer within the request timeout.
    NoAnswer,
    /// The connection broke after the request went out.
    ConnectionDropped,
    /// A 2xx answer that does not say "transferred" for this session and target.
    UnexpectedReply,
    /// The platform refused it without saying why in words handoff knows.
    Refused,
    /// The platform's callback reports a failure without saying why in words handoff knows.
    #[default]
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
            Self::PlatformUnavailable => "platform unavailable",
            Self::GatewayTimeout => "gateway timed out",
            Self::PlatformError => "platform error",
            Self::Network => "could not reach the platform",
            Self::NotSent => "not sent",
            Self::HeldByTeammate => "a teammate has it",
            Self::InFlightElsewhere => "another run has it",
            Self::CouldNotClaim => "could not claim",
            Self::Stopped => "stopped before its turn",
            Self::NoAnswer => "no answer in time",
            Self::ConnectionDropped => "connection dropped after sending",
            Self::UnexpectedReply => "unexpected reply",
            Self::Refused => "refused by the platform",
            Self::Unknown => "reason not given",
        }
    }

    /// A reason for which a transfer is left unsent with nothing wrong with it: not a failure,
    /// no bell, nothing for the supervisor to look into (see `Outcome::NotSent`).
    pub fn leaves_it_unsent(self) -> bool {
        matches!(
            self,
            Self::HeldByTeammate | Self::InFlightElsewhere | Self::CouldNotClaim | Self::Stopped
        )
    }

    /// Someone else has the session (a teammate, another run): for a run of many, it is taken
    /// as already moved, not as a session left behind.
    pub fn someone_else_has_it(self) -> bool {
        matches!(self, Self::HeldByTeammate | Self::InFlightElsewhere)
    }

    /// The reason for a call that went wrong.
    pub fn of_error(error: &PlatformError) -> Self {
        match error {
            PlatformError::Refused {
                status, message, ..
            } => Self::of_status(*status, message),
            PlatformError::NotTransferred { .. } | PlatformError::UnreadableReply { .. } => {
                Self::UnexpectedReply
            }
            PlatformError::MissingScope { .. } => Self::NotAuthorised,
            PlatformError::Unreachable(_) => Self::Network,
            PlatformError::NotSent(_) => Self::NotSent,
            PlatformError::Timeout(_) => Self::NoAnswer,
            PlatformError::Interrupted(_) => Self::ConnectionDropped,
        }
    }

    /// An error status: the status decides where it can, the message only within 4xx.
    fn of_status(status: u16, message: &str) -> Self {
        match status {
            401 | 403 => Self::NotAuthorised,
            429 => Self::RateLimited,
            503 => Self::PlatformUnavailable,
            504 => Self::GatewayTimeout,
            500..=599 => Self::PlatformError,
            _ => Self::from_message(message).unwrap_or(Self::Refused),
        }
    }

    /// What a failure callback's message says, where it says something handoff knows.
    pub fn of_callback(message: &str) -> Self {
        Self::from_message(message).unwrap_or(Self::Unknown)
    }

    /// Reads the platform's words; `None` when they name no cause handoff knows. Authorisation
    /// is never guessed from words: only a 401 or 403 says so.
    fn from_message(message: &str) -> Option<Self> {
        let text = message.to_ascii_lowercase();
        let says = |words: &[&str]| words.iter().any(|w| text.contains(w));
        let reason = if says(&["rate limit", "rate-limit", "too many requests"]) {
            Self::RateLimited
        } else if says(&[
            "already closed",
            "already ended",
            "has ended",
            "session ended",
            "conversation ended",
            "is closed",
            "was closed",
            "terminated",
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
            && says(&["not found", "invalid", "unknown", "expected", "must be"])
        {
            Self::InvalidSession
        } else {
            return None;
        };
        Some(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureReason as R;
    use std::time::Duration;

    fn refused(status: u16, message: &str) -> PlatformError {
        PlatformError::Refused {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    #[test]
    fn the_cause_decides_before_the_words() {
        let cases = [
            (
                refused(404, "Conversation not found or already closed"),
                R::SessionEnded,
            ),
            (refused(404, "Agent a-1 not found"), R::TargetUnknown),
            (refused(404, "Queue qu-1 not found"), R::TargetUnknown),
            (
                refused(
                    400,
                    "botSessionId must be 24 lowercase hexadecimal characters",
                ),
                R::InvalidSession,
            ),
            (refused(401, "Invalid token signature"), R::NotAuthorised),
            (refused(403, "anything"), R::NotAuthorised),
            (refused(400, "token expired"), R::Refused),
            (
                refused(429, "You've exceeded the per-minute rate limit."),
                R::RateLimited,
            ),
            (
                refused(503, "Agent unavailable, session closed"),
                R::PlatformUnavailable,
            ),
            (refused(504, "Gateway Timeout"), R::GatewayTimeout),
            (refused(500, "<html>…"), R::PlatformError),
            (refused(502, "Bad Gateway (empty reply)"), R::PlatformError),
            (refused(418, "teapot"), R::Refused),
            (
                PlatformError::Interrupted("connection closed before message completed".into()),
                R::ConnectionDropped,
            ),
            (PlatformError::Timeout(Duration::from_secs(2)), R::NoAnswer),
            (
                PlatformError::Unreachable("connection refused".into()),
                R::Network,
            ),
            (
                PlatformError::NotTransferred {
                    status: 200,
                    reported: "closed".into(),
                },
                R::UnexpectedReply,
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(FailureReason::of_error(&error), expected, "{error}");
        }
    }

    #[test]
    fn callbacks_are_read_by_their_words() {
        assert_eq!(
            FailureReason::of_callback("Agent rejected the conversation"),
            R::TargetUnavailable
        );
        assert_eq!(
            FailureReason::of_callback("agent is at full capacity"),
            R::TargetUnavailable
        );
        assert_eq!(
            FailureReason::of_callback("the conversation was closed by the user"),
            R::SessionEnded
        );
        assert_eq!(FailureReason::of_callback("unauthorized"), R::Unknown);
        assert_eq!(FailureReason::of_callback("connection closed"), R::Unknown);
    }
}
