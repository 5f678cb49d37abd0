//! The account's request budget: the platform allows a fixed number of contact-center calls per
//! rolling minute for the whole account, so every call this app makes draws from one budget and
//! waits its turn rather than being refused.
//!
//! Transfers come first. Background calls (roster sync, availability refresh) may only spend
//! while a reserve stays free for transfers, so a burst of transfers finds the budget open.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateBudget {
    limit: usize,
    /// Slots in every window that background calls leave for transfers.
    reserve: usize,
    state: Mutex<BudgetState>,
}

/// Who is asking: a supervisor's transfer, or work they are not waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Transfer,
    Background,
}

#[derive(Debug, Default)]
struct BudgetState {
    /// When each call in the current window was made, oldest first.
    spent: VecDeque<Instant>,
    /// Set when the platform itself said to back off.
    paused_until: Option<Instant>,
}

impl BudgetState {
    /// How long until a call may be made within `limit` calls per window, or `None` if one may
    /// be made now.
    fn wait(&mut self, limit: usize, now: Instant) -> Option<Duration> {
        while self.spent.front().is_some_and(|&t| now >= t + WINDOW) {
            self.spent.pop_front();
        }
        let paused = self.paused_until.filter(|&until| until > now);
        // With `limit` slots, the call waits for the oldest calls that keep the window full.
        let full =
            (self.spent.len() >= limit).then(|| self.spent[self.spent.len() - limit] + WINDOW);
        match (paused, full) {
            (None, None) => None,
            (a, b) => a.max(b).map(|until| until - now),
        }
    }
}

impl RateBudget {
    /// A budget of `limit` calls per rolling minute, a quarter of which (at least one, when
    /// there are two or more) background calls leave for transfers.
    pub fn per_minute(limit: u32) -> Self {
        let limit = limit.max(1) as usize;
        Self {
            limit,
            reserve: (limit / 4).max(usize::from(limit > 1)),
            state: Mutex::new(BudgetState::default()),
        }
    }

    /// Spends one transfer call now if the budget allows, else says how long until it will.
    pub async fn try_spend(&self) -> Result<(), Duration> {
        self.try_spend_as(Priority::Transfer).await
    }

    /// Waits until the budget allows one transfer call, then spends it.
    pub async fn spend(&self) {
        self.spend_as(Priority::Transfer).await;
    }

    pub async fn try_spend_as(&self, priority: Priority) -> Result<(), Duration> {
        let limit = match priority {
            Priority::Transfer => self.limit,
            Priority::Background => self.limit - self.reserve,
        };
        let mut state = self.state.lock().await;
        let now = Instant::now();
        match state.wait(limit, now) {
            None => {
                state.spent.push_back(now);
                Ok(())
            }
            Some(wait) => Err(wait),
        }
    }

    pub async fn spend_as(&self, priority: Priority) {
        while let Err(wait) = self.try_spend_as(priority).await {
            tokio::time::sleep(wait).await;
        }
    }

    /// Stops all calls for `pause`, after the platform answered that the account is over its limit
    /// (other clients may share the account, so our own count is not the whole story).
    pub async fn back_off(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut state = self.state.lock().await;
        state.paused_until = Some(state.paused_until.map_or(until, |t| t.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_call_past_the_limit_waits_for_the_window() {
        let budget = RateBudget::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            budget.try_spend().await.unwrap();
        }
        assert_eq!(budget.try_spend().await, Err(WINDOW));
        budget.spend().await;
        assert_eq!(start.elapsed(), WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn calls_free_up_one_by_one() {
        let budget = RateBudget::per_minute(2);
        budget.try_spend().await.unwrap();
        tokio::time::advance(Duration::from_secs(10)).await;
        budget.try_spend().await.unwrap();
        tokio::time::advance(Duration::from_secs(50)).await;
        assert_eq!(budget.try_spend().await, Ok(()));
        assert_eq!(budget.try_spend().await, Err(Duration::from_secs(10)));
    }

    #[tokio::test(start_paused = true)]
    async fn background_calls_leave_a_reserve_for_transfers() {
        let budget = RateBudget::per_minute(8);
        for _ in 0..6 {
            budget.try_spend_as(Priority::Background).await.unwrap();
        }
        assert_eq!(budget.try_spend_as(Priority::Background).await, Err(WINDOW));
        // The reserve is still there for transfers.
        budget.try_spend().await.unwrap();
        budget.try_spend().await.unwrap();
        assert_eq!(budget.try_spend().await, Err(WINDOW));
    }

    #[tokio::test(start_paused = true)]
    async fn background_calls_wait_while_transfers_use_the_budget() {
        let budget = RateBudget::per_minute(4);
        for _ in 0..3 {
            budget.try_spend().await.unwrap();
        }
        tokio::time::advance(Duration::from_secs(20)).await;
        assert_eq!(
            budget.try_spend_as(Priority::Background).await,
            Err(Duration::from_secs(40))
        );
        assert_eq!(budget.try_spend().await, Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn backing_off_holds_every_call() {
        let budget = RateBudget::per_minute(60);
        budget.back_off(Duration::from_secs(30)).await;
        assert_eq!(budget.try_spend().await, Err(Duration::from_secs(30)));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(budget.try_spend().await, Ok(()));
    }
}
