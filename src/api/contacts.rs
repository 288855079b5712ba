//! Contacts: upsert, get, add and remove tags, and the contact result types.
//!
//! Remember (FACTS): `tags` sent on upsert **replaces** all of a contact's tags; use
//! [`RequestBuilder::add_contact_tags`] / [`RequestBuilder::remove_contact_tags`] to
//! change tags without losing others.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{body1, invalid, is_string_list, non_empty_list, ops, path1, string_list};
use crate::http::{HttpRequest, RequestParams, Token};
use crate::request::{ParamPlace, RequestBuilder, RequestError};
// The contact fields live with the mapping rules (their own crate), which write them.
pub use crate::rules::contact::{ContactFields, STRING_FIELDS};

/// A custom field value to write: `{id, key?, field_value}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpsertContact {
    /// The text fields (name, email, phone, address, ...).
    #[serde(flatten)]
    pub fields: ContactFields,
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
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactCustomField {
    /// Custom field id.
    pub id: String,
    /// The value (string, number or array, by field type).
    #[serde(default)]
    pub value: Value,
}

/// A contact as GHL returns it (the fields this product reads; others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Contact id.
    pub id: String,
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
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
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpsertContactResult {
    /// True when a contact was created, false when one was updated.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub new: bool,
    /// The contact after the upsert.
    pub contact: Contact,
    /// GHL's trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub trace_id: Option<String>,
}

/// The answer to get-contact: `{contact}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactResult {
    /// The contact.
    pub contact: Contact,
}

/// The answer to add-tags and remove-tags: `{tags}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContactTagsResult {
    /// The tags (as GHL reports them).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub tags: Vec<String>,
}

/// A [`CustomFieldValue`] given as JSON, rebuilt with only its own fields; `None`
/// when `id` is not a string, `key` neither a string nor `null`, or `field_value`
/// is missing.
fn custom_field_value(v: &Value) -> Option<Value> {
    let mut out = Map::new();
    match v.get("id") {
        Some(id @ Value::String(_)) => out.insert("id".to_string(), id.clone()),
        _ => return None,
    };
    match v.get("key") {
        None | Some(Value::Null) => {}
        Some(key @ Value::String(_)) => {
            out.insert("key".to_string(), key.clone());
        }
        Some(_) => return None,
    }
    let value = v.get("field_value")?.clone();
    out.insert("field_value".to_string(), value);
    Some(Value::Object(out))
}

impl RequestBuilder {
    /// `POST /contacts/upsert` with `locationId` from the configuration.
    pub fn upsert_contact(
        &self,
        token: &Token,
        contact: &UpsertContact,
    ) -> Result<HttpRequest, RequestError> {
        self.upsert_contact_value(token, crate::codec::to_value(contact))
    }

    /// [`RequestBuilder::upsert_contact`] for an [`UpsertContact`] given as JSON (what
    /// the Wasm binding passes: one JSON decoder instead of one per argument type).
    /// The fields are checked as the typed form would check them (names are strings,
    /// `tags` a list of strings, `customFields` a list of `{id, key?, field_value}`;
    /// `null` means absent) and a wrong type is `INVALID_PARAMETER`; other fields are
    /// sent as they are.
    pub fn upsert_contact_value(
        &self,
        token: &Token,
        contact: Value,
    ) -> Result<HttpRequest, RequestError> {
        let op = ops::UPSERT_CONTACT;
        if self.location_id().is_empty() {
            return Err(RequestError::MissingParameter {
                operation: op.to_string(),
                name: "locationId".to_string(),
                place: ParamPlace::Body,
            });
        }
        let given = match contact {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(invalid(op, "contact", "'contact' must be an object")),
        };
        // Copied into a new map rather than edited in place: removing from a map
        // costs the module more than inserting into one.
        let mut body = Map::new();
        for (k, v) in given {
            let known = STRING_FIELDS.contains(&k.as_str());
            if v.is_null() && (known || k == "tags" || k == "customFields") {
                continue;
            }
            if known && !v.is_string() {
                return Err(invalid(op, &k, &format!("'{k}' must be a string")));
            }
            if k == "tags" && !is_string_list(&v) {
                return Err(invalid(op, "tags", "'tags' must be a list of strings"));
            }
            if k == "customFields" {
                let Value::Array(items) = &v else {
                    return Err(invalid(op, "customFields", "'customFields' must be a list"));
                };
                let fields = items
                    .iter()
                    .map(custom_field_value)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        invalid(
                            op,
                            "customFields",
                            "'customFields' items must be {id, key?, field_value} with a string id and key",
                        )
                    })?;
                if !fields.is_empty() {
                    body.insert(k, Value::Array(fields));
                }
                continue;
            }
            body.insert(k, v);
        }
        body.insert(
            "locationId".to_string(),
            Value::String(self.location_id().to_string()),
        );
        let params = RequestParams {
            body: Some(Value::Object(body)),
            ..Default::default()
        };
        self.build(op, &params, token)
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
            body: body1("tags", string_list(tags)),
            ..Default::default()
        };
        self.build(op, &params, token)
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
            scopes: vec!["contacts.write".into()],
            base_url: None,
        })
        .unwrap()
    }

    fn body(r: &HttpRequest) -> Value {
        serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn json_upsert_matches_the_typed_form() {
        let t = Token::new("pit-x");
        let given = json!({
            "email": "a@b.co", "phone": null, "tags": ["vip"], "dnd": true, "assignedTo": null,
            "customFields": [{"id": "f1", "field_value": 5, "key": null, "junk": 1}, {"id": "f2", "key": "k", "field_value": null}]
        });
        let typed: UpsertContact = serde_json::from_value(given.clone()).unwrap();
        let a = b().upsert_contact(&t, &typed).unwrap();
        let v = b().upsert_contact_value(&t, given).unwrap();
        assert_eq!(a, v);
        assert_eq!(
            body(&v),
            json!({
                "email": "a@b.co", "tags": ["vip"], "dnd": true, "assignedTo": null,
                "locationId": "loc1",
                "customFields": [{"id": "f1", "field_value": 5}, {"id": "f2", "key": "k", "field_value": null}]
            })
        );
        let empty = b()
            .upsert_contact_value(&t, json!({"email": "a@b.co", "customFields": []}))
            .unwrap();
        assert_eq!(
            body(&empty),
            json!({"email": "a@b.co", "locationId": "loc1"})
        );
    }

    #[test]
    fn json_upsert_refuses_wrong_types() {
        let t = Token::new("pit-x");
        for (given, name) in [
            (json!({"email": 5}), "email"),
            (json!({"firstName": ["a"]}), "firstName"),
            (json!({"dateOfBirth": 19900315}), "dateOfBirth"),
            (json!({"tags": "vip"}), "tags"),
            (json!({"tags": [1]}), "tags"),
            (json!({"customFields": {}}), "customFields"),
            (
                json!({"customFields": [{"field_value": 1}]}),
                "customFields",
            ),
            (
                json!({"customFields": [{"id": "f", "key": 3}]}),
                "customFields",
            ),
            (json!([1]), "contact"),
        ] {
            let e = b().upsert_contact_value(&t, given.clone()).unwrap_err();
            assert_eq!(e.code(), "INVALID_PARAMETER", "{given}");
            assert_eq!(e.details()["parameter"], name, "{given}");
            assert!(serde_json::from_value::<UpsertContact>(given).is_err());
        }
    }
}
