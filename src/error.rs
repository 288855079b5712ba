//! The error convention every domain follows.
//!
//! Each domain has one `thiserror` enum. Each enum implements [`Coded`]: a stable,
//! machine-readable `code` (SCREAMING_SNAKE, never renamed once shipped), the human
//! message (its `Display`), and structured `details` (JSON) such as the JSON Pointer of
//! a bad rule, the GHL status and message, or the missing scope. The binding layer turns
//! any `Coded` value into a JavaScript `Error` in exactly one place.
//!
//! **Details are derived, not hand-kept**: every error enum derives `Serialize` and
//! `ToJson` as an untagged enum (each variant's fields in camelCase; `#[serde(rename)]`
//! where the details name a field differently, `#[serde(skip)]` for what only the
//! message carries), and [`Coded::details`] is that serialisation (written by the
//! codec's `ToJson`, the one writer in the Wasm module). A new variant or field
//! therefore shows up in the details by construction.
//!
//! Invariant: neither the message nor the details ever contain a token (the binding
//! additionally runs every message and detail through [`crate::redact::Scrubber`]).

use crate::codec::{FromJson, ToJson};
use serde_json::Value;

/// An error with a stable code and structured details.
pub trait Coded: std::error::Error + ToJson {
    /// Stable machine-readable code, e.g. `MISSING_SCOPE`.
    fn code(&self) -> &'static str;
    /// Structured details for programs (a JSON object; `{}` when there are none):
    /// the error's own serialisation (see the module doc).
    fn details(&self) -> Value {
        details_of(self)
    }
}

/// The serialisation of `value` as a details object: an object stays as it is,
/// anything else (a unit variant's `null`, a failure to serialise) is `{}`.
pub fn details_of<T: ToJson + ?Sized>(value: &T) -> Value {
    match crate::codec::to_value(value) {
        Value::Object(map) => Value::Object(map),
        _ => Value::Object(Default::default()),
    }
}

/// The serialisable form of any [`Coded`] error: what crosses the Wasm boundary and
/// what logs and reports store.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ToJson, serde::Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorReport {
    /// Stable code (in TypeScript: one of `ERROR_CODES`).
    #[cfg_attr(feature = "schema", schemars(extend("tsType" = "ErrorCode")))]
    pub code: String,
    /// Human message.
    pub message: String,
    /// Structured details.
    pub details: serde_json::Value,
}

/// A failed item of a batch, where the other items still have results:
/// `{"error": {code, message, details}}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ToJson, serde::Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchError {
    /// Why this item has no result.
    pub error: ErrorReport,
}

impl ErrorReport {
    /// Captures code, message and details of a coded error.
    pub fn of<E: Coded + ?Sized>(e: &E) -> Self {
        Self {
            code: e.code().to_string(),
            message: e.to_string(),
            details: e.details(),
        }
    }
}
