//! `GET …/conversations?skip=N&limit=M&status=S`: the floor's conversations, newest first, in the
//! shape of the docs' sample reply (the fields a supervisor's client reads; the sample has many
//! more).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::conversation::{SimConversation, Stint};
use super::paging::{at_least, positive};
use super::reply::ApiError;
use super::state::{SimState, lock};
use super::{Replies, samples};

/// The docs' sample pages by 10.
const DEFAULT_LIMIT: usize = 10;

/// The documented statuses, the only ones the filter takes.
const STATUSES: [&str; 6] = ["ACTIVE", "CLOSED", "IDLE", "OPEN", "OVERDUE", "TERMINATED"];

pub(crate) async fn list(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
) -> Response {
    let config = &state.config;
    if config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::CONVERSATIONS);
    }
    if !config.conversations.analytics_scope {
        return ApiError::unauthorized("You are not authorized to access this API").into_response();
    }
    let query = query.as_deref();
    let asked = at_least(query, "skip", 0).and_then(|skip| {
        let limit = positive(query, "limit")?;
        Ok((
            skip,
            limit,
            statuses(query, config.conversations.comma_separated_statuses)?,
        ))
    });
    let (skip, limit, statuses) = match asked {
        Ok((skip, limit, statuses)) => (
            skip.unwrap_or(0),
            limit
                .unwrap_or(DEFAULT_LIMIT)
                .min(config.conversations.page_limit.max(1)),
            statuses,
        ),
        Err(refusal) => return refusal.into_response(),
    };
    let now = config.now();
    let overdue_after = config.conversations.overdue_after;
    let mut floor = lock(&state.floor);
    let picked_up = config.conversations.picked_up_between_pages;
    if skip > 0
        && picked_up > 0
        && let Some(agent) = config.agents.first()
    {
        floor.pick_up_newest(picked_up, agent, now);
    }
    let matching: Vec<&SimConversation> = floor
        .listed(config, now)
        .into_iter()
        .filter(|c| statuses.is_empty() || statuses.contains(&c.status(now, overdue_after)))
        .collect();
    let total = matching.len();
    let results: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(limit)
        .map(|c| record(c, now, overdue_after))
        .collect();
    Json(json!({
        "results": results,
        "skip": skip,
        "limit": limit,
        "hasMore": skip.saturating_add(limit) < total,
        "totalPages": total.div_ceil(limit),
        "totalResults": total,
    }))
    .into_response()
}

/// Every `status` parameter, each split at commas when the platform reads them so; an unknown
/// status is refused.
fn statuses(query: Option<&str>, commas: bool) -> Result<Vec<&'static str>, ApiError> {
    let mut asked = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key != "status" {
            continue;
        }
        let words: Vec<&str> = if commas {
            value.split(',').collect()
        } else {
            vec![&value]
        };
        for word in words {
            let known = STATUSES
                .iter()
                .find(|s| s.eq_ignore_ascii_case(word.trim()))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid status {word:?}: expected one of {}",
                        STATUSES.join(", ")
                    ))
                })?;
            asked.push(*known);
        }
    }
    Ok(asked)
}

fn iso(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One record, with the docs' field names.
fn record(conversation: &SimConversation, now: SystemTime, overdue_after: Duration) -> Value {
    let traits = &conversation.traits;
    let queue = |stint: &Stint| {
        json!({
            "type": "ASSIGNED",
            "status": stint.status,
            "id": stint.id,
            "name": stint.name,
            "startTime": iso(stint.since),
        })
    };
    let participant = |stint: &Stint| {
        json!({
            "agentId": stint.id,
            "name": stint.name,
            "status": stint.status,
            "assignedAt": iso(stint.since),
        })
    };
    let transfers: Vec<Value> = conversation
        .moves
        .iter()
        .map(|moved| {
            json!({
                "fromAgent": null,
                "transferredType": if moved.by.is_some() { "OTHERS" } else { "API" },
                "transferredTo": [{"type": moved.to_type, "id": moved.to_id, "name": moved.to_name}],
                "transferredBy": moved.by,
                "priority": "LOW",
                "transferredAt": iso(moved.at),
                "isManager": moved.by.is_some(),
            })
        })
        .collect();
    let mut record = json!({
        "botSessionId": conversation.session,
        "_id": conversation.conversation_id,
        "source": traits.channel,
        "status": conversation.status(now, overdue_after),
        "waitTime": millis(conversation.wait(now)),
        "priority": traits.priority,
        "keyIntentName": traits.intent,
        "language": traits.language,
        "queues": conversation.queues.iter().map(queue).collect::<Vec<_>>(),
        "participants": conversation.participants.iter().map(participant).collect::<Vec<_>>(),
        "transferDetails": transfers,
        "skills": [],
        "startTime": iso(conversation.created),
        "createdAt": iso(conversation.created),
        "updatedAt": iso(now),
    });
    if let (Some((tone, emoji)), Some(fields)) = (traits.sentiment, record.as_object_mut()) {
        fields.insert(
            "sentimentTone".into(),
            json!({"sentiment": tone, "emoji": emoji, "strength": 2}),
        );
    }
    record
}

/// Refuses a transfer of a conversation that is over, in the platform's error shape.
pub(crate) fn ended_refusal(session: &str, status: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("Conversation {session} is {status} and cannot be transferred"),
    )
}
