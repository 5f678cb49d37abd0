//! Validating the assign-conversation body into a [`Transfer`].
//!
//! The public docs call all five fields "required" yet their own samples send either `aId` or
//! `transferredType: "QUEUE"` + `queueId`. The simulator enforces the samples strictly, so a
//! client that passes here sends what the real platform demonstrably accepts.

use axum::http::StatusCode;
use serde_json::{Map, Value};
use url::Url;

use super::SimulatorConfig;
use super::reply::ApiError;

const KNOWN_FIELDS: [&str; 6] = [
    "callbackUrl",
    "orgId",
    "botSessionId",
    "aId",
    "transferredType",
    "queueId",
];

/// Where the conversation goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Agent(String),
    Queue(String),
}

/// A validated transfer request.
#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    pub(crate) callback_url: Url,
    pub(crate) bot_session_id: String,
    pub(crate) target: Target,
}

impl Transfer {
    /// Parses and validates `body` against the simulated tenant.
    pub(crate) fn parse(body: &[u8], config: &SimulatorConfig) -> Result<Transfer, ApiError> {
        let value: Value = serde_json::from_slice(body).map_err(|error| {
            ApiError::bad_request(format!("Request body is not valid JSON: {error}"))
        })?;
        let Value::Object(fields) = value else {
            return Err(ApiError::bad_request("Request body must be a JSON object"));
        };
        reject_unknown_fields(&fields)?;

        let callback_url = parse_callback_url(required(&fields, "callbackUrl")?)?;
        if required(&fields, "orgId")? != config.org_id {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "orgId does not match the organization of this account",
            ));
        }
        let bot_session_id = required(&fields, "botSessionId")?;
        if !is_session_id(bot_session_id) {
            return Err(ApiError::bad_request(
                "botSessionId must be 24 lowercase hexadecimal characters",
            ));
        }
        let target = target(&fields)?;
        ensure_known(&target, config)?;
        Ok(Transfer {
            callback_url,
            bot_session_id: bot_session_id.to_owned(),
            target,
        })
    }
}

fn reject_unknown_fields(fields: &Map<String, Value>) -> Result<(), ApiError> {
    let unknown: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|name| !KNOWN_FIELDS.contains(name))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Unknown field(s) in request body: {}",
            unknown.join(", ")
        )))
    }
}

/// A field that may be absent, but if present must be a non-empty string.
fn optional<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, ApiError> {
    match fields.get(name) {
        None => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text)),
        Some(_) => Err(ApiError::bad_request(format!(
            "{name} must be a non-empty string"
        ))),
    }
}

fn required<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    optional(fields, name)?
        .ok_or_else(|| ApiError::bad_request(format!("Missing required field: {name}")))
}

fn parse_callback_url(text: &str) -> Result<Url, ApiError> {
    let invalid = || ApiError::bad_request("callbackUrl must be an absolute http or https URL");
    let url = Url::parse(text).map_err(|_| invalid())?;
    let web = matches!(url.scheme(), "http" | "https");
    if web && url.host().is_some() {
        Ok(url)
    } else {
        Err(invalid())
    }
}

fn is_session_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Exactly one target: `aId` alone, or `transferredType: "QUEUE"` with `queueId`.
impl Target {
    /// The agent's or the queue's id.
    pub(crate) fn id(&self) -> &str {
        match self {
            Target::Agent(id) | Target::Queue(id) => id,
        }
    }
}

fn target(fields: &Map<String, Value>) -> Result<Target, ApiError> {
    let agent = optional(fields, "aId")?;
    let queue = optional(fields, "queueId")?;
    let kind = optional(fields, "transferredType")?;
    match (agent, queue, kind) {
        (Some(agent), None, None) => Ok(Target::Agent(agent.to_owned())),
        (None, Some(queue), Some("QUEUE")) => Ok(Target::Queue(queue.to_owned())),
        (Some(_), Some(_), _) => Err(ApiError::bad_request(
            "Give either aId (agent) or queueId (queue), not both",
        )),
        (Some(_), None, Some(_)) => Err(ApiError::bad_request(
            "transferredType must not be sent with aId: it is only for queue transfers",
        )),
        (None, Some(_), None) => Err(ApiError::bad_request(
            "queueId requires transferredType \"QUEUE\"",
        )),
        (None, Some(_), Some(_)) => Err(ApiError::bad_request(
            "transferredType must be \"QUEUE\" for a queue transfer",
        )),
        (None, None, Some(_)) => Err(ApiError::bad_request(
            "transferredType \"QUEUE\" requires queueId",
        )),
        (None, None, None) => Err(ApiError::bad_request(
            "Missing transfer target: give aId for an agent, or transferredType \"QUEUE\" with queueId for a queue",
        )),
    }
}

fn ensure_known(target: &Target, config: &SimulatorConfig) -> Result<(), ApiError> {
    let (known, kind, id) = match target {
        Target::Agent(id) => (config.agent(id).is_some(), "Agent", id),
        Target::Queue(id) => (config.queue(id).is_some(), "Queue", id),
    };
    if known {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{kind} {id} not found"),
        ))
    }
}
