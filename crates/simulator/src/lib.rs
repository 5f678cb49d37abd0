//! A built-in simulator of the Kore.ai contact-center platform.
//!
//! Tests and demo mode need a platform that behaves like the real one (same paths, headers, JWT
//! rules, error shapes, rate limit, asynchronous callbacks, a roster whose presence moves)
//! without network access or real credentials. [`Simulator::start`] runs a real axum HTTP
//! server, normally on loopback, that implements the calls described in
//! `shared/kore/assign-conversation.md` and `shared/kore/API-NOTES.md`, plus a callback sink that
//! clients can use as `callbackUrl`.
//!
//! # Routes
//! Below `/agentassist/api/v1/public/{streamId}`:
//!
//! | call | answer |
//! |------|--------|
//! | `POST /assign-conversation` | the transfer: `{sessionId, agentId\|queueId, status, requestCompletedAt}`, outcome later by callback |
//! | `GET /organizations/{orgId}/agents?page=N` | [`SimulatorConfig::agent_page_size`] agents a page with their current `onlineStatus`; another org → 403 |
//! | `POST /agents/availability` | `{AVAILABLE, BUSY, OFFLINE, AWAY}` with capacities, filtered by `{agentIds?, queueIds?, skillIds?}` |
//! | `GET /queues?page=N&limit=M` | the queues, 25 a page by default, at most 100 |
//! | `GET /queues/{queueId}` | one queue, or 404 |
//! | `POST /monitor/queueStatsById/{queueId}` | `[{waiting, engaged, dropOff, agentStatus, noOfAgents, queueSummary}]`, or 404 |
//! | `GET /conversations?skip=N&limit=M&status=S` | the floor's conversations, newest first, 10 a page by default, at most [`ConversationsConfig::page_limit`]; `{results, skip, limit, hasMore, totalPages, totalResults}` |
//!
//! Outside the stream, under the account (as the docs' analytics calls are, without `v1`):
//!
//! | call | answer |
//! |------|--------|
//! | `POST /agentassist/api/public/analytics/account/{accountId}/queue-performance` | `{finalResult, hasMore, offset, limit, totalResults}`: one row per queue × channel × direction, whose live counts add up to the floor's, or 403 without [`SimulatorConfig::queue_performance_scope`] |
//!
//! It takes a JSON body whose `startDate` and `endDate` are at most 24 hours apart (else 400);
//! see `queue_performance`.
//!
//! Outside the platform API, `POST /_sim/callbacks` is the sink; any other path is a 404.
//! Paging: `page` is 1-based and defaults to 1; `page` and `limit` must be whole numbers from 1
//! (else 400); a page past the end is empty with `hasMore: false`. The conversation list pages by
//! `skip` (from 0) instead, and takes `status` as repeated parameters, comma-separated (unless
//! [`ConversationsConfig::comma_separated_statuses`] is off) or both; a status the docs do not
//! list is refused with 400. Without [`ConversationsConfig::analytics_scope`] it answers 401.
//!
//! # Order of checks
//! Every platform call passes the same checks first:
//! 1. Rate limit: account-wide, over a sliding [`SimulatorConfig::rate_window`] (60 s on the
//!    platform), over [`SimulatorConfig::rate_limit_per_minute`] →
//!    429 with `Retry-After`. Every request to a non-`/_sim/` path counts when it arrives, whatever
//!    its fate later, transfers and roster calls alike; a request refused with 429 takes no slot.
//! 2. Method: anything but the route's method → 405.
//! 3. `auth` header: a bare HS256 JWT signed with the client secret whose `appId` is the client
//!    id, `exp` checked when present → else 401.
//! 4. `accountid` header: missing → 401, another account → 403.
//! 5. `streamId` path segment → 404. The analytics call names its account in the path instead
//!    (another account → 403) and its stream in the `iId` header (missing → 400, another → 404).
//!
//! Then each call's own: for the transfer,
//! 6. `Content-Type: application/json` → 415.
//! 7. Body: at most 64 KiB (413), a JSON object (400) without unknown fields (400), valid
//!    `callbackUrl` and `botSessionId` (400), our `orgId` (403), exactly one target (400), a known
//!    agent or queue (404), not a conversation of the floor that is closed or terminated (400).
//! 8. Fault triggers below, else success.
//!
//! For the roster calls: another `orgId` in the agent list's path → 403; a `page` or `limit`
//! that is not a whole number from 1 → 400; an availability body over 64 KiB → 413, or not a
//! JSON object of id lists → 400; an unknown `queueId` → 404.
//!
//! Refusals answer `{"errors":[{"msg":"…","code":<status>}]}`, the shape seen elsewhere on the
//! platform. Every platform call is recorded with its answer, see [`Simulator::requests`], and
//! counted by kind as it arrives, see [`Simulator::calls`].
//!
//! # Live state
//! Each agent's presence and used chat capacity, and each queue's load, are a pure function of
//! the id and the current [`SimulatorConfig::state_period`]-long time bucket (see
//! [`agent_presence`]), so they move in demo mode and are predictable in tests. Agent list,
//! availability and queue stats all read the same function, so they agree at any instant.
//!
//! With [`Replies::DocumentedSamples`], the list, availability, queue-stats, conversation-list
//! and queue-performance calls answer with the platform documentation's own sample replies
//! instead (see `samples`).
//!
//! # Conversations
//! The floor starts with [`ConversationsConfig::open`] conversations waiting in a queue or with
//! one of its agents (some moved from another queue a minute before, by one of the tenant's
//! people), [`ConversationsConfig::ended`] closed or terminated ones and
//! [`ConversationsConfig::idle`] with an agent whose customer went quiet (`IDLE`), so every
//! status the docs name is on the floor; new ones arrive as
//! [`ConversationsConfig::arrivals`] says. Session ids are shaped like MongoDB ObjectIds (creation
//! second, machine, counter), so conversations of the same second share their first 18
//! characters. `waitTime` is worked out at each request, growing while a conversation waits.
//! A transfer the platform carries out (accepted, and not refused by its callback) moves the
//! conversation: to the queue, waiting again, or to the agent, `ACTIVE`; `transferDetails` gains
//! the move. Sessions the floor does not know are transferred as before (the platform's list
//! may leave some out), so every fault trigger below still works. With
//! [`ConversationsConfig::picked_up_between_pages`], each read of a page past the first finds
//! the newest waiting conversations given to an agent meanwhile, as on a busy floor, so pages
//! read one after another shift.
//!
//! # Fault triggers
//! The real platform's failures are undocumented, so a client must cope with every shape of bad
//! answer. The `botSessionId` prefix (all valid hex, so the id still passes validation) picks one:
//!
//! | prefix | answer | callback | why |
//! |--------|--------|----------|-----|
//! | `dead` | 404 `{"errors":[{"msg":"Conversation not found or already closed","code":404}]}` | none | the conversation ended before the transfer |
//! | `5000` | 500 with an HTML page (`text/html`) | none | a proxy in front of the platform failed |
//! | `5020` | 502 with an empty body | none | a gateway dropped the upstream answer |
//! | `5030` | 503 `{"message":"Service temporarily unavailable"}` (JSON without `errors`) | none | maintenance / overload |
//! | `5040` | 504 with a gateway's HTML page | success | the platform acted, the gateway gave up waiting |
//! | `d409` | 200 headers, then the connection drops before the body | success | the answer was lost on the way |
//! | `d1ff` | 200 naming another `sessionId` | none | a reply that does not fit the request |
//! | `d1f7` | 200 naming another target (a `queueId`) | none | likewise |
//! | `b16b` | 502 with a 4 MiB HTML body | none | a runaway proxy page |
//! | `e5c0` | 400 whose message carries escape sequences and a bidi override | none | hostile text |
//! | `ec40` | 400 whose message echoes the request's token, the client secret and the body | none | a server that echoes secrets |
//! | `0077` | 200, but only after 5 seconds | success | a client with a short timeout sees a timeout |
//! | `fa11` | 200 | failure | the agent rejects the conversation |
//! | `fa1e` | 200 | failure, in words with escape sequences | hostile text in a callback |
//! | `b1ac` | 200 | never | the platform loses the outcome |
//! | `c0c0` | 200 | success, then failure | the platform contradicts itself |
//! | `1a7e` | 200 | success after [`SimulatorConfig::late_callback_delay`] | a callback after the client stopped waiting |
//! | other  | 200 | success, except for the configured shares of failed and missing callbacks, picked by session and target together and never in the first [`SimulatorConfig::random_faults_after`] transfers; such a failure says it is the platform's, not the target's | the happy path, mostly |
//!
//! # Callbacks
//! After a success the simulator waits [`SimulatorConfig::callback_delay`] and POSTs the outcome to
//! `callbackUrl`, but only when its host is loopback (127.0.0.0/8, ::1, `localhost`): a simulator
//! must never send traffic off the machine. Other hosts are skipped silently; delivery errors are
//! ignored, as the real platform gives no delivery guarantee either. An HTTPS `callbackUrl` is
//! checked against the usual roots and [`SimulatorConfig::callback_trusted_roots`].

mod assign;
mod auth;
mod availability;
mod body;
mod callback;
mod calls;
mod conversation;
mod conversations;
mod fault;
mod floor;
mod guard;
mod hash;
mod lists;
mod paging;
mod people;
mod presence;
mod queue_performance;
mod queue_stats;
mod rate;
mod reply;
mod samples;
mod seed;
mod state;
mod tenant;
mod transfer;

pub use auth::install_jwt_crypto;
pub use calls::CallCounts;
pub use fault::{CallbackPlan, callback_plan};
pub use floor::ConversationsConfig;
pub use people::generated_agents;
pub use presence::{Presence, agent_presence};
pub use tenant::{SimAgent, SimQueue};

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::routing::post;
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
    /// Body `orgId` of a transfer and `{orgId}` of the agent list must equal this.
    pub org_id: String,
    /// `accountid` header must equal this.
    pub account_id: String,
    /// JWT claim `appId` must equal this.
    pub client_id: String,
    /// HS256 key the JWT must be signed with.
    pub client_secret: String,
    /// The roster, in the order the agent list pages through it.
    pub agents: Vec<SimAgent>,
    /// The queues, in list order; the first is reported as the default queue.
    pub queues: Vec<SimQueue>,
    /// Agents per page of the agent list (the real page size is undocumented); 0 acts as 1.
    pub agent_page_size: usize,
    /// How long live state (presence, chat load, queue load) holds before it may change; zero
    /// freezes it.
    pub state_period: Duration,
    /// Account-wide limit over a sliding window of [`SimulatorConfig::rate_window`].
    pub rate_limit_per_minute: u32,
    /// The rate limit's window: the platform's is 60 s; tests shorten it rather than wait.
    pub rate_window: Duration,
    /// Typical delay before posting the outcome to `callbackUrl`; each session gets between
    /// half and one and a half times it.
    pub callback_delay: Duration,
    /// Share (0-100) of accepted transfers whose callback reports a failure.
    pub callback_failure_percent: u8,
    /// Share (0-100) of accepted transfers whose callback never comes.
    pub callback_silence_percent: u8,
    /// The first this many transfers are spared those two shares, so that the first moves of a
    /// demo show the product rather than bad luck; trigger prefixes act on them all the same.
    pub random_faults_after: u64,
    /// How long the `1a7e` trigger's callback takes: long after a client stopped waiting.
    pub late_callback_delay: Duration,
    /// How the list, availability, queue-stats, conversation-list and queue-performance calls
    /// answer.
    pub replies: Replies,
    /// The conversations the platform lists and transfers move.
    pub conversations: ConversationsConfig,
    /// The app's credentials carry the "Configuration" scope that the queue-performance call
    /// needs; without it that call answers 403, as the platform does for an app with the
    /// Routing scope only, so a client's fallback to per-queue stats can be tried.
    pub queue_performance_scope: bool,
    /// The platform's clock stands still at this moment: the floor, its waits and ids, presence
    /// and queue numbers are then the same at every read (snapshot tests). `None`: the machine's
    /// clock, as on a real platform.
    pub frozen_at: Option<SystemTime>,
    /// The platform's clock runs this many seconds ahead of the machine's (behind when
    /// negative), as a server with a wrong clock, or a client machine's wrong clock, looks: the
    /// `Date` header of every platform call's answer and the check of a token's `exp` read
    /// it. 0: the machine's clock, and the server's own `Date` header.
    pub clock_skew_secs: i64,
    /// Certificates (PEM) trusted beside the usual roots when a callback goes to an HTTPS
    /// `callbackUrl`: a test's own CA, so that a callback can pass through a TLS proxy on
    /// loopback as the platform's passes through the team's. Empty in demo mode.
    pub callback_trusted_roots: Vec<String>,
}

impl SimulatorConfig {
    /// The platform's time now: the machine's, unless it is [frozen](Self::frozen_at).
    pub(crate) fn now(&self) -> SystemTime {
        self.frozen_at.unwrap_or_else(SystemTime::now)
    }

    /// What the platform's clock reads when it is [skewed](Self::clock_skew_secs): `None`
    /// when it is not.
    pub(crate) fn skewed_now(&self) -> Option<SystemTime> {
        let skew = Duration::from_secs(self.clock_skew_secs.unsigned_abs());
        match self.clock_skew_secs {
            0 => None,
            ahead if ahead > 0 => SystemTime::now().checked_add(skew),
            _ => SystemTime::now().checked_sub(skew),
        }
    }
}

/// What the calls around the transfer answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replies {
    /// The simulated tenant's own agents and queues, with live state.
    #[default]
    Live,
    /// The platform documentation's sample replies, exactly as written, for every page and id:
    /// contradictory paging fields, repeated names, masked ids and all.
    DocumentedSamples,
}

/// One request to the platform API, as received, with the status it was answered.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The query string as sent, without the `?`; empty when there was none.
    pub query: String,
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

    /// Every platform API request received so far (transfers and roster calls, not the sink or
    /// unknown paths), in arrival order, including refused ones; the latest 10,000 when there
    /// were more.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// How many platform API requests have arrived so far, answered or not: unlike
    /// [`requests`](Self::requests), which lists each once answered, this counts a request that
    /// is still waiting for its (slow) answer.
    pub fn arrived(&self) -> u64 {
        self.state.arrived()
    }

    /// How many platform API requests have arrived so far, by kind, answered or not. Unlike
    /// [`requests`](Self::requests), which keeps the latest requests whole, this is a handful of
    /// numbers however long the simulator runs: two of them a minute apart say what a client
    /// spent in that minute (`handoff simulate --report-calls`).
    pub fn calls(&self) -> CallCounts {
        self.state.calls()
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

/// Platform routes behind the shared checks, the `/_sim` sink, and a JSON 404 for everything
/// else.
fn router(state: Arc<SimState>) -> Router {
    let platform = |path: &str| format!("{}{path}", guard::BASE);
    Router::new()
        .route(
            &platform("/assign-conversation"),
            guard::endpoint(&state, Method::POST, assign::handle),
        )
        .route(
            &platform("/organizations/{org_id}/agents"),
            guard::endpoint(&state, Method::GET, lists::agents),
        )
        .route(
            &platform("/agents/availability"),
            guard::endpoint(&state, Method::POST, availability::handle),
        )
        .route(
            &platform("/queues"),
            guard::endpoint(&state, Method::GET, lists::queues),
        )
        .route(
            &platform("/queues/{queue_id}"),
            guard::endpoint(&state, Method::GET, lists::queue),
        )
        .route(
            &platform("/monitor/queueStatsById/{queue_id}"),
            guard::endpoint(&state, Method::POST, queue_stats::handle),
        )
        .route(
            &platform("/conversations"),
            guard::endpoint(&state, Method::GET, conversations::list),
        )
        .route(
            queue_performance::PATH,
            guard::analytics_endpoint(&state, Method::POST, queue_performance::handle),
        )
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
    if !uri.path().starts_with("/_sim/")
        && let Err(limited) = state.admit()
    {
        return limited;
    }
    reply::ApiError::new(
        StatusCode::NOT_FOUND,
        format!("No route for {method} {}", uri.path()),
    )
}
