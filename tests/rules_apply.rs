//! Applying rules: conditions, transforms, templates, routes, scoring caps, the batch
//! form, traces and limits.

use ghl_bridge::error::Coded;
use ghl_bridge::rules::{
    compile, ApplyOptions, CompileContext, CompiledRules, Limits, RulesError, TraceKind,
};
use serde_json::{json, Value};

fn rules(doc: Value) -> CompiledRules {
    compile(&doc, &CompileContext::default()).unwrap()
}

fn apply(c: &CompiledRules, rec: Value) -> Value {
    serde_json::to_value(c.apply_value(&rec, &ApplyOptions::default()).unwrap()).unwrap()
}

#[test]
fn conditions() {
    let c = rules(json!({"version": 1, "tagRules": [
        {"id": "eq", "when": {"path": "a", "equals": "YES"}, "add": ["eq"]},
        {"id": "eqcs", "when": {"path": "a", "equals": "YES", "caseSensitive": true}, "add": ["eqcs"]},
        {"id": "in", "when": {"path": "n", "in": [1, "2", 3]}, "add": ["in"]},
        {"id": "contains-list", "when": {"path": "tags", "contains": "VIP"}, "add": ["list"]},
        {"id": "starts", "when": {"path": "email", "startsWith": "ADMIN@"}, "add": ["starts"]},
        {"id": "ends", "when": {"path": "email", "endsWith": ".org"}, "add": ["ends"]},
        {"id": "matches", "when": {"path": "email", "matches": "^[a-z]+@"}, "add": ["matches"]},
        {"id": "exists", "when": {"path": "missing", "exists": false}, "add": ["missing"]},
        {"id": "blank", "when": {"path": "empty", "blank": true}, "add": ["blank"]},
        {"id": "gt", "when": {"all": [{"path": "n", "gt": 1}, {"path": "n", "lte": 2}]}, "add": ["range"]},
        {"id": "any-not", "when": {"any": [{"not": {"path": "a", "exists": true}}, {"path": "items[*].qty", "gte": 10}]}, "add": ["bulk"]}
    ]}));
    let got = apply(
        &c,
        json!({"a": "yes", "n": "2", "tags": ["new", "vip"], "email": "admin@example.org", "empty": "  ", "items": [{"qty": 1}, {"qty": 12}]}),
    );
    assert_eq!(
        got["tagsToAdd"],
        json!([
            "eq", "in", "list", "starts", "ends", "matches", "missing", "blank", "range", "bulk"
        ])
    );
    let got = apply(&c, json!({"a": "YES", "n": 5, "items": []}));
    assert_eq!(got["tagsToAdd"], json!(["eq", "eqcs", "missing", "blank"]));

    // `equals: null` is a test (validation accepts it, so compiling must too): it holds
    // for a null in the record, not for another value or a missing one.
    let doc = json!({"version": 1, "tagRules": [{"id": "null", "when": {"path": "x", "equals": null}, "add": ["null"]}]});
    assert!(ghl_bridge::rules::validate(&doc).is_empty());
    let c = rules(doc);
    assert_eq!(apply(&c, json!({"x": null}))["tagsToAdd"], json!(["null"]));
    assert_eq!(apply(&c, json!({"x": 1}))["tagsToAdd"], json!([]));
    assert_eq!(apply(&c, json!({}))["tagsToAdd"], json!([]));
    // It survives a round trip through the typed document.
    let back = serde_json::to_value(c.document()).unwrap();
    assert_eq!(
        back["tagRules"][0]["when"],
        json!({"path": "x", "equals": null})
    );
}

#[test]
fn transforms_templates_and_paths() {
    let c = rules(json!({"version": 1, "mappings": [
        {"id": "name", "template": "{f} {l}", "to": "name", "transforms": ["trim", "titleCase"]},
        {"from": "answers[*].value", "to": "address1", "transforms": [{"op": "join", "separator": " / "}]},
        {"from": "fields[\"Zip Code\"]", "to": "postalCode", "transforms": [{"op": "regexExtract", "pattern": "(\\d{5})", "group": 1}]},
        {"from": "co", "to": "companyName", "transforms": [{"op": "regexReplace", "pattern": "\\s+(inc|llc)\\.?$", "replacement": ""}, "uppercase", {"op": "truncate", "length": 5}]},
        {"from": "plan", "to": {"customFieldId": "cf_plan"}, "transforms": [{"op": "lookup", "table": {"g": "Gold", "s": "Silver"}, "default": "Other"}]},
        {"from": "optin", "to": {"customField": "contact.optin"}, "transforms": ["boolean"]},
        {"from": "list[1]", "to": "state"},
        {"from": "multi", "to": {"customField": "contact.multi"}},
        {"from": "dob", "to": "dateOfBirth", "transforms": [{"op": "date", "dayFirst": true}]},
        {"from": "tz", "to": "timezone", "transforms": [{"op": "default", "value": "America/New_York"}]}
    ]}));
    let got = apply(
        &c,
        json!({
            "f": " ada ", "l": "LOVELACE", "answers": [{"value": "1 Main"}, {"value": "Apt 2"}, {"other": 1}],
            "fields": {"Zip Code": "ZIP 90210-1234"}, "co": "Acme Widgets Inc.", "plan": " G ", "optin": "yes",
            "list": ["x", "NY"], "multi": ["a", "", "b"], "dob": "05/03/1990"
        }),
    );
    assert_eq!(
        got["upsert"],
        json!({
            "name": "Ada Lovelace", "companyName": "ACME ", "address1": "1 Main / Apt 2", "state": "NY",
            "postalCode": "90210", "timezone": "America/New_York", "dateOfBirth": "1990-03-05",
            "customFields": [
                {"id": "cf_plan", "field_value": "Gold"},
                {"key": "contact.optin", "field_value": "true"},
                {"key": "contact.multi", "field_value": ["a", "b"]}
            ]
        })
    );
    let got = apply(&c, json!({"plan": "platinum"}));
    assert_eq!(
        got["upsert"]["customFields"],
        json!([{"id": "cf_plan", "field_value": "Other"}])
    );
}

#[test]
fn mapping_conditions_routes_and_later_values_win() {
    let c = rules(json!({"version": 1,
    "mappings": [{"from": "src", "to": "source"}, {"from": "city", "to": "city", "when": {"path": "country", "equals": "US"}}],
    "routes": [
        {"id": "vip", "when": {"path": "tags", "contains": "vip"}, "mappings": [{"template": "VIP {src}", "to": "source"}]},
        {"id": "never", "when": {"path": "x", "exists": true}, "tagRules": [{"add": ["never"]}]}
    ]}));
    let got = apply(
        &c,
        json!({"src": "ads", "tags": ["VIP"], "city": "Paris", "country": "FR"}),
    );
    assert_eq!(got["ruleSet"], "vip");
    assert_eq!(got["upsert"], json!({"source": "VIP ads"}));
    let got = apply(&c, json!({"src": "ads", "city": "Austin", "country": "us"}));
    assert_eq!(got["ruleSet"], "default");
    assert_eq!(got["upsert"], json!({"city": "Austin", "source": "ads"}));
}

#[test]
fn scoring_caps_bounds_and_thresholds() {
    let c = rules(json!({"version": 1, "scoring": {
        "base": "score",
        "rules": [{"id": "views", "points": 10, "per": "views[*]", "cap": 30}, {"id": "unsub", "when": {"path": "unsub", "equals": true}, "points": -100}],
        "min": 0, "max": 100,
        "thresholds": [{"at": 10, "tags": ["cool"]}, {"at": 40, "tags": ["warm"]}, {"at": 90, "tags": ["hot"]}],
        "writeTo": "source"
    }}));
    let got = apply(&c, json!({"score": 5, "views": [1, 2, 3, 4, 5]}));
    assert_eq!(got["score"], 35);
    assert_eq!(got["tagsToAdd"], json!(["cool"]));
    assert_eq!(got["tagsToRemove"], json!(["warm", "hot"]));
    assert_eq!(got["upsert"]["source"], "35");
    let got = apply(&c, json!({"score": 99, "views": [1, 2]}));
    assert_eq!(got["score"], 100);
    assert_eq!(got["tagsToAdd"], json!(["hot"]));
    let got = apply(&c, json!({"score": 50, "unsub": true}));
    assert_eq!(got["score"], 0);
    assert_eq!(got["tagsToAdd"], json!([]));
    assert_eq!(got["tagsToRemove"], json!([]));
}

#[test]
fn tags_are_normalised_and_deduplicated() {
    let c = rules(json!({"version": 1, "settings": {"maxTagLength": 10},
        "mappings": [{"from": "t", "to": "tags"}],
        "tagRules": [{"add": ["  Hot   Lead ", "HOT LEAD", "{campaign}"], "remove": ["x", "hot lead"]}, {"add": ["X"]}]}));
    let got = apply(
        &c,
        json!({"t": "A, a,  b ,", "campaign": "Summer Sale 2026 Extra"}),
    );
    assert_eq!(got["tagsToAdd"], json!(["a", "b", "summer sal", "x"]));
    assert_eq!(got["tagsToRemove"], json!(["hot lead"]));
}

#[test]
fn batch_reports_errors_per_record() {
    let c = compile(
        &json!({"version": 1, "mappings": [{"from": "e", "to": "email", "transforms": ["email"]}]}),
        &CompileContext {
            limits: Limits {
                max_string_len: 50,
                ..Limits::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let long = "x".repeat(60);
    let batch =
        format!(r#"[{{"e":"A@B.CO"}}, 42, {{"e":"{long}"}}, {{"other":"{long}"}}, {{"e":"bad"}}]"#);
    let out: Value = serde_json::from_str(
        &c.apply_batch_json(&batch, &ApplyOptions::default())
            .unwrap(),
    )
    .unwrap();
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), 5);
    assert_eq!(out[0]["upsert"]["email"], "a@b.co");
    assert_eq!(out[1]["error"]["code"], "RECORD_NOT_OBJECT");
    assert_eq!(out[2]["error"]["code"], "RULES_LIMIT_EXCEEDED");
    assert_eq!(out[2]["error"]["details"]["limit"], "maxStringLen");
    // Long strings the rules do not read are skipped, not an error.
    assert_eq!(out[3]["upsert"], json!({}));
    assert_eq!(out[4]["warnings"][0]["code"], "INVALID_EMAIL");
    // Whole-batch failures.
    let e = c
        .apply_batch_json("{\"e\":1}", &ApplyOptions::default())
        .unwrap_err();
    assert_eq!(e.code(), "RECORD_NOT_JSON");
    assert!(c
        .apply_batch_json("[{\"e\":1},", &ApplyOptions::default())
        .is_err());
    assert_eq!(
        c.apply_batch_json(" [ ] ", &ApplyOptions::default())
            .unwrap(),
        "[]"
    );
    // The appending form: the same text after what the buffer holds; a failed batch
    // leaves the buffer as it was.
    let mut buf = String::from("kept:");
    c.apply_batch_json_into(&batch, &ApplyOptions::default(), &mut buf)
        .unwrap();
    assert_eq!(
        buf,
        format!(
            "kept:{}",
            c.apply_batch_json(&batch, &ApplyOptions::default())
                .unwrap()
        )
    );
    let before = buf.clone();
    assert!(c
        .apply_batch_json_into("[{\"e\":\"a@b.co\"},{", &ApplyOptions::default(), &mut buf)
        .is_err());
    assert_eq!(buf, before);
}

#[test]
fn trace_explains_what_fired() {
    let c = rules(json!({"version": 1,
        "mappings": [{"id": "mail", "from": "e", "to": "email", "transforms": ["email"]}, {"id": "c", "from": "c", "to": "city", "when": {"path": "x", "exists": true}}],
        "tagRules": [{"id": "t", "when": {"path": "e", "endsWith": ".com"}, "add": ["com"]}]}));
    let r = c
        .apply_json(r#"{"e":" Bob@X.com "}"#, &ApplyOptions { trace: true })
        .unwrap();
    assert_eq!(r.trace.len(), 3);
    assert_eq!(
        (r.trace[0].rule.as_str(), r.trace[0].kind, r.trace[0].fired),
        ("mail", TraceKind::Mapping, true)
    );
    assert_eq!(r.trace[0].before, Some(json!(" Bob@X.com ")));
    assert_eq!(r.trace[0].after, Some(json!("bob@x.com")));
    assert!(!r.trace[1].fired);
    assert_eq!(r.trace[1].why, "condition not met: x exists");
    assert!(r.trace[2].fired && r.trace[2].why.contains("ends with"));
    let text: Value = serde_json::from_str(
        &c.apply_json_text(r#"{"e":" Bob@X.com "}"#, &ApplyOptions { trace: true }),
    )
    .unwrap();
    assert_eq!(text, serde_json::to_value(&r).unwrap());
    // Without trace nothing is recorded.
    assert!(c
        .apply_json(r#"{"e":"a@b.co"}"#, &ApplyOptions::default())
        .unwrap()
        .trace
        .is_empty());
}

#[test]
fn record_errors_are_typed() {
    let c = rules(json!({"version": 1, "mappings": [{"from": "a", "to": "city"}]}));
    let o = ApplyOptions::default();
    assert!(matches!(
        c.apply_json("[1]", &o),
        Err(RulesError::RecordNotObject { found: "a list" })
    ));
    assert!(matches!(
        c.apply_json("{\"a\":", &o),
        Err(RulesError::BadRecord { .. })
    ));
    assert!(matches!(
        c.apply_json("", &o),
        Err(RulesError::BadRecord { .. })
    ));
    let deep = format!("{{\"b\":{}1{}}}", "[".repeat(70), "]".repeat(70));
    assert!(matches!(
        c.apply_json(&deep, &o),
        Err(RulesError::LimitExceeded {
            limit: "maxDepth",
            value: 65,
            ..
        })
    ));
    let small = compile(
        &json!({"version": 1}),
        &CompileContext {
            limits: Limits {
                max_record_bytes: 10,
                ..Limits::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let e = small.apply_json("{\"a\":\"0123456789\"}", &o).unwrap_err();
    assert_eq!(
        e.details(),
        json!({"limit": "maxRecordBytes", "value": 18, "max": 10})
    );
    assert!(e.to_string().contains("maxRecordBytes"));
}
