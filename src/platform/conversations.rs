//! `GET …/conversations?skip&limit&status`: the account's conversations, for choosing which to
//! move. Read page by page like the roster lists, on the background budget.
//!
//! `status` is documented as an array without saying how several are sent. They go
//! comma-separated first; a platform that answers 400 to that gets them once more as repeated
//! `status=` parameters, and the client keeps to whichever form worked. Whatever comes back in
//! a state that was not asked for is left out, in case a platform ignored the filter.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use reqwest::Method;
use serde_json::Value;

use super::PlatformClient;
use super::conversation::{Conversation, read_conversation};
use super::paging::Pages;
use super::reply::PlatformError;
use crate::ids::ConversationStatus;

/// Conversations asked for a page; the docs show 10 and no bound. A platform that gives fewer
/// costs more pages, and misses none: the next page starts after what came.
const PAGE_SIZE: u32 = 100;
/// Every page costs a request of the account's 60 a minute, and a console reads them all under
/// its reads' ceiling, over as long as that takes; a platform still saying "more" after 10,000
/// conversations is not believed, and the list says where it stopped.
const MAX_PAGES: u32 = 100;

/// The list as read, and what reading it had to work around, in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Why the list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversationsError {
    /// 401 or 403: an app may hold the Routing scope, which transfers need, without this one.
    #[error(
        "HTTP {status}: the platform refused to list conversations ({message}); the app's credentials lack the \"SmartAssist Analytics\" API scope that listing conversations needs (App Settings → Dev Tools → API Scope). Transfers need only the \"Routing\" scope and still work."
    )]
    MissingScope { status: u16, message: String },
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl ConversationsError {
    fn from_platform(error: PlatformError) -> Self {
        match error {
            PlatformError::Refused {
                status: status @ (401 | 403),
                message,
                ..
            } => Self::MissingScope { status, message },
            other => Self::Platform(other),
        }
    }
}

impl PlatformClient {
    /// Every conversation in one of `statuses` (all of them when empty), across all pages.
    pub async fn list_conversations(
        &self,
        statuses: &[ConversationStatus],
    ) -> Result<ConversationList, ConversationsError> {
        let mut notes = Vec::new();
        let mut unnamed = 0_usize;
        let read_at = SystemTime::now();
        let mut pages = Pages::new("conversations", MAX_PAGES);
        while pages.next_page().is_some() {
            let skip = pages.received();
            let (status, body) = self.conversations_page(skip, statuses, &mut notes).await?;
            let read = |record: &Value| {
                let read = read_conversation(record, read_at);
                unnamed += usize::from(read.is_none());
                read
            };
            pages.take(status, &body, read, |c: &Conversation| c.session.as_str())?;
        }
        let paged = pages.finish();
        notes.extend(paged.note);
        if unnamed > 0 {
            notes.push(format!(
                "left out {unnamed} listed conversation(s) without a botSessionId of 24 hex characters: they cannot be named to a transfer"
            ));
        }
        let (conversations, unasked): (Vec<_>, Vec<_>) = paged
            .items
            .into_iter()
            .partition(|c| asked_for(c, statuses));
        if !unasked.is_empty() {
            let mut states: Vec<&str> = unasked
                .iter()
                .filter_map(|c| c.status.as_ref().map(ConversationStatus::as_str))
                .collect();
            states.sort_unstable();
            states.dedup();
            notes.push(format!(
                "the platform also listed {} conversation(s) in states not asked for ({}); left out",
                unasked.len(),
                states.join(", ")
            ));
        }
        Ok(ConversationList {
            conversations,
            notes,
        })
    }

    /// One page, with the statuses in the form the platform takes.
    async fn conversations_page(
        &self,
        skip: u32,
        statuses: &[ConversationStatus],
        notes: &mut Vec<String>,
    ) -> Result<(u16, Vec<u8>), ConversationsError> {
        let repeated = self.repeat_status_params.load(Ordering::Relaxed);
        let first = self.get_conversations(skip, statuses, repeated).await;
        match first {
            Err(PlatformError::Refused {
                status: 400,
                message,
                ..
            }) if !repeated && statuses.len() > 1 => {
                let second = self.get_conversations(skip, statuses, true).await;
                if second.is_ok() {
                    self.repeat_status_params.store(true, Ordering::Relaxed);
                    notes.push(format!(
                        "the platform refused statuses separated by commas (HTTP 400: {message}); sent as repeated status parameters instead, as from now on"
                    ));
                }
                second.map_err(ConversationsError::from_platform)
            }
            other => other.map_err(ConversationsError::from_platform),
        }
    }

    async fn get_conversations(
        &self,
        skip: u32,
        statuses: &[ConversationStatus],
        repeated: bool,
    ) -> Result<(u16, Vec<u8>), PlatformError> {
        let path = format!(
            "conversations?skip={skip}&limit={PAGE_SIZE}{}",
            status_query(statuses, repeated)
        );
        self.send_background(self.request(Method::GET, &path)).await
    }
}

/// `&status=OPEN,OVERDUE`, or with `repeated` `&status=OPEN&status=OVERDUE`; nothing for none.
fn status_query(statuses: &[ConversationStatus], repeated: bool) -> String {
    let names: Vec<String> = statuses
        .iter()
        .map(|s| url::form_urlencoded::byte_serialize(s.as_str().as_bytes()).collect())
        .collect();
    match (names.is_empty(), repeated) {
        (true, _) => String::new(),
        (false, true) => names.iter().map(|n| format!("&status={n}")).collect(),
        // The comma stays a comma: percent-encoded it could read as one odd status.
        (false, false) => format!("&status={}", names.join(",")),
    }
}

/// Whether `conversation` is in one of the `statuses` asked for; one without a status, or with
/// a word the docs do not list, cannot be told apart and is kept.
fn asked_for(conversation: &Conversation, statuses: &[ConversationStatus]) -> bool {
    match &conversation.status {
        None | Some(ConversationStatus::Other(_)) => true,
        Some(status) => statuses.is_empty() || statuses.contains(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_go_comma_separated_or_repeated() {
        let statuses = ConversationStatus::MOVABLE;
        assert_eq!(
            status_query(&statuses, false),
            "&status=OPEN,OVERDUE,ACTIVE"
        );
        assert_eq!(
            status_query(&statuses, true),
            "&status=OPEN&status=OVERDUE&status=ACTIVE"
        );
        assert_eq!(status_query(&[], false), "");
    }

    #[test]
    fn a_refusal_of_the_credentials_names_the_missing_scope() {
        for status in [401, 403] {
            let error = ConversationsError::from_platform(PlatformError::Refused {
                status,
                message: "Unauthorized".into(),
                retry_after: None,
            });
            let words = error.to_string();
            assert!(words.contains(&format!("HTTP {status}")), "{words}");
            assert!(
                words.contains("\"SmartAssist Analytics\" API scope"),
                "{words}"
            );
            assert!(
                words.contains("Transfers need only the \"Routing\" scope"),
                "{words}"
            );
        }
        let other = ConversationsError::from_platform(PlatformError::Refused {
            status: 404,
            message: "no".into(),
            retry_after: None,
        });
        assert!(matches!(other, ConversationsError::Platform(_)));
    }
}
