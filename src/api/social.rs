//! Social planner requests: tags list, tag details by ids, statistics, accounts.
//!
//! Only the requests live here; their result types belong to [`crate::tags`] and
//! [`crate::stats`] (decode with [`crate::request::decode`]).

use serde::{Deserialize, Serialize};

use super::{non_empty_list, ops};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{RequestBuilder, RequestError};
use crate::stats::StatisticsRequest;

/// Query of the social-planner tags list. The spec types `limit` and `skip` as
/// strings; they are numbers here and sent as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
        let mut params = RequestParams::default();
        if let Some(s) = &query.search_text {
            params.query.insert("searchText".into(), s.as_str().into());
        }
        if let Some(n) = query.limit {
            params.query.insert("limit".into(), n.to_string().into());
        }
        if let Some(n) = query.skip {
            params.query.insert("skip".into(), n.to_string().into());
        }
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
            body: Some(serde_json::json!({ "tagIds": tag_ids })),
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
        non_empty_list(ops::SOCIAL_STATISTICS, "profileIds", &request.profile_ids)?;
        let params = RequestParams {
            body: serde_json::to_value(request).ok(),
            ..Default::default()
        };
        self.build(ops::SOCIAL_STATISTICS, &params, token)
    }

    /// `GET /social-media-posting/{locationId}/accounts`.
    pub fn social_accounts(&self, token: &Token) -> Result<HttpRequest, RequestError> {
        self.build(ops::SOCIAL_ACCOUNTS, &RequestParams::default(), token)
    }
}
