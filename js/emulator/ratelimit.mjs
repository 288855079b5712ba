// Per-location rate limits with GHL's headers.
//
// Burst: a FIXED window per bucket. A window opens at the first request that
// arrives when no window is open and lasts `intervalMs`; it admits `max`
// requests. Daily: a counter per UTC day (resets at 00:00 UTC).
//
// Guarantees a client can rely on (both follow from the fixed window):
// - a client that never sends more than `max` requests within any span of
//   `intervalMs` (as they arrive) never receives a burst 429;
// - after a response with `X-RateLimit-Remaining: 0`, a request sent
//   `X-RateLimit-Interval-Milliseconds` later (or more) lands in a new window.
// A 429 does not consume budget; every other answer (4xx, 5xx, dropped) does.

const DAY_MS = 86_400_000;

export const RATE_LIMIT_HEADER_NAMES = [
  "X-RateLimit-Max",
  "X-RateLimit-Remaining",
  "X-RateLimit-Interval-Milliseconds",
  "X-RateLimit-Limit-Daily",
  "X-RateLimit-Daily-Remaining",
  "X-RateLimit-Daily-Reset",
];

export class RateLimiter {
  /** `config()` returns the live `{max, intervalMs, dailyLimit}`. */
  constructor(config) {
    this.config = config;
    this.buckets = new Map();
  }

  clear() {
    this.buckets.clear();
  }

  bucket(key, now) {
    const { intervalMs } = this.config();
    let b = this.buckets.get(key);
    if (!b) {
      b = { windowStart: now, count: 0, day: Math.floor(now / DAY_MS), dayCount: 0 };
      this.buckets.set(key, b);
    }
    if (now >= b.windowStart + intervalMs) {
      b.windowStart = now;
      b.count = 0;
    }
    const day = Math.floor(now / DAY_MS);
    if (day !== b.day) {
      b.day = day;
      b.dayCount = 0;
    }
    return b;
  }

  /**
   * Counts one request against `key` unless a limit is reached.
   * Returns `{ok, limit: 'burst'|'daily'|null, headers}`.
   */
  take(key, now) {
    const b = this.bucket(key, now);
    const { max, dailyLimit } = this.config();
    let limit = null;
    if (b.dayCount >= dailyLimit) limit = "daily";
    else if (b.count >= max) limit = "burst";
    else {
      b.count += 1;
      b.dayCount += 1;
    }
    return { ok: limit === null, limit, headers: this.headers(b) };
  }

  /** Headers of `key` without counting a request (used for forced 429s). */
  peek(key, now) {
    return this.headers(this.bucket(key, now));
  }

  headers(b) {
    const { max, intervalMs, dailyLimit } = this.config();
    return {
      "X-RateLimit-Max": String(max),
      "X-RateLimit-Remaining": String(Math.max(0, max - b.count)),
      "X-RateLimit-Interval-Milliseconds": String(intervalMs),
      "X-RateLimit-Limit-Daily": String(dailyLimit),
      "X-RateLimit-Daily-Remaining": String(Math.max(0, dailyLimit - b.dayCount)),
      "X-RateLimit-Daily-Reset": String((b.day + 1) * DAY_MS),
    };
  }
}
