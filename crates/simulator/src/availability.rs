//! `POST …/agents/availability`: who is available, busy, away or offline right now, with their
//! capacity per channel.
//!
//! The body `{agentIds?, queueIds?, skillIds?}` narrows the answer; every field is optional, and
//! an absent, `null` or empty list does not filter. Unknown ids simply match nobody, and since
//! simulated agents have no skills, a non-empty `skillIds` matches nobody. Other fields are
//! refused, so a misspelt filter shows instead of silently answering for everyone. The body is
//! read as JSON whatever its `Content-Type`, since the docs say nothing about one here.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::body::json_object;
use super::guard::Call;
use super::presence::{Presence, agent_state};
use super::reply::ApiError;
use super::state::SimState;
use super::{Replies, SimAgent, samples};

const FILTERS: [&str; 3] = ["agentIds", "queueIds", "skillIds"];

/// Only live chat is simulated; the other channels show a fixed, idle capacity.
const MESSAGING_CAPACITY: u32 = 2;
const EMAIL_CAPACITY: u32 = 5;
const VOICE_CAPACITY: u32 = 1;

#[derive(Default, Serialize)]
struct Availability<'a> {
    #[serde(rename = "AVAILABLE")]
    available: Vec<Entry<'a>>,
    #[serde(rename = "BUSY")]
    busy: Vec<Entry<'a>>,
    #[serde(rename = "OFFLINE")]
    offline: Vec<Entry<'a>>,
    #[serde(rename = "AWAY")]
    away: Vec<Entry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(rename = "_id")]
    id: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    channel_capacity: Channels,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Channels {
    live_chat: Capacity,
    messaging: Capacity,
    email: Capacity,
    voice: Capacity,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Capacity {
    total_capacity: u32,
    used_capacity: u32,
    available_capacity: u32,
}

impl Capacity {
    fn new(total: u32, used: u32) -> Capacity {
        Capacity {
            total_capacity: total,
            used_capacity: used,
            available_capacity: total.saturating_sub(used),
        }
    }
}

/// The body's filters; `None` lets everyone through.
struct Filter {
    agents: Option<HashSet<String>>,
    queues: Option<HashSet<String>>,
    skills: Option<HashSet<String>>,
}

impl Filter {
    fn parse(body: &[u8]) -> Result<Filter, ApiError> {
        let fields = json_object(body, &FILTERS)?;
        Ok(Filter {
            agents: ids(&fields, "agentIds")?,
            queues: ids(&fields, "queueIds")?,
            skills: ids(&fields, "skillIds")?,
        })
    }

    fn admits(&self, agent: &SimAgent) -> bool {
        let agent_ok = self
            .agents
            .as_ref()
            .is_none_or(|ids| ids.contains(&agent.id));
        let queue_ok = self
            .queues
            .as_ref()
            .is_none_or(|ids| agent.queue_ids.iter().any(|id| ids.contains(id)));
        agent_ok && queue_ok && self.skills.is_none()
    }
}

/// An optional list of ids; empty counts as absent.
fn ids(fields: &Map<String, Value>, name: &str) -> Result<Option<HashSet<String>>, ApiError> {
    let not_a_list = || ApiError::bad_request(format!("{name} must be an array of strings"));
    let items = match fields.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(not_a_list()),
    };
    let ids = items
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(not_a_list))
        .collect::<Result<HashSet<String>, ApiError>>()?;
    Ok((!ids.is_empty()).then_some(ids))
}

/// Answers with every admitted agent in the bucket of its presence right now.
pub(crate) async fn handle(
    State(state): State<Arc<SimState>>,
    Extension(call): Extension<Call>,
) -> Response {
    let filter = match call.body.as_ref() {
        Ok(body) => Filter::parse(body),
        Err(error) => Err(ApiError::from(*error)),
    };
    let filter = match filter {
        Ok(filter) => filter,
        Err(refusal) => return refusal.into_response(),
    };
    let config = &state.config;
    if config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::AVAILABILITY);
    }
    let now = config.now();
    let mut reply = Availability::default();
    for agent in config.agents.iter().filter(|agent| filter.admits(agent)) {
        let (presence, used, total) = agent_state(config.state_period, &agent.id, now);
        let entry = Entry {
            id: &agent.id,
            first_name: &agent.first_name,
            last_name: &agent.last_name,
            channel_capacity: Channels {
                live_chat: Capacity::new(total, used),
                messaging: Capacity::new(MESSAGING_CAPACITY, 0),
                email: Capacity::new(EMAIL_CAPACITY, 0),
                voice: Capacity::new(VOICE_CAPACITY, 0),
            },
        };
        match presence {
            Presence::Available => reply.available.push(entry),
            Presence::Busy => reply.busy.push(entry),
            Presence::Away => reply.away.push(entry),
            Presence::Offline => reply.offline.push(entry),
        }
    }
    Json(reply).into_response()
}
