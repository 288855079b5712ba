//! Social-media statistics: requests, metric series, weekly reports and schedules.
//!
//! Flow: [`accounts_request`] → decode the accounts ([`decode_accounts`]) →
//! [`profiles_from_accounts`] → [`statistics_request`] → decode the results
//! ([`decode_statistics`]) → [`series::from_statistics`] → optionally
//! [`series::merge`] host metrics (Wishpond leads, Qwilr acceptances) → build a report
//! ([`report::to_markdown`], [`report::to_csv`], [`report::to_slack`]). When to do it
//! again: [`schedule::next_run`]. Nothing here sends anything.
//!
//! **Platforms.** GHL provides statistics only for LinkedIn pages and TikTok business
//! accounts. Decision: unsupported platforms are **filtered out with a warning**, not
//! rejected, so one stray platform in a configuration does not stop a weekly report.
//! But a request whose platforms were *all* unsupported is rejected
//! ([`StatsError::NoSupportedPlatform`]): dropping the filter would silently widen the
//! request to "all platforms". An empty platform list sends no `platforms` field (GHL:
//! all platforms). Accounts are selected the same way: an account counts when its
//! platform has statistics, it is not expired, and its `type`, when given, is the one
//! statistics need (`page` on LinkedIn, `business` on TikTok); a missing `type` is
//! accepted with a warning.
//!
//! Invariant: every failure is a [`StatsError`] with a stable code.

pub mod model;
pub mod report;
pub mod schedule;
pub mod series;

pub(crate) mod calendar;
mod error;

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedSet;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use error::StatsError;
pub use model::{
    Account, AccountsResponse, Platform, StatisticsRequest, StatisticsResponse, StatisticsResults,
};
pub use schedule::{next_run, Schedule, Weekday};
pub use series::{
    from_statistics, merge, Change, Day, HostPoint, MetricPoint, Series, SeriesOptions, WeeklyTotal,
};

use crate::http::RequestParams;
use crate::request::BodyError;

/// Operation id of the statistics (`POST /social-media-posting/statistics`).
pub const OP_STATISTICS: &str = "social-media-posting.get-social-media-statistics";
/// Operation id of the connected accounts (`GET /social-media-posting/{locationId}/accounts`).
pub const OP_ACCOUNTS: &str = "social-media-posting.get-account";

/// A request ready for the request builder, with what was dropped on the way.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsRequest {
    /// Operation id ([`OP_STATISTICS`] or [`OP_ACCOUNTS`]).
    pub operation: String,
    /// Parameters.
    pub params: RequestParams,
    /// Sentences for people about what was filtered out.
    pub warnings: Vec<String>,
}

/// The request for the connected accounts of a location.
pub fn accounts_request(location_id: &str) -> Result<StatsRequest, StatsError> {
    let location_id = location_id.trim();
    if location_id.is_empty() {
        return Err(StatsError::BlankLocation);
    }
    let mut params = RequestParams::default();
    params.path.insert("locationId".into(), json!(location_id));
    Ok(StatsRequest {
        operation: OP_ACCOUNTS.to_string(),
        params,
        warnings: Vec::new(),
    })
}

/// The statistics request: query `locationId`, body `{profileIds, platforms?}`.
/// Profile ids are trimmed and de-duplicated; platforms without statistics are dropped
/// with a warning (see the module doc for the decision).
pub fn statistics_request(
    location_id: &str,
    profile_ids: &[String],
    platforms: &[Platform],
) -> Result<StatsRequest, StatsError> {
    let location_id = location_id.trim();
    if location_id.is_empty() {
        return Err(StatsError::BlankLocation);
    }
    let mut seen = SortedSet::new();
    let ids: Vec<String> = profile_ids
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && seen.insert(*s))
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(StatsError::NoProfiles {
            location_id: location_id.to_string(),
        });
    }
    let mut warnings = Vec::new();
    let mut kept: Vec<Platform> = Vec::new();
    for p in platforms {
        if !p.has_statistics() {
            warnings.push(format!(
                "platform {} dropped: GHL has statistics only for LinkedIn pages and TikTok business accounts",
                p.as_str()
            ));
        } else if !kept.contains(p) {
            kept.push(*p);
        }
    }
    if !platforms.is_empty() && kept.is_empty() {
        return Err(StatsError::NoSupportedPlatform {
            location_id: location_id.to_string(),
            requested: platforms.iter().map(|p| p.as_str().to_string()).collect(),
        });
    }
    let body = StatisticsRequest {
        profile_ids: ids,
        platforms: if kept.is_empty() { None } else { Some(kept) },
    };
    let mut params = RequestParams::default();
    params.query.insert("locationId".into(), json!(location_id));
    params.body = Some(crate::codec::to_value(&body));
    Ok(StatsRequest {
        operation: OP_STATISTICS.to_string(),
        params,
        warnings,
    })
}

/// Profiles chosen from the connected accounts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProfileSelection {
    /// Profile ids to ask statistics for (distinct, in account order).
    pub profile_ids: Vec<String>,
    /// Platforms of those profiles (distinct, in [`Platform::ALL`] order).
    pub platforms: Vec<Platform>,
    /// Accounts left out, with the reason.
    pub skipped: Vec<SkippedAccount>,
    /// Accounts kept with a doubt.
    pub warnings: Vec<String>,
}

/// An account left out of a statistics request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SkippedAccount {
    /// Account id.
    pub account_id: String,
    /// Account name.
    pub name: String,
    /// Platform as sent.
    pub platform: String,
    /// Why.
    pub reason: String,
}

/// The accounts whose statistics GHL can provide, restricted to `platforms` when that
/// is not empty (see the module doc for the rules).
pub fn profiles_from_accounts(accounts: &[Account], platforms: &[Platform]) -> ProfileSelection {
    let mut out = ProfileSelection::default();
    let mut used = SortedSet::new();
    for a in accounts {
        let skip = |reason: String| SkippedAccount {
            account_id: a.id.clone(),
            name: a.name.clone(),
            platform: a.platform.clone(),
            reason,
        };
        let Some(p) = a.platform_kind() else {
            out.skipped.push(skip("platform has no statistics".into()));
            continue;
        };
        if !p.has_statistics() {
            out.skipped.push(skip("platform has no statistics".into()));
            continue;
        }
        if !platforms.is_empty() && !platforms.contains(&p) {
            out.skipped.push(skip("platform not selected".into()));
            continue;
        }
        if a.is_expired {
            out.skipped.push(skip("connection expired".into()));
            continue;
        }
        if a.profile_id.trim().is_empty() {
            out.skipped.push(skip("no profileId".into()));
            continue;
        }
        let wanted = p.statistics_account_type().unwrap_or_default();
        match a.account_type.as_deref().map(str::trim) {
            Some(t) if !t.eq_ignore_ascii_case(wanted) => {
                out.skipped.push(skip(format!(
                    "account type '{t}' has no statistics on {} (only '{wanted}')",
                    p.label()
                )));
                continue;
            }
            Some(_) => {}
            None => out.warnings.push(format!(
                "account '{}' ({}) has no type; statistics need a {} {wanted}",
                a.name,
                a.id,
                p.label()
            )),
        }
        if used.insert(a.profile_id.trim().to_string()) {
            out.profile_ids.push(a.profile_id.trim().to_string());
        }
        if !out.platforms.contains(&p) {
            out.platforms.push(p);
        }
    }
    crate::order::sort(&mut out.platforms);
    out
}

/// Decodes an accounts response body.
pub fn decode_accounts(body: &Value) -> Result<AccountsResponse, StatsError> {
    not_object(OP_ACCOUNTS, body)?;
    let r = AccountsResponse::from_json(body.clone())
        .map_err(|e| BodyError::shape(OP_ACCOUNTS, e.message()))?;
    if !r.success {
        return Err(BodyError::failure(OP_ACCOUNTS, r.status_code, r.message).into());
    }
    Ok(r)
}

/// Decodes a statistics response body.
pub fn decode_statistics(body: &Value) -> Result<StatisticsResponse, StatsError> {
    not_object(OP_STATISTICS, body)?;
    StatisticsResponse::from_json(body.clone())
        .map_err(|e| BodyError::shape(OP_STATISTICS, e.message()).into())
}

fn not_object(operation: &str, body: &Value) -> Result<(), StatsError> {
    if body.is_object() {
        Ok(())
    } else {
        Err(BodyError::not_object(operation).into())
    }
}
