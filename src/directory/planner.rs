//! The reads a console keeps going in the background, planned under the reads' ceiling
//! ([`super::plan`]): one task that reads what is due, one read at a time, in the plan's order,
//! and hands on what it read, put together as the console shows it: the conversation list (the
//! waiting and the conversations with an agent, named from the directory), who is free with the
//! queues' numbers, and whether the list is held back by the ceiling.
//!
//! A read the supervisor asks for (F5) does not wait behind the planned one under way: it runs
//! beside it, before the planned reads at the ceiling, and counts as their read of its kinds.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::availability::{Availability, QueueLoad};
use super::conversations::{self, TeammateRead};
use super::floor::FloorNumbers;
use super::plan::{Held, Next, Plan, ReadKind};
use super::reads::Reads;
use crate::ids::{ConversationStatus, SessionId};
use crate::platform::{
    AgentPresence, ConversationList, ConversationsError, ListedAgent, ListedQueue, PlatformClient,
    PlatformError, QueuePerformance, QueueStats,
};
use crate::roster::Roster;

/// What the planner hands on: each whenever it changes.
#[derive(Debug)]
pub enum FloorUpdate {
    /// The conversation list, and the teammate whose read its waiting part is, in team mode.
    Conversations(
        Result<ConversationList, ConversationsError>,
        Option<TeammateRead>,
    ),
    /// Who is free, and the queues' numbers.
    Availability(Result<Availability, String>),
    /// Each queue's numbers from queue-performance, or why there are none (the app lacks its
    /// scope, and the queues' own stats serve who is free instead).
    QueueNumbers(Result<FloorNumbers, String>),
    /// The list comes less often than `refresh_secs` because of the ceiling; `None` once it
    /// does not.
    Held(Option<Held>),
    /// Something to say once, in words.
    Note(String),
}

/// Why the queues' figures lack SLA, abandoned and agents, in words.
const NO_PERFORMANCE_SCOPE: &str = "the app's credentials lack the \"Configuration\" API scope that queue-performance needs (App Settings → Dev Tools → API Scope): SLA, abandoned and agents are not shown, and the waiting are counted in the list";

/// What the planner needs to know of the console's settings.
#[derive(Debug, Clone)]
pub struct PlanSettings {
    /// `[conversations] refresh_secs`: how often the waiting list is wanted.
    pub refresh: Duration,
    /// `[conversations] statuses`: which conversations are listed.
    pub statuses: Vec<ConversationStatus>,
}

/// The console's side of a running planner.
#[derive(Debug, Clone)]
pub struct Planner {
    asks: mpsc::Sender<Ask>,
    roster: watch::Sender<Roster>,
}

/// What the console asks of the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// Everything a supervisor looks at, now.
    Now,
    /// The directory, next: the supervisor synced the roster, so names and queues changed.
    Directory,
}

impl Planner {
    /// The supervisor asked for fresh figures (F5, or a bulk run ended): read the list and who
    /// is free now. An ask while one is under way is the same ask.
    pub fn ask(&self) {
        let _ = self.asks.try_send(Ask::Now);
    }

    /// The roster was synced with the platform: the directory is read again next, within the
    /// ceiling, rather than at its fifteen minutes.
    pub fn synced(&self) {
        let _ = self.asks.try_send(Ask::Directory);
    }

    /// The roster changed: its names and queues count from the next read.
    pub fn roster_changed(&self, roster: Roster) {
        self.roster.send_replace(roster);
    }
}

/// The platform's agents and queues, as the planner keeps them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Directory {
    agents: Vec<ListedAgent>,
    queues: Vec<ListedQueue>,
}

/// The queues' numbers from one read: by queue id, and queue-performance's own figures when it
/// answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueueFigures {
    stats: HashMap<String, QueueStats>,
    performance: Option<QueuePerformance>,
    /// When the read began, and the start of the range it covers.
    at: DateTime<Utc>,
    since: DateTime<Utc>,
}

/// A read's result, as it comes back to the loop.
enum Read {
    Waiting(Result<(ConversationList, Option<TeammateRead>), ConversationsError>),
    WithAgent(Result<(ConversationList, Option<TeammateRead>), ConversationsError>),
    Presence(Result<PresenceRead, PlatformError>),
    QueueNumbers(Result<QueueFigures, PlatformError>),
    Directory(Result<Directory, PlatformError>),
}

/// Who a read is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// The plan's, under the ceiling.
    Planned,
    /// The supervisor's (F5), under the ceiling, before the planned ones.
    Asked,
    /// The directory at start, outside the ceiling: its cost is the start's, once, so the
    /// ceiling holds for the rest from the first minute on.
    StartUp,
}

struct Done {
    kind: ReadKind,
    lane: Lane,
    /// The calls it took.
    cost: u32,
    read: Read,
}

/// What one read needs from the loop.
#[derive(Clone)]
struct Inputs {
    queue_ids: Vec<String>,
    waiting_statuses: Vec<ConversationStatus>,
    other_statuses: Vec<ConversationStatus>,
    /// The app may call queue-performance; false once it answered 401 or 403.
    performance_scope: bool,
    /// How often, in team mode, a teammate's read of each kind serves.
    intervals: [Duration; 5],
}

impl Reads {
    /// Starts the planner: the reads of a console, sent to `updates`, until it is dropped.
    pub fn plan(
        &self,
        roster: Roster,
        settings: PlanSettings,
        updates: mpsc::Sender<FloorUpdate>,
    ) -> Planner {
        let (asks, asks_rx) = mpsc::channel(2);
        let (roster_tx, roster_rx) = watch::channel(roster);
        let (waiting, others): (Vec<_>, Vec<_>) = settings
            .statuses
            .iter()
            .cloned()
            .partition(ConversationStatus::is_waiting);
        let ceiling = self.ceiling();
        let plan = Plan::new(
            ceiling.calls(),
            ceiling.span(),
            settings.refresh,
            !waiting.is_empty(),
            !others.is_empty(),
        );
        let state = Floor {
            reads: self.clone(),
            plan,
            inputs: Inputs {
                queue_ids: Vec::new(),
                waiting_statuses: waiting,
                other_statuses: others,
                performance_scope: true,
                intervals: [Duration::ZERO; 5],
            },
            directory: None,
            waiting: None,
            with_agent: None,
            presence: None,
            figures: None,
            held: None,
            updates,
        };
        tokio::spawn(state.run(asks_rx, roster_rx));
        Planner {
            asks,
            roster: roster_tx,
        }
    }
}

type ReadList = (ConversationList, Option<TeammateRead>);
/// Every agent's presence, when it was read, and the teammate who read it in team mode.
type PresenceRead = (
    HashMap<String, AgentPresence>,
    DateTime<Utc>,
    Option<String>,
);

/// The loop's state: the plan and the latest of each read.
struct Floor {
    reads: Reads,
    plan: Plan,
    inputs: Inputs,
    directory: Option<Directory>,
    waiting: Option<ReadList>,
    with_agent: Option<ReadList>,
    presence: Option<PresenceRead>,
    figures: Option<QueueFigures>,
    held: Option<Held>,
    updates: mpsc::Sender<FloorUpdate>,
}

impl Floor {
    async fn run(mut self, mut asks: mpsc::Receiver<Ask>, mut roster: watch::Receiver<Roster>) {
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(8);
        let mut planned_running = false;
        let mut asked_running = false;
        self.inputs.queue_ids = roster_queue_ids(&roster.borrow());
        self.inputs.intervals = self.plan.intervals();
        self.plan
            .started(ReadKind::Directory, Instant::now().into_std());
        spawn_read(
            &self.reads,
            ReadKind::Directory,
            Lane::StartUp,
            &self.inputs,
            &done_tx,
        );
        loop {
            self.inputs.queue_ids = roster_queue_ids(&roster.borrow());
            self.inputs.intervals = self.plan.intervals();
            let mut wake = None;
            if !planned_running {
                match self.plan.next(Instant::now().into_std()) {
                    Next::Read(kind) => {
                        self.plan.started(kind, Instant::now().into_std());
                        planned_running = true;
                        spawn_read(&self.reads, kind, Lane::Planned, &self.inputs, &done_tx);
                        continue;
                    }
                    Next::WaitUntil(at) => wake = Some(Instant::from_std(at)),
                }
            }
            let sleep = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                asked = asks.recv() => {
                    match asked {
                        None => return,
                        Some(Ask::Directory) => self.plan.due_now(ReadKind::Directory),
                        Some(Ask::Now) if asked_running => {}
                        Some(Ask::Now) => {
                            asked_running = true;
                            let now = Instant::now().into_std();
                            for kind in ASKED {
                                self.plan.started(kind, now);
                            }
                            spawn_asked(&self.reads, &self.inputs, &done_tx);
                        }
                    }
                }
                done = done_rx.recv() => {
                    let Some(done) = done else { return };
                    match done.lane {
                        // The asked reads end with their last kind.
                        Lane::Asked => asked_running &= Some(&done.kind) != ASKED.last(),
                        Lane::Planned => planned_running = false,
                        Lane::StartUp => {}
                    }
                    if done.lane != Lane::Asked {
                        self.plan.cost(done.kind, done.cost);
                    }
                    // Said before the list it explains.
                    let held = self.plan.held();
                    if held != self.held {
                        self.held = held;
                        if !self.send(FloorUpdate::Held(held)).await {
                            return;
                        }
                    }
                    let roster = roster.borrow().clone();
                    if !self.take(done.read, &roster).await {
                        return;
                    }
                }
                changed = roster.changed() => {
                    let roster = roster.borrow_and_update().clone();
                    if changed.is_err() || !self.send_availability(&roster).await {
                        return;
                    }
                }
                () = sleep => {}
            }
        }
    }

    async fn send(&self, update: FloorUpdate) -> bool {
        self.updates.send(update).await.is_ok()
    }

    /// Keeps what a read brought and hands on what changed; false once the console is gone.
    async fn take(&mut self, read: Read, roster: &Roster) -> bool {
        match read {
            Read::Waiting(Err(error)) | Read::WithAgent(Err(error)) => {
                self.send(FloorUpdate::Conversations(Err(error), None))
                    .await
            }
            Read::Waiting(Ok(list)) => {
                self.waiting = Some(list);
                self.send_conversations(roster).await
            }
            // The list goes on with the next read of the waiting part: the console dates the
            // list by it.
            Read::WithAgent(Ok(list)) => {
                self.with_agent = Some(list);
                if self.inputs.waiting_statuses.is_empty() {
                    return self.send_conversations(roster).await;
                }
                true
            }
            Read::Presence(Err(error)) | Read::QueueNumbers(Err(error)) => {
                self.send(FloorUpdate::Availability(Err(error.to_string())))
                    .await
            }
            Read::Presence(Ok(presence)) => {
                self.presence = Some(presence);
                self.send_availability(roster).await
            }
            Read::QueueNumbers(Ok(figures)) => {
                self.inputs.performance_scope &= figures.performance.is_some();
                let numbers = match &figures.performance {
                    Some(performance) => Ok(FloorNumbers {
                        performance: performance.clone(),
                        at: figures.at,
                        since: figures.since,
                    }),
                    None => Err(NO_PERFORMANCE_SCOPE.to_owned()),
                };
                self.figures = Some(figures);
                self.send(FloorUpdate::QueueNumbers(numbers)).await
                    && self.send_availability(roster).await
            }
            Read::Directory(Ok(directory)) => {
                self.directory = Some(directory);
                self.send_availability(roster).await
            }
            Read::Directory(Err(error)) => {
                self.send(FloorUpdate::Note(format!(
                    "could not read the platform's agents and queues: {error}; names and queue states are from the last read"
                )))
                .await
            }
        }
    }

    /// The two parts of the list as one, named, in the order a supervisor reads it; sent as the
    /// waiting part is read, which dates it.
    async fn send_conversations(&self, roster: &Roster) -> bool {
        if self.waiting.is_none() && self.with_agent.is_none() {
            return true;
        }
        let mut by_session: HashMap<SessionId, crate::platform::Conversation> = HashMap::new();
        let mut notes = Vec::new();
        for (list, _) in [&self.with_agent, &self.waiting].into_iter().flatten() {
            notes.extend(list.notes.iter().cloned());
            for conversation in &list.conversations {
                // A conversation in both parts moved between their reads: the later read says
                // where it is.
                let later = by_session
                    .get(&conversation.session)
                    .is_none_or(|known| known.read_at <= conversation.read_at);
                if later {
                    by_session.insert(conversation.session.clone(), conversation.clone());
                }
            }
        }
        let list = ConversationList {
            conversations: by_session.into_values().collect(),
            notes,
        };
        let agents = self
            .directory
            .as_ref()
            .map_or(&[][..], |d| d.agents.as_slice());
        let named = conversations::named(list, roster, agents);
        let teammate = self
            .waiting
            .as_ref()
            .or(self.with_agent.as_ref())
            .and_then(|(_, teammate)| teammate.clone());
        self.send(FloorUpdate::Conversations(Ok(named), teammate))
            .await
    }

    /// Who is free and the roster's queues, once the presence is read.
    async fn send_availability(&self, roster: &Roster) -> bool {
        let Some((agents, at, read_by)) = &self.presence else {
            return true;
        };
        let active: HashMap<&str, bool> = self
            .directory
            .iter()
            .flat_map(|d| d.queues.iter().map(|q| (q.id.as_str(), q.active)))
            .collect();
        let waits = self.average_waits();
        let mut queues = HashMap::new();
        for id in roster_queue_ids(roster) {
            // A queue the platform does not list is not one to show a state for.
            let Some(&is_active) = active.get(id.as_str()) else {
                continue;
            };
            // Queue-performance gives no wait of the moment: the list's waiting ones do.
            let stats = self
                .figures
                .as_ref()
                .and_then(|figures| figures.stats.get(&id).copied())
                .map(|stats| QueueStats {
                    average_wait: stats.average_wait.or_else(|| waits.get(&id).copied()),
                    ..stats
                });
            queues.insert(
                id,
                QueueLoad {
                    active: is_active,
                    stats: stats.filter(|_| is_active),
                },
            );
        }
        let live = Availability {
            agents: agents.clone(),
            queues,
            taken_at: at.with_timezone(&Local),
            read_by: read_by.clone(),
        };
        self.send(FloorUpdate::Availability(Ok(live))).await
    }
}

impl Floor {
    /// The average wait now of each queue's waiting conversations, as last listed.
    fn average_waits(&self) -> HashMap<String, std::time::Duration> {
        let now = std::time::SystemTime::now();
        let mut sums: HashMap<&str, (std::time::Duration, u32)> = HashMap::new();
        let waiting = self
            .waiting
            .iter()
            .flat_map(|(list, _)| &list.conversations);
        for conversation in waiting {
            let queue = conversation.queue.as_ref().and_then(|q| q.id.as_deref());
            if let (Some(queue), Some(wait)) = (queue, conversation.wait_at(now)) {
                let sum = sums.entry(queue).or_default();
                *sum = (sum.0 + wait, sum.1 + 1);
            }
        }
        sums.into_iter()
            .map(|(queue, (total, count))| (queue.to_owned(), total / count))
            .collect()
    }
}

fn roster_queue_ids(roster: &Roster) -> Vec<String> {
    roster
        .targets()
        .iter()
        .filter(|t| t.kind == crate::ids::TargetKind::Queue)
        .map(|t| t.id.clone())
        .collect()
}

/// Runs one planned read in a task of its own, so the loop stays free for an ask.
fn spawn_read(
    reads: &Reads,
    kind: ReadKind,
    lane: Lane,
    inputs: &Inputs,
    done: &mpsc::Sender<Done>,
) {
    let reads = reads.clone();
    let inputs = inputs.clone();
    let done = done.clone();
    tokio::spawn(async move {
        let finished = read_one(&reads, kind, lane, &inputs).await;
        let _ = done.send(finished).await;
    });
}

/// The reads of an ask, one after another, in the order they matter: the directory last, as
/// an admin's change to names and queues is what F5 is pressed for least often.
const ASKED: [ReadKind; 4] = [
    ReadKind::Waiting,
    ReadKind::Presence,
    ReadKind::QueueNumbers,
    ReadKind::Directory,
];

/// Runs the reads of an ask in a task of their own.
fn spawn_asked(reads: &Reads, inputs: &Inputs, done: &mpsc::Sender<Done>) {
    let reads = reads.clone();
    let inputs = inputs.clone();
    let done = done.clone();
    tokio::spawn(async move {
        for kind in ASKED {
            let finished = read_one(&reads, kind, Lane::Asked, &inputs).await;
            if done.send(finished).await.is_err() {
                return;
            }
        }
    });
}

async fn read_one(reads: &Reads, kind: ReadKind, lane: Lane, inputs: &Inputs) -> Done {
    let (client, calls) = match lane {
        Lane::Planned => reads.client().under_ceiling(reads.ceiling(), false),
        Lane::Asked => reads.client().under_ceiling(reads.ceiling(), true),
        Lane::StartUp => reads.client().clone(),
    }
    .counting();
    let within = match lane {
        Lane::Asked => inputs.intervals[kind as usize].min(super::reads::ASKED_WITHIN),
        Lane::Planned | Lane::StartUp => inputs.intervals[kind as usize],
    };
    let shared = reads.shared().map(|team| (team, within));
    let read = match kind {
        ReadKind::Waiting => Read::Waiting(
            conversations::read_plain(&client, shared, &inputs.waiting_statuses).await,
        ),
        ReadKind::WithAgent => Read::WithAgent(
            conversations::read_plain(&client, shared, &inputs.other_statuses).await,
        ),
        ReadKind::Presence => Read::Presence(match shared {
            Some((team, within)) => team
                .read("presence", within, |_| true, |_| client.availability(&[]))
                .await
                .map(|shared| (shared.value, shared.read_at, shared.read_by)),
            None => client
                .availability(&[])
                .await
                .map(|agents| (agents, Utc::now(), None)),
        }),
        ReadKind::QueueNumbers => {
            let ids = &inputs.queue_ids;
            let scope = inputs.performance_scope;
            Read::QueueNumbers(match shared {
                Some((team, within)) => team
                    .read(
                        "queue-numbers",
                        within,
                        |figures: &QueueFigures| {
                            ids.iter().all(|id| figures.stats.contains_key(id))
                                || figures.performance.is_some()
                        },
                        |_| queue_figures(&client, ids, scope),
                    )
                    .await
                    .map(|shared| shared.value),
                None => queue_figures(&client, ids, scope).await,
            })
        }
        ReadKind::Directory => Read::Directory(match shared {
            Some((team, within)) => team
                .read("directory", within, |_| true, |_| directory(&client))
                .await
                .map(|shared| shared.value),
            None => directory(&client).await,
        }),
    };
    Done {
        kind,
        lane,
        cost: calls.load(std::sync::atomic::Ordering::Relaxed),
        read,
    }
}

/// The queues' numbers: queue-performance in one call, since the start of the local day; each
/// roster queue's stats, one call each, when the app may not call it.
async fn queue_figures(
    client: &PlatformClient,
    queue_ids: &[String],
    performance_scope: bool,
) -> Result<QueueFigures, PlatformError> {
    let end = Utc::now();
    let start = start_of_local_day(end);
    if performance_scope {
        match client.queue_performance(start, end).await {
            Ok(performance) => {
                let stats = performance
                    .queues
                    .iter()
                    .map(|q| {
                        let stats = QueueStats {
                            waiting: q.waiting,
                            average_wait: None,
                        };
                        (q.id.clone(), stats)
                    })
                    .collect();
                return Ok(QueueFigures {
                    stats,
                    performance: Some(performance),
                    at: end,
                    since: start,
                });
            }
            Err(PlatformError::MissingScope { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let mut stats = HashMap::new();
    for id in queue_ids {
        // One queue's stats failing leaves the others useful.
        if let Ok(figures) = client.queue_stats(id).await {
            stats.insert(id.clone(), figures);
        }
    }
    Ok(QueueFigures {
        stats,
        performance: None,
        at: end,
        since: start,
    })
}

/// The start of the local day `now` falls in, or 24 hours back if the zone makes that odd.
fn start_of_local_day(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&Local);
    local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(Local).earliest())
        .map(|start| start.with_timezone(&Utc))
        .filter(|start| *start <= now && now - *start <= chrono::TimeDelta::hours(24))
        .unwrap_or(now - chrono::TimeDelta::hours(24))
}

async fn directory(client: &PlatformClient) -> Result<Directory, PlatformError> {
    let agents = client.list_agents().await?.items;
    let queues = client.list_queues().await?.items;
    Ok(Directory { agents, queues })
}
