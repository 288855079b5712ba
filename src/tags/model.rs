//! Social-planner tag data as GHL sends it (`SocialMediaTagSchema` and the list/details
//! responses of `get-tags-location-id` and `get-tags-by-ids`).
//!
//! Invariants: decoding is tolerant. Every field the spec does not require may be
//! missing or `null` (it decodes to its default); unknown fields are ignored. Only the
//! tag's `_id` is required: a tag without an id cannot be cached or referenced.
//! `count` may arrive as an integer or a float (`3.0`); negative or fractional values
//! are rejected.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Deserializer, Serialize};

/// A social-planner tag (`SocialMediaTagSchema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// Tag id (`_id` on the wire).
    #[serde(rename = "_id", alias = "id")]
    pub id: String,
    /// Tag name as written in GHL.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub tag: String,
    /// Location the tag belongs to (empty when GHL left it out).
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub location_id: String,
    /// User id of the creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// True when the tag was deleted in GHL.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub deleted: bool,
    /// Creation time (ISO 8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Last update time (ISO 8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The body of a tag list or tag details response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagsResponse {
    /// Success or failure as GHL reports it (`true` when absent).
    #[serde(default = "lenient::yes", deserialize_with = "lenient::null_true")]
    #[json(decode_with = "lenient::null_true_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub success: bool,
    /// `statusCode` of the body (0 when absent).
    #[serde(default, deserialize_with = "lenient::status")]
    #[json(decode_with = "lenient::status_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub status_code: u16,
    /// Message of the body.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub message: String,
    /// The tags and their count.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub results: TagsResults,
}

/// `results` of a tag list or tag details response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagsResults {
    /// Tags of this page.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub tags: Vec<Tag>,
    /// Total number of tags the location has (list) or that were found (details).
    #[serde(default, deserialize_with = "lenient::count")]
    #[json(decode_with = "lenient::count_json")]
    #[cfg_attr(feature = "schema", schemars(extend("x-always-sent" = true)))]
    pub count: Option<u64>,
}

/// Tolerant field decoders shared by the tags and stats models: GHL's loose fields,
/// each rule once over a JSON value (`*_json`, what the derived codecs call); the serde
/// functions read the value and apply the same rule.
pub(crate) mod lenient {
    use super::*;
    use crate::codec::{DecodeError, FromJson};
    use serde_json::Value;

    fn with<'de, D: Deserializer<'de>, T>(
        d: D,
        rule: fn(Value) -> Result<T, DecodeError>,
    ) -> Result<T, D::Error> {
        rule(Value::deserialize(d)?).map_err(|e| serde::de::Error::custom(e.message()))
    }

    /// `null` or missing decodes to the type's default.
    pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromJson + Default,
    {
        with(d, null_default_json::<T>)
    }

    /// [`null_default`] over a JSON value.
    pub(crate) fn null_default_json<T: FromJson + Default>(v: Value) -> Result<T, DecodeError> {
        match v {
            Value::Null => Ok(T::default()),
            v => T::from_json(v),
        }
    }

    /// Default of a flag that GHL may leave out: `true`.
    pub(crate) fn yes() -> bool {
        true
    }

    /// `null` decodes to `true`.
    pub(crate) fn null_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        with(d, null_true_json)
    }

    /// [`null_true`] over a JSON value.
    pub(crate) fn null_true_json(v: Value) -> Result<bool, DecodeError> {
        Ok(Option::<bool>::from_json(v)?.unwrap_or(true))
    }

    /// A non-negative whole number given as integer or float; `null` is `None`.
    pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        with(d, count_json)
    }

    /// [`count`] over a JSON value.
    pub(crate) fn count_json(v: Value) -> Result<Option<u64>, DecodeError> {
        match Option::<f64>::from_json(v)? {
            None => Ok(None),
            Some(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= 9.0e15 => {
                Ok(Some(f as u64))
            }
            Some(f) => Err(DecodeError::new(
                [
                    "count must be a non-negative whole number, got ",
                    &crate::codec::plain_f64(f),
                ]
                .concat(),
            )),
        }
    }

    /// A status code given as integer or float; `null` or out of range is 0.
    pub(crate) fn status<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        with(d, status_json)
    }

    /// [`status`] over a JSON value.
    pub(crate) fn status_json(v: Value) -> Result<u16, DecodeError> {
        Ok(match Option::<f64>::from_json(v)? {
            Some(f) if f.is_finite() && (0.0..=999.0).contains(&f) => f as u16,
            _ => 0,
        })
    }
}
