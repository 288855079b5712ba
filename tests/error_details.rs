//! Error details are derived from the error types (their `Serialize`), with the keys
//! and codes programs rely on: one case per shape, against the documented details.

use ghl_bridge::catalog::CatalogError;
use ghl_bridge::error::Coded;
use ghl_bridge::outbox::OutboxError;
use ghl_bridge::request::{BodyError, Disposition, ParamPlace, RequestError};
use ghl_bridge::stats::StatsError;
use ghl_bridge::tags::TagError;
use serde_json::{json, Value};

fn check(e: &impl Coded, code: &str, details: Value) {
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.details(), details, "{code}");
}

#[test]
fn details_have_the_documented_keys() {
    check(
        &RequestError::MissingParameter {
            operation: "contacts.get-contact".into(),
            name: "contactId".into(),
            place: ParamPlace::Path,
        },
        "MISSING_PARAMETER",
        json!({"operation": "contacts.get-contact", "parameter": "contactId", "in": "path"}),
    );
    check(
        &RequestError::MissingScope {
            operation: "o".into(),
            missing: vec!["contacts.write".into()],
            granted: vec![],
        },
        "MISSING_SCOPE",
        json!({"operation": "o", "missingScopes": ["contacts.write"], "grantedScopes": []}),
    );
    check(
        &RequestError::GhlHttp {
            operation: "o".into(),
            status: 401,
            messages: vec!["m".into()],
            message: "m".into(),
            error: None,
            trace_id: Some("t".into()),
            retryable: false,
            disposition: Disposition::RefreshAuth,
        },
        "GHL_HTTP_ERROR",
        json!({"operation": "o", "status": 401, "messages": ["m"], "message": "m",
               "error": null, "traceId": "t", "retryable": false,
               "disposition": {"kind": "refreshAuth"}}),
    );
    check(
        &RequestError::from(CatalogError::Unknown {
            name: "contacts.upsert".into(),
            suggestions: vec!["contacts.upsert-contact".into()],
        }),
        "UNKNOWN_OPERATION",
        json!({"operation": "contacts.upsert", "suggestions": ["contacts.upsert-contact"]}),
    );
    check(
        &OutboxError::UnknownTransmit { id: 7 },
        "OUTBOX_UNKNOWN_TRANSMIT",
        json!({"transmitId": 7}),
    );
    check(
        &OutboxError::InvalidConfig {
            option: "maxInFlight",
            reason: "must be at least 1".into(),
        },
        "OUTBOX_INVALID_CONFIG",
        json!({"option": "maxInFlight", "reason": "must be at least 1"}),
    );
    check(
        &StatsError::BlankLocation,
        "STATS_BLANK_LOCATION",
        json!({}),
    );
    check(
        &StatsError::ScheduleOverflow { now_ms: 5 },
        "STATS_SCHEDULE_OVERFLOW",
        json!({"nowMs": 5}),
    );
}

/// Tags and statistics share one body-error type and keep their own stable codes.
#[test]
fn one_body_error_type_keeps_each_domains_codes() {
    let shape = BodyError::shape("social-media-posting.get-tags", "missing field `tags`");
    let failure = BodyError::failure("social-media-posting.get-tags", 400, "nope");
    let shape_details =
        json!({"operation": "social-media-posting.get-tags", "reason": "missing field `tags`"});
    let failure_details =
        json!({"operation": "social-media-posting.get-tags", "status": 400, "message": "nope"});
    check(
        &TagError::from(shape.clone()),
        "TAGS_BAD_RESPONSE",
        shape_details.clone(),
    );
    check(
        &TagError::from(failure.clone()),
        "TAGS_GHL_FAILURE",
        failure_details.clone(),
    );
    check(
        &StatsError::from(shape.clone()),
        "STATS_BAD_RESPONSE",
        shape_details,
    );
    check(
        &StatsError::from(failure.clone()),
        "STATS_GHL_FAILURE",
        failure_details,
    );
    assert_eq!(
        TagError::from(failure).to_string(),
        "social-media-posting.get-tags: GHL reported failure (status 400): nope"
    );
    assert_eq!(
        StatsError::from(shape).to_string(),
        "social-media-posting.get-tags: unexpected response body: missing field `tags`"
    );
}
