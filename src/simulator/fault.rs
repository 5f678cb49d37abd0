//! Fault triggers: the `botSessionId` prefix decides how an otherwise valid transfer goes, so
//! demos and tests can reach every failure path (table in the module docs of `simulator`).

use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::callback::Outcome;
use super::reply::ApiError;

/// Long enough that a client with a short timeout gives up first.
const SLOW_ANSWER: Duration = Duration::from_secs(5);

const PROXY_ERROR_PAGE: &str = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n\
<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n\
</body>\r\n</html>\r\n";

/// How the simulator treats a valid transfer request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Plan {
    /// Answer with a broken reply instead of transferring.
    Fail(Failure),
    /// Answer success after `delay`; the callback then reports `outcome`.
    Transfer { delay: Duration, outcome: Outcome },
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure {
    /// 404 in the platform's error shape.
    ConversationClosed,
    /// 500 with an HTML page, as a proxy in front of the platform sends.
    ProxyErrorPage,
    /// 502 with nothing in the body.
    EmptyBadGateway,
    /// 503 with JSON that lacks `errors`.
    Unavailable,
}

impl Plan {
    /// The plan for a session: a trigger prefix decides, else the configured shares of failed
    /// and missing callbacks, picked by a stable hash of the session id.
    pub(crate) fn for_session(bot_session_id: &str, config: &super::SimulatorConfig) -> Plan {
        let prefix = bot_session_id.get(..4).unwrap_or_default();
        match prefix {
            "dead" => Plan::Fail(Failure::ConversationClosed),
            "5000" => Plan::Fail(Failure::ProxyErrorPage),
            "5020" => Plan::Fail(Failure::EmptyBadGateway),
            "5030" => Plan::Fail(Failure::Unavailable),
            "0077" => Plan::Transfer {
                delay: SLOW_ANSWER,
                outcome: Outcome::Accepted,
            },
            "fa11" => Plan::Transfer {
                delay: Duration::ZERO,
                outcome: Outcome::Rejected,
            },
            "b1ac" => Plan::Transfer {
                delay: Duration::ZERO,
                outcome: Outcome::Silent,
            },
            _ => {
                let roll = super::hash::stable(&[b"callback", bot_session_id.as_bytes()]) % 100;
                let failures = u64::from(config.callback_failure_percent.min(100));
                let silences = u64::from(config.callback_silence_percent.min(100));
                let outcome = if roll < failures {
                    Outcome::Rejected
                } else if roll < failures + silences {
                    Outcome::Silent
                } else {
                    Outcome::Accepted
                };
                Plan::Transfer {
                    delay: Duration::ZERO,
                    outcome,
                }
            }
        }
    }
}

/// What the callback of an accepted transfer will say, for tests that must know in advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackPlan {
    Success,
    Failure,
    None,
}

/// The callback plan for `bot_session_id` under `config`, as the server will carry it out.
pub fn callback_plan(config: &super::SimulatorConfig, bot_session_id: &str) -> CallbackPlan {
    match Plan::for_session(bot_session_id, config) {
        Plan::Transfer {
            outcome: Outcome::Accepted,
            ..
        } => CallbackPlan::Success,
        Plan::Transfer {
            outcome: Outcome::Rejected,
            ..
        } => CallbackPlan::Failure,
        Plan::Transfer {
            outcome: Outcome::Silent,
            ..
        }
        | Plan::Fail(_) => CallbackPlan::None,
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::ConversationClosed => ApiError::new(
                StatusCode::NOT_FOUND,
                "Conversation not found or already closed",
            )
            .into_response(),
            Failure::ProxyErrorPage => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/html")],
                PROXY_ERROR_PAGE,
            )
                .into_response(),
            Failure::EmptyBadGateway => StatusCode::BAD_GATEWAY.into_response(),
            Failure::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "message": "Service temporarily unavailable" })),
            )
                .into_response(),
        }
    }
}
