//! The request builder's rules, through the public API.
#![allow(clippy::result_large_err)]

use ghl_bridge::error::Coded;
use ghl_bridge::http::{Headers, Method, RequestParams, Token};
use ghl_bridge::request::{ClientConfig, RequestBuilder, RequestError};
use serde_json::{json, Value};

const SECRET: &str = "pit-SECRET-xyz";

fn token() -> Token {
    Token::new(SECRET)
}

fn all_scopes() -> Vec<String> {
    [
        "contacts.write",
        "contacts.readonly",
        "locations/tags.readonly",
        "locations/tags.write",
        "locations/customFields.readonly",
        "users.readonly",
        "socialplanner/tag.readonly",
        "socialplanner/account.readonly",
        "calendars.readonly",
        "calendars/events.readonly",
        "businesses.readonly",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn builder() -> RequestBuilder {
    RequestBuilder::new(ClientConfig {
        location_id: "loc123".into(),
        scopes: all_scopes(),
        base_url: None,
    })
    .unwrap()
}

fn path(pairs: &[(&str, Value)]) -> RequestParams {
    RequestParams {
        path: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn get_contact_has_exact_headers_and_no_content_type() {
    let r = builder()
        .build(
            "contacts.get-contact",
            &path(&[("contactId", json!("c1"))]),
            &token(),
        )
        .unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.url, "https://services.leadconnectorhq.com/contacts/c1");
    let expected: Headers = [
        ("Accept", "application/json"),
        ("Authorization", "Bearer pit-SECRET-xyz"),
        ("Version", "2021-07-28"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(r.headers, expected);
    assert_eq!(r.body, None);
}

#[test]
fn body_brings_content_type() {
    let mut p = path(&[("contactId", json!("c1"))]);
    p.body = Some(json!({"tags": ["a"]}));
    let r = builder()
        .build("contacts.remove-tags", &p, &token())
        .unwrap();
    assert_eq!(r.method, Method::Delete);
    assert_eq!(r.headers["Content-Type"], "application/json");
    assert_eq!(r.body.as_deref(), Some(r#"{"tags":["a"]}"#));
}

#[test]
fn version_is_per_operation() {
    // businesses accept only 2021-07-28; calendars' get-calendar only 2021-04-15.
    let b = builder();
    let r = b
        .build(
            "get-calendar",
            &path(&[("calendarId", json!("k"))]),
            &token(),
        )
        .unwrap();
    assert_eq!(r.headers["Version"], "2021-04-15");
    let r = b
        .build(
            "get-business",
            &path(&[("businessId", json!("k"))]),
            &token(),
        )
        .unwrap();
    assert_eq!(r.headers["Version"], "2021-07-28");
    // An operation whose spec declares no Version gets the default.
    let op = ghl_bridge::catalog::find("conversations.get-email-by-id").unwrap();
    assert!(op.versions().is_empty());
    assert_eq!(op.version(), ghl_bridge::catalog::DEFAULT_VERSION);
}

fn seg(id: &str) -> Result<String, RequestError> {
    builder()
        .build("get-contact", &path(&[("contactId", json!(id))]), &token())
        .map(|r| {
            r.url
                .strip_prefix("https://services.leadconnectorhq.com/contacts/")
                .unwrap()
                .to_string()
        })
}

#[test]
fn hostile_ids_are_encoded() {
    assert_eq!(seg("a b").unwrap(), "a%20b");
    assert_eq!(seg("ü").unwrap(), "%C3%BC");
    assert_eq!(seg("%2F").unwrap(), "%252F");
    assert_eq!(seg("a?b#c&d=e").unwrap(), "a%3Fb%23c%26d%3De");
    assert_eq!(seg("a\\b").unwrap(), "a%5Cb");
    assert_eq!(seg("ve9EPM428h8vShlRW1KT").unwrap(), "ve9EPM428h8vShlRW1KT");
    assert_eq!(seg("a..b").unwrap(), "a..b");
}

#[test]
fn bad_ids_are_rejected() {
    for id in ["", "  ", "a/b", "/", "..", "."] {
        let e = seg(id).unwrap_err();
        assert_eq!(e.code(), "INVALID_PATH_PARAMETER", "{id:?}");
        assert!(e.to_string().contains("contactId"), "{e}");
    }
    for v in [json!(true), json!(["a"]), json!({"a": 1})] {
        let e = builder()
            .build("get-contact", &path(&[("contactId", v)]), &token())
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_PATH_PARAMETER");
    }
    // Numbers are fine.
    assert_eq!(
        builder()
            .build("get-contact", &path(&[("contactId", json!(42))]), &token())
            .unwrap()
            .url,
        "https://services.leadconnectorhq.com/contacts/42"
    );
}

#[test]
fn missing_and_unknown_params_are_named() {
    let e = builder()
        .build("get-contact", &RequestParams::default(), &token())
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_PARAMETER");
    assert!(e.to_string().contains("'contactId'"), "{e}");
    assert_eq!(e.details()["parameter"], "contactId");
    assert_eq!(e.details()["in"], "path");

    let e = builder()
        .build(
            "get-contact",
            &path(&[("contactId", json!("c")), ("contactID", json!("c"))]),
            &token(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_PARAMETER");
    assert!(e.to_string().contains("'contactID'"), "{e}");

    // A required query parameter other than locationId.
    let e = builder()
        .build(
            "calendars.get-calendar-events",
            &RequestParams::default(),
            &token(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_PARAMETER");
    assert_eq!(e.details()["in"], "query");
}

#[test]
fn unknown_and_ambiguous_operations() {
    let e = builder()
        .build("contacts.nope", &RequestParams::default(), &token())
        .unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_OPERATION");
    assert!(e.to_string().contains("contacts.nope"));
    let e = builder()
        .build("create-custom-field", &RequestParams::default(), &token())
        .unwrap_err();
    assert_eq!(e.code(), "AMBIGUOUS_OPERATION");
    assert_eq!(
        e.details()["candidates"],
        json!([
            "custom-fields.create-custom-field",
            "locations.create-custom-field"
        ])
    );
}

#[test]
fn location_id_is_filled_from_the_config() {
    let b = builder();
    let r = b
        .build(
            "locations.get-location-tags",
            &RequestParams::default(),
            &token(),
        )
        .unwrap();
    assert_eq!(
        r.url,
        "https://services.leadconnectorhq.com/locations/loc123/tags"
    );
    let r = b
        .build(
            "users.get-user-by-location",
            &RequestParams::default(),
            &token(),
        )
        .unwrap();
    assert_eq!(
        r.url,
        "https://services.leadconnectorhq.com/users/?locationId=loc123"
    );
    // An explicit value wins.
    let r = b
        .build(
            "locations.get-location-tags",
            &path(&[("locationId", json!("other"))]),
            &token(),
        )
        .unwrap();
    assert!(r.url.ends_with("/locations/other/tags"));
    // Without a configured location it is missing.
    let empty = RequestBuilder::new(ClientConfig {
        location_id: String::new(),
        scopes: all_scopes(),
        base_url: None,
    })
    .unwrap();
    let e = empty
        .build(
            "users.get-user-by-location",
            &RequestParams::default(),
            &token(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_PARAMETER");
    assert!(e.to_string().contains("locationId"));
}

#[test]
fn query_values_are_encoded_in_a_fixed_order() {
    let mut p = RequestParams::default();
    p.query.insert("skip".into(), json!(10));
    p.query.insert("query".into(), json!("a b&c=d/é"));
    p.query.insert("limit".into(), json!("5"));
    p.query.insert("enabled2waySync".into(), json!(true));
    p.query.insert("ids".into(), json!(["x", 2, null, "y z"]));
    p.query.insert("companyId".into(), json!("co"));
    p.query.insert("role".into(), Value::Null);
    let r = builder().build("users.search-users", &p, &token()).unwrap();
    assert_eq!(
        r.url,
        "https://services.leadconnectorhq.com/users/search\
         ?companyId=co&enabled2waySync=true&ids=x&ids=2&ids=y%20z&limit=5&query=a%20b%26c%3Dd%2F%C3%A9&skip=10"
    );
    p.query.insert("sort".into(), json!({"nested": 1}));
    let e = builder()
        .build("users.search-users", &p, &token())
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_QUERY_PARAMETER");
    assert!(e.to_string().contains("'sort'"));
    p.query.insert("sort".into(), json!([["nested"]]));
    let e = builder()
        .build("users.search-users", &p, &token())
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_QUERY_PARAMETER");
}

#[test]
fn unknown_query_parameters_are_refused_with_a_suggestion() {
    // Before: `limitt=5` was sent silently.
    let mut p = RequestParams::default();
    p.query.insert("limitt".into(), json!(5));
    let e = builder()
        .build("social-media-posting.get-tags-location-id", &p, &token())
        .unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_PARAMETER");
    assert!(e.to_string().contains("'limitt'"), "{e}");
    assert!(e.to_string().contains("did you mean 'limit'"), "{e}");
    assert_eq!(
        e.details(),
        json!({
            "operation": "social-media-posting.get-tags-location-id",
            "parameter": "limitt",
            "in": "query",
            "expected": ["searchText", "limit", "skip"],
            "suggestion": "limit",
        })
    );
    // Nothing close: no suggestion; an operation without query parameters says so.
    let mut p = path(&[("contactId", json!("c"))]);
    p.query.insert("zzzzzzzz".into(), json!(1));
    let e = builder().build("get-contact", &p, &token()).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_PARAMETER");
    assert_eq!(e.details()["suggestion"], Value::Null);
    assert!(e.to_string().contains("the query takes: none"), "{e}");
    // Unknown path parameters get the same treatment.
    let e = builder()
        .build(
            "get-contact",
            &path(&[("contactId", json!("c")), ("contactID", json!("c"))]),
            &token(),
        )
        .unwrap_err();
    assert_eq!(e.details()["in"], "path");
    assert_eq!(e.details()["suggestion"], "contactId");
}

#[test]
fn explode_false_arrays_are_comma_joined() {
    let mut p = RequestParams::default();
    for (k, v) in [
        ("groupBy", json!("campaign")),
        ("startDate", json!("2026-01-01")),
        ("endDate", json!("2026-01-31")),
        ("type", json!("campaign")),
        ("fields", json!(["clicks", "spend", "a,b c"])),
    ] {
        p.query.insert(k.into(), v);
    }
    let b = RequestBuilder::new(ClientConfig {
        location_id: "loc123".into(),
        scopes: vec!["adPublishing.readonly".into()],
        base_url: None,
    })
    .unwrap();
    for op in [
        "ad-manager.fb-get-reporting",
        "ad-manager.google-get-reporting",
    ] {
        let r = b.build(op, &p, &token()).unwrap();
        // One `fields=` with the items comma-joined; an item's own comma is escaped.
        assert!(
            r.url.contains("&fields=clicks,spend,a%2Cb%20c&"),
            "{op}: {}",
            r.url
        );
        assert_eq!(r.url.matches("fields=").count(), 1, "{}", r.url);
    }
    // A single value is sent as it is.
    p.query.insert("fields".into(), json!("clicks"));
    let r = b
        .build("ad-manager.fb-get-reporting", &p, &token())
        .unwrap();
    assert!(r.url.contains("&fields=clicks&"), "{}", r.url);
}

#[test]
fn body_location_id_is_filled_where_the_schema_requires_it() {
    let b = builder();
    let p = RequestParams {
        body: Some(json!({"email": "ada@example.com"})),
        ..Default::default()
    };
    let r = b.build("contacts.upsert-contact", &p, &token()).unwrap();
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"email": "ada@example.com", "locationId": "loc123"})
    );
    // The caller's value wins; `null` counts as left out.
    let p = RequestParams {
        body: Some(json!({"email": "a@b.io", "locationId": "mine"})),
        ..Default::default()
    };
    let r = b.build("contacts.upsert-contact", &p, &token()).unwrap();
    assert!(r
        .body
        .as_deref()
        .unwrap()
        .contains(r#""locationId":"mine""#));
    let p = RequestParams {
        body: Some(json!({"email": "a@b.io", "locationId": null})),
        ..Default::default()
    };
    let r = b.build("contacts.upsert-contact", &p, &token()).unwrap();
    assert!(r
        .body
        .as_deref()
        .unwrap()
        .contains(r#""locationId":"loc123""#));
    // A body whose schema has no required locationId is left alone.
    let mut p = path(&[("contactId", json!("c"))]);
    p.body = Some(json!({"tags": ["a"]}));
    let r = b.build("contacts.add-tags", &p, &token()).unwrap();
    assert_eq!(r.body.as_deref(), Some(r#"{"tags":["a"]}"#));
    // Every operation the catalog marks gets it.
    let marked: Vec<_> = ghl_bridge::catalog::all()
        .filter(|o| o.body_requires_location_id())
        .collect();
    assert_eq!(marked.len(), 99);
    let mut built = 0;
    // Uploads are refused whatever their body (see the multipart test).
    let json_bodies: Vec<_> = marked
        .into_iter()
        .filter(|o| o.content_type() != ghl_bridge::catalog::ContentType::Multipart)
        .collect();
    let expected = json_bodies.len();
    assert!(expected >= 95, "{expected}");
    for op in json_bodies {
        let mut p = RequestParams {
            body: Some(json!({})),
            ..Default::default()
        };
        for name in op.path_params() {
            p.path.insert(name.to_string(), json!("x"));
        }
        for q in op.query_params().filter(|q| q.required) {
            p.query.insert(q.name.to_string(), json!("x"));
        }
        let granted = RequestBuilder::new(ClientConfig {
            location_id: "loc123".into(),
            scopes: op.scopes().iter().map(|s| s.to_string()).collect(),
            base_url: None,
        })
        .unwrap();
        let r = granted.build_op(op, &p, &token()).unwrap();
        let text = r.body.as_deref().unwrap();
        if op.content_type() == ghl_bridge::catalog::ContentType::FormUrlEncoded {
            assert_eq!(text, "locationId=loc123", "{}", op.name());
        } else {
            let body: Value = serde_json::from_str(text).unwrap();
            assert_eq!(body["locationId"], "loc123", "{}", op.name());
        }
        built += 1;
    }
    assert_eq!(built, expected);
    // No configured location: a missing body locationId is named.
    let empty = RequestBuilder::new(ClientConfig {
        location_id: String::new(),
        scopes: all_scopes(),
        base_url: None,
    })
    .unwrap();
    let p = RequestParams {
        body: Some(json!({"email": "a@b.io"})),
        ..Default::default()
    };
    let e = empty
        .build("contacts.upsert-contact", &p, &token())
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_PARAMETER");
    assert_eq!(e.details()["in"], "body");
}

#[test]
fn oauth_token_bodies_are_form_encoded() {
    let mut scopes = all_scopes();
    scopes.push("oauth.write".into());
    let b = RequestBuilder::new(ClientConfig {
        location_id: "loc123".into(),
        scopes,
        base_url: None,
    })
    .unwrap();
    let p = RequestParams {
        body: Some(json!({
            "client_id": "app id",
            "client_secret": "s&=x",
            "grant_type": "refresh_token",
            "refresh_token": "r",
            "skipped": null,
        })),
        ..Default::default()
    };
    let r = b.build("oauth.get-access-token", &p, &token()).unwrap();
    assert_eq!(
        r.headers["Content-Type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        r.body.as_deref(),
        Some("client_id=app%20id&client_secret=s%26%3Dx&grant_type=refresh_token&refresh_token=r")
    );
    let p = RequestParams {
        body: Some(json!({"companyId": "co", "locationId": "l1"})),
        ..Default::default()
    };
    let r = b
        .build("oauth.get-location-access-token", &p, &token())
        .unwrap();
    assert_eq!(
        r.headers["Content-Type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(r.body.as_deref(), Some("companyId=co&locationId=l1"));
    // Nested values cannot be form-encoded.
    let p = RequestParams {
        body: Some(json!({"client_id": {"a": 1}})),
        ..Default::default()
    };
    let e = b.build("oauth.get-access-token", &p, &token()).unwrap_err();
    assert_eq!(e.code(), "INVALID_PARAMETER");
    assert!(e.to_string().contains("client_id"), "{e}");
    // JSON operations keep JSON.
    let p = RequestParams {
        body: Some(json!({"email": "a@b.io"})),
        ..Default::default()
    };
    let r = b.build("contacts.upsert-contact", &p, &token()).unwrap();
    assert_eq!(r.headers["Content-Type"], "application/json");
}

#[test]
fn multipart_operations_are_refused_before_sending() {
    let uploads: Vec<_> = ghl_bridge::catalog::all()
        .filter(|o| o.content_type() == ghl_bridge::catalog::ContentType::Multipart)
        .collect();
    assert_eq!(uploads.len(), 5);
    for op in uploads {
        let granted = RequestBuilder::new(ClientConfig {
            location_id: "loc".into(),
            scopes: op.scopes().iter().map(|s| s.to_string()).collect(),
            base_url: None,
        })
        .unwrap();
        let e = granted
            .build_op(op, &RequestParams::default(), &token())
            .unwrap_err();
        assert_eq!(e.code(), "UNSUPPORTED_CONTENT_TYPE", "{}", op.name());
        assert_eq!(e.details()["contentType"], "multipart/form-data");
        assert!(e.to_string().contains("multipart/form-data"), "{e}");
    }
}

#[test]
fn body_rules() {
    let e = builder()
        .build(
            "contacts.upsert-contact",
            &RequestParams::default(),
            &token(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_BODY");
    assert!(e.to_string().contains("contacts.upsert-contact"));
    let p = RequestParams {
        body: Some(Value::Null),
        ..Default::default()
    };
    assert_eq!(
        builder()
            .build("contacts.upsert-contact", &p, &token())
            .unwrap_err()
            .code(),
        "MISSING_BODY"
    );
    let mut p = path(&[("contactId", json!("c"))]);
    p.body = Some(json!({}));
    let e = builder().build("get-contact", &p, &token()).unwrap_err();
    assert_eq!(e.code(), "UNEXPECTED_BODY");
}

#[test]
fn base_url_rules() {
    let mk = |u: &str| {
        RequestBuilder::new(ClientConfig {
            location_id: "l".into(),
            scopes: vec![],
            base_url: Some(u.into()),
        })
    };
    for ok in [
        "https://proxy.example.com/ghl/",
        "http://localhost:8787",
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    ] {
        let b = mk(ok).unwrap();
        let r = b
            .build(
                "businesses.get-business",
                &path(&[("businessId", json!("b"))]),
                &token(),
            )
            .unwrap_err();
        // No scopes granted: scope check fails, but the builder itself was accepted.
        assert_eq!(r.code(), "MISSING_SCOPE");
        assert!(!b.base_url().ends_with('/'));
    }
    let b = mk("http://localhost:8787/").unwrap();
    let b2 = RequestBuilder::new(ClientConfig {
        location_id: "l".into(),
        scopes: all_scopes(),
        base_url: Some(b.base_url().into()),
    })
    .unwrap();
    assert_eq!(
        b2.build("get-contact", &path(&[("contactId", json!("c"))]), &token())
            .unwrap()
            .url,
        "http://localhost:8787/contacts/c"
    );
    for bad in [
        "http://services.leadconnectorhq.com",
        "http://localhost.attacker.net",
        "http://10.0.0.1",
        "ftp://localhost",
        "https://a@b.com",
        "https://b.com/?q",
        "",
    ] {
        let e = mk(bad).unwrap_err();
        assert_eq!(e.code(), "INVALID_BASE_URL", "{bad}");
    }
}

#[test]
fn scopes_are_checked_before_building() {
    let b = RequestBuilder::new(ClientConfig {
        location_id: "loc".into(),
        scopes: vec!["contacts.readonly".into()],
        base_url: None,
    })
    .unwrap();
    // Even with everything else wrong (missing contactId, blank token), scope comes first.
    let e = b
        .build(
            "contacts.add-tags",
            &RequestParams::default(),
            &Token::new(""),
        )
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_SCOPE");
    assert!(e.to_string().contains("contacts.add-tags"), "{e}");
    assert!(e.to_string().contains("contacts.write"), "{e}");
    assert_eq!(
        e.details(),
        json!({
            "operation": "contacts.add-tags",
            "missingScopes": ["contacts.write"],
            "grantedScopes": ["contacts.readonly"],
        })
    );
    // Operations without scopes (none in the spec, Scopes.md or FACTS.md) are not checked.
    let unchecked: Vec<_> = ghl_bridge::catalog::all()
        .filter(|o| o.scopes().is_empty())
        .collect();
    assert!(!unchecked.is_empty());
    for op in unchecked {
        assert!(b.check_scopes(op).is_ok(), "{}", op.name());
    }
}

#[test]
fn tokens_must_be_sendable() {
    for t in ["", "   ", "a b", "a\r\nX-Evil: 1", "tök"] {
        let e = builder()
            .build(
                "get-contact",
                &path(&[("contactId", json!("c"))]),
                &Token::new(t),
            )
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_TOKEN", "{t:?}");
    }
    // Surrounding white space is trimmed.
    let r = builder()
        .build(
            "get-contact",
            &path(&[("contactId", json!("c"))]),
            &Token::new(" pit-1 "),
        )
        .unwrap();
    assert_eq!(r.headers["Authorization"], "Bearer pit-1");
}

#[test]
fn no_error_or_debug_output_shows_the_token() {
    let t = token();
    let b = builder();
    let mut errors: Vec<RequestError> = Vec::new();
    let mut push = |r: Result<ghl_bridge::http::HttpRequest, RequestError>| match r {
        Ok(req) => {
            assert!(!format!("{req:?}").contains(SECRET));
            assert!(!serde_json::to_string(&req.redacted())
                .unwrap()
                .contains(SECRET));
        }
        Err(e) => errors.push(e),
    };
    push(b.build("nope", &RequestParams::default(), &t));
    push(b.build("create-custom-field", &RequestParams::default(), &t));
    push(b.build("get-contact", &RequestParams::default(), &t));
    push(b.build("get-contact", &path(&[("contactId", json!("a/b"))]), &t));
    push(b.build("get-contact", &path(&[("x", json!("a"))]), &t));
    push(b.build("get-contact", &path(&[("contactId", json!("ok"))]), &t));
    push(b.build("upsert-contact", &RequestParams::default(), &t));
    push(b.build(
        "calendars.get-calendar-events",
        &RequestParams::default(),
        &t,
    ));
    push(b.build(
        "opportunities.get-opportunity",
        &path(&[("id", json!("o"))]),
        &t,
    ));
    push(b.social_tags_by_ids(&t, &[]));
    push(b.add_contact_tags(&t, "c", &[]));
    push(b.create_location_tag(&t, " "));
    let mut q = path(&[("contactId", json!("c"))]);
    q.query.insert("x".into(), json!({}));
    push(b.build("get-contact", &q, &t));
    for bad in ["http://x.com", "nonsense"] {
        if let Err(e) = RequestBuilder::new(ClientConfig {
            location_id: "l".into(),
            scopes: vec![],
            base_url: Some(bad.into()),
        }) {
            errors.push(e);
        }
    }
    assert!(errors.len() >= 13, "{}", errors.len());
    for e in &errors {
        for text in [
            e.to_string(),
            format!("{e:?}"),
            e.details().to_string(),
            format!("{b:?}"),
            format!("{t:?}"),
        ] {
            assert!(!text.contains(SECRET), "{text}");
        }
    }
}
