//! The event envelope every flow starts from, the event kinds, and [`FlowError`].
//!
//! Envelope (JSON, camelCase):
//! ```json
//! { "type": "wishpond.contact.created", "id": "evt_7f3a9c21",
//!   "locationId": "ve9EPM428h8vShlRW1KT", "occurredAt": "2026-03-05T14:22:10Z",
//!   "payload": { ... } }
//! ```
//! - `type` (required): one of [`EventKind::ALL`]'s names.
//! - `id` (required, not blank): the idempotency key; it becomes the plan id.
//! - `locationId` (optional): the GHL location; defaults to the flows' location.
//! - `occurredAt` (optional): as the source sent it, informational.
//! - `payload` (required, a JSON object): the source's body; its shape per kind is
//!   documented on [`EventKind`].
//!
//! Invariant: every problem with an event is a [`FlowError`] naming the event id and
//! type and saying what is wrong, never a panic.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Coded;

/// One incoming event (see the module doc for the envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "FlowEvent"))]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Event type, e.g. `wishpond.contact.created`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Event id: the idempotency key and the plan id.
    pub id: String,
    /// GHL location; the flows' location when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// When it happened, as the source sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    /// The source's body (a JSON object).
    #[serde(default)]
    pub payload: Value,
}

/// The events the flows understand, and the payload each expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `wishpond.contact.created`: a Wishpond lead webhook body (rules source `wishpond`).
    WishpondContactCreated,
    /// `wishpond.contact.updated`: same payload as created.
    WishpondContactUpdated,
    /// `wishpond.tag.created`: `{tag: "name" | {id?, name}, records?: [object]}`; the
    /// records carry tags at the enrichment path.
    WishpondTagCreated,
    /// `wishpond.tag.updated`: same payload as created.
    WishpondTagUpdated,
    /// `qwilr.page.viewed`: a Qwilr webhook body (rules source `qwilr`).
    QwilrPageViewed,
    /// `qwilr.page.accepted`: a Qwilr webhook body.
    QwilrPageAccepted,
    /// `qwilr.project.tagged`: a Qwilr webhook body.
    QwilrProjectTagged,
    /// `qwilr.social-post.location.new` / `.updated`: `{post: object}` or
    /// `{posts: [object]}`; posts carry tag ids (or names) at the enrichment path.
    QwilrSocialPostLocation,
    /// `qwilr.tag.details.updated`: `{tagIds: [string]}` (or `{tags: [{id}]}`).
    QwilrTagDetailsUpdated,
    /// `statistics.requested`: `{trigger?: "dashboard" | "schedule", profileIds?,
    /// platforms?, hostMetrics?: [HostPoint], title?, utcOffsetMinutes?}`.
    StatisticsRequested,
    /// `tags.validation.requested`: `{references?: [{value, source}], maxLen?}`.
    TagValidationRequested,
}

impl EventKind {
    /// Every kind with its name(s); the first name is canonical.
    pub const ALL: &'static [(&'static str, EventKind)] = &[
        (
            "wishpond.contact.created",
            EventKind::WishpondContactCreated,
        ),
        (
            "wishpond.contact.updated",
            EventKind::WishpondContactUpdated,
        ),
        ("wishpond.tag.created", EventKind::WishpondTagCreated),
        ("wishpond.tag.updated", EventKind::WishpondTagUpdated),
        ("qwilr.page.viewed", EventKind::QwilrPageViewed),
        ("qwilr.page.accepted", EventKind::QwilrPageAccepted),
        ("qwilr.project.tagged", EventKind::QwilrProjectTagged),
        (
            "qwilr.social-post.location.updated",
            EventKind::QwilrSocialPostLocation,
        ),
        (
            "qwilr.social-post.location.new",
            EventKind::QwilrSocialPostLocation,
        ),
        (
            "qwilr.tag.details.updated",
            EventKind::QwilrTagDetailsUpdated,
        ),
        ("statistics.requested", EventKind::StatisticsRequested),
        (
            "tags.validation.requested",
            EventKind::TagValidationRequested,
        ),
    ];

    /// The kind of an event type name (exact, lower-case).
    pub fn parse(name: &str) -> Option<EventKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The flow name the plan carries (e.g. `wishpond.contact`).
    pub fn flow(self) -> &'static str {
        match self {
            EventKind::WishpondContactCreated | EventKind::WishpondContactUpdated => {
                "wishpond.contact"
            }
            EventKind::WishpondTagCreated | EventKind::WishpondTagUpdated => "wishpond.tag",
            EventKind::QwilrPageViewed
            | EventKind::QwilrPageAccepted
            | EventKind::QwilrProjectTagged => "qwilr.contact",
            EventKind::QwilrSocialPostLocation => "qwilr.social-post",
            EventKind::QwilrTagDetailsUpdated => "qwilr.tag-details",
            EventKind::StatisticsRequested => "statistics",
            EventKind::TagValidationRequested => "tags.validation",
        }
    }

    /// The rules source a contact event is mapped with (`wishpond`, `qwilr`).
    pub fn rules_source(self) -> Option<&'static str> {
        match self {
            EventKind::WishpondContactCreated | EventKind::WishpondContactUpdated => {
                Some("wishpond")
            }
            EventKind::QwilrPageViewed
            | EventKind::QwilrPageAccepted
            | EventKind::QwilrProjectTagged => Some("qwilr"),
            _ => None,
        }
    }
}

/// Everything that can go wrong planning or finishing a flow.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum FlowError {
    /// The event type is not one the flows know.
    #[error("event '{event_id}': unknown event type '{event_type}' (known: {known})")]
    UnknownEvent {
        /// Event id.
        event_id: String,
        /// The type as received.
        event_type: String,
        /// The known types, comma-separated.
        #[serde(skip)]
        known: String,
    },
    /// The event or its payload lacks something or has the wrong shape.
    #[error("event '{event_id}' ({event_type}): {problem}")]
    MalformedEvent {
        /// Event id (may be empty when that is the problem).
        event_id: String,
        /// Event type.
        event_type: String,
        /// What is wrong, and where.
        problem: String,
    },
    /// No mapping rules are configured for the event's source.
    #[error("event '{event_id}' ({event_type}): no mapping rules for source '{source_name}'")]
    NoRules {
        /// Event id.
        event_id: String,
        /// Event type.
        event_type: String,
        /// The rules source (`wishpond`, `qwilr`).
        #[serde(rename = "source")]
        source_name: String,
    },
    /// Applying the rules failed, or they produced nothing GHL can match a contact by.
    #[error("event '{event_id}' ({event_type}): mapping failed: {problem}")]
    Mapping {
        /// Event id.
        event_id: String,
        /// Event type.
        event_type: String,
        /// Stable code of the underlying error (e.g. `RULES_LIMIT_EXCEEDED`, `NO_MATCH_KEY`).
        cause: String,
        /// What went wrong.
        #[serde(skip)]
        problem: String,
    },
    /// A step's response could not be used when finishing the flow.
    #[error("event '{event_id}' ({event_type}), step '{step}': {problem}")]
    BadResponse {
        /// Event id.
        event_id: String,
        /// Event type.
        event_type: String,
        /// Step id.
        step: String,
        /// Stable code of the underlying error, when there is one.
        cause: String,
        /// What went wrong.
        #[serde(skip)]
        problem: String,
    },
}

impl FlowError {
    /// A malformed-event error for this event.
    pub(crate) fn malformed(event: &Event, problem: impl Into<String>) -> Self {
        FlowError::MalformedEvent {
            event_id: event.id.clone(),
            event_type: event.kind.clone(),
            problem: problem.into(),
        }
    }
}

impl Coded for FlowError {
    fn code(&self) -> &'static str {
        match self {
            FlowError::UnknownEvent { .. } => "FLOW_UNKNOWN_EVENT",
            FlowError::MalformedEvent { .. } => "FLOW_MALFORMED_EVENT",
            FlowError::NoRules { .. } => "FLOW_NO_RULES",
            FlowError::Mapping { .. } => "FLOW_MAPPING_FAILED",
            FlowError::BadResponse { .. } => "FLOW_BAD_RESPONSE",
        }
    }
}

/// Checks the envelope: a known type, a non-blank id, an object payload.
pub fn parse_event(event: &Event) -> Result<EventKind, FlowError> {
    if event.id.trim().is_empty() {
        return Err(FlowError::malformed(event, "the event id is blank"));
    }
    let Some(kind) = EventKind::parse(event.kind.trim()) else {
        return Err(FlowError::UnknownEvent {
            event_id: event.id.clone(),
            event_type: event.kind.clone(),
            known: EventKind::ALL
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    if !event.payload.is_object() {
        return Err(FlowError::malformed(
            event,
            format!(
                "the payload must be a JSON object, not {}",
                kind_of(&event.payload)
            ),
        ));
    }
    if let Some(l) = &event.location_id {
        if l.trim().is_empty() {
            return Err(FlowError::malformed(event, "locationId is blank"));
        }
    }
    Ok(kind)
}

/// The JSON kind of a value, for messages.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
