//! The intakes' events as flow events ([`crate::flows::Event`]): what a host hands to
//! `Flows` after an intake accepted a delivery. One function per source event, and
//! [`flow_event_of`] for any of them as JSON (what the binding takes).
//!
//! | intake event | flow event type | id |
//! |---|---|---|
//! | [`WishpondLeadEvent`] (polled or captured) | `wishpond.lead.created` / `.updated` | the lead event's id |
//! | [`QwilrEvent`] (after the page read) | `qwilr.<event>` (e.g. `qwilr.pageAccepted`) | the `idempotencyKey` |
//! | [`GhlWebhookEvent`] `ContactTagUpdate` | `ghl.contact.tags.updated` | `ghl:<webhookId>` |
//! | [`GhlWebhookEvent`] `INSTALL` / `UNINSTALL` | `ghl.app.installed` / `.uninstalled` | `ghl:<webhookId>` |
//!
//! The other GHL events (`ContactCreate`, `ContactUpdate`, `ContactDelete`) and a
//! `ContactTagUpdate` older than the list already known (`outOfOrder`) give no flow
//! event (`None`): nothing is to be done for them yet.
//!
//! The payload is the intake event itself (the rules read it as it is); an INSTALL's
//! location rides in the payload, not the envelope, since it may be a location the
//! host has no connection for yet.

use crate::codec::FromJson;
use serde_json::{json, Value};

use super::ghl_webhook::{GhlEventKind, GhlWebhookEvent};
use super::qwilr::QwilrEvent;
use super::wishpond::WishpondLeadEvent;
use super::SourceError;
use crate::flows::Event;

fn event(kind: &str, id: &str, location_id: Option<String>, payload: Value) -> Event {
    Event {
        kind: kind.to_string(),
        id: id.to_string(),
        location_id,
        occurred_at: None,
        payload,
    }
}

/// A Wishpond lead event as a flow event.
pub fn wishpond_flow_event(e: &WishpondLeadEvent) -> Event {
    event(&e.kind, &e.id, None, crate::codec::to_value(e))
}

/// A Qwilr event (after the page read) as a flow event.
pub fn qwilr_flow_event(e: &QwilrEvent) -> Event {
    event(&e.kind, &e.id, None, crate::codec::to_value(e))
}

/// A verified GHL webhook as a flow event, when the flows act on it (see the module doc).
pub fn ghl_flow_event(e: &GhlWebhookEvent) -> Option<Event> {
    let id = format!("ghl:{}", e.webhook_id);
    match e.kind {
        GhlEventKind::ContactTagUpdate => {
            let change = e.tag_change.as_ref().filter(|t| !t.out_of_order)?;
            let contact = e.contact.as_ref()?;
            Some(event(
                "ghl.contact.tags.updated",
                &id,
                e.location_id.clone(),
                json!({
                    "contact": contact,
                    "tags": change.tags,
                    "added": change.added,
                    "removed": change.removed,
                    "previousKnown": change.previous_known,
                    "timestampMs": e.timestamp_ms,
                }),
            ))
        }
        GhlEventKind::Install | GhlEventKind::Uninstall => {
            let kind = if e.kind == GhlEventKind::Install {
                "ghl.app.installed"
            } else {
                "ghl.app.uninstalled"
            };
            Some(event(
                kind,
                &id,
                None,
                json!({"companyId": e.company_id, "locationId": e.location_id}),
            ))
        }
        GhlEventKind::ContactCreate | GhlEventKind::ContactUpdate | GhlEventKind::ContactDelete => {
            None
        }
    }
}

/// Any intake event as JSON -> its flow event (`None`: nothing for the flows to do).
/// Told apart by shape: a `kind` names a GHL webhook event; a `type` starting with
/// `wishpond.` or `qwilr.` names the others. Anything else is `WEBHOOK_MALFORMED`.
pub fn flow_event_of(v: &Value) -> Result<Option<Event>, SourceError> {
    let bad = |reason: String| SourceError::Malformed {
        at: String::new(),
        reason,
    };
    let read = |what: &str, e: crate::codec::DecodeError| {
        bad(format!("not a {what} event ({})", e.message()))
    };
    if v.get("kind").is_some() && v.get("webhookId").is_some() {
        let e: GhlWebhookEvent =
            FromJson::from_json(v.clone()).map_err(|e| read("GHL webhook", e))?;
        return Ok(ghl_flow_event(&e));
    }
    match v.get("type").and_then(Value::as_str) {
        Some(t) if t.starts_with("wishpond.") => {
            let e: WishpondLeadEvent =
                FromJson::from_json(v.clone()).map_err(|e| read("Wishpond lead", e))?;
            Ok(Some(wishpond_flow_event(&e)))
        }
        Some(t) if t.starts_with("qwilr.") => {
            let e: QwilrEvent =
                FromJson::from_json(v.clone()).map_err(|e| read("Qwilr", e))?;
            Ok(Some(qwilr_flow_event(&e)))
        }
        _ => Err(bad(
            "not an intake event: expected a Wishpond lead event, a Qwilr event or a GHL webhook event".into(),
        )),
    }
}
