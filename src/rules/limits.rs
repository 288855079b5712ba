//! The configurable limits of documents, records and the work per record.
//!
//! Invariant: every limit is checked where the thing it bounds is read or produced, and
//! exceeding one is reported with the limit's name and the measured value.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

/// Configurable limits. Exceeding one is a [`RulesError::LimitExceeded`] (or a
/// validation problem for document limits) naming the limit and the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Deepest nesting of a record (arrays and objects) and of a document's conditions.
    pub max_depth: usize,
    /// Largest record, in bytes of JSON text.
    pub max_record_bytes: usize,
    /// Most rules in a document (mappings, tag rules, score rules and routes together).
    pub max_rules: usize,
    /// Longest string value the rules read from a record, in bytes.
    pub max_string_len: usize,
    /// Longest regular expression pattern, in bytes.
    pub max_regex_len: usize,
    /// Most records in one batch.
    pub max_batch_records: usize,
    /// Most bytes of text the regular expressions may search for one record: every
    /// `matches` test, `regexExtract` and `regexReplace` counts the length of the text
    /// it searches (default 1 MiB; the work is linear in this).
    pub max_regex_bytes: usize,
    /// Largest value the rules may produce for one field, in bytes (a `regexReplace`,
    /// `join` or template result; default 64 KiB).
    pub max_field_bytes: usize,
    /// Most bytes of field values the rules may produce for one record, all fields
    /// together (default 1 MiB).
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_record_bytes: 1 << 20,
            max_rules: 1000,
            max_string_len: 64 * 1024,
            max_regex_len: 1000,
            max_batch_records: 1_000_000,
            max_regex_bytes: 1 << 20,
            max_field_bytes: 64 * 1024,
            max_output_bytes: 1 << 20,
        }
    }
}

/// Hard ceiling on nesting whatever the configured limit (keeps recursion shallow).
pub const HARD_MAX_DEPTH: usize = 512;
