//! Qwilr webhooks and subscriptions.
//!
//! Qwilr signs nothing (see FACTS). The endpoint is protected by a secret of at least
//! 128 bits in its URL; the host compares it in constant time with its platform
//! primitive and passes the result. A delivery is tiny (`{event, idempotencyKey, page:
//! {id, metadata}}`) and names no person, so every accepted delivery is followed by a
//! page read (`GET /v1/pages/{id}?expand=acceptance,metadata`): a forged call can at
//! most cause a read.
//!
//! Sans-IO steps for one delivery:
//! 1. [`QwilrIntake::receive`] (secret verdict, body bytes): refuses a wrong secret, a
//!    malformed body or an unknown event; acknowledges a repeated `idempotencyKey`;
//!    otherwise answers the page read to send ([`QwilrNeed::ReadPage`]). The key is
//!    held "in flight" (a second delivery meanwhile is a duplicate).
//! 2. [`QwilrIntake::handle_page`] (the response): the event with page, acceptance and
//!    metadata, correlated to a GHL contact, or skipped with a reason a person
//!    understands. Only now is the key remembered as processed; a failed read
//!    ([`QwilrIntake::page_failed`], or a 429/5xx answer) releases it, so Qwilr's retry
//!    (policy unknown) is processed.
//!
//! A host that stores deliveries durably and reads pages later (the runner) calls
//! [`QwilrIntake::check_delivery`] instead of step 1: the same refusals and repeat
//! rule, no page read built and no key held; its store is the durable dedupe.
//!
//! Unknown facts, each kept in one place: the acceptance's shape ([`read_acceptance`]),
//! the subscription body ([`subscription_body`]), the subscription list's shape
//! ([`parse_subscriptions`]). Requests carry no token: the host adds
//! `Authorization: Bearer <token>`.

use crate::codec::{FromJson, ToJson};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::log::{IntakeLog, IntakeLogEntry};
use super::seen::{SeenKey, SeenSet};
use super::SourceError;
use crate::error::ErrorReport;
use crate::http::{HttpRequest, HttpResponse, Method};

/// Every event Qwilr sends (there is no declined event).
pub const QWILR_EVENTS: [&str; 7] = [
    "pageAccepted",
    "pagePartiallyAccepted",
    "pagePreviewAccepted",
    "pageViewed",
    "pageFirstViewed",
    "pageSetLive",
    "pageRevivedLive",
];

const SOURCE: &str = "qwilr";

/// How the intake works.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct QwilrConfig {
    /// The API base (`https://api.qwilr.com/v1`; an emulator's URL in tests).
    pub base_url: String,
    /// Page metadata keys that hold a GHL contact id, tried in order.
    pub contact_id_keys: Vec<String>,
    /// Page metadata keys that hold an email, tried in order (before the acceptance's).
    pub email_keys: Vec<String>,
    /// Most `idempotencyKey`s remembered (10,000).
    pub replay_capacity: usize,
    /// How long a key is remembered (ms; 7 days: Qwilr's retry policy is unknown).
    pub replay_ttl_ms: u64,
    /// Largest delivery accepted (bytes; 64 KiB).
    pub max_body_bytes: usize,
    /// Largest page read accepted (bytes; 2 MiB).
    pub max_page_bytes: usize,
    /// Entries kept in the intake log (100).
    pub log_capacity: usize,
}

impl Default for QwilrConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.qwilr.com/v1".into(),
            contact_id_keys: vec![
                "ghlContactId".into(),
                "ghl_contact_id".into(),
                "contactId".into(),
            ],
            email_keys: vec!["email".into(), "ghlEmail".into(), "contactEmail".into()],
            replay_capacity: 10_000,
            replay_ttl_ms: 7 * 24 * 3600 * 1000,
            max_body_bytes: 64 * 1024,
            max_page_bytes: 2 * 1024 * 1024,
            log_capacity: 100,
        }
    }
}

/// A delivery as Qwilr sends it (after [`parse_webhook`]).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct QwilrWebhook {
    /// One of [`QWILR_EVENTS`].
    pub event: String,
    /// The dedupe key.
    pub idempotency_key: String,
    /// The page id.
    pub page_id: String,
    /// The page's metadata as the delivery carried it (the page read is authoritative).
    pub metadata: Map<String, Value>,
}

fn malformed(at: &str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        at: at.to_string(),
        reason: reason.into(),
    }
}

/// An id that is safe in a URL path: 1-64 of `A-Za-z0-9_-`.
fn is_safe_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Parses a delivery body (a fuzz entry point: any bytes, never panics).
pub fn parse_webhook(body: &[u8], max_body_bytes: usize) -> Result<QwilrWebhook, SourceError> {
    if body.len() > max_body_bytes {
        return Err(SourceError::BodyTooLarge {
            size: body.len(),
            limit: max_body_bytes,
        });
    }
    let v: Value = crate::codec::parse_bytes(body, crate::codec::DEFAULT_DEPTH)
        .map_err(|e| malformed("", format!("not JSON ({})", e.message())))?;
    let Value::Object(mut o) = v else {
        return Err(malformed("", "not a JSON object"));
    };
    let event = match o.get("event") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(malformed("/event", "missing or not a string")),
    };
    if !QWILR_EVENTS.contains(&event.as_str()) {
        return Err(SourceError::UnknownEvent {
            source_name: SOURCE.into(),
            event: event.chars().take(64).collect(),
        });
    }
    let idempotency_key = match o.get("idempotencyKey") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 256 => s.clone(),
        _ => {
            return Err(malformed(
                "/idempotencyKey",
                "missing, blank or longer than 256",
            ))
        }
    };
    let Some(Value::Object(mut page)) = o.remove("page") else {
        return Err(malformed("/page", "missing or not an object"));
    };
    let page_id = match page.get("id") {
        Some(Value::String(s)) if is_safe_id(s) => s.clone(),
        _ => {
            return Err(malformed(
                "/page/id",
                "missing or not a page id (1-64 letters, digits, _ or -)",
            ))
        }
    };
    let metadata = match page.remove("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(malformed("/page/metadata", "not an object")),
    };
    Ok(QwilrWebhook {
        event,
        idempotency_key,
        page_id,
        metadata,
    })
}

/// Who accepted and for how much, as far as the page read says.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Acceptance {
    /// The accepter's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The accepter's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    /// The accepted total, if a number is found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// The acceptance object as read.
    pub raw: Value,
}

fn str_at<'v>(v: &'v Value, paths: &[&str]) -> Option<&'v str> {
    paths.iter().find_map(|p| {
        v.pointer(p)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 1024)
    })
}

/// Reads the page's `acceptance`. **Its shape is unknown** (no published schema): this
/// function is the one place that guesses, trying the shapes integrations suggest
/// (`acceptedBy`/`acceptor`/`signee`/first `signers` entry, or flat fields).
pub fn read_acceptance(acceptance: &Value) -> Option<Acceptance> {
    if !acceptance.is_object() {
        return None;
    }
    let who = ["/acceptedBy", "/acceptor", "/signee", "/signers/0", ""];
    let at = |field: &str| -> Vec<String> { who.iter().map(|w| format!("{w}/{field}")).collect() };
    let email_paths = at("email");
    let name_paths = at("name");
    fn refs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let total = ["/total", "/value", "/amount", "/quote/total"]
        .iter()
        .find_map(|p| acceptance.pointer(p).and_then(Value::as_f64))
        .filter(|t| t.is_finite());
    Some(Acceptance {
        email: str_at(acceptance, &refs(&email_paths)).map(str::to_string),
        name: str_at(acceptance, &refs(&name_paths)).map(str::to_string),
        accepted_at: str_at(
            acceptance,
            &["/acceptedAt", "/date", "/createdAt", "/timestamp"],
        )
        .map(str::to_string),
        total,
        raw: acceptance.clone(),
    })
}

/// A page as the page read returns it.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct QwilrPage {
    /// The page id.
    pub id: String,
    /// Its name, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its status, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Its public link, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Its tags (case-sensitive, as Qwilr keeps them).
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the page's creator stored on it.
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The acceptance, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
}

/// Parses a page read body (a fuzz entry point: any bytes, never panics).
pub fn parse_page(body: &[u8], max_bytes: usize) -> Result<QwilrPage, SourceError> {
    if body.len() > max_bytes {
        return Err(SourceError::BodyTooLarge {
            size: body.len(),
            limit: max_bytes,
        });
    }
    let v: Value = crate::codec::parse_bytes(body, crate::codec::DEFAULT_DEPTH)
        .map_err(|e| malformed("", format!("page read: not JSON ({})", e.message())))?;
    // Some APIs wrap the resource; accept `{page: {...}}` and `{data: {...}}` too.
    let page = ["/page", "/data"]
        .iter()
        .find_map(|p| v.pointer(p).filter(|x| x.is_object()))
        .unwrap_or(&v);
    let Value::Object(o) = page else {
        return Err(malformed("", "page read: not a JSON object"));
    };
    let id = match o.get("id") {
        Some(Value::String(s)) if is_safe_id(s) => s.clone(),
        _ => return Err(malformed("/id", "page read: no page id")),
    };
    let text = |k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(2048).collect())
    };
    let tags = match o.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().or_else(|| t.get("name").and_then(Value::as_str)))
            .take(1000)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    };
    let metadata = match o.get("metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    Ok(QwilrPage {
        id,
        name: text("name"),
        status: text("status"),
        link: text("link").or_else(|| text("url")),
        tags,
        metadata,
        acceptance: o.get("acceptance").and_then(read_acceptance),
    })
}

crate::tagged::tagged_enum! {
    tag = "by", name = "Correlation", rename_all = "camelCase", rename_all_fields = "camelCase";
    /// Which GHL contact an event concerns.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum Correlation {
        /// A GHL contact id stored in the page's metadata.
        ContactId {
            /// The id.
            contact_id: String,
            /// The metadata key it came from.
            key: String,
        },
        /// An email (metadata key, or the acceptance's).
        Email {
            /// The email.
            email: String,
            /// `metadata.<key>` or `acceptance`.
            from: String,
        },
    }
}

fn correlate(page: &QwilrPage, config: &QwilrConfig) -> Result<Correlation, String> {
    let meta_text = |k: &String| {
        page.metadata
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 256)
    };
    for k in &config.contact_id_keys {
        if let Some(id) = meta_text(k) {
            return Ok(Correlation::ContactId {
                contact_id: id.to_string(),
                key: k.clone(),
            });
        }
    }
    let looks_like_email = |s: &str| s.contains('@') && !s.contains(char::is_whitespace);
    for k in &config.email_keys {
        if let Some(e) = meta_text(k).filter(|e| looks_like_email(e)) {
            return Ok(Correlation::Email {
                email: e.to_string(),
                from: format!("metadata.{k}"),
            });
        }
    }
    if let Some(e) = page
        .acceptance
        .as_ref()
        .and_then(|a| a.email.as_deref())
        .filter(|e| looks_like_email(e))
    {
        return Ok(Correlation::Email {
            email: e.to_string(),
            from: "acceptance".into(),
        });
    }
    let keys: Vec<&str> = config
        .contact_id_keys
        .iter()
        .chain(&config.email_keys)
        .map(String::as_str)
        .collect();
    Err(format!(
        "Qwilr page {} names no GHL contact: its metadata has none of {} and it carries no acceptance email; store the GHL contact id or email in the page's metadata when creating it",
        page.id,
        keys.join(", ")
    ))
}

/// The normalised Qwilr event (`qwilr.<event>`), ready for rules and flows.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct QwilrEvent {
    /// `qwilr.pageAccepted`, `qwilr.pageViewed`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The dedupe key (also the event id).
    pub id: String,
    /// The page read.
    pub page: QwilrPage,
    /// The page's acceptance (also on `page`), for rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
    /// The GHL contact it concerns.
    pub contact: Correlation,
}

/// What the host does next with a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "need", rename_all = "camelCase")]
pub enum QwilrNeed {
    /// Send this read, then call `handlePage` with the key and the response.
    #[serde(rename_all = "camelCase")]
    ReadPage {
        /// The delivery's key.
        idempotency_key: String,
        /// The event name.
        event: String,
        /// The request (the host adds the bearer token).
        request: HttpRequest,
    },
    /// Seen (or in flight) already: answer 200, do nothing.
    #[serde(rename_all = "camelCase")]
    Duplicate {
        /// The repeated key.
        idempotency_key: String,
    },
}

/// What a host that stores deliveries does with one ([`QwilrIntake::check_delivery`]).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum QwilrDelivery {
    /// Store it (keyed by `idempotencyKey`); the page is read later, by `receive`.
    #[serde(rename_all = "camelCase")]
    Store {
        /// The delivery's key (the store's dedupe key).
        idempotency_key: String,
        /// The event name.
        event: String,
        /// The page id.
        page_id: String,
    },
    /// Seen (or in flight) already here: answer 200, store nothing.
    #[serde(rename_all = "camelCase")]
    Duplicate {
        /// The repeated key.
        idempotency_key: String,
    },
}

/// The end of a delivery that was not refused.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum QwilrOutcome {
    /// Process it.
    Accepted {
        /// The event.
        event: Box<QwilrEvent>,
    },
    /// Nothing identifies a contact (or the page is gone): nothing to do, with why.
    #[serde(rename_all = "camelCase")]
    Skipped {
        /// The key.
        idempotency_key: String,
        /// A sentence for a person.
        reason: String,
    },
}

/// One Qwilr webhook endpoint.
#[derive(Debug, Clone)]
pub struct QwilrIntake {
    config: QwilrConfig,
    seen: SeenSet,
    in_flight: BTreeMap<String, String>,
    log: IntakeLog,
}

fn check_base_url(url: &str) -> Result<String, SourceError> {
    let u = url.trim_end_matches('/');
    if !(u.starts_with("https://")
        || u.starts_with("http://127.0.0.1")
        || u.starts_with("http://localhost"))
    {
        return Err(SourceError::Config {
            field: "baseUrl".into(),
            reason: "must be https:// (http only on loopback, for emulators)".into(),
        });
    }
    Ok(u.to_string())
}

/// Checks a webhook URL secret has at least 128 bits: 32+ hex digits or 22+ characters
/// of base64url (`A-Za-z0-9_-`). One rule, used by the intake and the subscription helper.
pub fn check_secret(secret: &str) -> Result<(), SourceError> {
    let b = secret.as_bytes();
    let hex = b.iter().all(u8::is_ascii_hexdigit);
    let b64url = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-');
    let bits = if hex {
        b.len() * 4
    } else if b64url {
        b.len() * 6
    } else {
        0
    };
    if bits < 128 || b.len() > 256 {
        return Err(SourceError::Config {
            field: "secret".into(),
            reason: "needs at least 128 random bits: 32+ hex digits or 22+ base64url characters"
                .into(),
        });
    }
    Ok(())
}

impl QwilrIntake {
    /// An intake; `secret` is checked for strength only (the host keeps and compares it).
    pub fn new(config: QwilrConfig, secret: &str) -> Result<Self, SourceError> {
        check_secret(secret)?;
        let base = check_base_url(&config.base_url)?;
        let config = QwilrConfig {
            base_url: base,
            ..config
        };
        Ok(Self {
            seen: SeenSet::new(config.replay_capacity, config.replay_ttl_ms),
            in_flight: BTreeMap::new(),
            log: IntakeLog::new(config.log_capacity),
            config,
        })
    }

    /// Step 1: the secret verdict and the delivery -> the page read, or a duplicate.
    pub fn receive(
        &mut self,
        secret_matches: bool,
        body: &[u8],
        now_ms: u64,
    ) -> Result<QwilrNeed, SourceError> {
        let r = self
            .admit(secret_matches, body, now_ms)
            .map(|(hook, repeat)| {
                let key = hook.idempotency_key;
                if repeat {
                    return QwilrNeed::Duplicate {
                        idempotency_key: key,
                    };
                }
                self.in_flight.insert(key.clone(), hook.event.clone());
                QwilrNeed::ReadPage {
                    request: page_request(&self.config.base_url, &hook.page_id),
                    idempotency_key: key,
                    event: hook.event,
                }
            });
        self.record_admission(
            now_ms,
            match &r {
                Ok(QwilrNeed::ReadPage {
                    idempotency_key,
                    event,
                    ..
                }) => Ok(("reading", idempotency_key, Some(event))),
                Ok(QwilrNeed::Duplicate { idempotency_key }) => {
                    Ok(("duplicate", idempotency_key, None))
                }
                Err(e) => Err(e),
            },
        );
        r
    }

    /// Step 1 for a host that stores the delivery and reads the page later: the secret
    /// verdict and the body -> store it, or a duplicate. The same refusals and repeat
    /// rule as [`Self::receive`], recorded in the log alike, but no page read is built
    /// and no key is held in flight: the host's durable store deduplicates, so a
    /// delivery whose storing failed is taken again on the sender's retry.
    pub fn check_delivery(
        &mut self,
        secret_matches: bool,
        body: &[u8],
        now_ms: u64,
    ) -> Result<QwilrDelivery, SourceError> {
        let r = self
            .admit(secret_matches, body, now_ms)
            .map(|(hook, repeat)| {
                if repeat {
                    QwilrDelivery::Duplicate {
                        idempotency_key: hook.idempotency_key,
                    }
                } else {
                    QwilrDelivery::Store {
                        idempotency_key: hook.idempotency_key,
                        event: hook.event,
                        page_id: hook.page_id,
                    }
                }
            });
        self.record_admission(
            now_ms,
            match &r {
                Ok(QwilrDelivery::Store {
                    idempotency_key,
                    event,
                    ..
                }) => Ok(("accepted", idempotency_key, Some(event))),
                Ok(QwilrDelivery::Duplicate { idempotency_key }) => {
                    Ok(("duplicate", idempotency_key, None))
                }
                Err(e) => Err(e),
            },
        );
        r
    }

    /// Step 1's refusals and repeat rule, once: the delivery, and whether its key was
    /// processed or is in flight here.
    fn admit(
        &self,
        secret_matches: bool,
        body: &[u8],
        now_ms: u64,
    ) -> Result<(QwilrWebhook, bool), SourceError> {
        if !secret_matches {
            return Err(SourceError::SecretMismatch);
        }
        let hook = parse_webhook(body, self.config.max_body_bytes)?;
        let key = &hook.idempotency_key;
        let repeat = self.seen.contains(key, now_ms) || self.in_flight.contains_key(key);
        Ok((hook, repeat))
    }

    /// Logs a step 1: (outcome, key, event) or the refusal.
    fn record_admission(
        &mut self,
        now_ms: u64,
        r: Result<(&str, &String, Option<&String>), &SourceError>,
    ) {
        let entry = match r {
            Ok((outcome, key, event)) => IntakeLogEntry {
                at_ms: now_ms,
                outcome: outcome.into(),
                status: 200,
                id: Some(key.clone()),
                event: event.cloned(),
                error: None,
            },
            Err(e) => IntakeLogEntry::refused(now_ms, e),
        };
        self.record(entry);
    }

    /// Step 2: the page read's response -> the event, or skipped; a 429/5xx releases
    /// the key (the delivery can be retried) and is an error with `retry: true`.
    pub fn handle_page(
        &mut self,
        idempotency_key: &str,
        response: &HttpResponse,
        now_ms: u64,
    ) -> Result<QwilrOutcome, SourceError> {
        let Some(event) = self.in_flight.remove(idempotency_key) else {
            return Err(malformed(
                "",
                format!("no page read is in flight for {idempotency_key:?}"),
            ));
        };
        let r = self.page_outcome(idempotency_key, &event, response, now_ms);
        let entry = match &r {
            Ok(QwilrOutcome::Accepted { .. }) => ("accepted", 200, None),
            Ok(QwilrOutcome::Skipped { reason, .. }) => (
                "skipped",
                200,
                Some(ErrorReport {
                    code: "WEBHOOK_SKIPPED".into(),
                    message: reason.clone(),
                    details: json!({}),
                }),
            ),
            Err(e) => ("refused", e.status(), Some(ErrorReport::of(e))),
        };
        self.record(IntakeLogEntry {
            at_ms: now_ms,
            outcome: entry.0.into(),
            status: entry.1,
            id: Some(idempotency_key.to_string()),
            event: Some(event),
            error: entry.2,
        });
        r
    }

    fn page_outcome(
        &mut self,
        key: &str,
        event: &str,
        response: &HttpResponse,
        now_ms: u64,
    ) -> Result<QwilrOutcome, SourceError> {
        let status = response.status;
        let api = |retry| SourceError::Api {
            source_name: SOURCE.into(),
            what: "page read".into(),
            status,
            retry,
        };
        match status {
            200..=299 => {}
            401 | 403 => {
                return Err(SourceError::BadCredentials {
                    source_name: SOURCE.into(),
                    status,
                })
            }
            404 | 410 => {
                self.seen.insert(key, now_ms);
                return Ok(QwilrOutcome::Skipped {
                    idempotency_key: key.into(),
                    reason: format!(
                        "the Qwilr page of this {event} no longer exists (HTTP {status})"
                    ),
                });
            }
            429 | 500..=599 => return Err(api(true)),
            _ => return Err(api(false)),
        }
        let page = parse_page(response.body.as_bytes(), self.config.max_page_bytes)?;
        // Processed from here on, whatever the correlation says.
        self.seen.insert(key, now_ms);
        match correlate(&page, &self.config) {
            Ok(contact) => Ok(QwilrOutcome::Accepted {
                event: Box::new(QwilrEvent {
                    kind: format!("qwilr.{event}"),
                    id: key.into(),
                    acceptance: page.acceptance.clone(),
                    page,
                    contact,
                }),
            }),
            Err(reason) => Ok(QwilrOutcome::Skipped {
                idempotency_key: key.into(),
                reason,
            }),
        }
    }

    /// The page read could not be sent: releases the key so a retry is processed.
    pub fn page_failed(&mut self, idempotency_key: &str) {
        self.in_flight.remove(idempotency_key);
    }

    /// The processed keys (to persist).
    pub fn seen_keys(&self, now_ms: u64) -> Vec<SeenKey> {
        self.seen.snapshot(now_ms)
    }

    /// Puts persisted keys back.
    pub fn restore_seen_keys(&mut self, keys: &[SeenKey], now_ms: u64) {
        self.seen.restore(keys, now_ms);
    }

    /// The intake log, oldest first.
    pub fn log(&self) -> impl Iterator<Item = &IntakeLogEntry> {
        self.log.iter()
    }

    fn record(&mut self, entry: IntakeLogEntry) {
        self.log.record(entry);
    }
}

fn json_headers(with_body: bool) -> crate::http::Headers {
    let mut h = crate::http::Headers::new();
    h.insert("Accept".into(), "application/json".into());
    if with_body {
        h.insert("Content-Type".into(), "application/json".into());
    }
    h
}

/// `GET /pages/{id}?expand=acceptance,metadata` (the id is checked URL-safe before).
pub fn page_request(base_url: &str, page_id: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: format!("{base_url}/pages/{page_id}?expand=acceptance,metadata"),
        headers: json_headers(false),
        body: None,
    }
}

/// The subscription body. **Uncertain** (integrations send `targetUrl`, some `url`): the
/// one place to change it.
pub fn subscription_body(event: &str, target_url: &str) -> Value {
    json!({ "event": event, "targetUrl": target_url })
}

/// A webhook subscription as listed.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct QwilrSubscription {
    /// Its id (for delete).
    pub id: String,
    /// The event.
    pub event: String,
    /// Where Qwilr posts.
    pub target_url: String,
}

crate::tagged::tagged_enum! {
    tag = "op", name = "SubscriptionOp", rename_all = "camelCase", rename_all_fields = "camelCase";
    /// The three subscription requests.
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum SubscriptionOp {
        /// Subscribe `targetUrl` to `event`.
        Create {
            /// One of the seven events.
            event: String,
            /// The endpoint URL (holds the secret).
            target_url: String,
        },
        /// List the subscriptions.
        List,
        /// Cancel one.
        Delete {
            /// Its id.
            id: String,
        },
    }
}

/// The request of a subscription operation.
pub fn subscription_request(
    base_url: &str,
    op: &SubscriptionOp,
) -> Result<HttpRequest, SourceError> {
    let base = check_base_url(base_url)?;
    Ok(match op {
        SubscriptionOp::Create { event, target_url } => {
            if !QWILR_EVENTS.contains(&event.as_str()) {
                return Err(SourceError::UnknownEvent {
                    source_name: SOURCE.into(),
                    event: event.clone(),
                });
            }
            if !target_url.starts_with("https://") && !target_url.starts_with("http://127.0.0.1") {
                return Err(SourceError::Config {
                    field: "targetUrl".into(),
                    reason: "must be https:// (http only on loopback)".into(),
                });
            }
            HttpRequest {
                method: Method::Post,
                url: format!("{base}/webhooks"),
                headers: json_headers(true),
                body: Some(subscription_body(event, target_url).to_string()),
            }
        }
        SubscriptionOp::List => HttpRequest {
            method: Method::Get,
            url: format!("{base}/webhooks"),
            headers: json_headers(false),
            body: None,
        },
        SubscriptionOp::Delete { id } => {
            if !is_safe_id(id) {
                return Err(malformed("/id", "not a subscription id"));
            }
            HttpRequest {
                method: Method::Delete,
                url: format!("{base}/webhooks/{id}"),
                headers: json_headers(false),
                body: None,
            }
        }
    })
}

/// Reads a subscription list (or one created subscription). **Shape uncertain**: a bare
/// array, or under `data` / `webhooks` / `items`; `targetUrl` or `url`. One place.
pub fn parse_subscriptions(response: &HttpResponse) -> Result<Vec<QwilrSubscription>, SourceError> {
    match response.status {
        200..=299 => {}
        401 | 403 => {
            return Err(SourceError::BadCredentials {
                source_name: SOURCE.into(),
                status: response.status,
            })
        }
        s => {
            return Err(SourceError::Api {
                source_name: SOURCE.into(),
                what: "webhook subscriptions".into(),
                status: s,
                retry: s == 429 || s >= 500,
            })
        }
    }
    if response.body.trim().is_empty() {
        return Ok(vec![]);
    }
    let v: Value = crate::codec::parse(&response.body, crate::codec::DEFAULT_DEPTH)
        .map_err(|e| malformed("", format!("subscriptions: not JSON ({})", e.message())))?;
    let items: Vec<&Value> = match ["/data", "/webhooks", "/items"]
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_array))
        .or_else(|| v.as_array())
    {
        Some(a) => a.iter().collect(),
        None if v.is_object() => vec![&v],
        None => vec![],
    };
    let mut ids = crate::sorted::SortedSet::new();
    Ok(items
        .into_iter()
        .filter_map(|s| {
            let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
            Some(QwilrSubscription {
                id: text("id")?,
                event: text("event").unwrap_or_default(),
                target_url: text("targetUrl")
                    .or_else(|| text("url"))
                    .unwrap_or_default(),
            })
        })
        .filter(|s| ids.insert(s.id.clone()))
        .collect())
}
