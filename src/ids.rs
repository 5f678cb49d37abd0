//! Identifier shapes of the platform, checked where the supervisor types or saves them.
//!
//! The docs contain ids that break their own shapes (a short queue id, a capitalised `Qu-`), so
//! only the session id is checked strictly: it is what a supervisor pastes under time pressure and
//! a typo there must never reach the platform. Target ids that merely look odd are warnings.
//!
//! The documented states of a conversation ([`ConversationStatus`]) are here too, as words of the
//! platform that the config and the client both name.

mod conversation_status;

use std::fmt;

pub use conversation_status::ConversationStatus;

/// A bot session id (`botSessionId`): 24 lowercase hex characters. Read from anywhere (a team's
/// shared result too) only through [`SessionId::parse`].
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String")]
pub struct SessionId(String);

impl TryFrom<String> for SessionId {
    type Error = SessionIdError;

    fn try_from(text: String) -> Result<Self, SessionIdError> {
        Self::parse(&text)
    }
}

/// Why a pasted session id was refused, in words for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionIdError {
    #[error("the session id is empty")]
    Empty,
    #[error("a session id is 24 hex characters; this one has {0}")]
    WrongLength(usize),
    #[error("a session id is hex (0-9, a-f); {0:?} at position {1} is not")]
    NotHex(char, usize),
}

/// Session ids as listed in a file or pasted at once: separated by line breaks, spaces, commas
/// or semicolons, perhaps quoted. A byte order mark (U+FEFF, which some editors put at the start
/// of a file, and `cat` of two such files in the middle) separates too.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionList {
    /// In the order given, repeats included.
    pub ids: Vec<SessionId>,
    /// The first words that are not session ids ([`SessionList::BAD_KEPT`] at most): their line
    /// (from 1), the word, and why.
    pub bad: Vec<(usize, String, SessionIdError)>,
    /// How many words are not session ids, those in `bad` included.
    pub bad_count: usize,
}

impl SessionList {
    /// Bad words kept to be named: enough to mend a file by, and a file that is something
    /// else altogether (a log, a binary) leaves no copy of every word it holds.
    pub const BAD_KEPT: usize = 10;

    pub fn parse(text: &str) -> Self {
        let separators =
            |c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '\u{feff}');
        let mut list = Self::default();
        for (n, line) in text.lines().enumerate() {
            for word in line.split(separators).filter(|w| !w.is_empty()) {
                match SessionId::parse(word) {
                    Ok(id) => list.ids.push(id),
                    Err(error) => {
                        list.bad_count += 1;
                        if list.bad.len() < Self::BAD_KEPT {
                            list.bad.push((n + 1, word.to_owned(), error));
                        }
                    }
                }
            }
        }
        list
    }

    /// The ids, each once, in the order first given.
    pub fn unique(&self) -> Vec<SessionId> {
        let mut seen = std::collections::HashSet::new();
        self.ids
            .iter()
            .filter(|id| seen.insert(*id))
            .cloned()
            .collect()
    }
}

impl SessionId {
    /// Parses what the supervisor typed or pasted. Surrounding whitespace (a pasted newline, a
    /// trailing space) is trimmed; upper-case hex is accepted and lowered, since ids are often
    /// read aloud or copied from tools that upper-case them.
    pub fn parse(input: &str) -> Result<Self, SessionIdError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(SessionIdError::Empty);
        }
        if let Some((position, bad)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_hexdigit())
        {
            return Err(SessionIdError::NotHex(bad, position + 1));
        }
        let length = trimmed.chars().count();
        if length != 24 {
            return Err(SessionIdError::WrongLength(length));
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id cut for a narrow line, "6538…cf0a1b": the start, which the platform's ids share
    /// for conversations created in the same second, and the end, which tells them apart.
    pub fn short(&self) -> String {
        format!("{}…{}", &self.0[..4], &self.0[self.0.len() - 6..])
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a target is a person or a queue; decides the body of the transfer request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Agent,
    Queue,
}

impl TargetKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Queue => "queue",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Agent => "a-",
            Self::Queue => "qu-",
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A target id that can never be right: nothing to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetIdError {
    #[error("the id is empty")]
    Empty,
    #[error("the id contains a space")]
    Whitespace,
    #[error("the id contains a control character")]
    Control,
}

/// Checks a target id hard (errors) and soft (a warning about its shape).
///
/// Returns `Ok(None)` when the id has the documented shape, `Ok(Some(warning))` when it is usable
/// but looks unlike the documented shape.
pub fn check_target_id(kind: TargetKind, id: &str) -> Result<Option<String>, TargetIdError> {
    if id.is_empty() {
        return Err(TargetIdError::Empty);
    }
    if id.chars().any(char::is_whitespace) {
        return Err(TargetIdError::Whitespace);
    }
    if id.chars().any(char::is_control) {
        return Err(TargetIdError::Control);
    }
    if looks_like(kind, id) {
        Ok(None)
    } else {
        let article = match kind {
            TargetKind::Agent => "an",
            TargetKind::Queue => "a",
        };
        Ok(Some(format!(
            "{id} does not look like {article} {kind} id ({}xxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
            kind.prefix()
        )))
    }
}

/// True when `id` is `prefix` followed by five dash-separated hex groups of 7-8, 4, 4, 4 and 12.
/// The first group is 7 characters in the docs' agent and queue samples, 8 in a plain UUID.
fn looks_like(kind: TargetKind, id: &str) -> bool {
    let Some(rest) = id.strip_prefix(kind.prefix()) else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    let lengths_ok = groups.len() == 5
        && matches!(groups[0].len(), 7 | 8)
        && groups[1].len() == 4
        && groups[2].len() == 4
        && groups[3].len() == 4
        && groups[4].len() == 12;
    lengths_ok
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// True for a string that parses as 24 lowercase hex characters (`accountId`, `botSessionId`).
pub fn is_hex24(value: &str) -> bool {
    value.len() == 24 && value.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_is_trimmed_and_lowered() {
        let id = SessionId::parse("  6538F8A3C9CF425EE5CF0A1B\n").unwrap();
        assert_eq!(id.as_str(), "6538f8a3c9cf425ee5cf0a1b");
        assert_eq!(id.short(), "6538…cf0a1b");
        let sibling = SessionId::parse("6538f8a3c9cf425ee5cf0a1c").unwrap();
        assert_ne!(id.short(), sibling.short(), "ids of one second tell apart");
    }

    #[test]
    fn session_id_errors_say_why() {
        assert_eq!(SessionId::parse("   "), Err(SessionIdError::Empty));
        assert_eq!(
            SessionId::parse("6538f8a3"),
            Err(SessionIdError::WrongLength(8))
        );
        assert_eq!(
            SessionId::parse("6538f8a3c9cf425ee5cfxxxx"),
            Err(SessionIdError::NotHex('x', 21))
        );
        assert_eq!(
            SessionId::parse("6538f8a3 c9cf425ee5cf0a1b"),
            Err(SessionIdError::NotHex(' ', 9))
        );
    }

    #[test]
    fn a_list_takes_a_byte_order_mark_and_keeps_few_bad_words() {
        let list = SessionList::parse(
            "\u{feff}6538f8a3c9cf425ee5cf0a1b\n\u{feff}6538f8a3c9cf425ee5cf0a1c, x\n",
        );
        assert_eq!(list.ids.len(), 2);
        assert_eq!(list.bad, [(2, "x".into(), SessionIdError::NotHex('x', 1))]);
        let garbage = SessionList::parse(&"zz ".repeat(1000));
        assert_eq!(garbage.bad_count, 1000);
        assert_eq!(garbage.bad.len(), SessionList::BAD_KEPT);
    }

    #[test]
    fn target_ids_are_checked_hard_and_soft() {
        let agent = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c";
        assert_eq!(check_target_id(TargetKind::Agent, agent), Ok(None));
        assert!(check_target_id(TargetKind::Queue, agent).unwrap().is_some());
        assert!(
            check_target_id(TargetKind::Queue, "Qu-123")
                .unwrap()
                .unwrap()
                .contains("does not look like a queue id")
        );
        assert_eq!(
            check_target_id(TargetKind::Agent, ""),
            Err(TargetIdError::Empty)
        );
        assert_eq!(
            check_target_id(TargetKind::Agent, "a- 1"),
            Err(TargetIdError::Whitespace)
        );
        assert_eq!(
            check_target_id(TargetKind::Agent, "a-\u{7}"),
            Err(TargetIdError::Control)
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Anything typed or pasted is either a valid id or an error in words; never a panic.
            #[test]
            fn any_text_parses_or_says_why(text in ".{0,40}") {
                match SessionId::parse(&text) {
                    Ok(id) => prop_assert!(is_hex24(id.as_str())),
                    Err(error) => prop_assert!(!error.to_string().is_empty()),
                }
            }

            /// A valid id survives whatever whitespace a paste brings and any case.
            #[test]
            fn a_pasted_id_is_found(id in "[0-9a-fA-F]{24}", before in "[ \t\r\n]{0,4}", after in "[ \t\r\n]{0,4}") {
                let parsed = SessionId::parse(&format!("{before}{id}{after}")).unwrap();
                prop_assert_eq!(parsed.as_str(), id.to_ascii_lowercase());
            }
        }
    }
}
