//! Location tags (list, create) and location custom fields (list, contact model).

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use super::{body1, invalid, ops};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{RequestBuilder, RequestError};

/// A location (contact) tag: `{id, name, locationId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LocationTag {
    /// Tag id.
    pub id: String,
    /// Tag name.
    pub name: String,
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
}

/// The answer to the location tags list: `{tags}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationTagsResult {
    /// The tags.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub tags: Vec<LocationTag>,
}

/// The answer to creating a location tag: `{tag}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationTagResult {
    /// The created tag.
    pub tag: LocationTag,
}

/// A location custom field (definition, not a value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// Field id (what contact custom field values are written with).
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Key (e.g. `contact.budget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_key: Option<String>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Data type (e.g. `TEXT`, `NUMERICAL`, `MULTIPLE_OPTIONS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Position in forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<f64>,
    /// Options of a pick list.
    #[serde(default)]
    pub picklist_options: Vec<String>,
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// `contact` or `opportunity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The answer to the custom fields list: `{customFields}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldsResult {
    /// The fields.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub custom_fields: Vec<CustomField>,
}

impl RequestBuilder {
    /// `GET /locations/{locationId}/tags`.
    pub fn location_tags(&self, token: &Token) -> Result<HttpRequest, RequestError> {
        self.build(ops::LOCATION_TAGS, &RequestParams::default(), token)
    }

    /// `POST /locations/{locationId}/tags` `{name}`; a blank name is refused.
    pub fn create_location_tag(
        &self,
        token: &Token,
        name: &str,
    ) -> Result<HttpRequest, RequestError> {
        if name.trim().is_empty() {
            return Err(invalid(
                ops::CREATE_LOCATION_TAG,
                "name",
                "the tag name is blank",
            ));
        }
        let params = RequestParams {
            body: body1("name", name.into()),
            ..Default::default()
        };
        self.build(ops::CREATE_LOCATION_TAG, &params, token)
    }

    /// `GET /locations/{locationId}/customFields?model=contact`.
    pub fn location_custom_fields(&self, token: &Token) -> Result<HttpRequest, RequestError> {
        let mut params = RequestParams::default();
        params.query.insert("model".into(), "contact".into());
        self.build(ops::LOCATION_CUSTOM_FIELDS, &params, token)
    }
}
