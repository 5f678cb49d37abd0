//! The account's request budget: the platform allows a fixed number of contact-center calls per
//! rolling minute for the whole account, so every call this app makes draws from one budget and
//! waits its turn rather than being refused.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct RateBudget {
    limit: usize,
    state: Mutex<BudgetState>,
}

#[derive(Debug, Default)]
struct BudgetState {
    /// When each call in the current window was made, oldest first.
    spent: VecDeque<Instant>,
    /// Set when the platform itself said to back off.
    paused_until: Option<Instant>,
}

impl BudgetState {
    /// How long until a call may be made, or `None` if one may be made now.
    fn wait(&mut self, limit: usize, now: Instant) -> Option<Duration> {
        while self.spent.front().is_some_and(|&t| now >= t + WINDOW) {
            self.spent.pop_front();
        }
        let paused = self.paused_until.filter(|&until| until > now);
        let full = (self.spent.len() >= limit).then(|| self.spent[0] + WINDOW);
        match (paused, full) {
            (None, None) => None,
            (a, b) => a.max(b).map(|until| until - now),
        }
    }
}

impl RateBudget {
    pub fn per_minute(limit: u32) -> Self {
        Self {
            limit: limit.max(1) as usize,
            state: Mutex::new(BudgetState::default()),
        }
    }

    /// Spends one call now if the budget allows, else says how long until it will.
    pub async fn try_spend(&self) -> Result<(), Duration> {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        match state.wait(self.limit, now) {
            None => {
                state.spent.push_back(now);
                Ok(())
            }
            Some(wait) => Err(wait),
        }
    }

    /// Waits until the budget allows one call, then spends it.
    pub async fn spend(&self) {
        while let Err(wait) = self.try_spend().await {
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
    async fn backing_off_holds_every_call() {
        let budget = RateBudget::per_minute(60);
        budget.back_off(Duration::from_secs(30)).await;
        assert_eq!(budget.try_spend().await, Err(Duration::from_secs(30)));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(budget.try_spend().await, Ok(()));
    }
}
