//! Reading GHL responses: classification, typed error bodies, typed success bodies.
//!
//! GHL's error bodies (`common/common-schemas.json`): 400 `{statusCode, message}`,
//! 401 `{statusCode, message, error}`, 422 `{statusCode, message: [string], error}`;
//! any may carry `traceId`, and `message` may be a string or an array. They are read
//! into one [`GhlErrorBody`] with the messages as a list and joined.
//!
//! **The one response policy**: [`classify`] gives every response a closed
//! [`Disposition`] from one table ([`disposition_of`]): 2xx done; 429 rate-limited
//! (until the burst window or the daily reset, read from the headers); 401 refresh
//! the token; 408 and 5xx except 501/505 retry; other 4xx, 501 and 505 reject;
//! anything else unexpected. The client (its errors carry `details.disposition`) and
//! the outbox act on it; nothing else decides what a status means. This file also
//! holds the one GHL error-body parser ([`GhlErrorBody::parse`]).
//!
//! Invariant: nothing here panics on any body; a body that is not JSON gives a typed
//! result (`INVALID_RESPONSE` for a success, the raw text as the message for an error).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{RateLimit, RequestError};
use crate::codec::{Obj, ToJson};
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
        other => Some(crate::codec::to_json(other)),
    }
}

impl GhlErrorBody {
    /// Reads an error body; never fails (non-JSON text becomes the message).
    pub fn parse(body: &str) -> GhlErrorBody {
        let mut out = GhlErrorBody::default();
        match crate::codec::parse(body, crate::codec::DEFAULT_DEPTH) {
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
                out.trace_id = map
                    .get("traceId")
                    .or_else(|| map.get("trace_id"))
                    .and_then(text_of);
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
        out.message = crate::codec::join(&out.messages, "; ");
        out
    }
}

/// What to do about a response: the one response policy, shared by the client
/// (`GHL_HTTP_ERROR` carries it as `details.disposition`) and the outbox. Closed: every
/// status maps to exactly one of these ([`disposition_of`] is the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Disposition {
    /// 2xx: the request took effect.
    Done,
    /// 408 and 5xx other than 501/505: the same request may succeed later (backoff).
    Retry,
    /// 429: wait until [`Classified::rate_limited_until`], then send again (not a
    /// failed attempt).
    RateLimited {
        /// True when `X-RateLimit-Daily-Remaining` is 0: wait for the daily reset.
        daily: bool,
    },
    /// 401: the token is invalid or expired: get a fresh one (once), then send again.
    RefreshAuth,
    /// Other 4xx, 501 and 505: the request cannot succeed as it is (input, scope,
    /// an unsupported method or HTTP version).
    Reject,
    /// Anything else (1xx, 3xx, a status outside 100-599): not a GHL answer.
    Unexpected,
}

impl Disposition {
    /// Whether sending the same request again soon may succeed (a daily 429 and a 401
    /// do not count: they need the reset or a new token first).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Disposition::Retry | Disposition::RateLimited { daily: false }
        )
    }
}

impl ToJson for Disposition {
    fn write_json(&self, out: &mut String) {
        let kind = match self {
            Disposition::Done => "done",
            Disposition::Retry => "retry",
            Disposition::RateLimited { .. } => "rateLimited",
            Disposition::RefreshAuth => "refreshAuth",
            Disposition::Reject => "reject",
            Disposition::Unexpected => "unexpected",
        };
        let mut o = Obj::begin(out);
        o.field("kind", kind);
        if let Disposition::RateLimited { daily } = self {
            o.field("daily", daily);
        }
        o.end();
    }
}

/// The response policy's table: the disposition of a status. `daily_exhausted` is
/// `X-RateLimit-Daily-Remaining: 0` (only read for 429).
pub fn disposition_of(status: u16, daily_exhausted: bool) -> Disposition {
    match status {
        200..=299 => Disposition::Done,
        429 => Disposition::RateLimited {
            daily: daily_exhausted,
        },
        401 => Disposition::RefreshAuth,
        408 => Disposition::Retry,
        400..=499 => Disposition::Reject,
        501 | 505 => Disposition::Reject,
        500..=599 => Disposition::Retry,
        _ => Disposition::Unexpected,
    }
}

/// A response, classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Classified {
    /// HTTP status.
    pub status: u16,
    /// What to do about it.
    pub disposition: Disposition,
    /// The rate-limit headers (durations clamped, see [`RateLimit`]).
    pub rate_limit: RateLimit,
    /// The error body, for anything but success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<GhlErrorBody>,
}

impl Classified {
    /// Whether sending the same request again soon may succeed.
    pub fn retryable(&self) -> bool {
        self.disposition.retryable()
    }

    /// For a 429: when the location may send again, at the earliest, read from the
    /// headers (see [`RateLimit::rate_limited_until`]; GHL's 10 s when they say
    /// nothing); `None` for anything else.
    pub fn rate_limited_until(&self, now: u64) -> Option<u64> {
        match self.disposition {
            Disposition::RateLimited { daily } => Some(self.rate_limit.rate_limited_until(
                daily,
                now,
                super::ratelimit::DEFAULT_INTERVAL_MS,
            )),
            _ => None,
        }
    }

    /// GHL's message for people: the messages, else the `error` field; `None` when the
    /// body said nothing.
    pub fn summary(&self) -> Option<String> {
        let e = self.error.as_ref()?;
        if !e.message.is_empty() {
            Some(e.message.clone())
        } else {
            e.error.clone().filter(|s| !s.trim().is_empty())
        }
    }
}

/// Classifies a response with the one policy ([`disposition_of`]).
pub fn classify(resp: &HttpResponse) -> Classified {
    let rate_limit = RateLimit::from_response(resp);
    let daily_exhausted = rate_limit.daily_remaining == Some(0);
    let status = resp.status;
    let disposition = disposition_of(status, daily_exhausted);
    let error = (disposition != Disposition::Done).then(|| GhlErrorBody::parse(&resp.body));
    Classified {
        status,
        disposition,
        rate_limit,
        error,
    }
}

/// A GHL body the core could not use, shared by every domain that reads bodies (tags,
/// statistics): one type, each domain keeps its stable codes
/// ([`BodyError::is_failure`] picks `*_BAD_RESPONSE` or `*_GHL_FAILURE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum BodyError {
    /// The body did not have the documented shape.
    #[error("{operation}: unexpected response body: {reason}")]
    Shape {
        /// Operation id (`service.operationId`).
        operation: String,
        /// What did not fit.
        reason: String,
    },
    /// GHL answered with `success: false`.
    #[error("{operation}: GHL reported failure (status {status}): {message}")]
    Failure {
        /// Operation id.
        operation: String,
        /// `statusCode` of the body (0 when absent).
        status: u16,
        /// `message` of the body.
        message: String,
    },
}

impl BodyError {
    /// A body that does not fit: `reason` says what.
    pub fn shape(operation: &str, reason: impl Into<String>) -> Self {
        BodyError::Shape {
            operation: operation.to_string(),
            reason: reason.into(),
        }
    }

    /// A body with `success: false`.
    pub fn failure(operation: &str, status: u16, message: impl Into<String>) -> Self {
        BodyError::Failure {
            operation: operation.to_string(),
            status,
            message: message.into(),
        }
    }

    /// The body is not a JSON object.
    pub fn not_object(operation: &str) -> Self {
        Self::shape(operation, "the body is not a JSON object")
    }

    /// True for `success: false` (else the body's shape was wrong).
    pub fn is_failure(&self) -> bool {
        matches!(self, BodyError::Failure { .. })
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
    let (text, status) = success_text(operation, resp)?;
    serde_json::from_str(text).map_err(|e| RequestError::InvalidResponse {
        operation: operation.to_string(),
        status,
        reason: e.to_string(),
    })
}

/// [`decode`] into a JSON value, read by the module's one JSON reader
/// ([`crate::codec::parse`]; the lean client's `settle` holds no other).
pub fn decode_value(operation: &str, resp: &HttpResponse) -> Result<Value, RequestError> {
    let (text, status) = success_text(operation, resp)?;
    crate::codec::parse(text, crate::codec::DEFAULT_DEPTH).map_err(|e| {
        RequestError::InvalidResponse {
            operation: operation.to_string(),
            status,
            reason: e.message(),
        }
    })
}

/// The body text of a 2xx answer (`null` for an empty one) and its status, or the
/// `GHL_HTTP_ERROR` of any other.
fn success_text<'a>(
    operation: &str,
    resp: &'a HttpResponse,
) -> Result<(&'a str, u16), RequestError> {
    let c = classify(resp);
    if c.disposition != Disposition::Done {
        let retryable = c.retryable();
        let body = c.error.unwrap_or_default();
        return Err(RequestError::GhlHttp {
            operation: operation.to_string(),
            status: c.status,
            messages: body.messages,
            message: body.message,
            error: body.error,
            trace_id: body.trace_id,
            retryable,
            disposition: c.disposition,
        });
    }
    let text = if resp.body.trim().is_empty() {
        "null"
    } else {
        resp.body.as_str()
    };
    Ok((text, c.status))
}
