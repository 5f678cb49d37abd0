//! Which background read comes next, and how often each can come, under the reads' ceiling.
//! Pure: the caller gives the time and says what each read cost.
//!
//! The ceiling's calls a minute are shared out by value. Each read first gets enough for its
//! longest acceptable interval (who is free at least every two minutes, the directory every
//! fifteen); what is left goes, in the order a supervisor needs them, to bring each read up to
//! the interval it wants: the waiting conversations first (`refresh_secs`), then who is free,
//! the queues' numbers, the conversations with an agent, and the directory last. A read whose
//! share does not pay for its wanted interval comes less often, and says so ([`Held`]).
//!
//! What a read costs is what its last one did: a list of 2,000 is 20 pages, a teammate's read
//! in team mode is none. Of the reads that are due, the one whose time came first goes first,
//! the most valuable of equals.

use std::time::{Duration, Instant};

/// The reads a console keeps going, most valuable first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReadKind {
    /// Conversations waiting for an agent (OPEN, OVERDUE).
    Waiting,
    /// Every agent's presence and chat capacity.
    Presence,
    /// Each queue's waiting, overdue, SLA and agents.
    QueueNumbers,
    /// Conversations with an agent (ACTIVE, and any other state the config lists).
    WithAgent,
    /// The platform's agents and queues: names, teams, whether a queue is active.
    Directory,
}

impl ReadKind {
    pub const ALL: [ReadKind; 5] = [
        Self::Waiting,
        Self::Presence,
        Self::QueueNumbers,
        Self::WithAgent,
        Self::Directory,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// How often the reads other than the waiting conversations want to come, and the longest they
/// may be left. Who is free is what a supervisor picks by, so it comes nearly as often as the
/// list, and at least every minute however big the floor (a call each, a sixth of the ceiling
/// for both); the directory changes when an admin edits it.
const PRESENCE_EVERY: (Duration, Duration) = (Duration::from_secs(30), Duration::from_secs(60));
const QUEUE_NUMBERS_EVERY: (Duration, Duration) =
    (Duration::from_secs(30), Duration::from_secs(60));
const WITH_AGENT_EVERY: (Duration, Duration) = (Duration::from_secs(120), Duration::from_secs(600));
/// The directory: read at start, then this often (or when the supervisor asks for a sync).
const DIRECTORY_EVERY: Duration = Duration::from_secs(15 * 60);
/// However big the floor, the waiting list is read at least this often, even if the others
/// then come less often than they want.
const WAITING_AT_LEAST: Duration = Duration::from_secs(600);

/// The waiting list comes less often than wanted, because a full read of it costs more than the
/// ceiling leaves at `refresh_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// How often it can come.
    pub every: Duration,
    /// The ceiling, in calls a minute.
    pub calls_per_minute: u32,
}

#[derive(Debug, Clone, Copy)]
struct Lane {
    wanted: Duration,
    longest: Duration,
    /// Calls the last read took; one until a read says.
    cost: u32,
    /// When the last read began.
    last: Option<Instant>,
    /// Not read at all: the config lists no conversation of this kind.
    off: bool,
}

/// The plan of one console (or wall screen): when each read is due, and which goes next.
#[derive(Debug, Clone)]
pub struct Plan {
    lanes: [Lane; 5],
    /// The ceiling: calls per `window`.
    calls: u32,
    window: Duration,
}

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Read(ReadKind),
    /// Nothing is due before then.
    WaitUntil(Instant),
}

impl Plan {
    /// A plan for `calls` reads per `window` (the ceiling), the waiting list wanted every
    /// `refresh`; `waiting` and `with_agent` say whether the config lists such conversations.
    pub fn new(
        calls: u32,
        window: Duration,
        refresh: Duration,
        waiting: bool,
        with_agent: bool,
    ) -> Self {
        let lane = |(wanted, longest): (Duration, Duration), off: bool| Lane {
            wanted,
            longest: longest.max(wanted),
            cost: 1,
            last: None,
            off,
        };
        Self {
            lanes: [
                lane((refresh, WAITING_AT_LEAST), !waiting),
                lane(PRESENCE_EVERY, false),
                lane(QUEUE_NUMBERS_EVERY, false),
                lane(WITH_AGENT_EVERY, !with_agent),
                lane((DIRECTORY_EVERY, DIRECTORY_EVERY), false),
            ],
            calls: calls.max(1),
            window,
        }
    }

    /// A read of `kind` begins now.
    pub fn started(&mut self, kind: ReadKind, now: Instant) {
        self.lanes[kind.index()].last = Some(now);
    }

    /// `kind` is to be read as soon as it can, as if never read.
    pub fn due_now(&mut self, kind: ReadKind) {
        self.lanes[kind.index()].last = None;
    }

    /// A read of `kind` took `calls` calls of the ceiling (none when a teammate's served).
    pub fn cost(&mut self, kind: ReadKind, calls: u32) {
        self.lanes[kind.index()].cost = calls;
    }

    /// How often each read can come within the ceiling, by value.
    pub fn intervals(&self) -> [Duration; 5] {
        let budget = f64::from(self.calls) / self.window.as_secs_f64();
        let rate = |lane: &Lane, every: Duration| f64::from(lane.cost) / every.as_secs_f64();
        let floors: Vec<f64> = self
            .lanes
            .iter()
            .map(|lane| {
                if lane.off {
                    0.0
                } else {
                    rate(lane, lane.longest)
                }
            })
            .collect();
        let mut left = (budget - floors.iter().sum::<f64>()).max(0.0);
        let mut intervals = [Duration::ZERO; 5];
        for (i, lane) in self.lanes.iter().enumerate() {
            if lane.off || lane.cost == 0 {
                intervals[i] = lane.wanted;
                continue;
            }
            let more = (rate(lane, lane.wanted) - floors[i]).min(left).max(0.0);
            left -= more;
            let share = floors[i] + more;
            let every = Duration::from_secs_f64(f64::from(lane.cost) / share);
            intervals[i] = every.max(lane.wanted);
        }
        intervals
    }

    /// The read to make now: of those due, the one whose time came first, the most valuable
    /// of equals (a read never made comes before all); or when the next is due. Reads go one at
    /// a time, so a long one (the list of a big floor) can end after others came due: taking
    /// the earliest first keeps each to its share, where the most valuable first would let the
    /// list starve the rest.
    pub fn next(&self, now: Instant) -> Next {
        let intervals = self.intervals();
        let mut first_due: Option<(Option<Instant>, ReadKind)> = None;
        let mut soonest: Option<Instant> = None;
        for kind in ReadKind::ALL {
            let lane = &self.lanes[kind.index()];
            if lane.off {
                continue;
            }
            let due = lane.last.map(|last| last + intervals[kind.index()]);
            match due {
                Some(due) if due > now => soonest = Some(soonest.map_or(due, |s| s.min(due))),
                // `None` (never made) sorts before any time; of equal times, the first kind.
                _ if first_due.is_none_or(|(earliest, _)| due < earliest) => {
                    first_due = Some((due, kind));
                }
                _ => {}
            }
        }
        match first_due {
            Some((_, kind)) => Next::Read(kind),
            // With every read off there is still the directory, so this is never far.
            None => Next::WaitUntil(soonest.unwrap_or(now + DIRECTORY_EVERY)),
        }
    }

    /// Whether the waiting list comes less often than wanted, and how often it can.
    pub fn held(&self) -> Option<Held> {
        let lane = &self.lanes[ReadKind::Waiting.index()];
        let every = self.intervals()[ReadKind::Waiting.index()];
        // Under a second late is rounding, not a hold worth saying.
        (!lane.off && every > lane.wanted + Duration::from_secs(1)).then_some(Held {
            every,
            calls_per_minute: self.calls_per_minute(),
        })
    }

    /// The ceiling, in calls a minute.
    pub fn calls_per_minute(&self) -> u32 {
        let per_minute = f64::from(self.calls) * 60.0 / self.window.as_secs_f64();
        per_minute.round() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const REFRESH: Duration = Duration::from_secs(20);

    fn plan() -> Plan {
        Plan::new(12, MINUTE, REFRESH, true, true)
    }

    /// Calls a minute the plan spends at its intervals.
    fn spent(plan: &Plan) -> f64 {
        let intervals = plan.intervals();
        plan.lanes
            .iter()
            .zip(intervals)
            .filter(|(lane, _)| !lane.off)
            .map(|(lane, every)| f64::from(lane.cost) * 60.0 / every.as_secs_f64())
            .sum()
    }

    #[test]
    fn a_small_floor_gets_every_read_when_it_wants_it() {
        let mut plan = plan();
        plan.cost(ReadKind::Waiting, 2);
        plan.cost(ReadKind::WithAgent, 2);
        plan.cost(ReadKind::Directory, 6);
        let intervals = plan.intervals();
        assert_eq!(intervals[0], REFRESH);
        assert_eq!(intervals[1], Duration::from_secs(30));
        assert_eq!(intervals[2], Duration::from_secs(30));
        assert_eq!(intervals[3], Duration::from_secs(120));
        assert_eq!(intervals[4], DIRECTORY_EVERY);
        assert_eq!(plan.held(), None);
        assert!(spent(&plan) <= 12.0, "{}", spent(&plan));
    }

    #[test]
    fn a_big_floor_stretches_the_list_and_keeps_the_rest_at_their_longest_or_better() {
        let mut plan = plan();
        // 1,000 waiting, 1,000 with an agent, 120 agents and a handful of queues.
        plan.cost(ReadKind::Waiting, 10);
        plan.cost(ReadKind::WithAgent, 10);
        plan.cost(ReadKind::Directory, 6);
        let intervals = plan.intervals();
        let held = plan.held().expect("10 pages every 20 s is 30 a minute");
        assert_eq!(held.calls_per_minute, 12);
        assert_eq!(held.every, intervals[0]);
        assert!(intervals[0] > REFRESH && intervals[0] < Duration::from_secs(90));
        assert!(intervals[1] <= Duration::from_secs(60));
        assert!(intervals[2] <= Duration::from_secs(60));
        assert!(intervals[3] <= Duration::from_secs(600));
        assert!(spent(&plan) <= 12.0 + 1e-6, "{}", spent(&plan));
    }

    #[test]
    fn of_the_reads_due_the_most_valuable_goes_first() {
        let mut plan = plan();
        let start = Instant::now();
        assert_eq!(plan.next(start), Next::Read(ReadKind::Waiting));
        for kind in ReadKind::ALL {
            plan.started(kind, start);
        }
        assert_eq!(plan.next(start), Next::WaitUntil(start + REFRESH));
        let later = start + Duration::from_secs(31);
        assert_eq!(plan.next(later), Next::Read(ReadKind::Waiting));
        plan.started(ReadKind::Waiting, later);
        assert_eq!(plan.next(later), Next::Read(ReadKind::Presence));
    }

    #[test]
    fn a_read_whose_time_came_first_goes_before_a_more_valuable_one() {
        let mut plan = plan();
        let start = Instant::now();
        for kind in ReadKind::ALL {
            plan.started(kind, start);
        }
        // The list took a minute to read: who is free has been due since 30 s.
        let later = start + Duration::from_secs(60);
        plan.started(ReadKind::Waiting, start + Duration::from_secs(35));
        assert_eq!(plan.next(later), Next::Read(ReadKind::Presence));
    }

    #[test]
    fn a_sync_brings_the_directory_forward() {
        let mut plan = plan();
        let start = Instant::now();
        for kind in ReadKind::ALL {
            plan.started(kind, start);
        }
        let soon = start + Duration::from_secs(1);
        assert!(matches!(plan.next(soon), Next::WaitUntil(_)));
        plan.due_now(ReadKind::Directory);
        assert_eq!(plan.next(soon), Next::Read(ReadKind::Directory));
    }

    #[test]
    fn reads_the_config_leaves_out_never_come() {
        let plan = Plan::new(12, MINUTE, REFRESH, true, false);
        let start = Instant::now();
        let mut plan = plan;
        for kind in [
            ReadKind::Waiting,
            ReadKind::Presence,
            ReadKind::QueueNumbers,
            ReadKind::Directory,
        ] {
            assert_eq!(plan.next(start), Next::Read(kind));
            plan.started(kind, start);
        }
        assert!(matches!(plan.next(start), Next::WaitUntil(_)));
    }

    #[test]
    fn a_teammates_reads_cost_nothing_and_hold_nothing_back() {
        let mut plan = plan();
        plan.cost(ReadKind::Waiting, 0);
        assert_eq!(plan.intervals()[0], REFRESH);
        assert_eq!(plan.held(), None);
    }

    #[test]
    fn a_shorter_window_scales_the_ceiling_to_a_minute() {
        let plan = Plan::new(2, Duration::from_secs(10), REFRESH, true, true);
        assert_eq!(plan.calls_per_minute(), 12);
    }
}
