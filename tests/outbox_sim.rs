//! The outbox against a simulated GHL, in virtual time (no I/O, no real clock).
//!
//! The simulated GHL has a per-location fixed-window limiter (100 per 10 s, answering
//! 429 with the `X-RateLimit-*` headers), a daily budget, a seeded fault injector (5xx,
//! dropped connections that may have been applied, latency), a token that expires
//! mid-run, and a contacts store where upsert matches by email and tags are sets.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use ghl_bridge::http::{Headers, HttpResponse};
use ghl_bridge::outbox::{
    Config, Disposition, Event, Failure, Outbox, Record, RecordState, SplitMix64, StoreOp, Transmit,
};
use ghl_bridge::plan::Plan;
use serde_json::{json, Value};

const T0: u64 = 1_750_000_000_000;

#[derive(Clone, Copy)]
struct Faults {
    p5xx: f64,
    pdrop: f64,
    burst_429_every_ms: Option<u64>,
    token_expires_at: Option<u64>,
    restart_at: Option<u64>,
}

struct Contact {
    id: String,
    first_name: String,
    tags: BTreeSet<String>,
}

struct Ghl {
    rng: SplitMix64,
    faults: Faults,
    windows: HashMap<String, (u64, u64)>,
    daily: HashMap<String, u64>,
    valid_token: String,
    next_burst: u64,
    burst_until: u64,
    contacts: HashMap<(String, String), Contact>,
    created: HashMap<(String, String), u32>,
    applied: HashMap<(String, String), u32>,
    arrivals: HashMap<String, Vec<u64>>,
    dropped_after_apply: u64,
}

enum Answer {
    Resp(HttpResponse),
    Fail(Failure),
}

impl Ghl {
    fn new(seed: u64, faults: Faults) -> Ghl {
        Ghl {
            rng: SplitMix64::new(seed),
            faults,
            windows: HashMap::new(),
            daily: HashMap::new(),
            valid_token: "tok-1".into(),
            next_burst: T0 + faults.burst_429_every_ms.unwrap_or(u64::MAX / 4),
            burst_until: 0,
            contacts: HashMap::new(),
            created: HashMap::new(),
            applied: HashMap::new(),
            arrivals: HashMap::new(),
            dropped_after_apply: 0,
        }
    }

    fn headers(&self, loc: &str, now: u64) -> Headers {
        let (w, n) = self.windows.get(loc).copied().unwrap_or((now / 10_000, 0));
        let remaining = if w == now / 10_000 {
            100u64.saturating_sub(n)
        } else {
            100
        };
        let used = self.daily.get(loc).copied().unwrap_or(0);
        [
            ("X-RateLimit-Max", "100".to_string()),
            ("X-RateLimit-Remaining", remaining.to_string()),
            ("X-RateLimit-Interval-Milliseconds", "10000".to_string()),
            ("X-RateLimit-Limit-Daily", "200000".to_string()),
            (
                "X-RateLimit-Daily-Remaining",
                200_000u64.saturating_sub(used).to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn resp(&self, loc: &str, now: u64, status: u16, body: Value) -> Answer {
        Answer::Resp(HttpResponse {
            status,
            headers: self.headers(loc, now),
            body: body.to_string(),
        })
    }

    /// A request arrives at `now` with `token`.
    fn serve(&mut self, t: &Transmit, token: &str, now: u64) -> Answer {
        let loc = t.location_id.clone();
        self.arrivals.entry(loc.clone()).or_default().push(now);
        if let Some(exp) = self.faults.token_expires_at {
            if now >= exp && self.valid_token == "tok-1" {
                self.valid_token = "tok-2".into();
            }
        }
        let win = self.windows.entry(loc.clone()).or_insert((now / 10_000, 0));
        if win.0 != now / 10_000 {
            *win = (now / 10_000, 0);
        }
        win.1 += 1;
        let over = win.1 > 100;
        *self.daily.entry(loc.clone()).or_default() += 1;
        if token != self.valid_token {
            return self.resp(
                &loc,
                now,
                401,
                json!({"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"}),
            );
        }
        if now >= self.next_burst {
            self.burst_until = now + 1_000;
            self.next_burst = now + self.faults.burst_429_every_ms.unwrap_or(u64::MAX / 4);
        }
        if over || now < self.burst_until {
            let mut h = self.headers(&loc, now);
            h.insert("X-RateLimit-Remaining".into(), "0".into());
            return Answer::Resp(HttpResponse {
                status: 429,
                headers: h,
                body: r#"{"message":"Too many requests"}"#.into(),
            });
        }
        let r = self.rng.next_f64();
        if r < self.faults.p5xx {
            return self.resp(
                &loc,
                now,
                502,
                json!({"message": "Bad gateway", "traceId": "tr-5xx"}),
            );
        }
        let drop = r < self.faults.p5xx + self.faults.pdrop;
        let drop_before = drop && self.rng.next_f64() < 0.5;
        if drop_before {
            return Answer::Fail(Failure::Dropped);
        }
        let answer = self.apply(t, now);
        if drop {
            self.dropped_after_apply += 1;
            return Answer::Fail(Failure::Dropped);
        }
        answer
    }

    fn apply(&mut self, t: &Transmit, now: u64) -> Answer {
        let loc = t.location_id.clone();
        let body = t.params.body.clone().unwrap_or(Value::Null);
        match t.operation.as_str() {
            "contacts.upsert-contact" => {
                let email = body["email"].as_str().unwrap_or("").to_string();
                if !email.contains('@') {
                    return self.resp(&loc, now, 422, json!({"statusCode": 422, "message": ["email must be an email"], "error": "Unprocessable Entity", "traceId": "tr-422"}));
                }
                *self
                    .applied
                    .entry((t.plan_id.clone(), t.step_id.clone()))
                    .or_default() += 1;
                let key = (loc.clone(), email.clone());
                let new = !self.contacts.contains_key(&key);
                if new {
                    *self.created.entry(key.clone()).or_default() += 1;
                }
                let n = self.contacts.len();
                let c = self.contacts.entry(key).or_insert_with(|| Contact {
                    id: format!("c{n}"),
                    first_name: String::new(),
                    tags: BTreeSet::new(),
                });
                c.first_name = body["firstName"].as_str().unwrap_or("").to_string();
                let out = json!({"new": new, "contact": {"id": c.id, "tags": c.tags.iter().collect::<Vec<_>>()}, "traceId": "tr"});
                self.resp(&loc, now, 200, out)
            }
            "contacts.add-tags" => {
                *self
                    .applied
                    .entry((t.plan_id.clone(), t.step_id.clone()))
                    .or_default() += 1;
                let id = t.params.path["contactId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let tags: Vec<String> = body["tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect();
                if let Some(c) = self.contacts.values_mut().find(|c| c.id == id) {
                    c.tags.extend(tags);
                    let out = json!({"tags": c.tags.iter().collect::<Vec<_>>()});
                    return self.resp(&loc, now, 201, out);
                }
                self.resp(
                    &loc,
                    now,
                    404,
                    json!({"statusCode": 404, "message": "Contact not found"}),
                )
            }
            other => panic!("unexpected operation {other}"),
        }
    }
}

fn event_plan(id: &str, loc: &str, email: &str, name: &str, tag: &str) -> Plan {
    serde_json::from_value(json!({
        "id": id, "flow": "wishpond.contact", "locationId": loc, "contactKey": email,
        "steps": [
            {"id": "upsert", "operation": "contacts.upsert-contact",
             "params": {"body": {"locationId": loc, "email": email, "firstName": name}}},
            {"id": "add-tags", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
             "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                        "body": {"tags": {"$missing": [tag], "in": {"$from": "upsert", "pointer": "/contact/tags"}}}}}
        ]
    }))
    .unwrap()
}

struct Figures {
    accepted: u64,
    delivered: u64,
    dead: u64,
    duplicated: u64,
    lost: u64,
    requests: u64,
    http429: u64,
    throughput: f64,
    refreshes: u64,
    restarts: u64,
    reapplied: u64,
}

fn apply(storage: &mut BTreeMap<String, Record>, op: StoreOp) {
    match op {
        StoreOp::Put { key, record } => {
            storage.insert(key, *record);
        }
        StoreOp::Delete { key } => {
            storage.remove(&key);
        }
    }
}

fn run(seed: u64, events: usize, faults: Faults) -> Figures {
    let config = Config::default();
    let mut ghl = Ghl::new(seed, faults);
    let mut rng = SplitMix64::new(seed ^ 0xABCD);
    let mut ob = Outbox::new(config.clone());
    let mut storage: BTreeMap<String, Record> = BTreeMap::new();
    // Events: two locations, repeated emails, some duplicates and some invalid emails.
    let mut arrivals = Vec::new();
    for i in 0..events {
        let loc = if i % 2 == 0 { "locA" } else { "locB" };
        let k = rng.next_u64() % 2500;
        let email = if rng.next_f64() < 0.005 {
            format!("bad-{k}")
        } else {
            format!("u{k}@x.co")
        };
        let id = if i > 0 && rng.next_f64() < 0.01 {
            format!("e{}", i - 1)
        } else {
            format!("e{i}")
        };
        let at = T0 + (i as u64) * 40;
        arrivals.push((
            at,
            event_plan(&id, loc, &email, &format!("n{i}"), &format!("t{}", i % 7)),
        ));
    }
    let mut accepted_ids: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut net: BinaryHeap<Reverse<(u64, u64, u64)>> = BinaryHeap::new();
    let mut answers: HashMap<u64, (u64, Answer)> = HashMap::new();
    let mut host_token = "tok-1".to_string();
    let mut refresh_at: Option<u64> = None;
    let mut generation = 0u64;
    let mut restart_at = faults.restart_at;
    let mut next_arrival = 0usize;
    let mut now = T0;
    let mut n = 0u64;
    let mut refreshes = 0u64;
    loop {
        n += 1;
        assert!(n < 5_000_000, "simulation does not converge");
        while let Some((at, plan)) = arrivals.get(next_arrival) {
            if *at > now {
                break;
            }
            let a = ob.accept(plan.clone(), now).unwrap();
            for op in a.ops {
                apply(&mut storage, op);
            }
            if a.disposition != Disposition::Duplicate {
                let email = plan.contact_key.clone().unwrap();
                accepted_ids.insert(plan.id.clone(), (plan.location_id.clone(), email));
                let name = plan.steps[0].params.body.as_ref().unwrap()["firstName"].clone();
                names.insert(plan.id.clone(), name.as_str().unwrap().to_string());
                order.push(plan.id.clone());
            }
            next_arrival += 1;
        }
        if restart_at.is_some_and(|t| now >= t) {
            restart_at = None;
            while let Some(op) = ob.poll_store() {
                apply(&mut storage, op);
            }
            generation += 1; // responses in flight are lost with the old instance
            ob = Outbox::restore(config.clone(), storage.values().cloned(), now);
            refresh_at = None;
        }
        if refresh_at.is_some_and(|t| now >= t) {
            refresh_at = None;
            host_token = ghl.valid_token.clone();
            ob.token_refreshed(now);
        }
        while let Some(t) = ob.poll_transmit(now) {
            let up = 15 + rng.next_u64() % 110;
            let down = 15 + rng.next_u64() % 110;
            let ans = ghl.serve(&t, &host_token, now + up);
            answers.insert(t.id + (generation << 40), (t.id, ans));
            net.push(Reverse((
                now + up + down,
                t.id + (generation << 40),
                generation,
            )));
        }
        while let Some(op) = ob.poll_store() {
            apply(&mut storage, op);
        }
        while let Some(e) = ob.poll_event() {
            match e {
                Event::TokenRefreshNeeded => {
                    refreshes += 1;
                    refresh_at = Some(now + 300)
                }
                Event::AuthPaused { reason } => panic!("auth paused: {reason}"),
                _ => {}
            }
        }
        let mut next = [
            arrivals.get(next_arrival).map(|a| a.0),
            net.peek().map(|r| r.0 .0),
            ob.poll_timeout(),
            refresh_at,
            restart_at,
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(nx) = next.take() else { break };
        now = now.max(nx);
        while let Some(Reverse((at, key, gen))) = net.peek().copied() {
            if at > now {
                break;
            }
            net.pop();
            let (tid, ans) = answers.remove(&key).unwrap();
            if gen != generation {
                continue;
            }
            let r = rng.next_u64();
            match ans {
                Answer::Resp(resp) => ob.handle_response(tid, &resp, now, r).unwrap(),
                Answer::Fail(f) => ob.handle_failure(tid, f, now, r).unwrap(),
            }
        }
        if next_arrival >= arrivals.len() && net.is_empty() && ob.counts().pending == 0 {
            break;
        }
        if nx <= now
            && net.is_empty()
            && arrivals.get(next_arrival).is_none()
            && ob.poll_timeout().is_some_and(|t| t <= now)
        {
            now += 1;
        }
    }
    while let Some(op) = ob.poll_store() {
        apply(&mut storage, op);
    }
    let c = ob.counts();
    // Lost: an accepted event with no final record (done, dead, or coalesced into one).
    let mut lost = 0;
    for id in accepted_ids.keys() {
        let mut cur = id.clone();
        let fin = loop {
            match storage.get(&cur).map(|r| &r.state) {
                Some(RecordState::Coalesced { into, .. }) => cur = into.clone(),
                Some(RecordState::Done { .. }) | Some(RecordState::Dead(_)) => break true,
                _ => break false,
            }
        };
        if !fin {
            lost += 1;
        }
    }
    // Duplicated in effect: a contact created twice for one email.
    let duplicated: u64 = ghl
        .created
        .values()
        .map(|&n| u64::from(n.saturating_sub(1)))
        .sum();
    // Final state: for a contact whose last event was delivered, its name is that event's.
    let mut last: HashMap<(String, String), String> = HashMap::new();
    for id in &order {
        last.insert(accepted_ids[id].clone(), id.clone());
    }
    for (key, id) in &last {
        if let Some(RecordState::Done { .. }) = storage.get(id).map(|r| &r.state) {
            assert_eq!(
                ghl.contacts[key].first_name, names[id],
                "contact {key:?} lost its latest update"
            );
        }
    }
    let mut rate = f64::MAX;
    for times in ghl.arrivals.values() {
        let mut t = times.clone();
        t.sort();
        let k = t.len() * 95 / 100;
        let span = (t[k] - t[0]) as f64;
        rate = rate.min(k as f64 / span * 10_000.0 / 100.0);
    }
    let s = ob.stats();
    let _ = n;
    Figures {
        accepted: c.accepted,
        delivered: c.done,
        dead: c.dead,
        duplicated,
        lost,
        requests: ghl.arrivals.values().map(|v| v.len() as u64).sum(),
        http429: s.http_429,
        throughput: rate,
        refreshes,
        restarts: generation,
        reapplied: ghl
            .applied
            .values()
            .map(|&n| u64::from(n.saturating_sub(1)))
            .sum(),
    }
}

fn print(name: &str, f: &Figures) {
    println!(
        "sim[{name}]: accepted={} delivered={} dead={} duplicated={} lost={} requests={} requests_per_event={:.2} http429={} ({:.2}%) throughput={:.1}% of the rate limit token_refreshes={} restarts={} reapplied_in_flight={}",
        f.accepted, f.delivered, f.dead, f.duplicated, f.lost, f.requests,
        f.requests as f64 / f.accepted as f64, f.http429,
        100.0 * f.http429 as f64 / f.requests as f64, 100.0 * f.throughput, f.refreshes, f.restarts, f.reapplied
    );
}

#[test]
fn ten_thousand_events_with_faults_a_token_expiry_and_a_restart() {
    let f = run(
        42,
        10_000,
        Faults {
            p5xx: 0.20,
            pdrop: 0.05,
            burst_429_every_ms: Some(120_000),
            token_expires_at: Some(T0 + 200_000),
            restart_at: Some(T0 + 400_000),
        },
    );
    print("faults", &f);
    assert_eq!(f.delivered + f.dead, f.accepted);
    assert_eq!(f.lost, 0);
    assert_eq!(f.duplicated, 0);
    assert!(f.accepted > 9_000);
    assert!(f.delivered > f.accepted * 9 / 10, "too many dead letters");
    assert!(f.http429 * 100 <= f.requests, "more than 1% 429s");
    assert_eq!((f.refreshes, f.restarts), (1, 1));
    assert!(f.throughput >= 0.85, "throughput {:.3}", f.throughput);
}

#[test]
fn normal_operation_never_hits_429_and_uses_the_budget() {
    let f = run(
        7,
        6_000,
        Faults {
            p5xx: 0.20,
            pdrop: 0.05,
            burst_429_every_ms: None,
            token_expires_at: None,
            restart_at: None,
        },
    );
    print("normal", &f);
    assert_eq!(f.http429, 0);
    assert_eq!(f.delivered + f.dead, f.accepted);
    assert_eq!(f.lost + f.duplicated, 0);
    assert!(f.throughput >= 0.95, "throughput {:.3}", f.throughput);
}
