//! Social planner requests: tags list, tag details by ids, statistics, accounts.
//!
//! Only the requests live here; their result types belong to [`crate::tags`] and
//! [`crate::stats`] (decode with [`crate::request::decode`]).

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use serde_json::{Map, Value};

use super::{
    body1, invalid, non_empty_list, object_arg, ops, opt_count, opt_string, put_page, string_list,
};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{RequestBuilder, RequestError};
use crate::stats::{Platform, StatisticsRequest};

/// Query of the social-planner tags list. The spec types `limit` and `skip` as
/// strings; they are numbers here and sent as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SocialTagsQuery {
    /// Text to search tag names for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_text: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Items to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
}

impl RequestBuilder {
    /// `GET /social-media-posting/{locationId}/tags?searchText&limit&skip`.
    pub fn social_tags(
        &self,
        token: &Token,
        query: &SocialTagsQuery,
    ) -> Result<HttpRequest, RequestError> {
        self.social_tags_parts(
            token,
            query.search_text.as_deref(),
            query.limit.map(u64::from),
            query.skip.map(u64::from),
        )
    }

    /// [`RequestBuilder::social_tags`] for a [`SocialTagsQuery`] given as JSON (what
    /// the Wasm binding passes); `null` is an empty query. A field of the wrong type
    /// (`limit` and `skip` must be whole numbers up to 2^32 - 1) is `INVALID_PARAMETER`.
    pub fn social_tags_value(
        &self,
        token: &Token,
        query: &Value,
    ) -> Result<HttpRequest, RequestError> {
        let op = ops::SOCIAL_TAGS;
        object_arg(op, query, "query", true)?;
        let search = opt_string(op, query, "searchText")?;
        let limit = opt_count(op, query, "limit")?;
        self.social_tags_parts(token, search, limit, opt_count(op, query, "skip")?)
    }

    fn social_tags_parts(
        &self,
        token: &Token,
        search_text: Option<&str>,
        limit: Option<u64>,
        skip: Option<u64>,
    ) -> Result<HttpRequest, RequestError> {
        let mut params = RequestParams::default();
        if let Some(s) = search_text {
            params.query.insert("searchText".into(), s.into());
        }
        put_page(&mut params, limit, skip);
        self.build(ops::SOCIAL_TAGS, &params, token)
    }

    /// `POST /social-media-posting/{locationId}/tags/details` `{tagIds}`: reads the
    /// details of the given tags (nothing is written). An empty list is refused.
    pub fn social_tags_by_ids(
        &self,
        token: &Token,
        tag_ids: &[String],
    ) -> Result<HttpRequest, RequestError> {
        non_empty_list(ops::SOCIAL_TAGS_BY_IDS, "tagIds", tag_ids)?;
        let params = RequestParams {
            body: body1("tagIds", string_list(tag_ids)),
            ..Default::default()
        };
        self.build(ops::SOCIAL_TAGS_BY_IDS, &params, token)
    }

    /// `POST /social-media-posting/statistics?locationId=` `{profileIds, platforms?}`.
    /// At least one profile id is required.
    pub fn social_statistics(
        &self,
        token: &Token,
        request: &StatisticsRequest,
    ) -> Result<HttpRequest, RequestError> {
        self.social_statistics_value(token, &crate::codec::to_value(request))
    }

    /// [`RequestBuilder::social_statistics`] for a [`StatisticsRequest`] given as JSON
    /// (what the Wasm binding passes): `profileIds` a non-empty list of strings,
    /// `platforms` absent, `null` or a list of platform names (`facebook`, ...);
    /// anything else is `INVALID_PARAMETER`. Other fields are not sent.
    pub fn social_statistics_value(
        &self,
        token: &Token,
        request: &Value,
    ) -> Result<HttpRequest, RequestError> {
        let op = ops::SOCIAL_STATISTICS;
        if !request.is_object() {
            return Err(invalid(op, "request", "'request' must be an object"));
        }
        let ids: Vec<String> = match request.get("profileIds") {
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => {
                return Err(invalid(
                    op,
                    "profileIds",
                    "'profileIds' must be a list of strings",
                ))
            }
        };
        non_empty_list(op, "profileIds", &ids)?;
        let mut body = Map::new();
        body.insert(
            "profileIds".to_string(),
            Value::Array(ids.into_iter().map(Value::String).collect()),
        );
        match request.get("platforms") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a))
                if a.iter().all(|p| {
                    Platform::ALL
                        .iter()
                        .any(|k| p.as_str() == Some(k.as_str()))
                }) =>
            {
                body.insert("platforms".to_string(), Value::Array(a.clone()));
            }
            Some(_) => {
                return Err(invalid(
                    op,
                    "platforms",
                    "'platforms' must be a list of facebook, instagram, linkedin, google, pinterest, youtube or tiktok",
                ))
            }
        }
        let params = RequestParams {
            body: Some(Value::Object(body)),
            ..Default::default()
        };
        self.build(op, &params, token)
    }

    /// `GET /social-media-posting/{locationId}/accounts`.
    pub fn social_accounts(&self, token: &Token) -> Result<HttpRequest, RequestError> {
        self.build(ops::SOCIAL_ACCOUNTS, &RequestParams::default(), token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Coded;
    use crate::request::ClientConfig;
    use serde_json::json;

    fn b() -> RequestBuilder {
        RequestBuilder::new(ClientConfig {
            location_id: "loc1".into(),
            scopes: vec![
                "socialplanner/tag.readonly".into(),
                "socialplanner/statistics.readonly".into(),
            ],
            base_url: None,
        })
        .unwrap()
    }

    #[test]
    fn json_queries_match_the_typed_form() {
        let t = Token::new("pit-x");
        for given in [
            json!({"searchText": "a b", "limit": 10, "skip": 0}),
            json!({"limit": 4294967295u64, "searchText": null}),
            json!({}),
        ] {
            let typed: SocialTagsQuery = serde_json::from_value(given.clone()).unwrap();
            assert_eq!(
                b().social_tags(&t, &typed).unwrap(),
                b().social_tags_value(&t, &given).unwrap()
            );
        }
        for given in [
            json!({"limit": -1}),
            json!({"limit": 1.5}),
            json!({"skip": 4294967296u64}),
            json!({"searchText": 1}),
            json!("x"),
        ] {
            let e = b().social_tags_value(&t, &given).unwrap_err();
            assert_eq!(e.code(), "INVALID_PARAMETER", "{given}");
            assert!(serde_json::from_value::<SocialTagsQuery>(given).is_err());
        }
    }

    #[test]
    fn json_statistics_match_the_typed_form() {
        let t = Token::new("pit-x");
        for given in [
            json!({"profileIds": ["p1"], "platforms": ["linkedin", "tiktok"]}),
            json!({"profileIds": ["p1", "p2"], "platforms": null}),
        ] {
            let typed: StatisticsRequest = serde_json::from_value(given.clone()).unwrap();
            assert_eq!(
                b().social_statistics(&t, &typed).unwrap(),
                b().social_statistics_value(&t, &given).unwrap()
            );
        }
        for (given, name) in [
            (json!({"profileIds": []}), "profileIds"),
            (json!({"profileIds": [" "]}), "profileIds"),
            (json!({"profileIds": "p1"}), "profileIds"),
            (json!({}), "profileIds"),
            (
                json!({"profileIds": ["p1"], "platforms": ["myspace"]}),
                "platforms",
            ),
            (
                json!({"profileIds": ["p1"], "platforms": "linkedin"}),
                "platforms",
            ),
            (json!(null), "request"),
        ] {
            let e = b().social_statistics_value(&t, &given).unwrap_err();
            assert_eq!(e.code(), "INVALID_PARAMETER", "{given}");
            assert_eq!(e.details()["parameter"], name, "{given}");
        }
    }
}
