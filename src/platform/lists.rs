//! The platform's own lists of agents and queues, for syncing the roster, read page by page with
//! [`Pages`]. Entries without an id are skipped; every other field is optional and read
//! leniently.

use reqwest::Method;
use serde_json::Value;

use super::PlatformClient;
use super::lenient::{flag, text};
use super::paging::{Paged, Pages};
use super::reply::PlatformError;

/// No real contact center lists more; a platform that keeps saying "more" is not believed.
const MAX_PAGES: u32 = 200;
const QUEUE_PAGE_SIZE: u32 = 100;

/// An agent as the platform lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedAgent {
    pub id: String,
    pub name: String,
    /// The first agent group, the closest thing the platform has to a team; for an agent in no
    /// group, the name of their first queue.
    pub team: Option<String>,
    /// The agent's user id (`u-…`): conversations name their agents by it.
    pub user_id: Option<String>,
}

/// A queue as the platform lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedQueue {
    pub id: String,
    pub name: String,
    pub active: bool,
}

fn listed_agent(entry: &Value) -> Option<ListedAgent> {
    let id = text(entry, "id").or_else(|| text(entry, "_id"))?;
    let full_name = ["firstName", "lastName"]
        .iter()
        .filter_map(|key| text(entry, key))
        .collect::<Vec<_>>()
        .join(" ");
    let name = Some(full_name)
        .filter(|n| !n.is_empty())
        .or_else(|| text(entry, "name"))
        .or_else(|| text(entry, "emailId"))
        .unwrap_or_else(|| id.clone());
    // Groups come as objects (`name` or `groupName`) in the samples; a bare string is taken too.
    // Queues come as `{id, name}`; a bare string there would be an id, not a name. Any other
    // shape (not a list, a number, an object without a name) is no team.
    let team = first_named(entry, "agentGroups", &["name", "groupName"], true)
        .or_else(|| first_named(entry, "queues", &["name", "queueName"], false));
    Some(ListedAgent {
        user_id: text(entry, "userId"),
        id,
        name,
        team,
    })
}

/// The first name in the list `entry[key]`: an object's text under one of `names`, or with
/// `bare` a plain string.
fn first_named(entry: &Value, key: &str, names: &[&str], bare: bool) -> Option<String> {
    entry
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|item| match item {
            Value::String(name) if bare && !name.trim().is_empty() => Some(name.trim().to_owned()),
            item => names.iter().find_map(|name| text(item, name)),
        })
}

fn listed_queue(entry: &Value) -> Option<ListedQueue> {
    let id = text(entry, "id").or_else(|| text(entry, "queueId"))?;
    Some(ListedQueue {
        name: text(entry, "name").unwrap_or_else(|| id.clone()),
        active: entry.get("isActive").and_then(flag).unwrap_or(true),
        id,
    })
}

impl PlatformClient {
    /// Every agent of the organisation, across all pages, each page on the background budget.
    pub async fn list_agents(&self) -> Result<Paged<ListedAgent>, PlatformError> {
        let path = |page: u32| {
            format!(
                "organizations/{}/agents?page={page}",
                url::form_urlencoded::byte_serialize(self.org_id().as_bytes()).collect::<String>()
            )
        };
        self.all_pages("agents", path, listed_agent, |a| &a.id)
            .await
    }

    /// Every queue of the stream, across all pages, each page on the background budget.
    pub async fn list_queues(&self) -> Result<Paged<ListedQueue>, PlatformError> {
        let path = |page: u32| format!("queues?page={page}&limit={QUEUE_PAGE_SIZE}");
        self.all_pages("queues", path, listed_queue, |q| &q.id)
            .await
    }

    /// Every page of a list numbered by `page`, each on the background budget.
    async fn all_pages<T>(
        &self,
        what: &str,
        path: impl Fn(u32) -> String,
        mut read: impl FnMut(&Value) -> Option<T>,
        id_of: impl Fn(&T) -> &str,
    ) -> Result<Paged<T>, PlatformError> {
        let mut pages = Pages::new(what, MAX_PAGES);
        while let Some(page) = pages.next_page() {
            let (status, body) = self
                .send_background(self.request(Method::GET, &path(page)))
                .await?;
            pages.take(status, &body, &mut read, &id_of)?;
        }
        Ok(pages.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agents_are_read_leniently() {
        let entries = json!([
            {"id":"a-1","firstName":"Dana","lastName":"Whitfield","agentGroups":[{"name":"Billing"}],"extra":1},
            {"id":"a-2","emailId":"sam@example.com","agentGroups":["Tech"]},
            {"firstName":"No id"},
            {"id":"a-3","firstName":null,"agentGroups":[{"groupId":"ag-1","groupName":"Default Group"}]},
            {"id":"a-4","firstName":42},
            {"id":"a-5","agentGroups":[],"queues":[{"id":"qu-1"},{"id":"qu-2","name":"Tech Support"}]},
            {"id":"a-6","agentGroups":{"name":"Odd"},"queues":"qu-1"},
            {"id":"a-7","agentGroups":[7, {"groupId":"ag-2"}, "  "],"queues":["qu-1", {"name":"  "}]},
            {"id":"a-8","agentGroups":[{"name":"Retention"}],"queues":[{"id":"qu-2","name":"Tech Support"}]}
        ]);
        let listed: Vec<ListedAgent> = entries
            .as_array()
            .unwrap()
            .iter()
            .filter_map(listed_agent)
            .collect();
        let names: Vec<(&str, &str, Option<&str>)> = listed
            .iter()
            .map(|a| (a.id.as_str(), a.name.as_str(), a.team.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("a-1", "Dana Whitfield", Some("Billing")),
                ("a-2", "sam@example.com", Some("Tech")),
                ("a-3", "a-3", Some("Default Group")),
                ("a-4", "42", None),
                ("a-5", "a-5", Some("Tech Support")),
                ("a-6", "a-6", None),
                ("a-7", "a-7", None),
                ("a-8", "a-8", Some("Retention")),
            ]
        );
    }

    #[test]
    fn queues_take_flags_in_any_spelling() {
        let queue = listed_queue(&json!({"id": "qu-1", "isActive": "false"})).unwrap();
        assert_eq!((queue.name.as_str(), queue.active), ("qu-1", false));
        assert!(listed_queue(&json!({"name": "no id"})).is_none());
    }
}
