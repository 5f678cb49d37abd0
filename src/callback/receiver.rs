//! The app's own HTTP listener for the platform's callbacks. Whoever can reach its port can post
//! to it, so it holds under abuse: it checks the token before reading anything, caps the body
//! and the time to send headers and body, caps the connections it holds at once, and accepts
//! only JSON. When full, it drops the connection that has waited longest for its request head
//! rather than refuse the newcomer (`connections` says why), so clients that connect and then
//! send slowly or nothing cannot keep real callbacks out. Every post, accepted or refused,
//! becomes an event for the app; refusals are sent only while there is room, so a flood of them
//! can never hold up a real callback or the app.

use std::future::Future;
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
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use uuid::Uuid;

use super::connections::{Admission, ConnectionId, Connections, connection_cap};
use super::payload::{Verdict, session_of, target_of, verdict_of};
use super::tls::Tls;
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
    /// Taken, but it could not be kept (the relay's Redis is away and its spool is full or
    /// cannot be written): the sender is told so rather than told it was received.
    CannotKeep,
}

impl Refusal {
    /// Every refusal, for counting each by name.
    pub const ALL: [Self; 7] = [
        Self::WrongToken,
        Self::NotPost,
        Self::TooLarge,
        Self::NotJson,
        Self::TooSlow,
        Self::TooManyConnections,
        Self::CannotKeep,
    ];

    /// A short name for metrics: `wrong_token`, `too_large`…
    pub fn label(self) -> &'static str {
        match self {
            Self::WrongToken => "wrong_token",
            Self::NotPost => "not_post",
            Self::TooLarge => "too_large",
            Self::NotJson => "not_json",
            Self::TooSlow => "too_slow",
            Self::TooManyConnections => "too_many_connections",
            Self::CannotKeep => "cannot_keep",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::WrongToken => "without the right token",
            Self::NotPost => "not a POST",
            Self::TooLarge => "body over 64 KiB",
            Self::NotJson => "body not JSON",
            Self::TooSlow => "body not sent in time",
            Self::TooManyConnections => "too many connections at once",
            Self::CannotKeep => "could not be kept (Redis away and the spool full or unwritable)",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::WrongToken => StatusCode::FORBIDDEN,
            Self::NotPost => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotJson => StatusCode::BAD_REQUEST,
            Self::TooSlow => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyConnections | Self::CannotKeep => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Where the receiver's accepted callbacks go, and which tokens it takes: the console's own
/// receiver sends them to the app; the team's relay keeps them in Redis or its spool before it
/// answers.
pub trait Sink: Send + Sync + 'static {
    /// Whether `candidate`, taken from the request's URL, is a token this sink accepts.
    fn accepts(&self, candidate: &str) -> bool;
    /// `text` with every token it knows replaced by `<token>`: a platform that echoes the
    /// callback URL in its body would otherwise carry the token into what is kept.
    fn hide_tokens(&self, text: &str) -> String;
    /// A post was refused. Called on the accepting path, so it must never wait.
    fn refused(&self, from: SocketAddr, refusal: Refusal);
    /// Takes an accepted callback; the post is answered 200, with the words given, only once
    /// this returns `Ok`.
    fn take(
        &self,
        received: Received,
    ) -> impl Future<Output = Result<&'static str, Refusal>> + Send;
}

/// The console's sink: one token, and the app's channel.
struct Events {
    token: Secret,
    events: mpsc::Sender<CallbackEvent>,
}

impl Sink for Events {
    fn accepts(&self, candidate: &str) -> bool {
        matches(candidate, &self.token)
    }

    fn hide_tokens(&self, text: &str) -> String {
        text.replace(self.token.expose(), "<token>")
    }

    /// Passes a refusal on if there is room; under a flood the rest are dropped, never waited
    /// for.
    fn refused(&self, from: SocketAddr, refusal: Refusal) {
        let _ = self
            .events
            .try_send(CallbackEvent::Refused { from, refusal });
    }

    async fn take(&self, received: Received) -> Result<&'static str, Refusal> {
        // A real callback waits for room: it must reach the app.
        let _ = self.events.send(CallbackEvent::Received(received)).await;
        Ok("received")
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
        let sink = Arc::new(Events { token, events });
        Self::serve(listen, sink, Router::new(), None).await
    }

    /// Listens on `listen` and gives every accepted post to `sink`; `routes` answers the paths
    /// it names (a health check, say) without a token, and every other path is a callback.
    /// With `tls`, every connection is HTTPS on its certificate in use when it connects.
    pub async fn serve<S: Sink>(
        listen: SocketAddr,
        sink: Arc<S>,
        routes: Router,
        tls: Option<Arc<Tls>>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let max_connections = connection_cap();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(receive::<S>)
            .with_state(Arc::clone(&sink))
            .merge(routes);
        let server = tokio::spawn(accept(listener, app, sink, tls, max_connections, stopped));
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
async fn accept<S: Sink>(
    listener: TcpListener,
    app: Router,
    sink: Arc<S>,
    tls: Option<Arc<Tls>>,
    cap: usize,
    mut stopped: oneshot::Receiver<()>,
) {
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
                sink.refused(dropped.from, Refusal::TooManyConnections);
                admitted
            }
            Admission::Full => {
                sink.refused(from, Refusal::TooManyConnections);
                drop(stream);
                continue;
            }
        };
        let place = Place {
            id,
            held: Arc::clone(&held),
        };
        let app = app.clone().layer(Extension(from));
        match tls.as_deref() {
            None => tokio::spawn(serve_connection(stream, app, place, cut_off)),
            Some(tls) => tokio::spawn(serve_tls(tls.acceptor(), stream, app, place, cut_off)),
        };
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

/// Serves one request over TLS. The handshake is held to the head's deadline, and a connection
/// dropped to make room while it shakes hands is let go, as one that sends its head slowly is.
async fn serve_tls(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    app: Router,
    place: Place,
    mut cut_off: oneshot::Receiver<()>,
) {
    let handshake = tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream));
    tokio::select! {
        shaken = handshake => {
            if let Ok(Ok(stream)) = shaken {
                serve_connection(stream, app, place, cut_off).await;
            }
        }
        Ok(()) = &mut cut_off => {}
    }
}

/// Serves one request until it is answered, the connection outlives its deadlines, or it is
/// dropped to make room while still sending its head.
async fn serve_connection(
    stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
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

async fn receive<S: Sink>(
    State(sink): State<Arc<S>>,
    Extension(from): Extension<SocketAddr>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let refuse = |refusal: Refusal| {
        sink.refused(from, refusal);
        answer(refusal.status(), refusal.words())
    };
    if !token_in(&uri).is_some_and(|t| sink.accepts(&t)) {
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
    let text = sink.hide_tokens(&String::from_utf8_lossy(&bytes));
    let Ok(payload) = serde_json::from_str::<Value>(&text) else {
        return refuse(Refusal::NotJson);
    };
    match sink
        .take(Received::new(payload, transfer_in(&uri), false))
        .await
    {
        Ok(words) => answer(StatusCode::OK, words),
        Err(refusal) => refuse(refusal),
    }
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
