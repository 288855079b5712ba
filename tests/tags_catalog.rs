//! The tag catalog: paging, single flight, TTL, invalidation, resolution, details and
//! enrichment, driven with a fake clock.

use ghl_bridge::error::Coded;
use ghl_bridge::tags::*;
use serde_json::{json, Value};

const LOC: &str = "loc1";

fn tag(id: &str, name: &str) -> Value {
    json!({"_id": id, "tag": name, "locationId": LOC, "createdBy": "u1", "deleted": false,
           "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-02T00:00:00.000Z"})
}

fn page(tags: Vec<Value>, count: u64) -> Value {
    json!({"success": true, "statusCode": 200, "message": "Fetched Tags by Location ID",
           "results": {"tags": tags, "count": count}})
}

fn cfg(page_size: u32) -> CatalogConfig {
    CatalogConfig {
        page_size,
        ttl_ms: 1_000,
        max_pages: 10,
        details_batch: 2,
        load_timeout_ms: 500,
    }
}

fn expect_page(n: Need) -> PageRequest {
    match n {
        Need::Page(p) => p,
        other => panic!("expected a page, got {other:?}"),
    }
}

fn loaded(tags: Vec<Value>) -> TagCatalog {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let n = tags.len() as u64;
    let p = expect_page(c.ensure_fresh(0));
    assert_eq!(
        c.handle_page(p.load, &page(tags, n), 0).unwrap(),
        Need::Nothing
    );
    c
}

#[test]
fn pages_until_count_with_limit_and_skip_as_strings() {
    let mut c = TagCatalog::new(LOC, cfg(2)).unwrap();
    let p = expect_page(c.ensure_fresh(10));
    assert_eq!(p.operation, "social-media-posting.get-tags-location-id");
    assert_eq!(p.params.path["locationId"], json!("loc1"));
    assert_eq!(p.params.query["limit"], json!("2"));
    assert_eq!(p.params.query["skip"], json!("0"));
    let p2 = expect_page(
        c.handle_page(p.load, &page(vec![tag("a", "A"), tag("b", "B")], 5), 11)
            .unwrap(),
    );
    assert_eq!((p2.load, p2.skip), (p.load, 2));
    assert_eq!(p2.params.query["skip"], json!("2"));
    let p3 = expect_page(
        c.handle_page(p.load, &page(vec![tag("c", "C"), tag("d", "D")], 5), 12)
            .unwrap(),
    );
    assert_eq!(p3.skip, 4);
    assert!(c.is_loading());
    assert_eq!(
        c.handle_page(p.load, &page(vec![tag("e", "E")], 5), 13)
            .unwrap(),
        Need::Nothing
    );
    assert!(!c.is_loading());
    assert_eq!(c.len(), 5);
    assert_eq!(c.loaded_at(), Some(13));
}

#[test]
fn count_growing_between_pages_is_followed() {
    let mut c = TagCatalog::new(LOC, cfg(2)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let p = expect_page(
        c.handle_page(p.load, &page(vec![tag("a", "A"), tag("b", "B")], 3), 0)
            .unwrap(),
    );
    assert_eq!(p.skip, 2);
    // Two tags were created meanwhile: count 3 -> 5.
    let p = expect_page(
        c.handle_page(p.load, &page(vec![tag("c", "C")], 5), 0)
            .unwrap(),
    );
    assert_eq!(p.skip, 3);
    assert_eq!(
        c.handle_page(p.load, &page(vec![tag("d", "D"), tag("e", "E")], 5), 0)
            .unwrap(),
        Need::Nothing
    );
    assert_eq!(c.len(), 5);
}

#[test]
fn an_empty_page_ends_the_load_even_if_count_says_more() {
    let mut c = TagCatalog::new(LOC, cfg(2)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let p = expect_page(
        c.handle_page(p.load, &page(vec![tag("a", "A"), tag("b", "B")], 9), 0)
            .unwrap(),
    );
    assert_eq!(
        c.handle_page(p.load, &page(vec![], 9), 0).unwrap(),
        Need::Nothing
    );
    assert_eq!(c.len(), 2);
    assert_eq!(c.ensure_fresh(1), Need::Nothing);
}

#[test]
fn count_shrinking_and_duplicates_across_pages() {
    let mut c = TagCatalog::new(LOC, cfg(2)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let p = expect_page(
        c.handle_page(p.load, &page(vec![tag("a", "A"), tag("b", "B")], 6), 0)
            .unwrap(),
    );
    // Two tags deleted: count 6 -> 4, the list shifted and repeats "b".
    assert_eq!(
        c.handle_page(p.load, &page(vec![tag("b", "B"), tag("c", "C")], 4), 0)
            .unwrap(),
        Need::Nothing
    );
    assert_eq!(c.len(), 3);
}

#[test]
fn without_count_a_short_page_ends_the_load() {
    let mut c = TagCatalog::new(LOC, cfg(2)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let body = json!({"success": true, "statusCode": 200, "message": "", "results": {"tags": [tag("a", "A"), tag("b", "B")]}});
    let p = expect_page(c.handle_page(p.load, &body, 0).unwrap());
    let body = json!({"success": true, "results": {"tags": [tag("c", "C")], "count": null}});
    assert_eq!(c.handle_page(p.load, &body, 0).unwrap(), Need::Nothing);
    assert_eq!(c.len(), 3);
}

#[test]
fn page_cap_fails_the_load_and_keeps_the_old_catalog() {
    let mut c = TagCatalog::new(
        LOC,
        CatalogConfig {
            max_pages: 2,
            ..cfg(1)
        },
    )
    .unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let p = expect_page(
        c.handle_page(p.load, &page(vec![tag("a", "A")], 100), 0)
            .unwrap(),
    );
    let err = c
        .handle_page(p.load, &page(vec![tag("b", "B")], 100), 0)
        .unwrap_err();
    assert_eq!(err.code(), "TAGS_PAGE_LIMIT");
    assert_eq!(err.details()["pages"], json!(2));
    assert_eq!(err.details()["loaded"], json!(2));
    assert!(!c.is_loading());
    assert_eq!(c.len(), 0);
    // Retry starts a new load.
    let again = expect_page(c.ensure_fresh(1));
    assert_ne!(again.load, p.load);
}

#[test]
fn single_flight_and_stale_loads() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    assert_eq!(c.ensure_fresh(1), Need::Wait);
    assert_eq!(c.ensure_fresh(2), Need::Wait);
    let err = c
        .handle_page(LoadId(p.load.0 + 7), &page(vec![], 0), 3)
        .unwrap_err();
    assert_eq!(err.code(), "TAGS_STALE_LOAD");
    assert!(c.is_loading(), "a stale page must not disturb the load");
    assert_eq!(
        c.handle_page(p.load, &page(vec![tag("a", "vip")], 1), 4)
            .unwrap(),
        Need::Nothing
    );
    assert_eq!(c.ensure_fresh(5), Need::Nothing);
    // The finished load's id is stale now.
    assert_eq!(
        c.handle_page(p.load, &page(vec![], 0), 6)
            .unwrap_err()
            .code(),
        "TAGS_STALE_LOAD"
    );
}

#[test]
fn an_abandoned_load_times_out_exactly_at_the_timeout() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let p = expect_page(c.ensure_fresh(1_000));
    assert_eq!(c.ensure_fresh(1_499), Need::Wait);
    let p2 = expect_page(c.ensure_fresh(1_500));
    assert_ne!(p.load, p2.load);
    assert_eq!(
        c.handle_page(p.load, &page(vec![], 0), 1_501)
            .unwrap_err()
            .code(),
        "TAGS_STALE_LOAD"
    );
    assert_eq!(
        c.handle_page(p2.load, &page(vec![], 0), 1_502).unwrap(),
        Need::Nothing
    );
}

#[test]
fn failures_reset_the_load_for_a_retry() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    let err = c
        .handle_page(p.load, &json!({"results": {"tags": [{"tag": "no id"}]}}), 1)
        .unwrap_err();
    assert_eq!(err.code(), "TAGS_BAD_RESPONSE");
    assert!(!c.is_loading());
    let p = expect_page(c.ensure_fresh(2));
    let err = c
        .handle_page(
            p.load,
            &json!({"success": false, "statusCode": 422, "message": "bad skip"}),
            3,
        )
        .unwrap_err();
    assert_eq!(err.code(), "TAGS_GHL_FAILURE");
    assert_eq!(
        err.to_string(),
        "social-media-posting.get-tags-location-id: GHL reported failure (status 422): bad skip"
    );
    let p = expect_page(c.ensure_fresh(4));
    c.page_failed(p.load).unwrap();
    assert!(!c.is_loading());
    assert_eq!(c.page_failed(p.load).unwrap_err().code(), "TAGS_STALE_LOAD");
    assert!(matches!(c.ensure_fresh(5), Need::Page(_)));
}

#[test]
fn ttl_expires_exactly_at_the_boundary() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let p = expect_page(c.ensure_fresh(5_000));
    c.handle_page(p.load, &page(vec![tag("a", "A")], 1), 5_000)
        .unwrap();
    assert!(c.is_fresh(5_999));
    assert_eq!(c.ensure_fresh(5_999), Need::Nothing);
    assert!(!c.is_fresh(6_000));
    let p = expect_page(c.ensure_fresh(6_000));
    assert_eq!(p.skip, 0);
}

#[test]
fn invalidate_and_upsert() {
    let mut c = loaded(vec![tag("a", "VIP")]);
    assert_eq!(c.ensure_fresh(1), Need::Nothing);
    assert!(c.upsert_tag(serde_json::from_value(tag("b", "Lead")).unwrap()));
    assert!(matches!(c.resolve("lead"), Resolution::Found { tag } if tag.id == "b"));
    // Renaming moves the name index.
    assert!(c.upsert_tag(serde_json::from_value(tag("a", "Gold")).unwrap()));
    assert_eq!(c.resolve("vip"), Resolution::Unknown);
    assert!(matches!(c.resolve("gold"), Resolution::Found { tag } if tag.id == "a"));
    // Foreign tags are refused.
    let mut foreign: Tag = serde_json::from_value(tag("x", "X")).unwrap();
    foreign.location_id = "other".into();
    assert!(!c.upsert_tag(foreign));
    assert_eq!(
        c.ensure_fresh(2),
        Need::Nothing,
        "upsert does not make the catalog stale"
    );
    c.invalidate();
    assert!(matches!(c.ensure_fresh(3), Need::Page(_)));
}

#[test]
fn invalidation_during_a_load_makes_its_result_stale_and_upserts_survive() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let p = expect_page(c.ensure_fresh(0));
    c.invalidate();
    assert!(c.upsert_tag(serde_json::from_value(tag("new", "Fresh")).unwrap()));
    assert_eq!(
        c.handle_page(p.load, &page(vec![tag("a", "A")], 1), 1)
            .unwrap(),
        Need::Nothing
    );
    assert!(matches!(c.resolve("fresh"), Resolution::Found { .. }));
    assert!(matches!(c.resolve("a"), Resolution::Found { .. }));
    assert!(!c.is_fresh(2));
    assert!(matches!(c.ensure_fresh(2), Need::Page(_)));
}

#[test]
fn resolution_by_case_space_deleted_and_ambiguity() {
    let mut deleted = tag("d1", "Old Promo");
    deleted["deleted"] = json!(true);
    let c = loaded(vec![
        tag("v1", "vip"),
        tag("c1", "Client  Hot"),
        tag("c2", "client hot"),
        deleted,
    ]);
    assert!(matches!(c.resolve(" VIP "), Resolution::Found { tag } if tag.id == "v1"));
    assert!(
        matches!(c.resolve("CLIENT HOT"), Resolution::Ambiguous { tags } if tags.iter().map(|t| t.id.as_str()).collect::<Vec<_>>() == ["c1", "c2"])
    );
    assert!(matches!(c.resolve("old promo"), Resolution::Deleted { tag } if tag.id == "d1"));
    assert_eq!(c.resolve("nothing"), Resolution::Unknown);
    assert_eq!(c.resolve("   "), Resolution::Unknown);
    assert!(matches!(c.resolve_id(" v1 "), Resolution::Found { .. }));
    assert!(matches!(c.resolve_id("d1"), Resolution::Deleted { .. }));
    assert_eq!(c.resolve_id("V1"), Resolution::Unknown, "ids are exact");
    assert!(matches!(c.lookup("v1"), Resolution::Found { .. }));
    assert!(matches!(c.lookup("Vip"), Resolution::Found { .. }));
}

#[test]
fn deleted_tags_survive_a_reload_live_ones_do_not() {
    let mut c = loaded(vec![tag("a", "A"), tag("b", "B")]);
    let mut d = tag("z", "Gone");
    d["deleted"] = json!(true);
    let body = json!({"success": true, "statusCode": 201, "message": "", "results": {"tags": [d], "count": 1}});
    c.handle_details(&["z".to_string()], &body).unwrap();
    c.invalidate();
    let p = expect_page(c.ensure_fresh(10));
    c.handle_page(p.load, &page(vec![tag("a", "A")], 1), 10)
        .unwrap();
    assert_eq!(c.resolve_id("b"), Resolution::Unknown);
    assert!(matches!(c.resolve_id("z"), Resolution::Deleted { .. }));
}

#[test]
fn details_only_for_missing_ids_deduplicated_and_batched() {
    let mut c = loaded(vec![tag("a", "A")]);
    let ids: Vec<String> = ["a", " x ", "y", "x", "", "z"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(c.missing_details(&ids), vec!["x", "y", "z"]);
    let reqs = c.details_requests(&ids);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path["locationId"], json!("loc1"));
    assert_eq!(reqs[0].body, Some(json!({"tagIds": ["x", "y"]})));
    assert_eq!(reqs[1].body, Some(json!({"tagIds": ["z"]})));
    let mut foreign = tag("y", "Y");
    foreign["locationId"] = json!("elsewhere");
    let body = json!({"success": true, "statusCode": 201, "message": "Fetched Tags by Tag IDs",
                      "results": {"tags": [tag("x", "X"), foreign], "count": 2}});
    let out = c.handle_details(&["x".into(), "y".into()], &body).unwrap();
    assert_eq!(out.merged, vec!["x"]);
    assert_eq!(out.foreign, vec!["y"]);
    assert_eq!(out.not_found, Vec::<String>::new());
    let body = json!({"success": true, "results": {"tags": []}});
    let out = c.handle_details(&["z".into()], &body).unwrap();
    assert_eq!(out.not_found, vec!["z"]);
    // x is cached, z is known missing; y (foreign) is still asked for.
    assert_eq!(c.missing_details(&ids), vec!["y"]);
    assert!(c
        .details_requests(&["a".into(), "x".into(), "z".into()])
        .is_empty());
    c.invalidate();
    assert_eq!(c.missing_details(&ids), vec!["y", "z"]);
    assert_eq!(
        c.handle_details(&[], &json!([])).unwrap_err().code(),
        "TAGS_BAD_RESPONSE"
    );
}

#[test]
fn enrichment_attaches_details_and_reports_gaps() {
    let mut d = tag("d1", "Old");
    d["deleted"] = json!(true);
    let c = loaded(vec![
        tag("v1", "VIP"),
        tag("h1", "Hot"),
        tag("h2", "hot "),
        d,
    ]);
    let mut records = vec![
        json!({"email": "a@x.com", "tags": ["v1", " vip ", "Old", "nope"]}),
        json!({"email": "b@x.com", "tags": "HOT"}),
        json!({"email": "c@x.com"}),
        json!({"email": "d@x.com", "tags": [{"id": "v1"}, {"name": "ghost"}]}),
    ];
    let report = c.enrich(&mut records, &EnrichOptions::default()).unwrap();
    assert_eq!(
        records[0]["tagDetails"],
        json!([
            {"id": "v1", "name": "VIP", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-02T00:00:00.000Z", "deleted": false},
            {"id": "d1", "name": "Old", "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-02T00:00:00.000Z", "deleted": true}
        ])
    );
    assert_eq!(records[1]["tagDetails"], json!([]));
    assert!(records[2].get("tagDetails").is_none());
    assert_eq!(records[3]["tagDetails"][0]["id"], json!("v1"));
    assert_eq!(report.records, 4);
    assert_eq!(report.attached, 3);
    assert_eq!(report.without_tags, vec![2]);
    let unknown: Vec<(usize, &str)> = report
        .unknown
        .iter()
        .map(|u| (u.record, u.value.as_str()))
        .collect();
    assert_eq!(unknown, vec![(0, "nope"), (3, "ghost")]);
    assert_eq!(report.ambiguous.len(), 1);
    assert_eq!(report.ambiguous[0].candidates, vec!["h1", "h2"]);
    // Enriching twice gives the same records.
    let before = records.clone();
    c.enrich(&mut records, &EnrichOptions::default()).unwrap();
    assert_eq!(records, before);
}

#[test]
fn enrichment_paths_and_requests_for_unknown_values() {
    let c = loaded(vec![tag("v1", "VIP")]);
    let mut records = vec![json!({"data": {"labels": ["vip", "65fbdcfecc884f07e645ea8b"]}})];
    let opts = EnrichOptions {
        path: "/data/labels".into(),
        output: "details".into(),
    };
    let reqs = c.enrichment_requests(&records, &opts).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].body,
        Some(json!({"tagIds": ["65fbdcfecc884f07e645ea8b"]}))
    );
    c.enrich(&mut records, &opts).unwrap();
    assert_eq!(records[0]["data"]["details"][0]["id"], json!("v1"));
    let dotted = EnrichOptions {
        path: "data.labels".into(),
        ..EnrichOptions::default()
    };
    c.enrich(&mut records, &dotted).unwrap();
    assert_eq!(records[0]["data"]["tagDetails"][0]["name"], json!("VIP"));
    for bad in ["", "a..b", "/"] {
        let opts = EnrichOptions {
            path: bad.into(),
            ..EnrichOptions::default()
        };
        assert_eq!(
            c.enrich(&mut records, &opts).unwrap_err().code(),
            "TAGS_BAD_PATH",
            "{bad:?}"
        );
    }
}

#[test]
fn tolerant_decoding_and_blank_location() {
    let t: Tag = serde_json::from_value(json!({"_id": "a", "tag": null, "deleted": null})).unwrap();
    assert_eq!(
        (t.tag.as_str(), t.deleted, t.created_at.clone()),
        ("", false, None)
    );
    let r: TagsResponse =
        serde_json::from_value(json!({"results": {"tags": [], "count": 3.0}})).unwrap();
    assert_eq!(r.results.count, Some(3));
    assert!(r.success);
    assert!(serde_json::from_value::<TagsResponse>(json!({"results": {"count": -1}})).is_err());
    assert_eq!(serde_json::to_value(&t).unwrap()["_id"], json!("a"));
    assert_eq!(
        TagCatalog::new("  ", CatalogConfig::default())
            .unwrap_err()
            .code(),
        "TAGS_BLANK_LOCATION"
    );
}

#[test]
fn need_serialises_for_the_host() {
    let mut c = TagCatalog::new(LOC, cfg(100)).unwrap();
    let v = serde_json::to_value(c.ensure_fresh(0)).unwrap();
    assert_eq!(v["need"], json!("page"));
    assert_eq!(v["load"], json!(1));
    assert_eq!(
        v["operation"],
        json!("social-media-posting.get-tags-location-id")
    );
    assert_eq!(
        serde_json::to_value(c.ensure_fresh(1)).unwrap(),
        json!({"need": "wait"})
    );
}
