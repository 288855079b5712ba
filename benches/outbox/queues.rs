//! Outbox queues at scale (native): accepts a backlog of N single-step plans for one
//! location and drains it, for N = 1,000, 10,000 and 50,000 (`OUTBOX_QUEUE_BENCH_SIZES`,
//! comma-separated, overrides them).
//!
//! Two cases per N, each printed as `outbox queues <case> n=<N>: accept <ms> ms,
//! drain <ms> ms (<rec/s> rec/s)`:
//! - `backlog`: every request answered 200 at once; the `ready` queue holds the whole
//!   backlog and each send pops its head.
//! - `outage`: every first attempt fails (timeout), so the whole backlog waits in the
//!   backoff `timers` with jittered wake times; then GHL is back and it drains with 200s.
//!
//! The rate budget and concurrency are opened wide so the queues, not the budget's
//! windows, are what is measured; time only moves when nothing is sendable.

use std::time::Instant;

use ghl_bridge::http::HttpResponse;
use ghl_bridge::outbox::{Config, Failure, Outbox, SplitMix64};
use ghl_bridge::plan::Plan;

const T0: u64 = 1_750_000_000_000;

fn plan(i: usize) -> Plan {
    let email = format!("lead{i}@example.com");
    serde_json::from_value(serde_json::json!({
        "id": format!("e{i}"), "flow": "wishpond.contact", "locationId": "L",
        "contactKey": email,
        "steps": [{"id": "upsert", "operation": "contacts.upsert-contact",
                   "params": {"body": {"locationId": "L", "email": email}}}]
    }))
    .expect("bench plan")
}

fn config() -> Config {
    Config {
        burst_max: 1_000_000,
        daily_max: 100_000_000,
        max_in_flight: 64,
        max_in_flight_per_location: 64,
        max_attempts: 10,
        ..Config::default()
    }
}

fn flush(ob: &mut Outbox) {
    while ob.poll_store().is_some() {}
    while ob.poll_event().is_some() {}
}

/// Sends until nothing is pending; `fail_first` answers every first attempt with a
/// timeout. Returns the time reached.
fn drain(ob: &mut Outbox, n: usize, mut now: u64, fail_first: bool, rng: &mut SplitMix64) {
    let ok = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: r#"{"contact":{"id":"c1"}}"#.into(),
    };
    let mut failed = 0usize;
    while (ob.counts().done as usize) < n {
        let sent: Vec<u64> = std::iter::from_fn(|| ob.poll_transmit(now))
            .map(|t| t.id)
            .collect();
        if sent.is_empty() {
            now = ob.poll_timeout().map_or(now + 1, |t| t.max(now + 1));
            continue;
        }
        for id in sent {
            if fail_first && failed < n {
                failed += 1;
                ob.handle_failure(id, Failure::Timeout, now, rng.next_u64())
                    .expect("in flight");
            } else {
                ob.handle_response(id, &ok, now, rng.next_u64())
                    .expect("in flight");
            }
        }
        flush(ob);
        now += 1;
    }
}

fn run(case: &str, n: usize) {
    let plans: Vec<Plan> = (0..n).map(plan).collect();
    let mut rng = SplitMix64::new(42);
    let mut ob = Outbox::new(config());
    let t = Instant::now();
    for p in plans {
        ob.accept(p, T0).expect("accepted");
    }
    flush(&mut ob);
    let accept = t.elapsed();
    let t = Instant::now();
    drain(&mut ob, n, T0, case == "outage", &mut rng);
    let drained = t.elapsed();
    assert_eq!(ob.counts().done as usize, n, "every plan delivered");
    println!(
        "outbox queues {case} n={n}: accept {:.1} ms, drain {:.1} ms ({:.0} rec/s)",
        accept.as_secs_f64() * 1e3,
        drained.as_secs_f64() * 1e3,
        n as f64 / drained.as_secs_f64()
    );
}

fn main() {
    let sizes: Vec<usize> = std::env::var("OUTBOX_QUEUE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 50_000]);
    for &n in &sizes {
        run("backlog", n);
        run("outage", n);
    }
}
