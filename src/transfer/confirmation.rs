//! The second half of a transfer's life: after the platform accepts it, its callback confirms it,
//! reports a failure, or never comes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::reason::FailureReason;
use crate::callback::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "confirmation", rename_all = "lowercase")]
pub enum Confirmation {
    /// The callback says the conversation reached the target.
    Confirmed { payload: Value },
    /// The callback says it did not.
    Failed {
        reason: FailureReason,
        message: String,
        payload: Value,
    },
    /// A callback came, but its status is not one we recognise; it is shown as it came.
    Unclear { payload: Value },
    /// No callback within the configured time.
    Unconfirmed,
}

impl Confirmation {
    pub fn from_callback(verdict: &Verdict, payload: Value) -> Self {
        match verdict {
            Verdict::Succeeded => Self::Confirmed { payload },
            Verdict::Failed { message } => {
                let message = message
                    .clone()
                    .unwrap_or_else(|| "the callback reports a failure without a message".into());
                Self::Failed {
                    reason: FailureReason::classify(None, &message),
                    message,
                    payload,
                }
            }
            Verdict::Unclear => Self::Unclear { payload },
        }
    }

    /// `handoff transfer --wait`: 0 confirmed, 1 failed, 3 unconfirmed or unclear.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Confirmed { .. } => 0,
            Self::Failed { .. } => 1,
            Self::Unclear { .. } | Self::Unconfirmed => 3,
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            Self::Confirmed { .. } => "confirmed",
            Self::Failed { .. } => "failed",
            Self::Unclear { .. } => "callback unclear",
            Self::Unconfirmed => "unconfirmed",
        }
    }

    /// The words beside the state: the failure reason and the platform's message, or advice.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Confirmed { .. } => None,
            Self::Failed {
                reason, message, ..
            } => Some(format!("{}: {message}", reason.words())),
            Self::Unclear { .. } => {
                Some("the callback's status is not one handoff knows; see its payload".into())
            }
            Self::Unconfirmed => Some(
                "no callback from the platform in time; check the conversation before retrying"
                    .into(),
            ),
        }
    }

    pub fn payload(&self) -> Option<&Value> {
        match self {
            Self::Confirmed { payload }
            | Self::Failed { payload, .. }
            | Self::Unclear { payload } => Some(payload),
            Self::Unconfirmed => None,
        }
    }
}
