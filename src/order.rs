//! One stable sort for the domains' cold paths (reports, restores, tombstones).
//!
//! The standard library's sort is instantiated anew for every element type and every
//! comparison closure, each instance a few KB of Wasm. [`sort_by`] sorts positions
//! instead, through a single instance that compares them with a `dyn` closure, then
//! moves the elements into place: the same order as `slice::sort_by` (stable), for a
//! few hundred bytes per element type. Not for hot paths: each comparison is an
//! indirect call. Maps are built by insertion ([`map_of`]), not by `collect()`, which
//! sorts.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Sorts `v` by `cmp`, keeping equal elements in their order (as `slice::sort_by`).
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut perm: Vec<usize> = (0..v.len()).collect();
    sort_positions(&mut perm, &mut |a, b| cmp(&v[a], &v[b]));
    // `perm[k]` is the position of the element that goes to `k`: follow each cycle.
    for start in 0..perm.len() {
        let mut k = start;
        loop {
            let from = perm[k];
            perm[k] = usize::MAX;
            if from == start || from == usize::MAX {
                break;
            }
            v.swap(k, from);
            k = from;
        }
    }
}

/// Sorts `v` in its natural order (as `slice::sort`).
pub(crate) fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A map of `items`, the last value of a repeated key kept (what `collect()` gives), by
/// insertion: `BTreeMap`'s `FromIterator` sorts the items first, through a stable-sort
/// instance per iterator type (about 2 KB of Wasm each).
pub(crate) fn map_of<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (k, v) in items {
        map.insert(k, v);
    }
    map
}

/// The one instance of the standard sort behind [`sort_by`].
fn sort_positions(perm: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    perm.sort_by(|&a, &b| cmp(a, b));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard stable sort, equal keys included.
        #[test]
        fn sorts_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..5, any::<u16>()), 0..60)) {
            let mut ours = v.clone();
            super::sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = v.clone();
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(&ours, &std);
            let mut all = v.clone();
            super::sort(&mut all);
            let mut std_all = v;
            std_all.sort();
            prop_assert_eq!(all, std_all);
        }
    }
}
