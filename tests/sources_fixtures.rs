//! The real-shape fixtures (`tests/fixtures/sources/`, values illustrative) through the
//! sources core: what each one becomes.

use ghl_bridge::http::HttpResponse;
use ghl_bridge::sources::{
    Correlation, GhlWebhookConfig, GhlWebhookOutcome, GhlWebhookReceiver, KnownTags,
    KnownTagsMemory, KnownTagsOp, PollStep, QwilrConfig, QwilrIntake, QwilrNeed, QwilrOutcome,
    SignatureAlgorithm, SignatureVerdict, WishpondCursor, WishpondPoller, WishpondPollerConfig,
};

const LEADS: &str = include_str!("fixtures/sources/wishpond-leads-page.json");
const QWILR_HOOK: &str = include_str!("fixtures/sources/qwilr-webhook-page-accepted.json");
const QWILR_PAGE: &str = include_str!("fixtures/sources/qwilr-page-read-accepted.json");
const GHL_TAGS: &str = include_str!("fixtures/sources/ghl-webhook-contact-tag-update.json");

fn ok(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Default::default(),
        body: body.into(),
    }
}

#[test]
fn a_wishpond_leads_page() {
    let mut p =
        WishpondPoller::new(WishpondPollerConfig::default(), WishpondCursor::default()).unwrap();
    assert!(matches!(p.poll(0), PollStep::Send { page: 1, .. }));
    let PollStep::Done {
        events, skipped, ..
    } = p.handle_response(&ok(LEADS), 0).unwrap()
    else {
        panic!()
    };
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.lead.email.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(e.lead.dynamic_attributes["phone_number"], "(415) 555-0123");
    assert_eq!(e.utm["utm_campaign"], "spring_launch");
    assert_eq!(skipped.len(), 1, "the lead without email or phone");
}

#[test]
fn a_qwilr_acceptance() {
    let mut q =
        QwilrIntake::new(QwilrConfig::default(), "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b").unwrap();
    let QwilrNeed::ReadPage {
        idempotency_key, ..
    } = q.receive(true, QWILR_HOOK.as_bytes(), 0).unwrap()
    else {
        panic!()
    };
    let QwilrOutcome::Accepted { event } =
        q.handle_page(&idempotency_key, &ok(QWILR_PAGE), 1).unwrap()
    else {
        panic!()
    };
    assert_eq!(event.kind, "qwilr.pageAccepted");
    assert!(
        matches!(&event.contact, Correlation::ContactId { contact_id, .. } if contact_id == "nmFmQEsNgz6AVpgLVUJ0")
    );
    let a = event.acceptance.unwrap();
    assert_eq!(
        (a.name.as_deref(), a.total),
        (Some("Jane Doe"), Some(12500.0))
    );
}

#[test]
fn a_ghl_contact_tag_update() {
    let mut r = GhlWebhookReceiver::new(GhlWebhookConfig::default()).unwrap();
    let mut lists = KnownTagsMemory::new(10);
    lists.apply(KnownTagsOp::Put {
        list: KnownTags {
            contact_id: "nmFmQEsNgz6AVpgLVUJ0".into(),
            tags: vec!["newsletter".into(), "proposal-sent".into()],
            at_ms: 0,
        },
    });
    let headers = [("x-ghl-signature".to_string(), "c2ln".to_string())].into();
    let verdict = SignatureVerdict {
        algorithm: SignatureAlgorithm::Ed25519,
        valid: true,
    };
    let now = 1_772_788_502_000 + 1_000; // a second after the fixture's timestamp
    let GhlWebhookOutcome::Accepted { event, .. } = r
        .receive_in_memory(&headers, GHL_TAGS.as_bytes(), verdict, now, &mut lists)
        .unwrap()
    else {
        panic!()
    };
    let t = event.tag_change.unwrap();
    assert_eq!(
        (t.added, t.removed),
        (
            vec!["proposal-accepted".to_string()],
            vec!["proposal-sent".to_string()]
        )
    );
}
