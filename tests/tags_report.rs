//! The tag validation report.

use ghl_bridge::tags::*;
use serde_json::{json, Value};

fn tag(id: &str, name: &str, created: &str, deleted: bool) -> Value {
    json!({"_id": id, "tag": name, "locationId": "loc1", "deleted": deleted, "createdAt": created})
}

fn catalog(tags: Vec<Value>) -> TagCatalog {
    let mut c = TagCatalog::new("loc1", CatalogConfig::default()).unwrap();
    c.restore(
        tags.into_iter()
            .map(|t| serde_json::from_value(t).unwrap())
            .collect(),
        0,
    );
    c
}

fn r(value: &str, source: &str) -> TagReference {
    TagReference {
        value: value.into(),
        source: source.into(),
    }
}

#[test]
fn findings_with_proposals() {
    let long = "x".repeat(12);
    let c = catalog(vec![
        tag("v1", "VIP", "2024-02-01", false),
        tag("v2", "vip ", "2024-01-01", false),
        tag("v3", "Vip", "2023-01-01", true),
        tag("p1", "Promo", "2024-01-01", true),
        tag("o1", "Old", "2024-01-01", true),
        tag("o2", "old", "2024-03-01", false),
        tag("b1", "  ", "2024-01-01", false),
        tag("l1", &long, "2024-01-01", false),
    ]);
    let refs = vec![
        r("v1", "rule:a"),
        r("VIP", "contact:1"),
        r("v1", "rule:b"),
        r("v2", "rule:c"),
        r("p1", "rule:d"),
        r("o1", "rule:e"),
        r("ghost", "contact:2"),
        r("ghost", "contact:2"),
    ];
    let report = validate_tags(&c, &refs, &ReportOptions { max_len: 10 });
    assert_eq!(report.tags_checked, 8);
    assert_eq!(report.references_checked, 8);
    let kinds: Vec<FindingKind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            FindingKind::CaseOrSpaceVariants, // Old / old
            FindingKind::CaseOrSpaceVariants, // VIP group
            FindingKind::DeletedReferenced,   // Old -> old
            FindingKind::DeletedReferenced,   // Promo
            FindingKind::UnknownReference,
            FindingKind::BlankName,
            FindingKind::OverlongName,
        ]
    );
    // VIP group: v1 is live and most used (2 uses by id; "VIP" by name is ambiguous
    // between v1 and v2 and counts for the exact spelling v1), so it is canonical over
    // the older v2.
    let vip = &report.findings[1];
    assert_eq!(
        vip.proposal,
        Proposal::UseCanonical {
            id: "v1".into(),
            name: "VIP".into()
        }
    );
    let ids: Vec<(&str, usize, bool)> = vip
        .tags
        .iter()
        .map(|t| (t.id.as_deref().unwrap(), t.uses, t.deleted))
        .collect();
    assert_eq!(
        ids,
        vec![("v1", 3, false), ("v2", 1, false), ("v3", 0, true)]
    );
    assert_eq!(vip.tags[0].sources, vec!["contact:1", "rule:a", "rule:b"]);
    // Old (deleted, referenced) has a live replacement.
    let old = &report.findings[2];
    assert_eq!(
        old.proposal,
        Proposal::ReplaceWith {
            id: "o2".into(),
            name: "old".into()
        }
    );
    assert_eq!(
        old.message,
        "deleted tag `Old` (o1) is still referenced 1 time(s)"
    );
    assert_eq!(report.findings[3].proposal, Proposal::RecreateOrRemove);
    let ghost = &report.findings[4];
    assert_eq!(ghost.tags[0].name, "ghost");
    assert_eq!(ghost.tags[0].uses, 2);
    assert_eq!(ghost.tags[0].sources, vec!["contact:2"]);
    assert_eq!(report.findings[5].proposal, Proposal::Remove);
    assert_eq!(
        report.findings[6].proposal,
        Proposal::Rename {
            suggestion: "x".repeat(10)
        }
    );

    let md = report.to_markdown();
    assert!(
        md.starts_with("# Tag report\n\nChecked 8 tags and 8 references: 7 finding(s).\n"),
        "{md}"
    );
    assert!(md.contains("\n## Names differing only by case or spaces (2)\n"));
    assert!(md.contains("| `VIP` (v1), 3 use(s); `vip ` (v2), 1 use(s); `Vip` (v3) deleted | use `VIP` (v1) everywhere |"), "{md}");
    assert!(md.contains("## Unknown references (1)"));
    let v = serde_json::to_value(&report.findings[2]).unwrap();
    assert_eq!(v["kind"], json!("deletedReferenced"));
    assert_eq!(
        v["proposal"],
        json!({"action": "replaceWith", "id": "o2", "name": "old"})
    );
}

#[test]
fn oldest_wins_when_uses_are_equal_and_recreated_tags_are_not_variants() {
    let c = catalog(vec![
        tag("a", "Lead", "2024-02-01", false),
        tag("b", "lead", "2023-05-01", false),
        tag("c", "Gone", "2023-01-01", true),
        tag("d", "Gone", "2024-01-01", false),
    ]);
    let report = validate_tags(&c, &[], &ReportOptions::default());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].proposal,
        Proposal::UseCanonical {
            id: "b".into(),
            name: "lead".into()
        }
    );
    assert!(validate_tags(
        &catalog(vec![tag("a", "A", "2024", false)]),
        &[r("a", "x")],
        &ReportOptions::default()
    )
    .is_clean());
}

#[test]
fn markdown_escapes_pipes() {
    let c = catalog(vec![
        tag("a", "a|b", "2024", false),
        tag("b", "A|B", "2024", false),
    ]);
    let md = validate_tags(&c, &[], &ReportOptions::default()).to_markdown();
    assert!(md.contains("`a\\|b` (a)"), "{md}");
}

#[test]
fn markdown_keeps_hostile_tag_names_inside_their_code_spans() {
    let c = catalog(vec![
        tag("a", "x` <img src=x onerror=alert(1)> `", "2024", false),
        tag("b", "X` <IMG SRC=X ONERROR=ALERT(1)> `", "2025", false),
        tag("c", "[go](javascript:alert(1))", "2024", true),
    ]);
    let refs = [
        r("c", "rule:<script>alert(1)</script>"),
        r("<script>x</script>", "contact:1"),
    ];
    let md = validate_tags(&c, &refs, &ReportOptions::default()).to_markdown();
    // The names are code spans whose fence is longer than any backtick run inside.
    assert!(
        md.contains("`` x` <img src=x onerror=alert(1)> ` ``"),
        "{md}"
    );
    // Outside code spans nothing from data is HTML or a link.
    let outside = without_code_spans(&md);
    for raw in ["<script", "](javascript", "<img", "<IMG"] {
        assert!(!outside.contains(raw), "{raw:?} outside a code span:\n{md}");
    }
    assert!(md.contains("&lt;script&gt;"), "{md}");
    for line in md.lines().filter(|l| l.starts_with("| `")) {
        assert_eq!(line.replace("\\|", "").matches('|').count(), 4, "{line}");
    }
}

/// The text with its code spans removed, as CommonMark delimits them (a run of n
/// backticks up to the next run of exactly n); an unclosed run or an escaped backtick
/// is literal text.
fn without_code_spans(md: &str) -> String {
    let chars: Vec<char> = md.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            out.extend(chars.get(i..(i + 2).min(chars.len())).unwrap_or_default());
            i += 2;
            continue;
        }
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => i = end,
            None => {
                out.extend(&chars[i..i + n]);
                i += n;
            }
        }
    }
    out
}
