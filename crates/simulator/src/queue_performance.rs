//! `POST /agentassist/api/public/analytics/account/{accountId}/queue-performance`: every queue's
//! numbers in one call, one row per queue × channel × direction, as the docs' page describes.
//!
//! The live numbers are the simulator's own floor at the moment of the call: a queue's rows
//! together count the conversations waiting in it (`waiting`; those waiting too long are also in
//! `overdue`) and those with an agent (`ongoing`), exactly as the conversation list shows them at
//! that moment, and every row of a queue repeats the queue's agent counts, as the availability
//! call gives them. The historical numbers (`completed`, `abandonedInQueue`, `ASA`, `SLA`, …)
//! count the floor's conversations created within the asked range; terminated ones stand for
//! those abandoned in the queue. Every queue has rows for voice and two chat channels coming in,
//! voice going out and email coming in. The floor's conversations all come in, so the outbound
//! and email rows carry no live work, and show `SLA` as `"N/A"`, as the docs say.
//!
//! The body is checked as the docs describe it: `startDate` and `endDate` are required ISO 8601
//! times, the end not before the start and at most 24 hours after it; `queues`, `channels`,
//! `direction` and `projection` are lists of text, and an empty one does not filter; `limit`
//! (default 100, cut to 1000) and `offset` are whole numbers. Unknown fields, directions and
//! projection names are refused with 400, so a client's misspelling shows instead of silently
//! answering for everything. `sortBy` (the query's, else the body's) sorts by `queueName` only.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::body::json_object;
use super::conversation::{Phase, SimConversation};
use super::guard::Call;
use super::hash::stable;
use super::presence::{Presence, agent_state};
use super::reply::ApiError;
use super::state::{SimState, lock};
use super::{Replies, SimQueue, SimulatorConfig, samples};

/// Where the call lives: under the account, not the stream, and without `v1`.
pub(crate) const PATH: &str =
    "/agentassist/api/public/analytics/account/{account_id}/queue-performance";

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// The longest range the docs allow.
const MAX_RANGE_HOURS: i64 = 24;

const FIELDS: [&str; 9] = [
    "startDate",
    "endDate",
    "queues",
    "channels",
    "direction",
    "limit",
    "offset",
    "projection",
    "sortBy",
];

/// What every row carries, whatever `projection` names.
const DIMENSIONS: [&str; 4] = ["queueId", "queueName", "channel", "direction"];

/// The metrics `projection` may name; each is also the name of its field in a row.
const METRICS: [&str; 20] = [
    "agentStatusCount",
    "totalConversation",
    "waiting",
    "ongoing",
    "idle",
    "expired",
    "completed",
    "transferred",
    "abandonedInQueue",
    "overdue",
    "systemTermination",
    "ASA",
    "AHT",
    "accepted",
    "answered",
    "queueLoad",
    "resolved",
    "skillsInQueue",
    "topSkills",
    "SLA",
];

/// The row channel of every voice source, as the docs name it.
const VOICE: &str = "Voice";
/// Sources the docs (and the floor) count as voice.
const VOICE_SOURCES: [&str; 3] = ["audiocodes", "campaign", "voice"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        }
    }
}

/// The rows every queue has, in this order; a channel the floor brings that is not among them
/// gets an inbound row of its own after them.
const ROWS: [(&str, Direction); 5] = [
    (VOICE, Direction::Inbound),
    ("rtm", Direction::Inbound),
    ("msteams", Direction::Inbound),
    (VOICE, Direction::Outbound),
    ("emailInst-support", Direction::Inbound),
];

/// What the body asks for, checked.
struct Asked {
    start: SystemTime,
    end: SystemTime,
    /// Queue ids; empty: every active queue.
    queues: Vec<String>,
    /// Channel aliases or source ids; empty: every channel.
    channels: Vec<String>,
    /// Empty: both directions.
    directions: Vec<Direction>,
    limit: usize,
    offset: usize,
    /// Metric names as the docs spell them; empty: every metric.
    projection: Vec<&'static str>,
    /// `sortBy=queueName:desc`.
    descending: bool,
}

/// Answers a page of rows, worked out at a single instant so that the floor, the agent counts
/// and the conversation list agree.
pub(crate) async fn handle(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
    Extension(call): Extension<Call>,
) -> Response {
    let config = &state.config;
    if !config.queue_performance_scope {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "You are not authorized to access this API",
        )
        .into_response();
    }
    let asked = match call.body.as_ref() {
        Ok(body) => Asked::parse(body, query.as_deref()),
        Err(error) => Err(ApiError::from(*error)),
    };
    let asked = match asked {
        Ok(asked) => asked,
        Err(refusal) => return refusal.into_response(),
    };
    if config.replies == Replies::DocumentedSamples {
        return samples::reply(samples::QUEUE_PERFORMANCE);
    }
    let rows = rows(&state, &asked, config.now());
    let total = rows.len();
    let page: Vec<Value> = rows
        .into_iter()
        .skip(asked.offset)
        .take(asked.limit)
        .collect();
    Json(json!({
        "finalResult": page,
        "hasMore": asked.offset.saturating_add(asked.limit) < total,
        "offset": asked.offset,
        "limit": asked.limit,
        "totalResults": total,
    }))
    .into_response()
}

impl Asked {
    fn parse(body: &[u8], query: Option<&str>) -> Result<Asked, ApiError> {
        let fields = json_object(body, &FIELDS)?;
        let start = date(&fields, "startDate")?;
        let end = date(&fields, "endDate")?;
        if end < start {
            return Err(ApiError::bad_request(
                "endDate must be greater than or equal to startDate",
            ));
        }
        if end - start > TimeDelta::hours(MAX_RANGE_HOURS) {
            return Err(ApiError::bad_request(format!(
                "The requested time range must not exceed {MAX_RANGE_HOURS} hours"
            )));
        }
        let mut directions = Vec::new();
        for word in texts(&fields, "direction")? {
            match word.trim().to_ascii_lowercase().as_str() {
                "inbound" => directions.push(Direction::Inbound),
                "outbound" => directions.push(Direction::Outbound),
                "both" => directions.extend([Direction::Inbound, Direction::Outbound]),
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "Invalid direction {word:?}: expected Inbound, Outbound or Both"
                    )));
                }
            }
        }
        let mut projection = Vec::new();
        for word in texts(&fields, "projection")? {
            let metric = METRICS
                .iter()
                .find(|metric| metric.eq_ignore_ascii_case(word.trim()))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid projection {word:?}: expected any of {}",
                        METRICS.join(", ")
                    ))
                })?;
            projection.push(*metric);
        }
        let sort_in_query = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(key, _)| key == "sortBy")
            .map(|(_, value)| value.into_owned());
        let sort = match sort_in_query {
            Some(sort) => Some(sort),
            None => optional_text(&fields, "sortBy")?,
        };
        Ok(Asked {
            start: SystemTime::from(start),
            end: SystemTime::from(end),
            queues: texts(&fields, "queues")?,
            channels: texts(&fields, "channels")?,
            directions,
            limit: whole(&fields, "limit", 1)?
                .unwrap_or(DEFAULT_LIMIT)
                .min(MAX_LIMIT),
            offset: whole(&fields, "offset", 0)?.unwrap_or(0),
            projection,
            descending: descending(sort.as_deref())?,
        })
    }

    fn admits(&self, channel: &str, direction: Direction) -> bool {
        let channel_ok = self.channels.is_empty()
            || self
                .channels
                .iter()
                .any(|word| channel_matches(word, channel));
        channel_ok && (self.directions.is_empty() || self.directions.contains(&direction))
    }
}

/// A required ISO 8601 date and time.
fn date(fields: &Map<String, Value>, name: &str) -> Result<DateTime<Utc>, ApiError> {
    let shape = "an ISO 8601 date and time such as 2026-09-08T00:00:00.000Z";
    match fields.get(name) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!(
            "{name} is required: {shape}"
        ))),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text.trim())
            .map(|at| at.with_timezone(&Utc))
            .map_err(|_| ApiError::bad_request(format!("{name} must be {shape}, not {text:?}"))),
        Some(_) => Err(ApiError::bad_request(format!("{name} must be {shape}"))),
    }
}

/// An optional list of text; absent or `null` is empty.
fn texts(fields: &Map<String, Value>, name: &str) -> Result<Vec<String>, ApiError> {
    let not_a_list = || ApiError::bad_request(format!("{name} must be an array of strings"));
    match fields.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(not_a_list))
            .collect(),
        Some(_) => Err(not_a_list()),
    }
}

fn optional_text(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{name} must be a string"))),
    }
}

/// An optional whole number from `min`.
fn whole(fields: &Map<String, Value>, name: &str, min: usize) -> Result<Option<usize>, ApiError> {
    let Some(value) = fields.get(name).filter(|value| !value.is_null()) else {
        return Ok(None);
    };
    value
        .as_u64()
        .and_then(|number| usize::try_from(number).ok())
        .filter(|number| *number >= min)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be a whole number from {min}, not {value}"
            ))
        })
}

/// Whether `sortBy` asks for descending queue names; the simulator sorts by nothing else.
fn descending(sort: Option<&str>) -> Result<bool, ApiError> {
    let Some(sort) = sort.map(str::trim) else {
        return Ok(false);
    };
    let (field, order) = sort.split_once(':').unwrap_or((sort, "asc"));
    match (field, order.to_ascii_lowercase().as_str()) {
        ("queueName", "asc") => Ok(false),
        ("queueName", "desc") => Ok(true),
        _ => Err(ApiError::bad_request(format!(
            "Invalid sortBy {sort:?}: expected queueName:asc or queueName:desc"
        ))),
    }
}

/// One `channels` entry against a row's channel: an exact source id, or one of the docs'
/// aliases and labels.
fn channel_matches(word: &str, channel: &str) -> bool {
    let word = word.trim();
    let email = is_email(channel);
    let voice = channel == VOICE;
    word.eq_ignore_ascii_case(channel)
        || match word.to_ascii_lowercase().as_str() {
            "email" => email,
            "chat" | "digital" => !voice && !email,
            "web/mobile client" => channel == "rtm",
            "whatsapp" => channel.to_ascii_lowercase().contains("whatsapp"),
            _ => false,
        }
}

fn is_email(channel: &str) -> bool {
    channel.to_ascii_lowercase().starts_with("email")
}

/// The row a conversation's `source` counts in: voice sources are all `Voice`, the rest are
/// their source as it is.
fn row_channel(source: &str) -> String {
    if VOICE_SOURCES
        .iter()
        .any(|voice| voice.eq_ignore_ascii_case(source))
    {
        VOICE.to_owned()
    } else {
        source.to_owned()
    }
}

/// What the floor says about one row.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    waiting: u64,
    overdue: u64,
    ongoing: u64,
    /// Created within the asked range, and of those: …
    total: u64,
    completed: u64,
    transferred: u64,
    abandoned: u64,
    /// … taken by an agent, how many within the overdue threshold, and their waits together.
    answered: u64,
    answered_in_time: u64,
    answer_ms: u64,
}

impl Tally {
    fn add(
        &mut self,
        conversation: &SimConversation,
        asked: &Asked,
        now: SystemTime,
        overdue_after: Duration,
    ) {
        match conversation.phase {
            Phase::Waiting { .. } => {
                self.waiting += 1;
                if conversation.status(now, overdue_after) == "OVERDUE" {
                    self.overdue += 1;
                }
            }
            Phase::WithAgent { .. } | Phase::Idle { .. } => self.ongoing += 1,
            Phase::Closed { .. } | Phase::Terminated { .. } => {}
        }
        if conversation.created < asked.start || conversation.created > asked.end {
            return;
        }
        self.total += 1;
        match conversation.phase {
            Phase::Closed { .. } => self.completed += 1,
            Phase::Terminated { .. } => self.abandoned += 1,
            Phase::Waiting { .. } | Phase::WithAgent { .. } | Phase::Idle { .. } => {}
        }
        if !conversation.moves.is_empty() {
            self.transferred += 1;
        }
        if let Phase::WithAgent { waited } | Phase::Idle { waited } | Phase::Closed { waited } =
            conversation.phase
        {
            self.answered += 1;
            self.answered_in_time += u64::from(waited <= overdue_after);
            self.answer_ms = self
                .answer_ms
                .saturating_add(u64::try_from(waited.as_millis()).unwrap_or(u64::MAX));
        }
    }

    /// Average speed of answer in milliseconds; 0 when nobody was answered.
    fn asa_ms(&self) -> u64 {
        self.answer_ms.checked_div(self.answered).unwrap_or(0)
    }

    /// The share answered within the threshold, in whole percent; 100 when nobody was answered,
    /// as nobody was answered late.
    fn sla_percent(&self) -> u64 {
        (self.answered_in_time * 100)
            .checked_div(self.answered)
            .unwrap_or(100)
    }
}

/// A queue's agents by presence at `now`, as the availability call and queue stats count them.
fn agent_status_count(config: &SimulatorConfig, queue: &SimQueue, now: SystemTime) -> Value {
    let mut counts = [0_usize; 4];
    for agent in config.agents_in(&queue.id) {
        let slot = match agent_state(config.state_period, &agent.id, now).0 {
            Presence::Available => 0,
            Presence::Away => 1,
            Presence::Busy => 2,
            Presence::Offline => 3,
        };
        counts[slot] += 1;
    }
    let [available, away, busy, offline] = counts;
    json!({"available": available, "away": away, "busy": busy, "offline": offline})
}

/// Every row the body asks for, before paging: queues by name, each queue's rows in [`ROWS`]
/// order.
fn rows(state: &SimState, asked: &Asked, now: SystemTime) -> Vec<Value> {
    let config = &state.config;
    let overdue_after = config.conversations.overdue_after;
    let mut tallies: BTreeMap<(String, String, Direction), Tally> = BTreeMap::new();
    for conversation in lock(&state.floor).listed(config, now) {
        let Some(queue) = conversation.queues.last() else {
            continue;
        };
        let key = (
            queue.id.clone(),
            row_channel(conversation.traits.channel),
            Direction::Inbound,
        );
        tallies
            .entry(key)
            .or_default()
            .add(conversation, asked, now, overdue_after);
    }
    let mut queues: Vec<&SimQueue> = config
        .queues
        .iter()
        .filter(|queue| {
            if asked.queues.is_empty() {
                queue.active
            } else {
                asked.queues.contains(&queue.id)
            }
        })
        .collect();
    queues.sort_by(|a, b| a.name.cmp(&b.name));
    if asked.descending {
        queues.reverse();
    }
    let mut rows = Vec::new();
    for queue in queues {
        let agents = agent_status_count(config, queue, now);
        let mut dimensions: Vec<(String, Direction)> = ROWS
            .iter()
            .map(|(channel, direction)| ((*channel).to_owned(), *direction))
            .collect();
        for (queue_id, channel, direction) in tallies.keys() {
            let dimension = (channel.clone(), *direction);
            if *queue_id == queue.id && !dimensions.contains(&dimension) {
                dimensions.push(dimension);
            }
        }
        for (channel, direction) in dimensions {
            if !asked.admits(&channel, direction) {
                continue;
            }
            let tally = tallies
                .get(&(queue.id.clone(), channel.clone(), direction))
                .copied()
                .unwrap_or_default();
            rows.push(row(
                queue,
                &channel,
                direction,
                &agents,
                &tally,
                &asked.projection,
            ));
        }
    }
    rows
}

/// One row in the docs' shape, cut to `projection` when it names anything.
fn row(
    queue: &SimQueue,
    channel: &str,
    direction: Direction,
    agents: &Value,
    tally: &Tally,
    projection: &[&str],
) -> Value {
    let sla = if direction == Direction::Inbound && !is_email(channel) {
        json!(tally.sla_percent())
    } else {
        json!("N/A")
    };
    // Handle times and resolutions the floor does not model: steady per row.
    let roll = stable(&[
        b"queue-performance",
        queue.id.as_bytes(),
        channel.as_bytes(),
        direction.as_str().as_bytes(),
    ]);
    let (handle_ms, resolved) = if tally.completed > 0 {
        (120_000 + roll % 480_000, 60 + (roll >> 32) % 41)
    } else {
        (0, 0)
    };
    let mut row = json!({
        "queueId": queue.id,
        "queueName": queue.name,
        "channel": channel,
        "direction": direction.as_str(),
        "agentStatusCount": agents,
        "totalConversation": tally.total,
        "waiting": tally.waiting,
        "ongoing": tally.ongoing,
        "idle": 0,
        "expired": 0,
        "completed": tally.completed,
        "transferred": tally.transferred,
        "abandonedInQueue": tally.abandoned,
        "overdue": tally.overdue,
        "systemTermination": {
            "outOfBusinessHours": 0,
            "noAgentsAvailable": tally.abandoned,
            "networkFailure": 0,
            "voiceGatewayError": 0,
            "Others": 0,
        },
        "ASA": tally.asa_ms(),
        "AHT": handle_ms,
        "accepted": tally.total,
        "answered": tally.answered,
        "queueLoad": tally.waiting + tally.ongoing,
        "resolved": resolved,
        "skillsInQueue": [],
        "topSkills": [],
        "SLA": sla,
    });
    if !projection.is_empty()
        && let Value::Object(fields) = &mut row
    {
        fields.retain(|name, _| {
            DIMENSIONS.contains(&name.as_str()) || projection.contains(&name.as_str())
        });
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_match_by_source_or_by_the_docs_aliases() {
        assert!(channel_matches("rtm", "rtm"));
        assert!(channel_matches("voice", VOICE));
        assert!(channel_matches("Chat", "msteams"));
        assert!(!channel_matches("Chat", VOICE));
        assert!(channel_matches("Email", "emailInst-support"));
        assert!(!channel_matches("Digital", "emailInst-support"));
        assert!(channel_matches("Web/Mobile Client", "rtm"));
        assert!(!channel_matches("WhatsApp", "rtm"));
        assert_eq!(row_channel("audiocodes"), VOICE);
        assert_eq!(row_channel("rtm"), "rtm");
    }

    #[test]
    fn sorting_is_by_queue_name_only() {
        assert_eq!(descending(None).ok(), Some(false));
        assert_eq!(descending(Some("queueName:asc")).ok(), Some(false));
        assert_eq!(descending(Some("queueName:DESC")).ok(), Some(true));
        assert!(descending(Some("waiting:desc")).is_err());
    }
}
