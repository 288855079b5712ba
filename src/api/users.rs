//! Users of a location (`GET /users/?locationId=`).

use serde::{Deserialize, Serialize};

use super::ops;
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{RequestBuilder, RequestError};

/// A user's role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// The answer to the users list: `{users}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UsersResult {
    /// The users.
    #[serde(default)]
    pub users: Vec<User>,
}

impl RequestBuilder {
    /// `GET /users/?locationId=` (the configured location).
    pub fn users(&self, token: &Token) -> Result<HttpRequest, RequestError> {
        self.build(ops::USERS, &RequestParams::default(), token)
    }
}
