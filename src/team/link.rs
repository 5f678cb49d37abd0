//! The connection to the team's Redis, and whether it can be used right now.
//!
//! Every call has a short deadline: a Redis that is down, slow or restarting must cost a
//! console a moment and a word in its header, never a hang. Once a call fails, Redis is left
//! alone for a second (the callers use their local share meanwhile), then tried again by the
//! next call, and the link rejoins by itself when that one is answered in time.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ErrorKind, RedisError};
use tokio::sync::watch;

use crate::config::TeamConfig;
use crate::secret::{Redactor, Secret};
use crate::terminal_safe::{MESSAGE_CHARS, cut};

/// Over this, Redis counts as slow and the call is given up: a transfer must not wait on it.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(100);
/// The deadline of a link for reads shared with the team: a conversation list of a megabyte
/// may take longer than [`CALL_TIMEOUT`] to arrive over a slow link, and a share that fails
/// costs only a read of the console's own.
pub const SHARED_READ_TIMEOUT: Duration = Duration::from_secs(1);
/// Opening a connection (a TLS handshake to another site) may take longer than one call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long Redis is left alone after a failure before the next call tries it again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Whether the team's Redis is being used, as the header says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Not tried yet.
    Joining,
    Joined,
    /// The last call failed, for this reason (in words, naming the setting to check).
    Away(String),
}

/// Cheap to clone; clones share the connection.
#[derive(Debug, Clone)]
pub struct Link {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: redis::Client,
    /// Where Redis is, for messages: the URL as configured, which never holds the password.
    address: String,
    password_env: Option<String>,
    redactor: Redactor,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    /// While set and in the future, calls do not try Redis.
    resting_until: Mutex<Option<Instant>>,
    /// Counts the times the link (re)joined, so a user of the link can tell it missed something.
    joins: AtomicU64,
    /// Counts the connections made: a new one after the first means Redis may have restarted,
    /// and lost what it held.
    connections: AtomicU64,
    /// How long a call may take before Redis counts as slow.
    deadline: Duration,
    health: watch::Sender<Health>,
}

impl Link {
    /// A link to the Redis in `config` whose calls have [`CALL_TIMEOUT`]; nothing is connected
    /// until the first call.
    pub fn new(config: &TeamConfig) -> Result<Self, String> {
        Self::with_deadline(config, CALL_TIMEOUT)
    }

    /// A link of its own whose calls have `deadline`: on its own connection, so that a large
    /// reply never holds up the calls of another link, and its trouble is its own.
    pub fn with_deadline(config: &TeamConfig, deadline: Duration) -> Result<Self, String> {
        let mut info = redis::IntoConnectionInfo::into_connection_info(config.redis_url.as_str())
            .map_err(|_| {
            "[team] redis_url: expected redis://host:port or rediss://host:port".to_owned()
        })?;
        if let Some(password) = &config.password {
            let settings = info
                .redis_settings()
                .clone()
                .set_password(password.expose());
            info = info.set_redis_settings(settings);
        }
        let client = redis::Client::open(info).map_err(|e| {
            format!(
                "[team] redis_url: {}",
                describe_kind(&e, &e.to_string(), config.password_env.as_deref())
            )
        })?;
        let secrets: Vec<Secret> = config.password.iter().cloned().collect();
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                client,
                address: config.redis_url.as_str().to_owned(),
                password_env: config.password_env.clone(),
                redactor: Redactor::new(secrets),
                connection: tokio::sync::Mutex::new(None),
                resting_until: Mutex::new(None),
                joins: AtomicU64::new(0),
                connections: AtomicU64::new(0),
                deadline,
                health: watch::Sender::new(Health::Joining),
            }),
        })
    }

    pub fn health(&self) -> Health {
        self.inner.health.borrow().clone()
    }

    /// How many times the link has (re)joined Redis; it changes after every outage.
    pub fn joins(&self) -> u64 {
        self.inner.joins.load(Ordering::Acquire)
    }

    /// How many connections the link has made: it changes whenever Redis was reconnected to,
    /// after a restart among other things.
    pub fn connections(&self) -> u64 {
        self.inner.connections.load(Ordering::Acquire)
    }

    /// Runs `call` on the connection within the link's deadline; `None` if Redis is resting after
    /// a failure, cannot be reached, errs or is too slow (the link then says why). A connection
    /// that broke since its last use (Redis restarted) is replaced and the call made once more,
    /// so a restart costs no call its answer: `call` must be safe to repeat.
    pub async fn call<T, F, Fut>(&self, call: F) -> Option<T>
    where
        F: Fn(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.inner;
        if inner
            .resting_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|until| Instant::now() < until)
        {
            return None;
        }
        let (mut connection, mut fresh) = self.connection().await?;
        loop {
            match tokio::time::timeout(inner.deadline, call(connection)).await {
                Ok(Ok(value)) => {
                    self.joined();
                    return Some(value);
                }
                // Only an error reply leaves the connection usable; anything else, a new one.
                Ok(Err(error)) if !matches!(error.kind(), ErrorKind::Server(_)) => {
                    *inner.connection.lock().await = None;
                    if fresh {
                        self.away(self.describe(&error));
                        return None;
                    }
                    (connection, fresh) = self.connection().await?;
                }
                Ok(Err(error)) => {
                    self.away(self.describe(&error));
                    return None;
                }
                Err(_) => {
                    self.away(format!(
                        "Redis at {} took over {} ms to answer",
                        inner.address,
                        inner.deadline.as_millis()
                    ));
                    return None;
                }
            }
        }
    }

    /// Whether Redis answers a `PING` within the link's deadline; a failure is said by the
    /// link's health, as any call's is.
    pub async fn ping(&self) -> bool {
        self.call(|mut connection| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        })
        .await
        .is_some()
    }

    /// The open connection, or a new one. Calls that arrive while another connects wait for
    /// that one (at most [`CONNECT_TIMEOUT`]) rather than count alone meanwhile.
    /// Also says whether the connection is new.
    async fn connection(&self) -> Option<(MultiplexedConnection, bool)> {
        let inner = &self.inner;
        let mut slot = inner.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Some((connection.clone(), false));
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(inner.deadline));
        let connecting = inner
            .client
            .get_multiplexed_async_connection_with_config(&config);
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok(connection)) => {
                *slot = Some(connection.clone());
                inner.connections.fetch_add(1, Ordering::AcqRel);
                Some((connection, true))
            }
            Ok(Err(error)) => {
                drop(slot);
                self.away(self.describe(&error));
                None
            }
            Err(_) => {
                drop(slot);
                self.away(format!(
                    "Redis at {} did not answer within {} s",
                    inner.address,
                    CONNECT_TIMEOUT.as_secs()
                ));
                None
            }
        }
    }

    fn joined(&self) {
        let inner = &self.inner;
        *inner
            .resting_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        inner.health.send_if_modified(|health| {
            let rejoined = *health != Health::Joined;
            if rejoined {
                inner.joins.fetch_add(1, Ordering::AcqRel);
                *health = Health::Joined;
            }
            rejoined
        });
    }

    fn away(&self, reason: String) {
        let inner = &self.inner;
        *inner
            .resting_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + RETRY_AFTER);
        inner.health.send_if_modified(|health| {
            let news = *health != Health::Away(reason.clone());
            if news {
                *health = Health::Away(reason);
            }
            news
        });
    }

    /// An error in words that name what to check, with no secret in them.
    fn describe(&self, error: &RedisError) -> String {
        let inner = &self.inner;
        // The server's own words, cut once the secrets are out of them: a cut made first could
        // leave the start of one too short to be known.
        let said = inner.redactor.redact(&error.to_string(), None);
        let why = describe_kind(
            error,
            &cut(&said, MESSAGE_CHARS),
            inner.password_env.as_deref(),
        );
        let words = match error.kind() {
            // A reply that is an error: a password, or data that is not what handoff keeps.
            ErrorKind::Server(_) | ErrorKind::AuthenticationFailed | ErrorKind::Parse => {
                format!("Redis at {}: {why}", inner.address)
            }
            // The rest is the connection's: refused, dropped, reset, a TLS handshake failed.
            _ if inner.address.starts_with("rediss:") => format!(
                "Redis at {} is unreachable ({why}); if it does not speak TLS, check [team] redis_url (rediss:// is TLS, redis:// is not)",
                inner.address
            ),
            _ => format!("Redis at {} is unreachable ({why})", inner.address),
        };
        inner.redactor.redact(&words, None)
    }
}

/// What went wrong, naming the `[team]` setting to look at where one is to blame; `said` is the
/// error's own words, as they may be shown.
fn describe_kind(error: &RedisError, said: &str, password_env: Option<&str>) -> String {
    // A Redis that wants a password answers a client without one NOAUTH, or, to a long
    // command, "unauthenticated multibulk length".
    let lower = error.to_string().to_lowercase();
    let refused_password = error.kind() == ErrorKind::AuthenticationFailed
        || matches!(error.code(), Some("WRONGPASS" | "NOAUTH"))
        || lower.contains("unauthenticated")
        || lower.contains("noauth");
    if refused_password {
        return match password_env {
            Some(name) => format!(
                "the password was refused: check the variable {name} that [team] password_env names"
            ),
            None => "Redis asks for a password: name the environment variable that holds it in [team] password_env".into(),
        };
    }
    if ["tls", "certificate", "handshake", "rustls"]
        .iter()
        .any(|word| lower.contains(word))
    {
        return format!(
            "the TLS connection failed ({said}): check [team] redis_url (rediss:// needs a server certificate this machine trusts; redis:// has no TLS)"
        );
    }
    said.to_owned()
}
