//! Users of a location: `GET /users/search?companyId=&locationId=` (`search-users`).
//!
//! The spec marks `GET /users/?locationId=` (`get-user-by-location`) deprecated in
//! favour of the search, which needs the agency's `companyId` as well.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{invalid, object_arg, ops, opt_count, opt_string, put_page};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{RequestBuilder, RequestError};

/// A user's role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserRoles {
    /// `agency` or `account`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `admin` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Locations the user may access.
    #[serde(default)]
    pub location_ids: Vec<String>,
}

/// A GHL user (the fields this product reads; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id.
    pub id: String,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<UserRoles>,
    /// Deleted flag.
    #[serde(default)]
    pub deleted: bool,
}

/// The query of the users search; `locationId` is the configured location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UsersQuery {
    /// The agency (company) the location belongs to (required by GHL).
    pub company_id: String,
    /// Text to search names and emails for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Page size (GHL's default is 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Users to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
}

/// The answer to the users search: `{users, count}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UsersResult {
    /// The users (of this page).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub users: Vec<User>,
    /// How many users match in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl RequestBuilder {
    /// `GET /users/search?companyId=&locationId=` (the configured location).
    pub fn users(&self, token: &Token, query: &UsersQuery) -> Result<HttpRequest, RequestError> {
        self.users_parts(
            token,
            &query.company_id,
            query.query.as_deref(),
            query.limit.map(u64::from),
            query.skip.map(u64::from),
        )
    }

    /// [`RequestBuilder::users`] for a [`UsersQuery`] given as JSON (what the Wasm
    /// binding passes). A missing or blank `companyId`, or a field of the wrong type,
    /// is `INVALID_PARAMETER`.
    pub fn users_value(&self, token: &Token, query: &Value) -> Result<HttpRequest, RequestError> {
        let op = ops::USERS;
        object_arg(op, query, "query", false)?;
        let company = opt_string(op, query, "companyId")?.unwrap_or_default();
        let text = opt_string(op, query, "query")?;
        let limit = opt_count(op, query, "limit")?;
        self.users_parts(token, company, text, limit, opt_count(op, query, "skip")?)
    }

    fn users_parts(
        &self,
        token: &Token,
        company_id: &str,
        text: Option<&str>,
        limit: Option<u64>,
        skip: Option<u64>,
    ) -> Result<HttpRequest, RequestError> {
        let op = ops::USERS;
        if company_id.trim().is_empty() {
            return Err(invalid(
                op,
                "companyId",
                "'companyId' is required (the agency's id)",
            ));
        }
        let mut params = RequestParams::default();
        params.query.insert("companyId".into(), company_id.into());
        if !self.location_id().is_empty() {
            params
                .query
                .insert("locationId".into(), self.location_id().into());
        }
        if let Some(t) = text {
            params.query.insert("query".into(), t.into());
        }
        put_page(&mut params, limit, skip);
        self.build(op, &params, token)
    }
}
