//! Who can take a chat right now: agent presence and chat capacity, and how long queues are.
//! Read defensively like every reply: unknown buckets and fields are ignored, missing numbers are
//! simply not shown.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::PlatformClient;
use super::lenient::{count, millis};
use super::reply::PlatformError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Presence {
    Available,
    Busy,
    Away,
    Offline,
}

impl Presence {
    pub fn label(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Busy => "busy",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    fn from_bucket(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "AVAILABLE" => Some(Self::Available),
            "BUSY" => Some(Self::Busy),
            "AWAY" => Some(Self::Away),
            "OFFLINE" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// Chats in progress out of those the agent can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub used: u32,
    pub total: u32,
}

impl Capacity {
    pub fn is_full(self) -> bool {
        self.total > 0 && self.used >= self.total
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPresence {
    pub presence: Presence,
    pub chat: Option<Capacity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    pub waiting: Option<u32>,
    pub average_wait: Option<Duration>,
}

impl PlatformClient {
    /// Presence and chat capacity of `agent_ids` (all agents when empty), by agent id, on the
    /// background budget.
    pub async fn availability(
        &self,
        agent_ids: &[String],
    ) -> Result<HashMap<String, AgentPresence>, PlatformError> {
        let body = if agent_ids.is_empty() {
            json!({})
        } else {
            json!({ "agentIds": agent_ids })
        };
        let request = self.request(Method::POST, "agents/availability");
        let (status, reply) = self.send_background(request.map(|r| r.json(&body))).await?;
        let reply: Value =
            serde_json::from_slice(&reply).map_err(|e| PlatformError::UnreadableReply {
                status,
                detail: format!("availability: {e}"),
            })?;
        Ok(read_availability(&reply))
    }

    /// Waiting conversations and average wait of one queue, on the background budget.
    pub async fn queue_stats(&self, queue_id: &str) -> Result<QueueStats, PlatformError> {
        let path = format!(
            "monitor/queueStatsById/{}",
            url::form_urlencoded::byte_serialize(queue_id.as_bytes()).collect::<String>()
        );
        let request = self.request(Method::POST, &path);
        let (status, reply) = self
            .send_background(request.map(|r| r.json(&json!({}))))
            .await?;
        let reply: Value =
            serde_json::from_slice(&reply).map_err(|e| PlatformError::UnreadableReply {
                status,
                detail: format!("queue stats: {e}"),
            })?;
        // Documented as a one-element array; a bare object is taken too.
        let first = match reply {
            Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
            other => other,
        };
        if !first.is_object() {
            return Err(PlatformError::UnreadableReply {
                status,
                detail: "queue stats: no stats object in the reply".into(),
            });
        }
        Ok(QueueStats {
            waiting: first.get("waiting").and_then(count),
            average_wait: first
                .pointer("/queueSummary/avgWait")
                .and_then(millis)
                .map(Duration::from_millis),
        })
    }
}

fn read_availability(reply: &Value) -> HashMap<String, AgentPresence> {
    let mut by_id = HashMap::new();
    let Some(buckets) = reply.as_object() else {
        return by_id;
    };
    for (bucket, entries) in buckets {
        let (Some(presence), Some(entries)) = (Presence::from_bucket(bucket), entries.as_array())
        else {
            continue;
        };
        for entry in entries {
            let Some(id) = entry
                .get("_id")
                .or_else(|| entry.get("id"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let chat = entry.pointer("/channelCapacity/liveChat").and_then(|c| {
                Some(Capacity {
                    used: c.get("usedCapacity").and_then(count)?,
                    total: c.get("totalCapacity").and_then(count)?,
                })
            });
            by_id.insert(id.to_owned(), AgentPresence { presence, chat });
        }
    }
    by_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_buckets_are_read_by_id() {
        let reply = json!({
            "AVAILABLE": [{"_id": "a-1", "channelCapacity": {"liveChat": {"totalCapacity": 3, "usedCapacity": 1}}}],
            "BUSY": [{"_id": "a-2", "channelCapacity": {"liveChat": {"totalCapacity": 2, "usedCapacity": 2}}}],
            "OFFLINE": [{"id": "a-3"}],
            "SOMETHING_NEW": [{"_id": "a-4"}],
            "AWAY": "not a list"
        });
        let read = read_availability(&reply);
        assert_eq!(read.len(), 3);
        assert_eq!(
            read["a-1"],
            AgentPresence {
                presence: Presence::Available,
                chat: Some(Capacity { used: 1, total: 3 })
            }
        );
        assert!(read["a-2"].chat.unwrap().is_full());
        assert_eq!(read["a-3"].chat, None);
    }
}
