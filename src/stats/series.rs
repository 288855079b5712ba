//! Statistics turned into metric series: daily points and 7-day totals with their
//! change against the previous 7 days, in one shape shared with host metrics.
//!
//! Dating the days: GHL sends only day names (`dayRange`, oldest first). The last one
//! is dated as the most recent day at or before "today" (local day of `nowMs` at the
//! fixed `utcOffsetMinutes`) with that weekday name; the others are the days before it.
//! An unreadable last name dates the period as ending today (with a warning). A missing
//! `dayRange` means 7 days ending today.
//!
//! Invariants:
//! - Points are `{metric, platform, source, value, timestampMs, date}`; `timestampMs` is
//!   local midnight of the day as UTC milliseconds, `date` is `YYYY-MM-DD`. Platform
//!   `all` means all platforms together.
//! - There is at most one point per (metric, platform, source, day) and one total per
//!   (metric, platform, source): the first source wins for GHL data (breakdowns, then
//!   engagement, then platform totals, then totals); host values for the same key are
//!   summed.
//! - GHL's `change` values are read as **percent** change against the previous 7 days
//!   (the spec does not state the unit). The previous value is derived as
//!   `value / (1 + change/100)` (rounded to 6 decimals); a change of -100 % leaves the
//!   previous value unknown. Computed changes: `absolute = value - previous`, `percent =
//!   absolute / previous * 100`, and `percent` is `None` when `previous` is 0.
//! - A daily series shorter or longer than `dayRange` is cut to the shorter length,
//!   with a warning.

use crate::codec::{FromJson, ToJson};
use crate::sorted::{SortedMap, SortedSet};

use serde::{Deserialize, Serialize};

use super::calendar::{
    iso_date, local_day, local_midnight_ms, parse_iso_date, weekday, WEEKDAY_SHORT,
};
use super::model::{Breakdown, StatisticsResults};
use super::StatsError;

/// Source name of GHL statistics.
pub const SOURCE_GHL: &str = "ghl";
/// Platform name of all-platform values.
pub const ALL_PLATFORMS: &str = "all";

/// How to date the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SeriesOptions {
    /// When the statistics were fetched (UTC ms).
    pub now_ms: u64,
    /// Local time minus UTC, in minutes (fixed; no DST).
    pub utc_offset_minutes: i32,
}

/// One day of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Local midnight as UTC ms.
    pub timestamp_ms: i64,
    /// `Mon` … `Sun`.
    pub weekday: String,
}

/// One daily value.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MetricPoint {
    /// Metric (e.g. `impressions`, `leads`).
    pub metric: String,
    /// Platform (`linkedin`, `all`, or a host name such as `wishpond`).
    pub platform: String,
    /// Who measured it (`ghl`, `wishpond`, `qwilr`).
    pub source: String,
    /// The value.
    pub value: f64,
    /// Local midnight of the day as UTC ms.
    pub timestamp_ms: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// A change between two periods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `current - previous` (`None` when the previous value is unknown).
    pub absolute: Option<f64>,
    /// Percent change (`None` when the previous value is 0 or unknown).
    pub percent: Option<f64>,
}

/// The change from `previous` to `current`.
pub fn change(current: f64, previous: f64) -> Change {
    let absolute = current - previous;
    Change {
        absolute: Some(absolute),
        percent: if previous == 0.0 {
            None
        } else {
            Some(absolute / previous.abs() * 100.0)
        },
    }
}

/// The 7-day total of a metric with its change.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WeeklyTotal {
    /// Metric.
    pub metric: String,
    /// Platform.
    pub platform: String,
    /// Source.
    pub source: String,
    /// Total of the period.
    pub value: f64,
    /// Total of the 7 days before (when known).
    pub previous: Option<f64>,
    /// Change against the previous 7 days (when known).
    pub change: Option<Change>,
}

/// Daily points and totals of one 7-day period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Series {
    /// The days, oldest first.
    pub days: Vec<Day>,
    /// Local time minus UTC, in minutes, used to date the days.
    pub utc_offset_minutes: i32,
    /// Daily points, in the order they were added.
    pub points: Vec<MetricPoint>,
    /// Period totals.
    pub totals: Vec<WeeklyTotal>,
    /// Sentences for people about data that did not fit.
    pub warnings: Vec<String>,
}

impl Series {
    /// The total of a metric for a platform and source.
    pub fn total(&self, metric: &str, platform: &str, source: &str) -> Option<&WeeklyTotal> {
        self.totals
            .iter()
            .find(|t| t.metric == metric && t.platform == platform && t.source == source)
    }

    /// The daily values of a metric for a platform and source, one per day (`None`
    /// where there is no point).
    pub fn daily(&self, metric: &str, platform: &str, source: &str) -> Vec<Option<f64>> {
        self.days
            .iter()
            .map(|d| {
                self.points
                    .iter()
                    .find(|p| {
                        p.metric == metric
                            && p.platform == platform
                            && p.source == source
                            && p.date == d.date
                    })
                    .map(|p| p.value)
            })
            .collect()
    }

    /// Fills missing previous values and changes from last period's series (same
    /// metric, platform and source).
    pub fn with_previous(mut self, previous: &Series) -> Series {
        for t in &mut self.totals {
            if t.previous.is_some() {
                continue;
            }
            if let Some(p) = previous.total(&t.metric, &t.platform, &t.source) {
                t.previous = Some(p.value);
                t.change = Some(change(t.value, p.value));
            }
        }
        self
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn total_from_percent(metric: &str, platform: &str, value: f64, pct: Option<f64>) -> WeeklyTotal {
    let (previous, ch) = match pct {
        Some(p) if p.is_finite() && p != -100.0 => {
            let previous = round6(value / (1.0 + p / 100.0));
            (
                Some(previous),
                Some(Change {
                    absolute: Some(round6(value - previous)),
                    percent: Some(p),
                }),
            )
        }
        Some(p) if p.is_finite() => (
            None,
            Some(Change {
                absolute: None,
                percent: Some(p),
            }),
        ),
        _ => (None, None),
    };
    WeeklyTotal {
        metric: metric.to_string(),
        platform: platform.to_string(),
        source: SOURCE_GHL.to_string(),
        value,
        previous,
        change: ch,
    }
}

fn day_of(i: usize, first: i64, offset: i32) -> Day {
    let day = first + i as i64;
    Day {
        date: iso_date(day),
        timestamp_ms: local_midnight_ms(day, offset),
        weekday: WEEKDAY_SHORT
            .get(weekday(day) as usize)
            .copied()
            .unwrap_or_default()
            .to_string(),
    }
}

fn weekday_of_name(name: &str) -> Option<u32> {
    let n = name.trim();
    WEEKDAY_SHORT
        .iter()
        .position(|w| n.len() >= 3 && n.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(w)))
        .map(|i| i as u32)
}

/// The series of one statistics response (see the module doc).
pub fn from_statistics(results: &StatisticsResults, opts: &SeriesOptions) -> Series {
    let offset = opts.utc_offset_minutes.clamp(-1080, 1080);
    let mut warnings = Vec::new();
    let n = if results.day_range.is_empty() {
        warnings.push("dayRange is missing: assumed the 7 days ending today".to_string());
        7
    } else {
        results.day_range.len()
    };
    let now = i64::try_from(opts.now_ms)
        .unwrap_or(i64::MAX / 2)
        .min(1 << 60);
    let today = local_day(now, offset);
    let last = match results.day_range.last().map(|s| (s, weekday_of_name(s))) {
        Some((_, Some(wd))) => today - (i64::from(weekday(today)) - i64::from(wd)).rem_euclid(7),
        Some((name, None)) => {
            warnings.push(format!(
                "day name '{name}' not understood: the period is dated as ending today"
            ));
            today
        }
        None => today,
    };
    let first = last - (n as i64 - 1);
    let days: Vec<Day> = (0..n).map(|i| day_of(i, first, offset)).collect();
    for (i, (name, d)) in results.day_range.iter().zip(&days).enumerate() {
        if weekday_of_name(name)
            .is_some_and(|w| WEEKDAY_SHORT.get(w as usize) != Some(&d.weekday.as_str()))
        {
            warnings.push(format!(
                "dayRange[{i}] is '{name}' but the day is a {}",
                d.weekday
            ));
        }
    }

    let mut points: Vec<MetricPoint> = Vec::new();
    let mut push_series =
        |metric: &str, platform: &str, values: &[f64], warnings: &mut Vec<String>| {
            if values.len() != n {
                warnings.push(format!(
                "{metric}/{platform}: {} daily values for {n} days; extra or missing days ignored",
                values.len()
            ));
            }
            for (v, d) in values.iter().zip(&days) {
                let dup = points
                    .iter()
                    .any(|p| p.metric == metric && p.platform == platform && p.date == d.date);
                if !dup {
                    points.push(MetricPoint {
                        metric: metric.to_string(),
                        platform: platform.to_string(),
                        source: SOURCE_GHL.to_string(),
                        value: *v,
                        timestamp_ms: d.timestamp_ms,
                        date: d.date.clone(),
                    });
                }
            }
        };
    for (metric, by_platform) in &results.platform_totals {
        for (platform, t) in by_platform {
            push_series(metric, platform, &t.series, &mut warnings);
        }
    }
    for (platform, values) in &results.post_performance.posts {
        push_series("posts", platform, values, &mut warnings);
    }
    let pp = &results.post_performance;
    for (metric, values) in [
        ("impressions", &pp.impressions),
        ("likes", &pp.likes),
        ("comments", &pp.comments),
    ] {
        if !values.is_empty() {
            push_series(metric, ALL_PLATFORMS, values, &mut warnings);
        }
    }

    let mut totals: Vec<WeeklyTotal> = Vec::new();
    let mut add_total = |t: WeeklyTotal| {
        if !totals
            .iter()
            .any(|x| x.metric == t.metric && x.platform == t.platform)
        {
            totals.push(t);
        }
    };
    let b = &results.breakdowns;
    let breakdowns: [(&str, &Option<Breakdown>); 3] = [
        ("posts", &b.posts),
        ("impressions", &b.impressions),
        ("reach", &b.reach),
    ];
    for (metric, bd) in breakdowns {
        let Some(bd) = bd else { continue };
        if let Some(total) = bd.total {
            add_total(total_from_percent(
                metric,
                ALL_PLATFORMS,
                total,
                bd.total_change,
            ));
        }
        for (platform, vc) in &bd.platforms {
            if let Some(v) = vc.value {
                add_total(total_from_percent(metric, platform, v, vc.change));
            }
        }
    }
    for (platform, e) in &b.engagement {
        let parts = [
            ("likes", e.likes),
            ("comments", e.comments),
            ("shares", e.shares),
        ];
        for (metric, v) in parts {
            if let Some(v) = v {
                add_total(total_from_percent(metric, platform, v, None));
            }
        }
        let sum: f64 = parts.iter().filter_map(|(_, v)| *v).sum();
        add_total(total_from_percent("engagement", platform, sum, e.change));
    }
    for (metric, by_platform) in &results.platform_totals {
        for (platform, t) in by_platform {
            if let Some(v) = t.total {
                add_total(total_from_percent(metric, platform, v, None));
            }
        }
    }
    for (metric, v) in &results.totals {
        add_total(total_from_percent(metric, ALL_PLATFORMS, *v, None));
    }

    Series {
        days,
        utc_offset_minutes: offset,
        points,
        totals,
        warnings,
    }
}

/// A metric measured by the host (e.g. Wishpond leads per day, Qwilr acceptances).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct HostPoint {
    /// Metric (e.g. `leads`, `acceptances`).
    pub metric: String,
    /// Platform; defaults to the source.
    #[serde(default)]
    pub platform: Option<String>,
    /// Source (e.g. `wishpond`, `qwilr`).
    pub source: String,
    /// The value (a count for the day).
    pub value: f64,
    /// Any instant of the day (UTC ms); the series' offset picks the local day.
    #[serde(default)]
    pub timestamp_ms: Option<i64>,
    /// The day, `YYYY-MM-DD` (used when `timestampMs` is absent).
    #[serde(default)]
    pub date: Option<String>,
}

/// The series with host metrics merged in: daily points of the period (values for the
/// same key and day are summed), period totals (sums) and, when the host gave days of
/// the 7 days before, their sums as previous values and the change. Points outside
/// both periods are dropped with a warning.
pub fn merge(series: &Series, host: &[HostPoint]) -> Result<Series, StatsError> {
    let mut out = series.clone();
    let Some(first) = series.days.first().and_then(|d| parse_iso_date(&d.date)) else {
        if !host.is_empty() {
            out.warnings.push(format!(
                "{} host points dropped: the series has no days",
                host.len()
            ));
        }
        return Ok(out);
    };
    let n = series.days.len() as i64;
    let offset = series.utc_offset_minutes;
    type Key = (String, String, String);
    let mut current: SortedMap<Key, SortedMap<i64, f64>> = SortedMap::new();
    let mut previous: SortedMap<Key, f64> = SortedMap::new();
    let mut dropped = 0usize;
    for (index, p) in host.iter().enumerate() {
        let bad = |reason: &str| StatsError::BadHostPoint {
            index,
            metric: p.metric.clone(),
            reason: reason.to_string(),
        };
        if p.metric.trim().is_empty() || p.source.trim().is_empty() {
            return Err(bad("metric and source must not be blank"));
        }
        if !p.value.is_finite() {
            return Err(bad("value is not a finite number"));
        }
        let day = match (p.timestamp_ms, &p.date) {
            (Some(ms), _) if ms.unsigned_abs() < (1 << 60) => local_day(ms, offset),
            (Some(_), _) => return Err(bad("timestampMs is out of range")),
            (None, Some(d)) => parse_iso_date(d).ok_or_else(|| bad("date is not YYYY-MM-DD"))?,
            (None, None) => return Err(bad("neither timestampMs nor date is given")),
        };
        let platform = p
            .platform
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| p.source.clone());
        let key = (p.metric.clone(), platform, p.source.clone());
        let i = day - first;
        if (0..n).contains(&i) {
            *current.entry(key).or_default().entry(i).or_default() += p.value;
        } else if (-7..0).contains(&i) {
            *previous.entry(key).or_default() += p.value;
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        out.warnings.push(format!(
            "{dropped} host point(s) outside the period and the 7 days before were dropped"
        ));
    }
    let keys: SortedSet<Key> = current.keys().chain(previous.keys()).cloned().collect();
    // Where each existing point and total is, so merging is linear (up to the maps).
    // Collected back to front: of a repeated key the index collected last, the first
    // one, wins (what `or_insert` in order kept); one sort, not a move per point.
    let mut point_at: SortedMap<(Key, String), usize> = (out.points.iter().enumerate().rev())
        .map(|(i, p)| {
            let k = (p.metric.clone(), p.platform.clone(), p.source.clone());
            ((k, p.date.clone()), i)
        })
        .collect();
    let total_at: SortedMap<Key, usize> = (out.totals.iter().enumerate().rev())
        .map(|(i, t)| ((t.metric.clone(), t.platform.clone(), t.source.clone()), i))
        .collect();
    let mut merged: Vec<WeeklyTotal> = Vec::new();
    for key in keys {
        let days = current.get(&key).cloned().unwrap_or_default();
        for (i, v) in &days {
            let Some(d) = usize::try_from(*i).ok().and_then(|i| series.days.get(i)) else {
                continue;
            };
            match point_at.get(&(key.clone(), d.date.clone())) {
                Some(&at) => out.points[at].value += v,
                None => {
                    point_at.insert((key.clone(), d.date.clone()), out.points.len());
                    out.points.push(MetricPoint {
                        metric: key.0.clone(),
                        platform: key.1.clone(),
                        source: key.2.clone(),
                        value: *v,
                        timestamp_ms: d.timestamp_ms,
                        date: d.date.clone(),
                    });
                }
            }
        }
        let value: f64 = days.values().sum();
        let prev = previous.get(&key).copied();
        let (value, prev) = match total_at.get(&key).map(|&at| &out.totals[at]) {
            Some(t) => (
                t.value + value,
                match (t.previous, prev) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                },
            ),
            None => (value, prev),
        };
        merged.push(WeeklyTotal {
            metric: key.0.clone(),
            platform: key.1.clone(),
            source: key.2.clone(),
            value,
            previous: prev,
            change: prev.map(|p| change(value, p)),
        });
    }
    // The totals not merged keep their order; the merged ones follow in key order.
    let replaced: SortedSet<usize> = merged
        .iter()
        .filter_map(|t| total_at.get(&(t.metric.clone(), t.platform.clone(), t.source.clone())))
        .copied()
        .collect();
    let mut totals: Vec<WeeklyTotal> = std::mem::take(&mut out.totals)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !replaced.contains(i))
        .map(|(_, t)| t)
        .collect();
    totals.extend(merged);
    out.totals = totals;
    Ok(out)
}
