//! A built-in simulator of the Kore.ai contact-center platform.
//!
//! Tests and demo mode need a platform that behaves like the real one (same paths, headers, JWT
//! rules, error shapes, rate limit and asynchronous callbacks) without network access or real
//! credentials. [`Simulator::start`] runs a real axum HTTP server, normally on loopback, that
//! implements `POST /agentassist/api/v1/public/{streamId}/assign-conversation` as described in
//! `shared/kore/assign-conversation.md`, plus a callback sink that clients can use as
//! `callbackUrl`.
//!
//! # Order of checks
//! 1. Rate limit: account-wide, sliding 60 s, over [`SimulatorConfig::rate_limit_per_minute`] →
//!    429 with `Retry-After`. Every request to a non-`/_sim/` path counts when it arrives, whatever
//!    its fate later; a request refused with 429 takes no slot.
//! 2. Method: anything but POST → 405.
//! 3. `auth` header: a bare HS256 JWT signed with the client secret whose `appId` is the client
//!    id, `exp` checked when present → else 401.
//! 4. `accountid` header: missing → 401, another account → 403.
//! 5. `streamId` path segment → 404.
//! 6. `Content-Type: application/json` → 415.
//! 7. Body: at most 64 KiB (413), a JSON object (400) without unknown fields (400), valid
//!    `callbackUrl` and `botSessionId` (400), our `orgId` (403), exactly one target (400), a known
//!    agent or queue (404).
//! 8. Fault triggers below, else success.
//!
//! Refusals answer `{"errors":[{"msg":"…","code":<status>}]}`, the shape seen elsewhere on the
//! platform. Every request to the endpoint is recorded with its answer, see [`Simulator::requests`].

//! # Fault triggers
//! The real platform's failures are undocumented, so a client must cope with every shape of bad
//! answer. The `botSessionId` prefix (all valid hex, so the id still passes validation) picks one:
//!
//! | prefix | answer | why |
//! |--------|--------|-----|
//! | `dead` | 404 `{"errors":[{"msg":"Conversation not found or already closed","code":404}]}` | the conversation ended before the transfer |
//! | `5000` | 500 with an HTML page (`text/html`) | a proxy in front of the platform failed |
//! | `5020` | 502 with an empty body | a gateway dropped the upstream answer |
//! | `5030` | 503 `{"message":"Service temporarily unavailable"}` (JSON without `errors`) | maintenance / overload |
//! | `0077` | 200 success (and success callback), but only after 5 seconds | a client with a short timeout sees a timeout |
//! | `fa11` | 200 success, then the callback reports `"status":"failure"` | the agent rejects the conversation |
//! | other  | 200 success, then the callback reports `"status":"success"` | the happy path |
//!
//! # Callbacks
//! After a success the simulator waits [`SimulatorConfig::callback_delay`] and POSTs the outcome to
//! `callbackUrl`, but only when its host is loopback (127.0.0.0/8, ::1, `localhost`): a simulator
//! must never send traffic off the machine. Other hosts are skipped silently; delivery errors are
//! ignored, as the real platform gives no delivery guarantee either.

mod assign;
mod auth;
mod body;
mod callback;
mod fault;
mod rate;
mod reply;
mod state;
mod transfer;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::{any, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use state::SimState;

/// What the simulated platform accepts: the tenant's identifiers and credentials, its roster and
/// its limits.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// Path segment that must match.
    pub stream_id: String,
    /// Body `orgId` must equal this.
    pub org_id: String,
    /// `accountid` header must equal this.
    pub account_id: String,
    /// JWT claim `appId` must equal this.
    pub client_id: String,
    /// HS256 key the JWT must be signed with.
    pub client_secret: String,
    /// Known agent ids (`a-…`).
    pub agents: Vec<String>,
    /// Known queue ids (`qu-…`).
    pub queues: Vec<String>,
    /// Account-wide limit over a sliding 60-second window.
    pub rate_limit_per_minute: u32,
    /// Delay before posting the outcome to `callbackUrl`.
    pub callback_delay: Duration,
}

/// One request to the assign-conversation endpoint, as received, with the status it was answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names in lower case; repeated headers are joined with `", "`.
    pub headers: BTreeMap<String, String>,
    /// The raw body (lossily decoded if it was not UTF-8; empty if it could not be read).
    pub body: String,
    /// The status the simulator answered.
    pub status: u16,
}

/// A running simulator; the server lives in a background task until [`Simulator::shutdown`].
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<SimState>,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
}

impl Simulator {
    /// Binds `listen` (port 0 = any free port) and serves in a background tokio task.
    pub async fn start(config: SimulatorConfig, listen: SocketAddr) -> std::io::Result<Simulator> {
        let state = Arc::new(SimState::new(config).map_err(std::io::Error::other)?);
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(Arc::clone(&state));
        let server = tokio::spawn(async move {
            // A serve error can only be reported through the missing answers; nobody awaits it.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Simulator {
            addr,
            state,
            stop,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` without a trailing slash. A wildcard bind address is reported as the
    /// matching loopback address, since that is where a local client can reach it.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// URL of the simulator's own callback sink, usable as a `callbackUrl`.
    pub fn callback_sink_url(&self) -> String {
        format!("{}{}", self.base_url(), callback::SINK_PATH)
    }

    /// Every assign-conversation request received so far, in arrival order (including refused
    /// ones); the latest 10,000 when there were more.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Every callback the sink has received, in order; the latest 10,000 when there were more.
    pub fn received_callbacks(&self) -> Vec<serde_json::Value> {
        self.state.callbacks.borrow().clone()
    }

    /// Waits until the sink has received at least `n` callbacks, or `timeout` passes; returns
    /// whether it got them.
    pub async fn wait_for_callbacks(&self, n: usize, timeout: Duration) -> bool {
        let mut callbacks = self.state.callbacks.subscribe();
        let arrived = callbacks.wait_for(|received| received.len() >= n);
        matches!(tokio::time::timeout(timeout, arrived).await, Ok(Ok(_)))
    }

    /// Stops the server gracefully: no new connections, in-flight requests are answered.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// Platform routes, the `/_sim` sink, and a JSON 404 for everything else.
fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(assign::PATH, any(assign::handle))
        .route(callback::SINK_PATH, post(callback::sink))
        .fallback(unknown_route)
        .with_state(state)
}

/// Unknown paths get the platform's error shape. Outside `/_sim/` they still count against the
/// rate limit, as every call to the platform API does.
async fn unknown_route(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
) -> reply::ApiError {
    if !uri.path().starts_with("/_sim/") {
        if let Err(limited) = rate::admit(&state) {
            return limited;
        }
    }
    reply::ApiError::new(
        StatusCode::NOT_FOUND,
        format!("No route for {method} {}", uri.path()),
    )
}
