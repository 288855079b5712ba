//! Ready-made rules documents: a Wishpond lead (contact created or updated) and Qwilr
//! events (page viewed, page accepted, project tagged).
//!
//! Invariant: every preset validates without problems (tested), so the UI can offer
//! them as starting points.

use serde_json::Value;

const WISHPOND_LEAD: &str = include_str!("presets/wishpond-lead.json");
const QWILR_EVENTS: &str = include_str!("presets/qwilr-events.json");

fn parse(text: &str) -> Value {
    // The presets are constant JSON checked by the tests; an unreadable one would be a
    // build defect, shown as null rather than a panic.
    serde_json::from_str(text).unwrap_or(Value::Null)
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
