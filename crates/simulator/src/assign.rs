//! `POST …/assign-conversation`: the transfer itself.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::callback;
use super::conversations::ended_refusal;
use super::fault::{self, Answer, Misnamed, Plan};
use super::floor::Destination;
use super::guard::Call;
use super::reply::ApiError;
use super::state::{SimState, lock};
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
        Ok(transfer) => {
            // What a server that echoes its input would send back: the token, the secret it
            // checks the token with, and the body with its callback URL.
            let echo = format!(
                "auth {}; key {}; body {}",
                headers
                    .get("auth")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
                state.config.client_secret,
                call.body
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            );
            fulfil(&state, transfer, &echo).await
        }
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
    let transfer = Transfer::parse(body, &state.config)?;
    lock(&state.floor)
        .check_movable(&transfer.bot_session_id, state.config.now())
        .map_err(|ended| ended_refusal(&transfer.bot_session_id, ended.status))?;
    Ok(transfer)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

/// Carries out a valid request according to its fault trigger.
async fn fulfil(state: &Arc<SimState>, transfer: Transfer, echo: &str) -> Response {
    let plan = Plan::for_transfer(
        &transfer.bot_session_id,
        transfer.target.id(),
        &state.config,
        state.transfer_may_fail_at_random(),
    );
    if plan.carried_out() {
        move_conversation(state, &transfer);
    }
    let reply = match plan.answer {
        Answer::Fail(failure) => failure.respond(echo),
        Answer::DropConnection => fault::dropped_connection(),
        Answer::Misnamed(misnamed) => accepted(&transfer, Some(misnamed)),
        Answer::Accept { delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            accepted(&transfer, None)
        }
    };
    callback::schedule(state, transfer, plan.callback);
    reply
}

/// Moves the conversation on the floor, as the platform does once it acts on a transfer.
fn move_conversation(state: &SimState, transfer: &Transfer) {
    let config = &state.config;
    let destination = match &transfer.target {
        Target::Agent(id) => config.agent(id).map(Destination::Agent),
        Target::Queue(id) => config.queue(id).map(Destination::Queue),
    };
    if let Some(destination) = destination {
        lock(&state.floor).move_to(&transfer.bot_session_id, destination, config.now());
    }
}

/// The success reply, naming what was transferred (or, for a fault, something else).
fn accepted(transfer: &Transfer, misnamed: Option<Misnamed>) -> Response {
    let (mut agent_id, mut queue_id) = match &transfer.target {
        Target::Agent(id) => (Some(id.as_str()), None),
        Target::Queue(id) => (None, Some(id.as_str())),
    };
    let mut session_id = transfer.bot_session_id.as_str();
    match misnamed {
        Some(Misnamed::OtherSession) => session_id = "0123456789abcdef01234567",
        Some(Misnamed::OtherTarget) => {
            agent_id = None;
            queue_id = Some("qu-0000000-0000-4000-8000-000000000000");
        }
        None => {}
    }
    Json(Accepted {
        session_id,
        agent_id,
        queue_id,
        status: "transferred",
        request_completed_at: chrono::Utc::now().timestamp_millis(),
    })
    .into_response()
}
