//! The rules document (version 1) as Rust types: what the mapping-rules UI edits, what
//! the JSON Schema and TypeScript types are generated from.
//!
//! These types are the grammar: the compiler ([`crate::compile`]) reads a
//! document into them part by part (with a problem for every part that does not fit),
//! and the JSON Schema and the TypeScript types are generated from them.
//!
//! Invariant: a document the compiler accepts is read into [`RulesDocument`] exactly
//! as serde would read it, and serializing it back gives an equivalent document that
//! compiles to the same rules (tested).

use crate::codec::{FromJson, ToJson};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A field that is `Some` whenever it is present, `null` included (plain `Option`
/// reads an explicit `null` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// [`present`] for the codec (`#[json(decode_with)]`).
fn present_json(v: Value) -> Result<Option<Value>, crate::codec::DecodeError> {
    Ok(Some(v))
}

/// A mapping-rules document.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulesDocument {
    /// Format version; always 1.
    pub version: u32,
    /// Optional name shown in the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Document-wide settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// Field mappings of the default rule set, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<Mapping>,
    /// Tag rules of the default rule set, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_rules: Vec<TagRule>,
    /// Lead scoring of the default rule set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
    /// Routes: the first whose condition holds adds its rules after the default ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

/// Document-wide settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// ISO-2 country for phone numbers written without a country code (e.g. `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_country: Option<String>,
    /// Lower-case all tags (default true, as GHL stores them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowercase_tags: Option<bool>,
    /// Longest tag in characters (default 64); longer tags are cut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<usize>,
}

/// One field mapping: a value from the record (a path or a template), transformed,
/// written to a GHL contact field.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mapping {
    /// Rule id (unique in the document), shown in traces and problems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Source path: dots and brackets, indexes, `[*]` over arrays (e.g. `lead.email`,
    /// `answers[*].value`, `fields["First Name"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Instead of `from`: a template whose `{path}` placeholders are source paths
    /// (e.g. `{lead.first_name} {lead.last_name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The GHL contact field.
    pub to: Target,
    /// Transforms applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<TransformDef>,
    /// Only map when this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// Where a value goes.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Target {
    /// A standard contact field (`firstName`, `lastName`, `name`, `email`, `phone`,
    /// `companyName`, `address1`, `city`, `state`, `postalCode`, `country`, `website`,
    /// `timezone`, `source`, `dateOfBirth`) or `tags` (values become tags to add).
    Field(String),
    /// A custom field, by key or by id.
    Custom(CustomTarget),
}

/// A custom field target: exactly one of `customField` (a key such as
/// `contact.utm_source`, resolved to an id when compiling with the location's fields)
/// and `customFieldId`.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomTarget {
    /// Custom field key, e.g. `contact.utm_source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field: Option<String>,
    /// Custom field id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_field_id: Option<String>,
}

/// A transform: a bare name (`"trim"`) or an object with `op` and parameters.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum TransformDef {
    /// A transform without parameters: `trim`, `lowercase`, `uppercase`, `titleCase`,
    /// `firstName`, `lastName`, `join`, `number`, `boolean`, `date`, `email`, `phone`,
    /// `country`.
    Name(String),
    /// A transform with parameters.
    Op(Transform),
}

/// A transform with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Transform {
    /// Remove leading and trailing white space.
    Trim,
    /// Lower-case.
    Lowercase,
    /// Upper-case.
    Uppercase,
    /// Capitalise each word (`mary-jane o'neil` becomes `Mary-Jane O'Neil`).
    TitleCase,
    /// One part of a full name (`Smith, John` and `John Smith` both work).
    SplitName {
        /// `first` or `last`.
        part: NamePart,
    },
    /// Join a list into one text.
    Join {
        /// Between items (default `, `).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        separator: Option<String>,
    },
    /// Use this value when there is none (missing, null or blank).
    Default {
        /// The value.
        value: Value,
    },
    /// Replace the value by the table's entry for it.
    #[serde(rename_all = "camelCase")]
    Lookup {
        /// From value to replacement.
        table: BTreeMap<String, Value>,
        /// When the value is not in the table (otherwise it is kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<Value>,
        /// Compare exactly (default: ignoring case and surrounding spaces).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case_sensitive: Option<bool>,
    },
    /// Parse a number (`1,200.50`, `$30`).
    Number,
    /// Parse yes/no, true/false, on/off, 1/0, checked.
    Boolean,
    /// Parse a date into `YYYY-MM-DD`.
    #[serde(rename_all = "camelCase")]
    Date {
        /// Read `01/02/2024` as 1 February (default: 2 January, US order).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        day_first: Option<bool>,
    },
    /// Trim, lower-case and check an email address; invalid ones are dropped with a warning.
    Email,
    /// Normalise a phone number to E.164; invalid ones are dropped with a warning.
    Phone {
        /// ISO-2 country for numbers without a country code (default: the settings').
        #[serde(default, skip_serializing_if = "Option::is_none")]
        country: Option<String>,
    },
    /// Country name or code to ISO-2 (`United States of America` becomes `US`).
    Country,
    /// The first match of a regular expression (or one of its groups).
    RegexExtract {
        /// Pattern (linear-time syntax: no look-around, no back-references).
        pattern: String,
        /// Capture group (default 0: the whole match).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<usize>,
    },
    /// Replace every match of a regular expression (`$1` refers to a group).
    RegexReplace {
        /// Pattern.
        pattern: String,
        /// Replacement.
        replacement: String,
    },
    /// Cut to at most this many characters.
    Truncate {
        /// Characters.
        length: usize,
    },
}

/// A part of a full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum NamePart {
    /// Given name.
    First,
    /// Family name.
    Last,
}

/// A condition. Either a test on the value at `path` (exactly one of `equals`, `in`,
/// `contains`, `startsWith`, `endsWith`, `matches`, `exists`, `blank`, `gt`, `gte`,
/// `lt`, `lte`; text is compared ignoring case unless `caseSensitive`; on a list the test
/// holds when it holds for any item), or a combination: `all`, `any`, `not`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// Source path of the tested value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Equal to this value (`null` is a value too: it holds for a null in the record).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[json(decode_with = "present_json")]
    pub equals: Option<Value>,
    /// Equal to one of these values.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Value>>,
    /// Text contains this (on a list: an item equals it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Text starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    /// Text ends with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_with: Option<String>,
    /// Text matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// The value is present (true) or missing/null (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// The value is missing, null, blank text or an empty list (true), or not (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank: Option<bool>,
    /// Number greater than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    /// Number greater than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    /// Number less than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    /// Number less than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// Compare text exactly (default false: ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_sensitive: Option<bool>,
    /// All of these hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    /// At least one of these holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    /// This does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
}

/// Add or remove tags when a condition holds (always, without one).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Tags to add; `{path}` placeholders are filled from the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    /// Tags to remove; templates as for `add`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// Lead scoring: a start value, points per rule, bounds, thresholds that set tags, and
/// where to write the score.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scoring {
    /// Path of the score so far in the record (e.g. the contact's current score); 0 without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Score rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ScoreRule>,
    /// Lowest score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Highest score (a cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Thresholds in ascending order: the highest one reached adds its tags and removes
    /// the other thresholds' tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Where the score goes (usually a custom field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_to: Option<Target>,
}

/// Points for a condition or per occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScoreRule {
    /// Rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Condition (always, without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Points (may be negative).
    pub points: i64,
    /// Give the points once per item at this path (e.g. `events[*]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Most points this rule gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<i64>,
}

/// A score threshold.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Threshold {
    /// Score at which it is reached.
    pub at: i64,
    /// Tags added when it is the highest threshold reached.
    pub tags: Vec<String>,
}

/// A rule set chosen by a condition (e.g. one Wishpond campaign).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    /// Route id (reported as `ruleSet`).
    pub id: String,
    /// When this route applies.
    pub when: Condition,
    /// Mappings applied after the default ones (a later value for the same field wins).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<Mapping>,
    /// Tag rules applied after the default ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_rules: Vec<TagRule>,
    /// Scoring used instead of the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
}

/// The standard GHL contact fields a mapping can write, in output order: the string
/// fields of the upsert body ([`crate::contact::STRING_FIELDS`]).
pub const STANDARD_FIELDS: [&str; 15] = crate::contact::STRING_FIELDS;
