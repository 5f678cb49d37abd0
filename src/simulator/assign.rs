//! `POST /agentassist/api/v1/public/{streamId}/assign-conversation`: the transfer itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::RecordedRequest;
use super::body::{BodyError, read_limited};
use super::callback;
use super::fault::Plan;
use super::reply::ApiError;
use super::state::SimState;
use super::transfer::{Target, Transfer};
use super::{auth, rate};

pub(crate) const PATH: &str = "/agentassist/api/v1/public/{stream_id}/assign-conversation";

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

/// Answers the request and records it with the status it got, whatever that was. Any method is
/// routed here so that wrong-method calls are counted and recorded like the rest.
pub(crate) async fn handle(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    stream_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let arrival = state.arrive();
    let body = read_limited(body).await;
    // A stream id that cannot be decoded cannot match the configured one either.
    let stream_id = stream_id.map(|Path(id)| id).unwrap_or_default();
    let response = match check(&state, &method, &stream_id, &headers, body.as_deref()) {
        Ok(transfer) => fulfil(&state, transfer).await,
        Err(refusal) => refusal.into_response(),
    };
    state.record(
        arrival,
        RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            headers: header_texts(&headers),
            body: body
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default(),
            status: response.status().as_u16(),
        },
    );
    response
}

/// The platform's checks, in the platform's order.
fn check(
    state: &SimState,
    method: &Method,
    stream_id: &str,
    headers: &HeaderMap,
    body: Result<&[u8], &BodyError>,
) -> Result<Transfer, ApiError> {
    let config = &state.config;
    rate::admit(state)?;
    if method != Method::POST {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed here; use POST"),
        ));
    }
    auth::verify_token(headers, config)?;
    auth::verify_account(headers, config)?;
    if stream_id != config.stream_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Stream {stream_id} not found"),
        ));
    }
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ));
    }
    let body = body.map_err(|error| ApiError::from(*error))?;
    Transfer::parse(body, config)
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
    let (delay, outcome) = match Plan::for_session(&transfer.bot_session_id) {
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

/// Header values as text (lossily, if a client sent non-UTF-8), repeated names joined.
fn header_texts(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        texts
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    texts
}
