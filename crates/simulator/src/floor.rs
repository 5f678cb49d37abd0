//! The simulated contact-center floor: every conversation the platform knows, where each sits
//! (queue, agent), how long it has waited, and the moves made to it. Transfers change it; time
//! makes waits grow and, when configured, brings new conversations in.
//!
//! New arrivals are worked out lazily, whenever the floor is looked at, from the configured gaps:
//! no background task, and nothing happens between looks that a look would not show.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::conversation::{Phase, SimConversation, SimMove, Stint, agent_names};
use super::hash::{platform_id, stable};
use super::seed;
use super::{SimAgent, SimQueue, SimulatorConfig};

/// The conversations part of the simulated tenant.
#[derive(Debug, Clone)]
pub struct ConversationsConfig {
    /// Conversations waiting or with an agent when the simulator starts.
    pub open: usize,
    /// Closed or terminated conversations when it starts, mixed in among the open ones.
    pub ended: usize,
    /// Conversations with an agent whose customer went quiet (`IDLE`) when it starts, besides
    /// the open ones.
    pub idle: usize,
    /// New conversations arrive after a gap between these two bounds (each gap picked from the
    /// arrival's number, the same on every run); `None`: none arrive, as tests need.
    pub arrivals: Option<(Duration, Duration)>,
    /// A conversation waiting longer than this is `OVERDUE`, before that `OPEN`.
    pub overdue_after: Duration,
    /// The app's credentials carry the "SmartAssist Analytics" scope; without it the list
    /// answers 401, as the platform does for an app with the Routing scope only.
    pub analytics_scope: bool,
    /// `status=OPEN,ACTIVE` is read as two statuses. Without it only repeated `status=`
    /// parameters are, and a comma-separated value is refused with 400 as an unknown status.
    pub comma_separated_statuses: bool,
    /// The most conversations a page holds, whatever `limit` asks for, as list APIs commonly
    /// cut it.
    pub page_limit: usize,
    /// Each read of a page past the first finds this many fewer conversations waiting: someone
    /// else (another supervisor, another tool of the account) gave the newest waiting ones to an
    /// agent since the page before, as happens on a busy floor while a list is read page by
    /// page, so the pages shift under the reader. 0 (the default) keeps the floor still.
    pub picked_up_between_pages: usize,
}

impl Default for ConversationsConfig {
    fn default() -> Self {
        Self {
            open: 0,
            ended: 0,
            idle: 0,
            arrivals: None,
            overdue_after: Duration::from_secs(5 * 60),
            analytics_scope: true,
            page_limit: 100,
            comma_separated_statuses: true,
            picked_up_between_pages: 0,
        }
    }
}

/// Where an accepted transfer takes a conversation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Destination<'a> {
    Agent(&'a SimAgent),
    Queue(&'a SimQueue),
}

/// Why a transfer of a known conversation is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ended {
    pub(crate) status: &'static str,
}

pub(crate) struct Floor {
    /// In creation order.
    conversations: Vec<SimConversation>,
    /// The middle of every ObjectId this platform makes, as a machine and process give.
    machine: u64,
    counter: u32,
    arrivals: Option<(Duration, Duration)>,
    next_arrival: Option<SystemTime>,
    arrived: u64,
    overdue_after: Duration,
}

/// At most this many arrivals are worked out in one look, so a simulator left alone for days
/// answers its next call at once.
const MAX_CATCH_UP: usize = 1_000;

impl Floor {
    /// The floor as it is at `start`: the configured open and ended conversations, created over
    /// the quarter of an hour before.
    pub(crate) fn new(config: &SimulatorConfig, start: SystemTime) -> Floor {
        let settings = &config.conversations;
        let mut floor = Floor {
            conversations: Vec::new(),
            machine: stable(&[b"machine", config.stream_id.as_bytes()]) & 0xff_ffff_ffff,
            counter: u32::try_from(stable(&[b"counter", config.stream_id.as_bytes()]) & 0xff_ffff)
                .unwrap_or(0),
            arrivals: settings.arrivals,
            next_arrival: None,
            arrived: 0,
            overdue_after: settings.overdue_after,
        };
        for planned in seed::initial(config, start) {
            let conversation = floor.create(planned);
            floor.conversations.push(conversation);
        }
        floor.next_arrival = floor.arrival_gap().map(|gap| start + gap);
        floor
    }

    /// Every conversation as of `now`, newest first, the arrivals due by then included.
    pub(crate) fn listed(
        &mut self,
        config: &SimulatorConfig,
        now: SystemTime,
    ) -> Vec<&SimConversation> {
        self.catch_up(config, now);
        let mut listed: Vec<&SimConversation> = self.conversations.iter().collect();
        listed.sort_by(|a, b| (b.created, &b.session).cmp(&(a.created, &a.session)));
        listed
    }

    /// Gives the `count` newest waiting conversations to `agent`, as someone else does while a
    /// list is being read.
    pub(crate) fn pick_up_newest(&mut self, count: usize, agent: &SimAgent, now: SystemTime) {
        let mut waiting: Vec<(SystemTime, String)> = self
            .conversations
            .iter()
            .filter(|c| matches!(c.phase, Phase::Waiting { .. }))
            .map(|c| (c.created, c.session.clone()))
            .collect();
        waiting.sort_by(|a, b| b.cmp(a));
        for (_, session) in waiting.into_iter().take(count) {
            self.move_to(&session, Destination::Agent(agent), now);
        }
    }

    /// Refuses a transfer of a conversation that is over; sessions the floor does not know pass,
    /// as the platform may hold conversations its list does not show.
    pub(crate) fn check_movable(&self, session: &str, now: SystemTime) -> Result<(), Ended> {
        match self.conversations.iter().find(|c| c.session == session) {
            Some(conversation) if conversation.is_ended() => Err(Ended {
                status: conversation.status(now, self.overdue_after),
            }),
            _ => Ok(()),
        }
    }

    /// Carries out an accepted transfer: the conversation leaves its queue or agent for
    /// `destination`, and the move is recorded. Unknown sessions change nothing.
    pub(crate) fn move_to(&mut self, session: &str, destination: Destination<'_>, now: SystemTime) {
        let Some(conversation) = self.conversations.iter_mut().find(|c| c.session == session)
        else {
            return;
        };
        let waited = conversation.wait(now);
        for participant in &mut conversation.participants {
            participant.status = "INACTIVE";
        }
        let entry = match destination {
            Destination::Queue(queue) => {
                for stint in &mut conversation.queues {
                    stint.status = "TRANSFERRED";
                }
                conversation.queues.push(Stint {
                    id: queue.id.clone(),
                    name: queue.name.clone(),
                    since: now,
                    status: "ACTIVE",
                });
                conversation.phase = Phase::Waiting { since: now };
                ("QUEUE", queue.id.clone(), queue.name.clone())
            }
            Destination::Agent(agent) => {
                let (user_id, name) = agent_names(agent);
                conversation.participants.push(Stint {
                    id: user_id.clone(),
                    name: name.clone(),
                    since: now,
                    status: "ACTIVE",
                });
                conversation.phase = Phase::WithAgent { waited };
                ("AGENT", user_id, name)
            }
        };
        let (to_type, to_id, to_name) = entry;
        conversation.moves.push(SimMove {
            to_type,
            to_id,
            to_name,
            by: None,
            at: now,
        });
    }

    fn arrival_gap(&self) -> Option<Duration> {
        let (low, high) = self.arrivals?;
        let span = high.saturating_sub(low).as_millis();
        let roll = u128::from(stable(&[b"arrival-gap", &self.arrived.to_le_bytes()]));
        let extra = if span == 0 { 0 } else { roll % (span + 1) };
        Some(low + Duration::from_millis(u64::try_from(extra).unwrap_or(0)))
    }

    fn catch_up(&mut self, config: &SimulatorConfig, now: SystemTime) {
        for _ in 0..MAX_CATCH_UP {
            let Some(due) = self.next_arrival.filter(|due| *due <= now) else {
                return;
            };
            let planned = seed::arrival(config, self.arrived, due);
            let conversation = self.create(planned);
            self.conversations.push(conversation);
            self.arrived += 1;
            self.next_arrival = self
                .arrival_gap()
                .map(|gap| due + gap.max(Duration::from_millis(1)));
        }
        // Too far behind: the rest of the backlog never arrives, and arrivals go on from now.
        self.next_arrival = self.arrival_gap().map(|gap| now + gap);
    }

    /// Makes a planned conversation real: its ObjectId from the creation second and the next
    /// counter value, so conversations of one second differ only in their last characters.
    fn create(&mut self, planned: seed::Planned) -> SimConversation {
        let second = planned
            .created
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let session = format!(
            "{:08x}{:010x}{:06x}",
            second & 0xffff_ffff,
            self.machine,
            self.counter & 0xff_ffff
        );
        self.counter = self.counter.wrapping_add(1);
        let conversation_id = platform_id("c-", true, session.as_bytes());
        planned.into_conversation(session, conversation_id)
    }
}
