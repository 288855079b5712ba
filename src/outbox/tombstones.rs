//! Tombstones: the ids of done and coalesced events, remembered to drop duplicates.
//!
//! Invariants:
//! - Bounded: at most `Config::max_tombstones` ids (the oldest go first) and none older
//!   than `Config::tombstone_ttl_ms`; an id forgotten is deleted from storage too (the
//!   outbox queues a `Delete`), so neither memory nor storage grows with the number of
//!   events delivered. A duplicate of a forgotten id is delivered again, which changes
//!   nothing (see the module doc of [`crate::outbox`]).
//! - Forgetting is cheap: ids are kept in time order, so expiring or pruning touches
//!   only the ids it removes.

use std::collections::{HashMap, VecDeque};

/// Done or coalesced event ids, with when they finished, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Tombstones {
    at: HashMap<String, u64>,
    order: VecDeque<(u64, String)>,
}

impl Tombstones {
    pub(super) fn contains(&self, id: &str) -> bool {
        self.at.contains_key(id)
    }

    pub(super) fn len(&self) -> usize {
        self.at.len()
    }

    /// Remembers `id` as finished at `at` (times are expected in ascending order;
    /// [`Tombstones::sort`] restores the order after a restore).
    pub(super) fn insert(&mut self, id: String, at: u64) {
        if self.at.insert(id.clone(), at).is_none() {
            self.order.push_back((at, id));
        }
    }

    /// Puts the ids in time order (after inserting in another order).
    pub(super) fn sort(&mut self) {
        crate::order::sort(self.order.make_contiguous());
    }

    /// Forgets the oldest ids while more than `max` are kept, and those finished at or
    /// before `expired_at`; returns them.
    pub(super) fn forget(&mut self, max: usize, expired_at: Option<u64>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some((at, _)) = self.order.front() {
            let expired = expired_at.is_some_and(|e| *at <= e);
            if !expired && self.at.len() <= max {
                break;
            }
            if let Some((_, id)) = self.order.pop_front() {
                self.at.remove(&id);
                out.push(id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_count_and_age() {
        let mut t = Tombstones::default();
        for i in 0..10u64 {
            t.insert(format!("e{i}"), i * 10);
        }
        t.insert("e3".into(), 999); // known already: kept as it was
        assert_eq!(t.forget(8, None), vec!["e0", "e1"]);
        assert_eq!(t.forget(8, Some(35)), vec!["e2", "e3"]);
        assert_eq!(t.len(), 6);
        assert!(!t.contains("e3") && t.contains("e4"));
        let mut u = Tombstones::default();
        u.insert("late".into(), 50);
        u.insert("early".into(), 5);
        u.sort();
        assert_eq!(u.forget(1, None), vec!["early"]);
    }
}
