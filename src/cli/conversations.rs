//! `handoff conversations`: the account's conversations, those waiting longest first, for choosing
//! which to move, or for a script to pick from (`--json`).

use std::borrow::Cow;
use std::process::ExitCode;
use std::time::SystemTime;

use chrono::Utc;
use clap::Args;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::output::{err, finish, out, out_json, out_raw};
use super::setup::{Callbacks, Setup};
use super::{EXIT_BAD_INPUT, EXIT_PLATFORM_FAILED, GlobalArgs};
use crate::ids::ConversationStatus;
use crate::ids::TargetKind;
use crate::platform::{Conversation, Move, MoveTarget, Person, QueueRef};
use crate::roster::{ResolveError, Roster};
use crate::terminal_safe::{self, NAME_CHARS, cut};
use crate::words::short_duration;

#[derive(Debug, Args)]
pub struct ConversationsArgs {
    /// Only these states, comma-separated: ACTIVE, CLOSED, IDLE, OPEN, OVERDUE, TERMINATED
    /// [default: [conversations] statuses, else OPEN,OVERDUE,ACTIVE]
    #[arg(long, value_name = "S,...")]
    status: Option<String>,
    /// Only those in this queue: a roster name or id, or the queue's name or id as the
    /// platform gives it
    #[arg(long, value_name = "NAME")]
    queue: Option<String>,
    /// One JSON object per conversation, one per line, instead of a table
    #[arg(long)]
    json: bool,
}

pub async fn run(global: &GlobalArgs, args: ConversationsArgs) -> ExitCode {
    finish(list(global, args).await)
}

async fn list(global: &GlobalArgs, args: ConversationsArgs) -> Result<(), (u8, String)> {
    let bad_input = |message: String| (EXIT_BAD_INPUT, message);
    let asked = args
        .status
        .as_deref()
        .map(parse_statuses)
        .transpose()
        .map_err(bad_input)?;
    let setup = Setup::prepare(global, Callbacks::Ignore)
        .await
        .map_err(|e| bad_input(e.to_string()))?;
    for warning in &setup.warnings {
        err!("warning: {warning}");
    }
    let statuses = asked.unwrap_or_else(|| setup.settings.conversation_statuses.clone());
    let list = setup
        .reads
        .conversations(&setup.roster, &statuses)
        .await
        .map_err(|e| (EXIT_PLATFORM_FAILED, e.to_string()))?;
    for note in &list.notes {
        err!("note: {note}");
    }
    let conversations = match &args.queue {
        Some(query) => in_queue(&setup.roster, query, list.conversations).map_err(bad_input)?,
        None => list.conversations,
    };
    let now = SystemTime::now();
    if args.json {
        for conversation in &conversations {
            out_json!(conversation_json(conversation, now));
        }
    } else if conversations.is_empty() {
        let names: Vec<&str> = statuses.iter().map(ConversationStatus::as_str).collect();
        let queue = args
            .queue
            .as_deref()
            .map(|q| format!(" in queue {q:?}"))
            .unwrap_or_default();
        out!("no conversations{queue} in states {}", names.join(", "));
    } else {
        out_raw!("{}", table(&conversations, now));
    }
    Ok(())
}

/// `OPEN,overdue` → the statuses, each once; an unknown name is refused with the allowed ones.
fn parse_statuses(text: &str) -> Result<Vec<ConversationStatus>, String> {
    let mut statuses = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let status = ConversationStatus::documented(name).ok_or_else(|| {
            format!(
                "--status: unknown state {name:?}; expected some of {}, separated by commas",
                ConversationStatus::documented_names()
            )
        })?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    if statuses.is_empty() {
        return Err(format!(
            "--status: expected some of {}, separated by commas",
            ConversationStatus::documented_names()
        ));
    }
    Ok(statuses)
}

/// The conversations in the queue `query` names: resolved through the roster as `transfer
/// --queue` does, else matched against the queue names and ids the records give.
pub(super) fn in_queue(
    roster: &Roster,
    query: &str,
    conversations: Vec<Conversation>,
) -> Result<Vec<Conversation>, String> {
    let query = query.trim();
    let queue_id = match roster.resolve(TargetKind::Queue, query) {
        Ok(resolved) => Some(resolved.target.id),
        Err(ResolveError::Unknown { .. }) => None,
        Err(error) => return Err(format!("--queue: {error}")),
    };
    let matches = |c: &Conversation| {
        let Some(queue) = &c.queue else {
            return false;
        };
        match &queue_id {
            Some(id) => queue.id.as_deref() == Some(id),
            None => [&queue.id, &queue.name]
                .into_iter()
                .flatten()
                .any(|word| word.eq_ignore_ascii_case(query)),
        }
    };
    let known = queue_id.is_some() || conversations.iter().any(matches);
    if !known {
        return Err(format!(
            "--queue: no queue named {query:?} in the roster or among the listed conversations"
        ));
    }
    Ok(conversations.into_iter().filter(matches).collect())
}

fn person_json(person: Option<&Person>) -> Value {
    match person {
        Some(person) => json!({
            "name": person.name,
            "agent_id": person.agent_id,
            "user_id": person.user_id,
        }),
        None => Value::Null,
    }
}

fn move_json(moved: &Move) -> Value {
    let (kind, id, name) = match &moved.to {
        Some(MoveTarget::Agent(person)) => (
            "agent".to_owned(),
            person.agent_id.clone().or_else(|| person.user_id.clone()),
            person.name.clone(),
        ),
        Some(MoveTarget::Queue(queue)) => {
            ("queue".to_owned(), queue.id.clone(), queue.name.clone())
        }
        Some(MoveTarget::Other { kind, label }) => (kind.to_lowercase(), None, Some(label.clone())),
        None => ("unknown".to_owned(), None, None),
    };
    json!({
        "to_kind": kind,
        "to_id": id,
        "to_name": name,
        "by": person_json(moved.by.as_ref()),
        "at": moved.at,
    })
}

/// The stable shape of `--json`: one object per conversation.
fn conversation_json(conversation: &Conversation, now: SystemTime) -> Value {
    let queue = conversation.queue.as_ref();
    json!({
        "session": conversation.session.as_str(),
        "conversation_id": conversation.conversation_id,
        "status": conversation.status.as_ref().map(ConversationStatus::as_str),
        "wait_secs": conversation.wait_at(now).map(|w| w.as_secs()),
        "priority": conversation.priority,
        "intent": conversation.intent,
        "sentiment": conversation.sentiment.as_ref().and_then(|s| s.tone.clone()),
        "sentiment_emoji": conversation.sentiment.as_ref().and_then(|s| s.emoji.clone()),
        "language": conversation.language,
        "channel": conversation.channel,
        "queue_id": queue.and_then(|q| q.id.clone()),
        "queue_name": queue.and_then(|q| q.name.clone()),
        "agent": person_json(conversation.agent.as_ref()),
        "moves": conversation.moves.iter().map(move_json).collect::<Vec<_>>(),
    })
}

/// "moved 2m05s ago to Billing by Priya Raghunathan".
fn last_move_words(conversation: &Conversation) -> String {
    let Some(moved) = conversation.last_move() else {
        return String::new();
    };
    let mut words = "moved".to_owned();
    if let Some(at) = moved.at {
        let secs = (Utc::now() - at).num_seconds().max(0).unsigned_abs();
        words.push_str(&format!(" {} ago", short_duration(secs)));
    }
    if let Some(to) = &moved.to {
        words.push_str(&format!(" to {}", cut(to.label(), NAME_CHARS)));
    }
    if let Some(by) = &moved.by {
        words.push_str(&format!(" by {}", cut(by.label(), NAME_CHARS)));
    }
    words
}

/// One row of cells per conversation under a header, columns as wide as their widest cell; the
/// session id whole, since ids of one second differ only at the end. Each of the platform's
/// words is cut to a name's length (the last move names two).
fn table(conversations: &[Conversation], now: SystemTime) -> String {
    let header = [
        "SESSION",
        "STATUS",
        "WAIT",
        "QUEUE",
        "PRI",
        "INTENT",
        "SENTIMENT",
        "AGENT",
        "LAST MOVE",
    ];
    fn word(text: Option<&str>) -> Cow<'_, str> {
        text.map_or("-".into(), |text| cut(text, NAME_CHARS))
    }
    let rows: Vec<[String; 9]> = conversations
        .iter()
        .map(|c| {
            let sentiment = c.sentiment.as_ref();
            // Made safe before measuring, so an escaped character takes the room it is shown in.
            [
                Cow::Borrowed(c.session.as_str()),
                word(c.status.as_ref().map(ConversationStatus::as_str)),
                c.wait_at(now)
                    .map_or("-".into(), |w| short_duration(w.as_secs()).into()),
                word(c.queue.as_ref().map(QueueRef::label)),
                word(c.priority.as_deref()),
                word(c.intent.as_deref()),
                word(sentiment.and_then(|s| s.tone.as_deref().or(s.emoji.as_deref()))),
                word(c.agent.as_ref().map(Person::label)),
                last_move_words(c).into(),
            ]
            .map(|cell| terminal_safe::line(&cell).into_owned())
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if index + 1 < cells.len() {
                let pad = widths[index].saturating_sub(cell.width()) + 2;
                text.push_str(&" ".repeat(pad));
            }
        }
        text.trim_end().to_owned() + "\n"
    };
    let mut out = line(&header.map(str::to_owned));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SessionId;

    fn conversation(session: &str, queue: &str, intent: &str) -> Conversation {
        Conversation {
            session: SessionId::parse(session).unwrap(),
            conversation_id: None,
            status: Some(ConversationStatus::Open),
            wait: Some(std::time::Duration::from_secs(95)),
            read_at: SystemTime::now(),
            priority: None,
            intent: Some(intent.into()),
            sentiment: None,
            language: None,
            channel: None,
            queue: Some(QueueRef {
                id: Some(format!("qu-{queue}")),
                name: Some(queue.into()),
            }),
            agent: None,
            moves: Vec::new(),
        }
    }

    #[test]
    fn platform_text_reaches_the_table_escaped_and_aligned() {
        let rows = [
            conversation(
                "6538f8a3c9cf425ee5cf0a1b",
                "Billing",
                "Agent \u{1b}]0;pwned\u{7}\u{202e}",
            ),
            conversation("6538f8a3c9cf425ee5cf0a1c", "Tech", "RefundRequest"),
        ];
        let text = table(&rows, SystemTime::now());
        assert!(
            !text
                .lines()
                .any(|line| line.chars().any(crate::terminal_safe::is_unsafe)),
            "{text:?}"
        );
        assert!(text.contains("Agent \\x1b]0;pwned"), "{text}");
        let column = |line: &str| line.find("Billing").or_else(|| line.find("Tech"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(column(lines[1]), column(lines[2]), "{text}");
        assert!(
            lines[1].starts_with("6538f8a3c9cf425ee5cf0a1b  OPEN"),
            "{text}"
        );
    }

    #[test]
    fn a_queue_not_in_the_roster_is_matched_by_the_records_name_or_id() {
        let rows = || {
            vec![
                conversation("6538f8a3c9cf425ee5cf0a1b", "Billing", "x"),
                conversation("6538f8a3c9cf425ee5cf0a1c", "Tech", "y"),
            ]
        };
        let roster = Roster::default();
        let billing = in_queue(&roster, "billing", rows()).unwrap();
        assert_eq!(billing.len(), 1);
        assert_eq!(in_queue(&roster, "qu-Tech", rows()).unwrap().len(), 1);
        assert!(
            in_queue(&roster, "Nowhere", rows())
                .unwrap_err()
                .contains("no queue named")
        );
    }

    #[test]
    fn statuses_are_named_in_any_case_and_unknown_ones_refused() {
        assert_eq!(
            parse_statuses("open, OVERDUE,open").unwrap(),
            [ConversationStatus::Open, ConversationStatus::Overdue]
        );
        let message = parse_statuses("OPEN,waiting").unwrap_err();
        assert!(
            message.starts_with("--status: unknown state \"waiting\""),
            "{message}"
        );
        assert!(
            message.contains("ACTIVE, CLOSED, IDLE, OPEN, OVERDUE, TERMINATED"),
            "{message}"
        );
        assert!(parse_statuses(" , ").is_err());
    }
}
