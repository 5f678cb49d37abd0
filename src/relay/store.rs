//! Where the relay keeps a callback before it answers: on the account's stream when Redis
//! takes it, else in the spool, and from the spool onto the stream as soon as Redis answers
//! again. While the spool holds anything, new callbacks join it behind the others, so they
//! reach the stream in the order they came.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Notify};

use super::metrics::Metrics;
use super::spool::{Spool, SpoolError};
use super::stream::{Appended, Kept, append};
use crate::team::Link;

/// How many spooled callbacks go to Redis between two looks at new arrivals.
const FORWARD_BATCH: usize = 200;
/// How soon the forwarder tries Redis again after it could not reach it.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What became of a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Stream,
    /// The stream has it already: a repeat, taken once.
    Duplicate,
    Spooled,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    link: Link,
    account: String,
    spool: Mutex<Spool>,
    spooled: Notify,
    metrics: Arc<Metrics>,
}

impl Store {
    /// The store over `spool`; its forwarder starts at once, so a spool left by an earlier run
    /// is forwarded first.
    pub fn start(link: Link, account: &str, spool: Spool, metrics: Arc<Metrics>) -> Self {
        let store = Self {
            inner: Arc::new(Inner {
                link,
                account: account.to_owned(),
                spool: Mutex::new(spool),
                spooled: Notify::new(),
                metrics,
            }),
        };
        tokio::spawn(forward(store.clone()));
        store
    }

    /// Keeps `kept`: once this returns `Ok`, it is on the stream or synced in the spool.
    pub async fn keep(&self, kept: &Kept) -> Result<Placed, SpoolError> {
        let inner = &self.inner;
        let mut spool = inner.spool.lock().await;
        if spool.is_empty() {
            match append(&inner.link, &inner.account, kept).await {
                Some(Appended::Added(_)) => return Ok(Placed::Stream),
                Some(Appended::Duplicate) => return Ok(Placed::Duplicate),
                None => {}
            }
        }
        spool.push(kept)?;
        inner.metrics.spool_bytes(spool.waiting_bytes());
        inner.spooled.notify_one();
        Ok(Placed::Spooled)
    }

    /// Bytes waiting in the spool.
    pub async fn waiting_bytes(&self) -> u64 {
        self.inner.spool.lock().await.waiting_bytes()
    }
}

/// Forwards the spool to the stream, a batch at a time, for as long as the relay runs.
async fn forward(store: Store) {
    let inner = &store.inner;
    loop {
        let stuck = match forward_batch(inner).await {
            Ok(Forward::More) => continue,
            Ok(Forward::Empty) => false,
            Ok(Forward::RedisAway) => true,
            Err(error) => {
                eprintln!("relay: cannot forward the spool: {error}");
                true
            }
        };
        if stuck {
            tokio::time::sleep(RETRY_AFTER).await;
        } else {
            inner.spooled.notified().await;
        }
    }
}

enum Forward {
    More,
    Empty,
    RedisAway,
}

async fn forward_batch(inner: &Inner) -> Result<Forward, SpoolError> {
    let mut spool = inner.spool.lock().await;
    if spool.is_empty() {
        return Ok(Forward::Empty);
    }
    let batch = spool.waiting(FORWARD_BATCH)?;
    let mut outcome = Forward::More;
    let mut done = None;
    for (kept, at) in &batch {
        if append(&inner.link, &inner.account, kept).await.is_none() {
            outcome = Forward::RedisAway;
            break;
        }
        inner.metrics.forwarded();
        done = Some(*at);
    }
    if let Some(at) = done {
        spool.forwarded_to(at)?;
    }
    inner.metrics.spool_bytes(spool.waiting_bytes());
    Ok(outcome)
}
