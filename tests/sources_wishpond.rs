//! Wishpond poller: paging until done, new and changed leads, duplicates dropped, the
//! cursor committed only by a completed poll, the call budget, 429/5xx backoff and a
//! bad key. Lead shapes follow FACTS (`dynamic_attributes`, snake_case); values are
//! illustrative.

use ghl_bridge::error::Coded;
use ghl_bridge::http::HttpResponse;
use ghl_bridge::sources::wishpond::read_api_lead;
use ghl_bridge::sources::{PollStep, WishpondCursor, WishpondPoller, WishpondPollerConfig};
use serde_json::{json, Value};

fn lead(id: u32, name: &str) -> Value {
    json!({"id": id, "email": format!("lead{id}@example.com"),
        "dynamic_attributes": {"first_name": name, "phone_number": "+1 555 0100", "utm_source": "newsletter"}})
}

fn page(leads: Vec<Value>, total_pages: u32) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Default::default(),
        body: json!({"leads": leads, "meta": {"total_pages": total_pages}}).to_string(),
    }
}

fn status(s: u16) -> HttpResponse {
    HttpResponse {
        status: s,
        headers: [("Retry-After".to_string(), "7".to_string())].into(),
        body: "{}".into(),
    }
}

fn config() -> WishpondPollerConfig {
    WishpondPollerConfig {
        per_page: 2,
        ..Default::default()
    }
}

fn send_page(step: PollStep) -> u32 {
    match step {
        PollStep::Send { page, request } => {
            assert!(
                request
                    .url
                    .ends_with(&format!("/leads?page={page}&per_page=2")),
                "{}",
                request.url
            );
            assert!(
                !request.headers.contains_key("X-Api-Token"),
                "no key in the core"
            );
            page
        }
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Runs a whole poll over `pages` (each a response), returning the Done step.
fn run(p: &mut WishpondPoller, pages: Vec<HttpResponse>, now: u64) -> PollStep {
    let mut step = p.poll(now);
    for r in pages {
        send_page(step);
        step = p.handle_response(&r, now).unwrap();
    }
    step
}

#[test]
fn pages_until_done_then_only_new_and_changed_leads() {
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    let done = run(
        &mut p,
        vec![
            page(vec![lead(1, "Ada"), lead(2, "Bo")], 2),
            page(vec![lead(3, "Cy")], 2),
        ],
        0,
    );
    let PollStep::Done {
        events,
        cursor,
        calls,
        ..
    } = done
    else {
        panic!("{done:?}")
    };
    assert_eq!(calls, 2);
    assert_eq!(events.len(), 3);
    assert!(events
        .iter()
        .all(|e| e.kind == "wishpond.lead.created" && e.arrived == "api"));
    assert_eq!(events[0].lead.dynamic_attributes["first_name"], "Ada");
    assert_eq!(events[0].utm["utm_source"], "newsletter");
    // The stored cursor restarts the poller: one lead changed, one new, the rest dropped.
    let stored: WishpondCursor =
        serde_json::from_str(&serde_json::to_string(&cursor).unwrap()).unwrap();
    let mut p2 = WishpondPoller::new(config(), stored).unwrap();
    let done = run(
        &mut p2,
        vec![
            page(vec![lead(1, "Ada"), lead(2, "Bob")], 2),
            page(vec![lead(3, "Cy"), lead(4, "Di")], 2),
        ],
        1,
    );
    let PollStep::Done { events, .. } = done else {
        panic!()
    };
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.lead.id.clone().unwrap(), e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("2".into(), "wishpond.lead.updated"),
            ("4".into(), "wishpond.lead.created")
        ]
    );
}

#[test]
fn a_lead_on_two_pages_counts_once_and_one_without_contact_details_is_skipped() {
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    let no_contact = json!({"id": 9, "dynamic_attributes": {"first_name": "Anon"}});
    let done = run(
        &mut p,
        vec![
            page(vec![lead(1, "A"), lead(2, "B")], 2),
            page(vec![lead(2, "B"), no_contact], 2),
        ],
        0,
    );
    let PollStep::Done {
        events, skipped, ..
    } = done
    else {
        panic!()
    };
    assert_eq!(events.len(), 2);
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].reason.contains("neither an email nor a phone"),
        "{}",
        skipped[0].reason
    );
}

#[test]
fn a_failed_poll_leaves_the_cursor() {
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    send_page(p.poll(0));
    p.handle_response(&page(vec![lead(1, "A"), lead(2, "B")], 2), 0)
        .unwrap();
    // Page 2 never answers properly: the poll is abandoned.
    p.poll_failed();
    assert!(p.cursor().known.is_empty());
    assert!(!p.polling());
    // The next poll starts again at page 1 and still reports both leads as new.
    let done = run(&mut p, vec![page(vec![lead(1, "A"), lead(2, "B")], 1)], 1);
    let PollStep::Done { events, .. } = done else {
        panic!()
    };
    assert_eq!(events.len(), 2);
}

#[test]
fn a_bad_key_is_a_typed_error_and_the_cursor_stays() {
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    send_page(p.poll(0));
    let e = p.handle_response(&status(401), 0).unwrap_err();
    assert_eq!(e.code(), "SOURCE_BAD_CREDENTIALS");
    assert!(e.to_string().contains("check the API key"));
    assert!(p.cursor().known.is_empty() && !p.polling());
}

#[test]
fn rate_limits_and_server_errors_back_off_then_give_up() {
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    send_page(p.poll(0));
    // 429 with Retry-After: 7 s, same page again.
    match p.handle_response(&status(429), 0).unwrap() {
        PollStep::Wait { until_ms, .. } => assert_eq!(until_ms, 7_000),
        o => panic!("{o:?}"),
    }
    assert!(matches!(p.poll(6_999), PollStep::Wait { .. }));
    assert_eq!(send_page(p.poll(7_000)), 1);
    // 5xx: 2 s doubling (the 429 counted as the first retry).
    let mut now = 7_000;
    let mut waits = vec![];
    for _ in 0..4 {
        match p.handle_response(&status(503), now).unwrap() {
            PollStep::Wait { until_ms, .. } => {
                waits.push(until_ms - now);
                now = until_ms;
            }
            o => panic!("{o:?}"),
        }
        send_page(p.poll(now));
    }
    assert_eq!(waits, [4_000, 8_000, 16_000, 32_000]);
    let e = p.handle_response(&status(503), now).unwrap_err();
    assert_eq!(
        (e.code(), e.details()["retry"].clone()),
        ("SOURCE_API_ERROR", json!(true))
    );
    assert!(p.cursor().known.is_empty());
}

#[test]
fn the_call_budget_holds_over_any_minute() {
    let cfg = WishpondPollerConfig {
        per_page: 1,
        max_calls_per_minute: 3,
        ..Default::default()
    };
    let mut p = WishpondPoller::new(cfg, WishpondCursor::default()).unwrap();
    let mut sent = vec![];
    let mut now = 0;
    let mut step = p.poll(now);
    for i in 0..5u32 {
        loop {
            match step {
                PollStep::Send { .. } => break,
                PollStep::Wait { until_ms, .. } => {
                    now = until_ms;
                    step = p.poll(now);
                }
                o => panic!("{o:?}"),
            }
        }
        sent.push(now);
        step = p
            .handle_response(&page(vec![lead(i, "x")], 5), now + 10)
            .unwrap();
        now += 10;
    }
    assert!(matches!(step, PollStep::Done { calls: 5, .. }), "{step:?}");
    for (i, t) in sent.iter().enumerate().skip(3) {
        assert!(
            t - sent[i - 3] >= 60_000,
            "more than 3 calls within a minute: {sent:?}"
        );
    }
}

#[test]
fn default_budget_is_below_what_working_integrations_use() {
    assert!(WishpondPollerConfig::default().max_calls_per_minute < 99);
}

#[test]
fn hostile_pages_end_the_poll_with_typed_errors() {
    for body in ["not json", "{}", r#"{"leads": 3}"#] {
        let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
        send_page(p.poll(0));
        let r = HttpResponse {
            status: 200,
            headers: Default::default(),
            body: body.into(),
        };
        assert_eq!(
            p.handle_response(&r, 0).unwrap_err().code(),
            "WEBHOOK_MALFORMED"
        );
        assert!(!p.polling());
    }
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    assert!(
        p.handle_response(&status(200), 0).is_err(),
        "no request in flight"
    );
    assert!(WishpondPoller::new(
        WishpondPollerConfig {
            base_url: "http://evil.example".into(),
            ..config()
        },
        WishpondCursor::default()
    )
    .is_err());
}

proptest::proptest! {
    #[test]
    fn lead_reader_and_poller_never_panic(body in ".{0,300}", s in 100u16..600) {
        let _ = serde_json::from_str::<Value>(&body).map(|v| read_api_lead(&v));
        let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
        let _ = p.poll(0);
        let _ = p.handle_response(&HttpResponse { status: s, headers: Default::default(), body }, 0);
    }
}

#[test]
fn the_budget_and_waits_at_the_end_of_the_clock_do_not_overflow() {
    // The same `t + 60_000` as the capture's rate limit (fuzz find), and a 429's wait.
    let mut p = WishpondPoller::new(config(), WishpondCursor::default()).unwrap();
    assert!(matches!(p.poll(u64::MAX), PollStep::Send { .. }));
    match p.handle_response(&status(429), u64::MAX).unwrap() {
        PollStep::Wait { until_ms, .. } => assert_eq!(until_ms, u64::MAX),
        other => panic!("{other:?}"),
    }
    let _ = p.poll(u64::MAX);
}
