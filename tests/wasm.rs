//! wasm-bindgen tests of the binding layer, run in Node and in headless Chromium
//! (`scripts/wasm-test.sh node|browser`). They check what only the Wasm build can show:
//! values cross the boundary with the one serializer configuration, errors arrive as
//! real JS `Error`s with `code` and `details`, and the client's prepared requests really
//! travel through `fetch` to the GHL emulator (its URL is compiled in by the script) and
//! back into `settle`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

use ghl_bridge::wasm::plans::{resolve_step, validate_plan};

/// JSON -> a plain JS object, as a JS caller would pass it.
fn js(v: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap()
}

fn prop(obj: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(obj, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn plan_errors_are_real_errors_with_code_and_details() {
    let plan = js(serde_json::json!({
        "id": "evt", "flow": "f", "locationId": "l",
        "steps": [{"id": "a", "operation": "contacts.add-tags", "after": ["missing"]}]
    }));
    let err = validate_plan(plan).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    let e: js_sys::Error = err.clone().unchecked_into();
    assert_eq!(e.name(), "GhlBridgeError");
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("PLAN_UNKNOWN_DEPENDENCY")
    );
    assert_eq!(
        prop(&prop(&err, "details"), "dependency")
            .as_string()
            .as_deref(),
        Some("missing")
    );
}

#[wasm_bindgen_test]
fn wrong_argument_types_are_invalid_argument_errors() {
    let err = validate_plan(JsValue::from_f64(42.0)).unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    let e: js_sys::Error = err.unchecked_into();
    assert!(String::from(e.message()).starts_with("plan: invalid type"));
}

#[wasm_bindgen_test]
fn resolved_steps_come_back_as_plain_objects() {
    let plan = js(serde_json::json!({
        "id": "evt", "flow": "f", "locationId": "l",
        "steps": [
            {"id": "up", "operation": "contacts.upsert-contact", "params": {"body": {"email": "a@b.co"}}},
            {"id": "tags", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
             "params": {"path": {"contactId": {"$from": "up", "pointer": "/contact/id"}},
                        "body": {"tags": {"$missing": ["vip"], "in": {"$from": "up", "pointer": "/contact/tags"}}}}}
        ]
    }));
    let responses = js(serde_json::json!({"up": {"contact": {"id": "c1", "tags": []}}}));
    let out = resolve_step(plan.clone(), "tags".into(), responses).unwrap();
    let out: serde_json::Value = serde_wasm_bindgen::from_value(out).unwrap();
    assert_eq!(out["path"]["contactId"], "c1");
    assert_eq!(out["body"]["tags"], serde_json::json!(["vip"]));
    let responses = js(serde_json::json!({"up": {"contact": {"id": "c1", "tags": ["VIP"]}}}));
    assert!(resolve_step(plan, "tags".into(), responses)
        .unwrap()
        .is_null());
}

/// The emulator URL compiled in by `scripts/wasm-test.sh` (absent: the transport tests
/// cannot run, which is a failure, not a skip).
// Read at compile time on purpose: `scripts/wasm-test.sh` sets it.
#[allow(clippy::option_env_unwrap)]
fn emulator() -> &'static str {
    option_env!("GHL_EMULATOR_URL")
        .expect("run through scripts/wasm-test.sh, which starts the GHL emulator")
}

fn client(scopes: &[&str]) -> ghl_bridge::wasm::client::Client {
    let options = js(serde_json::json!({
        "locationId": "demoLocation00000001",
        "scopes": scopes,
        "baseUrl": emulator(),
        "timeoutMs": 5000,
    }));
    ghl_bridge::wasm::client::Client::new(options).unwrap()
}

const TOKEN: &str = "pit-emulator-demo-all-scopes";

/// Sends a `Prepared` `{ operation, request }` with the global `fetch`, as the shim's
/// transport does, and settles the answer.
async fn send(
    c: &ghl_bridge::wasm::client::Client,
    prepared: JsValue,
    body_only: bool,
) -> Result<JsValue, JsValue> {
    let operation = prop(&prepared, "operation").as_string().unwrap();
    let request = prop(&prepared, "request");
    let init = js_sys::Object::new();
    for key in ["method", "headers", "body"] {
        js_sys::Reflect::set(&init, &key.into(), &prop(&request, key)).unwrap();
    }
    js_sys::Reflect::set(&init, &"redirect".into(), &"manual".into()).unwrap();
    let fetch: js_sys::Function = prop(&js_sys::global(), "fetch").unchecked_into();
    let answer = fetch
        .call2(&JsValue::UNDEFINED, &prop(&request, "url"), &init)
        .unwrap();
    let answer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(answer))
        .await
        .unwrap();
    let text: js_sys::Function = prop(&answer, "text").unchecked_into();
    let body = text.call0(&answer).unwrap();
    let body = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(body))
        .await
        .unwrap();
    let headers = js_sys::Object::from_entries(&prop(&answer, "headers")).unwrap();
    let response = js_sys::Object::new();
    js_sys::Reflect::set(&response, &"status".into(), &prop(&answer, "status")).unwrap();
    js_sys::Reflect::set(&response, &"headers".into(), &headers).unwrap();
    js_sys::Reflect::set(&response, &"body".into(), &body).unwrap();
    c.settle(&operation, response.into(), TOKEN.into(), body_only)
}

#[wasm_bindgen_test]
async fn requests_travel_through_fetch_to_the_emulator() {
    let c = client(&["contacts.write", "contacts.readonly"]);
    let body = js(serde_json::json!({"email": "wasm-test@example.com", "firstName": "Wasm"}));
    let prepared = c
        .helper("upsertContact", js_sys::Array::of1(&body), TOKEN.into())
        .unwrap();
    assert_eq!(
        prop(&prepared, "operation").as_string().as_deref(),
        Some("contacts.upsert-contact")
    );
    let out = send(&c, prepared, true).await.unwrap();
    let out: serde_json::Value = serde_wasm_bindgen::from_value(out).unwrap();
    assert_eq!(out["contact"]["email"], "wasm-test@example.com");
    let rl: serde_json::Value = serde_wasm_bindgen::from_value(c.rate_limit().unwrap()).unwrap();
    assert_eq!(rl["max"], 100);
    assert!(rl["remaining"].as_u64().unwrap() < 100);
}

#[wasm_bindgen_test]
async fn ghl_errors_reject_with_typed_errors() {
    let c = client(&["contacts.write"]);
    let prepared = c
        .helper(
            "upsertContact",
            js_sys::Array::of1(&js(serde_json::json!({"firstName": "no match key"}))),
            TOKEN.into(),
        )
        .unwrap();
    let err = send(&c, prepared, true).await.unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("GHL_HTTP_ERROR")
    );
    assert_eq!(prop(&prop(&err, "details"), "status").as_f64(), Some(422.0));
}

#[wasm_bindgen_test]
async fn send_prepares_by_the_catalog_name_and_settles_a_send_result() {
    let c = client(&["locations/tags.readonly"]);
    // A unique bare id is found; the prepared operation is its catalog name.
    let prepared = c
        .prepare("get-location-tags", js(serde_json::json!({})), TOKEN.into())
        .unwrap();
    assert_eq!(
        prop(&prepared, "operation").as_string().as_deref(),
        Some("locations.get-location-tags")
    );
    let out = send(&c, prepared, false).await.unwrap();
    assert_eq!(
        prop(&out, "operation").as_string().as_deref(),
        Some("locations.get-location-tags")
    );
    assert_eq!(prop(&out, "status").as_f64(), Some(200.0));
    assert!(prop(&prop(&out, "data"), "tags").is_array());
}

#[wasm_bindgen_test]
fn settle_scrubs_the_token_a_server_echoes() {
    let c = client(&["locations/tags.readonly"]);
    let echoed = js(serde_json::json!({
        "status": 200, "headers": {"x-echo": TOKEN}, "body": format!("{{\"seen\":\"{TOKEN}\"}}")
    }));
    let out = c
        .settle("locations.get-location-tags", echoed, TOKEN.into(), true)
        .unwrap();
    let text = js_sys::JSON::stringify(&out).unwrap().as_string().unwrap();
    assert!(!text.contains(TOKEN), "{text}");
}

#[wasm_bindgen_test]
fn missing_scopes_throw_before_sending() {
    let c = client(&["contacts.readonly"]);
    let err = c
        .helper(
            "upsertContact",
            js_sys::Array::of1(&js(serde_json::json!({"email": "a@b.co"}))),
            TOKEN.into(),
        )
        .unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("MISSING_SCOPE")
    );
}
#[wasm_bindgen_test]
fn typed_helpers_refuse_an_unknown_name_and_a_bad_argument() {
    let c = client(&["contacts.readonly"]);
    let err = c
        .helper("nope", js_sys::Array::new(), TOKEN.into())
        .unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    assert_eq!(
        prop(&prop(&err, "details"), "argument")
            .as_string()
            .as_deref(),
        Some("name")
    );
    // Each argument is read alone and named in the error.
    let err = c
        .helper("getContact", js_sys::Array::of1(&5.into()), TOKEN.into())
        .unwrap_err();
    assert_eq!(
        prop(&prop(&err, "details"), "argument")
            .as_string()
            .as_deref(),
        Some("contactId")
    );
    let err = c
        .helper("getContact", js_sys::Array::new(), TOKEN.into())
        .unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
}
// ---- the real sources ------------------------------------------------------------

#[wasm_bindgen_test]
fn intake_events_cross_as_flow_events() {
    use ghl_bridge::wasm::sources::to_flow_event;
    let lead = js(serde_json::json!({
        "type": "wishpond.lead.created", "id": "wishpond:1:00ff", "arrived": "page",
        "lead": {"email": "a@b.co", "dynamic_attributes": {"first_name": "A", "__proto__": "x"}},
        "page": {"url": "https://example.com/"}, "utm": {}
    }));
    let ev = to_flow_event(lead).unwrap();
    assert_eq!(
        prop(&ev, "type").as_string().as_deref(),
        Some("wishpond.lead.created")
    );
    let attrs = prop(&prop(&prop(&ev, "payload"), "lead"), "dynamic_attributes");
    // A key from data stays an own property (the one serializer configuration):
    // JSON.stringify writes only own enumerable properties.
    let text: String = js_sys::JSON::stringify(&attrs).unwrap().into();
    assert!(text.contains("\"__proto__\":\"x\""), "{text}");
    let none = to_flow_event(js(serde_json::json!({
        "kind": "ContactCreate", "webhookId": "w1", "timestampMs": 1, "fields": {}
    })))
    .unwrap();
    assert!(none.is_null(), "the flows do nothing with ContactCreate");
    let err = to_flow_event(js(serde_json::json!({"type": "stripe.charge"}))).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("WEBHOOK_MALFORMED")
    );
    assert_eq!(prop(&prop(&err, "details"), "status").as_f64(), Some(400.0));
}

#[wasm_bindgen_test]
fn a_tag_update_asks_for_the_known_list_across_the_boundary() {
    use ghl_bridge::wasm::sources::WasmGhlWebhookReceiver;
    let mut r =
        WasmGhlWebhookReceiver::new(js(serde_json::json!({"allowUnsigned": true}))).unwrap();
    let now = 1_772_720_530_000.0;
    let hook = |id: &str| {
        serde_json::json!({"type": "ContactTagUpdate", "id": "c1", "tags": ["lead", "vip"],
            "webhookId": id, "timestamp": now as u64})
        .to_string()
    };
    let verdict = || js(serde_json::json!({"algorithm": "none", "valid": false}));
    let step = r
        .receive(
            js(serde_json::json!({})),
            hook("w1").as_bytes(),
            verdict(),
            now,
        )
        .unwrap();
    assert_eq!(
        prop(&step, "step").as_string().as_deref(),
        Some("needKnownTags")
    );
    assert_eq!(prop(&step, "contactId").as_string().as_deref(), Some("c1"));
    let ticket = prop(&step, "ticket").as_f64().unwrap() as u32;
    let out = r
        .provide_known_tags(
            ticket,
            js(serde_json::json!({"contactId": "c1", "tags": ["lead"], "atMs": 1000})),
            now,
        )
        .unwrap();
    let change = prop(&prop(&out, "event"), "tagChange");
    assert_eq!(js_sys::Array::from(&prop(&change, "added")).length(), 1);
    let op = prop(&out, "knownTags");
    assert_eq!(prop(&op, "op").as_string().as_deref(), Some("put"));
    assert_eq!(
        js_sys::Array::from(&prop(&prop(&op, "list"), "tags")).length(),
        2,
        "the list to store crosses as an array"
    );
    // A stored record of the wrong shape is a typed error; the delivery can be abandoned.
    let step = r
        .receive(
            js(serde_json::json!({})),
            hook("w2").as_bytes(),
            verdict(),
            now,
        )
        .unwrap();
    let ticket = prop(&step, "ticket").as_f64().unwrap() as u32;
    let err = r
        .provide_known_tags(ticket, js(serde_json::json!({"contactId": 7})), now)
        .unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("INVALID_ARGUMENT")
    );
    r.abandon(ticket, now);
    let err = r
        .provide_known_tags(ticket, JsValue::UNDEFINED, now)
        .unwrap_err();
    assert_eq!(
        prop(&err, "code").as_string().as_deref(),
        Some("WEBHOOK_KNOWN_TAGS_UNEXPECTED")
    );
}

#[wasm_bindgen_test]
fn flows_with_custom_fields_read_the_contact_before_scoring() {
    use ghl_bridge::wasm::flows::Flows;
    let fields: Vec<serde_json::Value> = ["lead_score", "score_ledger", "utm_source"]
        .iter()
        .map(|k| serde_json::json!({"id": format!("cf_{k}"), "key": format!("contact.{k}")}))
        .collect();
    let doc = serde_json::json!({"version": 1,
        "mappings": [{"id": "email", "from": "lead.email", "to": "email"}],
        "scoring": {"base": "current.score", "rules": [{"points": 10}],
                    "writeTo": {"customField": "contact.lead_score"}}});
    let mut flows = Flows::new(js(serde_json::json!({
        "locationId": "loc1", "scopes": ["contacts.write", "locations/tags.write"],
        "config": {"allowCreateLocationTags": true},
        "rules": {"wishpond": doc}, "compile": {"customFields": fields}
    })))
    .unwrap();
    let fp = flows
        .plan(
            js(
                serde_json::json!({"type": "wishpond.lead.created", "id": "e1",
                "payload": {"lead": {"email": "a@b.co", "dynamic_attributes": {}}}}),
            ),
            0.0,
        )
        .unwrap();
    let finish = prop(&fp, "finish");
    assert_eq!(
        prop(&finish, "kind").as_string().as_deref(),
        Some("readContact")
    );
    // The ledger key resolved to its id through the compile context's fields.
    assert_eq!(
        prop(&finish, "ledgerField").as_string().as_deref(),
        Some("cf_score_ledger")
    );
}
