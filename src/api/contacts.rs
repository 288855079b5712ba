//! Contacts: upsert, get, add and remove tags, and the contact result types.
//!
//! Remember (FACTS): `tags` sent on upsert **replaces** all of a contact's tags; use
//! [`RequestBuilder::add_contact_tags`] / [`RequestBuilder::remove_contact_tags`] to
//! change tags without losing others.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{non_empty_list, ops, path1};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{ParamPlace, RequestBuilder, RequestError};

/// A custom field value to write: `{id, key?, field_value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CustomFieldValue {
    /// Custom field id (from the location's custom fields).
    pub id: String,
    /// Field key (e.g. `contact.budget`), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value: a string, a number or an array of strings, by field type.
    pub field_value: Value,
}

/// The body of a contact upsert (the builder adds `locationId`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email (a match key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone (a match key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Source label (e.g. `wishpond`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Tags. Sent on upsert they **replace** all of the contact's tags; leave `None`
    /// to keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
    /// Any other documented field (e.g. `dnd`, `assignedTo`), sent as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A custom field value on a contact read back: `{id, value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactCustomField {
    /// Custom field id.
    pub id: String,
    /// The value (string, number or array, by field type).
    #[serde(default)]
    pub value: Value,
}

/// A contact as GHL returns it (the fields this product reads; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Contact id.
    pub id: String,
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
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
    /// Company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Source label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Tags (names).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom field values.
    #[serde(default)]
    pub custom_fields: Vec<ContactCustomField>,
    /// Created at (ISO 8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    /// Updated at (ISO 8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
}

/// The answer to an upsert: `{new, contact, traceId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpsertContactResult {
    /// True when a contact was created, false when one was updated.
    #[serde(default)]
    pub new: bool,
    /// The contact after the upsert.
    pub contact: Contact,
    /// GHL's trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// The answer to get-contact: `{contact}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactResult {
    /// The contact.
    pub contact: Contact,
}

/// The answer to add-tags and remove-tags: `{tags}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactTagsResult {
    /// The tags (as GHL reports them).
    #[serde(default)]
    pub tags: Vec<String>,
}

impl RequestBuilder {
    /// `POST /contacts/upsert` with `locationId` from the configuration.
    pub fn upsert_contact(
        &self,
        token: &Token,
        contact: &UpsertContact,
    ) -> Result<HttpRequest, RequestError> {
        if self.location_id().is_empty() {
            return Err(RequestError::MissingParameter {
                operation: ops::UPSERT_CONTACT.to_string(),
                name: "locationId".to_string(),
                place: ParamPlace::Body,
            });
        }
        let mut body = match serde_json::to_value(contact) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        body.insert(
            "locationId".to_string(),
            Value::String(self.location_id().to_string()),
        );
        let params = RequestParams {
            body: Some(Value::Object(body)),
            ..Default::default()
        };
        self.build(ops::UPSERT_CONTACT, &params, token)
    }

    /// `GET /contacts/{contactId}`.
    pub fn get_contact(
        &self,
        token: &Token,
        contact_id: &str,
    ) -> Result<HttpRequest, RequestError> {
        let params = RequestParams {
            path: path1("contactId", contact_id),
            ..Default::default()
        };
        self.build(ops::GET_CONTACT, &params, token)
    }

    /// `POST /contacts/{contactId}/tags` `{tags}`: adds tags, keeping the others.
    pub fn add_contact_tags(
        &self,
        token: &Token,
        contact_id: &str,
        tags: &[String],
    ) -> Result<HttpRequest, RequestError> {
        self.contact_tags(ops::ADD_CONTACT_TAGS, token, contact_id, tags)
    }

    /// `DELETE /contacts/{contactId}/tags` `{tags}` (a DELETE with a body): removes
    /// tags, keeping the others.
    pub fn remove_contact_tags(
        &self,
        token: &Token,
        contact_id: &str,
        tags: &[String],
    ) -> Result<HttpRequest, RequestError> {
        self.contact_tags(ops::REMOVE_CONTACT_TAGS, token, contact_id, tags)
    }

    fn contact_tags(
        &self,
        op: &str,
        token: &Token,
        contact_id: &str,
        tags: &[String],
    ) -> Result<HttpRequest, RequestError> {
        non_empty_list(op, "tags", tags)?;
        let params = RequestParams {
            path: path1("contactId", contact_id),
            body: Some(serde_json::json!({ "tags": tags })),
            ..Default::default()
        };
        self.build(op, &params, token)
    }
}
