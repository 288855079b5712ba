//! The bounded, structured delivery log, and GHL error bodies decoded tolerantly.
//!
//! Invariants:
//! - At most `capacity` entries; the oldest go first.
//! - Entries hold no headers and no request parameters: no token can appear in them
//!   (the outbox never sees tokens anyway). GHL messages are kept as GHL sent them.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What came of one attempt, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum LogOutcome {
    /// Will be retried after a backoff.
    Retry,
    /// 429: the location is parked; retried without counting an attempt.
    RateLimited,
    /// 401: waiting for a fresh token.
    AuthRefresh,
    /// 401 again after a refresh (or the refresh failed): delivery paused.
    AuthPaused,
    /// The plan went to the dead-letter list.
    Dead,
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// When (ms since the epoch).
    pub at: u64,
    /// Flow of the plan.
    pub flow: String,
    /// Plan (event) id.
    pub plan_id: String,
    /// Step id.
    pub step: String,
    /// Operation (`service.operationId`).
    pub operation: String,
    /// HTTP status, when there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// GHL's message, or the failure (`timeout`, `dropped connection`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ghl_message: Option<String>,
    /// GHL's traceId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Attempt number of the request (1 = first).
    pub attempt: u32,
    /// What happened next.
    pub outcome: LogOutcome,
}

/// A ring buffer of log entries.
#[derive(Debug, Clone)]
pub(crate) struct ErrorLog {
    capacity: usize,
    entries: VecDeque<LogEntry>,
}

impl ErrorLog {
    pub(crate) fn new(capacity: usize) -> Self {
        ErrorLog {
            capacity,
            entries: VecDeque::new(),
        }
    }

    pub(crate) fn push(&mut self, e: LogEntry) {
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter()
    }
}

/// GHL's error body, read tolerantly (`message` a string or an array of strings).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GhlError {
    pub(crate) message: Option<String>,
    pub(crate) trace_id: Option<String>,
}

impl GhlError {
    pub(crate) fn parse(body: &str) -> GhlError {
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            let t = body.trim();
            return GhlError {
                message: (!t.is_empty()).then(|| t.chars().take(300).collect()),
                trace_id: None,
            };
        };
        let message = match v.get("message") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => v.get("error").and_then(Value::as_str).map(str::to_string),
        };
        let trace_id = ["traceId", "trace_id"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        GhlError { message, trace_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_as_string_array_or_text() {
        let e = GhlError::parse(
            r#"{"statusCode":422,"message":["email must be an email","phone bad"],"traceId":"t-1"}"#,
        );
        assert_eq!(
            e.message.as_deref(),
            Some("email must be an email; phone bad")
        );
        assert_eq!(e.trace_id.as_deref(), Some("t-1"));
        let e = GhlError::parse(r#"{"statusCode":400,"message":"Bad Request"}"#);
        assert_eq!(e.message.as_deref(), Some("Bad Request"));
        assert_eq!(
            GhlError::parse("upstream timeout").message.as_deref(),
            Some("upstream timeout")
        );
        assert_eq!(GhlError::parse("").message, None);
    }

    #[test]
    fn ring_keeps_the_newest() {
        let mut log = ErrorLog::new(2);
        for i in 0..5 {
            log.push(LogEntry {
                at: i,
                flow: "f".into(),
                plan_id: "p".into(),
                step: "s".into(),
                operation: "o".into(),
                status: None,
                ghl_message: None,
                trace_id: None,
                attempt: 1,
                outcome: LogOutcome::Retry,
            });
        }
        let ats: Vec<u64> = log.entries().map(|e| e.at).collect();
        assert_eq!(ats, vec![3, 4]);
    }
}
