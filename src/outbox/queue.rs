//! The outbox's two scheduling queues, each kept in the shape its access pattern needs.
//!
//! A location's `ready` queue and the backoff `timers` are drained one entry at a time
//! from their smallest key and can hold a whole backlog (tens of thousands of plans
//! after a GHL outage), so the sorted lists of [`crate::sorted`] (whose `pop_first`
//! moves every later entry: O(n) per send, O(n²) per backlog) do not fit them:
//! - [`Ready`]: a sorted `VecDeque` by acceptance sequence number. New plans have the
//!   highest number and go on the back, sends pop the front: both O(1). A plan coming
//!   back (a retry, a 429, its next step) goes in by binary search, moving the shorter
//!   side.
//! - [`Timers`]: a min-heap of `(wake time, sequence number, plan id)`. Wake times are
//!   jittered, so entries land anywhere: O(log n) in and out.
//!
//! Measured (`cargo bench --bench outbox-queues`, one location, median of 3 runs at a
//! load average near 7): draining 50,000 plans took 2.18 s with the sorted list and
//! 0.39 s with the B-tree before it, 0.23 s here; after an outage (every plan through
//! the timers) 5.16 s, 1.01 s and 0.83 s. The full Wasm module grew 333 B gzip.
//!
//! Invariant: what the `SortedMap<u64, String>` / `SortedSet<(u64, u64, String)>` they
//! replace would do, observably: the same entries in the same order (held by the
//! property tests below). One difference the outbox never sees: an identical timer
//! inserted twice counts twice in [`Timers::len`] until it fires (and fires once); the
//! outbox holds a plan in at most one place (see [`super::state`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Plans ready to send at one location: sequence number -> plan id, lowest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Ready {
    entries: VecDeque<(u64, String)>,
}

impl Ready {
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, seq: u64) -> Result<usize, usize> {
        self.entries.binary_search_by(|(s, _)| s.cmp(&seq))
    }

    /// The plan ready under `seq`.
    pub(super) fn get(&self, seq: u64) -> Option<&String> {
        self.find(seq).ok().map(|i| &self.entries[i].1)
    }

    /// Sets the plan of `seq`; returns the one it replaces.
    pub(super) fn insert(&mut self, seq: u64, id: String) -> Option<String> {
        if self.entries.back().is_none_or(|(last, _)| *last < seq) {
            self.entries.push_back((seq, id));
            return None;
        }
        match self.find(seq) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, id)),
            Err(i) => {
                self.entries.insert(i, (seq, id));
                None
            }
        }
    }

    /// Removes and returns the entry with the lowest sequence number.
    pub(super) fn pop_first(&mut self) -> Option<(u64, String)> {
        self.entries.pop_front()
    }
}

/// Plans waiting for their backoff: `(wake time, sequence number, plan id)`, earliest
/// first.
#[derive(Debug, Clone, Default)]
pub(super) struct Timers {
    heap: BinaryHeap<Reverse<(u64, u64, String)>>,
}

impl Timers {
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }

    pub(super) fn insert(&mut self, at: u64, seq: u64, id: String) {
        self.heap.push(Reverse((at, seq, id)));
    }

    /// The earliest wake time.
    pub(super) fn first_at(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(t)| t.0)
    }

    /// Removes and returns the earliest entry if it is due at `now` (an identical
    /// repeat of it goes with it, as a set holds it once).
    pub(super) fn pop_due(&mut self, now: u64) -> Option<(u64, u64, String)> {
        if self.first_at()? > now {
            return None;
        }
        let Reverse(first) = self.heap.pop()?;
        while self.heap.peek().is_some_and(|Reverse(t)| *t == first) {
            self.heap.pop();
        }
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorted::{SortedMap, SortedSet};
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u8),
        Pop(u64),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        // Small key ranges so repeats, replacements and ties happen often; inserts
        // outnumber pops so the queues grow.
        let op = prop_oneof![
            3 => (0u64..40, 0u8..4).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => (0u64..40).prop_map(Op::Pop),
        ];
        proptest::collection::vec(op, 0..200)
    }

    proptest! {
        /// `Ready` against the sorted map it replaces: same replacements, same pops,
        /// same lookups, same emptiness after every operation.
        #[test]
        fn ready_behaves_as_the_sorted_map(ops in ops()) {
            let mut new = Ready::default();
            let mut old: SortedMap<u64, String> = SortedMap::new();
            for op in ops {
                match op {
                    Op::Insert(seq, v) => {
                        let id = format!("p{v}");
                        prop_assert_eq!(new.insert(seq, id.clone()), old.insert(seq, id));
                    }
                    Op::Pop(seq) => {
                        prop_assert_eq!(new.get(seq), old.get(&seq));
                        prop_assert_eq!(new.pop_first(), old.pop_first());
                    }
                }
                prop_assert_eq!(new.is_empty(), old.is_empty());
            }
            while let Some(e) = old.pop_first() {
                prop_assert_eq!(new.pop_first(), Some(e));
            }
            prop_assert!(new.is_empty());
        }

        /// `Timers` against the sorted set it replaces, driven as `fire_timers` drives
        /// it: same earliest time, same entries due at each `now`, in the same order.
        /// Identical entries may repeat: they fire once and count in `len` per copy.
        #[test]
        fn timers_behave_as_the_sorted_set(ops in ops()) {
            let mut new = Timers::default();
            let mut old: SortedSet<(u64, u64, String)> = SortedSet::new();
            // How many copies of each entry `Timers` holds.
            let mut copies: std::collections::HashMap<(u64, u64, String), usize> =
                std::collections::HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(at, v) => {
                        let entry = (at, u64::from(v), format!("p{v}"));
                        old.insert(entry.clone());
                        *copies.entry(entry.clone()).or_default() += 1;
                        new.insert(entry.0, entry.1, entry.2);
                    }
                    Op::Pop(now) => loop {
                        let due = old.first().filter(|t| t.0 <= now).cloned();
                        if due.is_some() {
                            old.pop_first();
                        }
                        let got = new.pop_due(now);
                        prop_assert_eq!(&got, &due);
                        match got {
                            Some(e) => {
                                copies.remove(&e);
                            }
                            None => break,
                        }
                    },
                }
                prop_assert_eq!(new.first_at(), old.first().map(|t| t.0));
                prop_assert_eq!(old.len(), copies.len());
                prop_assert_eq!(new.len(), copies.values().sum::<usize>());
            }
        }
    }

    #[test]
    fn a_backlog_drains_in_order_from_either_end_of_arrival() {
        let mut r = Ready::default();
        for seq in (1..=999).rev().step_by(2).chain((2..=1000).step_by(2)) {
            r.insert(seq, format!("p{seq}"));
        }
        let order: Vec<u64> = std::iter::from_fn(|| r.pop_first()).map(|e| e.0).collect();
        assert_eq!(order, (1..=1000).collect::<Vec<_>>());
    }
}
