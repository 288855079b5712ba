//! The outbox: durable, exactly-once-in-effect delivery of [`crate::plan::Plan`]s to GHL.
//!
//! A widget's tab can close at any moment and an extension's service worker is stopped
//! when idle. The outbox is the sans-IO state machine that makes delivery survive both
//! (quinn-proto style): inputs are method calls carrying `now_ms` (ms since the Unix
//! epoch) and, where jitter is needed, a random `u64`; outputs are polled.
//!
//! ```text
//! host                               Outbox
//!  accept(plan, now) ───────────────▶ Accepted { disposition, ops }
//!  apply ops durably, THEN ack the event to its source
//!  loop:
//!   poll_store()     ◀─────────────── StoreOp (apply in order, before acting)
//!   poll_transmit(now) ◀──────────── Transmit (build the request, attach the token, send)
//!   handle_response(id, resp, now, rand) / handle_failure(id, failure, now, rand)
//!   poll_event()     ◀─────────────── Progress, TokenRefreshNeeded, AuthPaused, ...
//!   poll_timeout()   ◀─────────────── when to call poll_transmit again
//! restart: Outbox::restore(config, stored records, now)
//! ```
//!
//! **Continuations (flows in stages).** A plan accepted with a continuation
//! ([`Outbox::accept_with`]) is not forgotten after its last step: it waits in
//! [`RecordState::Awaiting`] with its responses (stored) and [`Event::Continue`] asks
//! the executor to run the continuation. The executor accepts the next stage (its
//! `after` is this plan: it keeps this plan's place in the contact's queue), *then*
//! calls [`Outbox::continued`], which releases the record. A crash between the two
//! re-emits `Continue` on restore; the next stage's id (`eventId#2`) makes the repeated
//! accept a duplicate, so nothing runs twice.
//!
//! **Durability contract.** Every change that must survive a restart queues
//! [`StoreOp`]s. An event counts as accepted once `accept` returned `Ok` *and* the host
//! has applied the returned ops; the host must not acknowledge the event to its source
//! before. If a write fails, the host treats the outbox as crashed and rebuilds it with
//! [`Outbox::restore`] from what its storage holds (the one recovery path, tested).
//! Transmits may be sent before their plan's write completes: an unacknowledged event is
//! re-sent by its source and then merged or dropped as a duplicate here.
//!
//! **Exactly once in effect.** A step's outcome is recorded when its response arrives;
//! a step that was sent but has no recorded outcome when the host stopped is sent
//! again after [`Outbox::restore`] (so are steps whose connection dropped). That is safe
//! for the operations the flows use: `upsert-contact` matches by email/phone, so a
//! repeat updates the same contact with the same values; `add-tags` and `remove-tags`
//! are set operations; reads have no effect. A plan is therefore applied at least once
//! and its repeats change nothing. Done steps are never sent again (their responses
//! feed later steps' `$from`), and an event id is delivered once: duplicates are
//! dropped, coalesced events are recorded as carried by the merged plan.
//!
//! **Ordering.** Plans for one location go out in acceptance order, one request at a
//! time per plan (a step only after the previous step's outcome); plans for the same
//! contact are delivered one after the other (see [`coalesce`] for merging).
//!
//! **Rate and retries.** Per location a [`budget`] (100 per 10 s and 200,000 a day by
//! default, corrected from `X-RateLimit-*` headers) and concurrency limits keep normal
//! operation below 429. A 429 parks the location for a burst window (until the daily
//! reset when daily remaining is 0) and retries without counting an attempt (bounded by
//! `maxRateLimited`). 5xx, 408, timeouts and dropped connections retry with exponential
//! backoff and full jitter ([`backoff`]) up to `maxAttempts`, then dead-letter; other
//! 4xx dead-letter at once with GHL's message and traceId. 401 asks for one token
//! refresh (single flight); a 401 on the fresh token pauses delivery.

pub mod backoff;
pub mod budget;
pub mod coalesce;
mod continuation;
mod deliver;
mod drain;
pub mod log;
pub mod progress;
mod queue;
pub mod record;
mod state;
mod stored_budget;
mod tombstones;

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use crate::error::Coded;
use crate::http::RequestParams;
use crate::plan::PlanError;

pub use backoff::{backoff_ceiling, backoff_delay, SplitMix64};
pub use budget::BudgetState;
pub use drain::Drained;
pub use log::{LogEntry, LogOutcome};
pub use progress::{Counts, Event, ProgressKind, Stats};
pub use record::{
    DeadInfo, DeadLetter, DeadReason, Record, RecordState, StepOutcome, StepRecord, StoreOp,
    RECORD_FORMAT,
};
pub use state::Outbox;
pub use stored_budget::{
    budget_key, BudgetPut, BudgetRecord, Stored, BUDGET_FORMAT, BUDGET_KEY_PREFIX,
};

/// Tunables. Every field has a default (the documented GHL limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxConfig"))]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// Requests per burst interval per location (GHL: 100).
    pub burst_max: u64,
    /// Burst interval in ms (GHL: 10,000).
    pub burst_interval_ms: u64,
    /// Safety margin added to the interval (timer granularity, clock rounding; each
    /// request counts from its answer, so latency needs none).
    pub window_margin_ms: u64,
    /// After an idle spell, count the requests sent before the first one's answer from
    /// that answer (the latest time GHL can have opened its window) instead of from
    /// their send time. Protects the next window from a 429 when the first request
    /// arrived late (a fresh connection's handshakes take longer than the margin);
    /// costs up to one round trip per idle spell, nothing in steady operation. The JS
    /// shim turns it on.
    pub cold_start_from_answer: bool,
    /// Requests per UTC day per location (GHL: 200,000).
    pub daily_max: u64,
    /// Requests on the wire at once, all locations.
    pub max_in_flight: u32,
    /// Requests on the wire at once per location.
    pub max_in_flight_per_location: u32,
    /// Backoff base in ms.
    pub backoff_base_ms: u64,
    /// Backoff cap in ms.
    pub backoff_cap_ms: u64,
    /// Failed attempts (5xx, timeouts, drops) before a plan is dead.
    pub max_attempts: u32,
    /// 429 answers on one step before the plan is dead.
    pub max_rate_limited: u32,
    /// Log entries kept.
    pub log_capacity: usize,
    /// How long tombstones of done and coalesced events are kept (duplicate detection)
    /// before [`Outbox::sweep`] deletes them.
    pub tombstone_ttl_ms: u64,
    /// The most tombstones kept (the oldest are deleted first): with the log capacity,
    /// what bounds the outbox's memory and storage however many events it delivers.
    pub max_tombstones: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            burst_max: 100,
            burst_interval_ms: 10_000,
            window_margin_ms: 300,
            cold_start_from_answer: false,
            daily_max: 200_000,
            max_in_flight: 12,
            max_in_flight_per_location: 6,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 60_000,
            max_attempts: 6,
            max_rate_limited: 20,
            log_capacity: 500,
            tombstone_ttl_ms: 7 * budget::DAY_MS,
            max_tombstones: 10_000,
        }
    }
}

/// The largest burst interval and backoff a configuration may set (1 hour).
pub const MAX_CONFIG_INTERVAL_MS: u64 = 60 * 60 * 1000;

/// The most log entries an outbox keeps (`logCapacity` may not exceed it).
pub const MAX_LOG_CAPACITY: usize = 10_000;

/// The most tombstones an outbox may be configured to keep (`maxTombstones`).
pub const MAX_TOMBSTONES: usize = 1_000_000;

/// The longest time tombstones may be kept (`tombstoneTtlMs`): 90 days.
pub const MAX_TOMBSTONE_TTL_MS: u64 = 90 * budget::DAY_MS;

impl Config {
    /// Checks every number against its documented range; the error names the option
    /// (as JS spells it). Ranges: `burstMax`, `dailyMax`, `maxInFlight`,
    /// `maxInFlightPerLocation`, `maxAttempts` at least 1; `burstIntervalMs` 1 ms to 1
    /// hour; `windowMarginMs` and `backoffBaseMs` at most 1 hour; `backoffCapMs` from
    /// `backoffBaseMs` to 1 hour; `logCapacity` at most 10,000; `maxTombstones` at
    /// most 1,000,000; `tombstoneTtlMs` at most 90 days.
    pub fn validate(&self) -> Result<(), OutboxError> {
        let bad = |option: &'static str, reason: String| {
            Err(OutboxError::InvalidConfig { option, reason })
        };
        let at_least_one = [
            ("burstMax", self.burst_max),
            ("dailyMax", self.daily_max),
            ("maxInFlight", u64::from(self.max_in_flight)),
            (
                "maxInFlightPerLocation",
                u64::from(self.max_in_flight_per_location),
            ),
            ("maxAttempts", u64::from(self.max_attempts)),
        ];
        for (option, v) in at_least_one {
            if v == 0 {
                return bad(option, "must be at least 1 (0 would never send)".into());
            }
        }
        let hour = MAX_CONFIG_INTERVAL_MS;
        for (option, v, min) in [
            ("burstIntervalMs", self.burst_interval_ms, 1),
            ("windowMarginMs", self.window_margin_ms, 0),
            ("backoffBaseMs", self.backoff_base_ms, 0),
            ("backoffCapMs", self.backoff_cap_ms, 0),
        ] {
            if v < min || v > hour {
                return bad(
                    option,
                    format!("must be between {min} and {hour} ms, not {v}"),
                );
            }
        }
        if self.backoff_cap_ms < self.backoff_base_ms {
            return bad(
                "backoffCapMs",
                format!(
                    "must be at least backoffBaseMs ({}), not {}",
                    self.backoff_base_ms, self.backoff_cap_ms
                ),
            );
        }
        if self.log_capacity > MAX_LOG_CAPACITY {
            return bad(
                "logCapacity",
                format!(
                    "must be at most {MAX_LOG_CAPACITY}, not {}",
                    self.log_capacity
                ),
            );
        }
        if self.max_tombstones > MAX_TOMBSTONES {
            return bad(
                "maxTombstones",
                format!(
                    "must be at most {MAX_TOMBSTONES}, not {}",
                    self.max_tombstones
                ),
            );
        }
        if self.tombstone_ttl_ms > MAX_TOMBSTONE_TTL_MS {
            return bad(
                "tombstoneTtlMs",
                format!(
                    "must be at most {MAX_TOMBSTONE_TTL_MS} ms (90 days), not {}",
                    self.tombstone_ttl_ms
                ),
            );
        }
        Ok(())
    }
}

/// How much state an outbox holds, for tests and monitoring. Every figure is bounded:
/// `records` by the pending and dead plans, `tombstones` by `maxTombstones`,
/// `logEntries` by `logCapacity`, `locations` by the locations used, `contactQueues`
/// and `timers` by the pending plans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxRetained"))]
#[serde(rename_all = "camelCase")]
pub struct Retained {
    /// Pending and dead records held in memory.
    pub records: u64,
    /// Done and coalesced event ids remembered.
    pub tombstones: u64,
    /// Log entries.
    pub log_entries: u64,
    /// Locations with a budget.
    pub locations: u64,
    /// Contacts with queued plans.
    pub contact_queues: u64,
    /// Plans waiting for a backoff.
    pub timers: u64,
}

/// A request the host must send: build it with the request builder for `operation`,
/// attach the current token, send, then call `handle_response` or `handle_failure`
/// with `id`.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Transmit {
    /// Transmit id (unique for this outbox instance).
    pub id: u64,
    /// Plan (event) id.
    pub plan_id: String,
    /// Step id.
    pub step_id: String,
    /// GHL location.
    pub location_id: String,
    /// Operation (`service.operationId`).
    pub operation: String,
    /// Resolved parameters (no expressions left).
    pub params: RequestParams,
    /// Attempt number (1 = first; 429s and 401s do not count).
    pub attempt: u32,
}

/// A request that got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "message", rename_all = "camelCase")]
pub enum Failure {
    /// No answer in time (the host's timeout).
    Timeout,
    /// The connection dropped (the request may or may not have been applied).
    Dropped,
    /// Any other network error.
    Network(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Failure::Timeout => "timeout".into(),
            Failure::Dropped => "dropped connection".into(),
            Failure::Network(m) => format!("network error: {m}"),
        }
    }
}

/// What `accept` did with an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Disposition {
    /// Queued as a plan of its own.
    Queued,
    /// Merged with the pending plan of the older event `replaced`, which is now done
    /// by coalescing; the merged plan carries this event's id.
    Coalesced {
        /// The older event id.
        replaced: String,
    },
    /// Already known (pending, done, dead or coalesced): dropped.
    Duplicate,
}

/// The result of `accept`: acknowledge the event only after applying `ops`.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// The event id.
    pub plan_id: String,
    /// What happened.
    pub disposition: Disposition,
    /// Store operations to apply (atomically, in order) before acknowledging: every
    /// queued op, including any not yet polled.
    pub ops: Vec<StoreOp>,
}

/// What can go wrong when talking to the outbox.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum OutboxError {
    /// The plan breaks a plan invariant.
    #[error("plan rejected by the outbox: {0}")]
    InvalidPlan(#[from] PlanError),
    /// The plan lacks an id or a location.
    #[error("plan '{plan}' has an empty {field}")]
    MissingField {
        /// Plan id (may be empty).
        plan: String,
        /// `id` or `locationId`.
        field: &'static str,
    },
    /// A response or failure for a transmit id the outbox did not hand out (or already
    /// settled).
    #[error("no request {id} is in flight (already answered, or from before a restart)")]
    UnknownTransmit {
        /// The transmit id.
        #[serde(rename = "transmitId")]
        id: u64,
    },
    /// A configuration number outside its documented range ([`Config::validate`]).
    #[error("outbox option '{option}' {reason}")]
    InvalidConfig {
        /// The option, as JS spells it (e.g. `maxInFlight`).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `retrigger` of a plan that is not on the dead-letter list.
    #[error("plan '{plan}' is not on the dead-letter list")]
    NotDead {
        /// Plan id.
        plan: String,
    },
    /// `continued` or `continuationFailed` for a plan that is not awaiting its
    /// continuation (already continued, or unknown).
    #[error("plan '{plan}' is not awaiting its continuation")]
    NotAwaiting {
        /// Plan id.
        plan: String,
    },
}

impl Coded for OutboxError {
    fn code(&self) -> &'static str {
        match self {
            OutboxError::InvalidPlan(e) => e.code(),
            OutboxError::MissingField { .. } => "OUTBOX_MISSING_FIELD",
            OutboxError::UnknownTransmit { .. } => "OUTBOX_UNKNOWN_TRANSMIT",
            OutboxError::NotDead { .. } => "OUTBOX_NOT_DEAD",
            OutboxError::NotAwaiting { .. } => "OUTBOX_NOT_AWAITING",
            OutboxError::InvalidConfig { .. } => "OUTBOX_INVALID_CONFIG",
        }
    }
}

/// What an `Outbox` object (the binding) is built from: the client's configuration, the
/// outbox's, the per-request timeout and the seed of the backoff jitter.
#[derive(Debug, Clone, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutboxInit {
    /// The GHL client (location, scopes, base URL).
    pub client: crate::request::ClientConfig,
    /// The outbox's configuration.
    #[serde(default)]
    pub config: Config,
    /// Per-request timeout in ms.
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// Seed of the jitter generator (any number; JS passes a random one).
    #[serde(default)]
    pub seed: f64,
}
