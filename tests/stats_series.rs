//! Statistics requests, account selection, series from a realistic response, merging
//! host metrics.

use ghl_bridge::error::Coded;
use ghl_bridge::stats::*;
use serde_json::{json, Value};

const TUE_2024_03_12_10H: u64 = 1_710_237_600_000;
const MON_2024_03_04: i64 = 1_709_510_400_000;
const DAY: i64 = 86_400_000;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ghl/social-media-statistics.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn series() -> Series {
    let r = decode_statistics(&fixture()).unwrap();
    from_statistics(
        &r.results,
        &SeriesOptions {
            now_ms: TUE_2024_03_12_10H,
            utc_offset_minutes: 0,
        },
    )
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn statistics_request_filters_platforms_with_a_warning() {
    let r = statistics_request(
        " loc1 ",
        &ids(&["p1", " p2 ", "p1", ""]),
        &[Platform::Facebook, Platform::Linkedin, Platform::Linkedin],
    )
    .unwrap();
    assert_eq!(
        r.operation,
        "social-media-posting.get-social-media-statistics"
    );
    assert_eq!(r.params.query["locationId"], json!("loc1"));
    assert!(r.params.path.is_empty());
    assert_eq!(
        r.params.body,
        Some(json!({"profileIds": ["p1", "p2"], "platforms": ["linkedin"]}))
    );
    assert_eq!(r.warnings, vec!["platform facebook dropped: GHL has statistics only for LinkedIn pages and TikTok business accounts"]);
    let r = statistics_request("loc1", &ids(&["p1"]), &[]).unwrap();
    assert_eq!(r.params.body, Some(json!({"profileIds": ["p1"]})));
    assert!(r.warnings.is_empty());
}

#[test]
fn statistics_request_errors() {
    let e = statistics_request(
        "loc1",
        &ids(&["p1"]),
        &[Platform::Facebook, Platform::Google],
    )
    .unwrap_err();
    assert_eq!(e.code(), "STATS_NO_SUPPORTED_PLATFORM");
    assert_eq!(
        e.details(),
        json!({"locationId": "loc1", "requested": ["facebook", "google"]})
    );
    assert_eq!(
        statistics_request("loc1", &ids(&[" "]), &[])
            .unwrap_err()
            .code(),
        "STATS_NO_PROFILES"
    );
    assert_eq!(
        statistics_request("", &ids(&["p"]), &[])
            .unwrap_err()
            .code(),
        "STATS_BLANK_LOCATION"
    );
    let a = accounts_request("loc1").unwrap();
    assert_eq!(a.operation, "social-media-posting.get-account");
    assert_eq!(a.params.path["locationId"], json!("loc1"));
}

#[test]
fn profiles_from_accounts_keeps_linkedin_pages_and_tiktok_business() {
    let body = json!({"success": true, "statusCode": 200, "message": "Fetched Accounts", "results": {
        "accounts": [
            {"id": "a1", "profileId": "li-page", "name": "Acme", "platform": "linkedin", "type": "page", "isExpired": false},
            {"id": "a2", "profileId": "li-me", "name": "Me", "platform": "linkedin", "type": "profile"},
            {"id": "a3", "profileId": "tt", "name": "Acme TT", "platform": "TikTok", "type": "business"},
            {"id": "a4", "profileId": "fb", "name": "Acme FB", "platform": "facebook", "type": "page"},
            {"id": "a5", "profileId": "tw", "name": "Acme X", "platform": "twitter"},
            {"id": "a6", "profileId": "old", "name": "Old", "platform": "linkedin", "type": "page", "isExpired": true},
            {"id": "a7", "profileId": "li-2", "name": "No type", "platform": "linkedin", "type": null},
            {"id": "a8", "profileId": "li-page", "name": "Acme again", "platform": "linkedin", "type": "PAGE"}
        ],
        "groups": [{"id": "g1", "name": "Primary", "accountIds": ["a1"]}]
    }});
    let accounts = decode_accounts(&body).unwrap().results.accounts;
    let sel = profiles_from_accounts(&accounts, &[]);
    assert_eq!(sel.profile_ids, ids(&["li-page", "tt", "li-2"]));
    assert_eq!(sel.platforms, vec![Platform::Linkedin, Platform::Tiktok]);
    let skipped: Vec<(&str, &str)> = sel
        .skipped
        .iter()
        .map(|s| (s.account_id.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                "a2",
                "account type 'profile' has no statistics on LinkedIn (only 'page')"
            ),
            ("a4", "platform has no statistics"),
            ("a5", "platform has no statistics"),
            ("a6", "connection expired"),
        ]
    );
    assert_eq!(
        sel.warnings,
        vec!["account 'No type' (a7) has no type; statistics need a LinkedIn page"]
    );
    let only_tt = profiles_from_accounts(&accounts, &[Platform::Tiktok]);
    assert_eq!(only_tt.profile_ids, ids(&["tt"]));
    let e = decode_accounts(&json!({"success": false, "statusCode": 401, "message": "The token is not authorized for this scope."})).unwrap_err();
    assert_eq!(e.code(), "STATS_GHL_FAILURE");
    assert_eq!(
        decode_statistics(&json!("x")).unwrap_err().code(),
        "STATS_BAD_RESPONSE"
    );
}

#[test]
fn days_are_dated_from_the_day_names() {
    let s = series();
    let dates: Vec<&str> = s.days.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(
        dates,
        [
            "2024-03-04",
            "2024-03-05",
            "2024-03-06",
            "2024-03-07",
            "2024-03-08",
            "2024-03-09",
            "2024-03-10"
        ]
    );
    assert_eq!(s.days[0].timestamp_ms, MON_2024_03_04);
    assert_eq!(s.days[6].timestamp_ms, MON_2024_03_04 + 6 * DAY);
    assert_eq!(s.days[0].weekday, "Mon");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // A period ending "Mon" seen on Monday 02:00 UTC: today in UTC, but a week ago in UTC-5.
    let mut r = decode_statistics(&fixture()).unwrap().results;
    r.day_range = ids(&["Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]);
    let now = 1_710_122_400_000; // 2024-03-11 02:00 UTC
    let utc = from_statistics(
        &r,
        &SeriesOptions {
            now_ms: now,
            utc_offset_minutes: 0,
        },
    );
    assert_eq!(utc.days[6].date, "2024-03-11");
    let ny = from_statistics(
        &r,
        &SeriesOptions {
            now_ms: now,
            utc_offset_minutes: -300,
        },
    );
    assert_eq!(ny.days[6].date, "2024-03-04");
    assert_eq!(ny.days[6].timestamp_ms, MON_2024_03_04 + 5 * 3_600_000);
}

#[test]
fn daily_points_from_the_fixture() {
    let s = series();
    assert_eq!(s.points.len(), 77);
    let some = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    assert_eq!(
        s.daily("followers", "linkedin", "ghl"),
        some(&[530.0, 532.0, 534.0, 535.0, 537.0, 538.0, 540.0])
    );
    assert_eq!(
        s.daily("posts", "tiktok", "ghl"),
        some(&[0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    );
    assert_eq!(
        s.daily("comments", "all", "ghl"),
        some(&[2.0, 4.0, 6.0, 5.0, 7.0, 3.0, 3.0])
    );
    let p = s
        .points
        .iter()
        .find(|p| p.metric == "impressions" && p.platform == "tiktok" && p.date == "2024-03-08")
        .unwrap();
    assert_eq!(
        (p.value, p.timestamp_ms, p.source.as_str()),
        (600.0, MON_2024_03_04 + 4 * DAY, "ghl")
    );
}

#[test]
fn totals_and_changes_from_the_fixture() {
    let s = series();
    assert_eq!(s.totals.len(), 22);
    let t = |m: &str, p: &str| {
        let t = s.total(m, p, "ghl").unwrap_or_else(|| panic!("{m}/{p}"));
        (
            t.value,
            t.previous,
            t.change.map(|c| (c.absolute, c.percent)),
        )
    };
    assert_eq!(
        t("posts", "all"),
        (6.0, Some(4.0), Some((Some(2.0), Some(50.0))))
    );
    assert_eq!(
        t("posts", "linkedin"),
        (3.0, Some(2.0), Some((Some(1.0), Some(50.0))))
    );
    assert_eq!(
        t("impressions", "all"),
        (5200.0, Some(4000.0), Some((Some(1200.0), Some(30.0))))
    );
    assert_eq!(
        t("impressions", "linkedin"),
        (2000.0, Some(2500.0), Some((Some(-500.0), Some(-20.0))))
    );
    assert_eq!(
        t("impressions", "tiktok"),
        (3200.0, Some(1600.0), Some((Some(1600.0), Some(100.0))))
    );
    assert_eq!(
        t("reach", "all"),
        (2500.0, Some(2000.0), Some((Some(500.0), Some(25.0))))
    );
    assert_eq!(
        t("reach", "linkedin"),
        (0.0, None, Some((None, Some(-100.0))))
    );
    assert_eq!(
        t("engagement", "linkedin"),
        (80.0, Some(64.0), Some((Some(16.0), Some(25.0))))
    );
    assert_eq!(
        t("engagement", "tiktok"),
        (120.0, Some(240.0), Some((Some(-120.0), Some(-50.0))))
    );
    assert_eq!(t("shares", "tiktok"), (12.0, None, None));
    assert_eq!(t("followers", "linkedin"), (540.0, None, None));
    assert_eq!(t("followers", "all"), (1240.0, None, None));
    assert_eq!(t("comments", "all"), (30.0, None, None));

    // Last week's series fills the gaps, division by zero gives no percent.
    let mut last = s.clone();
    for t in &mut last.totals {
        t.value = match (t.metric.as_str(), t.platform.as_str()) {
            ("followers", "linkedin") => 500.0,
            ("comments", "all") => 0.0,
            _ => t.value,
        };
    }
    let s = s.with_previous(&last);
    let f = s.total("followers", "linkedin", "ghl").unwrap();
    assert_eq!(
        (f.previous, f.change),
        (
            Some(500.0),
            Some(Change {
                absolute: Some(40.0),
                percent: Some(8.0)
            })
        )
    );
    let c = s.total("comments", "all", "ghl").unwrap();
    assert_eq!(
        c.change,
        Some(Change {
            absolute: Some(30.0),
            percent: None
        })
    );
    // GHL's own change is kept.
    assert_eq!(s.total("posts", "all", "ghl").unwrap().previous, Some(4.0));
}

#[test]
fn tolerant_of_missing_fields_and_short_series() {
    let r = decode_statistics(&json!({"results": {"totals": {"posts": 2}, "platformTotals": {"likes": {"linkedin": {"series": [1, 2]}}}}})).unwrap();
    let s = from_statistics(
        &r.results,
        &SeriesOptions {
            now_ms: TUE_2024_03_12_10H,
            utc_offset_minutes: 0,
        },
    );
    assert_eq!(s.days.len(), 7);
    assert_eq!(s.days[6].date, "2024-03-12");
    assert_eq!(s.points.len(), 2);
    assert_eq!(s.totals.len(), 1);
    assert_eq!(
        s.warnings,
        vec![
            "dayRange is missing: assumed the 7 days ending today".to_string(),
            "likes/linkedin: 2 daily values for 7 days; extra or missing days ignored".to_string(),
        ]
    );
    let empty = decode_statistics(&json!({})).unwrap();
    assert_eq!(empty.results.day_range.len(), 0);
}

#[test]
fn host_metrics_merge_into_the_same_series() {
    let s = series();
    let host: Vec<HostPoint> = serde_json::from_value(json!([
        {"metric": "leads", "source": "wishpond", "value": 1, "timestampMs": MON_2024_03_04 + 3_600_000},
        {"metric": "leads", "source": "wishpond", "value": 2, "timestampMs": MON_2024_03_04 + 20 * 3_600_000},
        {"metric": "leads", "source": "wishpond", "value": 5, "date": "2024-03-06"},
        {"metric": "leads", "source": "wishpond", "value": 4, "date": "2024-03-10"},
        {"metric": "leads", "source": "wishpond", "value": 5, "date": "2024-02-27"},
        {"metric": "leads", "source": "wishpond", "value": 3, "date": "2024-03-03"},
        {"metric": "leads", "source": "wishpond", "value": 9, "date": "2024-02-01"},
        {"metric": "accepted", "source": "qwilr", "value": 2, "date": "2024-03-05"},
        {"metric": "signed", "source": "qwilr", "platform": "proposals", "value": 2, "date": "2024-03-01"}
    ])).unwrap();
    let m = merge(&s, &host).unwrap();
    assert_eq!(m.points.len(), 77 + 4);
    assert_eq!(
        m.daily("leads", "wishpond", "wishpond"),
        vec![Some(3.0), None, Some(5.0), None, None, None, Some(4.0)]
    );
    let leads = m.total("leads", "wishpond", "wishpond").unwrap();
    assert_eq!((leads.value, leads.previous), (12.0, Some(8.0)));
    assert_eq!(
        leads.change,
        Some(Change {
            absolute: Some(4.0),
            percent: Some(50.0)
        })
    );
    let acc = m.total("accepted", "qwilr", "qwilr").unwrap();
    assert_eq!((acc.value, acc.previous, acc.change), (2.0, None, None));
    let signed = m.total("signed", "proposals", "qwilr").unwrap();
    assert_eq!((signed.value, signed.previous), (0.0, Some(2.0)));
    assert_eq!(
        signed.change,
        Some(Change {
            absolute: Some(-2.0),
            percent: Some(-100.0)
        })
    );
    assert_eq!(
        m.warnings,
        vec!["1 host point(s) outside the period and the 7 days before were dropped"]
    );
    // The GHL part is untouched.
    assert_eq!(
        m.total("impressions", "all", "ghl"),
        s.total("impressions", "all", "ghl")
    );
}

#[test]
fn host_points_use_the_series_offset_and_bad_points_are_typed_errors() {
    let r = decode_statistics(&fixture()).unwrap();
    let s = from_statistics(
        &r.results,
        &SeriesOptions {
            now_ms: TUE_2024_03_12_10H,
            utc_offset_minutes: -300,
        },
    );
    // 2024-03-11 02:00 UTC is 2024-03-10 21:00 in UTC-5: the last day.
    let p = HostPoint {
        metric: "leads".into(),
        platform: None,
        source: "wishpond".into(),
        value: 1.0,
        timestamp_ms: Some(1_710_122_400_000),
        date: None,
    };
    let m = merge(&s, std::slice::from_ref(&p)).unwrap();
    assert_eq!(m.daily("leads", "wishpond", "wishpond")[6], Some(1.0));
    let bad = |p: HostPoint| merge(&s, &[p]).unwrap_err();
    let e = bad(HostPoint {
        value: f64::NAN,
        ..p.clone()
    });
    assert_eq!(
        (e.code(), e.details()["index"].clone()),
        ("STATS_BAD_HOST_POINT", json!(0))
    );
    assert_eq!(
        bad(HostPoint {
            timestamp_ms: None,
            ..p.clone()
        })
        .to_string(),
        "host point 0 ('leads'): neither timestampMs nor date is given"
    );
    assert_eq!(
        bad(HostPoint {
            timestamp_ms: None,
            date: Some("2024-13-01".into()),
            ..p.clone()
        })
        .code(),
        "STATS_BAD_HOST_POINT"
    );
    assert_eq!(
        bad(HostPoint {
            source: " ".into(),
            ..p
        })
        .code(),
        "STATS_BAD_HOST_POINT"
    );
}
