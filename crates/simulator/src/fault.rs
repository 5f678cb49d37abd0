//! Fault triggers: the `botSessionId` prefix decides how an otherwise valid transfer goes, so
//! demos and tests can reach every failure path (table in the crate's docs, in `lib.rs`).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::reply::ApiError;

/// Long enough that a client with a short timeout gives up first.
const SLOW_ANSWER: Duration = Duration::from_secs(5);

/// Far beyond any reply a client should read whole.
const HUGE_BODY_BYTES: usize = 4 * 1024 * 1024;

const PROXY_ERROR_PAGE: &str = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n\
<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n\
</body>\r\n</html>\r\n";

const GATEWAY_TIMEOUT_PAGE: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n\
<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n";

/// Words that would retitle the window, clear the screen and reverse the text after them, if a
/// client passed them to a terminal as they are.
pub(crate) const HOSTILE_TEXT: &str = "Agent \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}unavailable";

/// How the simulator treats a valid transfer request: what it answers, and what it posts to the
/// callback URL afterwards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) answer: Answer,
    pub(crate) callback: Callback,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    /// The documented success reply, after `delay`.
    Accept { delay: Duration },
    /// A success reply that names something other than what was asked.
    Misnamed(Misnamed),
    /// An error reply.
    Fail(Failure),
    /// Headers of a success, then the connection breaks before the body: the client cannot
    /// know what happened.
    DropConnection,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Misnamed {
    OtherSession,
    OtherTarget,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Callback {
    None,
    /// One callback reporting this outcome, after the configured delay.
    One(Outcome),
    /// A success, and soon after, a failure about the same transfer.
    Contradicting,
    /// A success after [`super::SimulatorConfig::late_callback_delay`].
    Late,
}

/// What a callback reports about the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Accepted,
    /// The target turned the conversation down (the `fa11` trigger).
    Rejected,
    /// The platform failed to carry the transfer out, through no fault of the target: the
    /// configured share of failures, picked at random.
    FailedAtRandom,
    /// Rejected, in words that carry terminal escape sequences.
    RejectedInHostileWords,
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
    /// 504 with a gateway's HTML page: the platform may well have acted behind it.
    GatewayTimeout,
    /// 502 with an HTML body of several megabytes.
    HugeBody,
    /// 400 whose message carries terminal escape sequences and a bidi override.
    HostileMessage,
    /// 400 whose body echoes the request: its token, the client secret and the callback URL.
    EchoesSecrets,
}

const fn fail(failure: Failure) -> Plan {
    Plan {
        answer: Answer::Fail(failure),
        callback: Callback::None,
    }
}

const fn accept(callback: Callback) -> Plan {
    Plan {
        answer: Answer::Accept {
            delay: Duration::ZERO,
        },
        callback,
    }
}

impl Plan {
    /// Whether the platform carries the transfer out, whatever the client hears: it accepted it
    /// and its callback does not report a failure, or it acted behind an answer that got lost.
    pub(crate) fn carried_out(&self) -> bool {
        match (self.answer, self.callback) {
            (Answer::Fail(_), callback) => matches!(callback, Callback::One(Outcome::Accepted)),
            (Answer::Misnamed(_), _) => false,
            (Answer::DropConnection, _) => true,
            (
                Answer::Accept { .. },
                Callback::One(
                    Outcome::Rejected | Outcome::FailedAtRandom | Outcome::RejectedInHostileWords,
                ),
            ) => false,
            (Answer::Accept { .. }, _) => true,
        }
    }

    /// The plan for a transfer of a session to a target: a trigger prefix of the session id
    /// decides, else (when the transfer `may_fail_at_random`) the configured shares of failed
    /// and missing callbacks, picked by a stable hash of the session and the target, so that a
    /// conversation unlucky with one target is not unlucky with every other.
    pub(crate) fn for_transfer(
        bot_session_id: &str,
        target_id: &str,
        config: &super::SimulatorConfig,
        may_fail_at_random: bool,
    ) -> Plan {
        let prefix = bot_session_id.get(..4).unwrap_or_default();
        match prefix {
            "dead" => fail(Failure::ConversationClosed),
            "5000" => fail(Failure::ProxyErrorPage),
            "5020" => fail(Failure::EmptyBadGateway),
            "5030" => fail(Failure::Unavailable),
            "b16b" => fail(Failure::HugeBody),
            "e5c0" => fail(Failure::HostileMessage),
            "ec40" => fail(Failure::EchoesSecrets),
            // The platform acted, but the answer never reached the client: its callback tells.
            "5040" => Plan {
                answer: Answer::Fail(Failure::GatewayTimeout),
                callback: Callback::One(Outcome::Accepted),
            },
            "d409" => Plan {
                answer: Answer::DropConnection,
                callback: Callback::One(Outcome::Accepted),
            },
            "d1ff" => Plan {
                answer: Answer::Misnamed(Misnamed::OtherSession),
                callback: Callback::None,
            },
            "d1f7" => Plan {
                answer: Answer::Misnamed(Misnamed::OtherTarget),
                callback: Callback::None,
            },
            "0077" => Plan {
                answer: Answer::Accept { delay: SLOW_ANSWER },
                callback: Callback::One(Outcome::Accepted),
            },
            "fa11" => accept(Callback::One(Outcome::Rejected)),
            "fa1e" => accept(Callback::One(Outcome::RejectedInHostileWords)),
            "b1ac" => accept(Callback::None),
            "c0c0" => accept(Callback::Contradicting),
            "1a7e" => accept(Callback::Late),
            _ if !may_fail_at_random => accept(Callback::One(Outcome::Accepted)),
            _ => {
                let roll = super::hash::stable(&[
                    b"callback",
                    bot_session_id.as_bytes(),
                    target_id.as_bytes(),
                ]) % 100;
                let failures = u64::from(config.callback_failure_percent.min(100));
                let silences = u64::from(config.callback_silence_percent.min(100));
                let callback = if roll < failures {
                    Callback::One(Outcome::FailedAtRandom)
                } else if roll < failures + silences {
                    Callback::None
                } else {
                    Callback::One(Outcome::Accepted)
                };
                accept(callback)
            }
        }
    }
}

/// What the callback of an accepted transfer will say, for tests that must know in advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackPlan {
    Success,
    Failure,
    /// A success, then a failure.
    Contradicting,
    /// A success, after the late delay.
    Late,
    None,
}

/// The callback plan for a transfer of `bot_session_id` to `target_id` (an agent's or a
/// queue's id) under `config`, as the server will carry it out past the first
/// [`super::SimulatorConfig::random_faults_after`] transfers.
pub fn callback_plan(
    config: &super::SimulatorConfig,
    bot_session_id: &str,
    target_id: &str,
) -> CallbackPlan {
    match Plan::for_transfer(bot_session_id, target_id, config, true).callback {
        Callback::One(Outcome::Accepted) => CallbackPlan::Success,
        Callback::One(
            Outcome::Rejected | Outcome::FailedAtRandom | Outcome::RejectedInHostileWords,
        ) => CallbackPlan::Failure,
        Callback::Contradicting => CallbackPlan::Contradicting,
        Callback::Late => CallbackPlan::Late,
        Callback::None => CallbackPlan::None,
    }
}

impl Failure {
    /// The error reply; `echo` is what the request carried, for the fault that echoes it.
    pub(crate) fn respond(self, echo: &str) -> Response {
        match self {
            Failure::ConversationClosed => ApiError::new(
                StatusCode::NOT_FOUND,
                "Conversation not found or already closed",
            )
            .into_response(),
            Failure::ProxyErrorPage => html(StatusCode::INTERNAL_SERVER_ERROR, PROXY_ERROR_PAGE),
            Failure::EmptyBadGateway => StatusCode::BAD_GATEWAY.into_response(),
            Failure::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "message": "Service temporarily unavailable" })),
            )
                .into_response(),
            Failure::GatewayTimeout => html(StatusCode::GATEWAY_TIMEOUT, GATEWAY_TIMEOUT_PAGE),
            Failure::HugeBody => {
                let mut page = String::with_capacity(HUGE_BODY_BYTES + 64);
                page.push_str("<html><head><title>502 Bad Gateway</title></head><body>");
                while page.len() < HUGE_BODY_BYTES {
                    page.push_str("upstream sent too big a header; ");
                }
                page.push_str("</body></html>");
                html(StatusCode::BAD_GATEWAY, page)
            }
            Failure::HostileMessage => {
                ApiError::new(StatusCode::BAD_REQUEST, HOSTILE_TEXT).into_response()
            }
            Failure::EchoesSecrets => ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Malformed request, as received: {echo}"),
            )
            .into_response(),
        }
    }
}

fn html(status: StatusCode, page: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html")], page.into()).into_response()
}

/// A 200 whose body breaks off: the headers arrive, then the connection drops.
pub(crate) fn dropped_connection() -> Response {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("the simulator drops the connection"))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(broken),
    )
        .into_response()
}
