//! Hostile records: the single-value contract of the slots text form, deep nesting on
//! every JSON-text path, and the cost limits (regex work, produced field and output
//! sizes). Each case gives a typed error and leaves the compiled rules usable.

use ghl_bridge::error::Coded;
use ghl_bridge::rules::{compile, ApplyOptions, CompileContext, CompiledRules, Limits};
use serde_json::{json, Value};

fn rules(doc: Value) -> CompiledRules {
    compile(&doc, &CompileContext::default()).unwrap()
}

fn rules_with(doc: Value, limits: Limits) -> CompiledRules {
    compile(
        &doc,
        &CompileContext {
            custom_fields: None,
            limits,
        },
    )
    .unwrap()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not one JSON value ({e}): {text:?}"))
}

const O: ApplyOptions = ApplyOptions { trace: false };

#[test]
fn slots_text_form_is_one_value_or_an_error() {
    let c = rules(json!({"version": 1, "mappings": [{"from": "e", "to": "email"}]}));
    // A fuzz find: an empty record gave an empty string, and `1,2` two comma-joined
    // results. Both are one JSON value with an error now.
    for bad in [
        "",
        "   ",
        "1,2",
        r#"["a@b.io",[]],["c@d.io",[]]"#,
        r#"["a@b.io",[]] x"#,
    ] {
        let v = parse(&c.apply_slots_json_text(bad, &O));
        assert_eq!(v["error"]["code"], "RECORD_NOT_JSON", "{bad:?}: {v}");
    }
    let v = parse(&c.apply_slots_json_text("1", &O));
    assert_eq!(v["error"]["code"], "RECORD_NOT_OBJECT");
    let v = parse(&c.apply_slots_json_text(r#" ["a@b.io",[]] "#, &O));
    assert_eq!(v["upsert"]["email"], "a@b.io");
}

/// `levels` lists or objects around a value, as JSON text.
fn nested(levels: usize, object: bool) -> String {
    if object {
        format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
    } else {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }
}

#[test]
fn deep_records_are_typed_errors_on_every_text_path() {
    let c = rules(
        json!({"version": 1, "mappings": [{"from": "a", "to": "city"}, {"from": "e", "to": "email"}]}),
    );
    let ok = r#"{"e":"ok@x.io"}"#;
    for object in [false, true] {
        let deep = nested(100_000, object);
        // A record holding it, where the rules read and where they do not.
        for rec in [format!("{{\"a\":{deep}}}"), format!("{{\"z\":{deep}}}")] {
            let e = c.apply_json(&rec, &O).unwrap_err();
            assert_eq!(e.details()["limit"], "maxDepth", "{e}");
            let v = parse(&c.apply_json_text(&rec, &O));
            assert_eq!(v["error"]["code"], "RULES_LIMIT_EXCEEDED");
            // In a batch: that record's error, the others' results.
            let out = c
                .apply_batch_json(&format!("[{ok},{rec},{ok}]"), &O)
                .unwrap();
            let v = parse(&out);
            assert_eq!(v[0]["upsert"]["email"], "ok@x.io");
            assert_eq!(v[1]["error"]["details"]["limit"], "maxDepth");
            assert_eq!(v[2]["upsert"]["email"], "ok@x.io");
        }
        // The deep value as a record itself (not an object), and as the batch.
        let v = parse(&c.apply_batch_json(&format!("[{deep},{ok}]"), &O).unwrap());
        let want = if object { "maxDepth" } else { "" };
        if object {
            assert_eq!(v[0]["error"]["details"]["limit"], want, "{v}");
        } else {
            assert_eq!(v[0]["error"]["code"], "RECORD_NOT_OBJECT", "{v}");
        }
        assert_eq!(v[1]["upsert"]["email"], "ok@x.io");
        match c.apply_batch_json(&deep, &O) {
            Ok(out) => assert_eq!(parse(&out)[0]["error"]["code"], "RECORD_NOT_OBJECT"),
            Err(e) => assert_eq!(e.code(), "RECORD_NOT_JSON", "{e}"),
        }
        // The slots forms: as a slot value, as a record, as the batch.
        let slot = format!("[{deep},null,[1]]");
        let v = parse(&c.apply_slots_json_text(&slot, &O));
        assert_eq!(v["error"]["details"]["limit"], "maxDepth", "{v}");
        let v = parse(
            &c.apply_slots_batch_json(&format!("[{slot},[null,\"ok@x.io\",[0]]]"), &O)
                .unwrap(),
        );
        assert_eq!(v[0]["error"]["details"]["limit"], "maxDepth", "{v}");
        assert_eq!(v[1]["upsert"]["email"], "ok@x.io");
        let v = parse(&c.apply_slots_json_text(&deep, &O));
        assert!(v["error"]["code"].is_string(), "{v}");
        match c.apply_slots_batch_json(&deep, &O) {
            Ok(out) => assert!(parse(&out)[0]["error"]["code"].is_string()),
            Err(e) => assert_eq!(e.code(), "RECORD_NOT_JSON", "{e}"),
        }
    }
    // Still usable.
    assert_eq!(
        c.apply_json(ok, &O).unwrap().upsert.fields.email.as_deref(),
        Some("ok@x.io")
    );
}

/// The limit a record's error names (panics when the record did not fail).
fn failed_limit(c: &CompiledRules, rec: &Value) -> String {
    let text = rec.to_string();
    let v = parse(&c.apply_json_text(&text, &O));
    let limit = v["error"]["details"]["limit"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The typed form and the batch form agree, and the next record still works.
    let e = c.apply_json(&text, &O).unwrap_err();
    assert_eq!(e.code(), "RULES_LIMIT_EXCEEDED");
    assert_eq!(e.details()["limit"], limit.as_str());
    let batch = parse(&c.apply_batch_json(&format!("[{text},{{}}]"), &O).unwrap());
    assert_eq!(batch[0]["error"]["details"]["limit"], limit.as_str());
    assert!(batch[1]["upsert"].is_object(), "{}", batch[1]);
    limit
}

#[test]
fn regex_work_per_record_is_bounded() {
    let big = "a".repeat(64 * 1024);
    // 1,000 regular expressions over one 64 KB value (129 s for one record before):
    // the record stops once 1 MiB of text has been searched.
    let transforms: Vec<Value> = (0..1000)
        .map(|i| match i % 2 {
            0 => json!({"op": "regexReplace", "pattern": "z+", "replacement": ""}),
            _ => json!({"op": "regexExtract", "pattern": "a+"}),
        })
        .collect();
    let c = rules(
        json!({"version": 1, "mappings": [{"from": "a", "to": "city", "transforms": transforms}]}),
    );
    assert_eq!(failed_limit(&c, &json!({"a": big})), "maxRegexBytes");
    let e = c
        .apply_json(&json!({"a": big}).to_string(), &O)
        .unwrap_err();
    assert_eq!(e.details()["max"], 1 << 20);
    assert!(e.to_string().contains("maxRegexBytes"), "{e}");
    // `matches` conditions count too.
    let tag_rules: Vec<Value> = (0..100)
        .map(|i| json!({"when": {"path": "a", "matches": "z"}, "add": [format!("t{i}")]}))
        .collect();
    let c = rules(json!({"version": 1, "tagRules": tag_rules}));
    assert_eq!(failed_limit(&c, &json!({"a": big})), "maxRegexBytes");
    // Within the budget nothing changes; the budget is configurable.
    assert!(c.apply_json(r#"{"a":"zz"}"#, &O).unwrap().tags_to_add.len() == 100);
    let roomy = rules_with(
        json!({"version": 1, "tagRules": [{"when": {"path": "a", "matches": "z"}, "add": ["z"]}, {"when": {"path": "a", "matches": "a$"}, "add": ["a"]}]}),
        Limits {
            max_regex_bytes: 200_000,
            ..Limits::default()
        },
    );
    assert_eq!(
        roomy
            .apply_json(&json!({"a": big}).to_string(), &O)
            .unwrap()
            .tags_to_add,
        vec!["a".to_string()]
    );
    let tight = rules_with(
        json!({"version": 1, "tagRules": [{"when": {"path": "a", "matches": "z"}, "add": ["z"]}, {"when": {"path": "a", "matches": "a$"}, "add": ["a"]}]}),
        Limits {
            max_regex_bytes: 100_000,
            ..Limits::default()
        },
    );
    assert_eq!(failed_limit(&tight, &json!({"a": big})), "maxRegexBytes");
}

#[test]
fn produced_fields_and_output_are_bounded() {
    let big = "a".repeat(64 * 1024);
    // One 64 KB value became a 65.5 MB field: now the replacement stops growing.
    let c = rules(
        json!({"version": 1, "mappings": [{"from": "a", "to": "city", "transforms": [
        {"op": "regexReplace", "pattern": "a", "replacement": "x".repeat(1000)}]}]}),
    );
    assert_eq!(failed_limit(&c, &json!({"a": big})), "maxFieldBytes");
    // A small replacement is unchanged (groups expand as before).
    let c2 = rules(
        json!({"version": 1, "mappings": [{"from": "a", "to": "city", "transforms": [
        {"op": "regexReplace", "pattern": "(b)(c)?", "replacement": "[$1$2]"}]}]}),
    );
    let r = c2.apply_json(r#"{"a":"abcab"}"#, &O).unwrap();
    assert_eq!(r.upsert.fields.city.as_deref(), Some("a[bc]a[b]"));
    // A template repeating a large value.
    let template = "{a}".repeat(100);
    let c = rules(json!({"version": 1, "mappings": [{"template": template, "to": "city"}]}));
    assert_eq!(
        failed_limit(&c, &json!({"a": "b".repeat(1000)})),
        "maxFieldBytes"
    );
    // Many large fields: the record's total.
    let mappings: Vec<Value> = (0..20)
        .map(|i| json!({"from": "a", "to": {"customField": format!("contact.f{i}")}}))
        .collect();
    let c = rules(json!({"version": 1, "mappings": mappings}));
    assert_eq!(
        failed_limit(&c, &json!({"a": "c".repeat(60_000)})),
        "maxOutputBytes"
    );
    assert_eq!(
        c.apply_json(r#"{"a":"small"}"#, &O)
            .unwrap()
            .upsert
            .custom_fields
            .len(),
        20
    );
    // Configurable: a larger total lets it through.
    let mappings: Vec<Value> = (0..20)
        .map(|i| json!({"from": "a", "to": {"customField": format!("contact.f{i}")}}))
        .collect();
    let roomy = rules_with(
        json!({"version": 1, "mappings": mappings}),
        Limits {
            max_output_bytes: 2 << 20,
            ..Limits::default()
        },
    );
    let r = roomy
        .apply_json(&json!({"a": "c".repeat(60_000)}).to_string(), &O)
        .unwrap();
    assert_eq!(r.upsert.custom_fields.len(), 20);
}
