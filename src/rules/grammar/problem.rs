//! A problem in a rules document (JSON Pointer, stable code, plain message). Part of
//! the engine crate because [`crate::RulesError::Invalid`] lists them; finding them is
//! compiling's (`ghl-bridge-rules`).

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

/// One problem in a rules document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// JSON Pointer of the offending part (`""` for the whole document).
    pub pointer: String,
    /// Stable code, e.g. `UNKNOWN_TRANSFORM`.
    pub code: String,
    /// What is wrong and how to fix it, in plain words.
    pub message: String,
}
