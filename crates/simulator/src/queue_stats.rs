//! `POST …/monitor/queueStatsById/{queueId}`: a queue's live load and its agents' presence.
//!
//! The docs send `{}` as the body and describe no filters, so the body is not read.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::guard::Call;
use super::presence::{Presence, agent_state, queue_load};
use super::reply::ApiError;
use super::state::SimState;
use super::{Replies, samples};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueStats<'a> {
    queue_id: &'a str,
    queue_name: &'a str,
    waiting: u64,
    engaged: u64,
    drop_off: u64,
    agent_status: AgentStatus,
    no_of_agents: usize,
    queue_summary: Summary,
}

/// How many of the queue's agents are in each presence.
#[derive(Default, Serialize)]
struct AgentStatus {
    available: usize,
    busy: usize,
    away: usize,
    offline: usize,
}

#[derive(Serialize)]
struct Summary {
    #[serde(rename = "avgWait")]
    avg_wait: u64,
    #[serde(rename = "maxWait")]
    max_wait: u64,
    #[serde(rename = "ASA")]
    asa: u64,
}

/// Answers a one-element array, as the docs show, computed at a single instant so the agent
/// counts match what the availability call says at that instant.
pub(crate) async fn handle(
    State(state): State<Arc<SimState>>,
    Extension(call): Extension<Call>,
) -> Response {
    let config = &state.config;
    if config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::QUEUE_STATS);
    }
    let id = call.param("queue_id");
    let Some(queue) = config.queue(id) else {
        return ApiError::new(StatusCode::NOT_FOUND, format!("Queue {id} not found"))
            .into_response();
    };
    let now = config.now();
    let mut status = AgentStatus::default();
    let mut agents = 0;
    for agent in config.agents_in(&queue.id) {
        agents += 1;
        let count = match agent_state(config.state_period, &agent.id, now).0 {
            Presence::Available => &mut status.available,
            Presence::Busy => &mut status.busy,
            Presence::Away => &mut status.away,
            Presence::Offline => &mut status.offline,
        };
        *count += 1;
    }
    let load = queue_load(config.state_period, queue, now);
    Json([QueueStats {
        queue_id: &queue.id,
        queue_name: &queue.name,
        waiting: load.waiting,
        engaged: load.engaged,
        drop_off: load.drop_off,
        agent_status: status,
        no_of_agents: agents,
        queue_summary: Summary {
            avg_wait: load.avg_wait_ms,
            max_wait: load.max_wait_ms,
            asa: load.answer_ms,
        },
    }])
    .into_response()
}
