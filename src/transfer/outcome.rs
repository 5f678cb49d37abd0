//! The platform's synchronous answer to a transfer, in the three ways that matter to a
//! supervisor: it was accepted, it certainly was not, or nobody can tell.

use chrono::{DateTime, Local, TimeZone};
use serde::{Deserialize, Serialize};

use super::TransferRequest;
use super::reason::FailureReason;
use crate::ids::TargetKind;
use crate::platform::{AssignReply, PlatformError};
use crate::terminal_safe::one_line;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// The platform accepted the transfer (the audit file's word for it is "transferred").
    Transferred {
        /// Epoch milliseconds, from the platform's reply.
        #[serde(skip_serializing_if = "Option::is_none")]
        request_completed_at: Option<i64>,
    },
    /// The transfer certainly did not happen.
    Failed {
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        #[serde(default)]
        reason: FailureReason,
        message: String,
    },
    /// The request may have reached the platform, but no answer came back that says what it
    /// did: check before trying again.
    Unknown {
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        #[serde(default)]
        reason: FailureReason,
        message: String,
    },
    /// Never sent, and nothing is wrong with it: the run was stopped before its turn, or
    /// someone else (another run, a teammate) has the session. Not a failure: a supervisor
    /// sends it again, or leaves it to whoever has it.
    #[serde(rename = "not_sent")]
    NotSent {
        #[serde(default)]
        reason: FailureReason,
        message: String,
    },
}

impl Outcome {
    /// Certainly not transferred because it could not go out (the audit file could not record
    /// it, the request could not be signed): a failure, with why in words.
    pub fn failed_before_sending(why: impl Into<String>) -> Self {
        Self::Failed {
            http_status: None,
            reason: FailureReason::NotSent,
            message: why.into(),
        }
    }

    /// Never sent, for `reason` (one of those that leave nothing wrong, see
    /// [`FailureReason::leaves_it_unsent`]), with why in words.
    pub fn not_sent(reason: FailureReason, why: impl Into<String>) -> Self {
        Self::NotSent {
            reason,
            message: why.into(),
        }
    }

    /// Not sent, because a teammate holds the session: `holder` says who, where and when.
    pub fn held_by_teammate(holder: impl std::fmt::Display) -> Self {
        Self::not_sent(FailureReason::HeldByTeammate, holder.to_string())
    }

    /// Whether the platform may have acted on it: accepted, or left in doubt.
    pub fn may_have_moved(&self) -> bool {
        matches!(self, Self::Transferred { .. } | Self::Unknown { .. })
    }

    /// The outcome of `request` from the platform's answer. An answer that names another
    /// session or another target than the one sent is not taken as acceptance.
    pub fn of_answer(
        request: &TransferRequest,
        answer: Result<AssignReply, PlatformError>,
    ) -> Self {
        match answer {
            Ok(reply) => match discrepancy(request, &reply) {
                None => Self::Transferred {
                    request_completed_at: reply.request_completed_at,
                },
                Some(message) => Self::Unknown {
                    http_status: None,
                    reason: FailureReason::UnexpectedReply,
                    message,
                },
            },
            Err(error) => {
                let (http_status, reason) = (error.http_status(), FailureReason::of_error(&error));
                let message = error.to_string();
                if error.certainly_not_applied() {
                    Self::Failed {
                        http_status,
                        reason,
                        message,
                    }
                } else {
                    Self::Unknown {
                        http_status,
                        reason,
                        message,
                    }
                }
            }
        }
    }

    /// Why it failed or is unknown; `None` when it was accepted.
    pub fn reason(&self) -> Option<FailureReason> {
        match self {
            Self::Transferred { .. } => None,
            Self::Failed { reason, .. }
            | Self::Unknown { reason, .. }
            | Self::NotSent { reason, .. } => Some(*reason),
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Transferred { .. } => None,
            Self::Failed { message, .. }
            | Self::Unknown { message, .. }
            | Self::NotSent { message, .. } => Some(message),
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Transferred { .. } | Self::NotSent { .. } => None,
            Self::Failed { http_status, .. } | Self::Unknown { http_status, .. } => *http_status,
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

    /// What a person needs to know beyond the state: when it completed, or why it failed, with
    /// the reason in words before the platform's own.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Transferred { .. } => self
                .completed_at()
                .map(|at| format!("platform completed it at {}", at.format("%H:%M:%S"))),
            Self::Failed {
                reason, message, ..
            } => Some(format!("{}: {message}", reason.words())),
            Self::Unknown {
                reason, message, ..
            } => Some(format!(
                "{}: {message}; outcome unknown: check the conversation before retrying",
                reason.words()
            )),
            Self::NotSent { reason, message } => Some(format!("{}: {message}", reason.words())),
        }
    }
}

/// Where a 200 reply names a session or target other than the one sent, the difference in words.
fn discrepancy(request: &TransferRequest, reply: &AssignReply) -> Option<String> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b);
    if let Some(session) = &reply.session_id
        && !same(session, request.session.as_str())
    {
        return Some(format!(
            "the platform accepted a transfer of session {}, not {}",
            one_line(session),
            request.session
        ));
    }
    let target = &request.target;
    let (named_kind, named) = match (&reply.agent_id, &reply.queue_id) {
        (Some(agent), _) => (TargetKind::Agent, agent),
        (None, Some(queue)) => (TargetKind::Queue, queue),
        (None, None) => return None,
    };
    if named_kind != target.kind || !same(named, &target.id) {
        return Some(format!(
            "the platform accepted a transfer to {named_kind} {}, not to {} {}",
            one_line(named),
            target.kind,
            target.id
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SessionId;
    use crate::roster::Target;
    use crate::transfer::TransferId;

    fn request() -> TransferRequest {
        TransferRequest {
            id: TransferId::new(),
            session: SessionId::parse("6538f8a3c9cf425ee5cf0a1b").unwrap(),
            target: Target::unlisted(TargetKind::Agent, "a-1"),
            note: None,
            reroute_of: None,
            bulk: None,
            confirmed_recent: false,
        }
    }

    fn reply(session: &str, agent: Option<&str>, queue: Option<&str>) -> AssignReply {
        AssignReply {
            session_id: Some(session.into()),
            agent_id: agent.map(Into::into),
            queue_id: queue.map(Into::into),
            status: "transferred".into(),
            request_completed_at: Some(1),
        }
    }

    #[test]
    fn a_reply_for_this_session_and_target_is_acceptance() {
        let outcome = Outcome::of_answer(
            &request(),
            Ok(reply("6538F8A3C9CF425EE5CF0A1B", Some("a-1"), None)),
        );
        assert!(matches!(outcome, Outcome::Transferred { .. }));
    }

    #[test]
    fn a_reply_naming_something_else_is_unknown_in_words() {
        let other_session = Outcome::of_answer(
            &request(),
            Ok(reply("ffffffffffffffffffffffff", Some("a-1"), None)),
        );
        assert_eq!(other_session.reason(), Some(FailureReason::UnexpectedReply));
        assert!(
            other_session
                .detail()
                .unwrap()
                .contains("session ffffffffffffffffffffffff, not 6538f8a3c9cf425ee5cf0a1b"),
            "{other_session:?}"
        );
        let other_target = Outcome::of_answer(
            &request(),
            Ok(reply("6538f8a3c9cf425ee5cf0a1b", None, Some("qu-9"))),
        );
        assert!(matches!(other_target, Outcome::Unknown { .. }));
        assert!(
            other_target
                .message()
                .unwrap()
                .contains("queue qu-9, not to agent a-1")
        );
    }

    #[test]
    fn certainty_decides_failed_or_unknown() {
        let refused = Outcome::of_answer(
            &request(),
            Err(PlatformError::Refused {
                status: 404,
                message: "Agent not found".into(),
                retry_after: None,
            }),
        );
        assert!(matches!(refused, Outcome::Failed { .. }));
        assert_eq!(
            refused.detail().unwrap(),
            "target unknown: HTTP 404: Agent not found"
        );
        let gateway = Outcome::of_answer(
            &request(),
            Err(PlatformError::Refused {
                status: 504,
                message: "Gateway Timeout".into(),
                retry_after: None,
            }),
        );
        assert!(matches!(gateway, Outcome::Unknown { .. }));
        assert!(
            gateway
                .detail()
                .unwrap()
                .ends_with("check the conversation before retrying")
        );
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
        // Lines written before the reason moved into the outcome still read.
        let old: Outcome = serde_json::from_value(serde_json::json!(
            {"outcome": "failed", "http_status": 404, "message": "HTTP 404: x"}
        ))
        .unwrap();
        assert_eq!(old.reason(), Some(FailureReason::Unknown));
    }
}
