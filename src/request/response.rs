//! Reading GHL responses: classification, typed error bodies, typed success bodies.
//!
//! GHL's error bodies (`common/common-schemas.json`): 400 `{statusCode, message}`,
//! 401 `{statusCode, message, error}`, 422 `{statusCode, message: [string], error}`;
//! any may carry `traceId`, and `message` may be a string or an array. They are read
//! into one [`GhlErrorBody`] with the messages as a list and joined.
//!
//! Retry policy carried by [`Classified::retryable`]: 429 is retryable unless the daily
//! budget is exhausted (`X-RateLimit-Daily-Remaining: 0`); 408 and 5xx (except 501
//! and 505) are retryable; 401 and other 4xx are not (they need a new token, a scope
//! or different input).
//!
//! Invariant: nothing here panics on any body; a body that is not JSON gives a typed
//! result (`INVALID_RESPONSE` for a success, the raw text as the message for an error).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{RateLimit, RequestError};
use crate::http::HttpResponse;

/// How much of a non-JSON error body is kept as its message.
const EXCERPT_CHARS: usize = 200;

/// A GHL error body, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GhlErrorBody {
    /// `statusCode` from the body, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// `message` as a list (a string becomes one item); for a body that is not JSON,
    /// the start of its text.
    pub messages: Vec<String>,
    /// The messages joined with `; `.
    pub message: String,
    /// `error` (e.g. `Unauthorized`, `Unprocessable Entity`), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `traceId`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl GhlErrorBody {
    /// Reads an error body; never fails (non-JSON text becomes the message).
    pub fn parse(body: &str) -> GhlErrorBody {
        let mut out = GhlErrorBody::default();
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(map)) => {
                out.status_code = map
                    .get("statusCode")
                    .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
                    .and_then(|n| u16::try_from(n).ok());
                let msg = map.get("message").or_else(|| map.get("msg"));
                out.messages = match msg {
                    Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
                    Some(v) => text_of(v).into_iter().collect(),
                    None => Vec::new(),
                };
                out.error = map.get("error").and_then(text_of);
                out.trace_id = map.get("traceId").and_then(text_of);
            }
            Ok(Value::String(s)) => out.messages = vec![s],
            _ => {
                let excerpt: String = body.trim().chars().take(EXCERPT_CHARS).collect();
                if !excerpt.is_empty() {
                    out.messages = vec![excerpt];
                }
            }
        }
        out.messages.retain(|m| !m.trim().is_empty());
        out.message = out.messages.join("; ");
        out
    }
}

/// The broad outcome of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ResponseKind {
    /// 2xx.
    Success,
    /// 429.
    RateLimited,
    /// 401: invalid or expired token, or a scope the token lacks.
    Unauthorized,
    /// Other 4xx.
    ClientError,
    /// 5xx.
    ServerError,
    /// Anything else (1xx, 3xx, or not a valid status).
    Unexpected,
}

/// A response, classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Classified {
    /// The broad outcome.
    pub kind: ResponseKind,
    /// HTTP status.
    pub status: u16,
    /// Whether sending the same request again later may succeed.
    pub retryable: bool,
    /// True when `X-RateLimit-Daily-Remaining` is 0: wait for the daily reset.
    pub daily_exhausted: bool,
    /// The rate-limit headers.
    pub rate_limit: RateLimit,
    /// The error body, for anything but success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<GhlErrorBody>,
}

/// Classifies a response (see the module docs for the retry policy).
pub fn classify(resp: &HttpResponse) -> Classified {
    let rate_limit = RateLimit::from_response(resp);
    let daily_exhausted = rate_limit.daily_remaining == Some(0);
    let status = resp.status;
    let (kind, retryable) = match status {
        200..=299 => (ResponseKind::Success, false),
        429 => (ResponseKind::RateLimited, !daily_exhausted),
        401 => (ResponseKind::Unauthorized, false),
        408 => (ResponseKind::ClientError, true),
        400..=499 => (ResponseKind::ClientError, false),
        501 | 505 => (ResponseKind::ServerError, false),
        500..=599 => (ResponseKind::ServerError, true),
        _ => (ResponseKind::Unexpected, false),
    };
    let error = (kind != ResponseKind::Success).then(|| GhlErrorBody::parse(&resp.body));
    Classified {
        kind,
        status,
        retryable,
        daily_exhausted,
        rate_limit,
        error,
    }
}

/// The typed body of a 2xx response, or `GHL_HTTP_ERROR` (any other status, with
/// GHL's messages and traceId) or `INVALID_RESPONSE` (a 2xx body that is not the
/// expected JSON). An empty 2xx body reads as JSON `null` (so `()` and `Option<T>`
/// accept it). `operation` names the operation in the error.
pub fn decode<T: DeserializeOwned>(
    operation: &str,
    resp: &HttpResponse,
) -> Result<T, RequestError> {
    let c = classify(resp);
    if c.kind != ResponseKind::Success {
        let body = c.error.unwrap_or_default();
        return Err(RequestError::GhlHttp {
            operation: operation.to_string(),
            status: c.status,
            messages: body.messages,
            message: body.message,
            error: body.error,
            trace_id: body.trace_id,
            retryable: c.retryable,
        });
    }
    let text = if resp.body.trim().is_empty() {
        "null"
    } else {
        resp.body.as_str()
    };
    serde_json::from_str(text).map_err(|e| RequestError::InvalidResponse {
        operation: operation.to_string(),
        status: c.status,
        reason: e.to_string(),
    })
}
