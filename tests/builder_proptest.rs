//! Arbitrary path parameter values never panic: they are refused, or they land in
//! the URL as one segment that decodes back to the input.

use ghl_bridge::http::{RequestParams, Token};
use ghl_bridge::request::encode::percent_decode;
use ghl_bridge::request::{ClientConfig, RequestBuilder};
use proptest::prelude::*;

fn builder() -> RequestBuilder {
    RequestBuilder::new(ClientConfig {
        location_id: "l".into(),
        scopes: vec!["contacts.write".into()],
        base_url: None,
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn path_params_round_trip(id in any::<String>(), tag in "\\PC{0,12}") {
        let mut p = RequestParams::default();
        p.path.insert("contactId".into(), serde_json::Value::String(id.clone()));
        p.body = Some(serde_json::json!({"tags": [tag]}));
        match builder().build("contacts.add-tags", &p, &Token::new("t")) {
            Err(e) => {
                let bad = id.trim().is_empty() || id.contains('/') || id == "." || id == "..";
                prop_assert!(bad, "refused {id:?}: {e}");
            }
            Ok(r) => {
                let rest = r.url.strip_prefix("https://services.leadconnectorhq.com/contacts/").unwrap();
                let seg = rest.strip_suffix("/tags").unwrap();
                prop_assert!(!seg.contains('/') && !seg.contains('?') && !seg.contains('#'));
                prop_assert_eq!(percent_decode(seg).unwrap(), id);
            }
        }
    }

    #[test]
    fn query_values_round_trip(v in any::<String>()) {
        let mut p = RequestParams::default();
        p.query.insert("searchText".into(), serde_json::Value::String(v.clone()));
        let b = RequestBuilder::new(ClientConfig {
            location_id: "l".into(),
            scopes: vec!["socialplanner/tag.readonly".into()],
            base_url: None,
        }).unwrap();
        let r = b.build("get-tags-location-id", &p, &Token::new("t")).unwrap();
        let q = r.url.split_once('?').unwrap().1;
        let val = q.strip_prefix("searchText=").unwrap();
        prop_assert!(!val.contains('&') && !val.contains('#'));
        prop_assert_eq!(percent_decode(val).unwrap(), v);
    }
}
