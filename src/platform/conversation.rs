//! One conversation of the platform's conversation list, as handoff keeps it: our own type, read
//! field by field from whatever the platform sent. The docs' sample replies mix shapes (voice and
//! chat records carry different fields, `priority` is a number or null, queue names hold people's
//! names), so every field but the session id is optional and one odd field never costs the rest.
//! Text is kept as the platform wrote it: it is outside input and must be made safe wherever it
//! is shown.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient::{millis, text};
use crate::ids::{ConversationStatus, SessionId, TargetKind};
use crate::terminal_safe::{NAME_CHARS, cut};
use crate::words::short_duration;

/// A person a record names: by the platform's user id (`u-…`, which is not the agent id a
/// transfer takes), by name, or both. Naming the list's people, further up, adds the agent id
/// and the roster's name where the user id is known.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Person {
    pub user_id: Option<String>,
    /// The agent id (`a-…`), when the agent list maps the user id to it.
    pub agent_id: Option<String>,
    pub name: Option<String>,
}

impl Person {
    /// The name, else whichever id is known.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.agent_id.as_deref())
            .or(self.user_id.as_deref())
            .unwrap_or("?")
    }
}

/// A queue a record names, by id, name or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl QueueRef {
    /// The name, else the id.
    pub fn label(&self) -> &str {
        self.name.as_deref().or(self.id.as_deref()).unwrap_or("?")
    }
}

/// Where a move took a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveTarget {
    Agent(Person),
    Queue(QueueRef),
    /// A kind the docs do not show, with whatever name or id came with it.
    Other {
        kind: String,
        label: String,
    },
}

impl MoveTarget {
    pub fn kind(&self) -> Option<TargetKind> {
        match self {
            Self::Agent(_) => Some(TargetKind::Agent),
            Self::Queue(_) => Some(TargetKind::Queue),
            Self::Other { .. } => None,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Agent(person) => person.label(),
            Self::Queue(queue) => queue.label(),
            Self::Other { label, .. } => label,
        }
    }
}

/// One entry of the record's `transferDetails`: a move someone made earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub to: Option<MoveTarget>,
    pub by: Option<Person>,
    pub at: Option<DateTime<Utc>>,
}

/// A move the platform's list shows, made at `at`, in words as of `now`: "moved 3m12s ago to
/// Billing by Ana Silva, per the platform". The names are the platform's: cut to a name's length.
pub fn moved_on_the_platform(last: &Move, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "moved {} ago to {} by {}, per the platform",
        short_duration((now - at).num_seconds().max(0).unsigned_abs()),
        last.to
            .as_ref()
            .map_or("somewhere".into(), |to| cut(to.label(), NAME_CHARS)),
        last.by
            .as_ref()
            .map_or("someone".into(), |by| cut(by.label(), NAME_CHARS)),
    )
}

/// The customer's mood as the platform read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sentiment {
    pub tone: Option<String>,
    pub emoji: Option<String>,
}

/// A conversation a supervisor may move. It also travels through the team's Redis, in a read
/// shared with teammates, where a missing optional field reads as absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// `botSessionId`: what a transfer takes.
    pub session: SessionId,
    /// `_id` (`c-…`), else `conversationId`.
    pub conversation_id: Option<String>,
    pub status: Option<ConversationStatus>,
    /// `waitTime` as it was when the list was read (see [`Conversation::wait_at`]).
    pub wait: Option<Duration>,
    /// When the list was read, so a view can let a wait grow without asking again.
    pub read_at: SystemTime,
    /// A number or a word, as the platform gave it.
    pub priority: Option<String>,
    /// `keyIntentName`.
    pub intent: Option<String>,
    pub sentiment: Option<Sentiment>,
    pub language: Option<String>,
    /// `source`: `rtm` (web chat), `audiocodes` (voice), …
    pub channel: Option<String>,
    /// The queue it is in now.
    pub queue: Option<QueueRef>,
    /// The agent it is with now.
    pub agent: Option<Person>,
    /// Earlier moves, oldest first as the record lists them.
    #[serde(default)]
    pub moves: Vec<Move>,
}

impl Conversation {
    /// The wait at `now`: a conversation still waiting has waited since it was read as well.
    pub fn wait_at(&self, now: SystemTime) -> Option<Duration> {
        let wait = self.wait?;
        let waiting = self
            .status
            .as_ref()
            .is_some_and(ConversationStatus::is_waiting);
        if waiting {
            let since_read = now.duration_since(self.read_at).unwrap_or_default();
            Some(wait.saturating_add(since_read))
        } else {
            Some(wait)
        }
    }

    /// The latest move with a time, else the last one listed.
    pub fn last_move(&self) -> Option<&Move> {
        self.moves
            .iter()
            .filter(|m| m.at.is_some())
            .max_by_key(|m| m.at)
            .or_else(|| self.moves.last())
    }
}

/// Words with which records mark a queue or participant entry as over: anything else (or no
/// word at all) counts as current.
const OVER: [&str; 8] = [
    "CLOSED",
    "ENDED",
    "INACTIVE",
    "TRANSFERRED",
    "TERMINATED",
    "COMPLETED",
    "ABANDONED",
    "REJECTED",
];

fn is_current(entry: &Value) -> bool {
    text(entry, "status").is_none_or(|status| !OVER.contains(&status.to_ascii_uppercase().as_str()))
}

/// The entries of an array field; anything else counts as none.
fn entries<'a>(record: &'a Value, key: &str) -> &'a [Value] {
    record
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads one entry of the list's `results`, as read at `read_at`; `None` when it has no
/// `botSessionId` of 24 hex characters (the docs' own samples mask theirs), since nothing can
/// be done with a conversation that cannot be named to a transfer.
pub(super) fn read_conversation(record: &Value, read_at: SystemTime) -> Option<Conversation> {
    let session = text(record, "botSessionId").and_then(|id| SessionId::parse(&id).ok())?;
    Some(Conversation {
        session,
        conversation_id: text(record, "_id").or_else(|| text(record, "conversationId")),
        status: text(record, "status").map(ConversationStatus::from),
        wait: record
            .get("waitTime")
            .and_then(millis)
            .map(Duration::from_millis),
        read_at,
        priority: text(record, "priority"),
        intent: text(record, "keyIntentName"),
        sentiment: sentiment(record),
        language: text(record, "language"),
        channel: text(record, "source"),
        queue: current_queue(record),
        agent: current_agent(record),
        moves: entries(record, "transferDetails")
            .iter()
            .filter_map(read_move)
            .collect(),
    })
}

fn sentiment(record: &Value) -> Option<Sentiment> {
    let tone = record.get("sentimentTone")?;
    let sentiment = match tone {
        Value::String(word) if !word.trim().is_empty() => Sentiment {
            tone: Some(word.trim().to_owned()),
            emoji: None,
        },
        tone => Sentiment {
            tone: text(tone, "sentiment"),
            emoji: text(tone, "emoji"),
        },
    };
    (sentiment.tone.is_some() || sentiment.emoji.is_some()).then_some(sentiment)
}

/// The last entry of `queues` that is not over (else the last one), or failing that the queue
/// named by the last participant that names one, over or not.
fn current_queue(record: &Value) -> Option<QueueRef> {
    let queues = entries(record, "queues");
    let from_queues = queues
        .iter()
        .rev()
        .find(|q| is_current(q))
        .or(queues.last())
        .and_then(|q| queue_ref(q, "id", "name"));
    from_queues.or_else(|| {
        entries(record, "participants")
            .iter()
            .rev()
            .find_map(|p| queue_ref(p, "queueId", "queueName"))
    })
}

fn queue_ref(entry: &Value, id_key: &str, name_key: &str) -> Option<QueueRef> {
    let queue = QueueRef {
        id: text(entry, id_key),
        name: text(entry, name_key),
    };
    (queue.id.is_some() || queue.name.is_some()).then_some(queue)
}

/// The last participant that is not over.
fn current_agent(record: &Value) -> Option<Person> {
    entries(record, "participants")
        .iter()
        .rev()
        .filter(|p| is_current(p))
        .find_map(|p| {
            person(
                text(p, "agentId").or_else(|| text(p, "userId")),
                text(p, "name"),
            )
        })
}

fn person(user_id: Option<String>, name: Option<String>) -> Option<Person> {
    (user_id.is_some() || name.is_some()).then_some(Person {
        user_id,
        agent_id: None,
        name,
    })
}

fn read_move(entry: &Value) -> Option<Move> {
    // Documented as an array of targets; a single object is taken too.
    let to = match entry.get("transferredTo") {
        Some(Value::Array(targets)) => targets.iter().find_map(move_target),
        Some(target) => move_target(target),
        None => None,
    };
    let by = match entry.get("transferredBy") {
        Some(by @ Value::Object(_)) => person(
            text(by, "id").or_else(|| text(by, "userId")),
            text(by, "name"),
        ),
        _ => person(
            text(entry, "transferredBy"),
            text(entry, "transferredByAgentName"),
        ),
    };
    let at = entry.get("transferredAt").and_then(instant);
    (to.is_some() || by.is_some() || at.is_some()).then_some(Move { to, by, at })
}

fn move_target(target: &Value) -> Option<MoveTarget> {
    let id = text(target, "id");
    let name = text(target, "name");
    let kind = text(target, "type").map(|k| k.to_ascii_uppercase());
    match kind.as_deref() {
        Some("AGENT" | "USER") => person(id, name).map(MoveTarget::Agent),
        Some("QUEUE") => queue_ref(target, "id", "name").map(MoveTarget::Queue),
        _ => {
            let label = name.or(id)?;
            Some(MoveTarget::Other {
                kind: kind.unwrap_or_else(|| "?".into()),
                label,
            })
        }
    }
}

/// A time as ISO-8601 text or epoch milliseconds.
fn instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Value::Number(_) => {
            let ms = i64::try_from(millis(value)?).ok()?;
            Utc.timestamp_millis_opt(ms).single()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SESSION: &str = "646efef54fd9612a21fffbc8";

    fn read(record: Value) -> Conversation {
        read_conversation(&record, SystemTime::UNIX_EPOCH).unwrap()
    }

    #[test]
    fn a_record_with_nothing_but_a_session_id_is_read() {
        let conversation = read(json!({"botSessionId": SESSION}));
        assert_eq!(conversation.session.as_str(), SESSION);
        assert_eq!(
            (
                conversation.status,
                conversation.wait,
                conversation.queue,
                conversation.agent
            ),
            (None, None, None, None)
        );
        assert!(conversation.moves.is_empty());
    }

    #[test]
    fn fields_of_the_wrong_type_are_left_out_not_fatal() {
        let conversation = read(json!({
            "botSessionId": SESSION.to_uppercase(),
            "_id": 42,
            "status": ["OPEN"],
            "waitTime": "95000",
            "priority": 7,
            "keyIntentName": {"name": "x"},
            "sentimentTone": "angry",
            "queues": "qu-1",
            "participants": [null, 3, {"status": "ACTIVE"}],
            "transferDetails": {"transferredTo": []}
        }));
        assert_eq!(conversation.session.as_str(), SESSION);
        assert_eq!(conversation.conversation_id.as_deref(), Some("42"));
        assert_eq!(conversation.status, None);
        assert_eq!(conversation.wait, Some(Duration::from_secs(95)));
        assert_eq!(conversation.priority.as_deref(), Some("7"));
        assert_eq!(conversation.intent, None);
        assert_eq!(
            conversation.sentiment.unwrap().tone.as_deref(),
            Some("angry")
        );
        assert_eq!((conversation.queue, conversation.agent), (None, None));
        assert!(conversation.moves.is_empty());
    }

    #[test]
    fn bad_session_ids_are_refused() {
        for id in [
            json!("646efef54fd9612a21ffxxxx"),
            json!(null),
            json!(12),
            json!(""),
        ] {
            assert_eq!(
                read_conversation(&json!({"botSessionId": id}), SystemTime::UNIX_EPOCH),
                None
            );
        }
        assert_eq!(
            read_conversation(&json!("a string"), SystemTime::UNIX_EPOCH),
            None
        );
    }

    #[test]
    fn the_current_queue_and_agent_are_the_last_not_over() {
        let conversation = read(json!({
            "botSessionId": SESSION,
            "queues": [
                {"id": "qu-old", "name": "Billing", "status": "TRANSFERRED"},
                {"id": "qu-new", "name": "Retention", "status": "ACTIVE"},
                {"id": "qu-gone", "status": "closed"}
            ],
            "participants": [
                {"agentId": "u-1", "name": "Dana", "status": "ACTIVE"},
                {"agentId": "u-2", "name": "Sam", "status": "ABANDONED"}
            ]
        }));
        assert_eq!(conversation.queue.unwrap().label(), "Retention");
        let agent = conversation.agent.unwrap();
        assert_eq!(
            (agent.user_id.as_deref(), agent.label()),
            (Some("u-1"), "Dana")
        );

        let only_participant_queue = read(json!({
            "botSessionId": SESSION,
            "participants": [{"queueId": "qu-1", "queueName": "Default Queue", "status": "ABANDONED"}]
        }));
        assert_eq!(
            only_participant_queue.queue.unwrap().label(),
            "Default Queue"
        );
        assert_eq!(only_participant_queue.agent, None);
    }

    #[test]
    fn moves_name_their_target_by_kind_and_time() {
        let conversation = read(json!({
            "botSessionId": SESSION,
            "transferDetails": [
                {"transferredTo": [{"type": "AGENT", "id": "u-9", "name": "John Doe"}],
                 "transferredBy": "u-1", "transferredAt": "2023-05-25T06:58:57.840Z", "priority": "LOW"},
                {"transferredTo": {"type": "QUEUE", "id": "qu-2"}, "transferredAt": 1684997937840_u64},
                {"transferredTo": [{"type": "SKILL", "name": "Spanish"}]},
                {"fromAgent": null}
            ]
        }));
        assert_eq!(conversation.moves.len(), 3);
        let first = &conversation.moves[0];
        assert_eq!(first.to.as_ref().unwrap().kind(), Some(TargetKind::Agent));
        assert_eq!(first.by.as_ref().unwrap().label(), "u-1");
        let latest = conversation.last_move().unwrap();
        assert_eq!(latest.to.as_ref().unwrap().label(), "qu-2");
        assert_eq!(latest.at.unwrap().timestamp_millis(), 1684997937840);
        assert_eq!(conversation.moves[2].to.as_ref().unwrap().kind(), None);
    }

    #[test]
    fn a_wait_grows_only_while_waiting() {
        let read_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let later = read_at + Duration::from_secs(30);
        let mut conversation = read_conversation(
            &json!({"botSessionId": SESSION, "status": "open", "waitTime": 60000}),
            read_at,
        )
        .unwrap();
        assert_eq!(conversation.wait_at(later), Some(Duration::from_secs(90)));
        conversation.status = Some(ConversationStatus::Active);
        assert_eq!(conversation.wait_at(later), Some(Duration::from_secs(60)));
        assert_eq!(
            conversation.wait_at(SystemTime::UNIX_EPOCH),
            Some(Duration::from_secs(60))
        );
    }

    /// What a console leaves in the team's Redis reads back as it was read.
    #[test]
    fn a_conversation_passed_through_the_team_comes_back_the_same() {
        let record = json!({
            "botSessionId": SESSION,
            "_id": "c-1",
            "status": "OPEN",
            "waitTime": 95_000,
            "priority": 2,
            "keyIntentName": "Refund",
            "sentimentTone": {"sentiment": "angry", "emoji": "x"},
            "language": "en",
            "source": "rtm",
            "queues": [{"id": "qu-1", "name": "Billing"}],
            "participants": [{"agentId": "u-1", "name": "Dana"}],
            "transferDetails": [
                {"transferredTo": [{"type": "QUEUE", "id": "qu-2"}], "transferredAt": "2024-01-01T10:00:00Z"},
                {"transferredTo": {"type": "BOT", "name": "x"}, "transferredBy": "u-2"}
            ]
        });
        let conversation = read_conversation(&record, SystemTime::now()).unwrap();
        let text = serde_json::to_string(&conversation).unwrap();
        let back: Conversation = serde_json::from_str(&text).unwrap();
        assert_eq!(back, conversation);
    }
}
