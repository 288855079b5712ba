//! The real sources: intake of what HighLevel, Qwilr and Wishpond actually send.
//!
//! Sans-IO like the rest of the core: the host receives bytes and headers, hands them
//! here with the clock (`now_ms`) and, where a signature is involved, the verdict of its
//! platform's own primitive (`node:crypto` / WebCrypto `verify`); this module decides.
//! Nothing here verifies a signature, reads a clock or opens a socket.
//!
//! - [`ghl_webhook`]: HighLevel webhooks: which signature to verify with which key,
//!   timestamp window, `webhookId` replay store, flat and `data`-wrapped payloads, the
//!   `ContactTagUpdate` tag diff.
//! - [`qwilr`]: Qwilr webhooks (URL secret, `idempotencyKey` dedupe, the page read
//!   that follows, correlation to a GHL contact) and webhook subscriptions.
//! - [`wishpond`]: the leads API poller (cursor, budget, backoff) and the one
//!   normalised lead event.
//! - [`capture`]: the intake side of the page capture script (site key, origin, rate
//!   limit, hostile fields) -> the same lead event as the poller.
//! - [`events`]: each intake's events as flow events (`Flows` runs them).
//! - [`log`]: the bounded intake log every receiver keeps.
//! - [`seen`]: the bounded, expiring replay store every intake shares.
//! - [`keys`]: HighLevel's published public keys.
//! - [`timestamp`]: the one parser of instants webhooks carry.
//!
//! Fuzz-able entry points (plain functions over bytes, never panic):
//! [`ghl_webhook::parse_webhook`], [`ghl_webhook::select_signature`],
//! [`qwilr::parse_webhook`], [`qwilr::parse_page`], [`wishpond::read_api_lead`] and
//! [`capture::parse_capture`].
//!
//! Every refusal is a [`SourceError`] with a stable code and, in its details, the HTTP
//! status the endpoint should answer (`status`).

pub mod capture;
pub mod events;
pub mod ghl_webhook;
pub mod keys;
pub mod log;
pub mod qwilr;
pub mod seen;
pub mod timestamp;
pub mod wishpond;

pub use capture::{CaptureConfig, CaptureIntake, CaptureOutcome, CaptureSite};
pub use events::{flow_event_of, ghl_flow_event, qwilr_flow_event, wishpond_flow_event};
pub use ghl_webhook::{
    GhlContact, GhlEventKind, GhlWebhook, GhlWebhookConfig, GhlWebhookEvent, GhlWebhookOutcome,
    GhlWebhookReceiver, GhlWebhookStep, KnownTags, KnownTagsMemory, KnownTagsOp,
    SignatureAlgorithm, SignatureCheck, SignatureVerdict, TagChange,
};
pub use log::{IntakeLog, IntakeLogEntry};
pub use qwilr::{
    Acceptance, Correlation, QwilrConfig, QwilrDelivery, QwilrEvent, QwilrIntake, QwilrNeed,
    QwilrOutcome, QwilrPage, QwilrSubscription, SubscriptionOp,
};
pub use seen::{SeenKey, SeenSet};
pub use wishpond::{
    PollStep, SkippedLead, WishpondCursor, WishpondLead, WishpondLeadEvent, WishpondPoller,
    WishpondPollerConfig,
};

use crate::codec::ToJson;
use serde_json::json;

use crate::error::Coded;

/// Why an intake refused a delivery, or why its configuration is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum SourceError {
    /// A setting is wrong.
    #[error("source configuration: {field}: {reason}")]
    Config {
        /// The setting.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The body is larger than the intake accepts.
    #[error("webhook body of {size} bytes is larger than the {limit} bytes accepted")]
    BodyTooLarge {
        /// Bytes received.
        size: usize,
        /// Bytes accepted.
        limit: usize,
    },
    /// The body is not what the source sends.
    #[error("webhook body at {at}: {reason}")]
    Malformed {
        /// JSON Pointer of the problem (`""` for the whole body).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// No signature header carries a signature (missing or `N/A`).
    #[error("webhook is unsigned (no X-GHL-Signature or X-WH-Signature value); unsigned deliveries are refused")]
    Unsigned,
    /// The signature header's value is not a base64 signature.
    #[error("webhook signature header {header} is not a base64 signature")]
    SignatureMalformed {
        /// The header.
        header: String,
    },
    /// The signature does not verify with the configured key over the bytes received.
    #[error("webhook signature in {header} ({algorithm}) does not verify over the body received: forged or altered")]
    SignatureInvalid {
        /// The header.
        header: String,
        /// `ed25519` or `rsa-sha256`.
        algorithm: String,
    },
    /// The host verified with another algorithm than the one the core asked for.
    #[error("the host verified with {got} but this delivery needs {expected}")]
    VerdictMismatch {
        /// What the core asked for.
        expected: String,
        /// What the host reported.
        got: String,
    },
    /// The delivery carries no timestamp, so its age cannot be checked.
    #[error("webhook has no timestamp; its age cannot be checked")]
    TimestampMissing,
    /// The delivery is older than the window.
    #[error("webhook is stale: sent {age_ms} ms ago, more than the {max_age_ms} ms accepted")]
    Stale {
        /// Its age.
        age_ms: u64,
        /// The window.
        max_age_ms: u64,
    },
    /// The delivery's timestamp is further in the future than clock skew explains.
    #[error("webhook timestamp is {ahead_ms} ms in the future (more than the {max_skew_ms} ms of clock skew allowed)")]
    FromTheFuture {
        /// How far ahead.
        ahead_ms: u64,
        /// The skew allowed.
        max_skew_ms: u64,
    },
    /// The delivery carries no id to deduplicate on.
    #[error("webhook has no {field}; it cannot be deduplicated")]
    IdMissing {
        /// The field (`webhookId`).
        field: String,
    },
    /// A known tag list was provided that no delivery waits for (an unknown or finished
    /// ticket, or another contact's list): the delivery is not processed.
    #[error("known tags provided under ticket {ticket}: {reason}; nothing was processed")]
    KnownTagsUnexpected {
        /// The ticket given.
        ticket: u32,
        /// What was wrong.
        reason: String,
    },
    /// The secret in the webhook URL is not this endpoint's (nothing is processed).
    #[error("the webhook URL's secret does not match: nothing was processed")]
    SecretMismatch,
    /// A source's event name is not one it sends.
    #[error("{source_name} sends no event named {event:?}: nothing was processed")]
    UnknownEvent {
        /// `qwilr`.
        #[serde(rename = "source")]
        source_name: String,
        /// The name received.
        event: String,
    },
    /// The capture's site key is not configured.
    #[error("unknown capture site key: nothing was processed")]
    UnknownSite,
    /// The page's origin is not among the site key's allowed origins.
    #[error("origin {origin:?} is not allowed for this site key: nothing was processed")]
    OriginRefused {
        /// The origin sent (truncated).
        origin: String,
    },
    /// Too many captures for one site key.
    #[error("too many captures for this site key: at most {limit} per minute")]
    RateLimited {
        /// The limit.
        limit: u32,
    },
    /// The source's API refused the credentials.
    #[error(
        "{source_name} refused the API credentials (HTTP {status}): check the API key or token"
    )]
    BadCredentials {
        /// `qwilr` or `wishpond`.
        #[serde(rename = "source")]
        source_name: String,
        /// The status.
        #[serde(rename = "httpStatus")]
        status: u16,
    },
    /// The source's API answered something unusable; `retry` says whether trying again may help.
    #[error("{source_name} API {what}: HTTP {status}{}", if *retry { " (will be retried)" } else { "" })]
    Api {
        /// `qwilr` or `wishpond`.
        #[serde(rename = "source")]
        source_name: String,
        /// What was being done.
        what: String,
        /// The status (0: the body could not be read).
        #[serde(rename = "httpStatus")]
        status: u16,
        /// True for 429 and 5xx.
        retry: bool,
    },
}

impl SourceError {
    /// The HTTP status an endpoint answers with this refusal.
    pub fn status(&self) -> u16 {
        match self {
            SourceError::Config { .. } | SourceError::VerdictMismatch { .. } => 500,
            SourceError::BodyTooLarge { .. } => 413,
            SourceError::Unsigned
            | SourceError::SignatureMalformed { .. }
            | SourceError::SignatureInvalid { .. } => 401,
            SourceError::Malformed { .. }
            | SourceError::TimestampMissing
            | SourceError::Stale { .. }
            | SourceError::FromTheFuture { .. }
            | SourceError::IdMissing { .. }
            | SourceError::UnknownEvent { .. } => 400,
            // Not 401: an unknown URL reveals nothing about which secrets exist.
            SourceError::SecretMismatch => 404,
            // The sender's retry is processed afresh.
            SourceError::KnownTagsUnexpected { .. } => 503,
            SourceError::UnknownSite | SourceError::OriginRefused { .. } => 403,
            SourceError::RateLimited { .. } => 429,
            SourceError::BadCredentials { .. } => 502,
            SourceError::Api { retry, .. } => {
                if *retry {
                    503
                } else {
                    502
                }
            }
        }
    }
}

impl Coded for SourceError {
    fn code(&self) -> &'static str {
        match self {
            SourceError::Config { .. } => "SOURCE_CONFIG_INVALID",
            SourceError::BodyTooLarge { .. } => "WEBHOOK_BODY_TOO_LARGE",
            SourceError::Malformed { .. } => "WEBHOOK_MALFORMED",
            SourceError::Unsigned => "WEBHOOK_UNSIGNED",
            SourceError::SignatureMalformed { .. } => "WEBHOOK_SIGNATURE_MALFORMED",
            SourceError::SignatureInvalid { .. } => "WEBHOOK_SIGNATURE_INVALID",
            SourceError::VerdictMismatch { .. } => "WEBHOOK_VERDICT_MISMATCH",
            SourceError::TimestampMissing => "WEBHOOK_TIMESTAMP_MISSING",
            SourceError::Stale { .. } => "WEBHOOK_STALE",
            SourceError::FromTheFuture { .. } => "WEBHOOK_TIMESTAMP_FUTURE",
            SourceError::IdMissing { .. } => "WEBHOOK_ID_MISSING",
            SourceError::SecretMismatch => "WEBHOOK_SECRET_MISMATCH",
            SourceError::KnownTagsUnexpected { .. } => "WEBHOOK_KNOWN_TAGS_UNEXPECTED",
            SourceError::UnknownSite => "CAPTURE_UNKNOWN_SITE",
            SourceError::OriginRefused { .. } => "CAPTURE_ORIGIN_REFUSED",
            SourceError::RateLimited { .. } => "CAPTURE_RATE_LIMITED",
            SourceError::UnknownEvent { .. } => "WEBHOOK_UNKNOWN_EVENT",
            SourceError::BadCredentials { .. } => "SOURCE_BAD_CREDENTIALS",
            SourceError::Api { .. } => "SOURCE_API_ERROR",
        }
    }

    /// The derived details plus `status`, the HTTP status an endpoint answers with.
    fn details(&self) -> serde_json::Value {
        let mut d = crate::error::details_of(self);
        d["status"] = json!(self.status());
        d
    }
}
