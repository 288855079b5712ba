//! The bounded, structured delivery log (GHL's error bodies are read by the one
//! parser, [`crate::request::GhlErrorBody`]).
//!
//! Invariants:
//! - At most `capacity` entries; the oldest go first.
//! - Entries hold no headers and no request parameters: no token can appear in them
//!   (the outbox never sees tokens anyway). GHL messages are kept as GHL sent them.

use crate::codec::{FromJson, ToJson};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// What came of one attempt, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
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

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &LogEntry> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
