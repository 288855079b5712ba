//! GHL's rate-limit headers, parsed into one typed value.
//!
//! Every GHL response carries `X-RateLimit-Max`, `X-RateLimit-Remaining`,
//! `X-RateLimit-Interval-Milliseconds`, `X-RateLimit-Limit-Daily` and
//! `X-RateLimit-Daily-Remaining` (HighLevel's SDK also reads `X-RateLimit-Daily-Reset`).
//! There is no `Retry-After`: these headers are the source of truth for waiting.
//! A header that is absent or not a whole number is `None`; nothing here fails.
//!
//! **Durations are clamped** to documented ranges as they are read, so that no header
//! (and nothing stored from one) can park a location for years or overflow a timer:
//! `X-RateLimit-Interval-Milliseconds` to `1..=`[`MAX_INTERVAL_MS`] (GHL sends 10,000),
//! a burst wait to at most [`MAX_INTERVAL_MS`], a daily reset to at most one day ahead
//! ([`daily_reset_at`]). Every sum with a time saturates.

use serde::{Deserialize, Serialize};

use crate::codec::{Obj, ToJson};

use crate::http::HttpResponse;

/// The longest burst interval (and burst wait after a 429) taken from a header: 5
/// minutes, 30 times what GHL documents.
pub const MAX_INTERVAL_MS: u64 = 5 * 60 * 1000;

/// The burst wait after a 429 that reports no interval (GHL's documented 10 s).
pub const DEFAULT_INTERVAL_MS: u64 = 10_000;

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;

/// The start of the next UTC day after `now` (saturating at `u64::MAX`).
pub fn next_utc_midnight(now: u64) -> u64 {
    (now / DAY_MS).saturating_add(1).saturating_mul(DAY_MS)
}

/// Interprets `X-RateLimit-Daily-Reset`: ms since the epoch (>= 10^12), seconds since
/// the epoch (>= 10^9), else seconds from now; absent: the next UTC midnight.
/// Clamped to `(now, now + one day]`.
pub fn daily_reset_at(reset: Option<u64>, now: u64) -> u64 {
    let at = match reset {
        Some(v) if v >= 1_000_000_000_000 => v,
        Some(v) if v >= 1_000_000_000 => v.saturating_mul(1000),
        Some(v) => now.saturating_add(v.saturating_mul(1000)),
        None => next_utc_midnight(now),
    };
    at.clamp(now.saturating_add(1), now.saturating_add(DAY_MS))
}

/// The rate-limit state GHL reported on one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// `X-RateLimit-Max`: requests allowed per burst interval.
    pub max: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current burst interval.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Interval-Milliseconds`: length of the burst interval.
    pub interval_ms: Option<u64>,
    /// `X-RateLimit-Limit-Daily`: requests allowed per day.
    pub daily_limit: Option<u64>,
    /// `X-RateLimit-Daily-Remaining`: requests left today.
    pub daily_remaining: Option<u64>,
    /// `X-RateLimit-Daily-Reset`, when sent: when the daily budget resets (as sent).
    pub daily_reset: Option<u64>,
}

impl ToJson for RateLimit {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("max", &self.max)
            .field("remaining", &self.remaining)
            .field("intervalMs", &self.interval_ms)
            .field("dailyLimit", &self.daily_limit)
            .field("dailyRemaining", &self.daily_remaining)
            .field("dailyReset", &self.daily_reset)
            .end();
    }
}

impl RateLimit {
    /// Reads the headers of a response (names matched case-insensitively).
    pub fn from_response(resp: &HttpResponse) -> RateLimit {
        let num = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        RateLimit {
            max: num("X-RateLimit-Max"),
            remaining: num("X-RateLimit-Remaining"),
            interval_ms: num("X-RateLimit-Interval-Milliseconds")
                .map(|v| v.clamp(1, MAX_INTERVAL_MS)),
            daily_limit: num("X-RateLimit-Limit-Daily"),
            daily_remaining: num("X-RateLimit-Daily-Remaining"),
            daily_reset: num("X-RateLimit-Daily-Reset"),
        }
    }

    /// When a location answered 429 with these headers may send again: the daily reset
    /// when `daily`, else `now` plus the burst interval (clamped; `fallback_ms` when the
    /// header is absent).
    pub fn rate_limited_until(&self, daily: bool, now: u64, fallback_ms: u64) -> u64 {
        if daily {
            daily_reset_at(self.daily_reset, now)
        } else {
            let wait = self
                .interval_ms
                .unwrap_or(fallback_ms)
                .clamp(1, MAX_INTERVAL_MS);
            now.saturating_add(wait)
        }
    }

    /// True when all five documented headers were present.
    pub fn is_complete(&self) -> bool {
        self.max.is_some()
            && self.remaining.is_some()
            && self.interval_ms.is_some()
            && self.daily_limit.is_some()
            && self.daily_remaining.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    #[test]
    fn parses_all_five_headers_in_any_case() {
        let headers: Headers = [
            ("x-ratelimit-max", "100"),
            ("X-RATELIMIT-REMAINING", "97"),
            ("x-ratelimit-interval-milliseconds", "10000"),
            ("x-ratelimit-limit-daily", "200000"),
            ("x-ratelimit-daily-remaining", "199990"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let rl = RateLimit::from_response(&HttpResponse {
            status: 200,
            headers,
            body: String::new(),
        });
        assert!(rl.is_complete());
        assert_eq!(
            (rl.max, rl.remaining, rl.interval_ms),
            (Some(100), Some(97), Some(10_000))
        );
        assert_eq!(
            (rl.daily_limit, rl.daily_remaining, rl.daily_reset),
            (Some(200_000), Some(199_990), None)
        );
    }

    #[test]
    fn huge_durations_are_clamped_and_times_saturate() {
        let mut headers = Headers::new();
        headers.insert(
            "X-RateLimit-Interval-Milliseconds".to_string(),
            "9999999999999".to_string(),
        );
        let rl = RateLimit::from_response(&HttpResponse {
            status: 429,
            headers,
            body: String::new(),
        });
        assert_eq!(rl.interval_ms, Some(MAX_INTERVAL_MS));
        assert_eq!(
            rl.rate_limited_until(false, 1_000, 10),
            1_000 + MAX_INTERVAL_MS
        );
        assert_eq!(rl.rate_limited_until(false, u64::MAX - 5, 10), u64::MAX);
        assert_eq!(daily_reset_at(Some(u64::MAX), 1_000), 1_000 + DAY_MS);
        assert_eq!(daily_reset_at(None, u64::MAX - 5), u64::MAX);
        assert_eq!(next_utc_midnight(u64::MAX), u64::MAX);
    }

    #[test]
    fn garbage_values_are_absent_not_errors() {
        let mut headers = Headers::new();
        headers.insert("X-RateLimit-Max".to_string(), "lots".to_string());
        let rl = RateLimit::from_response(&HttpResponse {
            status: 429,
            headers,
            body: String::new(),
        });
        assert_eq!(rl.max, None);
        assert!(!rl.is_complete());
    }
}
