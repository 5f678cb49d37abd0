//! The platform's account-wide rate limit: a fixed number of requests per sliding window (60
//! seconds on the platform), shared by every API call, so a client must budget transfers and
//! roster calls together.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::reply::ApiError;

/// The platform's own words when refusing a request over the limit.
pub(crate) const LIMIT_MESSAGE: &str =
    "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

/// Arrival times of the requests admitted in the last `window`.
///
/// Refused requests take no slot: a client that honours `Retry-After` gets in when told to,
/// however often it was refused before.
pub(crate) struct SlidingWindow {
    limit: usize,
    window: Duration,
    admitted: VecDeque<Instant>,
}

impl SlidingWindow {
    pub(crate) fn new(limit: u32, window: Duration) -> SlidingWindow {
        SlidingWindow {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            window,
            admitted: VecDeque::new(),
        }
    }

    /// Counts one platform API request arriving now, refusing it in the platform's words when
    /// over the limit.
    pub(crate) fn admit_request(&mut self) -> Result<(), ApiError> {
        self.admit(Instant::now()).map_err(|wait| {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, LIMIT_MESSAGE).retry_after(wait)
        })
    }

    /// Admits a request arriving at `now`, or says how long until a slot frees.
    fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        while self
            .admitted
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= self.window)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < self.limit {
            self.admitted.push_back(now);
            return Ok(());
        }
        let oldest_age = self
            .admitted
            .front()
            .map_or(Duration::ZERO, |&at| now.saturating_duration_since(at));
        Err(self.window.saturating_sub(oldest_age))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn refuses_over_the_limit_until_the_oldest_request_leaves_the_window() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(2, MINUTE);
        assert_eq!(window.admit(start), Ok(()));
        assert_eq!(window.admit(start + Duration::from_secs(10)), Ok(()));
        assert_eq!(
            window.admit(start + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        // The refusal took no slot, so the first slot frees exactly 60 s after the first request.
        assert_eq!(
            window.admit(start + Duration::from_secs(59)),
            Err(Duration::from_secs(1))
        );
        assert_eq!(window.admit(start + Duration::from_secs(60)), Ok(()));
        assert_eq!(
            window.admit(start + Duration::from_secs(61)),
            Err(Duration::from_secs(9))
        );
    }

    #[test]
    fn a_zero_limit_refuses_everything_for_a_whole_window() {
        let mut window = SlidingWindow::new(0, MINUTE);
        assert_eq!(window.admit(Instant::now()), Err(MINUTE));
    }
}
