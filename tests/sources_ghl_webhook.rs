//! GHL webhook verification policy: which signature, the verdict, the timestamp window,
//! replays, payload shapes and the ContactTagUpdate diff. The signature verdict is what
//! the host's crypto would answer (the JS suite verifies real signatures).

use ghl_bridge::error::Coded;
use ghl_bridge::sources::ghl_webhook::{parse_webhook, select_signature, Headers};
use ghl_bridge::sources::keys::{spki_base64, GHL_ED25519_PUBLIC_KEY_PEM};
use ghl_bridge::sources::{
    GhlEventKind, GhlWebhookConfig, GhlWebhookOutcome, GhlWebhookReceiver, GhlWebhookStep,
    KnownTags, KnownTagsMemory, KnownTagsOp, SignatureAlgorithm, SignatureCheck, SignatureVerdict,
    SourceError,
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

/// A receiver with its known lists in memory (a one-process host).
struct Rx {
    r: GhlWebhookReceiver,
    lists: KnownTagsMemory,
}

impl Rx {
    fn of(config: GhlWebhookConfig) -> Self {
        Self {
            r: GhlWebhookReceiver::new(config).unwrap(),
            lists: KnownTagsMemory::new(100),
        }
    }
    fn receive(
        &mut self,
        h: &Headers,
        b: &[u8],
        v: SignatureVerdict,
        now: u64,
    ) -> Result<GhlWebhookOutcome, SourceError> {
        self.r.receive_in_memory(h, b, v, now, &mut self.lists)
    }
    fn signature_check(
        &mut self,
        h: &Headers,
        len: usize,
        now: u64,
    ) -> Result<SignatureCheck, SourceError> {
        self.r.signature_check(h, len, now)
    }
    fn known_tags(&self, contact: &str) -> Option<&[String]> {
        self.lists.get(contact).map(|k| k.tags.as_slice())
    }
    fn remember_tags(&mut self, contact: &str, tags: Vec<String>, at_ms: i64) {
        self.lists.apply(KnownTagsOp::Put {
            list: KnownTags {
                contact_id: contact.into(),
                tags,
                at_ms,
            },
        });
    }
}

impl std::ops::Deref for Rx {
    type Target = GhlWebhookReceiver;
    fn deref(&self) -> &GhlWebhookReceiver {
        &self.r
    }
}

impl std::ops::DerefMut for Rx {
    fn deref_mut(&mut self) -> &mut GhlWebhookReceiver {
        &mut self.r
    }
}

fn receiver() -> Rx {
    Rx::of(GhlWebhookConfig::default())
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
        Ok(GhlWebhookOutcome::Accepted { event, .. }) => *event,
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

/// A delivery driven by hand (the steps a host with a store takes): the need it answers.
fn take(r: &mut GhlWebhookReceiver, b: &[u8]) -> (u32, String) {
    match r.receive(&ed_headers(), b, OK, NOW).unwrap() {
        GhlWebhookStep::NeedKnownTags { ticket, contact_id } => (ticket, contact_id),
        other => panic!("expected a need, got {other:?}"),
    }
}

/// Step 3 with the list `read`, the outcome's operation applied to `store`.
fn finish(
    r: &mut GhlWebhookReceiver,
    ticket: u32,
    contact: &str,
    store: &mut std::collections::HashMap<String, KnownTags>,
    read: Option<KnownTags>,
) -> ghl_bridge::sources::TagChange {
    match r.provide_known_tags(ticket, read, NOW).unwrap() {
        GhlWebhookOutcome::Accepted { event, known_tags } => {
            match known_tags {
                Some(KnownTagsOp::Put { list }) => {
                    store.insert(contact.into(), list);
                }
                Some(KnownTagsOp::Delete { contact_id }) => {
                    store.remove(&contact_id);
                }
                None => {}
            }
            event.tag_change.unwrap()
        }
        other => panic!("expected accepted, got {other:?}"),
    }
}

fn changes(t: &ghl_bridge::sources::TagChange) -> (Vec<&str>, Vec<&str>) {
    (
        t.added.iter().map(String::as_str).collect(),
        t.removed.iter().map(String::as_str).collect(),
    )
}

#[test]
fn the_receiver_asks_for_the_contacts_list_every_time_and_diffs_against_what_it_is_given() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let b1 = body(
        "ContactTagUpdate",
        "w1",
        "c1",
        &["lead", "vip"],
        NOW - 2_000,
    );
    let GhlWebhookStep::NeedKnownTags { ticket, contact_id } =
        r.receive(&ed_headers(), &b1, OK, NOW).unwrap()
    else {
        panic!("a tag update must ask for the contact's list")
    };
    assert_eq!(contact_id, "c1");
    assert_eq!(r.waiting(), 1);
    // Nothing logged or taken as seen until it is decided.
    assert_eq!(r.log().count(), 0);
    assert!(r.seen_ids(NOW).is_empty());
    let stored = KnownTags {
        contact_id: "c1".into(),
        tags: vec!["lead".into(), "webinar".into()],
        at_ms: (NOW - 10_000) as i64,
    };
    let GhlWebhookOutcome::Accepted { event, known_tags } =
        r.provide_known_tags(ticket, Some(stored), NOW).unwrap()
    else {
        panic!()
    };
    let t = event.tag_change.unwrap();
    assert_eq!(changes(&t), (vec!["vip"], vec!["webinar"]));
    assert!(t.previous_known && !t.out_of_order);
    assert_eq!(
        known_tags,
        Some(KnownTagsOp::Put {
            list: KnownTags {
                contact_id: "c1".into(),
                tags: vec!["lead".into(), "vip".into()],
                at_ms: (NOW - 2_000) as i64,
            }
        })
    );
    assert_eq!(r.waiting(), 0);
    // The receiver kept nothing: the next update asks again, and diffs against the list
    // given then (here: none stored, so every tag is added).
    let b2 = body("ContactTagUpdate", "w2", "c1", &["vip"], NOW - 1_000);
    let GhlWebhookStep::NeedKnownTags { ticket, .. } =
        r.receive(&ed_headers(), &b2, OK, NOW).unwrap()
    else {
        panic!()
    };
    let GhlWebhookOutcome::Accepted { event, .. } =
        r.provide_known_tags(ticket, None, NOW).unwrap()
    else {
        panic!()
    };
    let t = event.tag_change.unwrap();
    assert_eq!(changes(&t), (vec!["vip"], vec![]));
    assert!(!t.previous_known);
    let outcomes: Vec<_> = r.log().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["accepted", "accepted"]);
}

#[test]
fn events_without_tags_ask_for_nothing_and_delete_says_so() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let update = serde_json::to_vec(&json!({"type": "ContactUpdate", "id": "c1",
        "webhookId": "u1", "timestamp": iso(NOW)}))
    .unwrap();
    assert!(matches!(
        r.receive(&ed_headers(), &update, OK, NOW).unwrap(),
        GhlWebhookStep::Done {
            outcome: GhlWebhookOutcome::Accepted {
                known_tags: None,
                ..
            }
        }
    ));
    let delete = body("ContactDelete", "d1", "c1", &[], NOW);
    let GhlWebhookStep::Done {
        outcome: GhlWebhookOutcome::Accepted { known_tags, .. },
    } = r.receive(&ed_headers(), &delete, OK, NOW).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        known_tags,
        Some(KnownTagsOp::Delete {
            contact_id: "c1".into()
        })
    );
    // A create with tags asks, and stores its list unless the stored one is newer.
    let create = body("ContactCreate", "k1", "c2", &["x"], NOW - 5_000);
    let (ticket, _) = take(&mut r, &create);
    let newer = KnownTags {
        contact_id: "c2".into(),
        tags: vec!["y".into()],
        at_ms: NOW as i64,
    };
    let GhlWebhookOutcome::Accepted { known_tags, event } =
        r.provide_known_tags(ticket, Some(newer), NOW).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        known_tags, None,
        "an older create never replaces a newer list"
    );
    assert!(event.tag_change.is_none());
}

#[test]
fn two_processes_taking_alternate_updates_of_one_contact_diff_against_the_shared_store() {
    // Two receivers (two runner processes) and one store of known lists.
    let mut p1 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut p2 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut store = std::collections::HashMap::new();
    let updates: [(&str, &[&str], u64); 4] = [
        ("u1", &["lead"], NOW - 4_000),
        ("u2", &["lead", "vip"], NOW - 3_000),
        ("u3", &["vip"], NOW - 2_000),
        ("u4", &["vip", "customer"], NOW - 1_000),
    ];
    let expected: [(Vec<&str>, Vec<&str>); 4] = [
        (vec!["lead"], vec![]),
        (vec!["vip"], vec![]),
        (vec![], vec!["lead"]),
        (vec!["customer"], vec![]),
    ];
    for (i, ((id, tags, at), want)) in updates.iter().zip(expected).enumerate() {
        let r = if i % 2 == 0 { &mut p1 } else { &mut p2 };
        let (ticket, contact) = take(r, &body("ContactTagUpdate", id, "c1", tags, *at));
        let read = store.get(&contact).cloned();
        let t = finish(r, ticket, &contact, &mut store, read);
        assert_eq!(changes(&t), want, "update {id}");
    }
    assert_eq!(store["c1"].tags, ["vip", "customer"]);
}

#[test]
fn two_updates_at_about_the_same_time_keep_the_newer_list_in_either_order() {
    let s0 = KnownTags {
        contact_id: "c1".into(),
        tags: vec!["lead".into()],
        at_ms: (NOW - 10_000) as i64,
    };
    let u1 = body(
        "ContactTagUpdate",
        "u1",
        "c1",
        &["lead", "vip"],
        NOW - 2_000,
    );
    let u2 = body("ContactTagUpdate", "u2", "c1", &["lead"], NOW - 1_000);
    // Serialised per contact (the runner's lease): U1 then U2 -> U2 sees U1's list, so
    // the tag U1 added and U2 removed is reported removed.
    let mut p1 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut p2 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut store = std::collections::HashMap::from([("c1".to_string(), s0.clone())]);
    let (a, _) = take(&mut p1, &u1);
    let read = store.get("c1").cloned();
    assert_eq!(
        changes(&finish(&mut p1, a, "c1", &mut store, read)),
        (vec!["vip"], vec![])
    );
    let (b, _) = take(&mut p2, &u2);
    let read = store.get("c1").cloned();
    assert_eq!(
        changes(&finish(&mut p2, b, "c1", &mut store, read)),
        (vec![], vec!["vip"])
    );
    assert_eq!(store["c1"].at_ms, (NOW - 1_000) as i64);
    // The other order (U2 taken first): U1 is older than the stored list, so it is out
    // of order and stores nothing; the newer list stays.
    let mut p1 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut p2 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut store = std::collections::HashMap::from([("c1".to_string(), s0.clone())]);
    let (b, _) = take(&mut p2, &u2);
    let read = store.get("c1").cloned();
    assert_eq!(
        changes(&finish(&mut p2, b, "c1", &mut store, read)),
        (vec![], vec![])
    );
    let (a, _) = take(&mut p1, &u1);
    let read = store.get("c1").cloned();
    let t = finish(&mut p1, a, "c1", &mut store, read);
    assert!(t.out_of_order && t.added.is_empty() && t.removed.is_empty());
    assert_eq!(store["c1"].at_ms, (NOW - 1_000) as i64);
    assert_eq!(store["c1"].tags, ["lead"]);
    // Not serialised (both read S0 before either stores): each diffs against S0, so U2
    // reports nothing about vip; this is why the host serialises the steps per contact.
    let mut p1 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut p2 = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let (a, _) = take(&mut p1, &u1);
    let (b, _) = take(&mut p2, &u2);
    let t2 = p2.provide_known_tags(b, Some(s0.clone()), NOW).unwrap();
    let t1 = p1.provide_known_tags(a, Some(s0), NOW).unwrap();
    let diff = |o: GhlWebhookOutcome| match o {
        GhlWebhookOutcome::Accepted { event, .. } => event.tag_change.unwrap().removed,
        other => panic!("{other:?}"),
    };
    assert!(diff(t1).is_empty() && diff(t2).is_empty());
}

#[test]
fn a_ticket_that_waits_for_nothing_or_another_contacts_list_is_refused_typed() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let e = r.provide_known_tags(7, None, NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_KNOWN_TAGS_UNEXPECTED");
    assert_eq!(e.details()["status"], 503);
    assert_eq!(e.details()["ticket"], 7);
    let b = body("ContactTagUpdate", "w1", "c1", &["a"], NOW);
    let (ticket, _) = take(&mut r, &b);
    let other = KnownTags {
        contact_id: "c2".into(),
        tags: vec![],
        at_ms: 0,
    };
    let e = r.provide_known_tags(ticket, Some(other), NOW).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_KNOWN_TAGS_UNEXPECTED");
    assert!(e.to_string().contains("c2"), "{e}");
    // Not taken as seen: the sender's retry is processed.
    let (ticket, _) = take(&mut r, &b);
    assert!(matches!(
        r.provide_known_tags(ticket, None, NOW).unwrap(),
        GhlWebhookOutcome::Accepted { .. }
    ));
}

#[test]
fn an_abandoned_delivery_is_logged_unfinished_and_its_retry_is_processed() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let b = body("ContactTagUpdate", "w1", "c1", &["a"], NOW);
    let (ticket, _) = take(&mut r, &b);
    r.abandon(ticket, NOW);
    assert_eq!(r.waiting(), 0);
    let last = r.log().last().unwrap();
    assert_eq!(
        (last.outcome.as_str(), last.status, last.id.as_deref()),
        ("unfinished", 503, Some("w1"))
    );
    assert!(r.provide_known_tags(ticket, None, NOW).is_err());
    let (ticket, _) = take(&mut r, &b);
    assert!(matches!(
        r.provide_known_tags(ticket, None, NOW).unwrap(),
        GhlWebhookOutcome::Accepted { .. }
    ));
}

#[test]
fn two_copies_waiting_at_once_are_processed_once() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let b = body("ContactTagUpdate", "w1", "c1", &["a"], NOW);
    let (first, _) = take(&mut r, &b);
    let (second, _) = take(&mut r, &b);
    assert_ne!(first, second);
    assert!(matches!(
        r.provide_known_tags(first, None, NOW).unwrap(),
        GhlWebhookOutcome::Accepted { .. }
    ));
    assert_eq!(
        r.provide_known_tags(second, None, NOW).unwrap(),
        GhlWebhookOutcome::Duplicate {
            webhook_id: "w1".into()
        }
    );
}

#[test]
fn deliveries_waiting_are_bounded() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig {
        max_waiting: 2,
        ..Default::default()
    })
    .unwrap();
    let tickets: Vec<u32> = ["a", "b", "c"]
        .iter()
        .map(|id| take(&mut r, &body("ContactTagUpdate", id, "c1", &[], NOW)).0)
        .collect();
    assert_eq!(r.waiting(), 2);
    assert!(
        r.provide_known_tags(tickets[0], None, NOW).is_err(),
        "the longest waiting was dropped"
    );
    assert_eq!(r.log().last().unwrap().outcome, "unfinished");
    assert!(r.provide_known_tags(tickets[2], None, NOW).is_ok());
}

#[test]
fn memory_lists_are_bounded_and_deleted() {
    let mut m = KnownTagsMemory::new(2);
    for c in ["a", "b", "c"] {
        m.apply(KnownTagsOp::Put {
            list: KnownTags {
                contact_id: c.into(),
                tags: vec![],
                at_ms: 0,
            },
        });
    }
    assert!(m.get("a").is_none() && m.get("b").is_some() && m.get("c").is_some());
    m.apply(KnownTagsOp::Delete {
        contact_id: "b".into(),
    });
    assert!(m.get("b").is_none());
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
    let mut r = Rx::of(GhlWebhookConfig {
        log_capacity: 3,
        ..Default::default()
    });
    for i in 0..10 {
        let _ = r.receive(&ed_headers(), format!("bad {i}").as_bytes(), OK, NOW);
    }
    assert_eq!(r.log().count(), 3);
}

#[test]
fn replay_store_is_bounded() {
    let mut r = Rx::of(GhlWebhookConfig {
        replay_capacity: 2,
        ..Default::default()
    });
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
