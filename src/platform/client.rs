//! The HTTP client for the platform's public contact-center API. Every call goes through
//! [`PlatformClient::exchange_held`], which is where replies are read (up to a size cap),
//! secrets are taken out of whatever comes back, and a rate-limit answer pauses the account's
//! budget.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, DATE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use url::Url;

use super::auth::Authenticator;
use super::reply::{self, AssignReply, PlatformError};
use crate::budget::{Priority, RateBudget, ReadCeiling, Slot};
use crate::config::{Config, is_loopback};
use crate::ids::{SessionId, TargetKind};
use crate::secret::{Redactor, Secret};
use crate::terminal_safe::one_line;

/// How long to wait for a connection before calling the platform unreachable; shorter than the
/// request timeout because a failed connect is certain to have sent nothing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(8);

/// Replies are read up to this size: far above any documented reply, small enough that a
/// runaway body from a proxy cannot fill memory.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// How long to hold every call after the platform says the account is over its limit without
/// saying for how long: the platform's window is one minute.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(60);

/// Calls the platform for one account. Cheap to clone; clones share a connection pool.
#[derive(Debug, Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    /// `{host}/agentassist/api/v1/public/{streamId}/`
    api_base: Url,
    /// `{host}/agentassist/api/public/analytics/account/{accountId}/`: the analytics calls live
    /// under the account, and name the stream in a header.
    analytics_base: Url,
    stream_id: String,
    org_id: String,
    account_id: String,
    auth: Authenticator,
    timeout: Duration,
    /// The account's budget, paused here whenever the platform answers 429.
    budget: RateBudget,
    /// For background reads: the ceiling they keep under, and whether the supervisor asked
    /// for this one (it goes first).
    ceiling: Option<(ReadCeiling, bool)>,
    /// Counts the calls this clone sends besides transfers, when asked to: what one read cost.
    calls: Option<Arc<AtomicU32>>,
    /// Where the platform's clock (its reply's `Date` header) is kept, when asked to.
    clock: Option<Arc<Mutex<Option<ClockReading>>>>,
    redactor: Redactor,
    /// The platform refused several conversation statuses separated by commas and took them as
    /// repeated `status=` parameters; shared by clones, so the lesson is learnt once.
    pub(super) repeat_status_params: Arc<AtomicBool>,
}

/// The platform's clock as one reply's `Date` header gave it, beside this machine's halfway
/// through the call; the header counts whole seconds, so the two agree within about one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockReading {
    pub platform: SystemTime,
    pub here: SystemTime,
}

impl ClockReading {
    /// How far this machine's clock is ahead of the platform's (behind when negative), in
    /// seconds.
    pub fn ahead_secs(&self) -> i64 {
        match self.here.duration_since(self.platform) {
            Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
            Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// One assign-conversation call, built once: what is sent is exactly what is shown.
#[derive(Debug, Clone)]
pub struct AssignCall {
    pub url: Url,
    pub body: serde_json::Value,
}

impl AssignCall {
    /// The request for the supervisor to inspect, with `token` (the callback token inside the
    /// callback URL) replaced so it never reaches the screen.
    pub fn shown(&self, token: &Secret) -> String {
        let body = serde_json::to_string_pretty(&self.body).unwrap_or_default();
        format!(
            "POST {}\n{}",
            self.url,
            body.replace(token.expose(), "<token>")
        )
    }
}

/// One assign-conversation call.
#[derive(Debug, Clone, Copy)]
pub struct AssignRequest<'a> {
    pub session: &'a SessionId,
    pub kind: TargetKind,
    pub target_id: &'a str,
    pub callback_url: &'a Url,
}

/// The body exactly as the documentation's samples send it: `aId` for an agent;
/// `transferredType: "QUEUE"` and `queueId` for a queue; never both.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignBody<'a> {
    callback_url: &'a str,
    org_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    a_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transferred_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_id: Option<&'a str>,
    bot_session_id: &'a str,
}

impl PlatformClient {
    /// A client for the account in `config`, pacing nothing itself but pausing `budget` on a 429,
    /// and taking the secrets `redactor` knows out of every reply.
    pub fn new(
        config: &Config,
        budget: RateBudget,
        redactor: Redactor,
    ) -> Result<Self, reqwest::Error> {
        let platform = &config.platform;
        let api_base = platform
            .host
            .join(&format!(
                "agentassist/api/v1/public/{}/",
                url_segment(&platform.stream_id)
            ))
            .expect("a host URL joined with a path is a URL");
        let analytics_base = platform
            .host
            .join(&format!(
                "agentassist/api/public/analytics/account/{}/",
                url_segment(&platform.account_id)
            ))
            .expect("a host URL joined with a path is a URL");
        let mut http = reqwest::Client::builder()
            .user_agent(concat!("handoff/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT);
        // A proxy from the environment is for the outside world; the simulator on this machine
        // must be reached directly.
        if is_loopback(&platform.host) {
            http = http.no_proxy();
        }
        let http = http.build()?;
        Ok(Self {
            http,
            api_base,
            analytics_base,
            stream_id: platform.stream_id.clone(),
            org_id: platform.org_id.clone(),
            account_id: platform.account_id.clone(),
            auth: Authenticator::new(&config.auth),
            timeout: platform.request_timeout,
            budget,
            ceiling: None,
            calls: None,
            clock: None,
            redactor,
            repeat_status_params: Arc::default(),
        })
    }

    /// This client for background reads: each call also keeps under `ceiling`, going before
    /// the planned reads when the supervisor `asked` for it.
    pub fn under_ceiling(&self, ceiling: &ReadCeiling, asked: bool) -> Self {
        Self {
            ceiling: Some((ceiling.clone(), asked)),
            ..self.clone()
        }
    }

    /// The call that moves a bot session to an agent or a queue, as it will be sent.
    pub fn assign_call(&self, request: AssignRequest<'_>) -> AssignCall {
        let (a_id, transferred_type, queue_id) = match request.kind {
            TargetKind::Agent => (Some(request.target_id), None, None),
            TargetKind::Queue => (None, Some("QUEUE"), Some(request.target_id)),
        };
        let body = AssignBody {
            callback_url: request.callback_url.as_str(),
            org_id: &self.org_id,
            a_id,
            transferred_type,
            queue_id,
            bot_session_id: request.session.as_str(),
        };
        AssignCall {
            url: self.assign_url(),
            body: serde_json::to_value(body).unwrap_or_default(),
        }
    }

    /// Sends an assign-conversation call in the budget `slot` the caller took for it.
    pub async fn assign(
        &self,
        call: &AssignCall,
        slot: Slot,
    ) -> Result<AssignReply, PlatformError> {
        let reply = self.assign_in_held_slot(call).await;
        self.budget.done(slot).await;
        reply
    }

    /// Sends an assign-conversation call as one of a batch whose budget slot the caller holds
    /// for all of them and hands back once every answer is in.
    pub async fn assign_in_held_slot(
        &self,
        call: &AssignCall,
    ) -> Result<AssignReply, PlatformError> {
        let request = self.request(Method::POST, "assign-conversation");
        let (status, body) = self
            .exchange_held(request.map(|r| r.json(&call.body)))
            .await?;
        reply::parse_success(status, &body)
    }

    /// A request to `path` under the API base, with the account's headers and the timeout.
    pub(super) fn request(
        &self,
        method: Method,
        path: &str,
    ) -> Result<RequestBuilder, PlatformError> {
        let url = self
            .api_base
            .join(path)
            .map_err(|e| PlatformError::NotSent(format!("cannot form the URL for {path}: {e}")))?;
        Ok(self.http.request(method, url).timeout(self.timeout))
    }

    /// A request to `path` under the account's analytics base, with the stream in the `iId`
    /// header as the analytics calls take it, and the timeout; the account's headers come when
    /// it is sent.
    pub(super) fn analytics_request(
        &self,
        method: Method,
        path: &str,
    ) -> Result<RequestBuilder, PlatformError> {
        let url = self
            .analytics_base
            .join(path)
            .map_err(|e| PlatformError::NotSent(format!("cannot form the URL for {path}: {e}")))?;
        let stream = HeaderValue::from_str(&self.stream_id)
            .map_err(|_| PlatformError::NotSent("the stream id is not a header value".into()))?;
        Ok(self
            .http
            .request(method, url)
            .header("iId", stream)
            .timeout(self.timeout))
    }

    /// This client, keeping in `clock` the platform's clock from each reply's `Date` header.
    pub(super) fn reading_clock(&self, clock: Arc<Mutex<Option<ClockReading>>>) -> Self {
        Self {
            clock: Some(clock),
            ..self.clone()
        }
    }

    /// This client, counting in the number it returns every call it sends besides transfers.
    pub fn counting(&self) -> (Self, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let client = Self {
            calls: Some(Arc::clone(&calls)),
            ..self.clone()
        };
        (client, calls)
    }

    /// Sends a call that is not a transfer, once the budget leaves room beside transfers
    /// (and, for a background read, once the reads' ceiling does).
    pub(super) async fn send_background(
        &self,
        request: Result<RequestBuilder, PlatformError>,
    ) -> Result<(u16, Vec<u8>), PlatformError> {
        let under = match &self.ceiling {
            Some((ceiling, asked)) => Some((ceiling, ceiling.spend(*asked).await)),
            None => None,
        };
        let slot = self.budget.spend_as(Priority::Background).await;
        if let Some(calls) = &self.calls {
            calls.fetch_add(1, Ordering::Relaxed);
        }
        let result = self.exchange_held(request).await;
        self.budget.done(slot).await;
        if let Some((ceiling, slot)) = under {
            ceiling.done(slot).await;
        }
        result
    }

    /// Sends a request in a budget slot the caller holds; a 2xx answer gives its status and
    /// body, anything else the platform's own words as a [`PlatformError`]. Whatever comes back
    /// has the install's secrets and this request's token taken out before anything reads it,
    /// and a 429 pauses the account's budget.
    async fn exchange_held(
        &self,
        request: Result<RequestBuilder, PlatformError>,
    ) -> Result<(u16, Vec<u8>), PlatformError> {
        let result = match request.and_then(|request| self.signed(request)) {
            Ok((request, token)) => self.exchange(request, &token).await,
            Err(error) => Err(error),
        };
        if let Err(error) = &result
            && let Some(retry_after) = error.rate_limited()
        {
            self.budget
                .back_off(retry_after.unwrap_or(DEFAULT_BACK_OFF))
                .await;
        }
        result
    }

    async fn exchange(
        &self,
        request: RequestBuilder,
        token: &Secret,
    ) -> Result<(u16, Vec<u8>), PlatformError> {
        let request = request.build().map_err(|e| self.transport_error(e))?;
        // For the diagnostics file: the method and the path under the host, never a header.
        let call = format!("{} {}", request.method(), request.url().path());
        let started = std::time::Instant::now();
        let sent = SystemTime::now();
        let response = match self.http.execute(request).await {
            Ok(response) => response,
            Err(error) => {
                let error = self.transport_error(error);
                tracing::debug!(target: "handoff::platform", "{call}: no answer after {} ms: {error}", started.elapsed().as_millis());
                return Err(error);
            }
        };
        if let Some(clock) = &self.clock {
            let answered = SystemTime::now();
            let midway = answered - (answered.duration_since(sent).unwrap_or_default() / 2);
            let platform = response
                .headers()
                .get(DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| chrono::DateTime::parse_from_rfc2822(v.trim()).ok())
                .map(SystemTime::from);
            *clock.lock().unwrap_or_else(|p| p.into_inner()) =
                platform.map(|platform| ClockReading {
                    platform,
                    here: midway,
                });
        }
        let status = response.status().as_u16();
        tracing::debug!(target: "handoff::platform", "{call}: HTTP {status} in {} ms", started.elapsed().as_millis());
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let success = response.status().is_success();
        let (body, cut) = self.read_capped(response).await?;
        let body = self
            .redactor
            .redact(&String::from_utf8_lossy(&body), Some(token))
            .into_bytes();
        if success && cut {
            return Err(PlatformError::UnreadableReply {
                status,
                detail: format!("the reply is over {} KiB", MAX_REPLY_BYTES / 1024),
            });
        }
        if success {
            Ok((status, body))
        } else {
            let mut message = reply::error_message(status, &content_type, &body);
            if cut {
                message.push_str(&format!(" (reply cut at {} KiB)", MAX_REPLY_BYTES / 1024));
            }
            Err(PlatformError::Refused {
                status,
                message,
                retry_after,
            })
        }
    }

    /// Reads the body up to [`MAX_REPLY_BYTES`]; true when there was more, which is left unread.
    async fn read_capped(&self, mut response: Response) -> Result<(Vec<u8>, bool), PlatformError> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            let room = MAX_REPLY_BYTES - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                return Ok((body, true));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, false))
    }

    fn assign_url(&self) -> Url {
        self.api_base
            .join("assign-conversation")
            .expect("a fixed path joins")
    }

    pub(super) fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Adds the account's headers with a fresh token; the token is returned so that whatever
    /// comes back can be searched for it.
    fn signed(&self, request: RequestBuilder) -> Result<(RequestBuilder, Secret), PlatformError> {
        let token = self
            .auth
            .token()
            .map_err(|e| PlatformError::NotSent(e.to_string()))?;
        let mut auth = HeaderValue::from_str(token.expose()).map_err(|_| {
            PlatformError::NotSent(
                "the configured token contains characters a header cannot carry".into(),
            )
        })?;
        // Keeps the token out of any Debug output of the request.
        auth.set_sensitive(true);
        let account = HeaderValue::from_str(&self.account_id)
            .map_err(|_| PlatformError::NotSent("the account id is not a header value".into()))?;
        let mut headers = HeaderMap::new();
        headers.insert("auth", auth);
        headers.insert("accountid", account);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok((request.headers(headers), token))
    }

    /// Sorts a transport failure by whether the request may have reached the platform.
    fn transport_error(&self, error: reqwest::Error) -> PlatformError {
        let detail = one_line(&self.redactor.redact(&error_chain(&error), None));
        if error.is_connect() {
            PlatformError::Unreachable(detail)
        } else if error.is_timeout() {
            PlatformError::Timeout(self.timeout)
        } else {
            PlatformError::Interrupted(detail)
        }
    }
}

/// reqwest's top-level message is generic and repeats the whole URL ("error sending request for
/// url (…)"); the causes beneath it say what happened ("connection refused", "connection closed
/// before message completed").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        error.to_string()
    } else {
        causes.join(": ")
    }
}

/// Percent-encodes a value used as one path segment.
fn url_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
