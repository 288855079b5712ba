//! The one error type of the statistics domain.

use serde_json::{json, Value};

use crate::error::Coded;

/// Everything that can go wrong in the statistics domain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
    /// A GHL response body did not have the documented shape.
    #[error("{operation}: unexpected response body: {reason}")]
    BadResponse {
        /// Operation id.
        operation: String,
        /// What did not fit.
        reason: String,
    },
    /// GHL answered with `success: false`.
    #[error("{operation}: GHL reported failure (status {status}): {message}")]
    GhlFailure {
        /// Operation id.
        operation: String,
        /// `statusCode` of the body.
        status: u16,
        /// `message` of the body.
        message: String,
    },
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
            StatsError::BadResponse { .. } => "STATS_BAD_RESPONSE",
            StatsError::GhlFailure { .. } => "STATS_GHL_FAILURE",
            StatsError::BadHostPoint { .. } => "STATS_BAD_HOST_POINT",
            StatsError::InvalidSchedule { .. } => "STATS_INVALID_SCHEDULE",
            StatsError::ScheduleOverflow { .. } => "STATS_SCHEDULE_OVERFLOW",
        }
    }

    fn details(&self) -> Value {
        match self {
            StatsError::BlankLocation => json!({}),
            StatsError::NoProfiles { location_id } => json!({"locationId": location_id}),
            StatsError::NoSupportedPlatform {
                location_id,
                requested,
            } => json!({"locationId": location_id, "requested": requested}),
            StatsError::BadResponse { operation, reason } => {
                json!({"operation": operation, "reason": reason})
            }
            StatsError::GhlFailure {
                operation,
                status,
                message,
            } => json!({"operation": operation, "status": status, "message": message}),
            StatsError::BadHostPoint {
                index,
                metric,
                reason,
            } => json!({"index": index, "metric": metric, "reason": reason}),
            StatsError::InvalidSchedule { reason } => json!({"reason": reason}),
            StatsError::ScheduleOverflow { now_ms } => json!({"nowMs": now_ms}),
        }
    }
}
