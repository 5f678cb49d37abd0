//! `POST …/analytics/account/{accountId}/queue-performance`: every queue's live numbers in one
//! call, where `monitor/queueStatsById` costs a call per queue. Read page by page on the
//! background budget, and leniently, like every reply.
//!
//! The platform answers one row per queue × channel × direction, so one queue has several rows.
//! The work in a queue (`waiting`, `overdue`, `ongoing`, `abandonedInQueue`) is split across its
//! rows and is added up here; its agents' counts (`agentStatusCount`) are the queue's own,
//! repeated on each of its rows, so they are taken once: added up they would count each agent
//! once per row.
//!
//! The call needs the "Configuration" API scope, which an app made for transfers ("Routing") may
//! lack: a 401 or 403 comes back as [`PlatformError::MissingScope`], so the caller can say so
//! once and read each queue's stats instead.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::PlatformClient;
use super::lenient::{count, flag, millis, text};
use super::reply::PlatformError;

/// Rows asked for a page. The docs allow 1000; with only the metrics read here named, 500 rows
/// stay far below the reply cap, and a tenant of 100 queues in five rows each takes one page.
const PAGE_SIZE: u32 = 500;
/// Every page costs a request of the account's 60 a minute; a platform still saying "more"
/// after this many is not believed.
const MAX_PAGES: u32 = 10;
/// The longest range the platform answers for.
const MAX_RANGE_HOURS: i64 = 24;
/// The metrics read here, named so the platform computes and sends nothing else.
const PROJECTION: [&str; 7] = [
    "waiting",
    "overdue",
    "ongoing",
    "abandonedInQueue",
    "agentStatusCount",
    "SLA",
    "ASA",
];

/// Every queue's numbers, in the platform's order (by queue name), and what reading them had to
/// work around, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePerformance {
    pub queues: Vec<QueueNumbers>,
    pub notes: Vec<String>,
}

/// One queue: its rows' work added up, its agents counted once. A number is `None` when no row
/// of the queue gave one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueNumbers {
    pub id: String,
    /// The name its rows give; its id when none does.
    pub name: String,
    /// Waiting for an agent now, the overdue ones among them.
    pub waiting: Option<u32>,
    /// Waiting longer than the queue's threshold now.
    pub overdue: Option<u32>,
    /// With an agent now.
    pub ongoing: Option<u32>,
    /// Abandoned in the queue within the range asked for.
    pub abandoned: Option<u32>,
    /// The queue's agents by presence, from its first row that has them.
    pub agents: Option<AgentCounts>,
    /// The queue's rows, one per channel and direction, as read.
    pub rows: Vec<QueueRow>,
}

/// A queue's agents by presence; a count the reply left out is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCounts {
    pub available: Option<u32>,
    pub away: Option<u32>,
    pub busy: Option<u32>,
    pub offline: Option<u32>,
}

/// One row: a queue's work on one channel in one direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    /// `Voice`, or the source as the platform stores it (`rtm`, `emailInst-support`).
    pub channel: Option<String>,
    /// `Inbound` or `Outbound`.
    pub direction: Option<String>,
    pub waiting: Option<u32>,
    pub overdue: Option<u32>,
    pub ongoing: Option<u32>,
    pub abandoned: Option<u32>,
    /// Service level in percent; `None` where the platform says `"N/A"` (outbound and email
    /// rows) or gives nothing.
    pub sla_percent: Option<f64>,
    /// Average speed of answer, documented in milliseconds (the docs' sample shows 14, which
    /// reads more like seconds: shown as given).
    pub average_answer: Option<Duration>,
}

/// A queue-performance request: every queue, channel and direction from `start` to `end`, one
/// page of `limit` from `offset`, with the `projection` asked for.
pub(super) fn request_body(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    limit: u32,
    offset: u32,
    projection: &[&str],
) -> serde_json::Value {
    json!({
        "startDate": iso(start),
        "endDate": iso(end),
        "queues": [],
        "channels": [],
        "direction": [],
        "limit": limit,
        "offset": offset,
        "projection": projection,
    })
}

impl PlatformClient {
    /// Every queue's numbers for the range from `start` to `end` (at most 24 hours: live numbers
    /// are now whatever the range, historical ones cover it), across all pages, each page on the
    /// background budget.
    pub async fn queue_performance(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<QueuePerformance, PlatformError> {
        if end < start || end - start > TimeDelta::hours(MAX_RANGE_HOURS) {
            return Err(PlatformError::NotSent(format!(
                "queue performance covers at most {MAX_RANGE_HOURS} hours, from a start to an end after it, not {} to {}",
                iso(start),
                iso(end)
            )));
        }
        let mut reading = Reading::default();
        let mut offset: u32 = 0;
        for page in 1..=MAX_PAGES {
            let body = request_body(start, end, PAGE_SIZE, offset, &PROJECTION);
            let request =
                self.analytics_request(Method::POST, "queue-performance?sortBy=queueName:asc");
            let (status, reply) = self
                .send_background(request.map(|r| r.json(&body)))
                .await
                .map_err(missing_scope)?;
            let unreadable = |detail: String| PlatformError::UnreadableReply {
                status,
                detail: format!("page {page} of queue performance: {detail}"),
            };
            let reply: Value =
                serde_json::from_slice(&reply).map_err(|e| unreadable(e.to_string()))?;
            let rows = reply
                .get("finalResult")
                .and_then(Value::as_array)
                .ok_or_else(|| unreadable("no list of rows (finalResult)".into()))?;
            let fresh = reading.take(rows);
            offset = offset.saturating_add(u32::try_from(rows.len()).unwrap_or(u32::MAX));
            if rows.is_empty() {
                break;
            }
            if page > 1 && fresh == 0 {
                reading.notes.push(format!(
                    "page {page} of queue performance brought no row not already read; stopped there"
                ));
                break;
            }
            let total = reply.get("totalResults").and_then(count);
            let more = match (reply.get("hasMore").and_then(flag), total) {
                (Some(true), Some(total)) if offset >= total => {
                    reading.notes.push(format!(
                        "the platform said more queue performance rows follow, but also that there are {total}; stopped after {offset}"
                    ));
                    false
                }
                (Some(more), _) => more,
                (None, Some(total)) => offset < total,
                // Neither said: a full page may have more behind it.
                (None, None) => rows.len() >= PAGE_SIZE as usize,
            };
            if !more {
                break;
            }
            if page == MAX_PAGES {
                reading.notes.push(format!(
                    "the platform still said more queue performance rows follow after {MAX_PAGES} pages; stopped there with {offset} rows"
                ));
            }
        }
        Ok(reading.finish())
    }
}

/// A refusal of the app's credentials is taken as the missing scope, as an app with only the
/// Routing scope gets it.
fn missing_scope(error: PlatformError) -> PlatformError {
    match error {
        PlatformError::Refused {
            status: status @ (401 | 403),
            message,
            ..
        } => PlatformError::MissingScope {
            status,
            message,
            scope: "Configuration",
            call: "queue performance",
        },
        other => other,
    }
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The queues as the pages bring them.
#[derive(Default)]
struct Reading {
    queues: Vec<QueueNumbers>,
    /// Where each queue id is in `queues`.
    index: HashMap<String, usize>,
    /// Each row's queue, channel and direction: a row a shifted page brings again is not added
    /// twice.
    seen: HashSet<(String, Option<String>, Option<String>)>,
    without_queue: usize,
    notes: Vec<String>,
}

impl Reading {
    /// Adds a page's rows; says how many were not read before.
    fn take(&mut self, rows: &[Value]) -> usize {
        let mut fresh = 0;
        for row in rows {
            let Some(queue_id) = text(row, "queueId") else {
                self.without_queue += 1;
                continue;
            };
            let read = read_row(row);
            let key = (
                queue_id.clone(),
                read.channel.clone(),
                read.direction.clone(),
            );
            if !self.seen.insert(key) {
                continue;
            }
            fresh += 1;
            let at = *self.index.entry(queue_id.clone()).or_insert_with(|| {
                self.queues.push(QueueNumbers {
                    name: queue_id.clone(),
                    id: queue_id,
                    waiting: None,
                    overdue: None,
                    ongoing: None,
                    abandoned: None,
                    agents: None,
                    rows: Vec::new(),
                });
                self.queues.len() - 1
            });
            let queue = &mut self.queues[at];
            if queue.rows.is_empty()
                && let Some(name) = text(row, "queueName")
            {
                queue.name = name;
            }
            add(&mut queue.waiting, read.waiting);
            add(&mut queue.overdue, read.overdue);
            add(&mut queue.ongoing, read.ongoing);
            add(&mut queue.abandoned, read.abandoned);
            if queue.agents.is_none() {
                queue.agents = row.get("agentStatusCount").and_then(agent_counts);
            }
            queue.rows.push(read);
        }
        fresh
    }

    fn finish(mut self) -> QueuePerformance {
        if self.without_queue > 0 {
            self.notes.push(format!(
                "left out {} queue performance row(s) without a queueId",
                self.without_queue
            ));
        }
        QueuePerformance {
            queues: self.queues,
            notes: self.notes,
        }
    }
}

/// Adds a row's count to the queue's; a row without one leaves the sum as it is.
fn add(sum: &mut Option<u32>, count: Option<u32>) {
    if let Some(count) = count {
        *sum = Some(sum.unwrap_or(0).saturating_add(count));
    }
}

fn read_row(row: &Value) -> QueueRow {
    let number = |key: &str| row.get(key).and_then(count);
    QueueRow {
        channel: text(row, "channel"),
        direction: text(row, "direction"),
        waiting: number("waiting"),
        overdue: number("overdue"),
        ongoing: number("ongoing"),
        abandoned: number("abandonedInQueue"),
        sla_percent: row.get("SLA").and_then(percent),
        average_answer: row.get("ASA").and_then(millis).map(Duration::from_millis),
    }
}

/// `agentStatusCount`, when it is an object.
fn agent_counts(counts: &Value) -> Option<AgentCounts> {
    counts.is_object().then(|| AgentCounts {
        available: counts.get("available").and_then(count),
        away: counts.get("away").and_then(count),
        busy: counts.get("busy").and_then(count),
        offline: counts.get("offline").and_then(count),
    })
}

/// A percentage as a number or as text (`"92"`, `"92%"`); `"N/A"` and anything else is none.
fn percent(value: &Value) -> Option<f64> {
    let percent = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }?;
    (percent.is_finite() && percent >= 0.0).then_some(percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pages: &[Value]) -> QueuePerformance {
        let mut reading = Reading::default();
        for page in pages {
            reading.take(page.as_array().unwrap());
        }
        reading.finish()
    }

    #[test]
    fn work_is_added_up_per_queue_and_agents_are_counted_once() {
        let agents = json!({"available": 3, "away": 1, "busy": 2, "offline": 0});
        let performance = read(&[json!([
            {"queueId": "qu-1", "queueName": "Billing", "channel": "Voice", "direction": "Inbound",
             "waiting": 2, "overdue": 1, "ongoing": "4", "abandonedInQueue": 1,
             "agentStatusCount": agents, "SLA": 92, "ASA": 14},
            {"queueId": "qu-1", "queueName": "Billing", "channel": "rtm", "direction": "Inbound",
             "waiting": 3, "overdue": null, "ongoing": 1, "agentStatusCount": agents, "SLA": "88%"},
            {"queueId": "qu-1", "channel": "emailInst-support", "direction": "Outbound",
             "waiting": -1, "agentStatusCount": agents, "SLA": "N/A"},
            {"queueId": "qu-2", "channel": "Voice", "SLA": true, "agentStatusCount": "busy"},
            {"queueName": "Nobody's"},
        ])]);
        let [billing, other] = &performance.queues[..] else {
            panic!("{performance:?}");
        };
        assert_eq!(billing.name, "Billing");
        assert_eq!(
            (
                billing.waiting,
                billing.overdue,
                billing.ongoing,
                billing.abandoned
            ),
            (Some(5), Some(1), Some(5), Some(1))
        );
        assert_eq!(
            billing.agents,
            Some(AgentCounts {
                available: Some(3),
                away: Some(1),
                busy: Some(2),
                offline: Some(0),
            })
        );
        let slas: Vec<Option<f64>> = billing.rows.iter().map(|r| r.sla_percent).collect();
        assert_eq!(slas, [Some(92.0), Some(88.0), None]);
        assert_eq!(
            billing.rows[0].average_answer,
            Some(Duration::from_millis(14))
        );
        assert_eq!(
            (other.name.as_str(), other.waiting, other.agents),
            ("qu-2", None, None)
        );
        assert_eq!(other.rows[0].sla_percent, None);
        assert_eq!(
            performance.notes,
            ["left out 1 queue performance row(s) without a queueId"]
        );
    }

    #[test]
    fn a_row_read_again_on_a_shifted_page_is_not_added_twice() {
        let row =
            json!({"queueId": "qu-1", "channel": "Voice", "direction": "Inbound", "waiting": 2});
        let mut reading = Reading::default();
        assert_eq!(reading.take(std::slice::from_ref(&row)), 1);
        assert_eq!(reading.take(&[row]), 0);
        assert_eq!(reading.finish().queues[0].waiting, Some(2));
    }

    #[test]
    fn the_scope_is_named_for_a_refusal_of_the_credentials_only() {
        for status in [401, 403] {
            let error = missing_scope(PlatformError::Refused {
                status,
                message: "You are not authorized to access this API".into(),
                retry_after: None,
            });
            assert_eq!(error.http_status(), Some(status));
            assert_eq!(
                error.to_string(),
                format!(
                    "HTTP {status}: You are not authorized to access this API; queue performance needs the \"Configuration\" API scope, which the app's credentials lack (App Settings → Dev Tools → API Scope)"
                )
            );
        }
        let other = PlatformError::Refused {
            status: 400,
            message: "bad range".into(),
            retry_after: None,
        };
        assert_eq!(missing_scope(other.clone()), other);
    }
}
