//! The intake log every receiver keeps: one bounded list of what arrived and what
//! became of it (accepted, duplicate, ignored, skipped, refused with its error), so bad
//! input is recorded, never lost silently.

use crate::codec::{FromJson, ToJson};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::error::ErrorReport;

/// One line of the intake log.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct IntakeLogEntry {
    /// When it arrived (ms).
    pub at_ms: u64,
    /// `accepted`, `duplicate`, `ignored` or `refused`.
    pub outcome: String,
    /// HTTP status the endpoint answers.
    pub status: u16,
    /// `webhookId` / `idempotencyKey`, when it was readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Event type, when it was readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The refusal or the reason it was ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

impl IntakeLogEntry {
    /// The entry of a refused delivery: its status and error, nothing read from it.
    pub fn refused(at_ms: u64, e: &super::SourceError) -> Self {
        Self {
            at_ms,
            outcome: "refused".into(),
            status: e.status(),
            id: None,
            event: None,
            error: Some(ErrorReport::of(e)),
        }
    }
}

/// A bounded log (the oldest entries go first).
#[derive(Debug, Clone)]
pub struct IntakeLog {
    capacity: usize,
    entries: VecDeque<IntakeLogEntry>,
}

impl IntakeLog {
    /// An empty log of at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            entries: VecDeque::new(),
        }
    }

    /// Appends an entry, dropping the oldest when full.
    pub fn record(&mut self, entry: IntakeLogEntry) {
        self.entries.push_back(entry);
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &IntakeLogEntry> {
        self.entries.iter()
    }
}
