//! The HTTP client for the platform's public contact-center API.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use url::Url;

use super::auth::Authenticator;
use super::reply::{self, AssignReply, PlatformError};
use crate::config::{Config, is_loopback};
use crate::ids::{SessionId, TargetKind};

/// How long to wait for a connection before calling the platform unreachable; shorter than the
/// request timeout because a failed connect is certain to have sent nothing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(8);

/// Calls the platform for one account. Cheap to clone; clones share a connection pool.
#[derive(Debug, Clone)]
pub struct PlatformClient {
    http: reqwest::Client,
    /// `{host}/agentassist/api/v1/public/{streamId}/`
    api_base: Url,
    org_id: String,
    account_id: String,
    auth: Authenticator,
    timeout: Duration,
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
    pub fn new(config: &Config) -> Result<Self, reqwest::Error> {
        let platform = &config.platform;
        let api_base = platform
            .host
            .join(&format!(
                "agentassist/api/v1/public/{}/",
                url_segment(&platform.stream_id)
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
            org_id: platform.org_id.clone(),
            account_id: platform.account_id.clone(),
            auth: Authenticator::new(&config.auth),
            timeout: platform.request_timeout,
        })
    }

    /// Asks the platform to move a bot session to an agent or a queue.
    pub async fn assign(&self, request: AssignRequest<'_>) -> Result<AssignReply, PlatformError> {
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
        let (status, body) = self
            .send(
                self.request(Method::POST, "assign-conversation")?
                    .json(&body),
            )
            .await?;
        reply::parse_success(status, &body)
    }

    /// A request to `path` under the API base, with the account's headers and the timeout.
    pub(super) fn request(
        &self,
        method: Method,
        path: &str,
    ) -> Result<RequestBuilder, PlatformError> {
        let url = self.api_base.join(path).map_err(|e| {
            PlatformError::Unreachable(format!("cannot form the URL for {path}: {e}"))
        })?;
        Ok(self
            .http
            .request(method, url)
            .headers(self.headers()?)
            .timeout(self.timeout))
    }

    /// Sends a request; a 2xx answer gives its status and body, anything else the platform's
    /// own words as a [`PlatformError`].
    pub(super) async fn send(
        &self,
        request: RequestBuilder,
    ) -> Result<(u16, Vec<u8>), PlatformError> {
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
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
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e))?;
        if success {
            Ok((status, body.to_vec()))
        } else {
            Err(PlatformError::Refused {
                status,
                message: reply::error_message(status, &content_type, &body),
                retry_after,
            })
        }
    }

    /// Where transfers are posted, for showing the request.
    pub fn assign_url(&self) -> Url {
        self.api_base
            .join("assign-conversation")
            .expect("a fixed path joins")
    }

    pub(super) fn org_id(&self) -> &str {
        &self.org_id
    }

    fn headers(&self) -> Result<HeaderMap, PlatformError> {
        let token = self
            .auth
            .token()
            .map_err(|e| PlatformError::Unreachable(e.to_string()))?;
        let mut auth = HeaderValue::from_str(token.expose()).map_err(|_| {
            PlatformError::Unreachable(
                "the configured token contains characters a header cannot carry".into(),
            )
        })?;
        // Keeps the token out of any Debug output of the request.
        auth.set_sensitive(true);
        let account = HeaderValue::from_str(&self.account_id).map_err(|_| {
            PlatformError::Unreachable("the account id is not a header value".into())
        })?;
        let mut headers = HeaderMap::new();
        headers.insert("auth", auth);
        headers.insert("accountid", account);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(headers)
    }

    /// Sorts a transport failure by whether the request may have reached the platform.
    fn transport_error(&self, error: reqwest::Error) -> PlatformError {
        let detail = reply::one_line(&error_chain(&error));
        if error.is_connect() {
            PlatformError::Unreachable(detail)
        } else if error.is_timeout() {
            PlatformError::Timeout(self.timeout)
        } else {
            PlatformError::Interrupted(detail)
        }
    }
}

/// reqwest's top-level message is generic ("error sending request"); the cause says what
/// happened ("connection refused", "dns error").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Percent-encodes a value used as one path segment.
fn url_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
