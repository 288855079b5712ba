//! HighLevel webhooks: the verification policy and the typed events.
//!
//! One delivery goes through two or three calls, with the host's crypto and one store
//! read in between:
//! 1. [`GhlWebhookReceiver::signature_check`] (headers, body size) says what to verify:
//!    `X-GHL-Signature` (Ed25519) when it carries a value, else `X-WH-Signature`
//!    (RSA-SHA256, PKCS#1 v1.5), with which key (SPKI, base64 DER). A missing header or
//!    `N/A` means unsigned: refused unless `allowUnsigned` (tests only) is set.
//! 2. The host verifies the signature over **the bytes it received** with its platform
//!    primitive and calls [`GhlWebhookReceiver::receive`] with those bytes and the
//!    verdict. The receiver checks the verdict matches step 1, parses the body (flat or
//!    `data`-wrapped), refuses a missing or stale `timestamp` (default window 5 minutes,
//!    1 minute of clock skew ahead), acknowledges a repeated `webhookId` without
//!    processing it again, and types the event. A contact event that carries tags
//!    (`ContactTagUpdate`, or `ContactCreate` / `ContactUpdate` with `tags`) is not
//!    decided yet: the step is [`GhlWebhookStep::NeedKnownTags`] (a ticket and the
//!    contact id).
//! 3. The host reads that one contact's stored [`KnownTags`] (one key) and calls
//!    [`GhlWebhookReceiver::provide_known_tags`] with it (or `None`), or
//!    [`GhlWebhookReceiver::abandon`] when the read failed (then it answers 503 and the
//!    sender retries). The outcome carries the tag diff and the [`KnownTagsOp`] to store
//!    once the delivery is durable (never before: a delivery that was not stored must
//!    diff against the old list on its retry).
//!
//! The receiver keeps no tag list: each diff is made against the list the host read for
//! that delivery, so several processes behind one address diff against the same store
//! and memory does not grow with the contacts seen. It holds only the deliveries waiting
//! for their list (`maxWaiting`, 1,000; the longest waiting is dropped first and its
//! provide refused). No cache either: a cached list could only be trusted after a read
//! showed no newer one was stored, which is the read it would save. [`KnownTagsMemory`] is the in-memory store for a host with one
//! process ([`GhlWebhookReceiver::receive_in_memory`] drives the steps over it).
//!
//! Which list wins, by webhook `timestamp` (GHL's clock, the only order all processes
//! share): a `ContactTagUpdate` older than the stored list changes nothing
//! (`outOfOrder`, nothing to store); otherwise it is diffed against the stored list and
//! its list is stored (a tie goes to the event). A `ContactCreate` / `ContactUpdate`
//! with tags stores its list unless the stored one is newer; `ContactDelete` deletes it.
//!
//! Two processes taking two updates of one contact at about the same time (U1 at t1,
//! U2 at t2 > t1, stored list S): if both read S before either stores, U2 is diffed
//! against S instead of U1's list, and a tag U1 added and U2 removed again is never
//! reported as removed. The core cannot prevent that; the host serialises the steps per
//! contact (read, decide, store the intake item, store the list): the runner holds a
//! per-contact lease in its store from the read until the list is written, so U2 reads
//! U1's list. Whichever order the two are serialised in, the stored list ends as the one
//! with the newer timestamp (U2 first: U1 is then out of order and stores nothing).
//!
//! Invariants:
//! - Nothing is processed before the signature verdict is known; a refusal leaves the
//!   replay store unchanged and asks for nothing.
//! - A `webhookId` is remembered for the window plus the skew (beyond that the timestamp
//!   check refuses the delivery anyway), in a bounded store ([`SeenSet`]), from the
//!   moment its outcome is decided (after step 3 when there is one).
//! - Every delivery, refused or not, is recorded in a bounded log ([`IntakeLogEntry`]);
//!   one that never got its list as `unfinished` (503).

use crate::codec::{FromJson, ToJson};
use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::keys::{is_base64, spki_base64, GHL_ED25519_PUBLIC_KEY_PEM, GHL_RSA_PUBLIC_KEY_PEM};
use super::log::{IntakeLog, IntakeLogEntry};
use super::seen::{SeenKey, SeenSet};
use super::timestamp::json_instant_ms;
use super::SourceError;
use crate::error::ErrorReport;

/// The current signature header (Ed25519).
pub const GHL_SIGNATURE_HEADER: &str = "x-ghl-signature";
/// The legacy signature header (RSA-SHA256), being retired by HighLevel in 2026.
pub const WH_SIGNATURE_HEADER: &str = "x-wh-signature";

/// How the receiver checks deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct GhlWebhookConfig {
    /// SPKI PEM of the Ed25519 key for `X-GHL-Signature` (HighLevel's published key).
    pub ed25519_public_key_pem: String,
    /// SPKI PEM of the RSA key for `X-WH-Signature` (HighLevel's published key).
    pub rsa_public_key_pem: String,
    /// Oldest delivery accepted, by its `timestamp` (ms; 5 minutes).
    pub max_age_ms: u64,
    /// How far in the future a `timestamp` may be (clock skew, ms; 1 minute).
    pub max_future_skew_ms: u64,
    /// Accept unsigned deliveries. For tests against an emulator only; never in production.
    pub allow_unsigned: bool,
    /// Most `webhookId`s remembered (the oldest go first; 10,000).
    pub replay_capacity: usize,
    /// Most deliveries waiting for their contact's known tag list at once (1,000).
    pub max_waiting: usize,
    /// Largest body accepted (bytes; 256 KiB).
    pub max_body_bytes: usize,
    /// Most tags one contact may carry in a delivery (1,000).
    pub max_tags: usize,
    /// Entries kept in the intake log (100).
    pub log_capacity: usize,
}

impl Default for GhlWebhookConfig {
    fn default() -> Self {
        Self {
            ed25519_public_key_pem: GHL_ED25519_PUBLIC_KEY_PEM.to_string(),
            rsa_public_key_pem: GHL_RSA_PUBLIC_KEY_PEM.to_string(),
            max_age_ms: 5 * 60 * 1000,
            max_future_skew_ms: 60 * 1000,
            allow_unsigned: false,
            replay_capacity: 10_000,
            max_waiting: 1_000,
            max_body_bytes: 256 * 1024,
            max_tags: 1_000,
            log_capacity: 100,
        }
    }
}

/// A signature algorithm the host's platform provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum SignatureAlgorithm {
    /// Ed25519 (`X-GHL-Signature`); WebCrypto `{name: "Ed25519"}`.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`X-WH-Signature`).
    #[serde(rename = "rsa-sha256")]
    RsaSha256,
    /// No signature (only with `allowUnsigned`).
    #[serde(rename = "none")]
    None,
}

impl SignatureAlgorithm {
    fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::RsaSha256 => "rsa-sha256",
            SignatureAlgorithm::None => "none",
        }
    }
}

/// What the host must verify before calling [`GhlWebhookReceiver::receive`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignatureCheck {
    /// The algorithm (`none`: nothing to verify).
    pub algorithm: SignatureAlgorithm,
    /// The header the signature came from (lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The signature, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The public key, SPKI DER in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spki: Option<String>,
}

/// The host's verification result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignatureVerdict {
    /// The algorithm the host verified with (must be the one asked for).
    pub algorithm: SignatureAlgorithm,
    /// True when the signature verified over the bytes received.
    pub valid: bool,
}

/// The webhook events the bridge uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GhlEventKind {
    /// A contact was created.
    ContactCreate,
    /// A contact was updated.
    ContactUpdate,
    /// A contact was deleted.
    ContactDelete,
    /// A contact's tags changed (the payload has the whole list).
    ContactTagUpdate,
    /// The app was installed (default webhook URL only).
    #[serde(rename = "INSTALL")]
    Install,
    /// The app was uninstalled (default webhook URL only).
    #[serde(rename = "UNINSTALL")]
    Uninstall,
}

impl GhlEventKind {
    /// The kind of a `type` value, if the bridge uses it.
    pub fn from_type(t: &str) -> Option<Self> {
        Some(match t {
            "ContactCreate" => Self::ContactCreate,
            "ContactUpdate" => Self::ContactUpdate,
            "ContactDelete" => Self::ContactDelete,
            "ContactTagUpdate" => Self::ContactTagUpdate,
            "INSTALL" => Self::Install,
            "UNINSTALL" => Self::Uninstall,
            _ => return None,
        })
    }

    fn is_contact(self) -> bool {
        matches!(
            self,
            Self::ContactCreate
                | Self::ContactUpdate
                | Self::ContactDelete
                | Self::ContactTagUpdate
        )
    }
}

/// A parsed delivery, before the policy (see [`parse_webhook`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GhlWebhook {
    /// `type` as sent.
    pub type_name: String,
    /// `webhookId`, if any.
    pub webhook_id: Option<String>,
    /// `timestamp` in ms since the epoch, if any.
    pub timestamp_ms: Option<i64>,
    /// `locationId`, if any.
    pub location_id: Option<String>,
    /// `companyId`, if any.
    pub company_id: Option<String>,
    /// The event's fields: `data` when the payload is wrapped, else the body.
    pub fields: Map<String, Value>,
}

/// A contact as a contact event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GhlContact {
    /// The contact id.
    pub id: String,
    /// Email, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// First name, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The contact's tags, when the event carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// What a `ContactTagUpdate` changed, against the last list known for the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagChange {
    /// The whole list the event carries.
    pub tags: Vec<String>,
    /// Tags in the list that the last known list lacked.
    pub added: Vec<String>,
    /// Tags of the last known list that the list lacks.
    pub removed: Vec<String>,
    /// False when no earlier list was known (then every tag counts as added).
    pub previous_known: bool,
    /// True when a newer list was already known: nothing changes.
    pub out_of_order: bool,
}

/// A verified, fresh, first-seen delivery of an event the bridge uses.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GhlWebhookEvent {
    /// The event.
    pub kind: GhlEventKind,
    /// `webhookId`.
    pub webhook_id: String,
    /// `timestamp` (ms since the epoch).
    pub timestamp_ms: i64,
    /// `locationId`, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// `companyId`, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// The contact (contact events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<GhlContact>,
    /// The tag diff (`ContactTagUpdate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_change: Option<TagChange>,
    /// Every field as received (`data` unwrapped).
    pub fields: Value,
}

/// What became of a delivery that was not refused (the endpoint answers 200).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum GhlWebhookOutcome {
    /// New: process it.
    #[serde(rename_all = "camelCase")]
    Accepted {
        /// The event.
        event: Box<GhlWebhookEvent>,
        /// What to write to the contact's known tag list once the delivery is durable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        known_tags: Option<KnownTagsOp>,
    },
    /// Seen before: acknowledged, not processed again.
    #[serde(rename_all = "camelCase")]
    Duplicate {
        /// The repeated id.
        webhook_id: String,
    },
    /// Verified but not an event the bridge uses.
    #[serde(rename_all = "camelCase")]
    Ignored {
        /// Its `type`.
        type_name: String,
        /// Why.
        reason: String,
    },
}

/// Headers as the host has them (names in any case).
pub type Headers = BTreeMap<String, String>;

fn header<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// A header value that carries a signature (not empty, not `N/A`).
fn signature_value<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    header(headers, name).filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("n/a"))
}

/// Which signature a delivery must pass, from its headers alone (a fuzz entry point:
/// any header map, never panics). `keys` are the SPKI base64 bodies (Ed25519, RSA).
pub fn select_signature(
    headers: &Headers,
    keys: (&str, &str),
    allow_unsigned: bool,
) -> Result<SignatureCheck, SourceError> {
    let pick = [
        (GHL_SIGNATURE_HEADER, SignatureAlgorithm::Ed25519, keys.0),
        (WH_SIGNATURE_HEADER, SignatureAlgorithm::RsaSha256, keys.1),
    ];
    for (name, algorithm, spki) in pick {
        if let Some(sig) = signature_value(headers, name) {
            if sig.len() > 2048 || !is_base64(sig) {
                return Err(SourceError::SignatureMalformed {
                    header: name.to_string(),
                });
            }
            return Ok(SignatureCheck {
                algorithm,
                header: Some(name.to_string()),
                signature: Some(sig.to_string()),
                spki: Some(spki.to_string()),
            });
        }
    }
    if allow_unsigned {
        Ok(SignatureCheck {
            algorithm: SignatureAlgorithm::None,
            header: None,
            signature: None,
            spki: None,
        })
    } else {
        Err(SourceError::Unsigned)
    }
}

fn malformed(at: &str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        at: at.to_string(),
        reason: reason.into(),
    }
}

/// Parses a delivery body (a fuzz entry point: any bytes, never panics). Accepts the
/// flat shape (`{type, locationId, id, ...}`) and the wrapped one (`{type, ..., data:
/// {...}}`); envelope fields are read from the top level first, then from `data`.
pub fn parse_webhook(body: &[u8], max_body_bytes: usize) -> Result<GhlWebhook, SourceError> {
    if body.len() > max_body_bytes {
        return Err(SourceError::BodyTooLarge {
            size: body.len(),
            limit: max_body_bytes,
        });
    }
    let value: Value = crate::codec::parse_bytes(body, crate::codec::DEFAULT_DEPTH)
        .map_err(|e| malformed("", format!("not JSON ({})", e.message())))?;
    let Value::Object(mut top) = value else {
        return Err(malformed("", "not a JSON object"));
    };
    let data = match top.remove("data") {
        Some(Value::Object(d)) => Some(d),
        Some(other) if top.contains_key("type") && !other.is_null() => {
            return Err(malformed("/data", "not an object"));
        }
        _ => None,
    };
    let envelope = |key: &str| -> Option<&Value> {
        top.get(key)
            .filter(|v| !v.is_null())
            .or_else(|| data.as_ref()?.get(key).filter(|v| !v.is_null()))
    };
    let text = |key: &str| -> Result<Option<String>, SourceError> {
        match envelope(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.len() <= 256 => Ok(Some(s.clone())),
            Some(Value::String(_)) => {
                Err(malformed(&format!("/{key}"), "longer than 256 characters"))
            }
            Some(_) => Err(malformed(&format!("/{key}"), "not a string")),
        }
    };
    let type_name = text("type")?.ok_or_else(|| malformed("/type", "missing"))?;
    let webhook_id = text("webhookId")?;
    let location_id = text("locationId")?;
    let company_id = text("companyId")?;
    let timestamp_ms =
        match envelope("timestamp") {
            None => None,
            Some(v) => Some(json_instant_ms(v).ok_or_else(|| {
                malformed("/timestamp", "not an RFC 3339 date-time or epoch number")
            })?),
        };
    let fields = match data {
        Some(d) => d,
        None => top,
    };
    Ok(GhlWebhook {
        type_name,
        webhook_id,
        timestamp_ms,
        location_id,
        company_id,
        fields,
    })
}

/// The contact a contact event carries; every field it reads is type-checked.
fn contact_of(fields: &Map<String, Value>, max_tags: usize) -> Result<GhlContact, SourceError> {
    let opt_text = |key: &str| -> Result<Option<String>, SourceError> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() <= 1024 => Ok(Some(s.clone())),
            Some(Value::String(_)) => {
                Err(malformed(&format!("/{key}"), "longer than 1024 characters"))
            }
            Some(_) => Err(malformed(&format!("/{key}"), "not a string")),
        }
    };
    let id = match fields.get("id").or_else(|| fields.get("contactId")) {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 256 => s.clone(),
        _ => {
            return Err(malformed(
                "/id",
                "a contact event needs the contact id (a string)",
            ))
        }
    };
    let tags = match fields.get("tags") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            if a.len() > max_tags {
                return Err(malformed("/tags", format!("more than {max_tags} tags")));
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, t) in a.iter().enumerate() {
                match t {
                    Value::String(s) if s.len() <= 1024 => out.push(s.clone()),
                    _ => {
                        return Err(malformed(
                            &format!("/tags/{i}"),
                            "not a tag name (a string of at most 1024 characters)",
                        ))
                    }
                }
            }
            Some(out)
        }
        Some(_) => return Err(malformed("/tags", "not an array")),
    };
    Ok(GhlContact {
        id,
        email: opt_text("email")?,
        phone: opt_text("phone")?,
        first_name: opt_text("firstName")?,
        last_name: opt_text("lastName")?,
        tags,
    })
}

/// A contact's last known tag list, as a host stores it (one record per contact, keyed
/// by its id), so a later `ContactTagUpdate` diffs against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct KnownTags {
    /// The GHL contact id.
    pub contact_id: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// When this list was current (the delivery's `timestamp`, ms since the epoch).
    pub at_ms: i64,
}

/// What the host writes to its known lists once the delivery is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum KnownTagsOp {
    /// Store `list` under its contact (it is at least as new as the list provided).
    Put {
        /// The list.
        list: KnownTags,
    },
    /// Delete the contact's list (`ContactDelete`).
    #[serde(rename_all = "camelCase")]
    Delete {
        /// The contact.
        contact_id: String,
    },
}

impl KnownTagsOp {
    /// The contact the operation is about.
    pub fn contact_id(&self) -> &str {
        match self {
            KnownTagsOp::Put { list } => &list.contact_id,
            KnownTagsOp::Delete { contact_id } => contact_id,
        }
    }
}

/// One step of [`GhlWebhookReceiver::receive`]: done, or the one record it needs.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum GhlWebhookStep {
    /// The delivery is decided.
    Done {
        /// What became of it.
        outcome: GhlWebhookOutcome,
    },
    /// Read the contact's stored list (one key) and hand it to
    /// [`GhlWebhookReceiver::provide_known_tags`] with `ticket` (or
    /// [`GhlWebhookReceiver::abandon`] it when the read failed).
    #[serde(rename_all = "camelCase")]
    NeedKnownTags {
        /// Names this delivery in the next call.
        ticket: u32,
        /// Whose list to read.
        contact_id: String,
    },
}

/// A delivery waiting for its contact's known list.
#[derive(Debug, Clone)]
struct Pending {
    ticket: u32,
    event: GhlWebhookEvent,
    at_ms: u64,
}

/// One endpoint's receiver: configuration, replay store, deliveries waiting for their
/// known list, and log. It keeps no tag list of its own.
#[derive(Debug, Clone)]
pub struct GhlWebhookReceiver {
    config: GhlWebhookConfig,
    keys: (String, String),
    seen: SeenSet,
    pending: VecDeque<Pending>,
    next_ticket: u32,
    log: IntakeLog,
}

impl GhlWebhookReceiver {
    /// A receiver; the keys must be SPKI PEMs.
    pub fn new(config: GhlWebhookConfig) -> Result<Self, SourceError> {
        let ed = spki_base64(&config.ed25519_public_key_pem, "ed25519PublicKeyPem")?;
        let rsa = spki_base64(&config.rsa_public_key_pem, "rsaPublicKeyPem")?;
        if config.max_age_ms == 0 {
            return Err(SourceError::Config {
                field: "maxAgeMs".into(),
                reason: "must be above 0".into(),
            });
        }
        let ttl = config.max_age_ms.saturating_add(config.max_future_skew_ms);
        Ok(Self {
            seen: SeenSet::new(config.replay_capacity, ttl),
            pending: VecDeque::new(),
            next_ticket: 0,
            log: IntakeLog::new(config.log_capacity),
            keys: (ed, rsa),
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &GhlWebhookConfig {
        &self.config
    }

    /// Step 1: what the host must verify (see the module doc). Refuses oversized bodies
    /// and unsigned deliveries before any crypto runs; a refusal is recorded in the log.
    pub fn signature_check(
        &mut self,
        headers: &Headers,
        body_len: usize,
        now_ms: u64,
    ) -> Result<SignatureCheck, SourceError> {
        let check = self.required_signature(headers, body_len);
        if let Err(e) = &check {
            self.record(IntakeLogEntry::refused(now_ms, e));
        }
        check
    }

    fn required_signature(
        &self,
        headers: &Headers,
        body_len: usize,
    ) -> Result<SignatureCheck, SourceError> {
        if body_len > self.config.max_body_bytes {
            return Err(SourceError::BodyTooLarge {
                size: body_len,
                limit: self.config.max_body_bytes,
            });
        }
        select_signature(
            headers,
            (&self.keys.0, &self.keys.1),
            self.config.allow_unsigned,
        )
    }

    /// Step 2: the bytes received and the host's verdict -> the outcome or the refusal
    /// (both recorded in the log), or the contact's known list to read first (then
    /// [`Self::provide_known_tags`] decides and records).
    pub fn receive(
        &mut self,
        headers: &Headers,
        body: &[u8],
        verdict: SignatureVerdict,
        now_ms: u64,
    ) -> Result<GhlWebhookStep, SourceError> {
        let mut seen_id = None;
        let mut seen_type = None;
        let result = self.decide(headers, body, verdict, now_ms, &mut seen_id, &mut seen_type);
        let result = match result {
            Ok(Decided::Needs(event)) => return Ok(self.wait(*event, now_ms)),
            Ok(Decided::Outcome(out)) => Ok(out),
            Err(e) => Err(e),
        };
        self.record_result(&result, now_ms, seen_id, seen_type);
        result.map(|outcome| GhlWebhookStep::Done { outcome })
    }

    /// Step 3 (after [`GhlWebhookStep::NeedKnownTags`]): the contact's stored list
    /// (`None`: none stored) -> the outcome, recorded in the log. The outcome says what
    /// to store once the delivery is durable ([`GhlWebhookOutcome::Accepted`]'s
    /// `known_tags`). A delivery whose `webhookId` was taken meanwhile is a duplicate.
    pub fn provide_known_tags(
        &mut self,
        ticket: u32,
        stored: Option<KnownTags>,
        now_ms: u64,
    ) -> Result<GhlWebhookOutcome, SourceError> {
        let Some(Pending { mut event, .. }) = self.take(ticket) else {
            return Err(SourceError::KnownTagsUnexpected {
                ticket,
                reason: "no delivery waits under this ticket (it finished, was abandoned, or the receiver was reset)".into(),
            });
        };
        let contact_id = event
            .contact
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default();
        if let Some(k) = stored.as_ref().filter(|k| k.contact_id != contact_id) {
            let e = SourceError::KnownTagsUnexpected {
                ticket,
                reason: format!(
                    "the list of contact {} was provided for contact {contact_id}",
                    k.contact_id
                ),
            };
            let r = Err(e);
            self.record_result(
                &r,
                now_ms,
                Some(event.webhook_id),
                Some(kind_name(event.kind)),
            );
            return r;
        }
        let id = event.webhook_id.clone();
        let kind = kind_name(event.kind);
        let result = if self.seen.contains(&id, now_ms) {
            Ok(GhlWebhookOutcome::Duplicate {
                webhook_id: id.clone(),
            })
        } else {
            self.seen.insert(&id, now_ms);
            let known_tags = self.settle_tags(&mut event, stored);
            Ok(GhlWebhookOutcome::Accepted {
                event: Box::new(event),
                known_tags,
            })
        };
        self.record_result(&result, now_ms, Some(id), Some(kind));
        result
    }

    /// The host could not read the list a delivery waits for: the delivery is dropped
    /// (recorded as `unfinished`, 503), so the sender's retry is processed afresh.
    pub fn abandon(&mut self, ticket: u32, now_ms: u64) {
        if let Some(p) = self.take(ticket) {
            self.unfinished(p, now_ms);
        }
    }

    fn take(&mut self, ticket: u32) -> Option<Pending> {
        let at = self.pending.iter().position(|p| p.ticket == ticket)?;
        self.pending.remove(at)
    }

    fn unfinished(&mut self, p: Pending, at_ms: u64) {
        self.record(IntakeLogEntry {
            at_ms,
            outcome: "unfinished".into(),
            status: 503,
            id: Some(p.event.webhook_id),
            event: Some(kind_name(p.event.kind)),
            error: None,
        });
    }

    /// How many deliveries wait for their known list.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    fn wait(&mut self, event: GhlWebhookEvent, now_ms: u64) -> GhlWebhookStep {
        self.next_ticket = self.next_ticket.wrapping_add(1);
        let ticket = self.next_ticket;
        let contact_id = event
            .contact
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default();
        self.pending.push_back(Pending {
            ticket,
            event,
            at_ms: now_ms,
        });
        // Bounded: the longest waiting goes first (its provide is then refused, typed).
        while self.pending.len() > self.config.max_waiting.max(1) {
            if let Some(p) = self.pending.pop_front() {
                let at = p.at_ms;
                self.unfinished(p, at);
            }
        }
        GhlWebhookStep::NeedKnownTags { ticket, contact_id }
    }

    /// The tag diff and what to store, from the event and the stored list: the newer
    /// list by webhook `timestamp` wins (a tie goes to the event).
    fn settle_tags(
        &self,
        event: &mut GhlWebhookEvent,
        stored: Option<KnownTags>,
    ) -> Option<KnownTagsOp> {
        let contact = event.contact.as_ref()?;
        let ts = event.timestamp_ms;
        let newer_stored = stored.as_ref().is_some_and(|k| k.at_ms > ts);
        let put = |tags: &[String]| KnownTagsOp::Put {
            list: KnownTags {
                contact_id: contact.id.clone(),
                tags: tags.to_vec(),
                at_ms: ts,
            },
        };
        match event.kind {
            GhlEventKind::ContactTagUpdate => {
                let tags = contact.tags.clone().unwrap_or_default();
                if newer_stored {
                    event.tag_change = Some(TagChange {
                        tags,
                        added: vec![],
                        removed: vec![],
                        previous_known: true,
                        out_of_order: true,
                    });
                    return None;
                }
                let previous_known = stored.is_some();
                let previous = stored.map(|k| k.tags).unwrap_or_default();
                // The tags module's diff: desired = the new list, unwanted = the old one.
                let d = crate::tags::diff(&tags, &previous, &previous);
                let op = put(&tags);
                event.tag_change = Some(TagChange {
                    tags,
                    added: d.add,
                    removed: d.remove,
                    previous_known,
                    out_of_order: false,
                });
                Some(op)
            }
            _ => match &contact.tags {
                Some(tags) if !newer_stored => Some(put(tags)),
                _ => None,
            },
        }
    }

    fn record_result(
        &mut self,
        result: &Result<GhlWebhookOutcome, SourceError>,
        now_ms: u64,
        id: Option<String>,
        event: Option<String>,
    ) {
        let (outcome, status, error) = match result {
            Ok(GhlWebhookOutcome::Accepted { .. }) => ("accepted", 200, None),
            Ok(GhlWebhookOutcome::Duplicate { .. }) => ("duplicate", 200, None),
            Ok(GhlWebhookOutcome::Ignored { reason, .. }) => (
                "ignored",
                200,
                Some(ErrorReport {
                    code: "WEBHOOK_IGNORED".into(),
                    message: reason.clone(),
                    details: serde_json::json!({}),
                }),
            ),
            Err(e) => ("refused", e.status(), Some(ErrorReport::of(e))),
        };
        self.record(IntakeLogEntry {
            at_ms: now_ms,
            outcome: outcome.into(),
            status,
            id,
            event,
            error,
        });
    }

    fn decide(
        &mut self,
        headers: &Headers,
        body: &[u8],
        verdict: SignatureVerdict,
        now_ms: u64,
        seen_id: &mut Option<String>,
        seen_type: &mut Option<String>,
    ) -> Result<Decided, SourceError> {
        let check = self.required_signature(headers, body.len())?;
        if check.algorithm != SignatureAlgorithm::None {
            if verdict.algorithm != check.algorithm {
                return Err(SourceError::VerdictMismatch {
                    expected: check.algorithm.name().into(),
                    got: verdict.algorithm.name().into(),
                });
            }
            if !verdict.valid {
                return Err(SourceError::SignatureInvalid {
                    header: check.header.unwrap_or_default(),
                    algorithm: check.algorithm.name().into(),
                });
            }
        }
        let hook = parse_webhook(body, self.config.max_body_bytes)?;
        seen_id.clone_from(&hook.webhook_id);
        *seen_type = Some(hook.type_name.clone());
        let ts = hook.timestamp_ms.ok_or(SourceError::TimestampMissing)?;
        let now = now_ms as i64;
        if ts < now {
            let age = now.saturating_sub(ts) as u64;
            if age > self.config.max_age_ms {
                return Err(SourceError::Stale {
                    age_ms: age,
                    max_age_ms: self.config.max_age_ms,
                });
            }
        } else if (ts - now) as u64 > self.config.max_future_skew_ms {
            return Err(SourceError::FromTheFuture {
                ahead_ms: (ts - now) as u64,
                max_skew_ms: self.config.max_future_skew_ms,
            });
        }
        let webhook_id = match hook.webhook_id.as_deref() {
            Some(id) if !id.trim().is_empty() => id.to_string(),
            _ => {
                return Err(SourceError::IdMissing {
                    field: "webhookId".into(),
                })
            }
        };
        if self.seen.contains(&webhook_id, now_ms) {
            return Ok(Decided::Outcome(GhlWebhookOutcome::Duplicate {
                webhook_id,
            }));
        }
        let Some(kind) = GhlEventKind::from_type(&hook.type_name) else {
            self.seen.insert(&webhook_id, now_ms);
            return Ok(Decided::Outcome(GhlWebhookOutcome::Ignored {
                reason: format!(
                    "{} is not an event the bridge uses (it uses contact events, INSTALL and UNINSTALL)",
                    hook.type_name
                ),
                type_name: hook.type_name,
            }));
        };
        let contact = if kind.is_contact() {
            Some(contact_of(&hook.fields, self.config.max_tags)?)
        } else {
            None
        };
        // Nothing below refuses: the delivery is now processed exactly once.
        let needs_list = match (&contact, kind) {
            (Some(_), GhlEventKind::ContactTagUpdate) => true,
            (Some(c), GhlEventKind::ContactCreate | GhlEventKind::ContactUpdate) => {
                c.tags.is_some()
            }
            _ => false,
        };
        let known_tags = match (&contact, kind) {
            (Some(c), GhlEventKind::ContactDelete) => Some(KnownTagsOp::Delete {
                contact_id: c.id.clone(),
            }),
            _ => None,
        };
        let event = GhlWebhookEvent {
            kind,
            webhook_id,
            timestamp_ms: ts,
            location_id: hook.location_id,
            company_id: hook.company_id,
            contact,
            tag_change: None,
            fields: Value::Object(hook.fields),
        };
        if needs_list {
            // Taken as seen only once decided: a delivery whose list cannot be read is
            // processed afresh on the sender's retry.
            return Ok(Decided::Needs(Box::new(event)));
        }
        self.seen.insert(&event.webhook_id, now_ms);
        Ok(Decided::Outcome(GhlWebhookOutcome::Accepted {
            event: Box::new(event),
            known_tags,
        }))
    }

    /// Both steps against lists the caller keeps in memory ([`KnownTagsMemory`]): the
    /// list asked for is read from `memory` and the outcome's operation applied to it at
    /// once. For a host with one process and nothing to make durable first (tests, the
    /// fuzzer, demos); a host with a store drives the steps itself.
    pub fn receive_in_memory(
        &mut self,
        headers: &Headers,
        body: &[u8],
        verdict: SignatureVerdict,
        now_ms: u64,
        memory: &mut KnownTagsMemory,
    ) -> Result<GhlWebhookOutcome, SourceError> {
        let out = match self.receive(headers, body, verdict, now_ms)? {
            GhlWebhookStep::Done { outcome } => outcome,
            GhlWebhookStep::NeedKnownTags { ticket, contact_id } => {
                let stored = memory.get(&contact_id).cloned();
                self.provide_known_tags(ticket, stored, now_ms)?
            }
        };
        if let GhlWebhookOutcome::Accepted {
            known_tags: Some(op),
            ..
        } = &out
        {
            memory.apply(op.clone());
        }
        Ok(out)
    }

    /// The `webhookId`s remembered (to persist), and restoring them.
    pub fn seen_ids(&self, now_ms: u64) -> Vec<SeenKey> {
        self.seen.snapshot(now_ms)
    }

    /// Puts persisted `webhookId`s back (e.g. after a restart).
    pub fn restore_seen_ids(&mut self, keys: &[SeenKey], now_ms: u64) {
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

/// What [`GhlWebhookReceiver::decide`] came to.
enum Decided {
    Outcome(GhlWebhookOutcome),
    Needs(Box<GhlWebhookEvent>),
}

fn kind_name(kind: GhlEventKind) -> String {
    match crate::codec::to_value(&kind) {
        Value::String(s) => s,
        _ => format!("{kind:?}"),
    }
}

/// Known lists kept in memory, at most `capacity` contacts (the least recently written
/// goes first), for a host with one process: tests, the fuzzer, demos.
#[derive(Debug, Clone)]
pub struct KnownTagsMemory {
    capacity: usize,
    lists: HashMap<String, KnownTags>,
    order: VecDeque<String>,
}

impl KnownTagsMemory {
    /// Empty, holding at most `capacity` contacts (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            lists: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// A contact's list.
    pub fn get(&self, contact_id: &str) -> Option<&KnownTags> {
        self.lists.get(contact_id)
    }

    /// Stores or deletes, as the receiver's outcome says (or a list read from GHL).
    pub fn apply(&mut self, op: KnownTagsOp) {
        let id = op.contact_id().to_string();
        if self.lists.remove(&id).is_some() {
            self.order.retain(|c| *c != id);
        }
        if let KnownTagsOp::Put { list } = op {
            self.order.push_back(id.clone());
            self.lists.insert(id, list);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.lists.remove(&old);
                }
            }
        }
    }
}
