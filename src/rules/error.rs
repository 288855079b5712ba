//! Everything that can go wrong with rules or with applying them (reading a document
//! from text is `parse_document` in `ghl-bridge-rules`).
//!
//! Invariant: every variant has a stable code ([`Coded`]) and names what and where.

use crate::codec::ToJson;
use crate::convention::Coded;

use crate::problem::Problem;

/// Everything that can go wrong with rules or with applying them.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, ToJson)]
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
