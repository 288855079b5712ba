//! Contact tag diffs and location tag plans.

use ghl_bridge::tags::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn adds_removes_and_keeps() {
    let d = diff(
        &s(&["VIP", " New Lead "]),
        &s(&["cold"]),
        &s(&["vip", "Cold", "webinar"]),
    );
    assert_eq!(d.add, s(&["New Lead"]));
    assert_eq!(d.remove, s(&["Cold"]));
    assert_eq!(d.unchanged, s(&["vip", "webinar"]));
    assert!(!d.is_empty());
}

#[test]
fn never_removes_what_is_also_desired() {
    let d = diff(&s(&["Hot"]), &s(&["hot ", "HOT"]), &s(&["hot"]));
    assert!(d.is_empty());
    assert_eq!(d.unchanged, s(&["hot"]));
    // Desired and removed but absent: added.
    let d = diff(&s(&["Hot"]), &s(&["hot"]), &s(&[]));
    assert_eq!(d.add, s(&["Hot"]));
    assert!(d.remove.is_empty());
}

#[test]
fn duplicates_blanks_and_inner_spaces() {
    let d = diff(
        &s(&["A  b", "a b", "", "  ", "C", "c"]),
        &s(&["", "x"]),
        &s(&["X", "x ", "d"]),
    );
    assert_eq!(d.add, s(&["A  b", "C"]));
    assert_eq!(d.remove, s(&["X"]));
    assert_eq!(d.unchanged, s(&["d"]));
    let d = diff(&[], &[], &[]);
    assert_eq!(d, TagDiff::default());
}

#[test]
fn location_tags_are_created_only_with_config_and_scope() {
    let desired = s(&["VIP", "new one", "New One ", "  "]);
    let location = s(&["vip", "other"]);
    let plan = missing_location_tags(&desired, &location, true, true);
    assert_eq!(plan.create, s(&["new one"]));
    assert_eq!(plan.missing, s(&["new one"]));
    assert_eq!(plan.skipped_reason, None);
    let plan = missing_location_tags(&desired, &location, true, false);
    assert!(plan.create.is_empty());
    assert_eq!(
        plan.skipped_reason,
        Some(LocationTagSkip::MissingScope {
            scope: "locations/tags.write".into()
        })
    );
    assert_eq!(
        serde_json::to_value(&plan).unwrap(),
        serde_json::json!({"create": [], "missing": ["new one"], "skippedReason": {"reason": "missingScope", "scope": "locations/tags.write"}})
    );
    let plan = missing_location_tags(&desired, &location, false, false);
    assert_eq!(plan.skipped_reason, Some(LocationTagSkip::CreationDisabled));
    let plan = missing_location_tags(&s(&["VIP"]), &location, false, false);
    assert_eq!(plan, LocationTagPlan::default());
}

fn norm_set(v: &[String]) -> BTreeSet<String> {
    v.iter().map(|x| normalize_tag_name(x)).collect()
}

fn tag_strategy() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "vip", "VIP", " vip ", "Hot", "hot", "a  b", "A B", "x", "", " ", "Lead", "lead",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #[test]
    fn diff_invariants(
        add in prop::collection::vec(tag_strategy(), 0..8),
        remove in prop::collection::vec(tag_strategy(), 0..8),
        current in prop::collection::vec(tag_strategy(), 0..8),
    ) {
        let d = diff(&add, &remove, &current);
        let cur = norm_set(&current);
        let added = norm_set(&d.add);
        let removed = norm_set(&d.remove);
        let kept = norm_set(&d.unchanged);
        // add ∩ current = ∅ (case-insensitively)
        prop_assert!(added.is_disjoint(&cur));
        // remove ⊆ current
        prop_assert!(removed.is_subset(&cur));
        // nothing desired is removed
        prop_assert!(removed.is_disjoint(&norm_set(&add)));
        // no duplicates, no blanks
        prop_assert_eq!(added.len(), d.add.len());
        prop_assert_eq!(removed.len(), d.remove.len());
        prop_assert_eq!(kept.len(), d.unchanged.len());
        prop_assert!(!added.contains("") && !removed.contains("") && !kept.contains(""));
        // final state = unchanged ∪ add, and it holds every desired tag
        let after: BTreeSet<String> = kept.union(&added).cloned().collect();
        let wanted: BTreeSet<String> = norm_set(&add).into_iter().filter(|k| !k.is_empty()).collect();
        prop_assert!(wanted.is_subset(&after));
        let mut expected = cur.clone();
        expected.remove("");
        for r in &removed { expected.remove(r); }
        expected.extend(added.iter().cloned());
        prop_assert_eq!(after, expected);
    }
}
