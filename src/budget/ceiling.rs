//! The ceiling on background reads: a share of the account's budget (`[reads] share`) that the
//! reads nobody is waiting on (a console's refreshes, `handoff floor --watch`) may spend in all.
//! It is a second window beside the budget's, shared the same way, so that it holds for every
//! process of the data folder together, and in team mode for the whole team: two consoles, or
//! a console and a wall screen, do not each spend it.
//!
//! A read under the ceiling takes a slot here first, then one of the budget's as background
//! work, so transfers still go first there. Here, a read the supervisor asked for (F5) goes
//! before the planned ones, as a transfer does in the budget.

use std::path::Path;
use std::time::Duration;

use super::{Priority, RateBudget, Slot};
use crate::team::Link;

/// Cheap to clone; clones share the count.
#[derive(Debug, Clone)]
pub struct ReadCeiling {
    window: RateBudget,
    calls: u32,
    span: Duration,
}

impl ReadCeiling {
    /// `share` of `limit` calls per `window`, shared through files in `dir` by the processes
    /// of `account`.
    pub fn shared(
        share: f64,
        limit: u32,
        window: Duration,
        unanswered: Duration,
        dir: &Path,
        account: &str,
    ) -> Self {
        let calls = calls_within(share, limit);
        let budget =
            RateBudget::shared(calls, window, unanswered, dir, &format!("{account}-reads"));
        Self {
            window: budget,
            calls,
            span: window,
        }
    }

    /// `share` of `limit` calls per `window`, kept in the team's Redis for every process of
    /// the team; while Redis is away, this process reads on `fallback_share` of the ceiling.
    pub fn team(
        share: f64,
        limit: u32,
        window: Duration,
        unanswered: Duration,
        link: Link,
        account: &str,
        fallback_share: f64,
    ) -> Self {
        let calls = calls_within(share, limit);
        let budget = RateBudget::team_window(
            calls,
            window,
            unanswered,
            link,
            account,
            "reads",
            fallback_share,
        );
        Self {
            window: budget,
            calls,
            span: window,
        }
    }

    /// How many background reads the ceiling allows per window.
    pub fn calls(&self) -> u32 {
        self.calls
    }

    /// The window the ceiling counts over (the platform's minute).
    pub fn span(&self) -> Duration {
        self.span
    }

    /// Waits for room under the ceiling and takes it; `asked` (the supervisor's F5) goes
    /// before the planned reads waiting anywhere on the account.
    pub async fn spend(&self, asked: bool) -> Slot {
        let priority = if asked {
            Priority::Transfer
        } else {
            Priority::Bulk
        };
        self.window.spend_as(priority).await
    }

    /// The read in `slot` is answered.
    pub async fn done(&self, slot: Slot) {
        self.window.done(slot).await;
    }
}

/// `share` of `limit`, rounded down, and at least one call.
fn calls_within(share: f64, limit: u32) -> u32 {
    let calls = (f64::from(limit) * share).floor();
    if calls < 1.0 { 1 } else { calls as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_is_the_share_rounded_down_and_never_none() {
        assert_eq!(calls_within(0.2, 60), 12);
        assert_eq!(calls_within(0.05, 60), 3);
        assert_eq!(calls_within(0.5, 61), 30);
        assert_eq!(calls_within(0.05, 5), 1);
    }

    #[tokio::test]
    async fn processes_of_one_folder_share_the_ceiling_apart_from_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let minute = Duration::from_secs(60);
        let open = |dir: &Path| {
            ReadCeiling::shared(
                0.05,
                60,
                minute,
                Duration::ZERO,
                dir,
                "0123456789abcdef01234567",
            )
        };
        let console = open(dir.path());
        let wall_screen = open(dir.path());
        assert_eq!(console.calls(), 3);
        for _ in 0..2 {
            let slot = console.spend(false).await;
            console.done(slot).await;
        }
        let slot = wall_screen.spend(false).await;
        wall_screen.done(slot).await;
        let full = tokio::time::timeout(Duration::from_millis(300), console.spend(true)).await;
        assert!(full.is_err(), "three reads in all fill a ceiling of 3");
        // The account's budget itself is another window: nothing of it was spent.
        let budget = RateBudget::shared(
            1,
            minute,
            Duration::ZERO,
            dir.path(),
            "0123456789abcdef01234567",
        );
        assert!(budget.try_spend().await.is_ok());
    }
}
