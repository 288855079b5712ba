//! The one error type of the tags domain.
//!
//! Invariant: messages say what went wrong and where (operation, load, path), and never
//! contain a token (nothing here ever sees one).

use crate::codec::ToJson;
use crate::error::Coded;
use crate::request::BodyError;

/// Everything that can go wrong in the tags domain.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum TagError {
    /// A GHL response body did not have the documented shape (`TAGS_BAD_RESPONSE`), or
    /// GHL answered `success: false` (`TAGS_GHL_FAILURE`).
    #[error(transparent)]
    Response(#[from] BodyError),
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
            TagError::Response(e) if e.is_failure() => "TAGS_GHL_FAILURE",
            TagError::Response(_) => "TAGS_BAD_RESPONSE",
            TagError::StaleLoad { .. } => "TAGS_STALE_LOAD",
            TagError::PageLimit { .. } => "TAGS_PAGE_LIMIT",
            TagError::BlankLocation => "TAGS_BLANK_LOCATION",
            TagError::BadPath { .. } => "TAGS_BAD_PATH",
        }
    }
}
