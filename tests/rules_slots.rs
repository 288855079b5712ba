//! The pre-extracted input form (`SlotPlan`, `apply_slots_*`): for the same record it
//! gives exactly the text form's result, and a malformed list or a limit is a typed
//! error (per record inside a batch).

use ghl_bridge::rules::{compile, presets, ApplyOptions, CompileContext, Limits, SlotPlan};
use serde_json::{json, Value};

/// The host's side, as the JavaScript shim does it: walk the plan over a value.
fn extract(plan: &SlotPlan, rec: &Value) -> String {
    fn walk(plan: &SlotPlan, node: usize, v: &Value, vals: &mut Vec<Option<Value>>) {
        let Some(n) = plan.nodes.get(node) else {
            return;
        };
        if let Some(s) = n.slot {
            let s = s as usize;
            if plan.multi[s] {
                match &mut vals[s] {
                    Some(Value::Array(a)) => a.push(v.clone()),
                    _ => vals[s] = Some(Value::Array(vec![v.clone()])),
                }
            } else {
                vals[s] = Some(v.clone());
            }
        }
        match v {
            Value::Object(m) => {
                for (k, c) in &n.keys {
                    if let Some(x) = m.get(k) {
                        walk(plan, *c as usize, x, vals);
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    for (j, c) in &n.indexes {
                        if *j == i {
                            walk(plan, *c as usize, x, vals);
                        }
                    }
                    if let Some(w) = n.wild {
                        walk(plan, w as usize, x, vals);
                    }
                }
            }
            _ => {}
        }
    }
    let mut vals = vec![None; plan.slots];
    walk(plan, 0, rec, &mut vals);
    let missing: Vec<usize> = (0..plan.slots).filter(|&i| vals[i].is_none()).collect();
    let mut list: Vec<Value> = vals.into_iter().map(|v| v.unwrap_or(Value::Null)).collect();
    list.push(json!(missing));
    Value::Array(list).to_string()
}

fn fixture(path: &str) -> Value {
    let p = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn extracted_values_give_the_text_forms_result() {
    let records = [
        fixture("wishpond/lead-created.json"),
        fixture("wishpond/lead-updated.json"),
        fixture("wishpond/lead-captured.json"),
        fixture("qwilr/page-accepted.json"),
        fixture("qwilr/page-viewed.json"),
        json!({"lead": null, "payload": {"tags": [null, "a", ["b"]]}, "items": [{"qty": 1}, {}]}),
        json!({}),
    ];
    let opts = ApplyOptions { trace: true };
    for (name, doc) in presets::all() {
        let c = compile(&doc, &CompileContext::default()).unwrap();
        let plan = c.slot_plan();
        let mut batch = Vec::new();
        let mut want = Vec::new();
        for r in &records {
            let text = r.to_string();
            let a: Value = serde_json::from_str(&c.apply_json_text(&text, &opts)).unwrap();
            let ex = extract(&plan, r);
            let b: Value = serde_json::from_str(&c.apply_slots_json_text(&ex, &opts)).unwrap();
            assert_eq!(a, b, "{name}: {text}");
            batch.push(ex);
            want.push(a);
        }
        let out = c
            .apply_slots_batch_json(&format!("[{}]", batch.join(",")), &opts)
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap(),
            Value::Array(want)
        );
    }
}

#[test]
fn malformed_lists_and_limits_are_typed_errors() {
    let doc = json!({"version": 1, "mappings": [
        {"from": "a", "to": "email"}, {"from": "b[*].c", "to": "city"}]});
    let limits = Limits {
        max_depth: 4,
        max_string_len: 10,
        ..Limits::default()
    };
    let c = compile(
        &doc,
        &CompileContext {
            custom_fields: None,
            limits,
        },
    )
    .unwrap();
    let opts = ApplyOptions::default();
    let err = |t: &str| -> Value {
        let v: Value = serde_json::from_str(&c.apply_slots_json_text(t, &opts)).unwrap();
        v["error"]["code"].clone()
    };
    assert_eq!(err(r#"["x@y.io",["z"],[]]"#), Value::Null);
    assert_eq!(err(r#"["x@y.io",[]]"#), json!("RECORD_NOT_JSON"));
    assert_eq!(err(r#"["x@y.io",null,[],1]"#), json!("RECORD_NOT_JSON"));
    assert_eq!(err(r#"["x",null,[7]]"#), json!("RECORD_NOT_JSON"));
    assert_eq!(
        err(r#"["01234567890",null,[]]"#),
        json!("RULES_LIMIT_EXCEEDED")
    );
    assert_eq!(
        err(r#"[[[[[[1]]]]],null,[]]"#),
        json!("RULES_LIMIT_EXCEEDED")
    );
    assert_eq!(err("{}"), json!("RECORD_NOT_OBJECT"));
    // In a batch the bad record gets its error and the others their results.
    let out = c
        .apply_slots_batch_json(
            r#"[["a@b.io",null,[1]],["01234567890",null,[]],3,["c@d.io",null,[1]]]"#,
            &opts,
        )
        .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["upsert"]["email"], "a@b.io");
    assert_eq!(v[1]["error"]["details"]["limit"], "maxStringLen");
    assert_eq!(v[2]["error"]["code"], "RECORD_NOT_OBJECT");
    assert_eq!(v[3]["upsert"]["email"], "c@d.io");
    assert!(c.apply_slots_batch_json("[[1,2,[]]", &opts).is_err());
    assert!(c.apply_slots_batch_json("{}", &opts).is_err());
}
