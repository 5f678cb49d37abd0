//! The platform documentation's own sample replies, served as they are written (made valid JSON
//! with the fewest edits: a missing quote, a comment). They contradict their own paging fields,
//! repeat names, mask ids with `xxxx` and mix field types, so a client that copes with them copes
//! with what the docs promise. Source: the Koredotcom/docs-v2 repository, folder
//! `ai-for-service/apis/contact-center/`, each page's "Sample Response".

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `list-all-agents.mdx`: ten agents, five of them "John Doe", one id a character short.
pub(crate) const AGENTS: &str = include_str!("samples/list-all-agents.json");
/// `get-a-list-of-queues.mdx`: one queue, with `hasMore: true` and `totalPages: 1`.
pub(crate) const QUEUES: &str = include_str!("samples/get-a-list-of-queues.json");
/// `check-agent-availability-status.mdx`: one available agent, empty buckets for the rest.
pub(crate) const AVAILABILITY: &str = include_str!("samples/check-agent-availability-status.json");
/// `queue-size.mdx`: one queue's stats as a bare array.
pub(crate) const QUEUE_STATS: &str = include_str!("samples/queue-size.json");
/// `list-of-conversations.mdx`: ten closed conversations, voice and chat mixed; nine session ids
/// masked with `xxxx`, queue names that are people's names, `priority` a number or null.
pub(crate) const CONVERSATIONS: &str = include_str!("samples/list-of-conversations.json");
/// `queue-performance.mdx`: one queue in two rows (inbound voice, outbound email), its agent
/// counts repeated on both, `SLA` a number on one and `"N/A"` on the other.
pub(crate) const QUEUE_PERFORMANCE: &str = include_str!("samples/queue-performance.json");

/// A sample as the reply, whatever was asked.
pub(crate) fn reply(sample: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], sample).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_json() {
        for sample in [
            AGENTS,
            QUEUES,
            AVAILABILITY,
            QUEUE_STATS,
            CONVERSATIONS,
            QUEUE_PERFORMANCE,
        ] {
            serde_json::from_str::<serde_json::Value>(sample).unwrap();
        }
    }
}
