//! GHL webhook verification policy: which signature, the verdict, the timestamp window,
//! replays, payload shapes and the ContactTagUpdate diff. The signature verdict is what
//! the host's crypto would answer (the JS suite verifies real signatures).

use ghl_bridge::error::Coded;
use ghl_bridge::sources::ghl_webhook::{parse_webhook, select_signature, Headers};
use ghl_bridge::sources::keys::{spki_base64, GHL_ED25519_PUBLIC_KEY_PEM};
use ghl_bridge::sources::{
    GhlEventKind, GhlWebhookConfig, GhlWebhookOutcome, GhlWebhookReceiver, SignatureAlgorithm,
    SignatureVerdict, SourceError,
};
use serde_json::{json, Value};

const NOW: u64 = 1_772_720_530_000; // 2026-03-05T14:22:10Z
const SIG: &str = "c2lnbmF0dXJlLWJ5dGVzLWJhc2U2NA==";

fn iso(ms: u64) -> String {
    // Minimal formatter for the test clock (same day as NOW).
    let day_start = NOW - NOW % 86_400_000;
    let s = (ms - day_start) / 1000;
    format!(
        "2026-03-05T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ed_headers() -> Headers {
    headers(&[
        ("X-GHL-Signature", SIG),
        ("content-type", "application/json"),
    ])
}

const OK: SignatureVerdict = SignatureVerdict {
    algorithm: SignatureAlgorithm::Ed25519,
    valid: true,
};

fn receiver() -> GhlWebhookReceiver {
    GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap()
}

fn body(kind: &str, id: &str, contact: &str, tags: &[&str], at_ms: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": kind, "locationId": "ve9EPM428h8vShlRW1KT", "id": contact,
        "email": "ada@example.com", "tags": tags, "webhookId": id, "timestamp": iso(at_ms),
    }))
    .unwrap()
}

fn accepted(r: Result<GhlWebhookOutcome, SourceError>) -> ghl_bridge::sources::GhlWebhookEvent {
    match r {
        Ok(GhlWebhookOutcome::Accepted { event }) => *event,
        other => panic!("expected accepted, got {other:?}"),
    }
}

#[test]
fn ghl_signature_wins_over_the_legacy_header_and_uses_the_published_key() {
    let mut r = receiver();
    let both = headers(&[("x-wh-signature", SIG), ("X-GHL-SIGNATURE", SIG)]);
    let check = r.signature_check(&both, 10, NOW).unwrap();
    assert_eq!(check.algorithm, SignatureAlgorithm::Ed25519);
    assert_eq!(check.header.as_deref(), Some("x-ghl-signature"));
    assert_eq!(
        check.spki.as_deref(),
        Some(
            spki_base64(GHL_ED25519_PUBLIC_KEY_PEM, "k")
                .unwrap()
                .as_str()
        )
    );
    // Only the legacy header, or the current one saying N/A: RSA.
    for h in [
        headers(&[("X-WH-Signature", SIG)]),
        headers(&[("X-GHL-Signature", "N/A"), ("X-WH-Signature", SIG)]),
    ] {
        let c = r.signature_check(&h, 10, NOW).unwrap();
        assert_eq!(c.algorithm, SignatureAlgorithm::RsaSha256);
        assert!(c
            .spki
            .unwrap()
            .starts_with("MIICIjANBgkqhkiG9w0BAQEFAAOCAg8A"));
    }
}

#[test]
fn unsigned_is_refused_unless_the_test_option_allows_it() {
    let mut r = receiver();
    for h in [
        headers(&[]),
        headers(&[("X-GHL-Signature", "N/A"), ("X-WH-Signature", "n/a")]),
        headers(&[("X-GHL-Signature", "  ")]),
    ] {
        let e = r.signature_check(&h, 10, NOW).unwrap_err();
        assert_eq!(e.code(), "WEBHOOK_UNSIGNED");
        assert_eq!(e.details()["status"], 401);
    }
    assert_eq!(r.log().count(), 3, "each refusal is recorded");
    let mut open = GhlWebhookReceiver::new(GhlWebhookConfig {
        allow_unsigned: true,
        ..Default::default()
    })
    .unwrap();
    let c = open.signature_check(&headers(&[]), 10, NOW).unwrap();
    assert_eq!(c.algorithm, SignatureAlgorithm::None);
}

#[test]
fn a_signature_that_is_not_base64_is_malformed() {
    let e = receiver()
        .signature_check(&headers(&[("X-GHL-Signature", "not base64!")]), 10, NOW)
        .unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_SIGNATURE_MALFORMED");
}

#[test]
fn a_forged_body_is_refused_recorded_and_leaves_no_trace_in_the_replay_store() {
    let mut r = receiver();
    let b = body("ContactCreate", "wh-1", "c1", &["vip"], NOW);
    let forged = SignatureVerdict {
        algorithm: SignatureAlgorithm::Ed25519,
        valid: false,
    };
    let e = r.receive(&ed_headers(), &b, forged, NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_SIGNATURE_INVALID");
    assert_eq!(e.details()["status"], 401);
    let log: Vec<_> = r.log().collect();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, "refused");
    assert_eq!(
        log[0].error.as_ref().unwrap().code,
        "WEBHOOK_SIGNATURE_INVALID"
    );
    // The genuine delivery with the same id is still processed.
    let ev = accepted(r.receive(&ed_headers(), &b, OK, NOW));
    assert_eq!(ev.kind, GhlEventKind::ContactCreate);
}

#[test]
fn a_verdict_for_another_algorithm_is_refused() {
    let mut r = receiver();
    let b = body("ContactCreate", "wh-1", "c1", &[], NOW);
    let rsa = SignatureVerdict {
        algorithm: SignatureAlgorithm::RsaSha256,
        valid: true,
    };
    let e = r.receive(&ed_headers(), &b, rsa, NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_VERDICT_MISMATCH");
}

#[test]
fn stale_and_future_timestamps_are_refused_at_the_window_edges() {
    let mut r = receiver();
    let edge = body("ContactCreate", "wh-edge", "c1", &[], NOW - 300_000);
    accepted(r.receive(&ed_headers(), &edge, OK, NOW));
    let stale = body("ContactCreate", "wh-stale", "c1", &[], NOW - 300_001);
    let e = r.receive(&ed_headers(), &stale, OK, NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_STALE");
    assert_eq!(e.details()["ageMs"], 300_001);
    let ahead = body("ContactCreate", "wh-ahead", "c1", &[], NOW + 60_001);
    let e = r.receive(&ed_headers(), &ahead, OK, NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_TIMESTAMP_FUTURE");
    let skew = body("ContactCreate", "wh-skew", "c1", &[], NOW + 60_000);
    accepted(r.receive(&ed_headers(), &skew, OK, NOW));
    // A smaller window is honoured.
    let mut tight = GhlWebhookReceiver::new(GhlWebhookConfig {
        max_age_ms: 1_000,
        ..Default::default()
    })
    .unwrap();
    let b = body("ContactCreate", "wh-t", "c1", &[], NOW - 1_001);
    assert_eq!(
        tight
            .receive(&ed_headers(), &b, OK, NOW)
            .unwrap_err()
            .code(),
        "WEBHOOK_STALE"
    );
}

#[test]
fn a_replayed_webhook_id_is_acknowledged_not_processed() {
    let mut r = receiver();
    let b = body("ContactTagUpdate", "wh-9", "c1", &["a"], NOW);
    accepted(r.receive(&ed_headers(), &b, OK, NOW));
    // Same id, even with another body, later but within the window.
    let again = body("ContactTagUpdate", "wh-9", "c1", &["b"], NOW + 1_000);
    match r.receive(&ed_headers(), &again, OK, NOW + 2_000).unwrap() {
        GhlWebhookOutcome::Duplicate { webhook_id } => assert_eq!(webhook_id, "wh-9"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.known_tags("c1").unwrap(),
        ["a"],
        "the replay changed nothing"
    );
    let outcomes: Vec<_> = r.log().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["accepted", "duplicate"]);
    // Persisted ids survive a restart.
    let saved = r.seen_ids(NOW + 2_000);
    let mut fresh = receiver();
    fresh.restore_seen_ids(&saved, NOW + 3_000);
    assert!(matches!(
        fresh.receive(&ed_headers(), &b, OK, NOW + 3_000).unwrap(),
        GhlWebhookOutcome::Duplicate { .. }
    ));
}

#[test]
fn flat_and_data_wrapped_payloads_give_the_same_event() {
    let flat = json!({"type": "ContactUpdate", "locationId": "loc1", "id": "c1",
        "email": "ada@example.com", "firstName": "Ada", "webhookId": "w1", "timestamp": iso(NOW)});
    let wrapped = json!({"type": "ContactUpdate", "webhookId": "w1", "timestamp": iso(NOW),
        "data": {"locationId": "loc1", "id": "c1", "email": "ada@example.com", "firstName": "Ada"}});
    let mut events = vec![];
    for b in [flat, wrapped] {
        let mut r = receiver();
        let bytes = serde_json::to_vec(&b).unwrap();
        events.push(accepted(r.receive(&ed_headers(), &bytes, OK, NOW)));
    }
    let (a, b) = (&events[0], &events[1]);
    assert_eq!(a.contact, b.contact);
    assert_eq!(a.location_id.as_deref(), Some("loc1"));
    assert_eq!(b.location_id.as_deref(), Some("loc1"));
    assert_eq!(
        a.contact.as_ref().unwrap().first_name.as_deref(),
        Some("Ada")
    );
}

#[test]
fn contact_tag_update_is_diffed_against_the_last_known_list() {
    let mut r = receiver();
    // Nothing known: every tag counts as added.
    let e1 = accepted(r.receive(
        &ed_headers(),
        &body(
            "ContactTagUpdate",
            "w1",
            "c1",
            &["lead", "VIP"],
            NOW - 2_000,
        ),
        OK,
        NOW,
    ));
    let t1 = e1.tag_change.unwrap();
    assert!(!t1.previous_known);
    assert_eq!(t1.added, ["lead", "VIP"]);
    // Then a change: one added, one removed (names compared case-insensitively).
    let e2 = accepted(r.receive(
        &ed_headers(),
        &body(
            "ContactTagUpdate",
            "w2",
            "c1",
            &["vip", "customer"],
            NOW - 1_000,
        ),
        OK,
        NOW,
    ));
    let t2 = e2.tag_change.unwrap();
    assert!(t2.previous_known && !t2.out_of_order);
    assert_eq!(t2.added, ["customer"]);
    assert_eq!(t2.removed, ["lead"]);
    // An older delivery arriving late changes nothing.
    let e3 = accepted(r.receive(
        &ed_headers(),
        &body("ContactTagUpdate", "w3", "c1", &["lead"], NOW - 1_500),
        OK,
        NOW,
    ));
    let t3 = e3.tag_change.unwrap();
    assert!(t3.out_of_order && t3.added.is_empty() && t3.removed.is_empty());
    assert_eq!(r.known_tags("c1").unwrap(), ["vip", "customer"]);
}

#[test]
fn remembered_and_created_tags_seed_the_diff_and_delete_forgets() {
    let mut r = receiver();
    r.remember_tags("c2", vec!["a".into(), "b".into()], 0);
    let t = accepted(r.receive(
        &ed_headers(),
        &body("ContactTagUpdate", "w1", "c2", &["b"], NOW),
        OK,
        NOW,
    ))
    .tag_change
    .unwrap();
    assert_eq!(
        (t.added.len(), t.removed.as_slice()),
        (0, ["a".to_string()].as_slice())
    );
    accepted(r.receive(
        &ed_headers(),
        &body("ContactCreate", "w2", "c3", &["x"], NOW),
        OK,
        NOW,
    ));
    assert_eq!(r.known_tags("c3").unwrap(), ["x"]);
    accepted(r.receive(
        &ed_headers(),
        &body("ContactDelete", "w3", "c3", &[], NOW),
        OK,
        NOW,
    ));
    assert!(r.known_tags("c3").is_none());
}

#[test]
fn known_tag_lists_survive_a_restart_when_the_host_restores_them() {
    let mut r = receiver();
    accepted(r.receive(
        &ed_headers(),
        &body(
            "ContactTagUpdate",
            "w1",
            "c1",
            &["lead", "vip"],
            NOW - 2_000,
        ),
        OK,
        NOW,
    ));
    let stored = r.known_tags_entry("c1").unwrap();
    assert_eq!(stored.tags, ["lead", "vip"]);
    assert_eq!(stored.at_ms, (NOW - 2_000) as i64);
    assert_eq!(r.known_tag_lists(), vec![stored.clone()]);
    // A restart without restoring: every tag counts as added (the defect this avoids).
    let mut fresh = receiver();
    let t = accepted(fresh.receive(
        &ed_headers(),
        &body(
            "ContactTagUpdate",
            "w2",
            "c1",
            &["vip", "customer"],
            NOW - 1_000,
        ),
        OK,
        NOW,
    ))
    .tag_change
    .unwrap();
    assert_eq!(t.added, ["vip", "customer"]);
    // A restart that restores the persisted list: the real diff.
    let mut restored = receiver();
    restored.restore_known_tags(std::slice::from_ref(&stored));
    let t = accepted(restored.receive(
        &ed_headers(),
        &body(
            "ContactTagUpdate",
            "w2",
            "c1",
            &["vip", "customer"],
            NOW - 1_000,
        ),
        OK,
        NOW,
    ))
    .tag_change
    .unwrap();
    assert!(t.previous_known);
    assert_eq!(
        (t.added, t.removed),
        (vec!["customer".to_string()], vec!["lead".to_string()])
    );
    // Restoring an older list never overwrites a newer one.
    restored.restore_known_tags(&[stored]);
    assert_eq!(restored.known_tags("c1").unwrap(), ["vip", "customer"]);
}

#[test]
fn install_and_unknown_events() {
    let mut r = receiver();
    let install = json!({"type": "INSTALL", "appId": "app1", "companyId": "co1",
        "locationId": "loc1", "webhookId": "w-i", "timestamp": iso(NOW)});
    let ev = accepted(r.receive(
        &ed_headers(),
        &serde_json::to_vec(&install).unwrap(),
        OK,
        NOW,
    ));
    assert_eq!(ev.kind, GhlEventKind::Install);
    assert_eq!(ev.company_id.as_deref(), Some("co1"));
    assert!(ev.contact.is_none());
    let other = json!({"type": "OpportunityCreate", "webhookId": "w-o", "timestamp": iso(NOW)});
    match r
        .receive(&ed_headers(), &serde_json::to_vec(&other).unwrap(), OK, NOW)
        .unwrap()
    {
        GhlWebhookOutcome::Ignored { type_name, reason } => {
            assert_eq!(type_name, "OpportunityCreate");
            assert!(reason.contains("not an event the bridge uses"));
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn hostile_bodies_get_typed_errors() {
    let mut r = receiver();
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"not json".to_vec(), "WEBHOOK_MALFORMED", ""),
        (b"[1,2]".to_vec(), "WEBHOOK_MALFORMED", ""),
        (br#"{"webhookId":"w"}"#.to_vec(), "WEBHOOK_MALFORMED", "/type"),
        (br#"{"type":7}"#.to_vec(), "WEBHOOK_MALFORMED", "/type"),
        (br#"{"type":"ContactCreate","webhookId":"w","timestamp":"yesterday"}"#.to_vec(), "WEBHOOK_MALFORMED", "/timestamp"),
        (br#"{"type":"ContactCreate","webhookId":"w"}"#.to_vec(), "WEBHOOK_TIMESTAMP_MISSING", ""),
        (format!(r#"{{"type":"ContactCreate","id":"c","timestamp":"{}"}}"#, iso(NOW)).into_bytes(), "WEBHOOK_ID_MISSING", ""),
        (format!(r#"{{"type":"ContactCreate","webhookId":"w","timestamp":"{}"}}"#, iso(NOW)).into_bytes(), "WEBHOOK_MALFORMED", "/id"),
        (format!(r#"{{"type":"ContactTagUpdate","id":"c","tags":"vip","webhookId":"w","timestamp":"{}"}}"#, iso(NOW)).into_bytes(), "WEBHOOK_MALFORMED", "/tags"),
        (format!(r#"{{"type":"ContactTagUpdate","id":"c","tags":["a",{{}}],"webhookId":"w","timestamp":"{}"}}"#, iso(NOW)).into_bytes(), "WEBHOOK_MALFORMED", "/tags/1"),
        (format!(r#"{{"type":"ContactUpdate","id":"c","email":["x"],"webhookId":"w","timestamp":"{}"}}"#, iso(NOW)).into_bytes(), "WEBHOOK_MALFORMED", "/email"),
        (vec![b' '; 300 * 1024], "WEBHOOK_BODY_TOO_LARGE", ""),
        ("[".repeat(10_000).into_bytes(), "WEBHOOK_MALFORMED", ""),
    ];
    for (b, code, at) in &cases {
        let e = r.receive(&ed_headers(), b, OK, NOW).unwrap_err();
        assert_eq!(
            e.code(),
            *code,
            "{}",
            String::from_utf8_lossy(&b[..b.len().min(80)])
        );
        if !at.is_empty() {
            assert_eq!(e.details()["at"], *at);
        }
    }
    assert_eq!(r.log().count(), cases.len(), "every refusal is recorded");
    // The failed "w" deliveries did not mark "w" as seen.
    let good = body("ContactCreate", "w", "c", &[], NOW);
    accepted(r.receive(&ed_headers(), &good, OK, NOW));
}

#[test]
fn the_log_is_bounded() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig {
        log_capacity: 3,
        ..Default::default()
    })
    .unwrap();
    for i in 0..10 {
        let _ = r.receive(&ed_headers(), format!("bad {i}").as_bytes(), OK, NOW);
    }
    assert_eq!(r.log().count(), 3);
}

#[test]
fn replay_store_is_bounded() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig {
        replay_capacity: 2,
        ..Default::default()
    })
    .unwrap();
    for id in ["a", "b", "c"] {
        accepted(r.receive(
            &ed_headers(),
            &body("ContactUpdate", id, "c", &[], NOW),
            OK,
            NOW,
        ));
    }
    assert_eq!(r.seen_ids(NOW).len(), 2);
}

#[test]
fn a_bad_key_is_a_config_error() {
    let e = GhlWebhookReceiver::new(GhlWebhookConfig {
        ed25519_public_key_pem: "hello".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code(), "SOURCE_CONFIG_INVALID");
    assert_eq!(e.details()["field"], "ed25519PublicKeyPem");
}

#[test]
fn config_reads_camel_case_with_defaults() {
    let c: GhlWebhookConfig = serde_json::from_value(json!({"maxAgeMs": 1000})).unwrap();
    assert_eq!(c.max_age_ms, 1000);
    assert!(!c.allow_unsigned);
    assert_eq!(c.ed25519_public_key_pem, GHL_ED25519_PUBLIC_KEY_PEM);
}

proptest::proptest! {
    #[test]
    fn parse_and_select_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
                                    name in "[a-zA-Z-]{0,20}", value in ".{0,100}") {
        let _ = parse_webhook(&bytes, 256);
        let h = headers(&[(name.as_str(), value.as_str())]);
        let _ = select_signature(&h, ("a", "b"), false);
        let mut r = receiver();
        let _ = r.receive(&h, &bytes, OK, NOW);
    }

    #[test]
    fn json_shaped_bodies_never_panic(t in "(ContactCreate|ContactTagUpdate|INSTALL|x)",
                                      id in proptest::option::of(".{0,5}"),
                                      ts in proptest::option::of(proptest::num::i64::ANY),
                                      tags in proptest::option::of(proptest::collection::vec(".{0,3}", 0..4)),
                                      wrap in proptest::bool::ANY) {
        let mut inner = json!({"id": id, "tags": tags});
        inner["timestamp"] = ts.map_or(Value::Null, |t| json!(t));
        let b = if wrap { json!({"type": t, "webhookId": "w", "data": inner}) } else {
            let mut o = inner; o["type"] = json!(t); o["webhookId"] = json!("w"); o };
        let mut r = receiver();
        let _ = r.receive(&ed_headers(), &serde_json::to_vec(&b).unwrap(), OK, NOW);
    }
}
