//! The checks every platform API call passes before its own handler runs, and the recording of
//! every call with its answer.
//!
//! They live in one middleware so that each endpoint states only what is its own, and so that
//! the order (rate limit, method, `auth`, `accountid`, account and stream) is the same
//! everywhere.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::handler::Handler;
use axum::http::header::DATE;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};

use super::RecordedRequest;
use super::auth;
use super::body::{BodyError, read_limited};
use super::reply::ApiError;
use super::state::SimState;

/// Where every platform API route lives; each names the stream it addresses.
pub(crate) const BASE: &str = "/agentassist/api/v1/public/{stream_id}";

/// What the guard hands an admitted call's handler.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    params: HashMap<String, String>,
    /// The body, read in full by the guard so it could be recorded.
    pub(crate) body: Result<Bytes, BodyError>,
}

impl Call {
    /// The path parameter `name`, empty when the route has none by that name.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }
}

/// Where a route's caller names the stream and account it addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addressed {
    /// Below [`BASE`]: the stream is a path segment, the account only the `accountid` header.
    StreamInPath,
    /// The analytics calls: the account is a path segment (`{account_id}`) and the stream the
    /// `iId` header.
    AccountInPath,
}

/// The middleware's own state: the simulator's, the one method the route answers, and how the
/// route is addressed.
#[derive(Clone)]
struct Guard {
    state: Arc<SimState>,
    method: Method,
    addressed: Addressed,
}

/// A platform route below [`BASE`] answering `method` with `handler`, behind the shared checks.
/// Every method reaches the guard, so wrong-method calls are counted and recorded like the rest.
pub(crate) fn endpoint<H, T>(
    state: &Arc<SimState>,
    method: Method,
    handler: H,
) -> MethodRouter<Arc<SimState>>
where
    H: Handler<T, Arc<SimState>>,
    T: 'static,
{
    guarded(state, method, handler, Addressed::StreamInPath)
}

/// An analytics route (`…/analytics/account/{account_id}/…`) behind the same checks, which
/// finds the stream in the `iId` header instead of the path.
pub(crate) fn analytics_endpoint<H, T>(
    state: &Arc<SimState>,
    method: Method,
    handler: H,
) -> MethodRouter<Arc<SimState>>
where
    H: Handler<T, Arc<SimState>>,
    T: 'static,
{
    guarded(state, method, handler, Addressed::AccountInPath)
}

fn guarded<H, T>(
    state: &Arc<SimState>,
    method: Method,
    handler: H,
    addressed: Addressed,
) -> MethodRouter<Arc<SimState>>
where
    H: Handler<T, Arc<SimState>>,
    T: 'static,
{
    let guard = Guard {
        state: Arc::clone(state),
        method,
        addressed,
    };
    any(handler).layer(middleware::from_fn_with_state(guard, admit))
}

/// Counts, checks and records the call; only an admitted call reaches the handler, with a
/// [`Call`] in its extensions.
async fn admit(
    State(guard): State<Guard>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    request: Request,
    next: Next,
) -> Response {
    let state = &guard.state;
    let arrival = state.arrive(request.uri().path());
    let (mut parts, body) = request.into_parts();
    let body = read_limited(body).await.map(Bytes::from);
    let mut record = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: header_texts(&parts.headers),
        body: body
            .as_ref()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default(),
        status: 0,
    };
    // Parameters that cannot be decoded cannot match anything configured either.
    let params = params.map(|Path(params)| params).unwrap_or_default();
    let response = match check(&guard, &parts.method, &parts.headers, &params) {
        Ok(()) => {
            parts.extensions.insert(Call { params, body });
            next.run(Request::from_parts(parts, Body::empty())).await
        }
        Err(refusal) => refusal.into_response(),
    };
    record.status = response.status().as_u16();
    state.record(arrival, record);
    let mut response = response;
    if let Some(now) = state.config.skewed_now() {
        let date = chrono::DateTime::<chrono::Utc>::from(now)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        if let Ok(value) = HeaderValue::from_str(&date) {
            response.headers_mut().insert(DATE, value);
        }
    }
    response
}

/// The platform's shared checks, in the platform's order.
fn check(
    guard: &Guard,
    method: &Method,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<(), ApiError> {
    let config = &guard.state.config;
    guard.state.admit()?;
    if *method != guard.method {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed here; use {}", guard.method),
        ));
    }
    auth::verify_token(headers, config)?;
    auth::verify_account(headers, config)?;
    let stream_id = match guard.addressed {
        Addressed::StreamInPath => params.get("stream_id").map_or("", String::as_str),
        Addressed::AccountInPath => {
            if params.get("account_id") != Some(&config.account_id) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "The account in the path does not match the account of this app",
                ));
            }
            let Some(stream) = headers.get("iid") else {
                return Err(ApiError::bad_request("Missing required header: iId"));
            };
            // A header that is not text names no configured stream.
            stream.to_str().unwrap_or_default()
        }
    };
    if stream_id != config.stream_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("Stream {stream_id} not found"),
        ));
    }
    Ok(())
}

/// Header values as text (lossily, if a client sent non-UTF-8), repeated names joined.
fn header_texts(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        texts
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    texts
}
