//! `handoff relay` at work: the callback receiver's limits in front, the store behind, the
//! team's tokens kept fresh, `/healthz` and `/metrics` beside, HTTPS reloaded on SIGHUP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::metrics::Metrics;
use super::spool::Spool;
use super::store::{Placed, Store};
use super::stream::Kept;
use super::team_token::{self, TeamTokens};
use crate::callback::{Received, Receiver, Refusal, Sink, Tls, token_matches};
use crate::config::RelayConfig;
use crate::secret::Secret;
use crate::team::{Health, Link};

/// The answer to a callback kept in the spool: `handoff callbacks check` looks for it.
pub const SPOOLED_WORDS: &str = "received and kept in the relay's spool: the team's Redis is away";

/// How often the tokens are read again from Redis: a rotation reaches the relay this soon.
const TOKENS_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{0}")]
    Team(String),
    #[error(transparent)]
    Spool(#[from] super::spool::SpoolError),
    #[error("cannot listen on {address} ([relay] listen): {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] crate::callback::TlsError),
}

/// The tokens accepted now: empty until the team's are known.
#[derive(Default)]
struct Tokens(RwLock<Vec<Secret>>);

impl Tokens {
    fn set(&self, tokens: &TeamTokens) {
        let mut held = self.0.write().unwrap_or_else(|p| p.into_inner());
        *held = std::iter::once(tokens.current.clone())
            .chain(tokens.previous.clone())
            .collect();
    }

    fn with<T>(&self, read: impl FnOnce(&[Secret]) -> T) -> T {
        read(&self.0.read().unwrap_or_else(|p| p.into_inner()))
    }
}

struct Relay {
    tokens: Tokens,
    store: Store,
    metrics: Arc<Metrics>,
    link: Link,
}

impl Sink for Relay {
    fn accepts(&self, candidate: &str) -> bool {
        // Every token is compared, so the time taken does not say which one matched.
        self.tokens.with(|tokens| {
            tokens.iter().fold(false, |found, token| {
                token_matches(candidate, token) | found
            })
        })
    }

    fn hide_tokens(&self, text: &str) -> String {
        self.tokens.with(|tokens| {
            tokens.iter().fold(text.to_owned(), |text, token| {
                text.replace(token.expose(), "<token>")
            })
        })
    }

    fn refused(&self, _from: SocketAddr, refusal: Refusal) {
        self.metrics.refused(refusal);
    }

    async fn take(&self, received: Received) -> Result<&'static str, Refusal> {
        let started = Instant::now();
        self.metrics.received();
        let kept = Kept {
            transfer: received.transfer.map(|id| id.to_string()),
            body: received.payload.to_string(),
            at_ms: received.at.timestamp_millis(),
        };
        let placed = self.store.keep(&kept).await;
        self.metrics.kept_in(started.elapsed());
        match placed {
            Ok(Placed::Stream) => {
                self.metrics.stored();
                Ok("received")
            }
            Ok(Placed::Duplicate) => {
                self.metrics.duplicate();
                Ok("received before: kept once")
            }
            Ok(Placed::Spooled) => {
                self.metrics.spooled();
                Ok(SPOOLED_WORDS)
            }
            Err(error) => {
                eprintln!("relay: a callback could not be kept: {error}");
                Err(Refusal::CannotKeep)
            }
        }
    }
}

/// Runs the relay of `config` with its spool in `data_dir` until `stop` resolves; says where
/// it listens through `started` once it does.
pub async fn run(
    config: &RelayConfig,
    data_dir: &Path,
    started: impl FnOnce(SocketAddr),
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), RelayError> {
    // Taken first: a SIGHUP that comes while the relay starts (a reload as it comes up) is then
    // a reload like any other, where the signal's default would end the process, and systemd
    // would not restart a relay ended by SIGHUP.
    let hangups = hangups();
    let link = Link::new(&config.team).map_err(RelayError::Team)?;
    let account = config.account_id.as_str();
    let metrics = Arc::new(Metrics::default());
    let spool = Spool::open(data_dir)?;
    if !spool.is_empty() {
        eprintln!(
            "relay: forwarding the {} bytes a previous run left in {} before anything new",
            spool.waiting_bytes(),
            spool.path().display()
        );
    }
    let store = Store::start(link.clone(), account, spool, Arc::clone(&metrics));
    let relay = Arc::new(Relay {
        tokens: Tokens::default(),
        store,
        metrics,
        link: link.clone(),
    });
    // The tokens before the first callback: from Redis, or else the copy of a run before.
    let mut said_away = false;
    read_tokens(&relay, account, data_dir, &mut said_away).await;
    if relay.tokens.with(<[Secret]>::is_empty) {
        match team_token::copy_in(data_dir) {
            Some(copy) => relay.tokens.set(&TeamTokens {
                current: copy,
                previous: None,
            }),
            None => eprintln!(
                "relay: the team's callback token is not known yet: every callback is refused until Redis answers"
            ),
        }
    }
    tokio::spawn(keep_tokens_fresh(
        Arc::clone(&relay),
        account.to_owned(),
        data_dir.to_owned(),
        said_away,
    ));
    let tls = match &config.tls {
        Some(files) => Some(Arc::new(Tls::load(&files.cert, &files.key)?)),
        None => None,
    };
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Arc::clone(&relay));
    let receiver = Receiver::serve(config.listen, Arc::clone(&relay), routes, tls.clone())
        .await
        .map_err(|source| RelayError::Listen {
            address: config.listen,
            source,
        })?;
    started(receiver.addr());
    eprintln!(
        "relay: taking the account's callbacks on {}{}, at most {} connections at once",
        if tls.is_some() { "https://" } else { "http://" },
        receiver.addr(),
        receiver.max_connections()
    );
    tokio::pin!(stop);
    reload_on_hangup(tls.as_deref(), hangups, stop).await;
    receiver.shutdown().await;
    Ok(())
}

/// The SIGHUPs to come, from now on (none where there are no signals).
#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = ();

fn hangups() -> Hangups {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::hangup()).ok()
    }
}

/// Waits for `stop`; meanwhile each SIGHUP, including one that came while the relay started,
/// reads the certificate files again.
async fn reload_on_hangup(
    tls: Option<&Tls>,
    hangups: Hangups,
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) {
    #[cfg(unix)]
    if let Some(mut hangups) = hangups {
        loop {
            tokio::select! {
                () = &mut stop => return,
                Some(()) = hangups.recv() => match tls {
                    Some(tls) => match tls.reload() {
                        Ok(()) => eprintln!("relay: certificate reloaded"),
                        Err(error) => eprintln!("relay: kept the certificate in use: {error}"),
                    },
                    None => eprintln!("relay: SIGHUP: no certificate to reload (plain HTTP)"),
                },
            }
        }
    }
    #[cfg(not(unix))]
    let () = hangups;
    let _ = tls;
    stop.await;
}

/// Reads the team's tokens now and every [`TOKENS_EVERY`], keeping a copy in the data folder.
async fn keep_tokens_fresh(
    relay: Arc<Relay>,
    account: String,
    data_dir: std::path::PathBuf,
    mut said_away: bool,
) {
    loop {
        tokio::time::sleep(TOKENS_EVERY).await;
        read_tokens(&relay, &account, &data_dir, &mut said_away).await;
    }
}

/// Reads the team's tokens from Redis into `relay`, keeping a copy in the data folder; says once
/// that Redis is away (`said_away`), and once that it answers again.
async fn read_tokens(relay: &Relay, account: &str, data_dir: &Path, said_away: &mut bool) {
    let copy = team_token::copy_in(data_dir);
    match team_token::fetch(&relay.link, account, copy.as_ref()).await {
        Some(Ok(tokens)) => {
            relay.tokens.set(&tokens);
            if let Err(error) = team_token::keep_copy_in(data_dir, &tokens.current) {
                eprintln!("relay: {error}");
            }
            if *said_away {
                eprintln!("relay: the team's Redis answers again");
            }
            *said_away = false;
        }
        Some(Err(error)) => eprintln!("relay: {error}"),
        None if !*said_away => {
            *said_away = true;
            if let Health::Away(why) = relay.link.health() {
                eprintln!("relay: {why}; callbacks go to the spool until it answers");
            }
        }
        None => {}
    }
}

/// `GET /healthz`: 200 while Redis answers, 503 (saying why) while it does not.
async fn healthz(State(relay): State<Arc<Relay>>) -> Response {
    let answers = relay.link.ping().await;
    let spool = relay.store.waiting_bytes().await;
    let tokens = relay.tokens.with(|tokens| !tokens.is_empty());
    let (status, redis) = match (answers, relay.link.health()) {
        (true, _) => (StatusCode::OK, "ok".to_owned()),
        (false, Health::Away(why)) => (StatusCode::SERVICE_UNAVAILABLE, why),
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "no answer".into()),
    };
    let status = if tokens {
        status
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ok": status.is_success(),
        "redis": redis,
        "token_known": tokens,
        "spool_bytes": spool,
    });
    (status, axum::Json(body)).into_response()
}

/// `GET /metrics`, in Prometheus' text format.
async fn metrics_text(State(relay): State<Arc<Relay>>) -> Response {
    let redis_up = relay.link.health() == Health::Joined;
    (
        [("content-type", "text/plain; version=0.0.4")],
        relay.metrics.text(redis_up),
    )
        .into_response()
}
