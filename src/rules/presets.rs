//! Ready-made rules documents over the real shapes: a Wishpond lead (the normalised
//! `wishpond.lead.*` event: fields in `dynamic_attributes`, how it arrived, the page,
//! UTM values) and Qwilr page events (the normalised `qwilr.<event>` after the page
//! read: page, acceptance, metadata, the correlated contact). Both score with
//! `scoring.base` = `current.score`, so their points add up on the contact (see
//! `flows::ScoreLedgerConfig`).
//!
//! Invariant: every preset validates without problems (tested), so the UI can offer
//! them as starting points.

use serde_json::Value;

const WISHPOND_LEAD: &str = include_str!("presets/wishpond-lead.json");
const QWILR_EVENTS: &str = include_str!("presets/qwilr-events.json");

fn parse(text: &str) -> Value {
    // The presets are constant JSON checked by the tests; an unreadable one would be a
    // build defect, shown as null rather than a panic.
    crate::codec::parse(text, crate::codec::DEFAULT_DEPTH).unwrap_or(Value::Null)
}

/// The Wishpond lead preset.
pub fn wishpond_lead() -> Value {
    parse(WISHPOND_LEAD)
}

/// The Qwilr events preset.
pub fn qwilr_events() -> Value {
    parse(QWILR_EVENTS)
}

/// Every preset by name: `wishpond-lead`, `qwilr-events`.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("wishpond-lead", wishpond_lead()),
        ("qwilr-events", qwilr_events()),
    ]
}
