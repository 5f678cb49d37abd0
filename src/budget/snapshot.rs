//! The budget as watchers see it: the window at its last change, which a view counts down from
//! without asking again.

use std::time::{Duration, SystemTime};

use super::ms_since_epoch;
use super::window::{Span, Window};
use crate::team::Health;

/// The budget as it stood at its last change: the calls in the window and any pause, as times,
/// so a view can count down from it without asking again.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetSnapshot {
    pub(super) limit: usize,
    pub(super) span: Span,
    pub(super) window: Window,
    /// In team mode, whether the team's Redis is in use.
    pub(super) team: Option<Health>,
    /// In team mode, whether Redis answers at all (it may answer and still not be in use for
    /// the budget, while the team recovers a lost count): claims need only that.
    pub(super) link: Option<Health>,
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
