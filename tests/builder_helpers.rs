//! Typed helpers build the same requests the generic builder does, with their rules.

use ghl_bridge::api::{
    ContactFields, CustomFieldValue, Platform, SocialTagsQuery, StatisticsRequest, UpsertContact,
    UsersQuery,
};
use ghl_bridge::error::Coded;
use ghl_bridge::http::{Method, Token};
use ghl_bridge::request::{ClientConfig, RequestBuilder};
use serde_json::{json, Value};

const BASE: &str = "https://services.leadconnectorhq.com";

fn b() -> RequestBuilder {
    RequestBuilder::new(ClientConfig {
        location_id: "loc 1".into(),
        scopes: [
            "contacts.write",
            "contacts.readonly",
            "locations/tags.readonly",
            "locations/tags.write",
            "locations/customFields.readonly",
            "users.readonly",
            "socialplanner/tag.readonly",
            "socialplanner/account.readonly",
            "socialplanner/statistics.readonly",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        base_url: None,
    })
    .unwrap()
}

fn t() -> Token {
    Token::new("pit-SECRET-xyz")
}

fn body(r: &ghl_bridge::http::HttpRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

#[test]
fn social_tags_send_numbers_as_strings() {
    let r = b()
        .social_tags(
            &t(),
            &SocialTagsQuery {
                search_text: Some("sum mer".into()),
                limit: Some(20),
                skip: Some(0),
            },
        )
        .unwrap();
    assert_eq!(r.method, Method::Get);
    assert_eq!(
        r.url,
        format!("{BASE}/social-media-posting/loc%201/tags?limit=20&searchText=sum%20mer&skip=0")
    );
    let r = b().social_tags(&t(), &SocialTagsQuery::default()).unwrap();
    assert_eq!(r.url, format!("{BASE}/social-media-posting/loc%201/tags"));
}

#[test]
fn tag_details_need_ids() {
    let r = b()
        .social_tags_by_ids(&t(), &["a".into(), "b".into()])
        .unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(
        r.url,
        format!("{BASE}/social-media-posting/loc%201/tags/details")
    );
    assert_eq!(body(&r), json!({"tagIds": ["a", "b"]}));
    let e = b().social_tags_by_ids(&t(), &[]).unwrap_err();
    assert_eq!(e.code(), "INVALID_PARAMETER");
    assert!(e.to_string().contains("tagIds"), "{e}");
    assert_eq!(
        b().social_tags_by_ids(&t(), &[" ".into()])
            .unwrap_err()
            .code(),
        "INVALID_PARAMETER"
    );
}

#[test]
fn statistics_need_the_scope_facts_md_names() {
    let b = RequestBuilder::new(ClientConfig {
        location_id: "loc".into(),
        scopes: vec!["socialplanner/tag.readonly".into()],
        base_url: None,
    })
    .unwrap();
    let e = b
        .social_statistics(
            &t(),
            &StatisticsRequest {
                profile_ids: vec!["p1".into()],
                platforms: None,
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_SCOPE");
    assert!(
        e.to_string().contains("socialplanner/statistics.readonly"),
        "{e}"
    );
}

#[test]
fn statistics_and_accounts() {
    let r = b()
        .social_statistics(
            &t(),
            &StatisticsRequest {
                profile_ids: vec!["p1".into()],
                platforms: Some(vec![Platform::Facebook, Platform::Tiktok]),
            },
        )
        .unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(
        r.url,
        format!("{BASE}/social-media-posting/statistics?locationId=loc%201")
    );
    assert_eq!(
        body(&r),
        json!({"profileIds": ["p1"], "platforms": ["facebook", "tiktok"]})
    );
    let r = b()
        .social_statistics(
            &t(),
            &StatisticsRequest {
                profile_ids: vec!["p".into()],
                platforms: None,
            },
        )
        .unwrap();
    assert_eq!(body(&r), json!({"profileIds": ["p"]}));
    let e = b()
        .social_statistics(&t(), &StatisticsRequest::default())
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_PARAMETER");
    assert!(e.to_string().contains("profileIds"));
    let r = b().social_accounts(&t()).unwrap();
    assert_eq!(
        r.url,
        format!("{BASE}/social-media-posting/loc%201/accounts")
    );
    assert_eq!(r.body, None);
}

#[test]
fn contact_helpers() {
    let up = UpsertContact {
        fields: ContactFields {
            email: Some("a@b.co".into()),
            first_name: Some("Ann".into()),
            ..Default::default()
        },
        custom_fields: vec![CustomFieldValue {
            id: "f1".into(),
            key: None,
            field_value: json!(["x", "y"]),
        }],
        ..Default::default()
    };
    let r = b().upsert_contact(&t(), &up).unwrap();
    assert_eq!(
        (r.method, r.url.as_str()),
        (Method::Post, &*format!("{BASE}/contacts/upsert"))
    );
    assert_eq!(
        body(&r),
        json!({"email": "a@b.co", "firstName": "Ann", "locationId": "loc 1",
               "customFields": [{"id": "f1", "field_value": ["x", "y"]}]})
    );
    assert_eq!(r.headers["Content-Type"], "application/json");

    let r = b().get_contact(&t(), "c/1").unwrap_err();
    assert_eq!(r.code(), "INVALID_PATH_PARAMETER");
    let r = b().get_contact(&t(), "c 1").unwrap();
    assert_eq!(r.url, format!("{BASE}/contacts/c%201"));

    let r = b().add_contact_tags(&t(), "c1", &["vip".into()]).unwrap();
    assert_eq!(
        (r.method, body(&r)),
        (Method::Post, json!({"tags": ["vip"]}))
    );
    let r = b()
        .remove_contact_tags(&t(), "c1", &["vip".into()])
        .unwrap();
    assert_eq!(r.method, Method::Delete);
    assert_eq!(r.url, format!("{BASE}/contacts/c1/tags"));
    assert_eq!(body(&r), json!({"tags": ["vip"]}));
    assert_eq!(
        b().remove_contact_tags(&t(), "c1", &[]).unwrap_err().code(),
        "INVALID_PARAMETER"
    );
}

#[test]
fn location_and_user_helpers() {
    let r = b().location_tags(&t()).unwrap();
    assert_eq!(r.url, format!("{BASE}/locations/loc%201/tags"));
    let r = b().create_location_tag(&t(), "vip").unwrap();
    assert_eq!(body(&r), json!({"name": "vip"}));
    assert_eq!(
        b().create_location_tag(&t(), "").unwrap_err().code(),
        "INVALID_PARAMETER"
    );
    let r = b().location_custom_fields(&t()).unwrap();
    assert_eq!(
        r.url,
        format!("{BASE}/locations/loc%201/customFields?model=contact")
    );
    // The current users search, not the deprecated `GET /users/?locationId=`.
    let q = UsersQuery {
        company_id: "co 1".into(),
        limit: Some(10),
        ..Default::default()
    };
    let r = b().users(&t(), &q).unwrap();
    assert_eq!(
        r.url,
        format!("{BASE}/users/search?companyId=co%201&limit=10&locationId=loc%201")
    );
    let op = ghl_bridge::catalog::find(ghl_bridge::api::ops::USERS).unwrap();
    assert!(
        !op.info().deprecated,
        "the users helper calls a deprecated operation"
    );
    let r2 = b()
        .users_value(&t(), &json!({"companyId": "co 1", "limit": 10}))
        .unwrap();
    assert_eq!(r2, r);
    for bad in [
        json!({}),
        json!({"companyId": " "}),
        json!({"companyId": 5}),
        json!({"companyId": "c", "limit": -1}),
        json!(null),
    ] {
        let e = b().users_value(&t(), &bad).unwrap_err();
        assert_eq!(e.code(), "INVALID_PARAMETER", "{bad}");
    }
}

#[test]
fn helpers_check_scopes_too() {
    let ro = RequestBuilder::new(ClientConfig {
        location_id: "l".into(),
        scopes: vec!["contacts.readonly".into()],
        base_url: None,
    })
    .unwrap();
    let e = ro
        .upsert_contact(&t(), &UpsertContact::default())
        .unwrap_err();
    assert_eq!(e.code(), "MISSING_SCOPE");
    assert_eq!(e.details()["missingScopes"], json!(["contacts.write"]));
    assert!(ro.get_contact(&t(), "c").is_ok());
    assert_eq!(
        ro.social_tags(&t(), &SocialTagsQuery::default())
            .unwrap_err()
            .code(),
        "MISSING_SCOPE"
    );
}
