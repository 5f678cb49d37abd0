//! The account's request budget: the platform allows a fixed number of contact-center calls per
//! rolling window (a minute) for the whole account, so every call draws from one budget and
//! waits its turn rather than being refused.
//!
//! The budget is shared by every handoff process on this machine (consoles and `handoff
//! transfer` runs alike): the times of the recent calls, and any pause the platform asked for,
//! live in a small file in the data folder, read and rewritten under a lock for each call. If
//! that file cannot be used, the process keeps counting on its own rather than stopping.
//!
//! With `[team]`, the budget is the whole team's instead, kept in Redis (`crate::team`): every
//! console and CLI run of the account on any machine takes from it. While Redis cannot answer
//! in time, this process counts alone on its share (`[team] fallback_share`) of the budget,
//! counting the window as full from the moment Redis went away (teammates may have spent it
//! unseen), and rejoins by itself when Redis answers again.
//!
//! Transfers come first. Background calls (roster sync, availability refresh) may only spend
//! while a reserve stays free for transfers, so a burst of transfers finds the budget open.
//! Between them, the transfers of a bulk run may use the whole budget, but give way to a single
//! transfer waiting anywhere on the machine, and hold background calls back while they wait.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::file_lock::FileLock;
use crate::team::{Health, Link, TeamBudget, TeamView};

/// Who is asking, first served first: a supervisor's transfer, one of a bulk run, or work
/// nobody is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Transfer,
    Bulk,
    Background,
}

/// How long a waiting call's claim to go first outlives its next try: long enough that a
/// lower priority never slips in between two tries, short enough that a waiter that went away
/// holds nobody back for long.
const WAITING_MARK_MS: u64 = 1_000;

/// Cheap to clone; clones share the count.
#[derive(Debug, Clone)]
pub struct RateBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: usize,
    span: Span,
    /// Where the processes of this account on this machine share their count, when there is
    /// no team.
    shared: Option<SharedFile>,
    /// The team's budget in Redis, and the part of it this process uses alone.
    team: Option<TeamShare>,
    /// When (on Redis's clock) the team's window in `state` was answered.
    latest_view: Mutex<u64>,
    /// Team mode: this process counts alone since Redis last failed to answer. Set on the
    /// first call made alone, cleared by the next answer from Redis.
    counting_alone: AtomicBool,
    /// This process's view, kept in step with the file; it alone decides when the file fails.
    state: Mutex<Window>,
    /// The window as last seen, for whoever shows it (the console's header).
    seen: watch::Sender<BudgetSnapshot>,
}

#[derive(Debug)]
struct TeamShare {
    budget: TeamBudget,
    /// Calls per window this process may make while Redis cannot be reached.
    alone: usize,
}

#[derive(Debug)]
struct SharedFile {
    /// Every update takes it.
    lock: FileLock,
    data: PathBuf,
    /// The data file as this process last wrote it: while it is still that file, the window
    /// in memory is current and the file need not be read again.
    last_written: Mutex<Option<Stamp>>,
}

/// What tells one version of the data file from another: each write replaces the file, so a
/// new version is a new inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(path).ok()?;
        Some(Self {
            inode: metadata.ino(),
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// The place in the window of one call, or of several taken together (a batch of a bulk run).
/// The platform counts a request when it arrives, somewhere between the slot being taken and the
/// answer. So until the calls are answered, the slot counts from the latest moment they could
/// still arrive (taken, plus the request timeout); once they are, from the answer. Neither can
/// put two calls closer than the platform sees them, even when the process that took the slot
/// dies before the answer (its slot is then never moved, and counts long enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a slot is handed back with `done` once its calls are answered"]
pub struct Slot {
    /// The end of the bucket the calls count from.
    at: u64,
    calls: u32,
    /// Its name in the team's window, in team mode.
    team: Option<u64>,
}

impl Slot {
    /// How many calls the slot holds room for.
    pub fn calls(&self) -> usize {
        self.calls as usize
    }
}

/// Calls count in buckets this many milliseconds long, each from its bucket's end, a moment
/// after it was made, so none ever leaves the window early: the shared file then holds a few
/// hundred numbers however high the limit, not one per call.
const BUCKET_MS: u64 = 50;

fn bucket_end(at: u64) -> u64 {
    at.div_ceil(BUCKET_MS).saturating_mul(BUCKET_MS)
}

/// Calls in the current window and any pause, in milliseconds since the epoch.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Window {
    /// `(bucket end, calls)`, oldest first: how many calls count from each moment.
    #[serde(default)]
    counts: VecDeque<(u64, u32)>,
    #[serde(default)]
    paused_until: Option<u64>,
    /// A transfer is waiting for the budget until at least then: bulk and background calls
    /// give way.
    #[serde(default)]
    transfer_waiting_until: Option<u64>,
    /// A bulk run's transfer is waiting until at least then: background calls give way.
    #[serde(default)]
    bulk_waiting_until: Option<u64>,
}

impl Window {
    /// The team's window as Redis answered it at `now` (on this machine's clock).
    fn from_team(view: &TeamView, now: u64) -> Self {
        let after = |ms: u64| (ms > 0).then(|| now.saturating_add(ms));
        Self {
            counts: view
                .counts
                .iter()
                .map(|&(at, calls)| (now.saturating_add_signed(at), calls))
                .collect(),
            paused_until: after(view.paused_ms),
            transfer_waiting_until: after(view.transfer_waiting_ms),
            bulk_waiting_until: after(view.bulk_waiting_ms),
        }
    }

    /// Forgets the calls that left the window by `now`.
    fn prune(&mut self, span: Span, now: u64) {
        // Unanswered calls count from as late as they could still reach the platform; anything
        // later than that is a clock set back, and counts as made as late as a call can be.
        let latest = bucket_end(now.saturating_add(span.unanswered));
        if self.counts.iter().any(|&(at, _)| at > latest) {
            let mut clamped: Vec<(u64, u32)> = Vec::with_capacity(self.counts.len());
            let mut all: Vec<(u64, u32)> = self.counts.drain(..).collect();
            all.sort_unstable();
            for (at, calls) in all {
                let at = at.min(latest);
                match clamped.last_mut() {
                    Some((last, sum)) if *last == at => *sum = sum.saturating_add(calls),
                    _ => clamped.push((at, calls)),
                }
            }
            self.counts = clamped.into();
        }
        while self
            .counts
            .front()
            .is_some_and(|&(at, _)| now >= at.saturating_add(span.window))
        {
            self.counts.pop_front();
        }
    }

    /// Milliseconds until a call may be made within `limit` calls per window, or `None` if
    /// one may be made at `now`.
    fn wait(&mut self, limit: usize, span: Span, now: u64) -> Option<u64> {
        self.prune(span, now);
        let window = span.window;
        let paused = self.paused_until.filter(|&until| until > now);
        // With `limit` slots, the call waits until enough of the oldest calls have left.
        let total: u64 = self.counts.iter().map(|&(_, calls)| u64::from(calls)).sum();
        let limit = limit as u64;
        let full = (total >= limit).then(|| {
            let mut must_leave = total - limit + 1;
            for &(at, calls) in &self.counts {
                if u64::from(calls) >= must_leave {
                    return at + window;
                }
                must_leave -= u64::from(calls);
            }
            now + window
        });
        paused.max(full).map(|until| until - now)
    }

    /// Counts calls made by others, unseen, from `now`, up to `limit` in the window.
    fn fill_to(&mut self, limit: usize, span: Span, now: u64) {
        self.prune(span, now);
        let total: u64 = self.counts.iter().map(|&(_, calls)| u64::from(calls)).sum();
        let unseen = (limit as u64).saturating_sub(total);
        if unseen > 0 {
            let _ = self.add(now, u32::try_from(unseen).unwrap_or(u32::MAX));
        }
    }

    /// Redis stopped answering at `now`: from here this process counts alone. Teammates may
    /// have spent the rest of the window between this process's last answer from Redis and now,
    /// and the platform counts those calls for a whole window. So the window counts as full from
    /// now until they have surely left it: only then is this process's share its own. A process
    /// that never `heard_from_team` knows nothing of the calls its full starting window stands
    /// for: they too may have been made at any moment up to now.
    fn lost_team(&mut self, limit: usize, span: Span, now: u64, heard_from_team: bool) {
        if !heard_from_team {
            self.counts.clear();
        }
        self.fill_to(limit, span, now);
    }

    /// Counts `calls` more calls from `at`'s bucket.
    fn add(&mut self, at: u64, calls: u32) -> Slot {
        let at = bucket_end(at);
        match self.counts.iter().rposition(|&(time, _)| time <= at) {
            Some(i) if self.counts[i].0 == at => {
                self.counts[i].1 = self.counts[i].1.saturating_add(calls);
            }
            Some(i) => self.counts.insert(i + 1, (at, calls)),
            None => self.counts.push_front((at, calls)),
        }
        Slot {
            at,
            calls,
            team: None,
        }
    }

    /// Takes a slot for one call, counted from the latest moment it could reach the platform.
    fn take(&mut self, limit: usize, span: Span, now: u64) -> Result<Slot, u64> {
        match self.wait(limit, span, now) {
            None => Ok(self.add(span.unanswered_until(now), 1)),
            Some(wait) => Err(wait),
        }
    }

    /// Takes a slot for `priority`, after any call of a higher priority that is waiting; a call
    /// that must wait marks that it does, so lower priorities give way to it meanwhile.
    fn take_as(&mut self, priority: Priority, limits: Limits, now: u64) -> Result<Slot, u64> {
        let waiting = |mark: Option<u64>| mark.filter(|&until| until > now);
        let ahead = match priority {
            Priority::Transfer => None,
            Priority::Bulk => waiting(self.transfer_waiting_until),
            Priority::Background => {
                waiting(self.transfer_waiting_until).max(waiting(self.bulk_waiting_until))
            }
        };
        let limit = limits.of(priority);
        let result = match ahead {
            // Try again when the budget could next allow it, or once the mark is refreshed.
            Some(until) => Err(self
                .wait(limit, limits.span, now)
                .unwrap_or(0)
                .max((until - now).min(WAITING_MARK_MS / 4))),
            None => self.take(limit, limits.span, now),
        };
        if let Err(wait) = result {
            let mark = match priority {
                Priority::Transfer => Some(&mut self.transfer_waiting_until),
                Priority::Bulk => Some(&mut self.bulk_waiting_until),
                Priority::Background => None,
            };
            if let Some(mark) = mark {
                let until = now + wait + WAITING_MARK_MS;
                *mark = Some(mark.map_or(until, |t| t.max(until)));
            }
        }
        result
    }

    /// Takes room for up to `wanted` calls of `priority` at once, in one slot: at least one, or
    /// none and how long until there is room, exactly as [`take_as`](Self::take_as) would say.
    fn take_many_as(
        &mut self,
        priority: Priority,
        limits: Limits,
        now: u64,
        wanted: u32,
    ) -> Result<Slot, u64> {
        let mut slot = self.take_as(priority, limits, now)?;
        let limit = limits.of(priority);
        // The first one cleared the priorities; the rest only need room, in the same bucket.
        while slot.calls < wanted && self.wait(limit, limits.span, now).is_none() {
            let _ = self.add(limits.span.unanswered_until(now), 1);
            slot.calls += 1;
        }
        Ok(slot)
    }

    /// The calls in `slot` are answered: from now on they count from `now`, when they surely
    /// had reached the platform.
    fn done(&mut self, slot: Slot, now: u64) {
        self.forget(slot.at, slot.calls);
        let _ = self.add(now, slot.calls);
    }

    /// `calls` of the slot counted from `at` were never made: they leave the window.
    fn forget(&mut self, at: u64, calls: u32) {
        if let Some(i) = self.counts.iter().position(|&(bucket, _)| bucket == at) {
            self.counts[i].1 = self.counts[i].1.saturating_sub(calls);
            if self.counts[i].1 == 0 {
                self.counts.remove(i);
            }
        }
    }

    fn pause(&mut self, until: u64) {
        self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
    }
}

/// How long calls count, in milliseconds: the platform's window, from the moment a call
/// reached it; and how long after its slot was taken an unanswered call may still reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    window: u64,
    /// The request timeout: a request that went out may sit in a connection's queue, or
    /// crawl over a slow link, until then; and one whose sender died (`kill -9`) never says
    /// when it arrived.
    unanswered: u64,
}

impl Span {
    /// When a call whose slot is taken at `now` counts from until it is answered: the latest
    /// moment it could still reach the platform.
    fn unanswered_until(self, now: u64) -> u64 {
        now.saturating_add(self.unanswered)
    }
}

/// The calls per window each priority may fill.
#[derive(Debug, Clone, Copy)]
struct Limits {
    all: usize,
    background: usize,
    span: Span,
}

impl Limits {
    /// `limit` calls per window, of which background calls leave the reserve.
    fn within(limit: usize, span: Span) -> Self {
        Self {
            all: limit,
            background: limit - reserve_of(limit),
            span,
        }
    }

    fn of(&self, priority: Priority) -> usize {
        match priority {
            Priority::Background => self.background,
            Priority::Transfer | Priority::Bulk => self.all,
        }
    }
}

/// A quarter of the budget (at least one call, when there are two or more) is left by
/// background calls for transfers.
fn reserve_of(limit: usize) -> usize {
    (limit / 4).max(usize::from(limit > 1))
}

/// The budget as it stood at its last change: the calls in the window and any pause, as times,
/// so a view can count down from it without asking again.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetSnapshot {
    limit: usize,
    span: Span,
    window: Window,
    /// In team mode, whether the team's Redis is in use.
    team: Option<Health>,
    /// In team mode, whether Redis answers at all (it may answer and still not be in use for
    /// the budget, while the team recovers a lost count): claims need only that.
    link: Option<Health>,
}

impl BudgetSnapshot {
    /// How many calls the account may make per window: in team mode while Redis is away, how
    /// many this process may make alone.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// In team mode, whether the team's budget in Redis is in use, or why not.
    pub fn team(&self) -> Option<&Health> {
        self.team.as_ref()
    }

    /// In team mode, why Redis does not answer, if it does not: claims cannot be taken then.
    pub fn redis_away(&self) -> Option<&str> {
        match &self.link {
            Some(Health::Away(why)) => Some(why),
            _ => None,
        }
    }

    /// How long a call counts against the budget.
    pub fn window(&self) -> Duration {
        Duration::from_millis(self.span.window)
    }

    /// Calls that still count against the window at `now`.
    pub fn used_at(&self, now: SystemTime) -> usize {
        let now = ms_since_epoch(now);
        self.window
            .counts
            .iter()
            .filter(|&&(at, _)| at.min(now) + self.span.window > now)
            .map(|&(_, calls)| calls as usize)
            .sum()
    }

    /// How long a transfer asked for at `now` would wait for the budget; `None` if it would go
    /// out at once.
    pub fn wait_at(&self, now: SystemTime) -> Option<Duration> {
        self.window
            .clone()
            .wait(self.limit, self.span, ms_since_epoch(now))
            .map(Duration::from_millis)
    }

    /// How long until a call leaves the window or a pause ends, after `now`, if any will.
    pub fn next_change_at(&self, now: SystemTime) -> Option<Duration> {
        let now = ms_since_epoch(now);
        let ends = self
            .window
            .counts
            .iter()
            .map(|&(at, _)| at + self.span.window);
        ends.chain(self.window.paused_until)
            .filter(|&end| end > now)
            .min()
            .map(|end| Duration::from_millis(end - now))
    }

    /// How long the pause the platform asked for (a 429) still holds at `now`, if any.
    pub fn paused_at(&self, now: SystemTime) -> Option<Duration> {
        let now = ms_since_epoch(now);
        self.window
            .paused_until
            .filter(|&until| until > now)
            .map(|until| Duration::from_millis(until - now))
    }
}

/// The longest a caller sleeps before asking the budget again, whatever wait it was told: a
/// call still unanswered counts until the latest moment it could reach the platform, so the
/// budget often frees up sooner than it said, once answers come; and a team console counting
/// alone rejoins Redis at its next ask, with no wait once Redis is back.
const ASK_AGAIN_WITHIN: Duration = Duration::from_secs(1);

/// Sleeps for `wait`, or a second (`ASK_AGAIN_WITHIN`) if that is sooner.
pub async fn sleep_before_asking_again(wait: Duration) {
    tokio::time::sleep(wait.min(ASK_AGAIN_WITHIN)).await;
}

impl Span {
    fn of(window: Duration, unanswered: Duration) -> Self {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            window: ms(window).max(1),
            unanswered: ms(unanswered),
        }
    }
}

/// The clock as the budget reads it: milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    ms_since_epoch(SystemTime::now())
}

fn ms_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl RateBudget {
    /// A budget of `limit` calls per `window` shared through files in `dir` by every process
    /// that names the same `account`. A quarter of it (at least one call, when there are two or
    /// more) is left by background calls for transfers. A call counts from the moment it could
    /// last reach the platform, `unanswered` after its slot is taken (the request timeout),
    /// until it is answered.
    pub fn shared(
        limit: u32,
        window: Duration,
        unanswered: Duration,
        dir: &std::path::Path,
        account: &str,
    ) -> Self {
        let name = format!("rate-budget-{account}");
        let shared = SharedFile {
            lock: FileLock::new(dir.join(format!("{name}.lock"))),
            data: dir.join(format!("{name}.json")),
            last_written: Mutex::new(None),
        };
        Self::with(limit, Span::of(window, unanswered), Some(shared), None)
    }

    /// A budget of `limit` calls per `window` shared through the team's Redis by every process
    /// of the team that names the same `account`; while Redis is away, this process makes at
    /// most `share` of them (at least one) on its own.
    pub fn team(
        limit: u32,
        window: Duration,
        unanswered: Duration,
        link: Link,
        account: &str,
        share: f64,
    ) -> Self {
        let span = Span::of(window, unanswered);
        let full = limit.max(1) as usize;
        // Rounded down: the shares of the team's consoles must not add up to more than all.
        let alone = ((full as f64 * share).floor() as usize).clamp(1, full);
        let team = TeamShare {
            budget: TeamBudget::new(link, account, span.window, span.unanswered),
            alone,
        };
        Self::with(limit, span, None, Some(team))
    }

    fn with(limit: u32, span: Span, shared: Option<SharedFile>, team: Option<TeamShare>) -> Self {
        let limit = limit.max(1) as usize;
        let health = team.as_ref().map(|team| team.budget.link().health());
        // A console that has not heard from the team's Redis yet cannot know what the team
        // spent: until it does, the window counts as full, so a console that starts while Redis
        // is away waits a window before counting alone.
        let state = match &team {
            Some(_) => Window {
                counts: [(
                    bucket_end(now_ms()),
                    u32::try_from(limit).unwrap_or(u32::MAX),
                )]
                .into(),
                ..Window::default()
            },
            None => Window::default(),
        };
        Self {
            inner: Arc::new(Inner {
                limit,
                span,
                shared,
                team,
                latest_view: Mutex::new(0),
                counting_alone: AtomicBool::new(false),
                seen: watch::Sender::new(BudgetSnapshot {
                    limit,
                    span,
                    window: state.clone(),
                    link: health.clone(),
                    team: health,
                }),
                state: Mutex::new(state),
            }),
        }
    }

    /// Takes one transfer call's slot now if the budget allows, else says how long until it
    /// will.
    pub async fn try_spend(&self) -> Result<Slot, Duration> {
        self.try_spend_as(Priority::Transfer).await
    }

    pub async fn try_spend_as(&self, priority: Priority) -> Result<Slot, Duration> {
        self.try_spend_many_as(priority, 1).await
    }

    /// Takes room for up to `wanted` calls of `priority` now, in one slot holding at least one,
    /// if the budget allows any, else says how long until it will: a batch of a bulk run costs
    /// one update of the shared count, not one per call.
    pub async fn try_spend_many_as(
        &self,
        priority: Priority,
        wanted: usize,
    ) -> Result<Slot, Duration> {
        let inner = &self.inner;
        let limits = Limits::within(inner.limit, inner.span);
        let wanted = u32::try_from(wanted).unwrap_or(u32::MAX).max(1);
        let taken = match &inner.team {
            None => self
                .update(move |state, now| state.take_many_as(priority, limits, now, wanted))
                .await
                // Only a runtime shutting down loses the answer; the call is then let through.
                .unwrap_or(Ok(Slot {
                    at: bucket_end(now_ms()),
                    calls: 1,
                    team: None,
                })),
            Some(team) => self.take_from_team(team, priority, wanted).await,
        };
        if let Err(wait) = taken {
            tracing::debug!(target: "handoff::budget", "{priority:?} call waits {wait} ms for the budget");
        }
        taken.map_err(Duration::from_millis)
    }

    /// Takes room from the team's window in Redis, or, when Redis cannot say, from this
    /// process's share, counting the window as full from the first call made without Redis.
    async fn take_from_team(
        &self,
        team: &TeamShare,
        priority: Priority,
        wanted: u32,
    ) -> Result<Slot, u64> {
        let inner = &self.inner;
        let limits = Limits::within(inner.limit, inner.span);
        let now = now_ms();
        let asked = team
            .budget
            .take(
                priority,
                (limits.all, limits.background),
                WAITING_MARK_MS,
                wanted,
                now,
            )
            .await;
        if let Some((taken, view)) = asked {
            inner.adopt(&view);
            return taken.map(|(id, calls)| Slot {
                at: bucket_end(limits.span.unanswered_until(now)),
                calls,
                team: Some(id),
            });
        }
        let alone = Limits::within(team.alone, inner.span);
        let mut state = inner.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        if !inner.counting_alone.swap(true, Ordering::AcqRel) {
            let heard_from_team = *inner.latest_view.lock().unwrap_or_else(|p| p.into_inner()) > 0;
            state.lost_team(inner.limit, inner.span, now, heard_from_team);
        }
        let taken = state.take_many_as(priority, alone, now, wanted);
        inner.publish(&state);
        drop(state);
        taken.map(|slot| Slot {
            team: Some(team.budget.taken_alone(slot.calls, now)),
            ..slot
        })
    }

    /// Waits until the budget allows one call of `priority`, then takes its slot.
    pub async fn spend_as(&self, priority: Priority) -> Slot {
        loop {
            match self.try_spend_as(priority).await {
                Ok(slot) => return slot,
                Err(wait) => sleep_before_asking_again(wait).await,
            }
        }
    }

    /// `unused` of the calls in `slot` will not be made after all (their sessions could not be
    /// claimed): they leave the window. The rest of the slot, if any, is returned, to be
    /// handed back with [`done`](Self::done) once answered.
    pub async fn give_back(&self, slot: Slot, unused: usize) -> Option<Slot> {
        let unused = u32::try_from(unused).unwrap_or(u32::MAX).min(slot.calls);
        let kept = Slot {
            calls: slot.calls - unused,
            ..slot
        };
        if unused > 0 {
            if let (Some(team), Some(id)) = (&self.inner.team, slot.team)
                && let Some(view) = team.budget.release(id, kept.calls, slot.calls).await
            {
                self.inner.adopt(&view);
            } else {
                self.update(move |state, _| state.forget(slot.at, unused))
                    .await;
            }
        }
        (kept.calls > 0).then_some(kept)
    }

    /// The calls in `slot` have their answers (or failed): they count from now on (rounded up
    /// to the next millisecond, so the count is never earlier than the answer).
    pub async fn done(&self, slot: Slot) {
        if let (Some(team), Some(id)) = (&self.inner.team, slot.team)
            && let Some(view) = team.budget.done(id, slot.calls, now_ms()).await
        {
            self.inner.adopt(&view);
            return;
        }
        self.update(move |state, now| state.done(slot, now + 1))
            .await;
    }

    /// Stops all calls for `pause`, after the platform answered that the account is over its
    /// limit: other clients may share the account, so our own count is not the whole story.
    pub async fn back_off(&self, pause: Duration) {
        let pause = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX);
        if let Some(team) = &self.inner.team
            && let Some(view) = team.budget.pause(pause).await
        {
            self.inner.adopt(&view);
            return;
        }
        self.update(move |state, now| state.pause(now.saturating_add(pause)))
            .await;
    }

    /// The budget at each change, this process's calls and those of others as it sees them.
    pub fn watch(&self) -> watch::Receiver<BudgetSnapshot> {
        self.inner.seen.subscribe()
    }

    /// Reads the shared window again, so that calls other processes made show in [`watch`]
    /// without this one making any. The file is replaced whole on each write, so it is read
    /// without its lock.
    ///
    /// [`watch`]: Self::watch
    pub async fn look(&self) {
        if let Some(team) = &self.inner.team {
            // Also how a console that only watches finds that Redis is back.
            match team.budget.look().await {
                Some(view) => self.inner.adopt(&view),
                None => {
                    let state = self.inner.state.lock().unwrap_or_else(|p| p.into_inner());
                    self.inner.publish(&state);
                }
            }
            return;
        }
        let inner = Arc::clone(&self.inner);
        let _ = tokio::task::spawn_blocking(move || {
            let mut state = inner.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(on_disk) = inner.shared.as_ref().and_then(SharedFile::read) {
                *state = on_disk;
            }
            inner.publish(&state);
        })
        .await;
    }

    /// Applies `change` to the shared window, under the file lock, as blocking work: a slow
    /// disk must not stall the tasks beside it.
    async fn update<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Window, u64) -> T + Send + 'static,
    ) -> Option<T> {
        let inner = Arc::clone(&self.inner);
        super::blocking::run(move || inner.update(change)).await
    }
}

impl Inner {
    fn update<T>(&self, change: impl FnOnce(&mut Window, u64) -> T) -> T {
        // A poisoned lock only means a taker panicked; the window itself is always whole.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(shared) = &self.shared else {
            let result = change(&mut state, now_ms());
            self.publish(&state);
            return result;
        };
        let Ok(lock) = shared.lock.acquire() else {
            let result = change(&mut state, now_ms());
            self.publish(&state);
            return result;
        };
        if let Some(on_disk) = shared.read_if_changed() {
            *state = on_disk;
        }
        let result = change(&mut state, now_ms());
        // If the file cannot be written, this process still counts the call itself.
        let _ = shared.write(&state);
        drop(lock);
        self.publish(&state);
        result
    }

    /// Tells the watchers, if the window changed.
    fn publish(&self, state: &Window) {
        let link = self.team.as_ref().map(|team| team.budget.link().health());
        let health = self.team.as_ref().map(|team| {
            if team.budget.recovering() {
                Health::Away(
                    "Redis lost the team's count (restarted without its data), so no console can see all the calls of the last window".into(),
                )
            } else {
                team.budget.link().health()
            }
        });
        let limit = match (&self.team, &health) {
            (Some(team), Some(Health::Away(_))) => team.alone,
            _ => self.limit,
        };
        self.seen.send_if_modified(|seen| {
            let changed = seen.window != *state
                || seen.team != health
                || seen.link != link
                || seen.limit != limit;
            if changed {
                seen.window = state.clone();
                seen.team = health;
                seen.link = link;
                seen.limit = limit;
            }
            changed
        });
    }

    /// The team's window as Redis just answered it, from now on this process's view. Its times
    /// are placed from the clock read after the answer: a slow answer then makes the calls
    /// count a little longer here, never shorter. Of answers that arrive out of order, only
    /// the latest is kept.
    fn adopt(&self, view: &TeamView) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut latest = self.latest_view.lock().unwrap_or_else(|p| p.into_inner());
        if *latest > view.at {
            return;
        }
        *latest = view.at;
        self.counting_alone.store(false, Ordering::Release);
        *state = Window::from_team(view, now_ms());
        drop(latest);
        self.publish(&state);
    }
}

impl SharedFile {
    /// The window as another process left it; `None` when there is none yet or it is damaged
    /// (then this process's own count stands).
    fn read(&self) -> Option<Window> {
        let text = std::fs::read(&self.data).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Like [`read`](Self::read), but `None` without reading when the file is still the one
    /// this process wrote last.
    fn read_if_changed(&self) -> Option<Window> {
        let last = *self.last_written.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some() && Stamp::of(&self.data) == last {
            return None;
        }
        self.read()
    }

    /// Replaces the file whole (write beside, then rename), so a crash never leaves half of it.
    fn write(&self, window: &Window) -> std::io::Result<()> {
        let temp = self.data.with_extension("json.tmp");
        let mut file = File::create(&temp)?;
        file.write_all(&serde_json::to_vec(window).unwrap_or_default())?;
        drop(file);
        std::fs::rename(&temp, &self.data)?;
        *self.last_written.lock().unwrap_or_else(|p| p.into_inner()) = Stamp::of(&self.data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: u64 = 60_000;
    /// Calls that are answered the moment they go out: the window's own rules, alone.
    const SPAN: Span = Span {
        window: MINUTE,
        unanswered: 0,
    };

    /// Takes a slot, forgetting it: these calls are never answered.
    fn take(window: &mut Window, limit: usize, now: u64) -> Result<(), u64> {
        window.take(limit, SPAN, now).map(drop)
    }

    #[test]
    fn the_call_past_the_limit_waits_for_the_window() {
        let mut window = Window::default();
        for _ in 0..3 {
            take(&mut window, 3, 1_000).unwrap();
        }
        assert_eq!(take(&mut window, 3, 1_000), Err(MINUTE));
        assert!(take(&mut window, 3, 1_000 + MINUTE).is_ok());
    }

    #[test]
    fn calls_free_up_one_by_one() {
        let mut window = Window::default();
        take(&mut window, 2, 0).unwrap();
        take(&mut window, 2, 10_000).unwrap();
        assert!(take(&mut window, 2, 60_000).is_ok());
        assert_eq!(take(&mut window, 2, 60_000), Err(10_000));
    }

    #[test]
    fn a_call_counts_from_its_answer() {
        let mut window = Window::default();
        let slow = window.take(1, SPAN, 0).unwrap();
        window.done(slow, 5_000);
        assert_eq!(take(&mut window, 1, MINUTE), Err(5_000));
        assert!(take(&mut window, 1, MINUTE + 5_000).is_ok());
    }

    #[test]
    fn a_pause_holds_every_call() {
        let mut window = Window::default();
        window.pause(30_000);
        assert_eq!(take(&mut window, 60, 0), Err(30_000));
        assert!(take(&mut window, 60, 30_000).is_ok());
    }

    #[test]
    fn calls_in_one_bucket_are_one_number_and_leave_together() {
        let mut window = Window::default();
        for at in [1_001, 1_020, 1_049, 1_050] {
            take(&mut window, 10, at).unwrap();
        }
        assert_eq!(window.counts, [(1_050, 4)]);
        take(&mut window, 10, 1_051).unwrap();
        assert_eq!(window.counts, [(1_050, 4), (1_100, 1)]);
        // None leaves before a full window after it was made.
        assert_eq!(take(&mut window, 5, 2_000), Err(MINUTE + 1_050 - 2_000));
        assert!(take(&mut window, 5, MINUTE + 1_050).is_ok());
    }

    #[test]
    fn an_answer_moves_one_call_to_its_own_bucket() {
        let mut window = Window::default();
        let first = window.take(3, SPAN, 0).unwrap();
        let _second = window.take(3, SPAN, 0).unwrap();
        window.done(first, 7_001);
        assert_eq!(window.counts, [(0, 1), (7_050, 1)]);
        // A slot that has left the window still counts from its answer.
        let slow = window.take(3, SPAN, 8_000).unwrap();
        window.done(slow, 8_000 + 2 * MINUTE);
        assert_eq!(window.counts.back(), Some(&(8_000 + 2 * MINUTE, 1)));
    }

    #[test]
    fn an_unanswered_call_counts_from_the_latest_moment_it_could_arrive() {
        let span = Span {
            window: MINUTE,
            unanswered: 20_000,
        };
        let mut window = Window::default();
        let answered = window.take(2, span, 0).unwrap();
        let _never_answered = window.take(2, span, 0).unwrap();
        window.done(answered, 400);
        // The answered one leaves a window after its answer; the other only a window after
        // the request timeout, since it might have reached the platform as late as that.
        assert_eq!(window.take(2, span, MINUTE), Err(400));
        assert!(window.take(2, span, MINUTE + 400).is_ok());
        assert_eq!(window.take(2, span, MINUTE + 400), Err(20_000 - 400));
        // Unanswered calls are not mistaken for a clock set back.
        assert_eq!(window.counts.back(), Some(&(MINUTE + 400 + 20_000, 1)));
    }

    #[test]
    fn a_console_that_loses_redis_counts_the_window_as_full_from_the_loss() {
        // A view from Redis at 1 s with 2 of 10 calls; Redis lost at 1.5 s.
        let mut heard = Window::default();
        let _ = heard.add(1_000, 2);
        heard.lost_team(10, SPAN, 1_500, true);
        // On a share of 3: the 8 unseen calls may all have been made just before the loss.
        assert_eq!(heard.take(3, SPAN, 1_500), Err(MINUTE));
        // A console that started at 0, never heard from Redis, and lost it at 30 s: its
        // starting window stood for nothing it knows, so it counts from the loss too.
        let mut never_heard = Window::default();
        let _ = never_heard.add(0, 10);
        never_heard.lost_team(10, SPAN, 30_000, false);
        assert_eq!(never_heard.take(3, SPAN, MINUTE), Err(30_000));
        assert!(never_heard.take(3, SPAN, MINUTE + 30_000).is_ok());
    }

    #[test]
    fn calls_given_back_leave_the_window() {
        let mut window = Window::default();
        let limits = Limits::within(4, SPAN);
        let slot = window.take_many_as(Priority::Bulk, limits, 0, 4).unwrap();
        window.forget(slot.at, 3);
        assert_eq!(window.counts, [(0, 1)]);
        assert!(window.take(4, SPAN, 10).is_ok());
    }

    #[tokio::test]
    async fn a_slot_left_unanswered_by_a_killed_process_holds_the_next_one_back() {
        let dir = tempfile::tempdir().unwrap();
        let window = Duration::from_secs(1);
        let timeout = Duration::from_secs(20);
        let killed = RateBudget::shared(1, window, timeout, dir.path(), "acct");
        // Taken and never handed back: the process died with its request in flight.
        let _ = killed.try_spend().await.unwrap();
        drop(killed);
        let rerun = RateBudget::shared(1, window, timeout, dir.path(), "acct");
        let wait = rerun.try_spend().await.expect_err("the window is held");
        assert!(
            wait > timeout,
            "{wait:?}: the request may have arrived late"
        );
    }

    #[test]
    fn a_clock_set_back_does_not_free_the_window() {
        let mut window = Window::default();
        take(&mut window, 1, 500_000).unwrap();
        assert_eq!(take(&mut window, 1, 100_000), Err(MINUTE));
    }

    const LIMITS: Limits = Limits {
        all: 2,
        background: 1,
        span: SPAN,
    };

    #[test]
    fn a_waiting_transfer_goes_before_bulk_and_bulk_before_background() {
        let mut window = Window::default();
        let take =
            |window: &mut Window, priority, now| window.take_as(priority, LIMITS, now).map(drop);
        take(&mut window, Priority::Bulk, 0).unwrap();
        take(&mut window, Priority::Bulk, 0).unwrap();
        assert_eq!(
            take(&mut window, Priority::Bulk, 1_000),
            Err(MINUTE - 1_000)
        );
        assert!(take(&mut window, Priority::Transfer, 2_000).is_err());
        // The window frees up: the waiting transfer goes first, bulk and background wait on.
        assert!(take(&mut window, Priority::Bulk, MINUTE).is_err());
        assert!(take(&mut window, Priority::Background, MINUTE).is_err());
        take(&mut window, Priority::Transfer, MINUTE).unwrap();
        take(&mut window, Priority::Bulk, MINUTE + WAITING_MARK_MS).unwrap();
        // Background calls wait while the bulk run does, then take their share.
        let later = 3 * MINUTE;
        assert!(take(&mut window, Priority::Bulk, later).is_ok());
        assert!(take(&mut window, Priority::Bulk, later).is_ok());
        assert!(take(&mut window, Priority::Bulk, later).is_err());
        assert!(take(&mut window, Priority::Background, later + MINUTE).is_err());
        let marks_gone = later + 2 * MINUTE + WAITING_MARK_MS;
        assert!(take(&mut window, Priority::Background, marks_gone).is_ok());
    }

    #[test]
    fn a_batch_takes_what_room_there_is_and_hands_it_back_together() {
        let limits = Limits {
            all: 5,
            background: 3,
            span: SPAN,
        };
        let mut window = Window::default();
        let batch = window.take_many_as(Priority::Bulk, limits, 1, 3).unwrap();
        assert_eq!(batch.calls(), 3);
        let rest = window.take_many_as(Priority::Bulk, limits, 10, 16).unwrap();
        assert_eq!(rest.calls(), 2, "only the room left");
        assert_eq!(window.counts, [(50, 5)]);
        assert_eq!(
            window.take_many_as(Priority::Bulk, limits, 20, 16),
            Err(MINUTE + 50 - 20)
        );
        window.done(batch, 4_000);
        assert_eq!(window.counts, [(50, 2), (4_000, 3)], "all three move");
        // A waiting transfer goes before a batch; background calls keep the reserve.
        let later = 3 * MINUTE;
        assert!(window.take_as(Priority::Transfer, limits, 0).is_err());
        assert!(window.take_many_as(Priority::Bulk, limits, 1, 4).is_err());
        let background = window
            .take_many_as(Priority::Background, limits, later, 16)
            .unwrap();
        assert_eq!(background.calls(), 3);
    }

    #[tokio::test]
    async fn background_calls_leave_a_reserve_for_transfers() {
        let dir = tempfile::tempdir().unwrap();
        let budget = RateBudget::shared(
            8,
            Duration::from_secs(60),
            Duration::ZERO,
            dir.path(),
            "acct",
        );
        for _ in 0..6 {
            let _ = budget.try_spend_as(Priority::Background).await.unwrap();
        }
        assert!(budget.try_spend_as(Priority::Background).await.is_err());
        let _ = budget.try_spend().await.unwrap();
        let _ = budget.try_spend().await.unwrap();
        assert!(budget.try_spend().await.is_err());
    }

    #[tokio::test]
    async fn watchers_see_the_calls_of_every_process_sharing_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let minute = Duration::from_secs(60);
        let this = RateBudget::shared(2, minute, Duration::ZERO, dir.path(), "acct");
        let other = RateBudget::shared(2, minute, Duration::ZERO, dir.path(), "acct");
        let mut seen = this.watch();
        let _ = this.try_spend().await.unwrap();
        assert!(seen.has_changed().unwrap());
        let now = SystemTime::now();
        assert_eq!(seen.borrow_and_update().used_at(now), 1);
        let _ = other.try_spend().await.unwrap();
        assert!(!seen.has_changed().unwrap(), "not read yet");
        this.look().await;
        let snapshot = seen.borrow_and_update().clone();
        assert_eq!(snapshot.used_at(SystemTime::now()), 2);
        let wait = snapshot
            .wait_at(SystemTime::now())
            .expect("the window is full");
        // A call counts from the end of its bucket: never less than a minute from its answer.
        let bucket = Duration::from_millis(BUCKET_MS);
        assert!(
            wait > Duration::from_secs(58) && wait <= minute + bucket,
            "{wait:?}"
        );
        let later = SystemTime::now() + minute + bucket;
        assert_eq!(snapshot.used_at(later), 0);
        assert_eq!(snapshot.wait_at(later), None);
        this.look().await;
        assert!(!seen.has_changed().unwrap(), "nothing new, no news");
        other.back_off(Duration::from_secs(30)).await;
        this.look().await;
        let paused = seen.borrow_and_update().paused_at(SystemTime::now());
        assert!(
            paused.is_some_and(|p| p > Duration::from_secs(28)),
            "{paused:?}"
        );
    }

    #[tokio::test]
    async fn budgets_sharing_a_folder_share_the_count_and_the_pause() {
        let dir = tempfile::tempdir().unwrap();
        let minute = Duration::from_secs(60);
        let first = RateBudget::shared(3, minute, Duration::ZERO, dir.path(), "acct");
        let second = RateBudget::shared(3, minute, Duration::ZERO, dir.path(), "acct");
        let other_account = RateBudget::shared(3, minute, Duration::ZERO, dir.path(), "other");
        let _ = first.try_spend().await.unwrap();
        let _ = second.try_spend().await.unwrap();
        let _ = first.try_spend().await.unwrap();
        assert!(
            second.try_spend().await.is_err(),
            "the account's 3 are spent"
        );
        let _ = other_account.try_spend().await.unwrap();
        other_account.back_off(minute).await;
        assert!(other_account.try_spend().await.is_err());
        // A damaged file is replaced by this process's own count, not an error.
        std::fs::write(dir.path().join("rate-budget-acct.json"), b"{torn").unwrap();
        assert!(
            first.try_spend().await.is_err(),
            "its own count still holds"
        );
    }
}
