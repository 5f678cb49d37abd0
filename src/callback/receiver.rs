//! The app's own HTTP listener for the platform's callbacks. It checks the token before reading
//! anything, caps the body, accepts only JSON, and hands every post, accepted or refused, to the
//! app as an event: nothing a stranger sends can crash it or change a transfer.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Local};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::payload::{Verdict, session_of, verdict_of};
use super::token::{TOKEN_PARAMETER, matches};
use crate::ids::SessionId;
use crate::secret::Secret;

/// Far above any callback seen; a larger body is refused before it is read whole.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One post to the receiver.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackEvent {
    Received {
        session: Option<SessionId>,
        verdict: Verdict,
        /// The body exactly as posted.
        payload: Value,
        at: DateTime<Local>,
    },
    /// Refused: wrong token, too large, not JSON, not a POST. Shown, never applied.
    Refused { from: SocketAddr, reason: String },
}

struct Shared {
    token: Secret,
    events: mpsc::Sender<CallbackEvent>,
}

pub struct Receiver {
    addr: SocketAddr,
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
        let app = Router::new().fallback(receive).with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        });
        Ok(Self { addr, stop, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
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
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let refuse = |status: StatusCode, reason: String| {
        let shared = Arc::clone(&shared);
        async move {
            let _ = shared
                .events
                .send(CallbackEvent::Refused {
                    from,
                    reason: reason.clone(),
                })
                .await;
            answer(status, &reason)
        }
    };
    if !token_in(&uri).is_some_and(|t| matches(&t, &shared.token)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "a callback without the right token".into(),
        )
        .await;
    }
    if method != Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("a {method} request; callbacks are POSTs"),
        )
        .await;
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a callback body over {} KiB", MAX_BODY_BYTES / 1024),
            )
            .await;
        }
    };
    // A platform that echoes the callback URL would carry the token into the log and the audit
    // file; it is replaced before anything keeps the payload.
    let text = String::from_utf8_lossy(&bytes).replace(shared.token.expose(), "<token>");
    let payload: Value = match serde_json::from_str(&text) {
        Ok(payload) => payload,
        Err(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "a callback body that is not JSON".into(),
            )
            .await;
        }
    };
    let event = CallbackEvent::Received {
        session: session_of(&payload),
        verdict: verdict_of(&payload),
        payload,
        at: Local::now(),
    };
    let _ = shared.events.send(event).await;
    answer(StatusCode::OK, "received")
}

/// The token from the `handoff_token` query parameter, or else the last path segment.
fn token_in(uri: &Uri) -> Option<String> {
    let from_query = uri.query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == TOKEN_PARAMETER)
            .map(|(_, value)| value.into_owned())
    });
    from_query.or_else(|| {
        uri.path()
            .rsplit('/')
            .find(|segment| !segment.is_empty())
            .map(str::to_owned)
    })
}
