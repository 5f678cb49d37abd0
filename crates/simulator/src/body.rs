//! Reading request bodies ourselves, so oversized or broken bodies get the platform's error
//! shape instead of a framework rejection.

use axum::body::Body;
use axum::http::StatusCode;
use futures::StreamExt;

use serde_json::{Map, Value};

use super::reply::ApiError;

/// Far above any real transfer request (a few hundred bytes).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyError {
    TooLarge,
    Unreadable,
}

impl From<BodyError> for ApiError {
    fn from(error: BodyError) -> ApiError {
        match error {
            BodyError::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
            ),
            BodyError::Unreadable => ApiError::bad_request("Request body could not be read"),
        }
    }
}

/// Reads the whole body, stopping as soon as it grows past [`MAX_BODY_BYTES`].
pub(crate) async fn read_limited(body: Body) -> Result<Vec<u8>, BodyError> {
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A JSON body that must be an object of the `known` fields only, as the platform's analytics
/// and availability calls refuse anything else: its fields, or the refusal in words.
pub(crate) fn json_object(body: &[u8], known: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(format!("Request body is not valid JSON: {error}"))
    })?;
    let Value::Object(fields) = value else {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    };
    let unknown: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|name| !known.contains(name))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Unknown field(s) in request body: {}",
            unknown.join(", ")
        )));
    }
    Ok(fields)
}
