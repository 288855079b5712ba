//! Social-planner accounts and statistics as GHL sends them (`get-account`,
//! `get-social-media-statistics`), plus the statistics request body.
//!
//! Invariants: decoding is tolerant. Every field may be missing or `null` (it decodes
//! to its default: empty list/map, `None`); unknown fields are ignored. Platform keys in
//! the statistics maps stay strings, so a platform GHL adds later (or `twitter`, which
//! accounts may carry) does not break decoding. Numbers are `f64`.

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedMap;

use serde::{Deserialize, Serialize};

use crate::tags::model::lenient;

/// A social platform the statistics API knows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    ToJson,
    Deserialize,
    FromJson,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Facebook.
    Facebook,
    /// Instagram.
    Instagram,
    /// LinkedIn (statistics: pages only).
    Linkedin,
    /// Google Business Profile.
    Google,
    /// Pinterest.
    Pinterest,
    /// YouTube.
    Youtube,
    /// TikTok (statistics: business accounts only).
    Tiktok,
}

impl Platform {
    /// All platforms, in the spec's order.
    pub const ALL: [Platform; 7] = [
        Platform::Facebook,
        Platform::Instagram,
        Platform::Linkedin,
        Platform::Google,
        Platform::Pinterest,
        Platform::Youtube,
        Platform::Tiktok,
    ];

    /// The name on the wire (`linkedin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Linkedin => "linkedin",
            Platform::Google => "google",
            Platform::Pinterest => "pinterest",
            Platform::Youtube => "youtube",
            Platform::Tiktok => "tiktok",
        }
    }

    /// A platform from its wire name (case-insensitive, trimmed).
    pub fn parse(s: &str) -> Option<Platform> {
        let s = s.trim();
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// True for the platforms whose statistics GHL provides (LinkedIn pages, TikTok
    /// business accounts).
    pub fn has_statistics(self) -> bool {
        matches!(self, Platform::Linkedin | Platform::Tiktok)
    }

    /// The account `type` statistics need on this platform (`page`, `business`).
    pub fn statistics_account_type(self) -> Option<&'static str> {
        match self {
            Platform::Linkedin => Some("page"),
            Platform::Tiktok => Some("business"),
            _ => None,
        }
    }

    /// A label for people (`LinkedIn`).
    pub fn label(self) -> &'static str {
        match self {
            Platform::Facebook => "Facebook",
            Platform::Instagram => "Instagram",
            Platform::Linkedin => "LinkedIn",
            Platform::Google => "Google",
            Platform::Pinterest => "Pinterest",
            Platform::Youtube => "YouTube",
            Platform::Tiktok => "TikTok",
        }
    }
}

/// A connected social account (`GetAccountSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Account id.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub id: String,
    /// OAuth connection id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_id: Option<String>,
    /// Profile id: what statistics requests take.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub profile_id: String,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub name: String,
    /// Platform as sent (may be one [`Platform`] lacks, e.g. `twitter`).
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub platform: String,
    /// Account type as sent (e.g. `page`, `business`, `profile`, `location`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// Expiry of the connection (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire: Option<String>,
    /// True when the connection expired.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub is_expired: bool,
    /// Platform-specific extras.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
}

impl Account {
    /// The platform, when it is one of [`Platform`].
    pub fn platform_kind(&self) -> Option<Platform> {
        Platform::parse(&self.platform)
    }
}

/// A group of accounts (`GetGroupSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountGroup {
    /// Group id.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub id: String,
    /// Group name.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub name: String,
    /// Member account ids.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub account_ids: Vec<String>,
}

/// `results` of the accounts response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountsResults {
    /// Connected accounts.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub accounts: Vec<Account>,
    /// Account groups.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub groups: Vec<AccountGroup>,
}

/// The accounts response (`AccountsListResponseDTO`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountsResponse {
    /// Success flag (`true` when absent).
    #[serde(default = "lenient::yes", deserialize_with = "lenient::null_true")]
    #[json(decode_with = "lenient::null_true_json")]
    pub success: bool,
    /// `statusCode` of the body (0 when absent).
    #[serde(default, deserialize_with = "lenient::status")]
    #[json(decode_with = "lenient::status_json")]
    pub status_code: u16,
    /// Message.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub message: String,
    /// Accounts and groups.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub results: AccountsResults,
}

/// The statistics request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatisticsRequest {
    /// Profile ids (at least one).
    pub profile_ids: Vec<String>,
    /// Platforms to filter by (absent: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<Platform>>,
}

/// The statistics response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatisticsResponse {
    /// The analytics.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub results: StatisticsResults,
    /// Message (`Analytics Built Successfully`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Trace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// Metric name → number (e.g. `totals`: posts, likes, followers, impressions, comments).
pub type MetricTotals = SortedMap<String, f64>;

/// `results` of the statistics response: the last 7 days, compared with the 7 before.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatisticsResults {
    /// Day names of the period, oldest first (`Mon` … `Sun`).
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub day_range: Vec<String>,
    /// 7-day totals by metric (posts, likes, followers, impressions, comments).
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub totals: MetricTotals,
    /// Daily post performance.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub post_performance: PostPerformance,
    /// Totals and changes by metric and platform.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub breakdowns: Breakdowns,
    /// Per-platform totals with daily series, by metric (impressions, followers,
    /// likes).
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub platform_totals: SortedMap<String, SortedMap<String, PlatformTotal>>,
    /// Demographics, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demographics: Option<serde_json::Value>,
}

/// `postPerformance`: daily values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PostPerformance {
    /// Posts per day, by platform.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub posts: SortedMap<String, Vec<f64>>,
    /// Impressions per day, all platforms.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub impressions: Vec<f64>,
    /// Likes per day, all platforms.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub likes: Vec<f64>,
    /// Comments per day, all platforms.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub comments: Vec<f64>,
}

/// `breakdowns`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Breakdowns {
    /// Posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<Breakdown>,
    /// Impressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impressions: Option<Breakdown>,
    /// Reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Breakdown>,
    /// Engagement by platform.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub engagement: SortedMap<String, Engagement>,
}

/// One metric's breakdown: total, change, and per platform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// Total of the 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Change against the previous 7 days, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_change: Option<f64>,
    /// By platform.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub platforms: SortedMap<String, ValueChange>,
}

/// A value with its change in percent against the previous 7 days.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValueChange {
    /// Value of the 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Change in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
}

/// Engagement of one platform.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    /// Likes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes: Option<f64>,
    /// Comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<f64>,
    /// Shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<f64>,
    /// Change in percent (of likes + comments + shares).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
}

/// One platform's total and daily series.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlatformTotal {
    /// Total of the 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Daily values, oldest first.
    #[serde(default, deserialize_with = "lenient::null_default")]
    #[json(decode_with = "lenient::null_default_json")]
    pub series: Vec<f64>,
}
