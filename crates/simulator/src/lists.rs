//! The lists a roster is synced from: `GET …/organizations/{orgId}/agents`, `GET …/queues` and
//! `GET …/queues/{queueId}`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::conversation::user_id;
use super::guard::Call;
use super::paging::{page_of, positive};
use super::presence::agent_state;
use super::reply::ApiError;
use super::state::SimState;
use super::{Replies, SimAgent, SimQueue, SimulatorConfig, samples};

/// The docs show no queue page size; this is the simulator's default.
const DEFAULT_QUEUE_LIMIT: usize = 25;
/// Larger `limit`s are cut to this, as list APIs commonly do.
const MAX_QUEUE_LIMIT: usize = 100;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentEntry<'a> {
    id: &'a str,
    user_id: String,
    first_name: &'a str,
    last_name: &'a str,
    email_id: &'a str,
    status: &'static str,
    online_status: &'static str,
    queues: Vec<QueueRef<'a>>,
    skills: &'static [String],
    agent_groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
struct QueueRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Group<'a> {
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueEntry<'a> {
    id: &'a str,
    name: &'a str,
    is_active: bool,
    is_default: bool,
    description: &'a str,
}

/// `GET …/organizations/{orgId}/agents?page=N`: the roster, [`SimulatorConfig::agent_page_size`]
/// agents a page, each with its presence right now.
pub(crate) async fn agents(
    State(state): State<Arc<SimState>>,
    Extension(call): Extension<Call>,
    RawQuery(query): RawQuery,
) -> Response {
    let config = &state.config;
    if config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::AGENTS);
    }
    if call.param("org_id") != config.org_id {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "orgId does not match the organization of this account",
        )
        .into_response();
    }
    let page = match positive(query.as_deref(), "page") {
        Ok(page) => page.unwrap_or(1),
        Err(refusal) => return refusal.into_response(),
    };
    let now = config.now();
    Json(page_of(
        &config.agents,
        page,
        config.agent_page_size,
        |agent| agent_entry(config, agent, now),
    ))
    .into_response()
}

fn agent_entry<'a>(
    config: &'a SimulatorConfig,
    agent: &'a SimAgent,
    now: SystemTime,
) -> AgentEntry<'a> {
    let (presence, _, _) = agent_state(config.state_period, &agent.id, now);
    AgentEntry {
        id: &agent.id,
        user_id: user_id(agent),
        first_name: &agent.first_name,
        last_name: &agent.last_name,
        email_id: &agent.email,
        status: "ACTIVE",
        online_status: presence.as_str(),
        queues: agent
            .queue_ids
            .iter()
            .filter_map(|id| config.queue(id))
            .map(|queue| QueueRef {
                id: &queue.id,
                name: &queue.name,
            })
            .collect(),
        skills: &[],
        agent_groups: agent.groups.iter().map(|name| Group { name }).collect(),
    }
}

/// `GET …/queues?page=N&limit=M`.
pub(crate) async fn queues(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
) -> Response {
    if state.config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::QUEUES);
    }
    let query = query.as_deref();
    let paging = positive(query, "page").and_then(|page| Ok((page, positive(query, "limit")?)));
    let (page, limit) = match paging {
        Ok((page, limit)) => (
            page.unwrap_or(1),
            limit.map_or(DEFAULT_QUEUE_LIMIT, |limit| limit.min(MAX_QUEUE_LIMIT)),
        ),
        Err(refusal) => return refusal.into_response(),
    };
    let config = &state.config;
    Json(page_of(&config.queues, page, limit, |queue| {
        queue_entry(config, queue)
    }))
    .into_response()
}

/// `GET …/queues/{queueId}`: one queue as in the list.
pub(crate) async fn queue(
    State(state): State<Arc<SimState>>,
    Extension(call): Extension<Call>,
) -> Response {
    let config = &state.config;
    let id = call.param("queue_id");
    match config.queue(id) {
        Some(queue) => Json(queue_entry(config, queue)).into_response(),
        None => {
            ApiError::new(StatusCode::NOT_FOUND, format!("Queue {id} not found")).into_response()
        }
    }
}

fn queue_entry<'a>(config: &SimulatorConfig, queue: &'a SimQueue) -> QueueEntry<'a> {
    QueueEntry {
        id: &queue.id,
        name: &queue.name,
        is_active: queue.active,
        is_default: config.is_default_queue(&queue.id),
        description: &queue.description,
    }
}
