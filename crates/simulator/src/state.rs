//! State shared by the request handlers and the [`Simulator`](super::Simulator) handle.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use super::calls::CallCounts;
use super::floor::Floor;
use super::rate::SlidingWindow;
use super::reply::ApiError;
use super::{RecordedRequest, SimulatorConfig};

/// How many requests and callbacks are kept for inspection; a demo left running all shift keeps
/// the latest ones and a bounded amount of memory.
pub(crate) const MAX_RECORDED: usize = 10_000;

/// Callbacks are only ever posted to loopback, so anything slower than this is a stuck client.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) struct SimState {
    pub(crate) config: SimulatorConfig,
    rate: Mutex<SlidingWindow>,
    /// Answered requests keyed by arrival number, so a slow answer keeps its place in line.
    requests: Mutex<BTreeMap<u64, RecordedRequest>>,
    next_arrival: AtomicU64,
    /// Valid transfer requests so far, for [`SimulatorConfig::random_faults_after`].
    transfers: AtomicU64,
    /// The calls that arrived, by kind; one number a kind, for a report that runs all shift.
    calls: Mutex<CallCounts>,
    /// Everything the sink received; a watch channel lets waiters wake on each new callback.
    pub(crate) callbacks: watch::Sender<Vec<serde_json::Value>>,
    /// Client for posting callbacks.
    pub(crate) http: reqwest::Client,
    /// The conversations, which transfers move.
    pub(crate) floor: Mutex<Floor>,
}

impl SimState {
    pub(crate) fn new(config: SimulatorConfig) -> reqwest::Result<SimState> {
        let mut http = reqwest::Client::builder()
            .timeout(CALLBACK_TIMEOUT)
            // Callbacks go to loopback only; a proxy from the environment must not see them.
            .no_proxy();
        for pem in &config.callback_trusted_roots {
            http = http.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
        }
        let http = http.build()?;
        Ok(SimState {
            floor: Mutex::new(Floor::new(&config, config.now())),
            rate: Mutex::new(SlidingWindow::new(
                config.rate_limit_per_minute,
                config.rate_window,
            )),
            config,
            requests: Mutex::default(),
            next_arrival: AtomicU64::new(0),
            transfers: AtomicU64::new(0),
            calls: Mutex::default(),
            callbacks: watch::Sender::new(Vec::new()),
            http,
        })
    }

    /// Counts one platform API request against the account, refusing it when over the limit.
    pub(crate) fn admit(&self) -> Result<(), ApiError> {
        lock(&self.rate).admit_request()
    }

    /// Counts a call to `path` by its kind and gives it a place in the arrival order; pass that
    /// to [`SimState::record`] once answered.
    pub(crate) fn arrive(&self, path: &str) -> u64 {
        lock(&self.calls).count(path);
        self.next_arrival.fetch_add(1, Ordering::Relaxed)
    }

    /// The calls that arrived so far, by kind.
    pub(crate) fn calls(&self) -> CallCounts {
        *lock(&self.calls)
    }

    /// Counts a valid transfer request: whether it is past the ones spared the random shares of
    /// failed and missing callbacks.
    pub(crate) fn transfer_may_fail_at_random(&self) -> bool {
        self.transfers.fetch_add(1, Ordering::Relaxed) >= self.config.random_faults_after
    }

    /// How many have taken a place in the arrival order.
    pub(crate) fn arrived(&self) -> u64 {
        self.next_arrival.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, arrival: u64, request: RecordedRequest) {
        let mut requests = lock(&self.requests);
        requests.insert(arrival, request);
        while requests.len() > MAX_RECORDED {
            requests.pop_first();
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).values().cloned().collect()
    }
}

/// Locks `mutex`, shrugging off poisoning: every critical section here is a single push or
/// lookup, so the data is consistent even if some holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
