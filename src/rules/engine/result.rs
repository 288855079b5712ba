//! What applying rules to one record gives: the GHL upsert body, the tag diff, the
//! score, the chosen rule set, warnings and (on request) a trace.
//!
//! Invariant: the JSON text written by the batch form has exactly the shape of
//! [`MappingResult`]'s serde serialization (same keys, same order, same omissions).

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contact::ContactFields;

/// Options of one apply call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ApplyOptions {
    /// Record which rules fired and why (for the UI's preview). Off for bulk work.
    pub trace: bool,
}

/// The result of applying rules to one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MappingResult {
    /// The GHL upsert body (without `locationId` and without `tags`).
    pub upsert: UpsertBody,
    /// Tags to add (normalised, de-duplicated).
    pub tags_to_add: Vec<String>,
    /// Tags to remove.
    pub tags_to_remove: Vec<String>,
    /// The lead score, when the rules score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<i64>,
    /// The rule set that applied: a route id or `default`.
    pub rule_set: String,
    /// Things dropped or doubtful (e.g. an invalid email).
    pub warnings: Vec<Warning>,
    /// Which rules fired and why (only with `trace`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceEntry>,
}

/// The GHL contact upsert body the rules produce: the contact's text fields and the
/// custom field values (a value may name its field by key only, before keys are
/// resolved to ids).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpsertBody {
    /// The text fields (name, email, phone, address, ...).
    #[serde(flatten)]
    pub fields: ContactFields,
    /// Custom field values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomFieldValue>,
}

/// One custom field value, as GHL takes it.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "MappedCustomField"))]
pub struct CustomFieldValue {
    /// Field id (absent when the key could not be resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field key (e.g. `contact.utm_source`), when the rule named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Text, number or list of texts.
    pub field_value: Value,
}

/// Something dropped or doubtful while mapping.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// The rule id.
    pub rule: String,
    /// Stable code, e.g. `INVALID_EMAIL`.
    pub code: String,
    /// What happened, in plain words.
    pub message: String,
}

/// Kind of rule in a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum TraceKind {
    /// Route selection.
    Route,
    /// Field mapping.
    Mapping,
    /// Tag rule.
    Tag,
    /// Score rule.
    Score,
    /// Score threshold.
    Threshold,
}

/// One step of a trace.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TraceEntry {
    /// Rule id.
    pub rule: String,
    /// Kind of rule.
    pub kind: TraceKind,
    /// Did it fire?
    pub fired: bool,
    /// Why (or why not), in plain words.
    pub why: String,
    /// The value read, before transforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value written, after transforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}
