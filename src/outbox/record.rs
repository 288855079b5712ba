//! What the outbox asks the host to store, and what it rebuilds itself from.
//!
//! One [`Record`] per event id (the store key). The host applies [`StoreOp`]s in the
//! order they are polled; the ops returned by one call should be applied atomically
//! (one IndexedDB transaction, one file write), before the host acts on the call's
//! result (acknowledging an event, sending a transmit).
//!
//! Invariants:
//! - `steps` has one entry per plan step, same ids, same order.
//! - A step's outcome, once recorded, never changes (a re-triggered dead plan keeps its
//!   done steps).
//! - A record whose state is [`RecordState::Coalesced`] is a tombstone: its event's
//!   effect is carried by the plan named in `into`, which lists it in `merged`.
//! - Nothing here holds a token: plans hold parameters, responses hold GHL bodies.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::Plan;

/// The version of the record layout written by this code.
pub const RECORD_FORMAT: u32 = 1;

/// A store operation the host must apply to its durable storage, in order.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum StoreOp {
    /// Write (insert or replace) the record under `key`.
    Put {
        /// Store key: the event (plan) id.
        key: String,
        /// The record to write.
        record: Box<Record>,
    },
    /// Delete the record under `key` (an expired tombstone).
    Delete {
        /// Store key.
        key: String,
    },
}

impl StoreOp {
    /// The key the operation writes or deletes.
    pub fn key(&self) -> &str {
        match self {
            StoreOp::Put { key, .. } | StoreOp::Delete { key } => key,
        }
    }
}

/// Everything the outbox knows about one event, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxRecord"))]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Layout version ([`RECORD_FORMAT`]).
    pub format: u32,
    /// Acceptance order (delivery is in this order per location and contact).
    pub seq: u64,
    /// When the event was accepted (ms since the Unix epoch, as the host's clock said).
    pub accepted_at: u64,
    /// The plan to deliver.
    pub plan: Plan,
    /// Where the event stands.
    pub state: RecordState,
    /// Per-step progress, parallel to `plan.steps`.
    pub steps: Vec<StepRecord>,
    /// Ids of older events whose effect this plan carries (coalesced into it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// What the executor does once every step is done (for flows: the stage's
    /// `FlowPlan`, whose `finish` may give the next stage). Opaque to the outbox: a
    /// record that has one is not forgotten after its last step but waits in
    /// [`RecordState::Awaiting`] until the executor reports the continuation done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Value>,
}

crate::tagged::tagged_enum! {
    tag = "kind", name = "RecordState", rename_all = "camelCase";
    /// Where an event stands.
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum RecordState {
        /// Still to deliver (some step has no outcome).
        Pending,
        /// Every step is done or skipped.
        Done {
            /// When the last step finished.
            at: u64,
        },
        /// Every step is done and the record has a continuation: its responses are kept
        /// until the executor has run it (for flows: the next stage accepted durably) and
        /// called `continued`. Counted as pending; it holds its contact's turn.
        Awaiting {
            /// When the last step finished.
            at: u64,
        },
        /// Delivery stopped on a step; waits for a re-trigger.
        Dead(DeadInfo),
        /// Merged into a newer pending plan for the same contact; never sent on its own.
        Coalesced {
            /// The plan that carries this event's effect.
            into: String,
            /// When it was merged.
            at: u64,
        },
    }
}

/// The progress of one step.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    /// Step id.
    pub id: String,
    /// Recorded outcome; `None` while the step is still to do (or was in flight when
    /// the host stopped: it is then sent again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<StepOutcome>,
    /// Failed attempts so far (5xx, timeouts, dropped connections).
    #[serde(default)]
    pub attempts: u32,
    /// 429 answers so far (not failed attempts, but bounded too).
    #[serde(default)]
    pub rate_limited: u32,
    /// Earliest time of the next attempt (backoff), when waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<u64>,
}

impl StepRecord {
    /// A step with nothing done yet.
    pub fn new(id: impl Into<String>) -> Self {
        StepRecord {
            id: id.into(),
            outcome: None,
            attempts: 0,
            rate_limited: 0,
            next_attempt_at: None,
        }
    }
}

crate::tagged::tagged_enum! {
    tag = "kind", name = "StepOutcome", rename_all = "camelCase";
    /// The outcome of a finished step.
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum StepOutcome {
        /// GHL answered 2xx.
        Done {
            /// HTTP status.
            status: u16,
            /// Response body as JSON (`null` when empty; a string when not JSON). Later
            /// steps' `$from` expressions read it. Cleared once the whole plan is done.
            response: Value,
            /// When.
            at: u64,
        },
        /// Nothing to send (`skipWhenEmpty`).
        Skipped {
            /// When.
            at: u64,
        },
    }
}

/// Why delivery of a plan stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeadReason {
    /// GHL rejected the request (400, 403, 404, 422 and other 4xx): retrying cannot help.
    Rejected,
    /// 5xx, timeouts or dropped connections, `maxAttempts` times.
    RetriesExhausted,
    /// Answered 429 more than `maxRateLimited` times.
    RateLimitedTooOften,
    /// A parameter expression could not be resolved from earlier responses.
    Unresolved,
    /// A status the outbox does not know how to handle (1xx, 3xx).
    UnexpectedStatus,
    /// The stored plan no longer passes validation.
    InvalidPlan,
    /// The host could not build the step's request (a missing scope, a parameter the
    /// operation does not accept): nothing was sent.
    InvalidRequest,
    /// Every step was delivered but the continuation failed (for flows: `finish`
    /// could not compute the next stage from the responses). A re-trigger runs the
    /// continuation again (the done steps are not sent again).
    ContinuationFailed,
}

impl DeadReason {
    /// Stable code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            DeadReason::Rejected => "REJECTED",
            DeadReason::RetriesExhausted => "RETRIES_EXHAUSTED",
            DeadReason::RateLimitedTooOften => "RATE_LIMITED_TOO_OFTEN",
            DeadReason::Unresolved => "UNRESOLVED",
            DeadReason::UnexpectedStatus => "UNEXPECTED_STATUS",
            DeadReason::InvalidPlan => "INVALID_PLAN",
            DeadReason::InvalidRequest => "INVALID_REQUEST",
            DeadReason::ContinuationFailed => "CONTINUATION_FAILED",
        }
    }
}

/// The details of a dead plan, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeadInfo {
    /// The step that failed.
    pub step_id: String,
    /// Why.
    pub reason: DeadReason,
    /// The last HTTP status, when there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// GHL's message (or the failure's description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// GHL's traceId, when the body had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Attempts made on the step.
    pub attempts: u32,
    /// When.
    pub at: u64,
}

/// A dead plan, as shown to people (inspect, then re-trigger).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// Plan (event) id.
    pub plan_id: String,
    /// Flow that produced it.
    pub flow: String,
    /// GHL location.
    pub location_id: String,
    /// Events whose effect it carries (1 + coalesced ones).
    pub events: u64,
    /// What went wrong, where.
    #[serde(flatten)]
    pub info: DeadInfo,
}

impl Record {
    /// A fresh pending record for a plan.
    pub(crate) fn pending(plan: Plan, seq: u64, now: u64) -> Record {
        let steps = plan.steps.iter().map(|s| StepRecord::new(&s.id)).collect();
        Record {
            format: RECORD_FORMAT,
            seq,
            accepted_at: now,
            plan,
            state: RecordState::Pending,
            steps,
            merged: Vec::new(),
            continuation: None,
        }
    }

    /// How many accepted events this record accounts for (0 for a tombstone of a
    /// coalesced event: its carrier counts it).
    pub fn weight(&self) -> u64 {
        match self.state {
            RecordState::Coalesced { .. } => 0,
            _ => 1 + self.merged.len() as u64,
        }
    }

    /// Index of the first step without an outcome.
    pub(crate) fn current_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| s.outcome.is_none())
    }

    /// True when nothing of the plan has been sent or recorded yet.
    pub(crate) fn untouched(&self) -> bool {
        self.steps
            .iter()
            .all(|s| s.outcome.is_none() && s.attempts == 0 && s.rate_limited == 0)
    }

    /// Responses of done steps, by step id (what `$from` reads).
    pub(crate) fn responses(&self) -> std::collections::BTreeMap<String, Value> {
        crate::order::map_of(self.steps.iter().filter_map(|s| match &s.outcome {
            Some(StepOutcome::Done { response, .. }) => Some((s.id.clone(), response.clone())),
            _ => None,
        }))
    }

    /// Makes `steps` parallel to `plan.steps` again (keeps what matches by id).
    pub(crate) fn align_steps(&mut self) {
        let mut old = std::mem::take(&mut self.steps);
        self.steps = self
            .plan
            .steps
            .iter()
            .map(|s| match old.iter().position(|r| r.id == s.id) {
                Some(i) => old.swap_remove(i),
                None => StepRecord::new(&s.id),
            })
            .collect();
    }
}
