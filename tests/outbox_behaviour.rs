//! The outbox's rules, one at a time, against hand-written responses.

use std::collections::BTreeMap;

use ghl_bridge::error::Coded;
use ghl_bridge::http::HttpResponse;
use ghl_bridge::outbox::{
    backoff_ceiling, Config, DeadReason, Disposition, Event, Failure, Outbox, Record, RecordState,
    StepOutcome, StoreOp,
};
use ghl_bridge::plan::Plan;
use serde_json::json;

const T0: u64 = 1_750_000_000_000;
const DAY: u64 = 86_400_000;

fn plan(id: &str, email: &str, name: &str, tags: &[&str]) -> Plan {
    serde_json::from_value(json!({
        "id": id, "flow": "wishpond.contact", "locationId": "L", "contactKey": email,
        "steps": [
            {"id": "upsert", "operation": "contacts.upsert-contact",
             "params": {"body": {"locationId": "L", "email": email, "firstName": name}}},
            {"id": "add-tags", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
             "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                        "body": {"tags": {"$missing": tags, "in": {"$from": "upsert", "pointer": "/contact/tags"}}}}}
        ]
    }))
    .unwrap()
}

fn resp(status: u16, body: serde_json::Value, headers: &[(&str, &str)]) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
    }
}

fn ok_upsert() -> HttpResponse {
    resp(
        200,
        json!({"new": true, "contact": {"id": "c1", "tags": []}}),
        &[],
    )
}

fn events(ob: &mut Outbox) -> Vec<Event> {
    std::iter::from_fn(|| ob.poll_event()).collect()
}

fn drain(ob: &mut Outbox, store: &mut BTreeMap<String, Record>) {
    while let Some(op) = ob.poll_store() {
        match op {
            StoreOp::Put { key, record } => {
                store.insert(key, *record);
            }
            StoreOp::Delete { key } => {
                store.remove(&key);
            }
        }
    }
}

#[test]
fn accept_returns_the_ops_to_persist_and_drops_duplicates() {
    let mut ob = Outbox::new(Config::default());
    let a = ob
        .accept(plan("e1", "a@x.co", "Ann", &["vip"]), T0)
        .unwrap();
    assert_eq!(a.disposition, Disposition::Queued);
    assert!(
        matches!(&a.ops[..], [StoreOp::Put { key, record }] if key == "e1" && record.state == RecordState::Pending)
    );
    let d = ob
        .accept(plan("e1", "a@x.co", "Ann", &["vip"]), T0)
        .unwrap();
    assert_eq!(d.disposition, Disposition::Duplicate);
    assert!(d.ops.is_empty());
    assert_eq!(ob.stats().duplicates_dropped, 1);
    assert_eq!(ob.counts().accepted, 1);
    // Still a duplicate once done.
    let t = ob.poll_transmit(T0).unwrap();
    ob.handle_response(t.id, &ok_upsert(), T0 + 5, 0).unwrap();
    let t = ob.poll_transmit(T0 + 5).unwrap();
    ob.handle_response(t.id, &resp(201, json!({}), &[]), T0 + 9, 0)
        .unwrap();
    assert_eq!(ob.counts().done, 1);
    let d = ob
        .accept(plan("e1", "a@x.co", "Ann", &["vip"]), T0 + 10)
        .unwrap();
    assert_eq!(d.disposition, Disposition::Duplicate);
    let bad = ob.accept(plan("", "a@x.co", "Ann", &[]), T0).unwrap_err();
    assert_eq!(bad.code(), "OUTBOX_MISSING_FIELD");
}

#[test]
fn pending_updates_of_one_contact_coalesce_and_are_sent_once() {
    let mut ob = Outbox::new(Config::default());
    let mut store = BTreeMap::new();
    // Nothing of e1 was sent before e2 arrives: they merge.
    ob.accept(plan("e1", "a@x.co", "Ann", &["vip"]), T0)
        .unwrap();
    let c = ob
        .accept(plan("e2", "a@x.co", "Anne", &["new"]), T0 + 1)
        .unwrap();
    assert_eq!(
        c.disposition,
        Disposition::Coalesced {
            replaced: "e1".into()
        }
    );
    for op in c.ops {
        if let StoreOp::Put { key, record } = op {
            store.insert(key, *record);
        }
    }
    assert!(matches!(&store["e1"].state, RecordState::Coalesced { into, .. } if into == "e2"));
    assert_eq!(store["e2"].merged, vec!["e1".to_string()]);
    let t = ob.poll_transmit(T0 + 2).unwrap();
    assert_eq!(t.plan_id, "e2");
    assert_eq!(t.params.body.as_ref().unwrap()["firstName"], "Anne");
    ob.handle_response(t.id, &ok_upsert(), T0 + 3, 0).unwrap();
    let t = ob.poll_transmit(T0 + 3).unwrap();
    assert_eq!(t.params.body.unwrap()["tags"], json!(["vip", "new"]));
    ob.handle_response(t.id, &resp(201, json!({}), &[]), T0 + 4, 0)
        .unwrap();
    assert!(ob.poll_transmit(T0 + 5).is_none());
    let c = ob.counts();
    assert_eq!((c.accepted, c.done, c.pending), (2, 2, 0));
    assert_eq!(ob.stats().requests_sent, 2);
    // A plan already sent does not merge: the next one waits behind it.
    ob.accept(plan("e3", "b@x.co", "B", &[]), T0 + 10).unwrap();
    let t = ob.poll_transmit(T0 + 10).unwrap();
    let d = ob
        .accept(plan("e4", "b@x.co", "Bee", &[]), T0 + 11)
        .unwrap();
    assert_eq!(d.disposition, Disposition::Queued);
    assert!(
        ob.poll_transmit(T0 + 11).is_none(),
        "same contact waits for e3"
    );
    ob.handle_response(t.id, &ok_upsert(), T0 + 12, 0).unwrap();
    // e3's add-tags step is skipped (nothing to add), then e4 goes.
    let t = ob.poll_transmit(T0 + 12).unwrap();
    assert_eq!(t.plan_id, "e4");
}

#[test]
fn rejections_dead_letter_at_once_with_ghls_message() {
    for status in [400u16, 422, 404, 403] {
        let mut ob = Outbox::new(Config::default());
        ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
        let t = ob.poll_transmit(T0).unwrap();
        let body =
            json!({"statusCode": status, "message": ["email must be an email"], "traceId": "tr-9"});
        ob.handle_response(t.id, &resp(status, body, &[]), T0 + 1, 0)
            .unwrap();
        assert!(ob.poll_transmit(T0 + 100_000).is_none());
        let dl = ob.dead_letters();
        assert_eq!(dl.len(), 1);
        assert_eq!(dl[0].info.reason, DeadReason::Rejected);
        assert_eq!(dl[0].info.status, Some(status));
        assert_eq!(
            dl[0].info.message.as_deref(),
            Some("email must be an email")
        );
        assert_eq!(dl[0].info.trace_id.as_deref(), Some("tr-9"));
        assert_eq!(ob.stats().requests_sent, 1);
        assert!(events(&mut ob)
            .iter()
            .any(|e| matches!(e, Event::DeadLettered(_))));
        let log = ob.export_log_json();
        assert!(log.contains("\"traceId\":\"tr-9\"") && log.contains("\"outcome\":\"dead\""));
    }
}

#[test]
fn transient_failures_back_off_within_the_jitter_bounds_then_dead_letter() {
    let config = Config::default();
    let mut ob = Outbox::new(config.clone());
    ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
    let mut now = T0;
    let rands = [u64::MAX, 0, u64::MAX / 2, 12345, u64::MAX, 7];
    for (n, r) in rands.iter().enumerate() {
        let t = ob.poll_transmit(now).expect("a retry is due");
        assert_eq!(t.attempt as usize, n + 1);
        if n % 2 == 0 {
            ob.handle_response(t.id, &resp(503, json!({"message": "busy"}), &[]), now, *r)
                .unwrap();
        } else {
            ob.handle_failure(t.id, Failure::Timeout, now, *r).unwrap();
        }
        if n + 1 == config.max_attempts as usize {
            break;
        }
        let wake = ob.record("e1").unwrap().steps[0].next_attempt_at.unwrap();
        let ceiling = backoff_ceiling(config.backoff_base_ms, config.backoff_cap_ms, n as u32 + 1);
        assert!(
            wake >= now && wake - now <= ceiling,
            "delay {} > {ceiling}",
            wake - now
        );
        if *r == u64::MAX {
            assert_eq!(wake - now, ceiling);
        }
        if wake > now {
            assert!(
                ob.poll_transmit(wake - 1).is_none(),
                "sent before the backoff ended"
            );
        }
        now = wake;
    }
    let dl = ob.dead_letters();
    assert_eq!(dl[0].info.reason, DeadReason::RetriesExhausted);
    assert_eq!(dl[0].info.attempts, config.max_attempts);
    assert_eq!(ob.stats().retries, u64::from(config.max_attempts) - 1);
}

#[test]
fn a_429_parks_the_location_and_daily_zero_parks_until_the_reset() {
    let mut ob = Outbox::new(Config::default());
    ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
    ob.accept(plan("e2", "b@x.co", "Bob", &[]), T0).unwrap();
    let t1 = ob.poll_transmit(T0).unwrap();
    let t2 = ob.poll_transmit(T0).unwrap();
    let h = [
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Interval-Milliseconds", "10000"),
    ];
    ob.handle_response(t1.id, &resp(429, json!({}), &h), T0 + 10, 0)
        .unwrap();
    assert!(ob.poll_transmit(T0 + 9_999).is_none());
    // Parked for the burst window; the reported remaining 0 also fills the budget
    // until the window (plus margin) after the send has passed.
    let wake = ob.poll_timeout().unwrap();
    assert!((T0 + 10_010..=T0 + 10_300).contains(&wake), "{}", wake - T0);
    assert!(ob.poll_transmit(wake - 1).is_none());
    let t = ob.poll_transmit(wake).unwrap();
    assert_eq!(
        (t.plan_id.as_str(), t.attempt),
        ("e1", 1),
        "429 is not a failed attempt"
    );
    // Daily budget gone: parked until the next UTC midnight.
    let h = [
        ("X-RateLimit-Daily-Remaining", "0"),
        ("X-RateLimit-Remaining", "50"),
    ];
    ob.handle_response(t2.id, &resp(429, json!({}), &h), T0 + 10_020, 0)
        .unwrap();
    let midnight = (T0 / DAY + 1) * DAY;
    assert!(events(&mut ob).iter().any(
        |e| matches!(e, Event::LocationParked { until, daily: true, .. } if *until == midnight)
    ));
    assert!(ob.poll_transmit(midnight - 1).is_none());
    ob.handle_response(t.id, &ok_upsert(), T0 + 10_030, 0)
        .unwrap();
    assert!(ob.poll_transmit(midnight - 1).is_none());
    assert!(ob.poll_transmit(midnight).is_some());
    assert_eq!(ob.stats().http_429, 2);
}

#[test]
fn the_budget_keeps_normal_operation_below_the_limit() {
    let config = Config {
        burst_max: 3,
        window_margin_ms: 0,
        max_in_flight_per_location: 10,
        max_in_flight: 10,
        ..Config::default()
    };
    let mut ob = Outbox::new(config);
    for i in 0..5 {
        ob.accept(plan(&format!("e{i}"), &format!("{i}@x.co"), "N", &[]), T0)
            .unwrap();
    }
    let sent: Vec<_> = std::iter::from_fn(|| ob.poll_transmit(T0)).collect();
    assert_eq!(sent.len(), 3);
    assert_eq!(ob.poll_timeout(), Some(T0 + 10_000));
    // GHL says fewer remain than we think (another client): we hold back more.
    let h = [("X-RateLimit-Max", "3"), ("X-RateLimit-Remaining", "0")];
    ob.handle_response(sent[0].id, &ok_upsert(), T0 + 5, 0)
        .unwrap();
    ob.handle_response(
        sent[1].id,
        &resp(200, json!({"contact": {"id": "c2", "tags": []}}), &h),
        T0 + 5,
        0,
    )
    .unwrap();
    assert!(ob.poll_transmit(T0 + 9_999).is_none());
    assert_eq!(
        ob.poll_transmit(T0 + 10_000).map(|t| t.step_id == "upsert"),
        Some(true)
    );
}

#[test]
fn a_401_asks_for_one_refresh_and_a_second_401_pauses() {
    let mut ob = Outbox::new(Config::default());
    for i in 0..3 {
        ob.accept(plan(&format!("e{i}"), &format!("{i}@x.co"), "N", &[]), T0)
            .unwrap();
    }
    let ts: Vec<_> = std::iter::from_fn(|| ob.poll_transmit(T0)).collect();
    assert_eq!(ts.len(), 3);
    let unauthorized = resp(
        401,
        json!({"statusCode": 401, "message": "Invalid JWT"}),
        &[],
    );
    ob.handle_response(ts[0].id, &unauthorized, T0 + 1, 0)
        .unwrap();
    ob.handle_response(ts[1].id, &unauthorized, T0 + 2, 0)
        .unwrap();
    let refreshes = events(&mut ob)
        .iter()
        .filter(|e| **e == Event::TokenRefreshNeeded)
        .count();
    assert_eq!(refreshes, 1, "single flight");
    assert!(ob.refreshing_token());
    assert!(
        ob.poll_transmit(T0 + 3).is_none(),
        "nothing is sent while refreshing"
    );
    assert_eq!(ob.poll_timeout(), None);
    ob.token_refreshed(T0 + 10);
    // The third request was sent with the old token: its 401 only puts it back.
    ob.handle_response(ts[2].id, &unauthorized, T0 + 11, 0)
        .unwrap();
    assert!(ob.auth_paused().is_none());
    let retry = ob.poll_transmit(T0 + 12).unwrap();
    assert_eq!(retry.attempt, 1);
    ob.handle_response(retry.id, &unauthorized, T0 + 13, 0)
        .unwrap();
    assert!(ob.auth_paused().is_some());
    assert!(events(&mut ob)
        .iter()
        .any(|e| matches!(e, Event::AuthPaused { .. })));
    assert!(ob.poll_transmit(T0 + 14).is_none());
    ob.resume_auth(T0 + 20);
    let t = ob.poll_transmit(T0 + 21).unwrap();
    ob.handle_response(t.id, &ok_upsert(), T0 + 22, 0).unwrap();
    assert_eq!(ob.stats().token_refreshes, 1);
    assert_eq!(ob.counts().dead, 0);
}

#[test]
fn dead_letters_can_be_retriggered_keeping_done_steps() {
    let mut ob = Outbox::new(Config::default());
    for i in 0..2 {
        ob.accept(
            plan(&format!("e{i}"), &format!("{i}@x.co"), "N", &["vip"]),
            T0,
        )
        .unwrap();
    }
    let ups: Vec<_> = std::iter::from_fn(|| ob.poll_transmit(T0)).collect();
    assert_eq!(ups.len(), 2);
    for t in ups {
        ob.handle_response(t.id, &ok_upsert(), T0 + 1, 0).unwrap();
    }
    let adds: Vec<_> = std::iter::from_fn(|| ob.poll_transmit(T0 + 2)).collect();
    for t in adds {
        assert_eq!(t.step_id, "add-tags");
        ob.handle_response(
            t.id,
            &resp(422, json!({"message": "tags invalid"}), &[]),
            T0 + 3,
            0,
        )
        .unwrap();
    }
    assert_eq!(ob.dead_letters().len(), 2);
    assert_eq!(ob.counts().dead, 2);
    ob.retrigger("e0", T0 + 4).unwrap();
    assert_eq!(
        ob.retrigger("e0", T0 + 4).unwrap_err().code(),
        "OUTBOX_NOT_DEAD"
    );
    let t = ob.poll_transmit(T0 + 4).unwrap();
    assert_eq!(
        (t.plan_id.as_str(), t.step_id.as_str()),
        ("e0", "add-tags"),
        "done steps stay done"
    );
    ob.handle_response(t.id, &resp(201, json!({}), &[]), T0 + 5, 0)
        .unwrap();
    assert_eq!(ob.retrigger_all(T0 + 6), 1);
    let t = ob.poll_transmit(T0 + 6).unwrap();
    ob.handle_response(t.id, &resp(201, json!({}), &[]), T0 + 7, 0)
        .unwrap();
    let c = ob.counts();
    assert_eq!((c.done, c.dead, c.pending), (2, 0, 0));
}

#[test]
fn restore_continues_where_it_stopped_and_resends_only_the_in_flight_step() {
    let config = Config::default();
    let mut ob = Outbox::new(config.clone());
    let mut store = BTreeMap::new();
    for i in 0..3 {
        let a = ob
            .accept(
                plan(&format!("e{i}"), &format!("{i}@x.co"), "N", &["vip"]),
                T0,
            )
            .unwrap();
        for op in a.ops {
            if let StoreOp::Put { key, record } = op {
                store.insert(key, *record);
            }
        }
    }
    // e0: upsert done, add-tags in flight when the tab closes. e1: upsert failed once.
    // e2: never sent.
    let t0 = ob.poll_transmit(T0).unwrap();
    let t1 = ob.poll_transmit(T0).unwrap();
    ob.handle_response(
        t0.id,
        &resp(200, json!({"contact": {"id": "c0", "tags": []}}), &[]),
        T0 + 1,
        0,
    )
    .unwrap();
    ob.handle_failure(t1.id, Failure::Dropped, T0 + 1, u64::MAX)
        .unwrap();
    let inflight = ob.poll_transmit(T0 + 2).unwrap();
    assert_eq!(
        (inflight.plan_id.as_str(), inflight.step_id.as_str()),
        ("e0", "add-tags")
    );
    drain(&mut ob, &mut store);
    drop(ob);

    let mut ob = Outbox::restore(config, store.values().cloned(), T0 + 100);
    let c = ob.counts();
    assert_eq!((c.accepted, c.pending), (3, 3));
    assert_eq!(
        ob.accept(plan("e1", "1@x.co", "N", &[]), T0 + 100)
            .unwrap()
            .disposition,
        Disposition::Duplicate
    );
    let sent: Vec<_> = std::iter::from_fn(|| ob.poll_transmit(T0 + 100)).collect();
    let steps: Vec<_> = sent
        .iter()
        .map(|t| (t.plan_id.as_str(), t.step_id.as_str()))
        .collect();
    // e0 resumes with add-tags (upsert not repeated, its response feeds the contact id);
    // e1 waits out its backoff (1 s after the failure); e2 starts.
    assert_eq!(steps, vec![("e0", "add-tags"), ("e2", "upsert")]);
    assert_eq!(sent[0].params.path["contactId"], "c0");
    assert_eq!(ob.poll_timeout(), Some(T0 + 1 + 1_000));
    let e1 = ob.record("e1").unwrap();
    assert_eq!(e1.steps[0].attempts, 1);
    assert!(matches!(
        store["e0"].steps[0].outcome,
        Some(StepOutcome::Done { .. })
    ));
}

#[test]
fn the_log_is_bounded_and_holds_no_headers() {
    let mut ob = Outbox::new(Config {
        log_capacity: 3,
        ..Config::default()
    });
    ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
    let mut now = T0;
    for _ in 0..5 {
        let t = ob.poll_transmit(now).unwrap();
        let r = resp(
            500,
            json!({"message": "oops", "traceId": "tr"}),
            &[("Set-Cookie", "secret-cookie")],
        );
        ob.handle_response(t.id, &r, now, 0).unwrap();
        now = ob.poll_timeout().unwrap();
    }
    let log = ob.log();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|e| e.attempt).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    let json = ob.export_log_json();
    assert!(json.contains("\"ghlMessage\":\"oops\""));
    assert!(!json.contains("secret-cookie"));
}

/// The outbox acts on `request::classify`'s disposition for every status: one policy
/// for the client and the outbox (the outbox once kept its own table and retried 501
/// and 505, which the client called final).
#[test]
fn every_status_is_handled_as_the_one_response_policy_says() {
    use ghl_bridge::request::{disposition_of, Disposition as Policy};
    for status in (0..=1000u16).filter(|s| *s < 700 || s % 100 == 0) {
        let mut ob = Outbox::new(Config::default());
        ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
        let t = ob.poll_transmit(T0).unwrap();
        let body = if (200..300).contains(&status) {
            json!({"new": true, "contact": {"id": "c1", "tags": []}})
        } else {
            json!({"message": "m", "traceId": "tr"})
        };
        events(&mut ob);
        ob.handle_response(t.id, &resp(status, body, &[]), T0 + 5, 0)
            .unwrap();
        let evs = events(&mut ob);
        let dead = ob.dead_letters();
        let rec = ob.record("e1");
        let step = rec.map(|r| r.steps[0].clone());
        match disposition_of(status, false) {
            Policy::Done => {
                assert!(
                    matches!(step.and_then(|s| s.outcome), Some(StepOutcome::Done { .. })),
                    "{status}"
                );
            }
            Policy::Retry => {
                let s = step.expect("still pending");
                assert_eq!(s.attempts, 1, "{status}: a failed attempt");
                assert!(s.next_attempt_at.is_some(), "{status}: backoff");
                assert!(dead.is_empty(), "{status}");
            }
            Policy::RateLimited { .. } => {
                assert!(
                    evs.iter()
                        .any(|e| matches!(e, Event::LocationParked { .. })),
                    "{status}"
                );
                assert_eq!(step.unwrap().attempts, 0, "{status}: not an attempt");
            }
            Policy::RefreshAuth => {
                assert!(evs.contains(&Event::TokenRefreshNeeded), "{status}");
                assert!(dead.is_empty(), "{status}");
            }
            Policy::Reject => {
                assert_eq!(dead.len(), 1, "{status}");
                assert_eq!(dead[0].info.reason, DeadReason::Rejected, "{status}");
                assert_eq!(dead[0].info.message.as_deref(), Some("m"));
                assert_eq!(dead[0].info.trace_id.as_deref(), Some("tr"));
            }
            Policy::Unexpected => {
                assert_eq!(dead.len(), 1, "{status}");
                assert_eq!(dead[0].info.reason, DeadReason::UnexpectedStatus);
            }
        }
    }
}

/// Times within a day of `u64::MAX` (a host clock gone wrong, a fuzzer) saturate: no
/// panic in the daily budget, parking or backoff arithmetic.
#[test]
fn times_at_u64_max_do_not_overflow() {
    for now in [u64::MAX, u64::MAX - 1, u64::MAX - DAY / 3] {
        let mut ob = Outbox::new(Config {
            daily_max: 1,
            ..Config::default()
        });
        ob.accept(plan("e1", "a@x.co", "Ann", &[]), now).unwrap();
        ob.accept(plan("e2", "b@x.co", "Bo", &[]), now).unwrap();
        let t = ob.poll_transmit(now).unwrap();
        if now < u64::MAX {
            assert!(ob.poll_transmit(now).is_none(), "the daily budget is used");
            assert_eq!(ob.poll_timeout(), Some(u64::MAX));
        }
        let r = resp(
            429,
            json!({}),
            &[
                ("X-RateLimit-Daily-Remaining", "0"),
                ("X-RateLimit-Daily-Reset", "18446744073709551615"),
            ],
        );
        ob.handle_response(t.id, &r, now, u64::MAX).unwrap();
        let _ = ob.drain(now);
        ob.sweep(now);
        let mut ob = Outbox::new(Config::default());
        ob.accept(plan("e3", "c@x.co", "Cy", &[]), now).unwrap();
        let t = ob.poll_transmit(now).unwrap();
        ob.handle_response(t.id, &resp(503, json!({}), &[]), now, u64::MAX)
            .unwrap();
        if let Some(t) = ob.poll_transmit(u64::MAX) {
            ob.handle_failure(t.id, Failure::Timeout, now, 7).unwrap();
        }
        assert!(ob.poll_timeout().is_some());
    }
}

/// A 429 with an absurd `X-RateLimit-Interval-Milliseconds` parks the location for at
/// most the documented clamp, not for centuries.
#[test]
fn an_extreme_interval_header_is_clamped() {
    use ghl_bridge::request::ratelimit::MAX_INTERVAL_MS;
    let mut ob = Outbox::new(Config::default());
    ob.accept(plan("e1", "a@x.co", "Ann", &[]), T0).unwrap();
    let t = ob.poll_transmit(T0).unwrap();
    events(&mut ob);
    let r = resp(
        429,
        json!({}),
        &[("X-RateLimit-Interval-Milliseconds", "9999999999999")],
    );
    ob.handle_response(t.id, &r, T0 + 10, 0).unwrap();
    let until = events(&mut ob)
        .into_iter()
        .find_map(|e| match e {
            Event::LocationParked { until, .. } => Some(until),
            _ => None,
        })
        .unwrap();
    assert_eq!(until, T0 + 10 + MAX_INTERVAL_MS);
    assert_eq!(ob.poll_timeout(), Some(until));
    // It is sent again once the clamp has passed, and later windows use the clamp too.
    let t = ob.poll_transmit(until).expect("sent again after the clamp");
    ob.handle_response(t.id, &ok_upsert(), until + 5, 0)
        .unwrap();
    let _ = ob.drain(until + 5);
    assert_eq!(ob.counts().done, 1);
}

/// Times from storage are clamped: a stored backoff far in the future waits at most
/// `backoffCapMs`; a tombstone dated in the future is swept after its TTL from now.
#[test]
fn restored_times_are_clamped() {
    let mut ob = Outbox::new(Config::default());
    let mut store = BTreeMap::new();
    for (id, email) in [("e1", "a@x.co"), ("e2", "b@x.co")] {
        for op in ob.accept(plan(id, email, "Ann", &[]), T0).unwrap().ops {
            if let StoreOp::Put { key, record } = op {
                store.insert(key, *record);
            }
        }
    }
    let mut r1 = store["e1"].clone();
    r1.steps[0].next_attempt_at = Some(u64::MAX);
    let mut r2 = store["e2"].clone();
    r2.state = RecordState::Done { at: u64::MAX };
    let cfg = Config::default();
    let ob = Outbox::restore(cfg.clone(), [r1, r2], T0);
    assert_eq!(ob.poll_timeout(), Some(T0 + cfg.backoff_cap_ms));
    let mut ob = ob;
    assert_eq!(ob.sweep(T0 + cfg.tombstone_ttl_ms), 1);
}

/// Nonsense numbers are refused with a typed error naming the option.
#[test]
fn nonsense_config_numbers_are_refused_naming_the_option() {
    assert!(Config::default().validate().is_ok());
    let with = |f: fn(&mut Config)| {
        let mut c = Config::default();
        f(&mut c);
        c
    };
    let cases: Vec<(Config, &str)> = vec![
        (with(|c| c.max_in_flight = 0), "maxInFlight"),
        (
            with(|c| c.max_in_flight_per_location = 0),
            "maxInFlightPerLocation",
        ),
        (with(|c| c.burst_max = 0), "burstMax"),
        (with(|c| c.daily_max = 0), "dailyMax"),
        (with(|c| c.max_attempts = 0), "maxAttempts"),
        (with(|c| c.burst_interval_ms = 0), "burstIntervalMs"),
        (with(|c| c.burst_interval_ms = u64::MAX), "burstIntervalMs"),
        (with(|c| c.backoff_base_ms = 100_000), "backoffCapMs"),
        (with(|c| c.log_capacity = usize::MAX), "logCapacity"),
        (with(|c| c.tombstone_ttl_ms = u64::MAX), "tombstoneTtlMs"),
    ];
    for (cfg, option) in cases {
        let e = cfg.validate().unwrap_err();
        assert_eq!(e.code(), "OUTBOX_INVALID_CONFIG");
        assert_eq!(e.details()["option"], option);
        assert!(e.to_string().contains(option), "{e}");
    }
}

/// 6,000 events through one outbox: the state it keeps stays bounded (tombstones by
/// `maxTombstones`, the log by `logCapacity`), and what it forgets is deleted from
/// storage too.
#[test]
fn retained_state_is_bounded_however_many_events_pass() {
    let mut ob = Outbox::new(Config {
        max_tombstones: 1_000,
        log_capacity: 50,
        ..Config::default()
    });
    let mut store = BTreeMap::new();
    let mut now = T0;
    for i in 0..6_000 {
        let id = format!("e{i}");
        for op in ob
            .accept(plan(&id, &format!("{i}@x.co"), "N", &[]), now)
            .unwrap()
            .ops
        {
            if let StoreOp::Put { key, record } = op {
                store.insert(key, *record);
            }
        }
        loop {
            let d = ob.drain(now);
            for op in d.store {
                match op {
                    StoreOp::Put { key, record } => {
                        store.insert(key, *record);
                    }
                    StoreOp::Delete { key } => {
                        store.remove(&key);
                    }
                }
            }
            if d.transmits.is_empty() {
                break;
            }
            for t in d.transmits {
                let r = if i % 10 == 0 {
                    resp(503, json!({"message": "busy"}), &[])
                } else {
                    ok_upsert()
                };
                ob.handle_response(t.id, &r, now, 0).unwrap();
            }
            now += 1;
        }
        now += 200;
    }
    let r = ob.retained();
    assert!(r.tombstones <= 1_000, "{r:?}");
    assert!(r.log_entries <= 50, "{r:?}");
    assert_eq!(r.locations, 1);
    assert!(r.records < 700, "only the plans still retrying: {r:?}");
    assert!(
        store.len() <= 1_000 + r.records as usize,
        "storage is pruned too: {}",
        store.len()
    );
    // A duplicate of a remembered id is still dropped.
    let last = plan("e5999", "5999@x.co", "N", &[]);
    assert_eq!(
        ob.accept(last, now).unwrap().disposition,
        Disposition::Duplicate
    );
}
