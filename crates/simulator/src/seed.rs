//! The conversations the simulated floor starts with, and those that arrive later: where each
//! waits, who has it, what it is about. Every choice comes from a stable hash of the
//! conversation's number, so a floor is the same on every run, up to the clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::SimulatorConfig;
use super::conversation::{Phase, SimConversation, SimMove, Stint, Traits, agent_names, user_id};
use super::hash::stable;

const INTENTS: [&str; 8] = [
    "TalkToAgent",
    "RefundRequest",
    "CancelSubscription",
    "RouterOffline",
    "ChangePlan",
    "PaymentFailed",
    "UpdateAddress",
    "BillingQuestion",
];

const SENTIMENTS: [(&str, &str); 5] = [
    ("angry", "😠"),
    ("fear", "😨"),
    ("neutral", "😐"),
    ("joy", "😊"),
    ("sad", "😢"),
];

/// `source` as the docs' samples show it: web chat, voice, and one more.
const CHANNELS: [&str; 5] = ["rtm", "rtm", "rtm", "audiocodes", "msteams"];
const LANGUAGES: [&str; 6] = ["en", "en", "en", "es", "fr", "de"];

/// How recent "a minute ago" is for the moves the floor starts with.
const EARLIER_MOVE: Duration = Duration::from_secs(60);

/// A conversation before it has its ids.
pub(crate) struct Planned {
    pub(crate) created: SystemTime,
    phase: Phase,
    queues: Vec<Stint>,
    participants: Vec<Stint>,
    moves: Vec<SimMove>,
    traits: Traits,
}

impl Planned {
    pub(crate) fn into_conversation(
        self,
        session: String,
        conversation_id: String,
    ) -> SimConversation {
        SimConversation {
            session,
            conversation_id,
            created: self.created,
            phase: self.phase,
            queues: self.queues,
            participants: self.participants,
            moves: self.moves,
            traits: self.traits,
        }
    }
}

/// A roll of the dice for conversation `number` of `kind`, about `what`.
fn roll(kind: &[u8], number: u64, what: &[u8]) -> u64 {
    stable(&[kind, &number.to_le_bytes(), what])
}

fn pick<T: Copy>(choices: &[T], roll: u64) -> Option<T> {
    let index = usize::try_from(roll % u64::try_from(choices.len().max(1)).unwrap_or(1)).ok()?;
    choices.get(index).copied()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The floor at `start`, oldest first: the configured open and ended conversations, created
/// over the quarter of an hour before, the ended ones spread among the rest. The three newest
/// were created in the same second, and about a quarter of the others share a second with a
/// neighbour, as conversations do on a busy floor.
pub(crate) fn initial(config: &SimulatorConfig, start: SystemTime) -> Vec<Planned> {
    let settings = &config.conversations;
    let total = settings.open + settings.ended;
    let mut age = secs(3 + roll(b"initial", 0, b"age") % 15);
    let mut planned = Vec::with_capacity(total);
    for index in 0..total {
        let number = u64::try_from(index).unwrap_or(u64::MAX);
        if index > 0 {
            let gap = roll(b"initial", number, b"gap");
            if index >= 3 && !gap.is_multiple_of(4) {
                age += secs(10 + (gap >> 8) % 50);
            }
        }
        let created = start.checked_sub(age).unwrap_or(UNIX_EPOCH);
        // Exactly `ended` of the `total` slots, evenly spread.
        let ended =
            index * settings.ended / total.max(1) != (index + 1) * settings.ended / total.max(1);
        planned.push(if ended {
            ended_conversation(config, number, created, start)
        } else {
            open_conversation(config, number, created, start)
        });
    }
    planned.reverse();
    // Made last, so that the other conversations keep the ids they had before there were any.
    for index in 0..settings.idle {
        let number = u64::try_from(index).unwrap_or(u64::MAX);
        let age = secs(120 + roll(b"idle", number, b"age") % 600);
        let created = start.checked_sub(age).unwrap_or(UNIX_EPOCH);
        planned.push(idle_conversation(config, number, created, start));
    }
    planned
}

/// With an agent, the customer gone quiet: `IDLE` in the record.
fn idle_conversation(
    config: &SimulatorConfig,
    number: u64,
    created: SystemTime,
    start: SystemTime,
) -> Planned {
    let dice = |what: &[u8]| roll(b"idle", number, what);
    let taken = Taken {
        created,
        start,
        longest_wait_secs: 60,
        status: "ACTIVE",
        traits: traits(b"idle", number),
    };
    taken.by_an_agent(config, &dice, |waited| Phase::Idle { waited })
}

/// A conversation an agent of a queue took after it waited, as the floor starts.
struct Taken {
    created: SystemTime,
    start: SystemTime,
    /// It waited up to this long.
    longest_wait_secs: u64,
    /// What its queue's and its agent's stints say.
    status: &'static str,
    traits: Traits,
}

impl Taken {
    /// In a queue picked by `dice`, with one of its agents, in the `phase` made from its wait.
    fn by_an_agent(
        self,
        config: &SimulatorConfig,
        dice: &impl Fn(&[u8]) -> u64,
        phase: impl FnOnce(Duration) -> Phase,
    ) -> Planned {
        let entered = (self.created + secs(5 + dice(b"bot") % 35)).min(self.start);
        let waited = secs(5 + dice(b"waited") % self.longest_wait_secs);
        let queue = pick(&active_queues(config), dice(b"queue"));
        let agent =
            queue.and_then(|q| pick(&config.agents_in(&q.id).collect::<Vec<_>>(), dice(b"agent")));
        let status = self.status;
        Planned {
            created: self.created,
            phase: phase(waited),
            queues: queue
                .map(|q| stint(&q.id, &q.name, entered, status))
                .into_iter()
                .collect(),
            participants: agent
                .map(|a| {
                    let (user_id, name) = agent_names(a);
                    Stint {
                        id: user_id,
                        name,
                        since: entered + waited,
                        status,
                    }
                })
                .into_iter()
                .collect(),
            moves: Vec::new(),
            traits: self.traits,
        }
    }
}

/// Arrival `number`, at `at`: straight into a queue, waiting.
pub(crate) fn arrival(config: &SimulatorConfig, number: u64, at: SystemTime) -> Planned {
    let queue = pick(&active_queues(config), roll(b"arrival", number, b"queue"));
    Planned {
        created: at,
        phase: Phase::Waiting { since: at },
        queues: queue
            .map(|q| stint(&q.id, &q.name, at, "ACTIVE"))
            .into_iter()
            .collect(),
        participants: Vec::new(),
        moves: Vec::new(),
        traits: traits(b"arrival", number),
    }
}

fn active_queues(config: &SimulatorConfig) -> Vec<&super::SimQueue> {
    config.queues.iter().filter(|q| q.active).collect()
}

fn stint(id: &str, name: &str, since: SystemTime, status: &'static str) -> Stint {
    Stint {
        id: id.to_owned(),
        name: name.to_owned(),
        since,
        status,
    }
}

fn traits(kind: &[u8], number: u64) -> Traits {
    let dice = |what: &[u8]| roll(kind, number, what);
    let priority = dice(b"priority");
    Traits {
        priority: (priority % 10 >= 3).then_some(1 + (priority >> 8) % 10),
        intent: pick(&INTENTS, dice(b"intent")).unwrap_or("TalkToAgent"),
        sentiment: (dice(b"mood") % 10 >= 3)
            .then(|| pick(&SENTIMENTS, dice(b"sentiment")))
            .flatten(),
        language: pick(&LANGUAGES, dice(b"language")).unwrap_or("en"),
        channel: pick(&CHANNELS, dice(b"channel")).unwrap_or("rtm"),
    }
}

/// Waiting in a queue or with one of its agents; one in five was moved from another queue a
/// minute before `start` by one of the tenant's people.
fn open_conversation(
    config: &SimulatorConfig,
    number: u64,
    created: SystemTime,
    start: SystemTime,
) -> Planned {
    let dice = |what: &[u8]| roll(b"initial", number, what);
    let queues = active_queues(config);
    let queue = pick(&queues, dice(b"queue"));
    let entered = (created + secs(5 + dice(b"bot") % 35)).min(start);
    let mut planned = Planned {
        created,
        phase: Phase::Waiting { since: entered },
        queues: Vec::new(),
        participants: Vec::new(),
        moves: Vec::new(),
        traits: traits(b"initial", number),
    };
    let Some(queue) = queue else {
        return planned;
    };
    let mut since = entered;
    let earlier = queues
        .iter()
        .find(|q| q.id != queue.id && dice(b"moved") % 5 == 0);
    if let Some(from) = earlier {
        let at = start
            .checked_sub(EARLIER_MOVE)
            .unwrap_or(UNIX_EPOCH)
            .max(entered);
        planned
            .queues
            .push(stint(&from.id, &from.name, entered, "TRANSFERRED"));
        planned.moves.push(SimMove {
            to_type: "QUEUE",
            to_id: queue.id.clone(),
            to_name: queue.name.clone(),
            by: pick(&config.agents.iter().collect::<Vec<_>>(), dice(b"by")).map(user_id),
            at,
        });
        since = at;
    }
    planned
        .queues
        .push(stint(&queue.id, &queue.name, since, "ACTIVE"));
    let agents: Vec<_> = config.agents_in(&queue.id).collect();
    let agent = (dice(b"with-agent") % 100 < 40)
        .then(|| pick(&agents, dice(b"agent")))
        .flatten();
    if let Some(agent) = agent {
        let waited =
            secs(5 + dice(b"waited") % 120).min(start.duration_since(since).unwrap_or_default());
        let (user_id, name) = agent_names(agent);
        planned.participants.push(Stint {
            id: user_id,
            name,
            since: since + waited,
            status: "ACTIVE",
        });
        planned.phase = Phase::WithAgent { waited };
    } else {
        planned.phase = Phase::Waiting { since };
    }
    planned
}

/// Over: closed after an agent had it, or terminated (one in five).
fn ended_conversation(
    config: &SimulatorConfig,
    number: u64,
    created: SystemTime,
    start: SystemTime,
) -> Planned {
    let dice = |what: &[u8]| roll(b"ended", number, what);
    let taken = Taken {
        created,
        start,
        longest_wait_secs: 120,
        status: "CLOSED",
        traits: traits(b"ended", number),
    };
    taken.by_an_agent(config, &dice, |waited| {
        if dice(b"terminated") % 5 == 0 {
            Phase::Terminated { waited }
        } else {
            Phase::Closed { waited }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::generated_agents;
    use crate::{ConversationsConfig, Replies, SimQueue};

    /// A small tenant: two queues and a team of ten agents working both.
    fn tenant(open: usize, ended: usize) -> SimulatorConfig {
        let queues: Vec<SimQueue> = ["Billing", "Retention"]
            .iter()
            .enumerate()
            .map(|(n, name)| SimQueue {
                id: format!("qu-{n}"),
                name: (*name).into(),
                description: String::new(),
                active: true,
            })
            .collect();
        SimulatorConfig {
            stream_id: "st-1".into(),
            org_id: "o-1".into(),
            account_id: "acct".into(),
            client_id: "cs-1".into(),
            client_secret: "secret".into(),
            agents: generated_agents(10, &["Billing"], &queues),
            queues,
            agent_page_size: 25,
            state_period: secs(30),
            rate_limit_per_minute: 60,
            rate_window: secs(60),
            callback_delay: secs(1),
            callback_failure_percent: 0,
            callback_silence_percent: 0,
            random_faults_after: 0,
            late_callback_delay: secs(60),
            replies: Replies::Live,
            conversations: ConversationsConfig {
                open,
                ended,
                ..ConversationsConfig::default()
            },
            queue_performance_scope: true,
            frozen_at: None,
            clock_skew_secs: 0,
            callback_trusted_roots: Vec::new(),
        }
    }

    #[test]
    fn the_floor_has_what_was_asked_and_the_newest_share_a_second() {
        let config = tenant(30, 6);
        let start = UNIX_EPOCH + secs(1_764_000_000);
        let planned = initial(&config, start);
        assert_eq!(planned.len(), 36);
        let ended = planned
            .iter()
            .filter(|p| matches!(p.phase, Phase::Closed { .. } | Phase::Terminated { .. }))
            .count();
        assert_eq!(ended, 6);
        let newest: Vec<SystemTime> = planned.iter().rev().take(3).map(|p| p.created).collect();
        assert!(newest.iter().all(|c| *c == newest[0]), "{newest:?}");
        assert!(
            planned.windows(2).all(|w| w[0].created <= w[1].created),
            "oldest first"
        );
        assert!(
            planned
                .iter()
                .all(|p| p.created <= start && p.created + secs(3600) > start)
        );
        assert!(
            planned.iter().any(|p| !p.moves.is_empty()),
            "some were moved a minute ago"
        );
        assert!(
            planned.iter().any(|p| !p.participants.is_empty()),
            "some are with an agent"
        );
        assert!(
            planned
                .iter()
                .any(|p| matches!(p.phase, Phase::Waiting { .. }))
        );
    }
}
