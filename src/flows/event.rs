//! The event envelope every flow starts from, the event kinds, and [`FlowError`].
//!
//! Envelope (JSON, camelCase):
//! ```json
//! { "type": "wishpond.lead.created", "id": "evt_7f3a9c21",
//!   "locationId": "ve9EPM428h8vShlRW1KT", "occurredAt": "2026-03-05T14:22:10Z",
//!   "payload": { ... } }
//! ```
//! - `type` (required): one of [`EventKind::ALL`]'s names.
//! - `id` (required, not blank): the idempotency key; it becomes the plan id.
//! - `locationId` (optional): the GHL location; defaults to the flows' location. A
//!   connection (token) is bound to its location: an event naming another location is
//!   refused ([`FlowError::ForeignLocation`]) unless the host configured a connection
//!   for that location ([`event_location`] decides, in one place).
//! - `occurredAt` (optional): as the source sent it, informational.
//! - `payload` (required, a JSON object): the source's body; its shape per kind is
//!   documented on [`EventKind`].
//!
//! Parse once, at the edge: [`parse_event`] turns an [`Event`] into a [`ParsedEvent`]
//! (the kind and a typed [`EventBody`]) and reports every problem with it there; the
//! planner takes the typed value and never reads the raw payload again. A new event
//! kind is added here: its name in [`EventKind::ALL`], its body in [`EventBody`], its
//! parsing in [`parse_event`].
//!
//! Invariant: every problem with an event is a [`FlowError`] naming the event id and
//! type and saying what is wrong, never a panic.

use crate::codec::{DecodeError, FromJson, ToJson};
use crate::sorted::SortedSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Coded;
use crate::stats::{HostPoint, Platform};
use crate::tags::TagReference;

/// One incoming event (see the module doc for the envelope).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "FlowEvent"))]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Event type, e.g. `wishpond.lead.created`.
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
    /// `wishpond.lead.created`: the normalised Wishpond lead event
    /// ([`crate::sources::WishpondLeadEvent`]: `{lead: {id?, email?,
    /// dynamic_attributes}, arrived: "api" | "page", page?, utm}`), polled or captured;
    /// mapped by the rules of source `wishpond`.
    WishpondLeadCreated,
    /// `wishpond.lead.updated`: same payload (a polled lead whose fields changed).
    WishpondLeadUpdated,
    /// `wishpond.tag.created`: `{tag: "name" | {id?, name}, records?: [object]}`; the
    /// records carry tags at the enrichment path (a host-defined event).
    WishpondTagCreated,
    /// `wishpond.tag.updated`: same payload as created.
    WishpondTagUpdated,
    /// `qwilr.pageAccepted`, `qwilr.pagePartiallyAccepted`, `qwilr.pagePreviewAccepted`,
    /// `qwilr.pageViewed`, `qwilr.pageFirstViewed`, `qwilr.pageSetLive`,
    /// `qwilr.pageRevivedLive`: the normalised Qwilr event after the page read
    /// ([`crate::sources::QwilrEvent`]: `{type, id, page, acceptance?, contact}`);
    /// mapped by the rules of source `qwilr` (they route on `type`).
    QwilrPage,
    /// `qwilr.social-post.location.new` / `.updated`: `{post: object}` or
    /// `{posts: [object]}`; posts carry tag ids (or names) at the enrichment path.
    QwilrSocialPostLocation,
    /// `qwilr.tag.details.updated`: `{tagIds: [string]}` (or `{tags: [{id}]}`).
    QwilrTagDetailsUpdated,
    /// `ghl.contact.tags.updated`: a verified GHL `ContactTagUpdate`, diffed
    /// (`{contact: {id, email?, ...}, tags, added, removed, previousKnown}`); mapped by
    /// the rules of source `ghl` when the host configured them (else reported only).
    GhlContactTagsUpdated,
    /// `ghl.app.installed` / `ghl.app.uninstalled`: GHL's `INSTALL` / `UNINSTALL`
    /// (`{companyId?, locationId?}`); nothing is sent, the host stores or drops the
    /// connection.
    GhlApp,
    /// `statistics.requested`: `{trigger?: "dashboard" | "schedule", profileIds?,
    /// platforms?, hostMetrics?: [HostPoint], title?, utcOffsetMinutes?}`.
    StatisticsRequested,
    /// `tags.validation.requested`: `{references?: [{value, source}], maxLen?}`.
    TagValidationRequested,
}

impl EventKind {
    /// Every kind with its name(s); the first name is canonical.
    pub const ALL: &'static [(&'static str, EventKind)] = &[
        ("wishpond.lead.created", EventKind::WishpondLeadCreated),
        ("wishpond.lead.updated", EventKind::WishpondLeadUpdated),
        ("wishpond.tag.created", EventKind::WishpondTagCreated),
        ("wishpond.tag.updated", EventKind::WishpondTagUpdated),
        ("qwilr.pageAccepted", EventKind::QwilrPage),
        ("qwilr.pagePartiallyAccepted", EventKind::QwilrPage),
        ("qwilr.pagePreviewAccepted", EventKind::QwilrPage),
        ("qwilr.pageViewed", EventKind::QwilrPage),
        ("qwilr.pageFirstViewed", EventKind::QwilrPage),
        ("qwilr.pageSetLive", EventKind::QwilrPage),
        ("qwilr.pageRevivedLive", EventKind::QwilrPage),
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
        ("ghl.contact.tags.updated", EventKind::GhlContactTagsUpdated),
        ("ghl.app.installed", EventKind::GhlApp),
        ("ghl.app.uninstalled", EventKind::GhlApp),
        ("statistics.requested", EventKind::StatisticsRequested),
        (
            "tags.validation.requested",
            EventKind::TagValidationRequested,
        ),
    ];

    /// The kind of an event type name (exact).
    pub fn parse(name: &str) -> Option<EventKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// The flow name the plan carries (e.g. `wishpond.lead`).
    pub fn flow(self) -> &'static str {
        match self {
            EventKind::WishpondLeadCreated | EventKind::WishpondLeadUpdated => "wishpond.lead",
            EventKind::WishpondTagCreated | EventKind::WishpondTagUpdated => "wishpond.tag",
            EventKind::QwilrPage => "qwilr.page",
            EventKind::QwilrSocialPostLocation => "qwilr.social-post",
            EventKind::QwilrTagDetailsUpdated => "qwilr.tag-details",
            EventKind::GhlContactTagsUpdated => "ghl.contact-tags",
            EventKind::GhlApp => "ghl.app",
            EventKind::StatisticsRequested => "statistics",
            EventKind::TagValidationRequested => "tags.validation",
        }
    }

    /// The rules source an event is mapped with (`wishpond`, `qwilr`, `ghl`).
    pub fn rules_source(self) -> Option<&'static str> {
        match self {
            EventKind::WishpondLeadCreated | EventKind::WishpondLeadUpdated => Some("wishpond"),
            EventKind::QwilrPage => Some("qwilr"),
            EventKind::GhlContactTagsUpdated => Some("ghl"),
            _ => None,
        }
    }
}

/// Everything that can go wrong planning or finishing a flow.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, ToJson)]
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
    /// The event names a location this connection is not bound to and the host
    /// configured no connection for.
    #[error("event '{event_id}' ({event_type}): location '{location}' is not this connection's location '{expected}' and no connection is configured for it; refused, nothing is sent")]
    ForeignLocation {
        /// Event id.
        event_id: String,
        /// Event type.
        event_type: String,
        /// The location the event names.
        location: String,
        /// The connection's location.
        expected: String,
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
    /// GHL refused a request by contact id (HTTP 404 or 400): the contact the event
    /// names by id does not exist (or the id is not one). Nothing was created.
    #[error("event '{event_id}' ({event_type}), step '{step}': GHL refused the contact id '{contact_id}' (HTTP {status}: no such contact in this location, or not a contact id); the event names its contact by this id (a Qwilr page's metadata), so nothing was created: correct the id where it is stored")]
    ContactNotFound {
        /// Event id.
        event_id: String,
        /// Event type.
        event_type: String,
        /// Step id.
        step: String,
        /// The contact id GHL refused.
        contact_id: String,
        /// GHL's status (404 or 400).
        status: u16,
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

/// An event whose envelope and payload were checked: what the planner takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    /// The event id, as received (its [`crate::plan::dedupe_key`] is the plan id).
    pub id: String,
    /// The event type, as received.
    pub event_type: String,
    /// The kind.
    pub kind: EventKind,
    /// The location the event names, if any (trimmed; see [`event_location`]).
    pub location_id: Option<String>,
    /// When it happened, as the source sent it.
    pub occurred_at: Option<String>,
    /// The payload, typed per kind.
    pub body: EventBody,
}

/// The payload of each kind of event, typed (the shapes are documented on [`EventKind`]).
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A contact event: the source's body, mapped by the rules of `kind.rules_source()`.
    Contact {
        /// The webhook body (a JSON object).
        payload: Value,
        /// The GHL contact id the event names, when its intake correlated one (a Qwilr
        /// page's metadata: `contact: {by: "contactId", contactId}`); which identity
        /// wins is [`crate::flows::planner`]'s `contact_target`.
        contact_id: Option<String>,
    },
    /// A GHL `ContactTagUpdate`, diffed by the webhook receiver.
    ContactTags {
        /// The GHL contact id.
        contact_id: String,
        /// The whole list the event carries.
        tags: Vec<String>,
        /// Tags the last known list lacked.
        added: Vec<String>,
        /// Tags of the last known list the list lacks.
        removed: Vec<String>,
        /// The payload, for the rules of source `ghl`.
        payload: Value,
    },
    /// The app was installed in (or uninstalled from) a location or company.
    App {
        /// True for `ghl.app.installed`.
        installed: bool,
        /// `companyId`, if sent.
        company_id: Option<String>,
        /// `locationId`, if sent.
        location_id: Option<String>,
    },
    /// A Wishpond tag event: the tag to resolve and the records to enrich.
    Tag {
        /// The tag's id or name (trimmed, not blank).
        subject: String,
        /// The records (objects).
        records: Vec<Value>,
    },
    /// A Qwilr social-post event: the posts to enrich (at least one).
    SocialPosts {
        /// The posts (objects).
        records: Vec<Value>,
    },
    /// Tag details changed: the ids (trimmed, at least one).
    TagDetails {
        /// The changed tag ids.
        tag_ids: Vec<String>,
    },
    /// Statistics are asked for; `None` fields take the configuration's defaults.
    Statistics(StatisticsPayload),
    /// A tag validation report is asked for.
    TagValidation {
        /// The references to check.
        references: Vec<TagReference>,
        /// The longest acceptable name, when the event sets it.
        max_len: Option<usize>,
    },
}

/// The payload of `statistics.requested`, typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatisticsPayload {
    /// `dashboard` (default) or `schedule`.
    pub trigger: Option<String>,
    /// Platforms to ask for.
    pub platforms: Option<Vec<Platform>>,
    /// Host metrics to merge.
    pub host_metrics: Vec<HostPoint>,
    /// Report title.
    pub title: Option<String>,
    /// Local time minus UTC, in minutes (-1080..=1080).
    pub utc_offset_minutes: Option<i32>,
    /// Profile ids to ask for (else the cached ones, else the accounts are read).
    pub profile_ids: Option<Vec<String>>,
}

impl Coded for FlowError {
    fn code(&self) -> &'static str {
        match self {
            FlowError::UnknownEvent { .. } => "FLOW_UNKNOWN_EVENT",
            FlowError::MalformedEvent { .. } => "FLOW_MALFORMED_EVENT",
            FlowError::NoRules { .. } => "FLOW_NO_RULES",
            FlowError::Mapping { .. } => "FLOW_MAPPING_FAILED",
            FlowError::ForeignLocation { .. } => "FLOW_FOREIGN_LOCATION",
            FlowError::BadResponse { .. } => "FLOW_BAD_RESPONSE",
            FlowError::ContactNotFound { .. } => "FLOW_CONTACT_NOT_FOUND",
        }
    }
}

/// Checks the envelope (a known type, a non-blank id, an object payload) and parses
/// the payload of its kind (the location is checked by [`event_location`]).
pub fn parse_event(event: &Event) -> Result<ParsedEvent, FlowError> {
    let kind = parse_kind(event)?;
    let body = match kind {
        EventKind::WishpondLeadCreated | EventKind::WishpondLeadUpdated => {
            object_at(event, "lead")?;
            EventBody::Contact {
                payload: event.payload.clone(),
                contact_id: None,
            }
        }
        EventKind::QwilrPage => {
            object_at(event, "page")?;
            EventBody::Contact {
                payload: event.payload.clone(),
                contact_id: correlated_contact_id(event)?,
            }
        }
        EventKind::GhlContactTagsUpdated => contact_tags(event)?,
        EventKind::GhlApp => EventBody::App {
            installed: event.kind.trim() == "ghl.app.installed",
            company_id: text_at(event, "companyId")?,
            location_id: text_at(event, "locationId")?,
        },
        EventKind::WishpondTagCreated | EventKind::WishpondTagUpdated => EventBody::Tag {
            subject: tag_subject(event)?,
            records: records_at(event, "records")?,
        },
        EventKind::QwilrSocialPostLocation => {
            let mut records = records_at(event, "posts")?;
            if let Some(post) = event.payload.get("post") {
                if !post.is_object() {
                    return Err(FlowError::malformed(
                        event,
                        format!("payload.post must be an object, not {}", kind_of(post)),
                    ));
                }
                records.insert(0, post.clone());
            }
            if records.is_empty() {
                return Err(FlowError::malformed(
                    event,
                    "payload needs `post` (an object) or `posts` (a non-empty array)",
                ));
            }
            EventBody::SocialPosts { records }
        }
        EventKind::QwilrTagDetailsUpdated => EventBody::TagDetails {
            tag_ids: tag_ids(event)?,
        },
        EventKind::StatisticsRequested => EventBody::Statistics(statistics(event)?),
        EventKind::TagValidationRequested => tag_validation(event)?,
    };
    Ok(ParsedEvent {
        id: event.id.clone(),
        event_type: event.kind.clone(),
        kind,
        location_id: event.location_id.as_deref().map(|l| l.trim().to_string()),
        occurred_at: event.occurred_at.clone(),
        body,
    })
}

impl ParsedEvent {
    /// The event as received (for a stage that plans it again).
    pub fn to_event(&self) -> Event {
        Event {
            kind: self.event_type.clone(),
            id: self.id.clone(),
            location_id: self.location_id.clone(),
            occurred_at: self.occurred_at.clone(),
            payload: match &self.body {
                EventBody::Contact { payload, .. } | EventBody::ContactTags { payload, .. } => {
                    payload.clone()
                }
                _ => Value::Object(Default::default()),
            },
        }
    }

    /// A malformed-event error for this event.
    pub(crate) fn malformed(&self, problem: impl Into<String>) -> FlowError {
        FlowError::MalformedEvent {
            event_id: self.id.clone(),
            event_type: self.event_type.clone(),
            problem: problem.into(),
        }
    }
}

fn parse_kind(event: &Event) -> Result<EventKind, FlowError> {
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
    Ok(kind)
}

/// The object at `payload.<key>` (required).
fn object_at<'e>(event: &'e Event, key: &str) -> Result<&'e Map<String, Value>, FlowError> {
    match event.payload.get(key) {
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(FlowError::malformed(
            event,
            format!("payload.{key} must be an object, not {}", kind_of(other)),
        )),
        None => Err(FlowError::malformed(
            event,
            format!("payload.{key} is missing"),
        )),
    }
}

/// The optional text at `payload.<key>` (trimmed; blank is absent).
fn text_at(event: &Event, key: &str) -> Result<Option<String>, FlowError> {
    match event.payload.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(other) => Err(FlowError::malformed(
            event,
            format!("payload.{key} must be a string, not {}", kind_of(other)),
        )),
    }
}

/// The strings of the array at `payload.<key>` (absent: empty).
fn strings_at(event: &Event, key: &str) -> Result<Vec<String>, FlowError> {
    match event.payload.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                FlowError::malformed(event, format!("payload.{key} must hold only strings"))
            }),
        Some(other) => Err(FlowError::malformed(
            event,
            format!(
                "payload.{key} must be an array of strings, not {}",
                kind_of(other)
            ),
        )),
    }
}

/// The GHL contact id of a Qwilr event correlated by id (`contact.by == "contactId"`);
/// `None` for any other correlation. A blank or non-text id is malformed.
fn correlated_contact_id(event: &Event) -> Result<Option<String>, FlowError> {
    let Some(c) = event.payload.get("contact") else {
        return Ok(None);
    };
    if c.get("by").and_then(Value::as_str) != Some("contactId") {
        return Ok(None);
    }
    match c.get("contactId").and_then(Value::as_str).map(str::trim) {
        Some(id) if !id.is_empty() && id.len() <= 256 => Ok(Some(id.to_string())),
        _ => Err(FlowError::malformed(
            event,
            "contact.contactId must be a non-blank text of at most 256 characters when contact.by is \"contactId\"",
        )),
    }
}

fn contact_tags(event: &Event) -> Result<EventBody, FlowError> {
    let contact = object_at(event, "contact")?;
    let contact_id = contact
        .get("id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FlowError::malformed(event, "payload.contact.id is missing or blank"))?
        .to_string();
    Ok(EventBody::ContactTags {
        contact_id,
        tags: strings_at(event, "tags")?,
        added: strings_at(event, "added")?,
        removed: strings_at(event, "removed")?,
        payload: event.payload.clone(),
    })
}

fn tag_subject(event: &Event) -> Result<String, FlowError> {
    match event.payload.get("tag") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::Object(m)) => ["id", "_id", "name", "tag"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| FlowError::malformed(event, "payload.tag has no id or name")),
        Some(other) => Err(FlowError::malformed(
            event,
            format!(
                "payload.tag must be a name or an object, not {}",
                kind_of(other)
            ),
        )),
        None => Err(FlowError::malformed(event, "payload.tag is missing")),
    }
}

/// The objects of an optional array at `payload.<key>`.
fn records_at(event: &Event, key: &str) -> Result<Vec<Value>, FlowError> {
    match event.payload.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            if let Some((i, bad)) = items.iter().enumerate().find(|(_, r)| !r.is_object()) {
                return Err(FlowError::malformed(
                    event,
                    format!("payload.{key}[{i}] must be an object, not {}", kind_of(bad)),
                ));
            }
            Ok(items.clone())
        }
        Some(other) => Err(FlowError::malformed(
            event,
            format!("payload.{key} must be an array, not {}", kind_of(other)),
        )),
    }
}

fn tag_ids(event: &Event) -> Result<Vec<String>, FlowError> {
    let p = &event.payload;
    let ids: Vec<String> = match (p.get("tagIds"), p.get("tags")) {
        (Some(Value::Array(a)), _) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        (None, Some(Value::Array(a))) => a
            .iter()
            .filter_map(|t| t.get("id").or_else(|| t.get("_id")).and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let ids: Vec<String> = ids
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(FlowError::malformed(
            event,
            "payload needs `tagIds` (a non-empty array of tag ids)",
        ));
    }
    Ok(ids)
}

fn statistics(event: &Event) -> Result<StatisticsPayload, FlowError> {
    let p = &event.payload;
    let field = |k: &str| p.get(k).filter(|v| !v.is_null());
    let strings = |k: &str| -> Result<Option<Vec<String>>, FlowError> {
        match field(k) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| {
                    FlowError::malformed(event, format!("payload.{k} must be an array of strings"))
                }),
            Some(other) => Err(FlowError::malformed(
                event,
                format!(
                    "payload.{k} must be an array of strings, not {}",
                    kind_of(other)
                ),
            )),
        }
    };
    let platforms = match strings("platforms")? {
        Some(names) => Some(
            names
                .iter()
                .map(|n| {
                    Platform::parse(n).ok_or_else(|| {
                        FlowError::malformed(
                            event,
                            format!("payload.platforms: unknown platform '{n}'"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let host_metrics: Vec<HostPoint> = match field("hostMetrics") {
        None => Vec::new(),
        Some(v) => FromJson::from_json(v.clone()).map_err(|e: DecodeError| {
            FlowError::malformed(event, format!("payload.hostMetrics: {}", e.message()))
        })?,
    };
    let trigger = match field("trigger") {
        None => None,
        Some(Value::String(s)) if s == "dashboard" || s == "schedule" => Some(s.clone()),
        Some(other) => {
            return Err(FlowError::malformed(
                event,
                format!("payload.trigger must be \"dashboard\" or \"schedule\", not {other}"),
            ))
        }
    };
    let title = match field("title") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let utc_offset_minutes = match field("utcOffsetMinutes").map(Value::as_i64) {
        Some(Some(m)) if (-1080..=1080).contains(&m) => Some(m as i32),
        Some(_) => {
            return Err(FlowError::malformed(
                event,
                "payload.utcOffsetMinutes must be a whole number of minutes in -1080..=1080",
            ))
        }
        None => None,
    };
    Ok(StatisticsPayload {
        trigger,
        platforms,
        host_metrics,
        title,
        utc_offset_minutes,
        profile_ids: strings("profileIds")?,
    })
}

fn tag_validation(event: &Event) -> Result<EventBody, FlowError> {
    let references: Vec<TagReference> = match event.payload.get("references") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => FromJson::from_json(v.clone()).map_err(|e: DecodeError| {
            FlowError::malformed(event, format!("payload.references: {}", e.message()))
        })?,
    };
    let max_len = match event.payload.get("maxLen") {
        None => None,
        Some(m) => Some(m.as_u64().filter(|m| *m > 0).ok_or_else(|| {
            FlowError::malformed(event, "payload.maxLen must be a positive whole number")
        })? as usize),
    };
    Ok(EventBody::TagValidation {
        references,
        max_len,
    })
}

/// The location an event is planned for: the one it names, else `default`. A named
/// location other than `default` must be one of `connections` (locations the host
/// configured a connection for), else [`FlowError::ForeignLocation`]. Compared trimmed.
pub fn event_location(
    event: &ParsedEvent,
    default: &str,
    connections: &SortedSet<String>,
) -> Result<String, FlowError> {
    let default = default.trim();
    match event.location_id.as_deref() {
        Some("") => Err(event.malformed("locationId is blank")),
        None if default.is_empty() => {
            Err(event.malformed("no locationId in the event and no default location"))
        }
        None => Ok(default.to_string()),
        Some(l) if l == default || connections.contains(l) => Ok(l.to_string()),
        Some(l) => Err(FlowError::ForeignLocation {
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            location: l.to_string(),
            expected: default.to_string(),
        }),
    }
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
