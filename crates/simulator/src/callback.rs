//! The asynchronous half of a transfer: the outcome the platform later posts to `callbackUrl`,
//! and the simulator's own sink that records such posts.
//!
//! The real payload is undocumented; this one carries what a client can reasonably expect
//! (`botSessionId`/`sessionId`, `status`, the target and a message) so that clients written
//! against it stay tolerant of the unknown real shape.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use url::{Host, Url};

use super::body::read_limited;
use super::fault::{Callback, HOSTILE_TEXT, Outcome};
use super::reply::ApiError;
use super::state::{MAX_RECORDED, SimState};
use super::transfer::{Target, Transfer};

pub(crate) const SINK_PATH: &str = "/_sim/callbacks";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallbackBody<'a> {
    bot_session_id: &'a str,
    session_id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_id: Option<&'a str>,
    message: &'a str,
    timestamp: i64,
}

impl<'a> CallbackBody<'a> {
    fn new(transfer: &'a Transfer, outcome: Outcome) -> CallbackBody<'a> {
        let (agent_id, queue_id) = match &transfer.target {
            Target::Agent(id) => (Some(id.as_str()), None),
            Target::Queue(id) => (None, Some(id.as_str())),
        };
        let (status, message) = match (outcome, &transfer.target) {
            (Outcome::Accepted, Target::Agent(_)) => {
                ("success", "Conversation transferred to agent")
            }
            (Outcome::Accepted, Target::Queue(_)) => {
                ("success", "Conversation transferred to queue")
            }
            (Outcome::Rejected, Target::Agent(_)) => ("failure", "Agent rejected the conversation"),
            (Outcome::Rejected, Target::Queue(_)) => ("failure", "Queue rejected the conversation"),
            // Not the target's doing: the words must not send the supervisor to blame it.
            (Outcome::FailedAtRandom, _) => (
                "failure",
                "The platform could not complete the transfer (a simulated random failure, not the target's doing); trying again may work",
            ),
            (Outcome::RejectedInHostileWords, _) => ("failure", HOSTILE_TEXT),
        };
        CallbackBody {
            bot_session_id: &transfer.bot_session_id,
            session_id: &transfer.bot_session_id,
            status,
            agent_id,
            queue_id,
            message,
            timestamp: chrono::Utc::now().timestamp_millis(),
        }
    }
}

/// Posts what `plan` says to the transfer's `callbackUrl` on a background task, after the
/// configured delay. Non-loopback URLs are skipped and delivery errors ignored (see the module
/// docs).
pub(crate) fn schedule(state: &Arc<SimState>, transfer: Transfer, plan: Callback) {
    if !is_loopback(&transfer.callback_url) {
        return;
    }
    let base = state.config.callback_delay;
    let delay = delay_for(&base, &transfer.bot_session_id);
    let posts: Vec<(std::time::Duration, Outcome)> = match plan {
        Callback::None => return,
        Callback::One(outcome) => vec![(delay, outcome)],
        Callback::Contradicting => vec![(delay, Outcome::Accepted), (base, Outcome::Rejected)],
        Callback::Late => vec![(state.config.late_callback_delay, Outcome::Accepted)],
    };
    let state = Arc::clone(state);
    tokio::spawn(async move {
        for (wait, outcome) in posts {
            tokio::time::sleep(wait).await;
            let body = CallbackBody::new(&transfer, outcome);
            let _ = state
                .http
                .post(transfer.callback_url.clone())
                .json(&body)
                .send()
                .await;
        }
    });
}

/// Real callbacks do not come like clockwork: between half and one and a half times the
/// configured delay, the same for the same session.
fn delay_for(base: &std::time::Duration, bot_session_id: &str) -> std::time::Duration {
    let percent = 50 + super::hash::stable(&[b"delay", bot_session_id.as_bytes()]) % 101;
    *base * percent as u32 / 100
}

/// Whether `url` names this machine: 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `POST /_sim/callbacks`: records any JSON body, so tests and demo mode can watch outcomes.
pub(crate) async fn sink(State(state): State<Arc<SimState>>, body: Body) -> Response {
    let bytes = match read_limited(body).await {
        Ok(bytes) => bytes,
        Err(error) => return ApiError::from(error).into_response(),
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(callback) => {
            state.callbacks.send_modify(|received| {
                if received.len() == MAX_RECORDED {
                    received.remove(0);
                }
                received.push(callback);
            });
            Json(json!({ "ok": true })).into_response()
        }
        Err(error) => ApiError::bad_request(format!("Callback body is not valid JSON: {error}"))
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(url: &str) -> bool {
        is_loopback(&Url::parse(url).expect("test URL parses"))
    }

    #[test]
    fn only_loopback_hosts_receive_callbacks() {
        assert!(loopback("http://127.0.0.1:8009/cb"));
        assert!(loopback("http://127.1.2.3/cb"));
        assert!(loopback("http://[::1]:8009/cb"));
        assert!(loopback("https://LOCALHOST/cb"));
        assert!(!loopback("https://localhost.example.com/cb"));
        assert!(!loopback("http://10.0.0.1/cb"));
        assert!(!loopback("http://[::ffff:127.0.0.1]/cb"));
        assert!(!loopback("https://platform.kore.ai/cb"));
    }
}
