//! What the outbox tells the host: progress events, auth events, counters.
//!
//! Invariant of [`Counts`] (in deliveries, one per accepted plan: an event delivered in
//! stages counts once per stage; coalesced ones included):
//! `accepted == pending + done + dead` after every call.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use super::record::DeadLetter;

/// Delivery counts for a progress bar (one per accepted plan: a flow's later stage is
/// accepted as its own delivery).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxCounts"))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Deliveries accepted (duplicates not counted).
    pub accepted: u64,
    /// Deliveries not yet delivered nor dead.
    pub pending: u64,
    /// Requests on the wire.
    pub in_flight: u64,
    /// Deliveries done (one coalesced into a delivered plan counts as delivered).
    pub done: u64,
    /// Deliveries in dead plans.
    pub dead: u64,
}

/// What a progress event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum ProgressKind {
    /// An event was accepted (queued or coalesced).
    Queued,
    /// A request left.
    Sent,
    /// A plan was delivered.
    Done,
    /// An attempt failed and will be retried.
    Failed,
    /// A plan went to the dead-letter list.
    Dead,
}

/// Something the host may show or must act on.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxEvent"))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// Progress of delivery, with the counts after it.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// What happened.
        kind: ProgressKind,
        /// Which plan.
        plan_id: String,
        /// Counts after it.
        counts: Counts,
    },
    /// GHL answered 401: call the host's `getToken()` once, then
    /// [`super::Outbox::token_refreshed`] or [`super::Outbox::token_refresh_failed`].
    /// Nothing is sent meanwhile; emitted once per refresh (single flight).
    TokenRefreshNeeded,
    /// Delivery is paused for an auth problem; [`super::Outbox::resume_auth`] continues.
    AuthPaused {
        /// Why, for people.
        reason: String,
    },
    /// A location sends nothing until `until` (429).
    #[serde(rename_all = "camelCase")]
    LocationParked {
        /// The location.
        location_id: String,
        /// Until when (ms since the epoch).
        until: u64,
        /// True when the daily budget is used up (else: a burst window).
        daily: bool,
    },
    /// A plan went to the dead-letter list.
    DeadLettered(DeadLetter),
    /// Every step of a plan accepted with a continuation is done: run the
    /// continuation with the responses (for flows: `finish(continuation, responses)`,
    /// accept the next stage with `after: planId`), then call `continued(planId)` (or
    /// `continuationFailed`). Emitted again after a restore until one of those is called.
    #[serde(rename_all = "camelCase")]
    Continue {
        /// The plan whose steps are done.
        plan_id: String,
        /// The continuation it was accepted with.
        continuation: serde_json::Value,
        /// Responses of the done steps, by step id (skipped steps have none).
        responses: std::collections::BTreeMap<String, serde_json::Value>,
    },
}

/// Counters since the outbox was created or restored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxStats"))]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests handed out by `poll_transmit`.
    pub requests_sent: u64,
    /// 2xx answers.
    pub responses_ok: u64,
    /// 429 answers.
    pub http_429: u64,
    /// 401 answers.
    pub http_401: u64,
    /// 5xx answers.
    pub http_5xx: u64,
    /// Timeouts and dropped connections.
    pub failures: u64,
    /// Retries scheduled after a failure (backoff).
    pub retries: u64,
    /// Duplicate events dropped by `accept`.
    pub duplicates_dropped: u64,
    /// Events merged into a pending plan for the same contact.
    pub coalesced: u64,
    /// Steps skipped (nothing to send).
    pub skipped_steps: u64,
    /// Plans that went to the dead-letter list.
    pub dead_lettered: u64,
    /// Token refreshes asked for.
    pub token_refreshes: u64,
}
