//! [`ReplayGuard`]: the event ids the flows ran, so a second delivery of an event is
//! skipped instead of run again.
//!
//! The key of an event is [`crate::plan::dedupe_key`] of its id, the rule the outbox's
//! tombstones use, so "the same event" means the same thing on both paths.
//!
//! Invariants:
//! - Bounded: at most `capacity` ids are remembered (the oldest claim is forgotten
//!   first) and none longer than `ttl_ms`; the bookkeeping never exceeds twice the
//!   capacity (stale entries are compacted).
//! - An id is claimed when its first stage starts and stays claimed while it runs
//!   and after it completes; a run that fails releases it ([`ReplayGuard::release`])
//!   so a redelivery can try again.
//! - Sans-IO: time is an argument.

use std::collections::VecDeque;

use crate::sorted::SortedMap;

use super::model::ReplayConfig;

/// Remembered event ids (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct ReplayGuard {
    config: ReplayConfig,
    /// Key -> when it was claimed.
    claimed: SortedMap<String, u64>,
    /// Claims in order; entries whose time no longer matches `claimed` are stale.
    order: VecDeque<(String, u64)>,
}

impl ReplayGuard {
    /// A guard with this configuration and nothing remembered.
    pub fn new(config: ReplayConfig) -> Self {
        Self {
            config,
            claimed: SortedMap::new(),
            order: VecDeque::new(),
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.claimed.len()
    }

    /// True when no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.claimed.is_empty()
    }

    /// True when `key` was claimed and is still remembered at `now_ms`.
    pub fn contains(&mut self, key: &str, now_ms: u64) -> bool {
        self.expire(now_ms);
        self.claimed.contains_key(key)
    }

    /// Claims `key` at `now_ms`: `false` when it was claimed already (a replay).
    pub fn claim(&mut self, key: &str, now_ms: u64) -> bool {
        self.expire(now_ms);
        if self.claimed.contains_key(key) {
            return false;
        }
        if self.config.capacity == 0 {
            return true;
        }
        self.claimed.insert(key.to_string(), now_ms);
        self.order.push_back((key.to_string(), now_ms));
        while self.claimed.len() > self.config.capacity {
            self.pop_oldest();
        }
        if self.order.len() > 2 * self.config.capacity.max(8) {
            self.compact();
        }
        true
    }

    /// Forgets `key` (its run failed: a redelivery may run it).
    pub fn release(&mut self, key: &str) {
        self.claimed.remove(key);
    }

    fn is_live(&self, entry: &(String, u64)) -> bool {
        self.claimed.get(&entry.0) == Some(&entry.1)
    }

    fn pop_oldest(&mut self) {
        while let Some(e) = self.order.pop_front() {
            if self.is_live(&e) {
                self.claimed.remove(&e.0);
                return;
            }
        }
    }

    fn expire(&mut self, now_ms: u64) {
        while let Some(e) = self.order.front() {
            let expired = e.1.saturating_add(self.config.ttl_ms) <= now_ms;
            if self.is_live(e) && !expired {
                break;
            }
            if let Some(e) = self.order.pop_front() {
                if self.is_live(&e) {
                    self.claimed.remove(&e.0);
                }
            }
        }
    }

    fn compact(&mut self) {
        let order = std::mem::take(&mut self.order);
        self.order = order.into_iter().filter(|e| self.is_live(e)).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(capacity: usize, ttl_ms: u64) -> ReplayGuard {
        ReplayGuard::new(ReplayConfig { capacity, ttl_ms })
    }

    #[test]
    fn a_claimed_id_is_a_replay_until_released_or_expired() {
        let mut g = guard(10, 100);
        assert!(g.claim("a", 0));
        assert!(!g.claim("a", 50));
        g.release("a");
        assert!(g.claim("a", 60));
        assert!(!g.claim("a", 159));
        assert!(g.claim("a", 160), "forgotten after the TTL");
    }

    #[test]
    fn memory_is_bounded_by_the_capacity() {
        let mut g = guard(100, u64::MAX);
        for i in 0..10_000u64 {
            assert!(g.claim(&format!("e{i}"), i));
            if i % 3 == 0 {
                g.release(&format!("e{i}"));
            }
            assert!(g.len() <= 100);
            assert!(g.order.len() <= 200);
        }
        assert!(!g.claim("e9998", 10_001), "recent ids are remembered");
        assert!(g.claim("e1", 10_002), "the oldest were forgotten");
    }
}
