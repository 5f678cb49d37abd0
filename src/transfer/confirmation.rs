//! The second half of a transfer's life: after the platform accepts it, its callback confirms it,
//! reports a failure, or never comes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::reason::FailureReason;
use super::state::TransferState;
use crate::callback::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "confirmation", rename_all = "lowercase")]
pub enum Confirmation {
    /// The callback says the conversation reached the target.
    Confirmed { payload: Value },
    /// The callback says it did not.
    Failed {
        #[serde(default)]
        reason: FailureReason,
        message: String,
        payload: Value,
    },
    /// A callback came, but its status is not one we recognise; it is shown as it came.
    Unclear { payload: Value },
    /// No callback came.
    Unconfirmed {
        #[serde(default)]
        why: Unheard,
    },
}

/// Why no callback was heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unheard {
    /// The receiver ran, and the wait for the callback ran out.
    #[default]
    NotInTime,
    /// No handoff was running to receive it (found on a later start): it may have come and gone.
    NotListening,
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
                    reason: FailureReason::of_callback(&message),
                    message,
                    payload,
                }
            }
            Verdict::Unclear => Self::Unclear { payload },
        }
    }

    /// The state this confirmation puts its transfer in.
    pub fn state(&self) -> TransferState {
        match self {
            Self::Confirmed { .. } => TransferState::Confirmed,
            Self::Failed { .. } => TransferState::Failed,
            Self::Unclear { .. } => TransferState::Unclear,
            Self::Unconfirmed { .. } => TransferState::Unconfirmed,
        }
    }

    /// True when it settles the transfer for good: a later callback that says otherwise is a
    /// conflict, not news.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Confirmed { .. } | Self::Failed { .. })
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
            Self::Unconfirmed {
                why: Unheard::NotInTime,
            } => Some(
                "no callback from the platform in time; check the conversation before retrying"
                    .into(),
            ),
            Self::Unconfirmed {
                why: Unheard::NotListening,
            } => Some(
                "no callback heard: handoff was not running to receive it; check the conversation before retrying"
                    .into(),
            ),
        }
    }

    pub fn payload(&self) -> Option<&Value> {
        match self {
            Self::Confirmed { payload }
            | Self::Failed { payload, .. }
            | Self::Unclear { payload } => Some(payload),
            Self::Unconfirmed { .. } => None,
        }
    }

    pub fn reason(&self) -> Option<FailureReason> {
        match self {
            Self::Failed { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Failed { message, .. } => Some(message),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_earlier_versions_still_read() {
        let unconfirmed: Confirmation =
            serde_json::from_value(serde_json::json!({"confirmation": "unconfirmed"})).unwrap();
        assert_eq!(
            unconfirmed,
            Confirmation::Unconfirmed {
                why: Unheard::NotInTime
            }
        );
    }
}
