//! The one error type of the tags domain.
//!
//! Invariant: messages say what went wrong and where (operation, load, path), and never
//! contain a token (nothing here ever sees one).

use serde_json::{json, Value};

use crate::error::Coded;

/// Everything that can go wrong in the tags domain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TagError {
    /// A GHL response body did not have the documented shape.
    #[error("{operation}: unexpected response body: {reason}")]
    BadResponse {
        /// Operation id (`service.operationId`).
        operation: String,
        /// What did not fit.
        reason: String,
    },
    /// GHL answered with `success: false`.
    #[error("{operation}: GHL reported failure (status {status}): {message}")]
    GhlFailure {
        /// Operation id.
        operation: String,
        /// `statusCode` of the body (0 when absent).
        status: u16,
        /// `message` of the body.
        message: String,
    },
    /// A page arrived for a load that is no longer the current one (it was abandoned
    /// after a timeout or a failure, or never existed).
    #[error("tag catalog of location '{location_id}': page for load {got} ignored, the current load is {current}")]
    StaleLoad {
        /// Location of the catalog.
        location_id: String,
        /// Load id the page claimed.
        got: u64,
        /// Current load id (0 when no load is in progress).
        current: u64,
    },
    /// Loading went past the configured page cap; the previous catalog is kept.
    #[error("tag catalog of location '{location_id}': stopped after {pages} pages ({loaded} tags of {count} announced); raise maxPages or check the API")]
    PageLimit {
        /// Location of the catalog.
        location_id: String,
        /// Pages read.
        pages: u32,
        /// Tags read so far.
        loaded: usize,
        /// Last `count` announced by GHL.
        count: u64,
    },
    /// The location id is empty or white space.
    #[error("tag catalog: the location id is blank")]
    BlankLocation,
    /// An enrichment path is not usable.
    #[error("enrichment path '{path}' is not valid: {reason}")]
    BadPath {
        /// The path as configured.
        path: String,
        /// Why.
        reason: String,
    },
}

impl Coded for TagError {
    fn code(&self) -> &'static str {
        match self {
            TagError::BadResponse { .. } => "TAGS_BAD_RESPONSE",
            TagError::GhlFailure { .. } => "TAGS_GHL_FAILURE",
            TagError::StaleLoad { .. } => "TAGS_STALE_LOAD",
            TagError::PageLimit { .. } => "TAGS_PAGE_LIMIT",
            TagError::BlankLocation => "TAGS_BLANK_LOCATION",
            TagError::BadPath { .. } => "TAGS_BAD_PATH",
        }
    }

    fn details(&self) -> Value {
        match self {
            TagError::BadResponse { operation, reason } => {
                json!({"operation": operation, "reason": reason})
            }
            TagError::GhlFailure {
                operation,
                status,
                message,
            } => json!({"operation": operation, "status": status, "message": message}),
            TagError::StaleLoad {
                location_id,
                got,
                current,
            } => json!({"locationId": location_id, "got": got, "current": current}),
            TagError::PageLimit {
                location_id,
                pages,
                loaded,
                count,
            } => {
                json!({"locationId": location_id, "pages": pages, "loaded": loaded, "count": count})
            }
            TagError::BlankLocation => json!({}),
            TagError::BadPath { path, reason } => json!({"path": path, "reason": reason}),
        }
    }
}
