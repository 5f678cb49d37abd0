//! The account's window as one process counts it: calls in buckets, each counting from the
//! latest moment it could reach the platform until answered, a pause the platform asked for, and
//! who waits first (a transfer, then a bulk run's, then background work). Pure: the caller
//! gives the time, and keeps the window wherever it is shared (a file, or the team's Redis).

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Priority;
use super::team::TeamView;

/// How long a waiting call's claim to go first outlives its next try: long enough that a
/// lower priority never slips in between two tries, short enough that a waiter that went away
/// holds nobody back for long.
pub(super) const WAITING_MARK_MS: u64 = 1_000;

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
    pub(super) at: u64,
    pub(super) calls: u32,
    /// Its name in the team's window, in team mode.
    pub(super) team: Option<u64>,
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
pub(super) const BUCKET_MS: u64 = 50;

pub(super) fn bucket_end(at: u64) -> u64 {
    at.div_ceil(BUCKET_MS).saturating_mul(BUCKET_MS)
}

/// Calls in the current window and any pause, in milliseconds since the epoch.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Window {
    /// `(bucket end, calls)`, oldest first: how many calls count from each moment.
    #[serde(default)]
    pub(super) counts: VecDeque<(u64, u32)>,
    #[serde(default)]
    pub(super) paused_until: Option<u64>,
    /// A transfer is waiting for the budget until at least then: bulk and background calls
    /// give way.
    #[serde(default)]
    pub(super) transfer_waiting_until: Option<u64>,
    /// A bulk run's transfer is waiting until at least then: background calls give way.
    #[serde(default)]
    pub(super) bulk_waiting_until: Option<u64>,
}

impl Window {
    /// The team's window as Redis answered it at `now` (on this machine's clock).
    pub(super) fn from_team(view: &TeamView, now: u64) -> Self {
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
    pub(super) fn prune(&mut self, span: Span, now: u64) {
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
    pub(super) fn wait(&mut self, limit: usize, span: Span, now: u64) -> Option<u64> {
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
    pub(super) fn fill_to(&mut self, limit: usize, span: Span, now: u64) {
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
    pub(super) fn lost_team(&mut self, limit: usize, span: Span, now: u64, heard_from_team: bool) {
        if !heard_from_team {
            self.counts.clear();
        }
        self.fill_to(limit, span, now);
    }

    /// Counts `calls` more calls from `at`'s bucket.
    pub(super) fn add(&mut self, at: u64, calls: u32) -> Slot {
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
    pub(super) fn take(&mut self, limit: usize, span: Span, now: u64) -> Result<Slot, u64> {
        match self.wait(limit, span, now) {
            None => Ok(self.add(span.unanswered_until(now), 1)),
            Some(wait) => Err(wait),
        }
    }

    /// Takes a slot for `priority`, after any call of a higher priority that is waiting; a call
    /// that must wait marks that it does, so lower priorities give way to it meanwhile.
    pub(super) fn take_as(
        &mut self,
        priority: Priority,
        limits: Limits,
        now: u64,
    ) -> Result<Slot, u64> {
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
    pub(super) fn take_many_as(
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
    pub(super) fn done(&mut self, slot: Slot, now: u64) {
        self.forget(slot.at, slot.calls);
        let _ = self.add(now, slot.calls);
    }

    /// `calls` of the slot counted from `at` were never made: they leave the window.
    pub(super) fn forget(&mut self, at: u64, calls: u32) {
        if let Some(i) = self.counts.iter().position(|&(bucket, _)| bucket == at) {
            self.counts[i].1 = self.counts[i].1.saturating_sub(calls);
            if self.counts[i].1 == 0 {
                self.counts.remove(i);
            }
        }
    }

    pub(super) fn pause(&mut self, until: u64) {
        self.paused_until = Some(self.paused_until.map_or(until, |t| t.max(until)));
    }
}

/// How long calls count, in milliseconds: the platform's window, from the moment a call
/// reached it; and how long after its slot was taken an unanswered call may still reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) window: u64,
    /// The request timeout: a request that went out may sit in a connection's queue, or
    /// crawl over a slow link, until then; and one whose sender died (`kill -9`) never says
    /// when it arrived.
    pub(super) unanswered: u64,
}

impl Span {
    /// When a call whose slot is taken at `now` counts from until it is answered: the latest
    /// moment it could still reach the platform.
    pub(super) fn unanswered_until(self, now: u64) -> u64 {
        now.saturating_add(self.unanswered)
    }
}

/// The calls per window each priority may fill.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) all: usize,
    pub(super) background: usize,
    pub(super) span: Span,
}

impl Limits {
    /// `limit` calls per window, of which background calls leave the reserve.
    pub(super) fn within(limit: usize, span: Span) -> Self {
        Self {
            all: limit,
            background: limit - reserve_of(limit),
            span,
        }
    }

    pub(super) fn of(&self, priority: Priority) -> usize {
        match priority {
            Priority::Background => self.background,
            Priority::Transfer | Priority::Bulk => self.all,
        }
    }
}

/// A quarter of the budget (at least one call, when there are two or more) is left by
/// background calls for transfers.
pub(super) fn reserve_of(limit: usize) -> usize {
    (limit / 4).max(usize::from(limit > 1))
}

impl Span {
    pub(super) fn of(window: Duration, unanswered: Duration) -> Self {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Self {
            window: ms(window).max(1),
            unanswered: ms(unanswered),
        }
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
}
