//! A bounded set of keys that expire: the replay store of webhook intake (GHL
//! `webhookId`, Qwilr `idempotencyKey`, ...).
//!
//! Invariants: it never holds more than `capacity` keys (the oldest is evicted first);
//! a key is "seen" from its insertion until `ttl_ms` later; time is an argument.

use crate::codec::{FromJson, ToJson};
use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Keys seen recently, each until its expiry.
#[derive(Debug, Clone)]
pub struct SeenSet {
    capacity: usize,
    ttl_ms: u64,
    expiry: HashMap<String, u64>,
    order: VecDeque<(String, u64)>,
}

/// One stored key (what a host persists and restores).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SeenKey {
    /// The key.
    pub key: String,
    /// When it stops counting as seen (ms since the epoch).
    pub expires_at_ms: u64,
}

impl SeenSet {
    /// An empty set holding at most `capacity` keys (at least one), each for `ttl_ms`.
    pub fn new(capacity: usize, ttl_ms: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl_ms,
            expiry: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// True when `key` was inserted and has not expired at `now_ms`.
    pub fn contains(&self, key: &str, now_ms: u64) -> bool {
        self.expiry.get(key).is_some_and(|&e| live(e, now_ms))
    }

    /// Records `key` as seen from `now_ms`; drops expired keys and, when full, the oldest.
    pub fn insert(&mut self, key: &str, now_ms: u64) {
        self.purge(now_ms);
        let expires = now_ms.saturating_add(self.ttl_ms);
        if self.expiry.insert(key.to_string(), expires).is_some() {
            // Rare (callers check `contains` first): keep one entry per key.
            self.order.retain(|(k, _)| k != key);
        }
        while self.order.len() >= self.capacity {
            self.evict_front();
        }
        self.order.push_back((key.to_string(), expires));
    }

    /// Number of keys held (expired ones may still count until the next insert).
    pub fn len(&self) -> usize {
        self.expiry.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.expiry.is_empty()
    }

    /// The live keys, oldest first (for persistence).
    pub fn snapshot(&self, now_ms: u64) -> Vec<SeenKey> {
        self.order
            .iter()
            .filter(|(k, e)| live(*e, now_ms) && self.expiry.get(k) == Some(e))
            .map(|(k, e)| SeenKey {
                key: k.clone(),
                expires_at_ms: *e,
            })
            .collect()
    }

    /// Adds stored keys back (expired ones are skipped; capacity still holds).
    pub fn restore(&mut self, keys: &[SeenKey], now_ms: u64) {
        for k in keys.iter().filter(|k| live(k.expires_at_ms, now_ms)) {
            if self.contains(&k.key, now_ms) {
                continue;
            }
            self.expiry.insert(k.key.clone(), k.expires_at_ms);
            self.order.retain(|(o, _)| *o != k.key);
            while self.order.len() >= self.capacity {
                self.evict_front();
            }
            self.order.push_back((k.key.clone(), k.expires_at_ms));
        }
    }

    fn purge(&mut self, now_ms: u64) {
        while self.order.front().is_some_and(|(_, e)| !live(*e, now_ms)) {
            self.evict_front();
        }
    }

    /// Pops the oldest entry; the key goes only if this entry is its latest.
    fn evict_front(&mut self) {
        if let Some((k, e)) = self.order.pop_front() {
            if self.expiry.get(&k) == Some(&e) {
                self.expiry.remove(&k);
            }
        }
    }
}

/// A key expiring at `expires_at_ms` is still seen at `now_ms`. An expiry that
/// saturated (`u64::MAX`: inserted within the TTL of the clock's end) never passes.
fn live(expires_at_ms: u64, now_ms: u64) -> bool {
    expires_at_ms > now_ms || expires_at_ms == u64::MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_seen_until_it_expires() {
        let mut s = SeenSet::new(10, 1_000);
        s.insert("a", 5_000);
        assert!(s.contains("a", 5_999));
        assert!(!s.contains("a", 6_000));
        assert!(!s.contains("b", 5_000));
    }

    #[test]
    fn a_key_inserted_at_the_end_of_the_clock_is_seen() {
        // Fuzz find (fuzz/crashes/intake_qwilr/): the expiry saturated to the clock's
        // end, so the key was gone at once and a processed delivery was new again.
        let mut s = SeenSet::new(10, 1_000);
        s.insert("a", u64::MAX - 10);
        s.insert("b", u64::MAX);
        assert!(s.contains("a", u64::MAX) && s.contains("b", u64::MAX));
        assert_eq!(s.snapshot(u64::MAX).len(), 2);
        let mut r = SeenSet::new(10, 1_000);
        r.restore(&s.snapshot(u64::MAX), u64::MAX);
        assert!(r.contains("b", u64::MAX));
    }

    #[test]
    fn capacity_evicts_the_oldest_first() {
        let mut s = SeenSet::new(2, 1_000_000);
        s.insert("a", 1);
        s.insert("b", 2);
        s.insert("c", 3);
        assert_eq!(s.len(), 2);
        assert!(!s.contains("a", 3));
        assert!(s.contains("b", 3) && s.contains("c", 3));
    }

    #[test]
    fn reinserting_a_key_keeps_one_entry_and_the_later_expiry() {
        let mut s = SeenSet::new(2, 100);
        s.insert("a", 0);
        s.insert("a", 50);
        s.insert("b", 60);
        assert!(s.contains("a", 120), "the second insert extends the key");
        assert_eq!(s.len(), 2);
        assert_eq!(s.snapshot(60).len(), 2);
    }

    #[test]
    fn expired_keys_are_dropped_on_insert_and_snapshot_restores() {
        let mut s = SeenSet::new(10, 100);
        s.insert("a", 0);
        s.insert("b", 150);
        assert_eq!(s.len(), 1);
        let snap = s.snapshot(150);
        let mut t = SeenSet::new(10, 100);
        t.restore(&snap, 160);
        assert!(t.contains("b", 200) && !t.contains("b", 250));
    }
}
