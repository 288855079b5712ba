//! GHL's rate-limit headers, parsed into one typed value.
//!
//! Every GHL response carries `X-RateLimit-Max`, `X-RateLimit-Remaining`,
//! `X-RateLimit-Interval-Milliseconds`, `X-RateLimit-Limit-Daily` and
//! `X-RateLimit-Daily-Remaining` (HighLevel's SDK also reads `X-RateLimit-Daily-Reset`).
//! There is no `Retry-After`: these headers are the source of truth for waiting.
//! A header that is absent or not a whole number is `None`; nothing here fails.

use serde::{Deserialize, Serialize};

use crate::http::HttpResponse;

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

impl RateLimit {
    /// Reads the headers of a response (names matched case-insensitively).
    pub fn from_response(resp: &HttpResponse) -> RateLimit {
        let num = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        RateLimit {
            max: num("X-RateLimit-Max"),
            remaining: num("X-RateLimit-Remaining"),
            interval_ms: num("X-RateLimit-Interval-Milliseconds"),
            daily_limit: num("X-RateLimit-Limit-Daily"),
            daily_remaining: num("X-RateLimit-Daily-Remaining"),
            daily_reset: num("X-RateLimit-Daily-Reset"),
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
    use std::collections::BTreeMap;

    #[test]
    fn parses_all_five_headers_in_any_case() {
        let headers: BTreeMap<String, String> = [
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
    fn garbage_values_are_absent_not_errors() {
        let mut headers = BTreeMap::new();
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
