//! Qwilr intake: secret verdict, the seven events, idempotencyKey dedupe (held while the
//! page read is in flight, released when it fails), the page read and correlation,
//! subscriptions. Page ids and keys have Qwilr's shapes (24 and 64 hex); values are
//! illustrative.

use ghl_bridge::error::Coded;
use ghl_bridge::http::{HttpResponse, Method};
use ghl_bridge::sources::qwilr::{
    check_secret, parse_page, parse_subscriptions, parse_webhook, read_acceptance,
    subscription_request, QWILR_EVENTS,
};
use ghl_bridge::sources::{
    Correlation, QwilrConfig, QwilrDelivery, QwilrIntake, QwilrNeed, QwilrOutcome, SourceError,
    SubscriptionOp,
};
use serde_json::{json, Value};

const SECRET: &str = "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b";
const PAGE: &str = "65f1c0ffee0123456789abcd";
const KEY: &str = "9b2e6a1f0c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";

fn intake() -> QwilrIntake {
    QwilrIntake::new(QwilrConfig::default(), SECRET).unwrap()
}

fn hook(event: &str, key: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"event": event, "idempotencyKey": key,
        "page": {"id": PAGE, "metadata": {"ghlContactId": "c1"}}}))
    .unwrap()
}

fn ok(body: Value) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.to_string(),
    }
}

fn status(s: u16) -> HttpResponse {
    HttpResponse {
        status: s,
        headers: Default::default(),
        body: String::new(),
    }
}

fn read_key(n: QwilrNeed) -> String {
    match n {
        QwilrNeed::ReadPage {
            idempotency_key,
            request,
            ..
        } => {
            assert_eq!(request.method, Method::Get);
            assert_eq!(
                request.url,
                format!("https://api.qwilr.com/v1/pages/{PAGE}?expand=acceptance,metadata")
            );
            assert!(
                !request.headers.contains_key("Authorization"),
                "no token in the core"
            );
            idempotency_key
        }
        other => panic!("expected a page read, got {other:?}"),
    }
}

#[test]
fn every_event_reads_the_page_and_an_unknown_one_processes_nothing() {
    let mut q = intake();
    for (i, e) in QWILR_EVENTS.iter().enumerate() {
        read_key(q.receive(true, &hook(e, &format!("k{i}")), 0).unwrap());
    }
    let e = q.receive(true, &hook("pageDeclined", "kx"), 0).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_UNKNOWN_EVENT");
}

#[test]
fn a_wrong_secret_processes_nothing_and_answers_404() {
    let mut q = intake();
    let e = q.receive(false, &hook("pageAccepted", KEY), 0).unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_SECRET_MISMATCH");
    assert_eq!(e.details()["status"], 404);
    // The key was not consumed.
    read_key(q.receive(true, &hook("pageAccepted", KEY), 0).unwrap());
    assert_eq!(
        q.log().map(|l| l.outcome.as_str()).collect::<Vec<_>>(),
        ["refused", "reading"]
    );
}

#[test]
fn check_delivery_has_receives_refusals_and_repeat_rule_but_holds_nothing() {
    let mut q = intake();
    // The same refusals as `receive`, with the same codes and statuses.
    let e = q
        .check_delivery(false, &hook("pageAccepted", KEY), 0)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.details()["status"].clone()),
        ("WEBHOOK_SECRET_MISMATCH", json!(404))
    );
    let e = q
        .check_delivery(true, &hook("pageDeclined", KEY), 0)
        .unwrap_err();
    assert_eq!(e.code(), "WEBHOOK_UNKNOWN_EVENT");
    for bad in [
        &b"not json"[..],
        br#"{"event":"pageViewed","idempotencyKey":"k"}"#,
    ] {
        let (a, b) = (
            q.check_delivery(true, bad, 0).unwrap_err(),
            intake().receive(true, bad, 0).unwrap_err(),
        );
        assert_eq!((a.code(), a.details()), (b.code(), b.details()));
    }
    // A good delivery is to be stored, twice over: no key is held (the host's store
    // deduplicates, so a delivery whose storing failed is taken on the retry).
    for at in [1, 2] {
        assert_eq!(
            q.check_delivery(true, &hook("pageAccepted", KEY), at)
                .unwrap(),
            QwilrDelivery::Store {
                idempotency_key: KEY.into(),
                event: "pageAccepted".into(),
                page_id: PAGE.into(),
            }
        );
    }
    // A key this intake holds or processed is a repeat, as for `receive`.
    read_key(q.receive(true, &hook("pageViewed", "held"), 3).unwrap());
    assert_eq!(
        q.check_delivery(true, &hook("pageViewed", "held"), 4)
            .unwrap(),
        QwilrDelivery::Duplicate {
            idempotency_key: "held".into()
        }
    );
    assert_eq!(
        q.log().map(|l| l.outcome.as_str()).collect::<Vec<_>>(),
        [
            "refused",
            "refused",
            "refused",
            "refused",
            "accepted",
            "accepted",
            "reading",
            "duplicate"
        ]
    );
}

#[test]
fn weak_secrets_are_refused() {
    for s in [
        "",
        "short",
        "0123456789abcdef0123456789abcde",
        "not a secret with spaces in it!!",
    ] {
        assert!(
            matches!(check_secret(s), Err(SourceError::Config { .. })),
            "{s}"
        );
    }
    check_secret(SECRET).unwrap();
    check_secret("Ab3_-Ab3_-Ab3_-Ab3_-Ab").unwrap(); // 22 base64url characters = 132 bits
}

#[test]
fn accepted_page_is_correlated_and_the_key_is_then_a_duplicate() {
    let mut q = intake();
    let key = read_key(q.receive(true, &hook("pageAccepted", KEY), 0).unwrap());
    // A second delivery while the read is in flight is a duplicate.
    assert!(matches!(
        q.receive(true, &hook("pageAccepted", KEY), 1).unwrap(),
        QwilrNeed::Duplicate { .. }
    ));
    let page = json!({"id": PAGE, "name": "Website redesign", "status": "accepted",
        "tags": ["Web", "Q3"], "metadata": {"ghlContactId": "c1", "email": "ada@example.com"},
        "acceptance": {"acceptedBy": {"name": "Ada Lovelace", "email": "ada@example.com"},
                       "acceptedAt": "2026-03-05T14:22:10Z", "total": 4200.5}});
    match q.handle_page(&key, &ok(page), 2).unwrap() {
        QwilrOutcome::Accepted { event } => {
            assert_eq!(event.kind, "qwilr.pageAccepted");
            assert_eq!(event.id, KEY);
            assert_eq!(
                event.contact,
                Correlation::ContactId {
                    contact_id: "c1".into(),
                    key: "ghlContactId".into()
                }
            );
            let a = event.acceptance.unwrap();
            assert_eq!(
                (a.name.as_deref(), a.total),
                (Some("Ada Lovelace"), Some(4200.5))
            );
            assert_eq!(event.page.tags, ["Web", "Q3"]);
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(
        q.receive(true, &hook("pageAccepted", KEY), 3).unwrap(),
        QwilrNeed::Duplicate { .. }
    ));
    // Persisted keys survive a restart.
    let mut fresh = intake();
    fresh.restore_seen_keys(&q.seen_keys(3), 4);
    assert!(matches!(
        fresh.receive(true, &hook("pageAccepted", KEY), 4).unwrap(),
        QwilrNeed::Duplicate { .. }
    ));
}

#[test]
fn a_failed_read_releases_the_key_so_the_retry_is_processed() {
    let mut q = intake();
    let key = read_key(q.receive(true, &hook("pageViewed", KEY), 0).unwrap());
    let e = q.handle_page(&key, &status(429), 1).unwrap_err();
    assert_eq!(
        (e.code(), e.details()["retry"].clone()),
        ("SOURCE_API_ERROR", json!(true))
    );
    let key = read_key(q.receive(true, &hook("pageViewed", KEY), 2).unwrap());
    q.page_failed(&key);
    read_key(q.receive(true, &hook("pageViewed", KEY), 3).unwrap());
    let e = q.handle_page(&key, &status(401), 4).unwrap_err();
    assert_eq!(e.code(), "SOURCE_BAD_CREDENTIALS");
}

#[test]
fn correlation_falls_back_to_email_then_skips_with_a_reason() {
    let cases = [
        (
            json!({"metadata": {"contactEmail": "bo@example.com"}}),
            Some(("bo@example.com", "metadata.contactEmail")),
        ),
        (
            json!({"metadata": {}, "acceptance": {"signers": [{"email": "cy@example.com"}]}}),
            Some(("cy@example.com", "acceptance")),
        ),
        (
            json!({"metadata": {"email": "not-an-email"}, "acceptance": {"email": "dee@example.com"}}),
            Some(("dee@example.com", "acceptance")),
        ),
        (json!({"metadata": {"note": "x"}}), None),
    ];
    for (i, (extra, want)) in cases.into_iter().enumerate() {
        let mut q = intake();
        let key = read_key(
            q.receive(true, &hook("pageAccepted", &format!("k{i}")), 0)
                .unwrap(),
        );
        let mut page = json!({"id": PAGE});
        page.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        match (q.handle_page(&key, &ok(page), 1).unwrap(), want) {
            (QwilrOutcome::Accepted { event }, Some((email, from))) => {
                assert_eq!(
                    event.contact,
                    Correlation::Email {
                        email: email.into(),
                        from: from.into()
                    }
                );
            }
            (QwilrOutcome::Skipped { reason, .. }, None) => {
                assert!(
                    reason.contains("names no GHL contact") && reason.contains("ghlContactId"),
                    "{reason}"
                );
                assert_eq!(q.log().last().unwrap().outcome, "skipped");
            }
            (o, w) => panic!("case {i}: {o:?} vs {w:?}"),
        }
    }
}

#[test]
fn a_page_that_is_gone_is_skipped() {
    let mut q = intake();
    let key = read_key(q.receive(true, &hook("pageAccepted", KEY), 0).unwrap());
    assert!(matches!(
        q.handle_page(&key, &status(404), 1).unwrap(),
        QwilrOutcome::Skipped { .. }
    ));
}

#[test]
fn hostile_deliveries_get_typed_errors() {
    let mut q = intake();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{".to_vec(), "/"),
        (b"[]".to_vec(), ""),
        (
            br#"{"event":"pageAccepted","idempotencyKey":"k","page":{"id":"../../users"}}"#
                .to_vec(),
            "/page/id",
        ),
        (
            br#"{"event":"pageAccepted","idempotencyKey":"","page":{"id":"a"}}"#.to_vec(),
            "/idempotencyKey",
        ),
        (
            br#"{"event":"pageAccepted","idempotencyKey":"k","page":{"id":"a","metadata":[1]}}"#
                .to_vec(),
            "/page/metadata",
        ),
        (
            br#"{"event":"pageAccepted","idempotencyKey":"k"}"#.to_vec(),
            "/page",
        ),
        (vec![b' '; 70_000], "size"),
    ];
    for (b, at) in &cases {
        let e = q.receive(true, b, 0).unwrap_err();
        match *at {
            "size" => assert_eq!(e.code(), "WEBHOOK_BODY_TOO_LARGE"),
            "/" => assert_eq!(e.code(), "WEBHOOK_MALFORMED"),
            _ => assert_eq!(e.details()["at"], *at, "{e}"),
        }
    }
    assert_eq!(q.log().count(), cases.len());
    // A page read that is not a page.
    let key = read_key(q.receive(true, &hook("pageAccepted", KEY), 0).unwrap());
    assert_eq!(
        q.handle_page(&key, &ok(json!([1])), 1).unwrap_err().code(),
        "WEBHOOK_MALFORMED"
    );
    assert_eq!(
        q.handle_page("nope", &ok(json!({})), 1).unwrap_err().code(),
        "WEBHOOK_MALFORMED"
    );
}

#[test]
fn acceptance_reading_is_lenient_and_typed() {
    assert!(read_acceptance(&json!(null)).is_none());
    let a = read_acceptance(&json!({"email": " x@example.com ", "value": "12"})).unwrap();
    assert_eq!((a.email.as_deref(), a.total), (Some("x@example.com"), None));
    // Wrapped page bodies are read too.
    let p = parse_page(
        json!({"page": {"id": PAGE, "tags": [{"name": "A"}]}})
            .to_string()
            .as_bytes(),
        1 << 20,
    )
    .unwrap();
    assert_eq!(p.tags, ["A"]);
}

#[test]
fn subscriptions_create_list_delete() {
    let base = "https://api.qwilr.com/v1";
    let create = subscription_request(
        base,
        &SubscriptionOp::Create {
            event: "pageAccepted".into(),
            target_url: format!("https://hooks.example.com/qwilr/{SECRET}"),
        },
    )
    .unwrap();
    assert_eq!(
        (create.method, create.url.as_str()),
        (Method::Post, "https://api.qwilr.com/v1/webhooks")
    );
    let body: Value = serde_json::from_str(create.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["event"], "pageAccepted");
    assert!(body["targetUrl"].as_str().unwrap().ends_with(SECRET));
    let list = subscription_request(base, &SubscriptionOp::List).unwrap();
    assert_eq!(list.method, Method::Get);
    let del = subscription_request(base, &SubscriptionOp::Delete { id: "wh_1".into() }).unwrap();
    assert_eq!(
        (del.method, del.url.as_str()),
        (Method::Delete, "https://api.qwilr.com/v1/webhooks/wh_1")
    );
    assert!(subscription_request(base, &SubscriptionOp::Delete { id: "a/b".into() }).is_err());
    assert!(subscription_request(
        base,
        &SubscriptionOp::Create {
            event: "nope".into(),
            target_url: "https://x".into()
        }
    )
    .is_err());
    assert!(subscription_request("http://evil.example", &SubscriptionOp::List).is_err());
    for body in [
        json!([{"id": "a", "event": "pageViewed", "targetUrl": "https://x"}]),
        json!({"data": [{"id": "a", "event": "pageViewed", "url": "https://x"}]}),
    ] {
        let subs = parse_subscriptions(&ok(body)).unwrap();
        assert_eq!((subs.len(), subs[0].target_url.as_str()), (1, "https://x"));
    }
    assert_eq!(
        parse_subscriptions(&status(401)).unwrap_err().code(),
        "SOURCE_BAD_CREDENTIALS"
    );
}

proptest::proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = parse_webhook(&bytes, 256);
        let _ = parse_page(&bytes, 256);
        let mut q = intake();
        let _ = q.receive(true, &bytes, 0);
    }
}

/// The wire forms of the two internally tagged Qwilr values (read through
/// `tagged_enum!`): what is read is written back unchanged, and refusals name the tag,
/// the variants or the shape.
#[test]
fn subscription_op_and_correlation_wire_forms() {
    let ok = [
        json!({"op": "create", "event": "pageAccepted", "targetUrl": "https://x"}),
        json!({"op": "list"}),
        json!({"op": "delete", "id": "wh_1"}),
    ];
    for v in ok {
        let op: SubscriptionOp = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&op).unwrap(), v);
    }
    let list: SubscriptionOp = serde_json::from_value(json!({"op": "list", "id": "x"})).unwrap();
    assert_eq!(list, SubscriptionOp::List);
    let refused = |v: Value| {
        serde_json::from_value::<SubscriptionOp>(v)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(refused(json!({"id": "wh_1"})), "missing field `op`");
    assert_eq!(
        refused(json!({"op": "remove"})),
        "unknown variant `remove`, expected one of `create`, `list`, `delete`"
    );
    assert_eq!(
        refused(json!({"op": "create", "event": "pageAccepted"})),
        "missing field `targetUrl`"
    );
    // serde's own derive read a list positionally; nothing writes that form.
    assert_eq!(
        refused(json!(["list"])),
        "invalid type: sequence, expected internally tagged enum SubscriptionOp"
    );

    for v in [
        json!({"by": "contactId", "contactId": "c1", "key": "ghlContactId"}),
        json!({"by": "email", "email": "a@b.c", "from": "acceptance"}),
    ] {
        let c: Correlation = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&c).unwrap(), v);
    }
    assert_eq!(
        serde_json::from_value::<Correlation>(json!({"by": "phone"}))
            .unwrap_err()
            .to_string(),
        "unknown variant `phone`, expected `contactId` or `email`"
    );
}
