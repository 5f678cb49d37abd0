//! `POST …/assign-conversation`: the transfer itself.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::callback;
use super::fault::Plan;
use super::guard::Call;
use super::reply::ApiError;
use super::state::SimState;
use super::transfer::{Target, Transfer};

/// The synchronous success reply: the request was accepted; the outcome comes by callback.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Accepted<'a> {
    session_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_id: Option<&'a str>,
    status: &'static str,
    request_completed_at: i64,
}

/// Answers a call that passed the shared checks.
pub(crate) async fn handle(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    Extension(call): Extension<Call>,
) -> Response {
    match parse(&state, &headers, &call) {
        Ok(transfer) => fulfil(&state, transfer).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// The endpoint's own checks, after the shared ones.
fn parse(state: &SimState, headers: &HeaderMap, call: &Call) -> Result<Transfer, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ));
    }
    let body = call.body.as_ref().map_err(|error| ApiError::from(*error))?;
    Transfer::parse(body, &state.config)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

/// Carries out a valid request according to its fault trigger.
async fn fulfil(state: &Arc<SimState>, transfer: Transfer) -> Response {
    let (delay, outcome) = match Plan::for_session(&transfer.bot_session_id, &state.config) {
        Plan::Fail(failure) => return failure.into_response(),
        Plan::Transfer { delay, outcome } => (delay, outcome),
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let reply = accepted(&transfer);
    callback::schedule(state, transfer, outcome);
    reply
}

fn accepted(transfer: &Transfer) -> Response {
    let (agent_id, queue_id) = match &transfer.target {
        Target::Agent(id) => (Some(id.as_str()), None),
        Target::Queue(id) => (None, Some(id.as_str())),
    };
    Json(Accepted {
        session_id: &transfer.bot_session_id,
        agent_id,
        queue_id,
        status: "transferred",
        request_completed_at: chrono::Utc::now().timestamp_millis(),
    })
    .into_response()
}
