//! The documented states of a platform conversation. They sit with the id shapes, beneath
//! everything else: the config names the statuses to list, and the platform's client reads them
//! from records, so neither has to look up to the other for them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The documented states of a conversation, which the list can be filtered by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum ConversationStatus {
    Active,
    Closed,
    Idle,
    Open,
    Overdue,
    Terminated,
    /// A word the docs do not list, kept as the platform wrote it (upper-cased).
    Other(String),
}

impl ConversationStatus {
    /// Every documented state, in the docs' order.
    pub const DOCUMENTED: [ConversationStatus; 6] = [
        Self::Active,
        Self::Closed,
        Self::Idle,
        Self::Open,
        Self::Overdue,
        Self::Terminated,
    ];

    /// What the list shows unless told otherwise: the conversations a supervisor would move.
    pub const MOVABLE: [ConversationStatus; 3] = [Self::Open, Self::Overdue, Self::Active];

    /// A documented state by name, in any case; `None` for anything else.
    pub fn documented(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase();
        Self::DOCUMENTED.into_iter().find(|s| s.as_str() == upper)
    }

    /// A state as a record gives it: a documented one, or the word as it came.
    fn from_record(word: &str) -> Self {
        Self::documented(word).unwrap_or_else(|| Self::Other(word.trim().to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "ACTIVE",
            Self::Closed => "CLOSED",
            Self::Idle => "IDLE",
            Self::Open => "OPEN",
            Self::Overdue => "OVERDUE",
            Self::Terminated => "TERMINATED",
            Self::Other(word) => word,
        }
    }

    /// Still waiting for an agent, so its wait keeps growing.
    pub fn is_waiting(&self) -> bool {
        matches!(self, Self::Open | Self::Overdue)
    }

    /// Over: the platform refuses to move it, as Kore.ai's own console skips it.
    pub fn is_ended(&self) -> bool {
        matches!(self, Self::Closed | Self::Terminated)
    }

    /// The documented names, for messages: "ACTIVE, CLOSED, …".
    pub fn documented_names() -> String {
        Self::DOCUMENTED
            .iter()
            .map(Self::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl From<ConversationStatus> for String {
    fn from(status: ConversationStatus) -> String {
        status.as_str().to_owned()
    }
}

/// Any word, as a record would give it.
impl From<String> for ConversationStatus {
    fn from(word: String) -> Self {
        Self::from_record(&word)
    }
}

impl fmt::Display for ConversationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_in_any_case() {
        assert_eq!(
            ConversationStatus::documented(" overdue "),
            Some(ConversationStatus::Overdue)
        );
        assert_eq!(ConversationStatus::documented("WAITING"), None);
        assert_eq!(
            ConversationStatus::from_record("waiting"),
            ConversationStatus::Other("WAITING".into())
        );
        assert!(ConversationStatus::Terminated.is_ended());
        assert_eq!(
            ConversationStatus::documented_names(),
            "ACTIVE, CLOSED, IDLE, OPEN, OVERDUE, TERMINATED"
        );
    }
}
