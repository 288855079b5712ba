//! Property tests: the engine never panics, a compiled document is what its types read,
//! every problem points into the document, and the selective scanner agrees with
//! serde_json on what it extracts.

use ghl_bridge::rules::scan::extract;
use ghl_bridge::rules::{
    compile, presets, validate, ApplyOptions, CompileContext, Limits, RulesDocument, RulesError,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("email".to_string()),
        Just("lead".to_string()),
        Just("tags".to_string()),
        "[a-zA-Z0-9 _.é-]{0,8}",
        // Keys written with escapes in the JSON text (backslash, tab, a control
        // character): read by unescaping, never compared as raw bytes.
        "[ab\\\\\t\u{1}/]{1,4}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e12f64..1.0e12).prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        "[ a-zA-Z@.,+()0-9-]{0,30}".prop_map(Value::String),
        Just(json!("  Jane.Doe@Example.COM ")),
        Just(json!("(415) 555-0123")),
        Just(json!("03/15/1990")),
        Just(json!("United Kingdom")),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A record shaped like a Wishpond lead with arbitrary values at the paths rules read.
fn lead_like() -> impl Strategy<Value = Value> {
    let fields = [
        "email",
        "first_name",
        "last_name",
        "name",
        "phone",
        "company",
        "city",
        "state",
        "zip",
        "country",
        "website",
        "birthday",
        "source",
        "tags",
        "opted_in",
        "score",
    ];
    (
        prop::collection::vec(json_value(), fields.len()),
        json_value(),
        json_value(),
        prop::option::of(prop_oneof![
            Just(json!("lead.updated")),
            Just(json!("lead.created")),
            scalar()
        ]),
    )
        .prop_map(move |(vals, utm, campaign, event)| {
            let mut lead = Map::new();
            for (f, v) in fields.iter().zip(vals) {
                lead.insert(f.to_string(), v);
            }
            lead.insert("utm".into(), utm);
            let mut rec = json!({"lead": lead, "campaign": campaign});
            if let Some(e) = event {
                rec["event"] = e;
            }
            rec
        })
}

/// Reference path evaluation on a parsed value.
fn reference(v: &Value, segs: &[Seg]) -> Vec<Value> {
    match segs.split_first() {
        None => vec![v.clone()],
        Some((Seg::Key(k), rest)) => v
            .get(k.as_str())
            .map(|x| reference(x, rest))
            .unwrap_or_default(),
        Some((Seg::Index(i), rest)) => v
            .as_array()
            .and_then(|a| a.get(*i))
            .map(|x| reference(x, rest))
            .unwrap_or_default(),
        Some((Seg::Wild, rest)) => v
            .as_array()
            .map(|a| a.iter().flat_map(|x| reference(x, rest)).collect())
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
    Wild,
}

fn path_text(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => format!("[\"{k}\"]"),
            Seg::Index(i) => format!("[{i}]"),
            Seg::Wild => "[*]".into(),
        })
        .collect()
}

/// A path that mostly follows the value (random choices from `picks`).
fn walk(v: &Value, picks: &[u8]) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut cur = v;
    for &p in picks {
        match cur {
            Value::Object(m) if !m.is_empty() => {
                let (k, next) = m.iter().nth(p as usize % m.len()).unwrap();
                segs.push(Seg::Key(k.clone()));
                cur = next;
            }
            Value::Array(a) if !a.is_empty() => {
                if p % 3 == 0 {
                    segs.push(Seg::Wild);
                    cur = &a[0];
                } else {
                    let i = p as usize % (a.len() + 1);
                    segs.push(Seg::Index(i));
                    match a.get(i) {
                        Some(n) => cur = n,
                        None => break,
                    }
                }
            }
            _ => {
                if p % 4 == 0 {
                    segs.push(Seg::Key("missing".into()));
                }
                break;
            }
        }
    }
    if segs.is_empty() {
        segs.push(Seg::Key("absent".into()));
    }
    segs
}

/// Equal, with numbers within a relative 1e-12: serde_json's own float parser (without
/// its `float_roundtrip` feature) may be one unit in the last place off, so a number
/// that went through text once is compared with a tolerance (rounding both sides to a
/// fixed number of digits would still split values on either side of a rounding step).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn same_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn scanner_agrees_with_serde(v in json_value(), picks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 1..5)) {
        let record = json!({"root": v, "other": [1, {"x": "y"}]});
        let text = record.to_string();
        let paths: Vec<Vec<Seg>> = picks.iter().map(|p| walk(&record, p)).collect();
        let texts: Vec<String> = paths.iter().map(|p| path_text(p)).collect();
        let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
        let limits = Limits { max_depth: 200, max_string_len: usize::MAX, ..Limits::default() };
        let got = extract(&text, &refs, &limits).unwrap();
        for (i, segs) in paths.iter().enumerate() {
            let want = reference(&record, segs);
            let multi = segs.iter().any(|s| matches!(s, Seg::Wild));
            let want = if multi {
                (!want.is_empty()).then_some(Value::Array(want))
            } else {
                want.into_iter().next()
            };
            prop_assert!(same_opt(got[i].as_ref(), want.as_ref()), "path {}: {:?} vs {:?}", texts[i], got[i], want);
        }
    }

    #[test]
    fn scanner_never_panics_on_bytes(s in ".{0,200}", cut in any::<usize>()) {
        let _ = extract(&s, &["a", "b[*].c", "[0]"], &Limits::default());
        // Every strict prefix of a JSON object is an error, never a panic.
        let rec = json!({"a": s, "b": [{"c": 1}, {"c": [true, null]}]}).to_string();
        let mut at = cut % rec.len();
        while !rec.is_char_boundary(at) { at -= 1; }
        prop_assert!(extract(&rec[..at], &["a", "b[*].c"], &Limits::default()).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn presets_never_panic_on_any_record(rec in lead_like(), junk in json_value()) {
        let o = ApplyOptions { trace: true };
        for (_, doc) in presets::all() {
            let c = compile(&doc, &CompileContext::default()).unwrap();
            let r = c.apply_value(&rec, &o).unwrap();
            // The text form matches the typed form.
            let text: Value = serde_json::from_str(&c.apply_json_text(&rec.to_string(), &o)).unwrap();
            let typed = serde_json::to_value(&r).unwrap();
            prop_assert!(same(&text, &typed), "{} vs {}", text, typed);
            // Tags are normalised and unique across both lists.
            let mut seen = std::collections::HashSet::new();
            for t in r.tags_to_add.iter().chain(&r.tags_to_remove) {
                prop_assert!(!t.is_empty() && t.chars().count() <= 64 && t.trim() == t);
                prop_assert!(seen.insert(t.to_lowercase()), "duplicate tag {}", t);
            }
            if let Some(p) = &r.upsert.fields.phone { prop_assert!(p.starts_with('+') && p.len() <= 16); }
            if let Some(d) = &r.upsert.fields.date_of_birth { prop_assert_eq!(d.len(), 10); }
            let _ = c.apply_value(&junk, &o);
        }
    }
}

/// Mutates a document: replaces the node at a random position by `v`.
fn mutate(cur: &mut Value, picks: &[u8], v: Value, delete: bool) {
    let Some((&p, rest)) = picks.split_first() else {
        *cur = v;
        return;
    };
    let last = rest.is_empty();
    if let Value::Object(m) = cur {
        if !m.is_empty() {
            let k = m.keys().nth(p as usize % m.len()).unwrap().clone();
            if last {
                if delete {
                    m.remove(&k);
                } else {
                    m.insert(k, v);
                }
            } else {
                mutate(m.get_mut(&k).unwrap(), rest, v, delete);
            }
            return;
        }
    }
    if let Value::Array(a) = cur {
        if !a.is_empty() {
            let i = p as usize % a.len();
            if last {
                if delete {
                    a.remove(i);
                } else {
                    a[i] = v;
                }
            } else {
                mutate(&mut a[i], rest, v, delete);
            }
            return;
        }
    }
    *cur = v;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_compile_into_their_types_or_say_why(which in 0usize..2, picks in prop::collection::vec(any::<u8>(), 1..7), v in json_value(), delete in any::<bool>(), rec in lead_like()) {
        let mut doc = presets::all()[which].1.clone();
        mutate(&mut doc, &picks, v, delete);
        match compile(&doc, &CompileContext::default()) {
            Ok(c) => {
                // The compiler read the document exactly as its types (the grammar) read it.
                let typed: RulesDocument = serde_json::from_value(doc.clone())
                    .map_err(|e| TestCaseError::fail(format!("compiled, but the types refuse it: {e}")))?;
                prop_assert_eq!(c.document(), &typed);
                // It round-trips through the types.
                let back = serde_json::to_value(c.document()).unwrap();
                prop_assert!(validate(&back).is_empty());
                let _ = c.apply_value(&rec, &ApplyOptions { trace: true }).unwrap();
            }
            Err(RulesError::Invalid { problems }) => {
                prop_assert!(!problems.is_empty());
                prop_assert_eq!(&validate(&doc), &problems);
                for p in &problems {
                    prop_assert!(p.pointer.is_empty() || p.pointer.starts_with('/'));
                    prop_assert!(!p.message.is_empty());
                    // The pointer names a part of the document (or a key that is missing
                    // from it, for MISSING_FIELD, which points at the part needing it).
                    prop_assert!(doc.pointer(&p.pointer).is_some(), "{} not in the document", p.pointer);
                }
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}
