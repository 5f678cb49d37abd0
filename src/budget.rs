//! The account's request budget: the platform allows a fixed number of contact-center calls per
//! rolling window (a minute) for the whole account, so every call draws from one budget and
//! waits its turn rather than being refused.
//!
//! The budget is shared by every handoff process on this machine (consoles and `handoff
//! transfer` runs alike): the times of the recent calls, and any pause the platform asked for,
//! live in a small file in the data folder, read and rewritten under a lock for each call. If
//! that file cannot be used, the process keeps counting on its own rather than stopping.
//!
//! With `[team]`, the budget is the whole team's instead, kept in Redis (`team`, through the team's link): every
//! console and CLI run of the account on any machine takes from it. While Redis cannot answer
//! in time, this process counts alone on its share (`[team] fallback_share`) of the budget,
//! counting the window as full from the moment Redis went away (teammates may have spent it
//! unseen), and rejoins by itself when Redis answers again.
//!
//! Transfers come first. Background calls (roster sync, availability refresh) may only spend
//! while a reserve stays free for transfers, so a burst of transfers finds the budget open.
//! Between them, the transfers of a bulk run may use the whole budget, but give way to a single
//! transfer waiting anywhere on the machine, and hold background calls back while they wait.
//!
//! - `window`: the sliding window itself, pure: calls, pauses, who waits first;
//! - `shared_file`: the window in a locked file, for the processes of one data folder;
//! - `team`: the window in the team's Redis, one Lua script per change;
//! - `snapshot`: the window as the console shows it and counts down from;
//! - `ceiling`: a second window, of background reads alone, that keeps them to a share of the
//!   budget across every process (and, in team mode, the whole team).

mod ceiling;
mod shared_file;
mod snapshot;
mod team;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

pub use ceiling::ReadCeiling;
pub use snapshot::BudgetSnapshot;
pub use window::Slot;

use crate::file_lock::FileLock;
use crate::team::{Health, Link};
use shared_file::SharedFile;
use team::{TeamBudget, TeamView};
use window::{Limits, Span, WAITING_MARK_MS, Window, bucket_end};

/// Who is asking, first served first: a supervisor's transfer, one of a bulk run, or work
/// nobody is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Transfer,
    Bulk,
    Background,
}

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

/// The longest a caller sleeps before asking the budget again, whatever wait it was told: a
/// call still unanswered counts until the latest moment it could reach the platform, so the
/// budget often frees up sooner than it said, once answers come; and a team console counting
/// alone rejoins Redis at its next ask, with no wait once Redis is back.
const ASK_AGAIN_WITHIN: Duration = Duration::from_secs(1);

/// Sleeps for `wait`, or a second (`ASK_AGAIN_WITHIN`) if that is sooner.
pub async fn sleep_before_asking_again(wait: Duration) {
    tokio::time::sleep(wait.min(ASK_AGAIN_WITHIN)).await;
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
        Self::team_window(limit, window, unanswered, link, account, "budget", share)
    }

    /// The team's window `name` of `account`, in Redis; `share` of it counted alone while
    /// Redis is away.
    fn team_window(
        limit: u32,
        window: Duration,
        unanswered: Duration,
        link: Link,
        account: &str,
        name: &str,
        share: f64,
    ) -> Self {
        let span = Span::of(window, unanswered);
        let full = limit.max(1) as usize;
        // Rounded down: the shares of the team's consoles must not add up to more than all.
        let alone = ((full as f64 * share).floor() as usize).clamp(1, full);
        let team = TeamShare {
            budget: TeamBudget::new(link, account, name, span.window, span.unanswered),
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
        crate::blocking::run(move || inner.update(change)).await
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

#[cfg(test)]
mod tests {
    use super::window::BUCKET_MS;
    use super::*;

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
