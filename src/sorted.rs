//! The domains' maps and sets: a sorted `Vec` instead of `BTreeMap` / `BTreeSet`.
//!
//! Every `BTreeMap<K, V>` the module uses brings its own copy of the B-tree's node code
//! (search, split on insert, steal and merge on remove, clone, drop, iterators): 1-3 KB
//! of Wasm for each of the thirty-odd key and value types the domains held. The maps
//! here are small (a flow's rules, an account's tags, a report's groups), so a sorted
//! list does the same with a binary search and `Vec::insert`/`Vec::remove`, for a few
//! hundred bytes per type.
//!
//! Invariant: what a `BTreeMap` / `BTreeSet` would do, observably. Entries are kept in
//! key order without duplicates, so iteration, `Debug`, serialisation (a JSON object in
//! key order), equality and the JSON Schema are the B-tree's; reading a map with a
//! repeated key keeps the last value, as `BTreeMap` does. Costs: lookups O(log n);
//! insert and remove O(n) (a move of the later entries), except that inserting in key
//! order (what reading a JSON object does) appends, and `pop_first` moves them all;
//! `collect` and `extend` sort once, O(n log n). Fine for the sizes the domains hold;
//! build large ones with `collect`/`extend` or in key order. Not for a queue drained
//! from its first entry that can grow to a backlog: draining n entries moves O(n²)
//! (the outbox's `ready` and `timers` are in `crate::outbox`'s `queue.rs` for that:
//! measured by `benches/outbox/queues.rs`).

use std::borrow::Borrow;
use std::fmt;

/// A map kept as a list of entries sorted by key (see the module doc).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> SortedMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    /// The entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, mutable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.entries.is_empty()).then(|| self.entries.remove(0))
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutable.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Sets the value of `key`; returns the one it replaces (the key stays the first one
    /// inserted, as in `BTreeMap`).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes the value of `key` and returns it.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The place of `key`, for `or_insert` and friends.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let at = self.find(&key);
        Entry { map: self, key, at }
    }
}

/// A place in a [`SortedMap`] (from [`SortedMap::entry`]).
pub struct Entry<'a, K, V> {
    map: &'a mut SortedMap<K, V>,
    key: K,
    at: Result<usize, usize>,
}

impl<'a, K, V> Entry<'a, K, V> {
    /// The value, inserting `make()` first if there is none.
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let i = match self.at {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, make()));
                i
            }
        };
        &mut self.map.entries[i].1
    }

    /// The value, inserting `value` first if there is none.
    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, inserting the default first if there is none.
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

/// The entries of a [`SortedMap`] in key order.
pub struct Iter<'a, K, V>(std::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut SortedMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter =
        std::iter::Map<std::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// Back in key order without duplicates after entries were pushed at the end: a
    /// stable sort by key, then of each run of equal keys the first key with the last
    /// value (what inserting them one by one gives). Linear when already in order.
    fn restore_order(&mut self) {
        let sorted = self.entries.windows(2).all(|w| w[0].0 < w[1].0);
        if sorted {
            return;
        }
        crate::order::sort_by(&mut self.entries, |a, b| a.0.cmp(&b.0));
        self.entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
    }
}

/// Adds the entries at once (a later value for a key replaces an earlier one, as with
/// [`SortedMap::insert`]): O((n + m) log(n + m)) instead of a move per entry.
impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.entries.extend(iter);
        self.restore_order();
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for SortedMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, K, V> serde::Deserialize<'de> for SortedMap<K, V>
where
    K: serde::Deserialize<'de> + Ord,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K, V> serde::de::Visitor<'de> for Visit<K, V>
        where
            K: serde::Deserialize<'de> + Ord,
            V: serde::Deserialize<'de>,
        {
            type Value = SortedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = SortedMap::new();
                while let Some((k, v)) = a.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A JSON object (the codec's reader gives its keys in order, so this is linear).
impl<V: crate::codec::FromJson> crate::codec::FromJson for SortedMap<String, V> {
    fn from_json(v: serde_json::Value) -> Result<Self, crate::codec::DecodeError> {
        let mut map = SortedMap::new();
        for (k, x) in crate::codec::object(v)? {
            let x = V::from_json(x).map_err(|e| e.in_field(&k))?;
            map.entries.push((k, x));
        }
        map.restore_order();
        Ok(map)
    }
}

impl<V: crate::codec::ToJson> crate::codec::ToJson for SortedMap<String, V> {
    fn write_json(&self, out: &mut String) {
        let mut o = crate::codec::Obj::begin(out);
        crate::codec::ToJsonFields::write_fields(self, &mut o);
        o.end();
    }
}

impl<V: crate::codec::ToJson> crate::codec::ToJsonFields for SortedMap<String, V> {
    fn write_fields(&self, o: &mut crate::codec::Obj<'_>) {
        for (k, v) in self {
            o.field(k, v);
        }
    }
}

#[cfg(feature = "schema")]
impl<K, V> schemars::JsonSchema for SortedMap<K, V>
where
    std::collections::BTreeMap<K, V>: schemars::JsonSchema,
{
    fn inline_schema() -> bool {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::schema_id()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <std::collections::BTreeMap<K, V> as schemars::JsonSchema>::json_schema(g)
    }
}

/// A set kept as a sorted list (see the module doc).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SortedSet<T>(SortedMap<T, ()>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SortedSet<T> {
    /// An empty set.
    pub const fn new() -> Self {
        Self(SortedMap::new())
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.0.entries.iter().map(|(k, ())| k)
    }

    /// Keeps the elements for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.0.retain(|k, ()| keep(k));
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The smallest element.
    pub fn first(&self) -> Option<&T> {
        self.0.first_key_value().map(|(k, ())| k)
    }

    /// Removes and returns the smallest element.
    pub fn pop_first(&mut self) -> Option<T> {
        self.0.pop_first().map(|(k, ())| k)
    }
}

impl<T: Ord> SortedSet<T> {
    /// Adds `value`; false if it was there (the one there stays).
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.find(&value) {
            Ok(_) => false,
            Err(i) => {
                self.0.entries.insert(i, (value, ()));
                true
            }
        }
    }

    /// Whether `value` is in the set.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.contains_key(value)
    }

    /// Removes `value`; false if it was not there.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.remove(value).is_some()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(T, ())>, fn((T, ())) -> T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.entries.into_iter().map(|(k, ())| k)
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.entries.iter().map(|(k, ())| k)
    }
}

/// Adds the elements at once (of equal ones the first stays, as with
/// [`SortedSet::insert`]).
impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.0.extend(iter.into_iter().map(|v| (v, ())));
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{SortedMap, SortedSet};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u16),
        Remove(u8),
        Entry(u8, u16),
        Retain(u8),
        PopFirst,
        Extend(Vec<(u8, u16)>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..20, any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0u8..20).prop_map(Op::Remove),
            (0u8..20, any::<u16>()).prop_map(|(k, v)| Op::Entry(k, v)),
            (1u8..5).prop_map(Op::Retain),
            Just(Op::PopFirst),
            proptest::collection::vec((0u8..20, any::<u16>()), 0..12).prop_map(Op::Extend),
        ]
    }

    proptest! {
        /// Any sequence of operations: the same results and contents as `BTreeMap`
        /// and `BTreeSet`, in the same order.
        #[test]
        fn behaves_as_the_btree(ops in proptest::collection::vec(op(), 0..80)) {
            let (mut ours, mut std) = (SortedMap::new(), BTreeMap::new());
            let (mut set, mut std_set) = (SortedSet::new(), BTreeSet::new());
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        prop_assert_eq!(ours.insert(k, v), std.insert(k, v));
                        prop_assert_eq!(set.insert(k), std_set.insert(k));
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(ours.remove(&k), std.remove(&k));
                        prop_assert_eq!(set.remove(&k), std_set.remove(&k));
                    }
                    Op::Entry(k, v) => {
                        // Wrapping: a generated value may be u16::MAX.
                        let e = ours.entry(k).or_insert(v);
                        *e = e.wrapping_add(1);
                        let e = std.entry(k).or_insert(v);
                        *e = e.wrapping_add(1);
                    }
                    Op::Retain(m) => {
                        ours.retain(|k, _| k % m == 0);
                        std.retain(|k, _| k % m == 0);
                        set.retain(|k| k % m != 0);
                        std_set.retain(|k| k % m != 0);
                    }
                    Op::PopFirst => {
                        prop_assert_eq!(ours.pop_first(), std.pop_first());
                        prop_assert_eq!(set.pop_first(), std_set.pop_first());
                    }
                    Op::Extend(pairs) => {
                        ours.extend(pairs.iter().copied());
                        std.extend(pairs.iter().copied());
                        set.extend(pairs.iter().map(|p| p.0));
                        std_set.extend(pairs.iter().map(|p| p.0));
                    }
                }
                prop_assert_eq!(ours.len(), std.len());
                for k in 0u8..20 {
                    prop_assert_eq!(ours.get(&k), std.get(&k));
                    prop_assert_eq!(set.contains(&k), std_set.contains(&k));
                }
            }
            prop_assert_eq!(ours.iter().collect::<Vec<_>>(), std.iter().collect::<Vec<_>>());
            let collected: SortedMap<u8, u16> = std.iter().rev().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(&collected, &ours);
            prop_assert_eq!(format!("{ours:?}"), format!("{std:?}"));
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), std_set.iter().collect::<Vec<_>>());
            prop_assert_eq!(format!("{set:?}"), format!("{std_set:?}"));
        }

        /// Read and written as `BTreeMap<String, _>` is: an object in key order, the
        /// last of repeated keys kept, the same refusals.
        #[test]
        fn reads_and_writes_json_as_the_btree(pairs in proptest::collection::vec(("[a-c]{0,2}", any::<i32>()), 0..12)) {
            let text = format!(
                "{{{}}}",
                pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            );
            let ours: SortedMap<String, i32> = serde_json::from_str(&text).unwrap();
            let std: BTreeMap<String, i32> = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&std).unwrap());
            prop_assert_eq!(ours.into_iter().collect::<Vec<_>>(), std.into_iter().collect::<Vec<_>>());
        }
    }

    #[cfg(feature = "schema")]
    #[test]
    fn the_schema_is_the_btrees() {
        use crate::stats::model::PlatformTotal;
        assert_eq!(
            schemars::schema_for!(SortedMap<String, SortedMap<String, PlatformTotal>>),
            schemars::schema_for!(BTreeMap<String, BTreeMap<String, PlatformTotal>>)
        );
        assert_eq!(
            schemars::schema_for!(SortedMap<String, f64>),
            schemars::schema_for!(BTreeMap<String, f64>)
        );
    }

    #[test]
    fn refuses_as_the_btree() {
        for text in ["[]", "1", "{\"a\": \"x\"}", "null"] {
            let ours = serde_json::from_str::<SortedMap<String, i32>>(text).unwrap_err();
            let std = serde_json::from_str::<BTreeMap<String, i32>>(text).unwrap_err();
            assert_eq!(ours.to_string(), std.to_string(), "{text}");
        }
    }
}
