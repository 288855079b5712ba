//! Response classification, GHL error bodies and typed decoding.

use ghl_bridge::api::{
    ContactResult, CustomFieldsResult, LocationTagResult, LocationTagsResult, UpsertContactResult,
    UsersResult,
};
use ghl_bridge::error::Coded;
use ghl_bridge::http::HttpResponse;
use ghl_bridge::request::{
    classify, decode, disposition_of, Disposition, GhlErrorBody, RequestError,
};
use serde_json::{json, Value};

fn resp(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Default::default(),
        body: body.to_string(),
    }
}

#[test]
fn error_bodies_normalise_string_and_array_messages() {
    let b = GhlErrorBody::parse(r#"{"statusCode":400,"message":"Bad Request"}"#);
    assert_eq!(b.status_code, Some(400));
    assert_eq!(b.messages, vec!["Bad Request"]);
    assert_eq!(b.message, "Bad Request");
    let b = GhlErrorBody::parse(
        r#"{"statusCode":401,"message":"The token is not authorized for this scope.","error":"Unauthorized","traceId":"t-1"}"#,
    );
    assert_eq!(b.error.as_deref(), Some("Unauthorized"));
    assert_eq!(b.trace_id.as_deref(), Some("t-1"));
    let b = GhlErrorBody::parse(
        r#"{"statusCode":422,"message":["email must be an email","phone is invalid"],"error":"Unprocessable Entity"}"#,
    );
    assert_eq!(b.messages.len(), 2);
    assert_eq!(b.message, "email must be an email; phone is invalid");
    let b = GhlErrorBody::parse("<html>502 Bad Gateway</html>");
    assert_eq!(b.messages, vec!["<html>502 Bad Gateway</html>"]);
    assert_eq!(b.status_code, None);
    let b = GhlErrorBody::parse("");
    assert!(b.messages.is_empty());
    assert_eq!(b.message, "");
    let long = "x".repeat(5000);
    assert_eq!(GhlErrorBody::parse(&long).message.len(), 200);
}

/// The response policy as documented, written independently of `disposition_of`.
fn documented(status: u16, daily: bool) -> Disposition {
    match status {
        200..=299 => Disposition::Done,
        401 => Disposition::RefreshAuth,
        429 => Disposition::RateLimited { daily },
        408 | 500 | 502 | 503 | 504 | 506..=599 => Disposition::Retry,
        400..=499 | 501 | 505 => Disposition::Reject,
        _ => Disposition::Unexpected,
    }
}

#[test]
fn every_status_has_the_documented_disposition_for_client_and_decode() {
    for status in 0..=1000u16 {
        for daily in [false, true] {
            let mut r = resp(status, r#"{"message":"m","traceId":"t"}"#);
            if daily {
                r.headers
                    .insert("X-RateLimit-Daily-Remaining".into(), "0".into());
            }
            let want = documented(status, daily);
            let c = classify(&r);
            assert_eq!(c.disposition, want, "{status} daily={daily}");
            assert_eq!(disposition_of(status, daily), want);
            assert_eq!(
                c.retryable(),
                matches!(
                    want,
                    Disposition::Retry | Disposition::RateLimited { daily: false }
                ),
                "{status}"
            );
            assert_eq!(c.error.is_some(), want != Disposition::Done, "{status}");
            assert_eq!(c.rate_limited_until(1_000).is_some(), status == 429);
            // The client's error carries the same disposition (what the JS shim acts on).
            match decode::<Value>("x.y", &r) {
                Ok(_) => assert_eq!(want, Disposition::Done, "{status}"),
                Err(e) => {
                    let d = e.details();
                    assert_eq!(
                        d["disposition"],
                        serde_json::to_value(want).unwrap(),
                        "{status}"
                    );
                    assert_eq!(d["retryable"], c.retryable(), "{status}");
                }
            }
        }
    }
    // 501 and 505 are final (the outbox once retried them).
    assert_eq!(disposition_of(501, false), Disposition::Reject);
    assert_eq!(disposition_of(505, false), Disposition::Reject);
    assert_eq!(
        serde_json::to_value(Disposition::RefreshAuth).unwrap(),
        json!({"kind": "refreshAuth"})
    );
}

#[test]
fn decode_gives_typed_bodies_and_typed_errors() {
    let ok = resp(
        201,
        r#"{"new":true,"contact":{"id":"c1","email":"a@b.co","tags":["x"],"customFields":[{"id":"f","value":3}],"unknownField":1},"traceId":"t"}"#,
    );
    let u: UpsertContactResult = decode("contacts.upsert-contact", &ok).unwrap();
    assert!(u.new);
    assert_eq!(u.contact.id, "c1");
    assert_eq!(u.contact.email.as_deref(), Some("a@b.co"));
    assert_eq!(u.contact.tags, vec!["x"]);
    assert_eq!(u.contact.custom_fields[0].value, json!(3));
    assert_eq!(u.trace_id.as_deref(), Some("t"));

    let e = decode::<UpsertContactResult>(
        "contacts.upsert-contact",
        &resp(
            422,
            r#"{"statusCode":422,"message":["a","b"],"error":"Unprocessable Entity","traceId":"tr"}"#,
        ),
    )
    .unwrap_err();
    assert_eq!(e.code(), "GHL_HTTP_ERROR");
    let d = e.details();
    assert_eq!(d["status"], 422);
    assert_eq!(d["messages"], json!(["a", "b"]));
    assert_eq!(d["message"], "a; b");
    assert_eq!(d["traceId"], "tr");
    assert_eq!(d["operation"], "contacts.upsert-contact");
    assert_eq!(d["retryable"], false);
    let text = e.to_string();
    assert!(
        text.contains("422") && text.contains("a; b") && text.contains("tr"),
        "{text}"
    );

    // 2xx but not JSON, or the wrong shape: INVALID_RESPONSE, no panic.
    for body in ["<html>", "{\"new\":true}", "[1,2]", "\u{0}"] {
        let e =
            decode::<UpsertContactResult>("contacts.upsert-contact", &resp(200, body)).unwrap_err();
        assert!(
            matches!(e, RequestError::InvalidResponse { status: 200, .. }),
            "{body}"
        );
        assert_eq!(e.code(), "INVALID_RESPONSE");
    }
    // Error with a non-JSON body keeps the text.
    let e = decode::<Value>("x.y", &resp(502, "Bad Gateway")).unwrap_err();
    assert_eq!(e.details()["message"], "Bad Gateway");
    assert_eq!(e.details()["retryable"], true);
    // Empty 2xx body reads as null.
    let v: Option<ContactResult> = decode("x.y", &resp(204, "")).unwrap();
    assert!(v.is_none());
}

#[test]
fn result_models_read_spec_shaped_and_sparse_bodies() {
    let c: ContactResult = decode(
        "contacts.get-contact",
        &resp(
            200,
            r#"{"contact":{"id":"c","firstName":"Ann","locationId":"l","dndSettings":{}}}"#,
        ),
    )
    .unwrap();
    assert_eq!(c.contact.first_name.as_deref(), Some("Ann"));
    assert!(c.contact.tags.is_empty());
    let t: LocationTagsResult = decode(
        "locations.get-location-tags",
        &resp(
            200,
            r#"{"tags":[{"id":"t1","name":"vip","locationId":"l"},{"id":"t2","name":"new"}]}"#,
        ),
    )
    .unwrap();
    assert_eq!(t.tags.len(), 2);
    assert_eq!(t.tags[1].location_id, None);
    let t: LocationTagResult = decode(
        "locations.create-tag",
        &resp(201, r#"{"tag":{"id":"t","name":"n"}}"#),
    )
    .unwrap();
    assert_eq!(t.tag.name, "n");
    let f: CustomFieldsResult = decode(
        "locations.get-custom-fields",
        &resp(200, r#"{"customFields":[{"id":"f","name":"Budget","fieldKey":"contact.budget","dataType":"NUMERICAL","position":0,"model":"contact","picklistOptions":["a"]}]}"#),
    )
    .unwrap();
    assert_eq!(
        f.custom_fields[0].field_key.as_deref(),
        Some("contact.budget")
    );
    let u: UsersResult = decode(
        "users.search-users",
        &resp(200, r#"{"users":[{"id":"u","name":"Bo","email":"b@x","roles":{"type":"account","role":"admin","locationIds":["l"]},"permissions":{}}],"count":1}"#),
    )
    .unwrap();
    assert_eq!(u.count, Some(1));
    assert_eq!(
        u.users[0].roles.as_ref().unwrap().role.as_deref(),
        Some("admin")
    );
    // A missing required field (`id`) is an INVALID_RESPONSE, not a panic.
    let e = decode::<LocationTagsResult>(
        "locations.get-location-tags",
        &resp(200, r#"{"tags":[{"name":"x"}]}"#),
    )
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_RESPONSE");
}
