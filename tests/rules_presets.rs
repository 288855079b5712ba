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
fn wishpond_lead_created() {
    let got = run(&presets::wishpond_lead(), "wishpond/lead-created.json");
    assert_eq!(
        got,
        json!({
            "upsert": {
                "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com",
                "phone": "+14155550123", "companyName": "Acme Corp", "address1": "500 Howard St",
                "city": "San Francisco", "state": "CA", "postalCode": "94105", "country": "US",
                "website": "https://acme.example", "source": "Wishpond", "dateOfBirth": "1990-03-15",
                "customFields": [
                    {"key": "contact.utm_source", "field_value": "facebook"},
                    {"key": "contact.utm_medium", "field_value": "cpc"},
                    {"key": "contact.utm_campaign", "field_value": "spring_launch"},
                    {"key": "contact.wishpond_campaign", "field_value": "Spring Giveaway 2026"},
                    {"key": "contact.lead_score", "field_value": 60}
                ]
            },
            "tagsToAdd": ["newsletter", "giveaway", "wishpond", "campaign: spring giveaway 2026", "paid-traffic", "hot-lead"],
            "tagsToRemove": ["unsubscribed", "warm-lead"],
            "score": 60,
            "ruleSet": "default",
            "warnings": []
        })
    );
}

#[test]
fn wishpond_lead_updated_with_bad_fields() {
    let got = run(&presets::wishpond_lead(), "wishpond/lead-updated.json");
    assert_eq!(
        got["upsert"],
        json!({
            "firstName": "John", "lastName": "Smith", "country": "DE", "source": "Wishpond",
            "customFields": [
                {"key": "contact.utm_source", "field_value": "newsletter"},
                {"key": "contact.utm_medium", "field_value": "email"},
                {"key": "contact.wishpond_campaign", "field_value": "Spring Giveaway 2026"},
                {"key": "contact.lead_score", "field_value": 22}
            ]
        })
    );
    assert_eq!(
        got["tagsToAdd"],
        json!([
            "vip",
            "returning",
            "wishpond",
            "campaign: spring giveaway 2026",
            "wishpond-updated",
            "warm-lead"
        ])
    );
    assert_eq!(got["tagsToRemove"], json!(["hot-lead"]));
    assert_eq!(got["score"], json!(22));
    let codes: Vec<&str> = got["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["INVALID_EMAIL", "INVALID_PHONE", "INVALID_DATE"]
    );
    assert_eq!(got["warnings"][0]["rule"], "email");
}

#[test]
fn wishpond_webinar_route() {
    let got = run(&presets::wishpond_lead(), "wishpond/webinar-lead.json");
    assert_eq!(got["ruleSet"], "webinar");
    assert_eq!(got["upsert"]["phone"], "+442079460958");
    assert_eq!(got["upsert"]["country"], "GB");
    assert_eq!(got["upsert"]["city"], "London");
    assert_eq!(got["upsert"]["source"], "Partner site");
    assert_eq!(
        got["upsert"]["customFields"][5],
        json!({"key": "contact.webinar_session", "field_value": "Tuesday 10am"})
    );
    assert_eq!(
        got["tagsToAdd"],
        json!([
            "wishpond",
            "campaign: growth webinar",
            "paid-traffic",
            "webinar-registrant",
            "warm-lead"
        ])
    );
    assert_eq!(got["score"], json!(35));
}

#[test]
fn qwilr_page_viewed() {
    let got = run(&presets::qwilr_events(), "qwilr/page-viewed.json");
    assert_eq!(
        got,
        json!({
            "upsert": {
                "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com", "companyName": "Acme Corp",
                "source": "Qwilr: Website Redesign Proposal for Acme",
                "customFields": [
                    {"key": "contact.qwilr_last_page", "field_value": "Website Redesign Proposal for Acme"},
                    {"key": "contact.qwilr_page_link", "field_value": "https://acme.qwilr.com/website-redesign-5e2d7"},
                    {"key": "contact.lead_score", "field_value": 18}
                ]
            },
            "tagsToAdd": ["qwilr", "proposal-viewed"],
            "tagsToRemove": [],
            "score": 18,
            "ruleSet": "page-viewed",
            "warnings": []
        })
    );
}

#[test]
fn qwilr_page_accepted() {
    let got = run(&presets::qwilr_events(), "qwilr/page-accepted.json");
    assert_eq!(got["ruleSet"], "page-accepted");
    // 23 so far + 50 accepted + 20 for a deal of at least 10,000.
    assert_eq!(got["score"], json!(93));
    assert_eq!(got["upsert"]["phone"], "+14155550123");
    assert_eq!(
        got["upsert"]["customFields"][3],
        json!({"key": "contact.proposal_value", "field_value": 18500})
    );
    assert_eq!(
        got["upsert"]["customFields"][4],
        json!({"key": "contact.proposal_accepted_on", "field_value": "2026-03-12"})
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
fn qwilr_project_tagged() {
    let got = run(&presets::qwilr_events(), "qwilr/project-tagged.json");
    assert_eq!(got["ruleSet"], "project-tagged");
    assert_eq!(
        got["tagsToAdd"],
        json!([
            "renewal",
            "q2-priority",
            "qwilr",
            "qwilr-project: globex retainer"
        ])
    );
    assert_eq!(got["score"], json!(0));
}

#[test]
fn custom_field_keys_resolve_to_ids() {
    let fields: Vec<CustomFieldDef> = [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "wishpond_campaign",
        "lead_score",
        "webinar_session",
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
            "/scoring/writeTo/customField",
            "/routes/0/mappings/0/to/customField"
        ]
    );
    assert!(problems.iter().all(|p| p.code == "UNKNOWN_CUSTOM_FIELD"));
}
