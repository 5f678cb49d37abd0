//! One call each, made only to learn whether the platform answers it, for `handoff doctor`:
//! whether the credentials are taken, whether the app holds the scope a feature needs, and
//! what the platform's clock says. Each is the cheapest form of a call handoff makes anyway
//! (one entry of one page), on the background budget like every read.

use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, Utc};
use reqwest::Method;

use super::PlatformClient;
use super::client::ClockReading;
use super::queue_performance::request_body;
use super::reply::PlatformError;

/// Which call to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The first queue of the stream's queue list: accepted credentials.
    Credentials,
    /// The first conversation of the conversation list: the "SmartAssist Analytics" scope.
    Conversations,
    /// One row of queue performance for the last hour: the "Configuration" scope.
    QueuePerformance,
}

/// What one probe came back with: whether the call was answered with success, and the
/// platform's clock from its reply, whatever the status.
#[derive(Debug)]
pub struct Probed {
    pub result: Result<(), PlatformError>,
    pub clock: Option<ClockReading>,
}

impl PlatformClient {
    /// Makes the call `probe` names once, on the background budget.
    pub async fn probe(&self, probe: Probe) -> Probed {
        let clock = Arc::new(Mutex::new(None));
        let client = self.reading_clock(Arc::clone(&clock));
        let request = match probe {
            Probe::Credentials => client.request(Method::GET, "queues?page=1&limit=1"),
            Probe::Conversations => client.request(Method::GET, "conversations?skip=0&limit=1"),
            Probe::QueuePerformance => {
                let end = Utc::now();
                let body = request_body(end - TimeDelta::hours(1), end, 1, 0, &["waiting"]);
                client
                    .analytics_request(Method::POST, "queue-performance?sortBy=queueName:asc")
                    .map(|r| r.json(&body))
            }
        };
        let result = client.send_background(request).await.map(|_| ());
        let clock = *clock.lock().unwrap_or_else(|p| p.into_inner());
        Probed { result, clock }
    }
}
