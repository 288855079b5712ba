//! Flows: exact plans per event, request counts for cold and cached state, stages,
//! finishing with responses, and typed errors for unknown or malformed events.

use std::collections::BTreeMap;

use ghl_bridge::error::Coded;
use ghl_bridge::flows::*;
use ghl_bridge::plan::Resolved;
use ghl_bridge::rules::{compile, presets, CompileContext};
use ghl_bridge::tags::CatalogConfig;
use serde_json::{json, Value};

const LOC: &str = "loc1";
const NOW: u64 = 1_773_000_000_000;

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A preset whose score does not accumulate (no `current.score` base): the one-stage
/// contact flow. The accumulating flow is tested in `flows_sources.rs`.
fn fixed_score(mut doc: Value) -> Value {
    doc["scoring"].as_object_mut().unwrap().remove("base");
    doc
}

fn engine_with(config: FlowConfig, scopes: &[&str]) -> FlowEngine {
    let mut e = FlowEngine::new(LOC, config, scopes.iter().map(|s| s.to_string()).collect());
    e.set_rules(
        "wishpond",
        compile(
            &fixed_score(presets::wishpond_lead()),
            &CompileContext::default(),
        )
        .unwrap(),
    );
    e.set_rules(
        "qwilr",
        compile(
            &fixed_score(presets::qwilr_events()),
            &CompileContext::default(),
        )
        .unwrap(),
    );
    e
}

/// An engine that may create location tags (configuration and scope).
fn creating_engine() -> FlowEngine {
    engine_with(
        FlowConfig {
            allow_create_location_tags: true,
            ..FlowConfig::default()
        },
        &["contacts.write", "locations/tags.write"],
    )
}

fn engine() -> FlowEngine {
    engine_with(FlowConfig::default(), &["contacts.write"])
}

fn event(kind: &str, id: &str, payload: Value) -> Event {
    serde_json::from_value(json!({"type": kind, "id": id, "payload": payload})).unwrap()
}

fn step_ids(fp: &FlowPlan) -> Vec<&str> {
    fp.plan.steps.iter().map(|s| s.id.as_str()).collect()
}

fn ops(fp: &FlowPlan) -> Vec<&str> {
    fp.plan.steps.iter().map(|s| s.operation.as_str()).collect()
}

fn tag(id: &str, name: &str, deleted: bool) -> Value {
    json!({"_id": id, "tag": name, "locationId": LOC, "deleted": deleted,
           "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z"})
}

fn page(tags: Vec<Value>, count: usize) -> Value {
    json!({"success": true, "statusCode": 200, "message": "ok", "results": {"tags": tags, "count": count}})
}

fn responses(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn wishpond_created() -> Event {
    event(
        "wishpond.lead.created",
        "evt_7f3a9c21",
        fixture("wishpond/lead-created.json"),
    )
}

// ---- flow 1 --------------------------------------------------------------------------

#[test]
fn wishpond_contact_with_creation_allowed_is_upsert_then_tag_diff() {
    let mut e = creating_engine();
    let fp = e.plan(&wishpond_created(), NOW).unwrap();
    fp.plan.validate().unwrap();
    assert_eq!(step_ids(&fp), ["upsert", "add-tags", "remove-tags"]);
    assert_eq!(
        ops(&fp),
        [
            "contacts.upsert-contact",
            "contacts.add-tags",
            "contacts.remove-tags"
        ]
    );
    assert_eq!(fp.plan.id, "evt_7f3a9c21");
    assert_eq!(fp.plan.contact_key.as_deref(), Some("jane.doe@example.com"));
    let body = fp.plan.steps[0].params.body.as_ref().unwrap();
    assert_eq!(body["locationId"], json!(LOC));
    assert_eq!(body["email"], json!("jane.doe@example.com"));
    assert!(body.get("tags").is_none(), "tags never ride on the upsert");
    let score_field = body["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == json!("contact.lead_score"))
        .expect("the score is a custom field of the upsert body");
    let Finish::Contact {
        score,
        tags_to_add,
        tags_to_remove,
        ..
    } = &fp.finish
    else {
        panic!()
    };
    assert_eq!(score_field["field_value"], json!(score.unwrap()));
    assert!(tags_to_add.contains(&"wishpond".to_string()));
    assert!(tags_to_remove.contains(&"hot-lead".to_string()));
    let add = &fp.plan.steps[1];
    assert_eq!(add.skip_when_empty.as_deref(), Some("/tags"));
    assert_eq!(add.dependencies(), vec!["upsert".to_string()]);

    // The diff happens against the tags the upsert answered with.
    let upsert =
        json!({"new": false, "contact": {"id": "c1", "tags": ["wishpond", "hot-lead", "other"]}});
    let r = responses(&[("upsert", upsert.clone())]);
    let Resolved::Send(p) = add.resolve(&r).unwrap() else {
        panic!("expected add-tags")
    };
    let sent: Vec<String> = serde_json::from_value(p.body.unwrap()["tags"].clone()).unwrap();
    assert!(!sent.contains(&"wishpond".to_string()));
    assert_eq!(sent.len(), tags_to_add.len() - 1);
    assert_eq!(p.path["contactId"], json!("c1"));
    let Resolved::Send(p) = fp.plan.steps[2].resolve(&r).unwrap() else {
        panic!()
    };
    assert_eq!(p.body.unwrap()["tags"], json!(["hot-lead"]));

    // Finishing reports what was sent and the contact's tags afterwards.
    let after = json!({"tags": ["other", "wishpond"]});
    let r = responses(&[
        ("upsert", upsert),
        ("add-tags", json!({"tags": ["x"]})),
        ("remove-tags", after),
    ]);
    let out = e.finish(&fp, &r, NOW).unwrap();
    let FlowResult::Contact {
        contact_id,
        created,
        tags_added,
        tags_removed,
        tags,
        ..
    } = out.result
    else {
        panic!()
    };
    assert_eq!(contact_id.as_deref(), Some("c1"));
    assert_eq!(created, Some(false));
    assert_eq!(tags_added, sent);
    assert_eq!(tags_removed, vec!["hot-lead".to_string()]);
    assert_eq!(tags, vec!["other".to_string(), "wishpond".to_string()]);
    assert!(out.next.is_none());
}

#[test]
fn contact_already_tagged_skips_both_tag_requests() {
    let mut e = creating_engine();
    let fp = e.plan(&wishpond_created(), NOW).unwrap();
    let Finish::Contact { tags_to_add, .. } = &fp.finish else {
        panic!()
    };
    let upsert = json!({"contact": {"id": "c1", "tags": tags_to_add.iter().map(|t| t.to_uppercase()).collect::<Vec<_>>()}});
    let r = responses(&[("upsert", upsert)]);
    assert_eq!(fp.plan.steps[1].resolve(&r).unwrap(), Resolved::Skip);
    assert_eq!(fp.plan.steps[2].resolve(&r).unwrap(), Resolved::Skip);
}

#[test]
fn without_creation_the_location_tags_are_read_once_then_missing_tags_dropped() {
    let mut e = engine();
    let ev = wishpond_created();
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(step_ids(&fp), ["location-tags"]);
    assert_eq!(ops(&fp), ["locations.get-location-tags"]);
    assert!(matches!(fp.finish, Finish::Replan { .. }));
    let known =
        json!({"tags": [{"id": "t1", "name": "wishpond"}, {"id": "t2", "name": "Warm-Lead"}]});
    let out = e
        .finish(&fp, &responses(&[("location-tags", known)]), NOW)
        .unwrap();
    let next = out.next.expect("the contact stage follows");
    assert_eq!(next.stage, 2);
    assert_eq!(next.plan.id, "evt_7f3a9c21#2");
    assert_eq!(step_ids(&next), ["upsert", "add-tags", "remove-tags"]);
    let Finish::Contact {
        tags_to_add,
        dropped_tags,
        ..
    } = &next.finish
    else {
        panic!()
    };
    let mut kept = tags_to_add.clone();
    kept.sort();
    assert_eq!(kept, vec!["warm-lead".to_string(), "wishpond".to_string()]);
    assert!(dropped_tags.contains(&"paid-traffic".to_string()));
    assert!(next
        .warnings
        .iter()
        .any(|w| w.contains("allowCreateLocationTags is off")));
    // Cached now: the next event costs no read.
    let again = e
        .plan(
            &event(
                "wishpond.lead.updated",
                "evt_2",
                fixture("wishpond/lead-updated.json"),
            ),
            NOW + 1,
        )
        .unwrap();
    assert_eq!(step_ids(&again)[0], "upsert");
    // ...until the TTL passes.
    let later = e
        .plan(&wishpond_created(), NOW + CatalogConfig::default().ttl_ms)
        .unwrap();
    assert_eq!(step_ids(&later), ["location-tags"]);
}

#[test]
fn creation_allowed_without_scope_still_drops_missing_tags() {
    let mut e = engine_with(
        FlowConfig {
            allow_create_location_tags: true,
            ..FlowConfig::default()
        },
        &["contacts.write"],
    );
    e.set_location_tags(LOC, vec!["wishpond".into()], NOW);
    let fp = e.plan(&wishpond_created(), NOW).unwrap();
    assert!(fp
        .warnings
        .iter()
        .any(|w| w.contains("locations/tags.write")));
    let Finish::Contact { tags_to_add, .. } = &fp.finish else {
        panic!()
    };
    assert_eq!(tags_to_add, &vec!["wishpond".to_string()]);
}

#[test]
fn qwilr_page_accepted_maps_with_the_qwilr_rules() {
    let mut e = creating_engine();
    let fp = e
        .plan(
            &event(
                "qwilr.pageAccepted",
                "q1",
                fixture("qwilr/page-accepted.json"),
            ),
            NOW,
        )
        .unwrap();
    assert_eq!(fp.plan.flow, "qwilr.page");
    // The page names its GHL contact id (and an email): the id wins, the contact is
    // updated by id, never upserted by the email.
    assert_eq!(step_ids(&fp), ["update", "add-tags", "remove-tags"]);
    let update = &fp.plan.steps[0];
    assert_eq!(update.operation, "contacts.update-contact");
    assert_eq!(
        update.params.path["contactId"],
        json!("nmFmQEsNgz6AVpgLVUJ0")
    );
    assert_eq!(
        fp.plan.contact_key.as_deref(),
        Some("contact:nmFmQEsNgz6AVpgLVUJ0")
    );
    let body = update.params.body.as_ref().unwrap();
    assert_eq!(body["source"], "Qwilr: Website redesign proposal");
    assert!(
        body.get("locationId").is_none(),
        "an update takes no locationId"
    );
    for tags in &fp.plan.steps[1..] {
        assert_eq!(tags.params.path["contactId"], json!("nmFmQEsNgz6AVpgLVUJ0"));
    }
    let Finish::Contact {
        rule_set,
        tags_to_remove,
        ..
    } = &fp.finish
    else {
        panic!()
    };
    assert_eq!(rule_set, "page-accepted");
    assert!(tags_to_remove.contains(&"proposal-viewed".to_string()));
    // page.viewed removes nothing: no remove-tags step at all.
    let fp = e
        .plan(
            &event("qwilr.pageViewed", "q2", fixture("qwilr/page-viewed.json")),
            NOW,
        )
        .unwrap();
    assert_eq!(step_ids(&fp), ["upsert", "add-tags"]);
}

// ---- flows 2 and 3 -------------------------------------------------------------------

fn tag_event() -> Event {
    event(
        "wishpond.tag.updated",
        "wt1",
        json!({"tag": {"name": " Newsletter "}, "records": [
            {"email": "a@x.co", "tags": ["newsletter", "t9"]},
            {"email": "b@x.co", "tags": ["Giveaway"]}
        ]}),
    )
}

#[test]
fn wishpond_tag_cold_catalog_reads_one_page_then_details_only_for_unknown_ids() {
    let mut e = engine();
    let fp = e.plan(&tag_event(), NOW).unwrap();
    assert_eq!(step_ids(&fp), ["tags-page-1"]);
    let p = &fp.plan.steps[0].params;
    assert_eq!(p.path["locationId"], json!(LOC));
    assert_eq!(p.query["limit"], json!("100"));
    assert_eq!(p.query["skip"], json!("0"));
    let list = page(
        vec![tag("t1", "newsletter", false), tag("t2", "giveaway", false)],
        2,
    );
    let out = e
        .finish(&fp, &responses(&[("tags-page-1", list)]), NOW)
        .unwrap();
    let next = out.next.expect("t9 is unknown after the list: details");
    assert_eq!(step_ids(&next), ["tag-details-1"]);
    assert_eq!(
        next.plan.steps[0].params.body,
        Some(json!({"tagIds": ["t9"]}))
    );
    let details = json!({"success": true, "statusCode": 201, "message": "ok", "results": {"tags": [tag("t9", "old", true)], "count": 1}});
    let out = e
        .finish(&next, &responses(&[("tag-details-1", details)]), NOW)
        .unwrap();
    let FlowResult::Enriched {
        records,
        report,
        subject,
    } = out.result
    else {
        panic!()
    };
    assert!(out.next.is_none());
    assert_eq!(report.attached, 3);
    assert_eq!(records[0]["tagDetails"][1]["deleted"], json!(true));
    assert_eq!(records[1]["tagDetails"][0]["id"], json!("t2"));
    assert!(
        matches!(subject, Some(ghl_bridge::tags::Resolution::Found { ref tag }) if tag.id == "t1")
    );

    // Fresh catalog: the same event costs nothing.
    let fp = e.plan(&tag_event(), NOW + 10).unwrap();
    assert!(fp.plan.steps.is_empty());
    let out = e.finish(&fp, &BTreeMap::new(), NOW + 10).unwrap();
    assert!(matches!(out.result, FlowResult::Enriched { .. }));
}

/// `fp` without the dry run's own warnings (`stage N: ...`), as JSON.
fn without_stage_notes(fp: &FlowPlan) -> Value {
    let mut fp = fp.clone();
    fp.warnings.retain(|w| !w.starts_with("stage "));
    serde_json::to_value(&fp).unwrap()
}

#[test]
fn a_dry_runs_catalog_stages_are_the_stages_the_tag_list_gives() {
    let small = || {
        engine_with(
            FlowConfig {
                catalog: CatalogConfig {
                    page_size: 2,
                    ..CatalogConfig::default()
                },
                ..FlowConfig::default()
            },
            &[],
        )
    };
    let ev = event(
        "qwilr.social-post.location.updated",
        "sp-dry",
        json!({"post": {"id": "p", "tags": ["t1", "t3"]}}),
    );
    let mut e = small();
    let first = e.plan(&ev, NOW).unwrap();
    let later = e.later_stages(&first, NOW).unwrap();
    assert_eq!(later.len(), 2);
    let (page2, details) = (&later[0], &later[1]);
    assert_eq!((page2.stage, details.stage), (2, 3));
    assert_eq!(step_ids(page2), ["tags-page-2"]);
    assert_eq!(page2.plan.steps[0].params.query["skip"], json!("2"));
    assert!(page2
        .warnings
        .iter()
        .any(|w| w.starts_with("stage 2: shown for a first page that is full")));
    assert_eq!(step_ids(details), ["tag-details-1"]);
    assert_eq!(
        details.plan.steps[0].params.body,
        Some(json!({"tagIds": ["t1", "t3"]}))
    );
    assert!(details
        .warnings
        .iter()
        .any(|w| w.starts_with("stage 3: shown as if the tag list had none")));
    // The engine learned nothing: its catalog is still not loaded.
    assert!(e.catalog(LOC).is_none_or(|c| !c.is_fresh(NOW)));

    // A run whose list is a full page of other tags, then an empty page: the same stages.
    let mut e = small();
    let first = e.plan(&ev, NOW).unwrap();
    let full = page(vec![tag("t7", "x", false), tag("t8", "y", false)], 3);
    let real2 = *e
        .finish(&first, &responses(&[("tags-page-1", full)]), NOW)
        .unwrap()
        .next
        .unwrap();
    assert_eq!(without_stage_notes(page2), without_stage_notes(&real2));
    let end = page(vec![tag("t9", "z", false)], 3);
    let real3 = *e
        .finish(&real2, &responses(&[("tags-page-2", end)]), NOW)
        .unwrap()
        .next
        .unwrap();
    assert_eq!(without_stage_notes(details), without_stage_notes(&real3));

    // A tag report has no details stage; a fresh catalog's flow no later stage.
    let mut e = small();
    let report = event(
        "tags.validation.requested",
        "r-dry",
        json!({"references": [{"value": "VIP", "source": "rule:x"}]}),
    );
    let fp = e.plan(&report, NOW).unwrap();
    let later = e.later_stages(&fp, NOW).unwrap();
    assert_eq!(
        later.iter().map(step_ids).collect::<Vec<_>>(),
        [["tags-page-2"]]
    );
    let one = page(vec![tag("t1", "a", false)], 1);
    e.finish(&fp, &responses(&[("tags-page-1", one)]), NOW)
        .unwrap();
    // Fresh: t3 is read by id at once, and its answer ends the flow.
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(step_ids(&fp), ["tag-details-1"]);
    assert!(e.later_stages(&fp, NOW).unwrap().is_empty());
}

#[test]
fn pages_follow_count_across_stages() {
    let mut e = engine_with(
        FlowConfig {
            catalog: CatalogConfig {
                page_size: 2,
                ..CatalogConfig::default()
            },
            ..FlowConfig::default()
        },
        &[],
    );
    let ev = event(
        "qwilr.social-post.location.updated",
        "sp1",
        json!({"post": {"id": "p", "tags": ["t1", "t3"]}}),
    );
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(fp.plan.steps[0].params.query["limit"], json!("2"));
    let out = e
        .finish(
            &fp,
            &responses(&[(
                "tags-page-1",
                page(vec![tag("t1", "a", false), tag("t2", "b", false)], 3),
            )]),
            NOW,
        )
        .unwrap();
    let next = out.next.unwrap();
    assert_eq!(step_ids(&next), ["tags-page-2"]);
    assert_eq!(next.plan.steps[0].params.query["skip"], json!("2"));
    let out = e
        .finish(
            &next,
            &responses(&[("tags-page-2", page(vec![tag("t3", "c", false)], 3))]),
            NOW,
        )
        .unwrap();
    let FlowResult::Enriched { records, .. } = out.result else {
        panic!("{:?}", out.result)
    };
    assert_eq!(records[0]["tagDetails"].as_array().unwrap().len(), 2);
}

#[test]
fn fresh_catalog_with_unknown_ids_plans_details_directly() {
    let mut e = engine();
    let fp = e
        .plan(&event("tags.validation.requested", "v0", json!({})), NOW)
        .unwrap();
    e.finish(
        &fp,
        &responses(&[("tags-page-1", page(vec![tag("t1", "a", false)], 1))]),
        NOW,
    )
    .unwrap();
    let ev = event(
        "qwilr.social-post.location.new",
        "sp2",
        json!({"posts": [{"tags": ["t1", "t7", "t7", "t8"]}]}),
    );
    let fp = e.plan(&ev, NOW + 1).unwrap();
    assert_eq!(step_ids(&fp), ["tag-details-1"]);
    assert_eq!(
        fp.plan.steps[0].params.body,
        Some(json!({"tagIds": ["t7", "t8"]}))
    );
}

// ---- flow 4 --------------------------------------------------------------------------

#[test]
fn tag_details_updated_refreshes_the_list_even_when_fresh() {
    let mut e = engine();
    let fp = e
        .plan(&event("tags.validation.requested", "v0", json!({})), NOW)
        .unwrap();
    e.finish(
        &fp,
        &responses(&[("tags-page-1", page(vec![tag("t1", "a", false)], 1))]),
        NOW,
    )
    .unwrap();
    assert!(e.catalog(LOC).unwrap().is_fresh(NOW + 1));
    let ev = event(
        "qwilr.tag.details.updated",
        "td1",
        json!({"tagIds": ["t1", "t5"]}),
    );
    let fp = e.plan(&ev, NOW + 1).unwrap();
    assert!(
        e.catalog(LOC).unwrap().is_fresh(NOW + 1),
        "planning changes nothing (dry runs are side-effect free)"
    );
    assert_eq!(step_ids(&fp), ["tags-page-1"]);
    let out = e
        .finish(
            &fp,
            &responses(&[("tags-page-1", page(vec![tag("t1", "renamed", false)], 1))]),
            NOW + 2,
        )
        .unwrap();
    let next = out.next.unwrap();
    assert_eq!(
        next.plan.steps[0].params.body,
        Some(json!({"tagIds": ["t5"]}))
    );
    let empty = json!({"success": true, "statusCode": 201, "message": "ok", "results": {"tags": [], "count": 0}});
    let out = e
        .finish(&next, &responses(&[("tag-details-1", empty)]), NOW + 2)
        .unwrap();
    let FlowResult::TagsRefreshed {
        tags,
        not_found,
        catalog_size,
    } = out.result
    else {
        panic!()
    };
    assert_eq!(tags[0].name, "renamed");
    assert_eq!(not_found, vec!["t5".to_string()]);
    assert_eq!(catalog_size, 1);
}

// ---- flow 5 --------------------------------------------------------------------------

fn accounts() -> Value {
    json!({"success": true, "statusCode": 200, "message": "ok", "results": {"accounts": [
        {"id": "a1", "profileId": "li-page", "name": "Acme", "platform": "linkedin", "type": "page"},
        {"id": "a2", "profileId": "fb", "name": "Acme FB", "platform": "facebook", "type": "page"},
        {"id": "a3", "profileId": "tt", "name": "Acme TT", "platform": "tiktok", "type": "business"}
    ], "groups": []}})
}

#[test]
fn statistics_first_time_reads_accounts_then_statistics_then_reports_locally() {
    let mut e = engine();
    let ev = event(
        "statistics.requested",
        "s1",
        json!({"trigger": "schedule", "title": "Week 10",
        "hostMetrics": [{"metric": "leads", "source": "wishpond", "value": 4, "timestampMs": NOW}]}),
    );
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(ops(&fp), ["social-media-posting.get-account"]);
    let out = e
        .finish(&fp, &responses(&[("accounts", accounts())]), NOW)
        .unwrap();
    let next = out.next.unwrap();
    assert_eq!(
        ops(&next),
        ["social-media-posting.get-social-media-statistics"]
    );
    let p = &next.plan.steps[0].params;
    assert_eq!(p.query["locationId"], json!(LOC));
    assert_eq!(
        p.body.as_ref().unwrap()["profileIds"],
        json!(["li-page", "tt"])
    );
    let out = e
        .finish(
            &next,
            &responses(&[("statistics", fixture("ghl/social-media-statistics.json"))]),
            NOW,
        )
        .unwrap();
    let FlowResult::Statistics {
        markdown,
        csv,
        slack,
        series,
        profile_ids,
    } = out.result
    else {
        panic!()
    };
    assert!(markdown.contains("Week 10"));
    assert!(csv.lines().count() > 1);
    assert!(slack["blocks"].is_array());
    assert!(series.points.iter().any(|p| p.source == "wishpond"));
    assert_eq!(profile_ids, vec!["li-page".to_string(), "tt".to_string()]);
    // Profiles are cached: the next run is a single request.
    let fp = e
        .plan(&event("statistics.requested", "s2", json!({})), NOW)
        .unwrap();
    assert_eq!(step_ids(&fp), ["statistics"]);
}

#[test]
fn a_dry_runs_statistics_stage_is_the_stage_the_accounts_answer_gives_with_the_ids_filled() {
    let placeholder = json!([{"$from": "accounts", "pointer": "/results/accounts/profileId"}]);
    for payload in [
        json!({"title": "Week 10"}),
        json!({"platforms": ["tiktok", "facebook"]}),
    ] {
        let mut e = engine();
        let ev = event("statistics.requested", "s-dry", payload.clone());
        let first = e.plan(&ev, NOW).unwrap();
        assert_eq!(step_ids(&first), ["accounts"]);
        let later = e.later_stages(&first, NOW).unwrap();
        assert_eq!(later.len(), 1, "{payload}");
        let dry = &later[0];
        assert_eq!(dry.stage, 2);
        assert_eq!(dry.plan.id, "s-dry#2");
        assert!(matches!(&dry.finish, Finish::Statistics { work } if work.accounts_step.is_none()));
        assert!(dry
            .warnings
            .iter()
            .any(|w| w.starts_with("stage 2: shown for one profile")
                && w.contains("accounts HighLevel answers decide the profile ids")));
        let body = dry.plan.steps[0].params.body.as_ref().unwrap();
        assert_eq!(body["profileIds"], placeholder);
        assert_eq!(dry.plan.steps[0].dependencies(), ["accounts"]);
        // Planning it changed nothing: the profiles are still unknown.
        let again = e.plan(
            &event("statistics.requested", "s-dry2", payload.clone()),
            NOW,
        );
        assert_eq!(step_ids(&again.unwrap()), ["accounts"]);

        // The run: the accounts read, then the real stage from its answer.
        let real = *e
            .finish(&first, &responses(&[("accounts", accounts())]), NOW)
            .unwrap()
            .next
            .unwrap();
        let ids = real.plan.steps[0].params.body.as_ref().unwrap()["profileIds"].clone();
        // Not a trivial equality: the answer's selection (two of three, or one when
        // the payload asks for TikTok) replaces the one placeholder.
        assert_ne!(ids, placeholder);
        let mut filled = dry.clone();
        filled.plan.steps[0].params.body.as_mut().unwrap()["profileIds"] = ids;
        filled.warnings.retain(|w| !w.starts_with("stage 2:"));
        assert_eq!(
            serde_json::to_value(&filled).unwrap(),
            serde_json::to_value(&real).unwrap(),
            "{payload}"
        );
    }
    // Stages that are last, and statistics whose profiles are known, have none.
    let mut e = engine();
    let known = event(
        "statistics.requested",
        "s-known",
        json!({"profileIds": ["p1"]}),
    );
    let fp = e.plan(&known, NOW).unwrap();
    assert!(e.later_stages(&fp, NOW).unwrap().is_empty());
}

#[test]
fn statistics_with_given_profiles_is_one_request_and_bad_platforms_are_typed() {
    let mut e = engine();
    let fp = e
        .plan(
            &event(
                "statistics.requested",
                "s3",
                json!({"profileIds": ["p1"], "platforms": ["linkedin", "facebook"]}),
            ),
            NOW,
        )
        .unwrap();
    assert_eq!(step_ids(&fp), ["statistics"]);
    assert_eq!(
        fp.plan.steps[0].params.body,
        Some(json!({"profileIds": ["p1"], "platforms": ["linkedin"]}))
    );
    assert!(fp.warnings.iter().any(|w| w.contains("facebook")));
    let err = e
        .plan(
            &event(
                "statistics.requested",
                "s4",
                json!({"profileIds": ["p1"], "platforms": ["facebook"]}),
            ),
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code(), "FLOW_MALFORMED_EVENT");
    assert!(err.to_string().contains("s4"));
    let err = e
        .plan(
            &event(
                "statistics.requested",
                "s5",
                json!({"platforms": ["myspace"]}),
            ),
            NOW,
        )
        .unwrap_err();
    assert!(err.to_string().contains("myspace"));
}

// ---- flow 6 --------------------------------------------------------------------------

#[test]
fn tag_validation_reads_the_list_only_when_stale() {
    let mut e = engine();
    let ev = event(
        "tags.validation.requested",
        "v1",
        json!({"references": [
        {"value": "VIP", "source": "rule:x"}, {"value": "gone", "source": "rule:y"}, {"value": "nope", "source": "rule:z"}]}),
    );
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(step_ids(&fp), ["tags-page-1"]);
    let list = page(
        vec![
            tag("t1", "vip", false),
            tag("t2", " VIP", false),
            tag("t3", "gone", true),
        ],
        3,
    );
    let out = e
        .finish(&fp, &responses(&[("tags-page-1", list)]), NOW)
        .unwrap();
    let FlowResult::TagReport { report, markdown } = out.result else {
        panic!()
    };
    let kinds: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{:?}", f.kind))
        .collect();
    assert!(
        kinds.contains(&"CaseOrSpaceVariants".to_string()),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"DeletedReferenced".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"UnknownReference".to_string()), "{kinds:?}");
    assert!(!markdown.is_empty());
    let fp = e.plan(&ev, NOW + 1).unwrap();
    assert!(fp.plan.steps.is_empty());
}

// ---- errors --------------------------------------------------------------------------

#[test]
fn unknown_and_malformed_events_are_typed_errors_naming_the_event() {
    let mut e = engine();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"type": "wishpond.lead.exploded", "id": "x1", "payload": {}}),
            "FLOW_UNKNOWN_EVENT",
            "wishpond.lead.exploded",
        ),
        (
            json!({"type": "wishpond.lead.created", "id": "  ", "payload": {}}),
            "FLOW_MALFORMED_EVENT",
            "id is blank",
        ),
        (
            json!({"type": "wishpond.lead.created", "id": "x11", "payload": {"lead": "jane@example.com"}}),
            "FLOW_MALFORMED_EVENT",
            "payload.lead must be an object",
        ),
        (
            json!({"type": "qwilr.pageAccepted", "id": "x12", "payload": {"event": "pageAccepted"}}),
            "FLOW_MALFORMED_EVENT",
            "payload.page is missing",
        ),
        (
            json!({"type": "qwilr.pageDeclined", "id": "x13", "payload": {"page": {}}}),
            "FLOW_UNKNOWN_EVENT",
            "qwilr.pageDeclined",
        ),
        (
            json!({"type": "ghl.contact.tags.updated", "id": "x14", "payload": {"contact": {"id": " "}}}),
            "FLOW_MALFORMED_EVENT",
            "payload.contact.id",
        ),
        (
            json!({"type": "ghl.contact.tags.updated", "id": "x15", "payload": {"contact": {"id": "c"}, "tags": [1]}}),
            "FLOW_MALFORMED_EVENT",
            "payload.tags must hold only strings",
        ),
        (
            json!({"type": "wishpond.lead.created", "id": "x2", "payload": [1]}),
            "FLOW_MALFORMED_EVENT",
            "an array",
        ),
        (
            json!({"type": "wishpond.lead.created", "id": "x3", "payload": {"lead": {"dynamic_attributes": {"first_name": "No Email"}}}}),
            "FLOW_MAPPING_FAILED",
            "neither an email nor a phone",
        ),
        (
            json!({"type": "wishpond.tag.created", "id": "x4", "payload": {"records": []}}),
            "FLOW_MALFORMED_EVENT",
            "payload.tag is missing",
        ),
        (
            json!({"type": "wishpond.tag.created", "id": "x5", "payload": {"tag": "a", "records": [3]}}),
            "FLOW_MALFORMED_EVENT",
            "records[0]",
        ),
        (
            json!({"type": "qwilr.social-post.location.updated", "id": "x6", "payload": {}}),
            "FLOW_MALFORMED_EVENT",
            "post",
        ),
        (
            json!({"type": "qwilr.tag.details.updated", "id": "x7", "payload": {"tagIds": []}}),
            "FLOW_MALFORMED_EVENT",
            "tagIds",
        ),
        (
            json!({"type": "statistics.requested", "id": "x8", "payload": {"trigger": "cron"}}),
            "FLOW_MALFORMED_EVENT",
            "trigger",
        ),
        (
            json!({"type": "tags.validation.requested", "id": "x9", "payload": {"references": "vip"}}),
            "FLOW_MALFORMED_EVENT",
            "references",
        ),
        (
            json!({"type": "qwilr.pageViewed", "id": "x10", "locationId": " ", "payload": {"page": {}}}),
            "FLOW_MALFORMED_EVENT",
            "locationId",
        ),
    ];
    for (ev, code, text) in cases {
        let ev: Event = serde_json::from_value(ev).unwrap();
        let err = e.plan(&ev, NOW).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert!(err.to_string().contains(text), "{err}");
        if !ev.id.trim().is_empty() {
            assert!(err.to_string().contains(ev.id.trim()), "{err}");
            assert_eq!(err.details()["eventId"], json!(ev.id));
        }
    }
    let mut bare = FlowEngine::new(LOC, FlowConfig::default(), vec![]);
    let err = bare.plan(&wishpond_created(), NOW).unwrap_err();
    assert_eq!(err.code(), "FLOW_NO_RULES");
    assert_eq!(err.details()["source"], json!("wishpond"));
}

#[test]
fn finishing_without_a_response_or_with_a_bad_one_is_typed() {
    let mut e = engine();
    let fp = e.plan(&tag_event(), NOW).unwrap();
    let err = e.finish(&fp, &BTreeMap::new(), NOW).unwrap_err();
    assert_eq!(err.code(), "FLOW_BAD_RESPONSE");
    assert_eq!(err.details()["step"], json!("tags-page-1"));
    let fp = e.plan(&tag_event(), NOW).unwrap();
    let err = e
        .finish(&fp, &responses(&[("tags-page-1", json!([1]))]), NOW)
        .unwrap_err();
    assert_eq!(err.details()["cause"], json!("TAGS_BAD_RESPONSE"));
    // The failed load was ended: the next event loads again.
    let fp = e.plan(&tag_event(), NOW).unwrap();
    assert_eq!(step_ids(&fp), ["tags-page-1"]);
}

#[test]
fn every_plan_validates_and_serialises_round_trip() {
    let mut e = creating_engine();
    let events = [
        wishpond_created(),
        tag_event(),
        event("qwilr.pageViewed", "q3", fixture("qwilr/page-viewed.json")),
        event(
            "ghl.contact.tags.updated",
            "g1",
            json!({"contact": {"id": "c1"}, "tags": ["a"], "added": ["a"], "removed": []}),
        ),
        event(
            "ghl.app.installed",
            "i1",
            json!({"companyId": "co1", "locationId": LOC}),
        ),
        event(
            "qwilr.tag.details.updated",
            "td",
            json!({"tags": [{"id": "t1"}]}),
        ),
        event("statistics.requested", "s", json!({})),
        event("tags.validation.requested", "v", json!({})),
    ];
    for ev in &events {
        let fp = e.plan(ev, NOW).unwrap();
        fp.plan.validate().unwrap();
        assert!(fp.plan.steps.iter().all(|s| !s.why.is_empty()));
        let text = serde_json::to_string(&fp).unwrap();
        let back: FlowPlan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, fp);
    }
}

// ---- authority -----------------------------------------------------------------------

fn located(location: &str) -> Event {
    let mut ev = wishpond_created();
    ev.location_id = Some(location.to_string());
    ev
}

#[test]
fn an_event_naming_another_location_is_refused_unless_it_has_a_connection() {
    let mut e = creating_engine();
    for other in ["OTHER", "../x", " other-loc "] {
        let err = e.plan(&located(other), NOW).unwrap_err();
        assert_eq!(err.code(), "FLOW_FOREIGN_LOCATION", "{err}");
        assert_eq!(err.details()["location"], json!(other.trim()));
        assert_eq!(err.details()["expected"], json!(LOC));
        let err = e.begin(&located(other), NOW).unwrap_err();
        assert_eq!(err.code(), "FLOW_FOREIGN_LOCATION");
    }
    // Its own location, named or not, is planned as before.
    let fp = e.plan(&located(LOC), NOW).unwrap();
    assert_eq!(fp.plan.location_id, LOC);
    // A location the host gave its own connection is planned for that location.
    e.add_connection("OTHER");
    let fp = e.plan(&located("OTHER"), NOW).unwrap();
    assert_eq!(fp.plan.location_id, "OTHER");
    let body = fp.plan.steps[0].params.body.as_ref().unwrap();
    assert_eq!(body["locationId"], json!("OTHER"));
    assert_eq!(
        e.plan(&located("../x"), NOW).unwrap_err().code(),
        "FLOW_FOREIGN_LOCATION"
    );
}

// ---- replays -------------------------------------------------------------------------

fn begun(e: &mut FlowEngine, ev: &Event, now: u64) -> Result<FlowPlan, Box<FlowOutcome>> {
    match e.begin(ev, now).unwrap() {
        Begin::Run { flow_plan } => Ok(flow_plan),
        Begin::Duplicate { outcome } => Err(Box::new(outcome)),
    }
}

#[test]
fn an_event_delivered_twice_runs_once() {
    let mut e = creating_engine();
    let ev = wishpond_created();
    let fp = begun(&mut e, &ev, NOW).expect("first delivery runs");
    // Delivered again while running, after finishing, and with white space around the id.
    let dup = begun(&mut e, &ev, NOW + 1).expect_err("second delivery is a duplicate");
    assert_eq!(dup.result, FlowResult::Duplicate);
    assert_eq!(dup.event_id, "evt_7f3a9c21");
    assert!(
        dup.warnings[0].starts_with("duplicate, skipped"),
        "{:?}",
        dup.warnings
    );
    let upsert = json!({"new": true, "contact": {"id": "c1", "tags": []}});
    let out = e
        .finish(&fp, &responses(&[("upsert", upsert)]), NOW + 2)
        .unwrap();
    assert!(matches!(out.result, FlowResult::Contact { .. }));
    let mut spaced = ev.clone();
    spaced.id = format!("  {}\t", ev.id);
    assert!(begun(&mut e, &spaced, NOW + 3).is_err());
    // `execute` of a plan made by `plan` claims too.
    let other = e
        .plan(
            &event("wishpond.lead.updated", "evt_2", ev.payload.clone()),
            NOW,
        )
        .unwrap();
    assert_eq!(e.claim(&other, NOW), None);
    assert!(e.claim(&other, NOW).is_some());
}

#[test]
fn a_failed_run_releases_the_event_id_for_a_redelivery() {
    let mut e = engine();
    let ev = tag_event();
    let fp = begun(&mut e, &ev, NOW).unwrap();
    e.abandon(&fp);
    let fp = begun(&mut e, &ev, NOW).expect("runs again after a failure");
    assert!(e.finish(&fp, &BTreeMap::new(), NOW).is_err());
    begun(&mut e, &ev, NOW).expect("runs again after a failed finish");
}

#[test]
fn the_replay_memory_is_bounded_and_forgets_after_its_ttl() {
    let mut e = engine_with(
        FlowConfig {
            replay: ReplayConfig {
                capacity: 3,
                ttl_ms: 1_000,
            },
            ..FlowConfig::default()
        },
        &["contacts.write"],
    );
    let ev = |id: &str| event("statistics.requested", id, json!({"profileIds": ["p1"]}));
    for id in ["a", "b", "c", "d"] {
        begun(&mut e, &ev(id), NOW).unwrap();
    }
    assert!(begun(&mut e, &ev("d"), NOW).is_err());
    begun(&mut e, &ev("a"), NOW).expect("the oldest id was forgotten (capacity 3)");
    begun(&mut e, &ev("d"), NOW + 1_000).expect("forgotten after the TTL");
}

#[test]
fn flows_and_the_outbox_share_one_dedupe_key() {
    use ghl_bridge::outbox::{Config, Disposition, Outbox};
    let mut e = engine_with(FlowConfig::default(), &["contacts.write"]);
    let ev = event(
        "statistics.requested",
        "  stats-1 ",
        json!({"profileIds": ["p1"]}),
    );
    let fp = begun(&mut e, &ev, NOW).unwrap();
    assert_eq!(fp.plan.id, "stats-1");
    assert_eq!(ghl_bridge::plan::dedupe_key(&ev.id), Some("stats-1"));
    let mut ob = Outbox::new(Config::default());
    let first = ob.accept(fp.plan.clone(), NOW).unwrap();
    assert_eq!(first.disposition, Disposition::Queued);
    let mut spaced = fp.plan.clone();
    spaced.id = " stats-1\n".into();
    let again = ob.accept(spaced, NOW).unwrap();
    assert_eq!(again.disposition, Disposition::Duplicate);
}

// ---- limits --------------------------------------------------------------------------

fn long_plan(steps: usize) -> ghl_bridge::plan::Plan {
    let mut plan = wishpond_plan();
    plan.steps = (0..steps)
        .map(|i| {
            let mut s = plan.steps[0].clone();
            s.id = format!("s{i}");
            s.params = Default::default();
            if i > 0 {
                s.after = vec![format!("s{}", i - 1)];
                s.params.path.insert(
                    "contactId".into(),
                    json!({"$from": format!("s{}", i / 2), "pointer": "/contact/id"}),
                );
            }
            s
        })
        .collect();
    plan
}

fn wishpond_plan() -> ghl_bridge::plan::Plan {
    creating_engine()
        .plan(&wishpond_created(), NOW)
        .unwrap()
        .plan
}

#[test]
fn plans_up_to_the_limit_validate_and_longer_ones_are_a_typed_error() {
    use ghl_bridge::plan::MAX_PLAN_STEPS;
    // 100,000 steps, each depending on earlier ones: quadratic checks would take
    // minutes here (the old ones did); linear ones take a fraction of a second.
    let plan = long_plan(MAX_PLAN_STEPS);
    assert_eq!(MAX_PLAN_STEPS, 100_000);
    plan.validate().unwrap();
    let mut dup = plan.clone();
    dup.steps[MAX_PLAN_STEPS - 1].id = "s7".into();
    assert_eq!(dup.validate().unwrap_err().code(), "PLAN_DUPLICATE_STEP");
    let err = long_plan(MAX_PLAN_STEPS + 1).validate().unwrap_err();
    assert_eq!(err.code(), "PLAN_TOO_LARGE");
    assert_eq!(err.details()["limit"], json!(MAX_PLAN_STEPS));
}

// ---- parsing at the edge -------------------------------------------------------------

#[test]
fn events_are_parsed_once_into_typed_bodies_with_every_problem_found_there() {
    let parsed = |v: Value| parse_event(&serde_json::from_value(v).unwrap());
    // Payload problems are found by parsing alone, before any planning or state.
    for (payload, kind, text) in [
        (
            json!({"records": []}),
            "wishpond.tag.created",
            "payload.tag is missing",
        ),
        (
            json!({"tag": "a", "records": [3]}),
            "wishpond.tag.updated",
            "records[0]",
        ),
        (
            json!({"post": 1}),
            "qwilr.social-post.location.new",
            "payload.post",
        ),
        (
            json!({"tagIds": [" "]}),
            "qwilr.tag.details.updated",
            "tagIds",
        ),
        (
            json!({"platforms": ["myspace"]}),
            "statistics.requested",
            "myspace",
        ),
        (
            json!({"utcOffsetMinutes": 5000}),
            "statistics.requested",
            "utcOffsetMinutes",
        ),
        (json!({"maxLen": 0}), "tags.validation.requested", "maxLen"),
    ] {
        let err = parsed(json!({"type": kind, "id": "p1", "payload": payload})).unwrap_err();
        assert_eq!(err.code(), "FLOW_MALFORMED_EVENT", "{err}");
        assert!(err.to_string().contains(text), "{err}");
    }
    let p = parsed(
        json!({"type": "wishpond.tag.created", "id": "p2", "locationId": " loc1 ",
        "payload": {"tag": {"name": "  VIP "}, "records": [{"tags": ["a"]}]}}),
    )
    .unwrap();
    assert_eq!(p.location_id.as_deref(), Some("loc1"));
    assert_eq!(
        p.body,
        EventBody::Tag {
            subject: "VIP".into(),
            records: vec![json!({"tags": ["a"]})]
        }
    );
    let p = parsed(json!({"type": "qwilr.tag.details.updated", "id": "p3",
        "payload": {"tags": [{"id": " t1 "}, {"_id": "t2"}]}}))
    .unwrap();
    assert_eq!(
        p.body,
        EventBody::TagDetails {
            tag_ids: vec!["t1".into(), "t2".into()]
        }
    );
    let p = parsed(json!({"type": "statistics.requested", "id": "p4",
        "payload": {"trigger": "schedule", "platforms": ["linkedin"], "utcOffsetMinutes": -300}}))
    .unwrap();
    let EventBody::Statistics(s) = p.body else {
        panic!("statistics body")
    };
    assert_eq!(s.trigger.as_deref(), Some("schedule"));
    assert_eq!(s.utc_offset_minutes, Some(-300));
    assert_eq!(s.platforms.map(|p| p.len()), Some(1));
}
