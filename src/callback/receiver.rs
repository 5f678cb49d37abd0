//! The app's own HTTP listener for the platform's callbacks. Whoever can reach its port can post
//! to it, so it holds under abuse: it checks the token before reading anything, caps the body
//! and the time to send headers and body, caps the connections it holds at once, and accepts
//! only JSON. When full, it drops the connection that has waited longest for its request head
//! rather than refuse the newcomer (`connections` says why), so clients that connect and then
//! send slowly or nothing cannot keep real callbacks out. Every post, accepted or refused,
//! becomes an event for the app; refusals are sent only while there is room, so a flood of them
//! can never hold up a real callback or the app.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Local};
use hyper::service::{Service as _, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::connections::{Admission, ConnectionId, Connections, connection_cap};
use super::payload::{Verdict, session_of, target_of, verdict_of};
use super::token::{TOKEN_PARAMETER, TRANSFER_PARAMETER, matches};
use crate::ids::SessionId;
use crate::secret::Secret;

/// Far above any callback seen; a larger body is refused before it is read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A request head (request line and headers) larger than this is refused. A callback's head is
/// a few hundred bytes; the cap also bounds hyper's buffers, and so the memory each connection
/// holds while it waits.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A client that has not sent its whole request head by then, counted from its connect, is cut
/// off, however it trickles. Under a flood it is the cap that makes room, not this deadline: an
/// attacker reconnects at once, so a shorter one would free nothing; it frees the memory of
/// clients that merely went quiet.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Likewise for the body, once the headers are in.
const BODY_TIMEOUT: Duration = Duration::from_secs(5);
/// No connection is held longer than this, whatever it does.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// One post to the receiver.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackEvent {
    Received(Received),
    /// Refused: shown, never applied.
    Refused {
        from: SocketAddr,
        refusal: Refusal,
    },
}

/// A callback the receiver took, read as far as its undocumented shape allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The bot session it is about, if it names one.
    pub session: Option<SessionId>,
    /// The agent or queue the payload names, if it names one.
    pub target: Option<String>,
    pub verdict: Verdict,
    /// The body exactly as posted (the token taken out).
    pub payload: Value,
    /// The transfer its callback URL names (`handoff_transfer`), if it names one that reads as
    /// an id: the transfer the platform was told to post this about.
    pub transfer: Option<Uuid>,
    /// Passed on by the team's relay, which takes every teammate's callbacks: most are about
    /// other consoles' transfers. False when this console's own receiver took it.
    pub relayed: bool,
    pub at: DateTime<Local>,
}

impl Received {
    /// Reads a posted payload that names no transfer, as this console's receiver took it.
    pub fn of(payload: Value) -> Self {
        Self::new(payload, None, false)
    }

    /// Reads a posted payload whose callback URL named `transfer`, taken by this console's
    /// receiver or, `relayed`, passed on by the team's relay.
    pub fn new(payload: Value, transfer: Option<Uuid>, relayed: bool) -> Self {
        Self {
            session: session_of(&payload),
            target: target_of(&payload),
            verdict: verdict_of(&payload),
            payload,
            transfer,
            relayed,
            at: Local::now(),
        }
    }
}

/// Why a post was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    WrongToken,
    NotPost,
    TooLarge,
    NotJson,
    TooSlow,
    /// Dropped while still sending its request head, to make room for a newer connection; or
    /// refused because every connection held was already being answered.
    TooManyConnections,
}

impl Refusal {
    pub fn words(self) -> &'static str {
        match self {
            Self::WrongToken => "without the right token",
            Self::NotPost => "not a POST",
            Self::TooLarge => "body over 64 KiB",
            Self::NotJson => "body not JSON",
            Self::TooSlow => "body not sent in time",
            Self::TooManyConnections => "too many connections at once",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::WrongToken => StatusCode::FORBIDDEN,
            Self::NotPost => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotJson => StatusCode::BAD_REQUEST,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

struct Shared {
    token: Secret,
    events: mpsc::Sender<CallbackEvent>,
}

impl Shared {
    /// Passes a refusal on if there is room; under a flood the rest are dropped, never waited
    /// for.
    fn refused(&self, from: SocketAddr, refusal: Refusal) {
        let _ = self
            .events
            .try_send(CallbackEvent::Refused { from, refusal });
    }
}

pub struct Receiver {
    addr: SocketAddr,
    max_connections: usize,
    stop: oneshot::Sender<()>,
    server: JoinHandle<()>,
}

impl Receiver {
    /// Listens on `listen` and sends every post to `events`.
    pub async fn start(
        listen: SocketAddr,
        token: Secret,
        events: mpsc::Sender<CallbackEvent>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { token, events });
        let max_connections = connection_cap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, shared, max_connections, stopped));
        Ok(Self {
            addr,
            max_connections,
            stop,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections it holds at once, from this process's limit on open files.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// What the accept loop needs to let a connection go while it waits for its request head.
struct Waiting {
    from: SocketAddr,
    /// Sent to drop the connection. Dropped unsent once the head is in: the connection is then
    /// served to its end.
    cut: oneshot::Sender<()>,
}

type Held = Arc<Mutex<Connections<Waiting>>>;

fn lock(held: &Held) -> MutexGuard<'_, Connections<Waiting>> {
    // Nothing panics while holding it, and its bookkeeping stays whole if anything did.
    held.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts connections until stopped, holding at most `cap` at once: when full, the one that
/// has waited longest for its request head is dropped to make room.
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    cap: usize,
    mut stopped: oneshot::Receiver<()>,
) {
    let app = Router::new()
        .fallback(receive)
        .with_state(Arc::clone(&shared));
    let held: Held = Arc::new(Mutex::new(Connections::new(cap)));
    loop {
        let (stream, from) = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors or a connection reset while queued: try the next.
                Err(_) => continue,
            },
        };
        let (cut, cut_off) = oneshot::channel();
        let admission = lock(&held).admit(Waiting { from, cut });
        let id = match admission {
            Admission::Admitted(id) => id,
            Admission::MadeRoom { admitted, dropped } => {
                let _ = dropped.cut.send(());
                shared.refused(dropped.from, Refusal::TooManyConnections);
                admitted
            }
            Admission::Full => {
                shared.refused(from, Refusal::TooManyConnections);
                drop(stream);
                continue;
            }
        };
        let place = Place {
            id,
            held: Arc::clone(&held),
        };
        let app = app.clone().layer(Extension(from));
        tokio::spawn(serve_connection(stream, app, place, cut_off));
    }
}

/// One connection's place among those held, given up when its task ends, however it ends.
struct Place {
    id: ConnectionId,
    held: Held,
}

impl Place {
    fn head_received(&self) {
        lock(&self.held).head_received(self.id);
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        lock(&self.held).closed(self.id);
    }
}

/// Serves one request until it is answered, the connection outlives its deadlines, or it is
/// dropped to make room while still sending its head.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    place: Place,
    cut_off: oneshot::Receiver<()>,
) {
    let app = TowerToHyperService::new(app);
    // hyper calls the service once the request head is in.
    let service = service_fn(|request| {
        place.head_received();
        app.call(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = tokio::time::timeout(CONNECTION_LIFETIME, connection) => {}
        // A sender dropped unsent (the head is in) disables this branch.
        Ok(()) = cut_off => {}
    }
}

fn answer(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "ok": status.is_success(), "message": message })),
    )
        .into_response()
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Extension(from): Extension<SocketAddr>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let refuse = |refusal: Refusal| {
        shared.refused(from, refusal);
        answer(refusal.status(), refusal.words())
    };
    if !token_in(&uri).is_some_and(|t| matches(&t, &shared.token)) {
        return refuse(Refusal::WrongToken);
    }
    if method != Method::POST {
        return refuse(Refusal::NotPost);
    }
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES))
        .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return refuse(Refusal::TooLarge),
        Err(_) => return refuse(Refusal::TooSlow),
    };
    // A platform that echoes the callback URL would carry the token into the log and the audit
    // file; it is replaced before anything keeps the payload.
    let text = String::from_utf8_lossy(&bytes).replace(shared.token.expose(), "<token>");
    let Ok(payload) = serde_json::from_str::<Value>(&text) else {
        return refuse(Refusal::NotJson);
    };
    let received = Received::new(payload, transfer_in(&uri), false);
    // A real callback waits for room: it must reach the app.
    let _ = shared.events.send(CallbackEvent::Received(received)).await;
    answer(StatusCode::OK, "received")
}

/// The token from the `handoff_token` query parameter, or else the last path segment.
fn token_in(uri: &Uri) -> Option<String> {
    query_parameter(uri, TOKEN_PARAMETER).or_else(|| {
        uri.path()
            .rsplit('/')
            .find(|segment| !segment.is_empty())
            .map(str::to_owned)
    })
}

/// The transfer the `handoff_transfer` query parameter names. One that does not read as an id
/// (a proxy that mangled it) names none: the callback is still taken, by its session.
fn transfer_in(uri: &Uri) -> Option<Uuid> {
    query_parameter(uri, TRANSFER_PARAMETER).and_then(|value| Uuid::parse_str(&value).ok())
}

fn query_parameter(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}
