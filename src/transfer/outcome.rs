//! How a transfer ended, in the three ways that matter to a supervisor: it went through, it
//! certainly did not, or nobody can tell.

use chrono::{DateTime, Local, TimeZone};
use serde::{Deserialize, Serialize};

use super::reason::FailureReason;
use crate::platform::{AssignReply, PlatformError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// The platform accepted the transfer.
    Transferred {
        /// Epoch milliseconds, from the platform's reply.
        #[serde(skip_serializing_if = "Option::is_none")]
        request_completed_at: Option<i64>,
    },
    /// The transfer certainly did not happen.
    Failed {
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        message: String,
    },
    /// The request may have reached the platform, but no readable answer came back: check before
    /// trying again.
    Unknown {
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        message: String,
    },
}

impl Outcome {
    pub fn from_result(result: Result<AssignReply, PlatformError>) -> Self {
        match result {
            Ok(reply) => Self::Transferred {
                request_completed_at: reply.request_completed_at,
            },
            Err(error) if error.certainly_not_applied() => Self::Failed {
                http_status: error.http_status(),
                message: failure_message(&error),
            },
            Err(error) => Self::Unknown {
                http_status: error.http_status(),
                message: error.to_string(),
            },
        }
    }

    /// Why it failed, in a few words; `None` when it was accepted.
    pub fn reason(&self) -> Option<FailureReason> {
        match self {
            Self::Transferred { .. } => None,
            Self::Failed {
                http_status,
                message,
            }
            | Self::Unknown {
                http_status,
                message,
            } => Some(FailureReason::classify(*http_status, message)),
        }
    }

    /// The one-shot command's exit code: 0 transferred, 1 failed, 3 unknown.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Transferred { .. } => 0,
            Self::Failed { .. } => 1,
            Self::Unknown { .. } => 3,
        }
    }

    /// The platform's completion time in this machine's time zone.
    pub fn completed_at(&self) -> Option<DateTime<Local>> {
        match self {
            Self::Transferred {
                request_completed_at: Some(ms),
            } => Local.timestamp_millis_opt(*ms).single(),
            _ => None,
        }
    }

    /// The state in one word or two: "transferred", "failed", "outcome unknown".
    pub fn word(&self) -> &'static str {
        match self {
            Self::Transferred { .. } => "transferred",
            Self::Failed { .. } => "failed",
            Self::Unknown { .. } => "outcome unknown",
        }
    }

    /// What a person needs to know beyond the word: when it completed, or why it failed.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Transferred { .. } => self
                .completed_at()
                .map(|at| format!("platform completed it at {}", at.format("%H:%M:%S"))),
            Self::Failed { message, .. } => Some(message.clone()),
            Self::Unknown { message, .. } => {
                Some(format!("{message}; check the conversation before retrying"))
            }
        }
    }
}

/// A refusal keeps the status in front, so the supervisor sees "HTTP 404: Agent not found".
fn failure_message(error: &PlatformError) -> String {
    match error {
        PlatformError::Refused {
            status: 429,
            message,
            ..
        } => {
            format!(
                "HTTP 429: {message} (rate-limited: further requests wait for the account's budget)"
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_exit_codes_and_words() {
        let refused = Outcome::from_result(Err(PlatformError::Refused {
            status: 404,
            message: "Agent not found".into(),
            retry_after: None,
        }));
        assert_eq!(refused.exit_code(), 1);
        assert_eq!(refused.word(), "failed");
        assert_eq!(refused.detail().unwrap(), "HTTP 404: Agent not found");
        let timeout = Outcome::from_result(Err(PlatformError::Timeout(
            std::time::Duration::from_secs(2),
        )));
        assert_eq!(timeout.exit_code(), 3);
        assert!(
            timeout
                .detail()
                .unwrap()
                .ends_with("check the conversation before retrying")
        );
        let unreachable =
            Outcome::from_result(Err(PlatformError::Unreachable("connection refused".into())));
        assert_eq!(unreachable.exit_code(), 1);
    }

    #[test]
    fn serialized_for_the_audit_file() {
        let json = serde_json::to_value(Outcome::Transferred {
            request_completed_at: Some(1698825180041),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "transferred", "request_completed_at": 1698825180041_i64})
        );
    }
}
