//! The presets applied to the sample payloads under `tests/fixtures/`, with exact results.

use ghl_bridge::rules::{compile, presets, validate, ApplyOptions, CompileContext, CustomFieldDef};
use serde_json::{json, Value};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn run(doc: &Value, path: &str) -> Value {
    let c = compile(doc, &CompileContext::default()).unwrap();
    let rec = fixture(path);
    let r = c.apply_json(&rec, &ApplyOptions::default()).unwrap();
    // The text form and the value form agree.
    let text: Value =
        serde_json::from_str(&c.apply_json_text(&rec, &ApplyOptions::default())).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(text, v, "text and typed results differ for {path}");
    v
}

#[test]
fn presets_validate() {
    for (name, doc) in presets::all() {
        assert_eq!(validate(&doc), vec![], "{name}");
    }
}

#[test]
fn wishpond_lead_polled_from_the_api() {
    // The real shape: fields in `dynamic_attributes`, snake_case (FACTS.md).
    let got = run(&presets::wishpond_lead(), "wishpond/lead-created.json");
    assert_eq!(
        got,
        json!({
            "upsert": {
                "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com",
                "phone": "+14155550123", "companyName": "Acme Corp", "source": "Wishpond (api)",
                "customFields": [
                    {"key": "contact.utm_source", "field_value": "facebook"},
                    {"key": "contact.utm_medium", "field_value": "cpc"},
                    {"key": "contact.utm_campaign", "field_value": "spring_launch"},
                    {"key": "contact.lead_score", "field_value": 35}
                ]
            },
            // 10 new lead + 10 phone + 5 company + 10 paid traffic (no current score).
            "tagsToAdd": ["wishpond", "wishpond-api", "paid-traffic", "warm-lead"],
            "tagsToRemove": ["hot-lead"],
            "score": 35,
            "ruleSet": "default",
            "warnings": []
        })
    );
}

#[test]
fn wishpond_lead_captured_on_a_page() {
    let got = run(&presets::wishpond_lead(), "wishpond/lead-captured.json");
    assert_eq!(got["upsert"]["source"], "Wishpond (page)");
    assert_eq!(got["upsert"]["firstName"], "Linus");
    assert_eq!(
        got["upsert"]["customFields"][2],
        json!({"key": "contact.wishpond_campaign", "field_value": "Spring webinar"})
    );
    assert_eq!(
        got["tagsToAdd"],
        json!(["wishpond", "wishpond-page", "paid-traffic", "warm-lead"])
    );
    assert_eq!(got["score"], json!(20));
}

#[test]
fn wishpond_lead_updated_with_bad_fields() {
    let got = run(&presets::wishpond_lead(), "wishpond/lead-updated.json");
    assert_eq!(
        got["upsert"],
        json!({
            "firstName": "John", "lastName": "Smith", "email": "john.smith@example.com",
            "country": "DE", "source": "Wishpond (api)",
            "customFields": [
                {"key": "contact.utm_source", "field_value": "newsletter"},
                {"key": "contact.utm_medium", "field_value": "email"},
                {"key": "contact.lead_score", "field_value": 0}
            ]
        })
    );
    // An update earns no points again (its id changes with every change of the lead).
    assert_eq!(got["score"], json!(0));
    assert_eq!(
        got["tagsToAdd"],
        json!(["wishpond", "wishpond-api", "wishpond-updated"])
    );
    assert_eq!(got["warnings"][0]["code"], "INVALID_PHONE");
}

#[test]
fn wishpond_score_adds_to_the_current_score() {
    let c = compile(&presets::wishpond_lead(), &CompileContext::default()).unwrap();
    let mut rec: Value = serde_json::from_str(&fixture("wishpond/lead-created.json")).unwrap();
    rec["current"] = json!({"score": 30});
    let r = c.apply_value(&rec, &ApplyOptions::default()).unwrap();
    assert_eq!(r.score, Some(65));
    assert!(r.tags_to_add.contains(&"hot-lead".to_string()));
}

#[test]
fn qwilr_page_viewed() {
    let got = run(&presets::qwilr_events(), "qwilr/page-viewed.json");
    assert_eq!(
        got,
        json!({
            "upsert": {
                "email": "jane.doe@example.com",
                "source": "Qwilr: Website redesign proposal",
                "customFields": [
                    {"key": "contact.qwilr_last_page", "field_value": "Website redesign proposal"},
                    {"key": "contact.qwilr_page_link", "field_value": "https://pages.qwilr.com/Website-redesign-proposal-abc123"},
                    {"key": "contact.lead_score", "field_value": 2}
                ]
            },
            "tagsToAdd": ["qwilr", "proposal-viewed"],
            "tagsToRemove": [],
            "score": 2,
            "ruleSet": "page-viewed",
            "warnings": []
        })
    );
}

#[test]
fn qwilr_page_accepted() {
    // Correlated by a GHL contact id in the metadata: the email comes from the acceptance.
    let got = run(&presets::qwilr_events(), "qwilr/page-accepted.json");
    assert_eq!(got["ruleSet"], "page-accepted");
    assert_eq!(got["upsert"]["email"], "jane.doe@example.com");
    assert_eq!(got["upsert"]["firstName"], "Jane");
    assert_eq!(got["upsert"]["lastName"], "Doe");
    // 50 accepted + 20 for a deal of at least 10,000.
    assert_eq!(got["score"], json!(70));
    assert_eq!(
        got["upsert"]["customFields"][3],
        json!({"key": "contact.proposal_value", "field_value": 12500})
    );
    assert_eq!(
        got["upsert"]["customFields"][4],
        json!({"key": "contact.proposal_accepted_on", "field_value": "2026-03-06"})
    );
    assert_eq!(
        got["tagsToAdd"],
        json!(["qwilr", "proposal-accepted", "hot-lead"])
    );
    assert_eq!(
        got["tagsToRemove"],
        json!(["proposal-viewed", "proposal-sent", "warm-lead"])
    );
}

#[test]
fn qwilr_every_event_routes_or_maps() {
    let c = compile(&presets::qwilr_events(), &CompileContext::default()).unwrap();
    let base: Value = serde_json::from_str(&fixture("qwilr/page-viewed.json")).unwrap();
    let route = |ty: &str| {
        let mut rec = base.clone();
        rec["type"] = json!(ty);
        let r = c.apply_value(&rec, &ApplyOptions::default()).unwrap();
        (r.rule_set, r.score)
    };
    assert_eq!(
        route("qwilr.pageFirstViewed"),
        ("page-viewed".into(), Some(5))
    );
    assert_eq!(route("qwilr.pageSetLive"), ("page-live".into(), Some(0)));
    assert_eq!(
        route("qwilr.pageRevivedLive"),
        ("page-live".into(), Some(0))
    );
    assert_eq!(
        route("qwilr.pagePartiallyAccepted"),
        ("page-accepted".into(), Some(25))
    );
    assert_eq!(
        route("qwilr.pagePreviewAccepted"),
        ("default".into(), Some(0))
    );
}

#[test]
fn custom_field_keys_resolve_to_ids() {
    let fields: Vec<CustomFieldDef> = [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "wishpond_campaign",
        "lead_score",
        "utm_term",
        "utm_content",
    ]
    .iter()
    .enumerate()
    .map(|(i, k)| CustomFieldDef {
        id: format!("cf{i}"),
        key: format!("contact.{k}"),
        name: k.to_string(),
        data_type: "TEXT".into(),
    })
    .collect();
    let ctx = CompileContext {
        custom_fields: Some(fields.clone()),
        ..Default::default()
    };
    let c = compile(&presets::wishpond_lead(), &ctx).unwrap();
    let r = c
        .apply_json(
            &fixture("wishpond/lead-created.json"),
            &ApplyOptions::default(),
        )
        .unwrap();
    assert_eq!(r.upsert.custom_fields[0].id.as_deref(), Some("cf0"));
    assert_eq!(
        r.upsert.custom_fields[0].key.as_deref(),
        Some("contact.utm_source")
    );
    // A location without the score field: the problem points at the rule.
    let ctx = CompileContext {
        custom_fields: Some(fields[..4].to_vec()),
        ..Default::default()
    };
    let err = compile(&presets::wishpond_lead(), &ctx).unwrap_err();
    let ghl_bridge::rules::RulesError::Invalid { problems } = err else {
        panic!()
    };
    let ptrs: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        ptrs,
        vec![
            "/mappings/13/to/customField",
            "/mappings/14/to/customField",
            "/scoring/writeTo/customField"
        ]
    );
    assert!(problems.iter().all(|p| p.code == "UNKNOWN_CUSTOM_FIELD"));
}
