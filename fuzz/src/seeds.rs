//! The seed corpus: realistic inputs for every target, made from the repository's
//! fixtures (`tests/fixtures/`), the benchmark's rules (`benches/data/`), the presets
//! and the catalog. `ghl-bridge-fuzz seed` writes them to `corpus/<target>/`.

use std::collections::BTreeMap;
use std::path::Path;

use ghl_bridge::catalog;
use ghl_bridge::flows::{Event, FlowConfig, FlowEngine};
use ghl_bridge::http::HttpResponse;
use ghl_bridge::outbox::{Config, Outbox, StoreOp};
use serde_json::{json, Value};

use crate::targets::{documents, every_scope, slot_values};

/// One seed: target, file name, content.
pub type Seed = (&'static str, String, Vec<u8>);

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The JSON files of a folder, by file stem, sorted.
fn fixtures(dir: &Path) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let v = read_json(&p);
            (stem, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn text(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// Every seed, made from the repository at `root`.
pub fn all(root: &Path) -> Vec<Seed> {
    let fx = root.join("tests/fixtures");
    let mut records: Vec<(String, Value)> = Vec::new();
    for source in ["wishpond", "qwilr"] {
        for (name, v) in fixtures(&fx.join(source)) {
            records.push((format!("{source}-{name}"), v));
        }
    }
    records.push((
        "short-paths".into(),
        json!({"a": "x", "b": {"c": "y", "c d": {"e": [0, [{"f": "deep"}]]}}, "l": ["p", 2, null],
               "e": " Ann@Example.CO ", "n": "Dr Ann Lee", "p": "020 7946 0018", "q": "+1 415 555 0100",
               "c": "Deutschland", "d": "31/12/1999", "t": 1700000000, "x": "1,200.50", "y": "yes",
               "s": "CA", "r": "Mail me: ann@example", "g": [" vip ", "New"], "score": 12, "route": 1}),
    ));
    records.push(("empty".into(), json!({})));

    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: String, bytes: Vec<u8>| {
        seeds.push((target, name, bytes));
    };

    // Rules: the documents, and each document applied to each record.
    for (name, doc) in rules_documents(root) {
        add("rules_compile", name, text(&doc));
    }
    add(
        "rules_compile",
        "minimal".into(),
        br#"{"version":1}"#.to_vec(),
    );
    add(
        "rules_compile",
        "problems".into(),
        br#"{"version":2,"mappings":[{"from":"a[","to":"nope","transforms":["x",{"op":"truncate"}]}]}"#.to_vec(),
    );
    for (i, (doc, c)) in documents().iter().enumerate() {
        let prefix = b'0' + i as u8;
        let plan = c.slot_plan();
        for (rec_name, rec) in &records {
            let name = format!("{doc}--{rec_name}");
            let with = |body: String| [&[prefix][..], body.as_bytes()].concat();
            add("rules_apply_value", name.clone(), with(rec.to_string()));
            add("rules_apply_json_text", name.clone(), with(rec.to_string()));
            add("rules_apply_slots", name, with(slot_values(&plan, rec)));
        }
    }

    // Request building: a spread of the catalog, each with its path parameters.
    for (i, op) in catalog::all().enumerate().filter(|(i, _)| i % 16 == 0) {
        let path: BTreeMap<&str, Value> = op
            .path_params()
            .into_iter()
            .map(|p| (p, json!("id-1")))
            .collect();
        let query: BTreeMap<&str, Value> = op
            .query_params()
            .filter(|q| q.required || i % 32 == 0)
            .map(|q| (q.name, json!("q-1")))
            .collect();
        let mut params = json!({"path": path, "query": query});
        if op.body() != catalog::BodyRule::Absent {
            params["body"] = json!({"locationId": "L", "name": "n"});
        }
        let input = json!({"operation": op.name(), "params": params});
        add("request_build", format!("op-{i:03}"), text(&input));
    }
    for (name, input) in [
        (
            "upsert-contact",
            json!({"operation": "contacts.upsert-contact",
                   "params": {"body": {"email": "a@b.co", "firstName": "Ann", "tags": ["x"]}}}),
        ),
        (
            "search-query",
            json!({"operation": "contacts.get-contacts", "params": {"query": {"query": "ann", "limit": 20}}}),
        ),
        (
            "index-config",
            json!({"operation": 7, "config": {"locationId": "L", "scopes": [], "baseUrl": "http://127.0.0.1:9/x"}}),
        ),
        (
            "unknown",
            json!({"operation": "contacts.upsert", "params": {"query": {"limitt": 5}}}),
        ),
    ] {
        add("request_build", name.into(), text(&input));
    }

    // The client's decoders: each type, well formed and with a wrong part.
    for (name, input) in [
        ("plan", "0{\"id\":\"p\",\"flow\":\"f\",\"locationId\":\"L\",\"steps\":[{\"id\":\"u\",\"operation\":\"contacts.upsert-contact\",\"params\":{\"body\":{\"email\":\"a@b.co\"}},\"after\":[],\"skipWhenEmpty\":\"/tags\"}]}"),
        ("plan-bad-step", "0{\"id\":\"p\",\"flow\":\"f\",\"locationId\":\"L\",\"steps\":[{\"id\":5}]}"),
        ("config", "1{\"locationId\":\"L\",\"scopes\":[\"contacts.write\"],\"baseUrl\":null}"),
        ("response", "2{\"status\":200,\"headers\":{\"x-ratelimit-max\":\"100\"},\"body\":\"{}\"}"),
        ("response-float", "2{\"status\":200.5}"),
        ("params", "3{\"path\":{\"contactId\":\"c\\u0001\"},\"query\":{\"limit\":[1,2.5,\"x\"]},\"body\":null}"),
        ("responses", "4{\"u\":{\"contact\":{\"id\":\"c1\"}},\"v\":[\"\\\"\"]}"),
        ("pointer", "6/contact/tags/01\n{\"contact\":{\"tags\":[\"a\",\"b\"],\"a~1b\":{\"~0\":1}}}"),
        ("pointer-escapes", "6/contact/a~1b/~00\n{\"contact\":{\"a/b\":{\"~0\":1,\"~\":[2]}}}"),
    ] {
        add("client_decode", name.into(), input.as_bytes().to_vec());
    }

    // The derived codecs: each untrusted shape from the fixtures, and stored records.
    let src = fx.join("sources");
    let hook = read_json(&src.join("ghl-webhook-contact-tag-update.json"));
    let event = json!({"kind": "ContactTagUpdate", "webhookId": "wh-1", "timestampMs": 1_773_000_000_000i64,
                       "locationId": "L", "contact": {"id": "c1", "email": "a@b.co", "tags": ["vip"]},
                       "tagChange": {"tags": ["vip"], "added": ["vip"], "removed": [], "previousKnown": false, "outOfOrder": false},
                       "fields": hook});
    let typed = |kind: u8, v: &Value| [&[kind][..], v.to_string().as_bytes()].concat();
    add(
        "codec_derive",
        "ghl-webhook-event".into(),
        typed(b'0', &event),
    );
    // The Qwilr delivery and page as the core reads them (the typed values).
    let qwilr = |name: &str| read_json(&src.join(format!("{name}.json"))).to_string();
    let hook_typed = ghl_bridge::sources::qwilr::parse_webhook(
        qwilr("qwilr-webhook-page-accepted").as_bytes(),
        1 << 20,
    )
    .map(|w| serde_json::to_value(w).unwrap_or_default());
    let page_typed = ghl_bridge::sources::qwilr::parse_page(
        qwilr("qwilr-page-read-accepted").as_bytes(),
        1 << 20,
    )
    .map(|p| serde_json::to_value(p).unwrap_or_default());
    for (name, v) in [("qwilr-webhook", hook_typed), ("qwilr-page", page_typed)] {
        if let Ok(v) = v {
            add("codec_derive", name.into(), typed(b'1', &v));
        }
    }
    let leads = read_json(&src.join("wishpond-leads-page.json"));
    let lead = match ghl_bridge::sources::wishpond::read_api_lead(&leads["leads"][0]) {
        Ok(l) => serde_json::to_value(l).unwrap_or_default(),
        Err(_) => leads.clone(),
    };
    add("codec_derive", "wishpond-lead".into(), typed(b'2', &lead));
    let tags = &flow_responses()["list-tags"];
    add("codec_derive", "tags-response".into(), typed(b'3', tags));
    let stats = read_json(&fx.join("ghl/social-media-statistics.json"));
    add(
        "codec_derive",
        "statistics-response".into(),
        typed(b'3', &stats),
    );
    add(
        "codec_derive",
        "accounts-response".into(),
        typed(b'3', &flow_responses()["accounts"]),
    );
    add(
        "codec_derive",
        "upsert-result".into(),
        typed(b'3', &flow_responses()["upsert"]),
    );

    // Responses: the statuses the policy tells apart, with GHL's error bodies.
    let limits = "X-RateLimit-Max: 100\nX-RateLimit-Remaining: 0\nX-RateLimit-Interval-Milliseconds: 10000\nX-RateLimit-Daily-Remaining: 0\nX-RateLimit-Daily-Reset: 1773000000";
    for (name, resp) in [
        ("ok", "200\ncontent-type: application/json\n\n{\"contact\":{\"id\":\"c1\"}}".to_string()),
        ("no-content", "204\n\n".into()),
        ("bad-request", "400\n\n{\"statusCode\":400,\"message\":[\"email must be an email\"],\"error\":\"Bad Request\",\"traceId\":\"t-1\"}".into()),
        ("unauthorized", "401\n\n{\"statusCode\":401,\"message\":\"Invalid JWT\"}".into()),
        ("scope", "401\n\n{\"message\":\"The token is not authorized for this scope.\"}".into()),
        ("unprocessable", "422\n\n{\"message\":\"locationId should not be empty\"}".into()),
        ("rate-limited", format!("429\n{limits}\n\n{{\"message\":\"Too many requests\"}}")),
        ("server-error", "500\n\n<html><body>Internal Server Error</body></html>".into()),
        ("not-implemented", "501\n\n".into()),
        ("bad-gateway", "502\nretry-after: 3\n\nupstream".into()),
        ("version", "505\n\n{}".into()),
        ("redirect", "302\nlocation: /x\n\n".into()),
        ("odd-status", "999\n\nnull".into()),
    ] {
        add("response_classify", name.into(), resp.into_bytes());
    }

    // Outbox: the records an outbox stores for the flows' plans, pending and settled.
    let now = 1_773_000_000_000u64;
    let stored = outbox_records(root, now);
    add(
        "outbox_restore",
        "pending".into(),
        text(&json!({"records": stored.pending, "now": now})),
    );
    add(
        "outbox_restore",
        "mixed-answers".into(),
        text(
            &json!({"records": stored.pending, "now": now + 5_000, "answers": [500, 429, 0, 401, 400, 200]}),
        ),
    );
    add(
        "outbox_restore",
        "settled".into(),
        text(&json!({"records": stored.settled, "now": now + 60_000,
                     "config": {"dailyMax": 3, "burstMax": 2, "maxAttempts": 2}, "stepMs": 1000})),
    );

    add(
        "codec_derive",
        "stored-records".into(),
        typed(
            b'4',
            &Value::Array(
                stored
                    .pending
                    .iter()
                    .chain(&stored.settled)
                    .cloned()
                    .collect(),
            ),
        ),
    );

    // Statistics: GHL's sample body, the series made from it, and schedules.
    let body = read_json(&fx.join("ghl/social-media-statistics.json"));
    let opts = json!({"nowMs": now, "utcOffsetMinutes": -300});
    add(
        "stats_report",
        "body".into(),
        text(&json!({"body": body, "options": opts, "title": "Weekly",
                     "host": [{"metric": "leads", "source": "wishpond", "date": "2026-03-05", "value": 3}, {"metric": "acceptances", "source": "qwilr", "timestampMs": 1772900000000i64, "value": 1}]})),
    );
    if let Ok(decoded) = ghl_bridge::stats::decode_statistics(&body) {
        let opts =
            serde_json::from_value(opts.clone()).unwrap_or(ghl_bridge::stats::SeriesOptions {
                now_ms: now,
                utc_offset_minutes: 0,
            });
        let series = ghl_bridge::stats::from_statistics(&decoded.results, &opts);
        add(
            "stats_report",
            "series".into(),
            text(&json!({"series": series, "title": "T"})),
        );
    }
    for (name, input) in [
        (
            "every",
            json!({"nowMs": now, "schedule": {"kind": "every", "intervalMs": 86_400_000, "anchorMs": 0}}),
        ),
        (
            "weekly",
            json!({"nowMs": now, "schedule": {"kind": "weekly", "weekday": "mon", "hour": 9, "minute": 30, "utcOffsetMinutes": -300}}),
        ),
    ] {
        add("stats_schedule", name.into(), text(&input));
    }

    // Flows: the flow fixtures, and each source fixture as its contact event.
    for (name, event) in fixtures(&fx.join("flows")) {
        add(
            "flow_events",
            name,
            text(&json!({"event": event, "responses": flow_responses()})),
        );
    }
    for (name, payload) in &records {
        // The source fixtures are normalised events: each names its own type.
        let Some(kind) = payload.get("type").and_then(Value::as_str) else {
            continue;
        };
        let event = json!({"type": kind, "id": format!("evt-{name}"), "payload": payload});
        add(
            "flow_events",
            name.clone(),
            text(&json!({"event": event, "responses": flow_responses()})),
        );
    }

    // Intake: the source fixtures as the endpoints receive them.
    let src = fx.join("sources");
    let hook = read_json(&src.join("ghl-webhook-contact-tag-update.json"));
    let hook_now =
        ghl_bridge::sources::ghl_webhook::parse_webhook(hook.to_string().as_bytes(), 1 << 20)
            .ok()
            .and_then(|h| h.timestamp_ms)
            .map_or(now, |t| t as u64 + 1_000);
    let sig = "c2lnbmF0dXJlLW9mLXRoZS1ib2R5";
    let mut wrapped = json!({"type": hook["type"], "timestamp": hook["timestamp"],
                             "webhookId": "wh-wrapped-1", "data": hook.clone()});
    if let Some(d) = wrapped["data"].as_object_mut() {
        d.remove("webhookId");
        d.remove("type");
    }
    for (name, input) in [
        (
            "ed25519",
            json!({"headers": {"X-GHL-Signature": sig}, "body": hook, "nowMs": hook_now}),
        ),
        (
            "rsa",
            json!({"headers": {"x-wh-signature": sig, "X-GHL-Signature": "N/A"}, "body": hook, "nowMs": hook_now}),
        ),
        (
            "unsigned-allowed",
            json!({"headers": {}, "body": hook, "nowMs": hook_now, "allowUnsigned": true}),
        ),
        (
            "unsigned-refused",
            json!({"headers": {"content-type": "application/json"}, "body": hook, "nowMs": hook_now}),
        ),
        (
            "wrapped",
            json!({"headers": {"X-GHL-Signature": sig}, "body": wrapped, "nowMs": hook_now}),
        ),
        (
            "stale",
            json!({"headers": {"X-GHL-Signature": sig}, "body": hook, "nowMs": hook_now + 3_600_000}),
        ),
        (
            "install",
            json!({"headers": {}, "allowUnsigned": true, "nowMs": hook_now,
                           "body": {"type": "INSTALL", "appId": "app-1", "locationId": "L", "companyId": "C",
                                    "webhookId": "wh-install", "timestamp": hook["timestamp"]}}),
        ),
        (
            "other-event",
            json!({"headers": {}, "allowUnsigned": true, "nowMs": hook_now,
                               "body": {"type": "OpportunityCreate", "id": "o1", "webhookId": "wh-o",
                                        "timestamp": hook["timestamp"]}}),
        ),
        (
            "raw-body",
            json!({"headers": {"X-GHL-Signature": "not base64!"}, "body": "{\"type\":", "nowMs": 0}),
        ),
    ] {
        add("intake_ghl_webhook", name.into(), text(&input));
    }

    let delivery = read_json(&src.join("qwilr-webhook-page-accepted.json"));
    let page = read_json(&src.join("qwilr-page-read-accepted.json"));
    let mut no_contact = page.clone();
    no_contact["metadata"] = json!({});
    if let Some(a) = no_contact
        .get_mut("acceptance")
        .and_then(Value::as_object_mut)
    {
        a.clear();
    }
    let mut viewed = delivery.clone();
    viewed["event"] = json!("pageViewed");
    let mut declined = delivery.clone();
    declined["event"] = json!("pageDeclined");
    for (name, input) in [
        (
            "accepted",
            json!({"body": delivery, "page": page, "nowMs": now}),
        ),
        (
            "no-contact",
            json!({"body": delivery, "page": no_contact, "nowMs": now}),
        ),
        (
            "page-gone",
            json!({"body": delivery, "page": {}, "pageStatus": 404, "nowMs": now}),
        ),
        (
            "page-retry",
            json!({"body": delivery, "page": "busy", "pageStatus": 503, "nowMs": now}),
        ),
        (
            "viewed",
            json!({"body": viewed, "page": page, "nowMs": now}),
        ),
        (
            "unknown-event",
            json!({"body": declined, "page": page, "nowMs": now}),
        ),
        (
            "raw-body",
            json!({"body": "{\"event\":\"pageAccepted\"", "nowMs": now}),
        ),
    ] {
        add("intake_qwilr", name.into(), text(&input));
    }

    let leads = read_json(&src.join("wishpond-leads-page.json"));
    let n = leads["leads"].as_array().map_or(0, Vec::len);
    let mut page2 = leads.clone();
    page2["meta"] = json!({"total_pages": 2, "current_page": 2});
    let capture = json!({"siteKey": "site-1", "id": "sub-0001",
        "fields": [{"name": "email", "label": "Email", "value": "jane.doe@example.com"},
                   {"name": "first_name", "label": "First name", "value": "Jane"},
                   {"name": "", "label": "Phone", "value": "(415) 555-0123"}],
        "page": {"url": "https://example.com/spring?utm_source=fb", "referrer": "https://facebook.com/", "title": "Spring"},
        "utm": {"utm_source": "facebook", "utm_campaign": "spring_launch"}});
    for (name, input) in [
        (
            "one-page",
            json!({"nowMs": now, "responses": [{"status": 200, "body": leads}],
                            "capture": capture, "origin": "https://example.com"}),
        ),
        (
            "two-pages",
            json!({"nowMs": now, "perPage": n, "responses": [
            {"status": 200, "body": {"leads": leads["leads"], "meta": {"total_pages": 2}}},
            {"status": 200, "body": page2}]}),
        ),
        (
            "retries",
            json!({"nowMs": now, "responses": [
            {"status": 429, "headers": {"Retry-After": "2"}, "body": ""},
            {"status": 502, "body": "<html>bad gateway</html>"},
            {"status": 200, "body": leads},
            {"status": 401, "body": {"error": "unauthorized"}},
            {"status": 200, "body": "not json"}]}),
        ),
        (
            "known-cursor",
            json!({"nowMs": now, "cursor": {"known": {"48211907": "0000000000000000"}, "lastPollMs": now - 60_000},
                                "responses": [{"status": 200, "body": leads}]}),
        ),
        (
            "capture-wrong-origin",
            json!({"nowMs": now, "capture": capture, "origin": "https://evil.example"}),
        ),
        (
            "capture-no-contact",
            json!({"nowMs": now, "origin": "https://example.com",
            "capture": {"siteKey": "site-1", "id": "sub-2", "fields": [{"name": "note", "value": "hi"}],
                        "page": {"url": "https://example.com/"}}}),
        ),
        (
            "capture-sites",
            json!({"nowMs": now, "origin": "https://shop.example.org:8443",
            "sites": [{"siteKey": "shop", "allowedOrigins": ["https://shop.example.org:8443"]}],
            "capture": {"siteKey": "shop", "id": "s-1", "fields": [{"label": "Your email", "value": "a@b.co"}],
                        "page": {"url": "https://shop.example.org:8443/checkout#x"}}}),
        ),
    ] {
        add("intake_wishpond_capture", name.into(), text(&input));
    }
    seeds
}

/// The rules documents of the repository: presets, benchmark, fuzzing documents.
fn rules_documents(root: &Path) -> Vec<(String, Value)> {
    let mut docs: Vec<(String, Value)> = ghl_bridge::rules::presets::all()
        .into_iter()
        .map(|(n, d)| (n.to_string(), d))
        .collect();
    docs.extend(fixtures(&root.join("benches/data")));
    docs.extend(fixtures(&root.join("fuzz/docs")));
    docs
}

/// Plausible GHL answers for the flows' usual step ids.
fn flow_responses() -> Value {
    let tag = |id: &str, name: &str| {
        json!({"_id": id, "tag": name, "locationId": "L", "deleted": false,
               "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z"})
    };
    json!({
        "upsert": {"new": true, "contact": {"id": "c1", "tags": ["newsletter"]}},
        "list-tags": {"success": true, "results": {"tags": [tag("t1", "newsletter"), tag("t2", "vip")], "count": 2}},
        "tags-page-1": {"success": true, "results": {"tags": [tag("t1", "newsletter")], "count": 1}},
        "location-tags": {"tags": [{"id": "lt1", "name": "vip"}]},
        "accounts": {"success": true, "results": {"accounts": [{"id": "a1", "profileId": "p1", "platform": "facebook", "name": "Page"}]}}
    })
}

/// Records an outbox stored for the flows' plans.
struct Stored {
    pending: Vec<Value>,
    settled: Vec<Value>,
}

fn outbox_records(root: &Path, now: u64) -> Stored {
    let mut engine = FlowEngine::new("L", FlowConfig::default(), every_scope());
    for (name, c) in documents().iter().take(2) {
        engine.set_rules(name.split('-').next().unwrap_or(name), c.clone());
    }
    let fx = root.join("tests/fixtures");
    let mut ob = Outbox::new(Config::default());
    let mut ops = Vec::new();
    for source in ["wishpond", "qwilr"] {
        for (name, payload) in fixtures(&fx.join(source)) {
            let kind = payload
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let event: Result<Event, _> = serde_json::from_value(
                json!({"type": kind, "id": format!("{source}-{name}"), "payload": payload}),
            );
            if let Some(fp) = event.ok().and_then(|e| engine.plan(&e, now).ok()) {
                ops.extend(
                    ob.accept(fp.plan, now)
                        .expect("a flow's plan is accepted")
                        .ops,
                );
            }
        }
    }
    let mut store: BTreeMap<String, Value> = BTreeMap::new();
    let drain = |ob: &mut Outbox, store: &mut BTreeMap<String, Value>, mut ops: Vec<StoreOp>| {
        ops.extend(std::iter::from_fn(|| ob.poll_store()));
        for op in ops {
            match op {
                StoreOp::Put { key, record } => {
                    store.insert(key, serde_json::to_value(&record).unwrap_or(Value::Null));
                }
                StoreOp::Delete { key } => {
                    store.remove(&key);
                }
            }
        }
    };
    drain(&mut ob, &mut store, ops);
    let pending = store.values().cloned().collect();
    // Answer: the first plan succeeds, the next is rejected, the rest wait after a 500.
    let answers = [200u16, 400, 500];
    let mut i = 0;
    while let Some(t) = ob.poll_transmit(now) {
        let status = answers[i.min(answers.len() - 1)];
        i += 1;
        let resp = HttpResponse {
            status,
            headers: Default::default(),
            body: r#"{"new":true,"contact":{"id":"c1","tags":[]},"message":"no"}"#.into(),
        };
        let _ = ob.handle_response(t.id, &resp, now + 100, i as u64);
    }
    drain(&mut ob, &mut store, Vec::new());
    Stored {
        pending,
        settled: store.values().cloned().collect(),
    }
}
