//! The client-side rate budget of one GHL location.
//!
//! GHL allows `max` requests per `interval` (burst; 100 per 10 s by default) and a daily
//! number (200,000). The budget keeps the send times of the last interval and allows a
//! send only while fewer than `max` of them fall in the last `interval + margin` ms: a
//! token bucket whose tokens come back one window after they were spent. Unlike a
//! bucket that refills continuously, this never puts more than `max` requests in any
//! window, whether GHL counts in fixed or sliding windows. A send counts from its send
//! time while on the wire and from its answer once answered (GHL saw it in between),
//! so no latency makes a window end before GHL's; the margin absorbs timer granularity
//! and clock rounding. The state is stored with the outbox's records and restored by
//! the location's next holder ([`BudgetState`], see `stored_budget.rs`).
//!
//! Invariants:
//! - Headers are the source of truth but only ever *tighten* the budget: a reported
//!   `X-RateLimit-Remaining` lower than ours adds phantom sends at the time the request
//!   was sent; a reported max above the configured one is ignored; a longer interval is
//!   taken.
//! - A parked location sends nothing before `parked_until`.
//! - The daily count restarts at UTC midnight (`now_ms` is ms since the Unix epoch).
//! - Time arithmetic saturates: any `now` up to `u64::MAX` is handled, and no
//!   duration from a header exceeds its clamp (see [`crate::request::ratelimit`]; a
//!   header lengthens the interval or a 429's wait to at most 30 times the configured
//!   interval, 5 minutes at most).

use crate::codec::{FromJson, ToJson};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::request::RateLimit;

pub(crate) use crate::request::ratelimit::DAY_MS;
use crate::request::ratelimit::MAX_INTERVAL_MS;

/// A header may lengthen the burst interval (and a 429's wait) to at most this many
/// times the configured one, and never past [`MAX_INTERVAL_MS`] (5 minutes for GHL's
/// 10 s).
pub(crate) const INTERVAL_HEADROOM: u64 = 30;

/// Why a location is parked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Park {
    /// Waiting out a burst window after a 429.
    Burst,
    /// Daily budget used up.
    Daily,
}

/// Rate budget and parking state of one location.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    max: u64,
    interval: u64,
    /// The longest interval or burst wait a header may set (see [`INTERVAL_HEADROOM`]).
    max_interval: u64,
    margin: u64,
    daily_max: u64,
    /// Send times (real and phantom), ascending, within the last window.
    sends: VecDeque<u64>,
    day: u64,
    daily_used: u64,
    pub(crate) parked_until: Option<(u64, Park)>,
    /// Send time of a request that went out while the window was empty and is not
    /// answered yet (see [`Budget::settle`]).
    opener: Option<u64>,
    /// The latest send time (for telling an idle spell from a late timer).
    last_send: Option<u64>,
    /// Whether [`Budget::settle`] applies (`Config::cold_start_from_answer`).
    pub(crate) cold_start: bool,
    /// The next send goes out on a connection this host has not used yet (the budget
    /// was restored from another holder's state): it opens as after an idle spell.
    fresh: bool,
    /// Changed since [`Budget::clean`] (a state the host should store).
    dirty: bool,
}

/// The most send times a stored budget keeps (the newest; more say nothing more).
const MAX_STORED_SENDS: usize = 10_000;

/// One location's rate budget as the host stores it with the location's outbox
/// records, so that the next holder of the location (another process after a
/// hand-over, the same one after a restart or a reload) goes on with the window GHL
/// has open instead of a fresh one: what was sent in the window (real sends and the
/// phantom ones GHL's `X-RateLimit-Remaining` reported), what GHL's headers taught
/// (max, interval, daily limit and use) and a parked location's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxBudget"))]
#[serde(rename_all = "camelCase")]
pub struct BudgetState {
    /// The GHL location.
    pub location_id: String,
    /// When the state was taken (ms since the epoch).
    pub at: u64,
    /// Send times still in the window, ascending (ms since the epoch).
    pub sends: Vec<u64>,
    /// Requests per interval (the configured burst, or less as GHL reported).
    pub max: u64,
    /// The burst interval in ms (the configured one, or longer as GHL reported).
    pub interval_ms: u64,
    /// Requests per day (the configured number, or less as GHL reported).
    pub daily_max: u64,
    /// The UTC day (days since the epoch) `daily_used` counts.
    pub day: u64,
    /// Requests of that day.
    pub daily_used: u64,
    /// Parked (after a 429) until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked_until: Option<u64>,
    /// Parked for the daily limit (until the UTC day ends), not a burst window.
    #[serde(default)]
    pub parked_daily: bool,
}

impl Budget {
    pub(crate) fn new(max: u64, interval: u64, margin: u64, daily_max: u64) -> Self {
        let interval = interval.max(1);
        Budget {
            max: max.max(1),
            interval,
            max_interval: interval
                .saturating_mul(INTERVAL_HEADROOM)
                .min(MAX_INTERVAL_MS)
                .max(interval),
            margin,
            daily_max: daily_max.max(1),
            sends: VecDeque::new(),
            day: 0,
            daily_used: 0,
            parked_until: None,
            opener: None,
            last_send: None,
            cold_start: true,
            fresh: false,
            dirty: false,
        }
    }

    /// The state to store (see [`BudgetState`]).
    pub(crate) fn state(&mut self, location_id: &str, now: u64) -> BudgetState {
        self.roll(now);
        let skip = self.sends.len().saturating_sub(MAX_STORED_SENDS);
        BudgetState {
            location_id: location_id.to_string(),
            at: now,
            sends: self.sends.iter().skip(skip).copied().collect(),
            max: self.max,
            interval_ms: self.interval,
            daily_max: self.daily_max,
            day: self.day,
            daily_used: self.daily_used,
            parked_until: self.parked_until.map(|(t, _)| t),
            parked_daily: matches!(self.parked_until, Some((_, Park::Daily))),
        }
    }

    /// True when the budget changed since the last [`Budget::clean`].
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The host stores the current state: not dirty until the next change.
    pub(crate) fn clean(&mut self) {
        self.dirty = false;
    }

    /// Adds a stored state (another holder's, or this host's before a restart). It only
    /// ever tightens the budget, as headers do: its sends join the window (none later
    /// than `now`: a clock ahead of ours must not push the window out; only the newest
    /// `max` matter), a lower max or daily limit and a longer interval are taken (the
    /// interval within its clamp), the day's use is the larger, and a park is kept
    /// until its end (a burst park at most the longest interval from `now`, a daily
    /// one at most until the day ends). The next send opens a fresh connection (see
    /// [`Budget::settle`]).
    pub(crate) fn restore(&mut self, s: &BudgetState, now: u64) {
        self.roll(now);
        self.interval = self.interval.max(s.interval_ms.min(self.max_interval));
        self.max = self.max.min(s.max.max(1));
        self.daily_max = self.daily_max.min(s.daily_max.max(1));
        let cutoff = now.checked_sub(self.window());
        let mut sends: Vec<u64> = s
            .sends
            .iter()
            .map(|&t| t.min(now))
            .filter(|&t| cutoff.is_none_or(|c| t > c))
            .collect();
        crate::order::sort(&mut sends);
        let keep = usize::try_from(self.max).unwrap_or(usize::MAX);
        let skip = sends.len().saturating_sub(keep);
        for &t in &sends[skip..] {
            self.insert_send(t);
            self.last_send = Some(self.last_send.map_or(t, |l| l.max(t)));
        }
        if s.day == now / DAY_MS {
            self.day = s.day;
            self.daily_used = self.daily_used.max(s.daily_used.min(self.daily_max));
        }
        if let Some(t) = s.parked_until.filter(|&t| t > now) {
            let (cap, why) = if s.parked_daily {
                (
                    (now / DAY_MS).saturating_add(1).saturating_mul(DAY_MS),
                    Park::Daily,
                )
            } else {
                (now.saturating_add(self.max_interval), Park::Burst)
            };
            let t = t.min(cap);
            if self.parked_until.is_none_or(|(p, _)| p < t) {
                self.parked_until = Some((t, why));
            }
        }
        self.fresh = true;
        self.dirty = true;
    }

    /// Sets whether [`Budget::settle`] applies.
    pub(crate) fn with_cold_start(mut self, on: bool) -> Self {
        self.cold_start = on;
        self
    }

    fn window(&self) -> u64 {
        self.interval.saturating_add(self.margin)
    }

    fn roll(&mut self, now: u64) {
        if let Some(cutoff) = now.checked_sub(self.window()) {
            while self.sends.front().is_some_and(|&t| t <= cutoff) {
                self.sends.pop_front();
            }
        }
        let day = now / DAY_MS;
        if day != self.day {
            self.day = day;
            self.daily_used = 0;
        }
        if self.parked_until.is_some_and(|(t, _)| t <= now) {
            self.parked_until = None;
        }
    }

    /// The earliest time at which a send is allowed (≤ `now` when allowed now).
    pub(crate) fn ready_at(&mut self, now: u64) -> u64 {
        self.roll(now);
        self.earliest().max(now)
    }

    /// The earliest time the budget allows a send, from the state as it is (the
    /// result may lie in the past).
    pub(crate) fn earliest(&self) -> u64 {
        let mut at = 0;
        if let Some((t, _)) = self.parked_until {
            at = at.max(t);
        }
        if self.daily_used >= self.daily_max {
            at = at.max(self.day.saturating_add(1).saturating_mul(DAY_MS));
        }
        let n = self.sends.len() as u64;
        if n >= self.max {
            // The send that must leave the window before one more fits.
            let idx = (n - self.max) as usize;
            if let Some(&t) = self.sends.get(idx) {
                at = at.max(t.saturating_add(self.window()));
            }
        }
        at
    }

    /// Spends one request at `now`.
    ///
    /// The cold-start rule ([`Budget::settle`]) applies only after an idle spell (no
    /// send for two windows): a window that emptied because the host's timer fired late
    /// while a backlog waited is not a cold start (the connection is warm), so a late
    /// timer sends what the budget allows now and counts it from now, without the
    /// round trip the cold-start rule costs.
    pub(crate) fn take(&mut self, now: u64) {
        self.roll(now);
        let idle = self
            .last_send
            .is_none_or(|t| now.saturating_sub(t) > self.window().saturating_mul(2));
        if self.cold_start && (self.fresh || (self.sends.is_empty() && idle)) {
            self.opener = Some(now);
        }
        self.fresh = false;
        self.dirty = true;
        self.last_send = Some(self.last_send.map_or(now, |t| t.max(now)));
        self.insert_send(now);
        self.daily_used = self.daily_used.saturating_add(1);
    }

    fn insert_send(&mut self, t: u64) {
        let pos = self.sends.partition_point(|&x| x <= t);
        self.sends.insert(pos, t);
    }

    /// A request sent at `sent_at` was answered (or failed) at `now`. When it went out
    /// while the window was empty, it opened GHL's window at its *arrival*, which can
    /// be much later than its send time (a fresh connection's DNS, TCP and TLS
    /// handshakes after an idle spell): it and every request sent after it and before
    /// its answer then count from `now`, the latest moment it can have arrived, so that
    /// the next window's first request does not land in GHL's current one (a 429 in
    /// normal operation). Later requests of a busy spell keep their send time (no
    /// throughput cost in steady operation). The first send after a
    /// [`Budget::restore`] opens a connection too: it and those sent with it move the
    /// same way, while the restored sends (the previous holder's) keep their times.
    pub(crate) fn settle(&mut self, sent_at: u64, now: u64) {
        if self.opener != Some(sent_at) {
            self.count_from_answer(sent_at, now);
            return;
        }
        self.opener = None;
        if now <= sent_at {
            return;
        }
        // Every request sent from the opener to this answer travelled on the same cold
        // start (and GHL's window cannot have opened before the opener arrived): count
        // them from `now`. Sends before the opener (a restored window) keep their time.
        let from = self.sends.partition_point(|&t| t < sent_at);
        let to = self.sends.partition_point(|&t| t < now);
        if to > from {
            for t in self.sends.range_mut(from..to) {
                *t = now;
            }
            self.dirty = true;
        }
    }

    /// What headers can change (for telling whether they did).
    fn learned(&self) -> (u64, u64, u64, usize, u64) {
        (
            self.interval,
            self.max,
            self.daily_max,
            self.sends.len(),
            self.daily_used,
        )
    }

    /// Every answered request counts from its answer, not its send: it reached GHL
    /// somewhere between the two, so a window counted from the answer never ends
    /// before GHL's, however late a loaded network or host delivered it (a send time
    /// plus the margin only covers latency spread up to the margin). The earliest
    /// send still counted at or after `sent_at` (its own, or one an opener moved)
    /// moves to `now`; the cost is one round trip per window.
    fn count_from_answer(&mut self, sent_at: u64, now: u64) {
        let at = self.sends.partition_point(|&t| t < sent_at);
        let Some(&t) = self.sends.get(at) else { return };
        if t >= now {
            return;
        }
        self.sends.remove(at);
        self.insert_send(now);
        self.dirty = true;
    }

    /// Corrects the budget from the headers of a response to a request sent at `sent_at`.
    pub(crate) fn observe(&mut self, rl: &RateLimit, sent_at: u64, now: u64) {
        self.roll(now);
        let before = self.learned();
        if let Some(i) = rl.interval_ms {
            self.interval = self.interval.max(i.min(self.max_interval));
        }
        if let Some(m) = rl.max {
            self.max = self.max.min(m.max(1));
        }
        if let Some(d) = rl.daily_limit {
            self.daily_max = self.daily_max.min(d.max(1));
        }
        if let Some(remaining) = rl.remaining {
            let server_max = rl.max.unwrap_or(self.max);
            let used_then = server_max.saturating_sub(remaining).min(self.max);
            let from = sent_at.checked_sub(self.window());
            // GHL counted what arrived before our request, which was sent before its
            // answer (`now`), not only before our send: requests sent concurrently
            // overtake each other, and are not someone else's.
            let counted = self
                .sends
                .iter()
                .filter(|&&t| from.is_none_or(|f| t > f) && t <= now)
                .count() as u64;
            if sent_at.saturating_add(self.window()) > now {
                for _ in counted..used_then {
                    self.insert_send(sent_at);
                }
            }
        }
        if let Some(dr) = rl.daily_remaining {
            let sent_since = self.sends.iter().filter(|&&t| t > sent_at).count() as u64;
            let used = self.daily_max.saturating_sub(dr).saturating_add(sent_since);
            self.daily_used = self.daily_used.max(used);
        }
        let after = self.learned();
        self.dirty |= before != after;
    }

    /// Parks the location after a 429; returns until when and why.
    /// `daily` is the disposition's (`X-RateLimit-Daily-Remaining: 0`); the burst wait
    /// is at least this budget's interval.
    pub(crate) fn park_after_429(&mut self, rl: &RateLimit, daily: bool, now: u64) -> (u64, Park) {
        self.roll(now);
        let (until, why) = if daily {
            self.daily_used = self.daily_max;
            (rl.rate_limited_until(true, now, self.interval), Park::Daily)
        } else {
            let until = rl
                .rate_limited_until(false, now, self.interval)
                .min(now.saturating_add(self.max_interval))
                .max(now.saturating_add(self.interval));
            (until, Park::Burst)
        };
        let until = match self.parked_until {
            Some((t, w)) if t >= until => return (t, w),
            _ => until,
        };
        self.parked_until = Some((until, why));
        self.dirty = true;
        (until, why)
    }

    /// Requests left in the current window (for stats and tests).
    #[cfg(test)]
    pub(crate) fn available(&mut self, now: u64) -> u64 {
        self.roll(now);
        self.max.saturating_sub(self.sends.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::ratelimit::daily_reset_at;

    #[test]
    fn never_more_than_max_in_any_window() {
        let mut b = Budget::new(5, 1000, 100, 1000);
        let mut sent = Vec::new();
        let mut now = 0;
        while sent.len() < 40 {
            let at = b.ready_at(now);
            now = now.max(at);
            b.take(now);
            sent.push(now);
            now += 7;
        }
        for (i, &t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().filter(|&&x| x < t + 1100).count();
            assert!(in_window <= 5, "{in_window} sends in the window from {t}");
        }
        // And it keeps pace: 40 sends in about 8 windows.
        assert!(*sent.last().unwrap() < 8 * 1100 + 100);
    }

    #[test]
    fn the_request_that_opens_a_window_counts_from_its_answer() {
        let mut b = Budget::new(2, 1000, 0, 1000);
        b.take(0);
        b.take(5);
        assert_eq!(b.ready_at(10), 1000);
        // The opener took 80 ms (a cold connection): GHL's window may have opened at
        // 80, and the request sent with it can have arrived as late.
        b.settle(5, 30);
        assert_eq!(
            b.ready_at(40),
            1000,
            "only the opener's answer moves the window"
        );
        b.settle(0, 80);
        assert_eq!(b.ready_at(1000), 1080);

        // In a busy spell the window is never empty: each request counts from its own
        // answer (the opener's moves only what was sent with it).
        let mut b = Budget::new(2, 1000, 0, 1000);
        b.take(0);
        b.take(500);
        b.settle(500, 600);
        b.settle(0, 30);
        assert_eq!(b.ready_at(600), 1030);
        b.take(1030);
        b.settle(1030, 1100);
        assert_eq!(b.ready_at(1100), 1600);

        // Switched off: send times only.
        let mut b = Budget::new(2, 1000, 0, 1000);
        b.cold_start = false;
        b.take(0);
        b.take(0);
        b.settle(0, 80);
        assert_eq!(b.ready_at(10), 1000);
    }

    #[test]
    fn a_late_timer_is_not_a_cold_start() {
        // A backlog held back by the budget: the window's sends spread over 100 ms.
        let mut b = Budget::new(2, 1000, 0, 1000);
        b.take(0);
        b.settle(0, 10);
        b.take(100);
        b.settle(100, 110);
        // The next slot is at 1000; the timer fires 300 ms late: the window is empty,
        // but the spell was not idle. The sends count from their send time: the next
        // one is allowed one window after, not after the answer.
        assert_eq!(b.ready_at(1300), 1300);
        b.take(1300);
        b.take(1300);
        b.settle(1300, 1500);
        assert_eq!(b.ready_at(1500), 2300);
        // After an idle spell (more than two windows) the cold-start rule applies.
        assert_eq!(b.ready_at(6000), 6000);
        b.take(6000);
        b.take(6000);
        b.settle(6000, 6200);
        assert_eq!(b.ready_at(6300), 7200);
    }

    #[test]
    fn concurrent_requests_that_overtake_each_other_are_not_someone_else() {
        let mut b = Budget::new(10, 1000, 0, 1000);
        b.take(0);
        b.take(1);
        // The request sent at 1 arrived first: GHL had counted 2 when it saw ours.
        let rl = RateLimit {
            max: Some(10),
            remaining: Some(8),
            ..Default::default()
        };
        b.observe(&rl, 0, 5);
        assert_eq!(b.available(5), 8, "no phantom send");
        // But 3 counted while we only sent 2: another client uses the location.
        let rl = RateLimit {
            max: Some(10),
            remaining: Some(7),
            ..Default::default()
        };
        b.observe(&rl, 1, 6);
        assert_eq!(b.available(6), 7);
    }

    #[test]
    fn headers_lower_the_budget_but_never_raise_it() {
        let mut b = Budget::new(100, 10_000, 0, 200_000);
        b.take(0);
        let rl = RateLimit {
            max: Some(100),
            remaining: Some(10),
            ..Default::default()
        };
        b.observe(&rl, 0, 50);
        assert_eq!(b.available(50), 10);
        let rl = RateLimit {
            max: Some(500),
            remaining: Some(499),
            ..Default::default()
        };
        b.observe(&rl, 60, 70);
        assert_eq!(b.available(70), 10);
        // The phantom sends leave with the window.
        assert_eq!(b.available(10_001), 100);
    }

    #[test]
    fn times_near_u64_max_saturate_instead_of_panicking() {
        for now in [u64::MAX, u64::MAX - 1, u64::MAX - DAY_MS / 2] {
            let mut b = Budget::new(2, 10_000, 300, 1);
            assert_eq!(b.ready_at(now), now);
            b.take(now);
            // The daily budget is used up: the next send is at the (saturated) reset.
            assert_eq!(b.ready_at(now), u64::MAX);
            assert_eq!(b.earliest(), u64::MAX);
            let rl = RateLimit {
                interval_ms: Some(10_000),
                remaining: Some(0),
                max: Some(2),
                daily_remaining: Some(0),
                ..Default::default()
            };
            b.observe(&rl, now, now);
            b.settle(now, now);
            assert_eq!(b.park_after_429(&rl, true, now).0, u64::MAX);
            assert_eq!(b.park_after_429(&rl, false, now).0, u64::MAX);
        }
    }

    #[test]
    fn daily_zero_parks_until_reset() {
        let mut b = Budget::new(100, 10_000, 0, 200_000);
        let now = 20_000 * DAY_MS + 1234; // 2024-10-04, ms since the epoch
        let rl = RateLimit {
            daily_remaining: Some(0),
            ..Default::default()
        };
        let (until, why) = b.park_after_429(&rl, true, now);
        assert_eq!((until, why), (20_001 * DAY_MS, Park::Daily));
        assert_eq!(b.ready_at(now), 20_001 * DAY_MS);
        assert_eq!(daily_reset_at(Some(60), now), now + 60_000);
        assert_eq!(
            daily_reset_at(Some(now / 1000 + 5), now),
            (now / 1000 + 5) * 1000
        );
    }
}
