//! The mapping-rules engine: a versioned JSON document of field mappings, transforms,
//! conditions, tag rules, routes and lead scoring, turned into GHL contact data.
//!
//! Life cycle: [`validate`] a document (every problem at once, each with a JSON
//! Pointer and a plain-language message), [`compile`] it once into [`CompiledRules`],
//! then apply it to many records with [`CompiledRules::apply_json`],
//! [`CompiledRules::apply_value`], [`CompiledRules::apply_json_text`] or the batch form
//! [`CompiledRules::apply_batch_json`].
//!
//! Speed: compiling collects every source path the rules read into a trie; applying
//! walks the record's JSON text once with a selective scanner ([`scan`]) that descends
//! only into keys and indexes the trie needs and skips everything else without
//! allocating. Extracted strings are borrowed from the input unless they hold escapes.
//! The batch form writes its results straight to JSON text. Hosts that hold records
//! as objects (JavaScript) read only the values the rules need themselves, following
//! [`CompiledRules::slot_plan`], and apply them with
//! [`CompiledRules::apply_slots_batch_json`] (the format is documented there).
//!
//! Invariants:
//! - Applying never panics, whatever the document and record: every failure is a
//!   [`RulesError`] (per record inside a batch), and every limit in [`Limits`] is
//!   checked and reported with its name and the value that exceeded it.
//! - Regular expressions run on a linear-time engine (`regex-lite`) with a size cap.
//! - Applying is deterministic: same document, same record, same result (no clock,
//!   no randomness, no I/O).
//! - Tags never go into the upsert body (GHL replaces all tags when it sees them);
//!   they come out as a diff: `tagsToAdd` and `tagsToRemove`.

mod apply;
mod compile;
mod conditions;
pub mod country;
pub mod date;
mod document;
mod path;
pub mod phone;
pub mod presets;
mod result;
pub mod scan;
mod slots;
mod tags;
mod text;
mod textops;
mod transforms;
mod validate;
mod write;

pub use compile::{compile, CompileContext, CompiledRules, CustomFieldDef};
pub use document::*;
pub use result::{
    ApplyOptions, CustomFieldValue, MappingResult, TraceEntry, TraceKind, UpsertBody, Warning,
};
pub use slots::{SlotNode, SlotPlan};
pub use validate::{validate, validate_with, Problem};

use serde::{Deserialize, Serialize};

use crate::error::Coded;

/// Configurable limits. Exceeding one is a [`RulesError::LimitExceeded`] (or a
/// validation problem for document limits) naming the limit and the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
        }
    }
}

/// Hard ceiling on nesting whatever the configured limit (keeps recursion shallow).
pub(crate) const HARD_MAX_DEPTH: usize = 512;

/// Everything that can go wrong with rules or with applying them.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum RulesError {
    /// The document has problems; all of them are listed.
    #[error("the mapping rules have {} problem(s): {}", problems.len(), summary(problems))]
    Invalid {
        /// Every problem found, in document order.
        problems: Vec<Problem>,
    },
    /// A configured limit was exceeded.
    #[error("{what} is {value}, more than the limit '{limit}' of {max}")]
    LimitExceeded {
        /// Name of the limit (the field of [`Limits`]).
        limit: &'static str,
        /// What was measured, in words.
        #[serde(skip)]
        what: &'static str,
        /// The measured value.
        value: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The record is not valid JSON.
    #[error("the record is not valid JSON: {message} (at byte {offset})")]
    BadRecord {
        /// Byte offset of the problem in the record text.
        offset: usize,
        /// What is wrong.
        #[serde(skip)]
        message: String,
    },
    /// A rules document given as text is not JSON.
    #[error("the rules document is not valid JSON: {message} (line {line}, column {column})")]
    NotJson {
        /// Line of the problem (1-based).
        line: usize,
        /// Column of the problem (1-based).
        column: usize,
        /// What is wrong.
        #[serde(skip)]
        message: String,
    },
    /// The record is JSON but not an object.
    #[error("the record must be a JSON object, not {found}")]
    RecordNotObject {
        /// The kind of JSON value found.
        found: &'static str,
    },
}

/// Reads a rules document from JSON text. A document nested too deeply to read is
/// [`RulesError::Invalid`] with one `TOO_DEEP` problem (so validation can report it);
/// text that is not JSON is [`RulesError::NotJson`].
pub fn parse_document(text: &str) -> Result<serde_json::Value, RulesError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        if message.starts_with("recursion limit exceeded") {
            return RulesError::Invalid {
                problems: vec![Problem {
                    pointer: String::new(),
                    code: "TOO_DEEP".into(),
                    message: "The document is nested too deeply to read (more than 127 levels of lists and objects).".into(),
                }],
            };
        }
        RulesError::NotJson {
            line: e.line(),
            column: e.column(),
            message: message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string(),
        }
    })
}

fn summary(problems: &[Problem]) -> String {
    let mut s = String::new();
    for (i, p) in problems.iter().take(3).enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        s.push_str(&p.message);
    }
    if problems.len() > 3 {
        s.push_str(&format!("; and {} more", problems.len() - 3));
    }
    s
}

impl Coded for RulesError {
    fn code(&self) -> &'static str {
        match self {
            RulesError::Invalid { .. } => "RULES_INVALID",
            RulesError::LimitExceeded { .. } => "RULES_LIMIT_EXCEEDED",
            RulesError::BadRecord { .. } => "RECORD_NOT_JSON",
            RulesError::NotJson { .. } => "RULES_NOT_JSON",
            RulesError::RecordNotObject { .. } => "RECORD_NOT_OBJECT",
        }
    }
}
