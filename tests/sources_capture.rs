//! The capture intake: site key, origin (header and page URL), rate limit per key,
//! hostile fields, duplicates, and the lead event it makes. Values are illustrative.

use ghl_bridge::error::Coded;
use ghl_bridge::sources::capture::parse_capture;
use ghl_bridge::sources::{CaptureConfig, CaptureIntake, CaptureOutcome, CaptureSite};
use serde_json::{json, Value};

const ORIGIN: &str = "https://acme.wishpond.com";

fn intake(max_per_minute: u32) -> CaptureIntake {
    CaptureIntake::new(CaptureConfig {
        sites: vec![CaptureSite {
            site_key: "pk_acme".into(),
            allowed_origins: vec![ORIGIN.into()],
        }],
        max_per_minute,
        ..Default::default()
    })
    .unwrap()
}

fn capture(id: &str, fields: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"v": 1, "siteKey": "pk_acme", "id": id, "fields": fields,
        "page": {"url": format!("{ORIGIN}/spring-webinar?utm_source=fb"), "referrer": "https://facebook.com/", "title": "Spring webinar"},
        "utm": {"utm_source": "fb", "evil": "x"}}))
    .unwrap()
}

fn form() -> Value {
    json!([{"name": "email", "label": "Email", "value": " ada@example.com "},
           {"name": "First Name", "label": "First name", "value": "Ada"},
           {"name": "tel", "label": "Phone number", "value": "+44 20 7946 0018"},
           {"name": "", "label": "Company", "value": "Analytical Engines"}])
}

#[test]
fn a_capture_becomes_the_normalised_lead_event() {
    let mut c = intake(30);
    let out = c.receive(Some(ORIGIN), &capture("a1", form()), 0).unwrap();
    let CaptureOutcome::Accepted { event } = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        (event.kind.as_str(), event.arrived.as_str()),
        ("wishpond.lead.created", "page")
    );
    assert_eq!(event.lead.email.as_deref(), Some("ada@example.com"));
    let a = &event.lead.dynamic_attributes;
    assert_eq!(a["first_name"], "Ada");
    assert_eq!(a["phone_number"], "+44 20 7946 0018");
    assert_eq!(a["company"], "Analytical Engines");
    assert_eq!(event.utm.len(), 1, "only utm_* keys");
    assert_eq!(event.page.as_ref().unwrap()["title"], "Spring webinar");
    // The script's retry of the same submission is a duplicate.
    assert!(matches!(
        c.receive(Some(ORIGIN), &capture("a1", form()), 1).unwrap(),
        CaptureOutcome::Duplicate { .. }
    ));
}

#[test]
fn unknown_keys_and_foreign_origins_are_refused() {
    let mut c = intake(30);
    let mut other = serde_json::from_slice::<Value>(&capture("a2", form())).unwrap();
    other["siteKey"] = json!("pk_other");
    let e = c
        .receive(Some(ORIGIN), &serde_json::to_vec(&other).unwrap(), 0)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.details()["status"].clone()),
        ("CAPTURE_UNKNOWN_SITE", json!(403))
    );
    for origin in [
        None,
        Some("https://evil.example"),
        Some("https://acme.wishpond.com.evil.example"),
    ] {
        let e = c.receive(origin, &capture("a3", form()), 0).unwrap_err();
        assert_eq!(e.code(), "CAPTURE_ORIGIN_REFUSED");
    }
    // The header is right but the page URL is elsewhere.
    let mut moved = serde_json::from_slice::<Value>(&capture("a4", form())).unwrap();
    moved["page"]["url"] = json!("https://evil.example/copy");
    assert_eq!(
        c.receive(Some(ORIGIN), &serde_json::to_vec(&moved).unwrap(), 0)
            .unwrap_err()
            .code(),
        "CAPTURE_ORIGIN_REFUSED"
    );
}

#[test]
fn each_key_is_rate_limited_per_minute() {
    let mut c = intake(2);
    c.receive(Some(ORIGIN), &capture("r1", form()), 0).unwrap();
    c.receive(Some(ORIGIN), &capture("r2", form()), 1).unwrap();
    let e = c
        .receive(Some(ORIGIN), &capture("r3", form()), 2)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.details()["status"].clone()),
        ("CAPTURE_RATE_LIMITED", json!(429))
    );
    c.receive(Some(ORIGIN), &capture("r3", form()), 60_000)
        .unwrap();
}

#[test]
fn hostile_fields_get_typed_errors_and_no_contact_is_skipped() {
    let mut c = intake(100);
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"name": format!("f{i}"), "value": "x"}))
        .collect();
    let cases = [
        (capture("h1", Value::Array(many)), "/fields"),
        (
            capture("h2", json!([{"name": "a", "value": "x".repeat(2001)}])),
            "/fields/0/value",
        ),
        (
            capture("h3", json!([{"name": "a", "value": {"$gt": ""}}])),
            "/fields/0/value",
        ),
        (capture("../x", form()), "/id"),
        (capture("h4", json!("nope")), "/fields"),
        (b"{\"siteKey\": 1}".to_vec(), "/siteKey"),
    ];
    for (b, at) in cases {
        let e = c.receive(Some(ORIGIN), &b, 0).unwrap_err();
        assert_eq!(e.details()["at"], at, "{e}");
    }
    assert_eq!(
        c.receive(Some(ORIGIN), &vec![b'{'; 20_000], 0)
            .unwrap_err()
            .code(),
        "WEBHOOK_BODY_TOO_LARGE"
    );
    let out = c
        .receive(
            Some(ORIGIN),
            &capture("s1", json!([{"name": "first_name", "value": "Anon"}])),
            0,
        )
        .unwrap();
    let CaptureOutcome::Skipped { reason, .. } = out else {
        panic!("{out:?}")
    };
    assert!(reason.contains("neither an email nor a phone"));
}

#[test]
fn a_site_needs_origins_without_paths() {
    let bad = CaptureConfig {
        sites: vec![CaptureSite {
            site_key: "k".into(),
            allowed_origins: vec!["https://a.example/page".into()],
        }],
        ..Default::default()
    };
    assert_eq!(
        CaptureIntake::new(bad).unwrap_err().code(),
        "SOURCE_CONFIG_INVALID"
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), origin in ".{0,40}") {
        let _ = parse_capture(&bytes, &CaptureConfig::default());
        let _ = intake(5).receive(Some(&origin), &bytes, 0);
    }
}

#[test]
fn the_rate_limit_at_the_end_of_the_clock_does_not_overflow() {
    // Fuzz find (fuzz/crashes/intake_wishpond_capture/): `t + 60_000` overflowed.
    let mut c = intake(1);
    let out = c.receive(Some(ORIGIN), &capture("e1", form()), u64::MAX);
    assert!(
        matches!(out, Ok(CaptureOutcome::Accepted { .. })),
        "{out:?}"
    );
    let again = c.receive(Some(ORIGIN), &capture("e1", form()), u64::MAX);
    assert!(
        matches!(again, Ok(CaptureOutcome::Duplicate { .. })),
        "{again:?}"
    );
    let second = c.receive(Some(ORIGIN), &capture("e2", form()), u64::MAX);
    assert_eq!(second.unwrap_err().code(), "CAPTURE_RATE_LIMITED");
}
