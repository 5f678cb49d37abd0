//! The platform's own lists of agents and queues, for syncing the roster. Paging is undocumented,
//! so pages are followed by `hasMore`, then `totalPages`, and stop on an empty page or a page
//! limit, whichever comes first; entries without an id are skipped, other fields are optional.

use reqwest::Method;
use serde::Deserialize;

use super::PlatformClient;
use super::reply::PlatformError;

/// No real contact center lists more; a platform that keeps saying "more" is not believed.
const MAX_PAGES: u32 = 200;
const QUEUE_PAGE_SIZE: u32 = 100;

/// An agent as the platform lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAgent {
    pub id: String,
    pub name: String,
    /// The first agent group, the closest thing the platform has to a team.
    pub team: Option<String>,
}

/// A queue as the platform lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedQueue {
    pub id: String,
    pub name: String,
    pub active: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
    has_more: Option<bool>,
    total_pages: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAgent {
    id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email_id: Option<String>,
    #[serde(default)]
    agent_groups: Vec<RawGroup>,
}

/// Agent groups come as objects with a name in the samples; a bare string is taken too.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawGroup {
    Named { name: Option<String> },
    Plain(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawQueue {
    id: Option<String>,
    name: Option<String>,
    is_active: Option<bool>,
}

impl RawAgent {
    fn listed(self) -> Option<ListedAgent> {
        let id = self.id.filter(|id| !id.trim().is_empty())?;
        let full_name = [self.first_name, self.last_name]
            .into_iter()
            .flatten()
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let name = Some(full_name)
            .filter(|n| !n.is_empty())
            .or(self.email_id)
            .unwrap_or_else(|| id.clone());
        let team = self.agent_groups.into_iter().find_map(|group| match group {
            RawGroup::Named { name } => name,
            RawGroup::Plain(name) => Some(name),
        });
        Some(ListedAgent { id, name, team })
    }
}

impl PlatformClient {
    /// Every agent of the organisation, across all pages. `before_each_call` runs before every
    /// request (the caller spends its rate budget there).
    pub async fn list_agents<F, Fut>(
        &self,
        before_each_call: F,
    ) -> Result<Vec<ListedAgent>, PlatformError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ()>,
    {
        let path = |page: u32| {
            format!(
                "organizations/{}/agents?page={page}",
                url::form_urlencoded::byte_serialize(self.org_id().as_bytes()).collect::<String>()
            )
        };
        let raw: Vec<RawAgent> = self.all_pages(path, before_each_call).await?;
        Ok(raw.into_iter().filter_map(RawAgent::listed).collect())
    }

    /// Every queue of the stream, across all pages.
    pub async fn list_queues<F, Fut>(
        &self,
        before_each_call: F,
    ) -> Result<Vec<ListedQueue>, PlatformError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ()>,
    {
        let path = |page: u32| format!("queues?page={page}&limit={QUEUE_PAGE_SIZE}");
        let raw: Vec<RawQueue> = self.all_pages(path, before_each_call).await?;
        Ok(raw
            .into_iter()
            .filter_map(|q| {
                let id = q.id.filter(|id| !id.trim().is_empty())?;
                Some(ListedQueue {
                    name: q
                        .name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| id.clone()),
                    active: q.is_active.unwrap_or(true),
                    id,
                })
            })
            .collect())
    }

    async fn all_pages<T, F, Fut>(
        &self,
        path: impl Fn(u32) -> String,
        mut before_each_call: F,
    ) -> Result<Vec<T>, PlatformError>
    where
        T: for<'de> Deserialize<'de>,
        F: FnMut() -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            before_each_call().await;
            let (status, body) = self.send(self.request(Method::GET, &path(page))?).await?;
            let page_data: Page<T> =
                serde_json::from_slice(&body).map_err(|e| PlatformError::UnreadableReply {
                    status,
                    detail: format!("page {page} of {}: {e}", path(page)),
                })?;
            let count = page_data.results.len();
            all.extend(page_data.results);
            let more = match (page_data.has_more, page_data.total_pages) {
                (Some(more), _) => more,
                (None, Some(total)) => page < total,
                // Neither said: keep going until a page comes back empty.
                (None, None) => count > 0,
            };
            if !more || count == 0 {
                break;
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_read_leniently() {
        let agents: Vec<RawAgent> = serde_json::from_str(
            r#"[
                {"id":"a-1","firstName":"Dana","lastName":"Whitfield","agentGroups":[{"name":"Billing"}],"extra":1},
                {"id":"a-2","emailId":"sam@example.com","agentGroups":["Tech"]},
                {"firstName":"No id"},
                {"id":"a-3"}
            ]"#,
        )
        .unwrap();
        let listed: Vec<ListedAgent> = agents.into_iter().filter_map(RawAgent::listed).collect();
        assert_eq!(
            listed,
            [
                ListedAgent {
                    id: "a-1".into(),
                    name: "Dana Whitfield".into(),
                    team: Some("Billing".into())
                },
                ListedAgent {
                    id: "a-2".into(),
                    name: "sam@example.com".into(),
                    team: Some("Tech".into())
                },
                ListedAgent {
                    id: "a-3".into(),
                    name: "a-3".into(),
                    team: None
                },
            ]
        );
    }
}
