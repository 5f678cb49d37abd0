//! The platform's error reply, `{"errors":[{"msg":"…","code":<status>}]}`.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A refusal: its status, the words a supervisor will read, and for 429 when to retry.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    msg: String,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            msg: msg.into(),
            retry_after_secs: None,
        }
    }

    pub(crate) fn bad_request(msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, msg)
    }

    pub(crate) fn unauthorized(msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, msg)
    }

    /// Adds a `Retry-After` header: `wait` rounded up to whole seconds, at least one, so a client
    /// that sleeps exactly that long is never early.
    pub(crate) fn retry_after(self, wait: Duration) -> ApiError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after_secs: Some(secs.max(1)),
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "errors": [{ "msg": self.msg, "code": self.status.as_u16() }] });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
