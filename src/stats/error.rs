//! The one error type of the statistics domain.

use crate::codec::ToJson;
use crate::error::Coded;
use crate::request::BodyError;

/// Everything that can go wrong in the statistics domain.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum StatsError {
    /// The location id is empty or white space.
    #[error("statistics: the location id is blank")]
    BlankLocation,
    /// No profile id was given (the API needs at least one).
    #[error("statistics request for location '{location_id}': no profile ids (at least one is required)")]
    NoProfiles {
        /// Location of the request.
        location_id: String,
    },
    /// Platforms were asked for, but none of them has statistics.
    #[error("statistics request for location '{location_id}': none of the platforms {requested:?} has statistics (only linkedin pages and tiktok business accounts do)")]
    NoSupportedPlatform {
        /// Location of the request.
        location_id: String,
        /// The platforms asked for.
        requested: Vec<String>,
    },
    /// A GHL response body did not have the documented shape (`STATS_BAD_RESPONSE`),
    /// or GHL answered `success: false` (`STATS_GHL_FAILURE`).
    #[error(transparent)]
    Response(#[from] BodyError),
    /// A host metric point is not usable.
    #[error("host point {index} ('{metric}'): {reason}")]
    BadHostPoint {
        /// Index in the list given.
        index: usize,
        /// Its metric.
        metric: String,
        /// Why.
        reason: String,
    },
    /// A schedule is not valid.
    #[error("schedule is not valid: {reason}")]
    InvalidSchedule {
        /// Why.
        reason: String,
    },
    /// The next run would be past the range of milliseconds since 1970 in a `u64`.
    #[error("schedule: the next run after {now_ms} is out of range")]
    ScheduleOverflow {
        /// The time asked about.
        now_ms: u64,
    },
}

impl Coded for StatsError {
    fn code(&self) -> &'static str {
        match self {
            StatsError::BlankLocation => "STATS_BLANK_LOCATION",
            StatsError::NoProfiles { .. } => "STATS_NO_PROFILES",
            StatsError::NoSupportedPlatform { .. } => "STATS_NO_SUPPORTED_PLATFORM",
            StatsError::Response(e) if e.is_failure() => "STATS_GHL_FAILURE",
            StatsError::Response(_) => "STATS_BAD_RESPONSE",
            StatsError::BadHostPoint { .. } => "STATS_BAD_HOST_POINT",
            StatsError::InvalidSchedule { .. } => "STATS_INVALID_SCHEDULE",
            StatsError::ScheduleOverflow { .. } => "STATS_SCHEDULE_OVERFLOW",
        }
    }
}
