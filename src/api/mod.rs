//! Typed helpers for the GHL operations the product uses, and their result types.
//!
//! Each helper is a method on [`RequestBuilder`] that takes typed arguments, checks
//! the rules the spec states (e.g. at least one tag id) and returns the same
//! [`HttpRequest`] the generic [`RequestBuilder::build`] would, so scopes, encoding and
//! headers follow one set of rules. `locationId` always comes from the builder's
//! configuration. Responses are read with [`crate::request::decode`] into the types
//! here (contacts, location tags, custom fields, users); the social-planner result
//! types (tags, statistics, accounts) live in [`crate::tags`] and [`crate::stats`].
//!
//! Result types follow the OpenAPI response schemas, but leniently: unknown fields are
//! ignored and missing optional fields are fine, because GHL's answers do not always
//! match its documentation.
//!
//! [`HttpRequest`]: crate::http::HttpRequest
//! [`RequestBuilder`]: crate::request::RequestBuilder
//! [`RequestBuilder::build`]: crate::request::RequestBuilder::build

pub mod contacts;
pub mod locations;
pub mod social;
pub mod users;

pub use contacts::{
    Contact, ContactCustomField, ContactFields, ContactResult, ContactTagsResult, CustomFieldValue,
    UpsertContact, UpsertContactResult,
};
pub use locations::{
    CustomField, CustomFieldsResult, LocationTag, LocationTagResult, LocationTagsResult,
};
pub use social::SocialTagsQuery;
// The statistics request and its platforms are the statistics module's types.
pub use crate::stats::{Platform, StatisticsRequest};
pub use users::{User, UserRoles, UsersQuery, UsersResult};

/// Qualified names of the operations the helpers build (for [`crate::request::decode`]
/// and for plans).
pub mod ops {
    /// `POST /contacts/upsert`.
    pub const UPSERT_CONTACT: &str = "contacts.upsert-contact";
    /// `GET /contacts/{contactId}`.
    pub const GET_CONTACT: &str = "contacts.get-contact";
    /// `PUT /contacts/{contactId}` (update one contact by id; never creates).
    pub const UPDATE_CONTACT: &str = "contacts.update-contact";
    /// `POST /contacts/{contactId}/tags`.
    pub const ADD_CONTACT_TAGS: &str = "contacts.add-tags";
    /// `DELETE /contacts/{contactId}/tags`.
    pub const REMOVE_CONTACT_TAGS: &str = "contacts.remove-tags";
    /// `GET /locations/{locationId}/tags`.
    pub const LOCATION_TAGS: &str = "locations.get-location-tags";
    /// `POST /locations/{locationId}/tags`.
    pub const CREATE_LOCATION_TAG: &str = "locations.create-tag";
    /// `GET /locations/{locationId}/customFields`.
    pub const LOCATION_CUSTOM_FIELDS: &str = "locations.get-custom-fields";
    /// `GET /users/search?companyId=&locationId=` (`GET /users/?locationId=`,
    /// `users.get-user-by-location`, is deprecated in the spec).
    pub const USERS: &str = "users.search-users";
    /// `GET /social-media-posting/{locationId}/tags`.
    pub const SOCIAL_TAGS: &str = "social-media-posting.get-tags-location-id";
    /// `POST /social-media-posting/{locationId}/tags/details`.
    pub const SOCIAL_TAGS_BY_IDS: &str = "social-media-posting.get-tags-by-ids";
    /// `POST /social-media-posting/statistics?locationId=`.
    pub const SOCIAL_STATISTICS: &str = "social-media-posting.get-social-media-statistics";
    /// `GET /social-media-posting/{locationId}/accounts`.
    pub const SOCIAL_ACCOUNTS: &str = "social-media-posting.get-account";
}

use crate::request::RequestError;

/// `INVALID_PARAMETER` for a helper argument.
fn invalid(operation: &str, name: &str, reason: &str) -> RequestError {
    RequestError::InvalidParameter {
        operation: operation.to_string(),
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

/// An optional string field of a helper's JSON argument (`null` or absent: `None`).
fn opt_string<'a>(
    operation: &str,
    arg: &'a serde_json::Value,
    name: &str,
) -> Result<Option<&'a str>, RequestError> {
    match arg.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(
            operation,
            name,
            &format!("'{name}' must be a string"),
        )),
    }
}

/// An optional count field (a whole number up to 2^32 - 1) of a helper's JSON argument.
fn opt_count(
    operation: &str,
    arg: &serde_json::Value,
    name: &str,
) -> Result<Option<u64>, RequestError> {
    match arg.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= u64::from(u32::MAX))
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    operation,
                    name,
                    &format!("'{name}' must be a whole number (0 or more)"),
                )
            }),
    }
}

/// Checks that a helper's JSON argument is an object (or `null`, when `null_ok`).
fn object_arg(
    operation: &str,
    arg: &serde_json::Value,
    name: &str,
    null_ok: bool,
) -> Result<(), RequestError> {
    if arg.is_object() || (null_ok && arg.is_null()) {
        Ok(())
    } else {
        Err(invalid(
            operation,
            name,
            &format!("'{name}' must be an object"),
        ))
    }
}

/// True for a JSON array of strings.
fn is_string_list(v: &serde_json::Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().all(|x| x.is_string()))
}

/// Checks a list of ids or names: not empty, no blank item.
fn non_empty_list(operation: &str, name: &str, items: &[String]) -> Result<(), RequestError> {
    if items.is_empty() {
        return Err(invalid(
            operation,
            name,
            &format!("'{name}' needs at least one item"),
        ));
    }
    if items.iter().any(|s| s.trim().is_empty()) {
        return Err(invalid(
            operation,
            name,
            &format!("'{name}' has a blank item"),
        ));
    }
    Ok(())
}

/// Adds optional `limit` and `skip` to a query, as the decimal strings the spec types
/// them as.
fn put_page(params: &mut crate::http::RequestParams, limit: Option<u64>, skip: Option<u64>) {
    for (name, n) in [("limit", limit), ("skip", skip)] {
        if let Some(n) = n {
            params.query.insert(name.into(), n.to_string().into());
        }
    }
}

/// Path params holding one `(name, value)` pair.
fn path1(name: &str, value: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut m = std::collections::BTreeMap::new();
    m.insert(
        name.to_string(),
        serde_json::Value::String(value.to_string()),
    );
    m
}

/// A JSON body holding one field (built as a map: `json!` would bring the value
/// serializer into the Wasm module).
fn body1(name: &str, value: serde_json::Value) -> Option<serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert(name.to_string(), value);
    Some(serde_json::Value::Object(m))
}

/// A list of strings as a JSON array.
fn string_list(items: &[String]) -> serde_json::Value {
    serde_json::Value::Array(
        items
            .iter()
            .cloned()
            .map(serde_json::Value::String)
            .collect(),
    )
}
