//! The pre-extracted input form, for hosts that hold records as objects (JavaScript):
//! the host reads only the values the rules need, following the [`SlotPlan`], and
//! sends them as one small JSON list per record instead of the whole record.
//!
//! A record in this form is a JSON list of `slots + 1` items: the value of each slot
//! in slot order (`null` where nothing was found), then a list of the slot numbers
//! that were missing (to tell a missing value from a `null` one). A slot whose path
//! has a wildcard holds the list of every value found, in document order, and is
//! missing when none was found.
//!
//! Invariants:
//! - For the same record, this form gives exactly the result of the JSON text form
//!   (the host reads with the same rules: the last of duplicate keys, no keys on lists,
//!   no indexes on objects).
//! - Limits apply to what is sent: a value's nesting counts from its path's depth,
//!   `maxStringLen` applies to every text, and `maxRecordBytes` to the record's list.
//! - Nothing here panics on any input; a malformed list is a [`RulesError::BadRecord`].

use serde::Serialize;

use super::apply::write_error;
use super::compile::CompiledRules;
use super::scan::{kind_name, ScanError, Scanner, Val};
use super::{ApplyOptions, RulesError};

/// One node of the path trie: which keys and indexes lead further, and the slot whose
/// value is the node's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlotNode {
    /// `[key, node]` pairs: object members to descend into.
    pub keys: Vec<(String, u32)>,
    /// `[index, node]` pairs: list items to descend into.
    pub indexes: Vec<(usize, u32)>,
    /// The node every list item descends into (`[*]`), if any.
    pub wild: Option<u32>,
    /// The slot that receives this node's value, if any.
    pub slot: Option<u32>,
}

/// Every path the rules read, as a trie (node 0 is the record itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlotPlan {
    /// Number of slots.
    pub slots: usize,
    /// Per slot: does it collect every value found (its path has a wildcard)?
    pub multi: Vec<bool>,
    /// Per slot: its path, as written in the document.
    pub paths: Vec<String>,
    /// The trie's nodes.
    pub nodes: Vec<SlotNode>,
    /// Names of the standard fields, by the index the compact result form uses.
    pub standard_fields: Vec<String>,
    /// The custom fields the rules write, by the index the compact result form uses.
    pub custom_fields: Vec<CustomFieldRef>,
}

/// A custom field the rules write: its id and key, as far as they are known.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CustomFieldRef {
    /// Field id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Field key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl CompiledRules {
    /// The paths the rules read, for hosts that extract values themselves.
    pub fn slot_plan(&self) -> SlotPlan {
        SlotPlan {
            slots: self.trie.slots(),
            multi: self.trie.multi.clone(),
            paths: (0..self.trie.slots() as u32)
                .map(|s| self.trie.path(s).to_string())
                .collect(),
            nodes: self
                .trie
                .nodes
                .iter()
                .map(|n| SlotNode {
                    keys: n.keys.iter().map(|(k, c)| (k.to_string(), *c)).collect(),
                    indexes: n.indexes.clone(),
                    wild: n.wild,
                    slot: n.slot,
                })
                .collect(),
            standard_fields: super::STANDARD_FIELDS
                .iter()
                .map(|f| f.to_string())
                .collect(),
            custom_fields: self
                .customs
                .iter()
                .map(|c| CustomFieldRef {
                    id: c.id.clone(),
                    key: c.key.clone(),
                })
                .collect(),
        }
    }

    /// Nesting depth of each slot's value (the number of segments of its path).
    fn slot_depths(&self) -> Vec<usize> {
        let mut depth = vec![0usize; self.trie.nodes.len()];
        let mut out = vec![0usize; self.trie.slots()];
        // Children always come after their parent in the node list.
        for (i, n) in self.trie.nodes.iter().enumerate() {
            let d = depth.get(i).copied().unwrap_or(0);
            let kids = n
                .keys
                .iter()
                .map(|(_, c)| *c)
                .chain(n.indexes.iter().map(|(_, c)| *c))
                .chain(n.wild);
            for c in kids {
                if let Some(x) = depth.get_mut(c as usize) {
                    *x = d + 1;
                }
            }
            if let Some(s) = n.slot.and_then(|s| out.get_mut(s as usize)) {
                *s = d;
            }
        }
        out
    }

    /// Applies the rules to one record in the pre-extracted form and writes the result
    /// as JSON text; a failure is written as `{"error": {code, message, details}}`.
    pub fn apply_slots_json_text(&self, record: &str, opts: &ApplyOptions) -> String {
        let mut out = String::with_capacity(512);
        let batch = format!("[{record}]");
        match self.apply_slots_batch_json(&batch, opts) {
            // One record in, one result out: strip the list brackets.
            Ok(text) => out.push_str(
                text.strip_prefix('[')
                    .and_then(|t| t.strip_suffix(']'))
                    .unwrap_or(&text),
            ),
            Err(e) => write_error(&mut out, &e),
        }
        out
    }

    /// Applies the rules to a JSON list of records in the pre-extracted form; like
    /// [`CompiledRules::apply_batch_json`], a failing record gets `{"error": ...}` in
    /// its place and the batch fails only when the text is malformed or too long.
    pub fn apply_slots_batch_json(
        &self,
        records: &str,
        opts: &ApplyOptions,
    ) -> Result<String, RulesError> {
        self.slots_batch(records, opts, false)
    }

    /// Like [`CompiledRules::apply_slots_batch_json`], but results come in the compact
    /// text form that is cheaper to decode in JavaScript than JSON: one record per
    /// U+001E-separated part; a part starting with `J` is the result (or error) as JSON;
    /// a part starting with `C` is `C<std>,<custom>,<add>,<remove>,<warnings>,<score>`
    /// followed by U+001F-separated items: `<field index>`, `<text>` per standard
    /// field, `<custom field index>`, `<text>` per custom field, the tags to add, the
    /// tags to remove, `<rule>`, `<code>`, `<message>` per warning, then the rule set.
    /// Records with traces, number or list custom values, or texts holding U+001E or
    /// U+001F are written as JSON.
    pub fn apply_slots_batch_compact(
        &self,
        records: &str,
        opts: &ApplyOptions,
    ) -> Result<String, RulesError> {
        self.slots_batch(records, opts, true)
    }

    fn slots_batch(
        &self,
        records: &str,
        opts: &ApplyOptions,
        compact: bool,
    ) -> Result<String, RulesError> {
        let (open, sep, close, json) = if compact {
            ("", '\u{1e}', "", "J")
        } else {
            ("[", ',', "]", "")
        };
        let depths = self.slot_depths();
        let mut out = String::with_capacity(records.len() * 2 + 16);
        let mut sc = Scanner::new(records, &self.limits);
        if sc.peek_kind() != Some(b'[') {
            return Err(RulesError::BadRecord {
                offset: 0,
                message: "a batch of extracted values must be a JSON list".into(),
            });
        }
        out.push_str(open);
        let mut o = self.fresh(opts.trace);
        let mut slots: Vec<Option<Val<'_>>> = Vec::with_capacity(depths.len());
        let mut n = 0usize;
        let mut outer: Result<(), RulesError> = Ok(());
        let walked = sc.list(|sc| {
            n += 1;
            if n > self.limits.max_batch_records {
                outer = Err(RulesError::LimitExceeded {
                    limit: "maxBatchRecords",
                    what: "the number of records in the batch",
                    value: n,
                    max: self.limits.max_batch_records,
                });
                return sc.stop();
            }
            if n > 1 {
                out.push(sep);
            }
            let start = sc.position();
            match sc.peek_kind() {
                Some(b'[') => {}
                Some(c) => {
                    sc.lax_skip()?;
                    out.push_str(json);
                    write_error(
                        &mut out,
                        &RulesError::RecordNotObject {
                            found: kind_name(c),
                        },
                    );
                    return Ok(());
                }
                None => return sc.fail("the text ends where a record should be"),
            }
            slots.clear();
            slots.resize(depths.len(), None);
            match sc.slot_values(&depths, &mut slots) {
                Ok(()) if sc.position() - start > self.limits.max_record_bytes => {
                    out.push_str(json);
                    write_error(
                        &mut out,
                        &RulesError::LimitExceeded {
                            limit: "maxRecordBytes",
                            what: "the size of the record in bytes",
                            value: sc.position() - start,
                            max: self.limits.max_record_bytes,
                        },
                    )
                }
                Ok(()) => {
                    self.run_into(&slots, &mut o);
                    if !(compact && self.write_compact(&o, &mut out)) {
                        out.push_str(json);
                        self.write_result(&o, &mut out);
                    }
                }
                Err(e @ ScanError::Syntax { .. }) => return Err(e),
                Err(e) => {
                    sc.rewind(start);
                    sc.lax_skip()?;
                    out.push_str(json);
                    write_error(&mut out, &e.into());
                }
            }
            Ok(())
        });
        outer?;
        walked?;
        sc.finish()?;
        out.push_str(close);
        Ok(out)
    }
}

impl<'a> Scanner<'a> {
    /// Reads one record's list of slot values (positioned at `[`).
    pub(crate) fn slot_values(
        &mut self,
        depths: &[usize],
        slots: &mut [Option<Val<'a>>],
    ) -> Result<(), ScanError> {
        let n = depths.len();
        let mut count = 0usize;
        self.list(|sc| {
            let i = count;
            count += 1;
            if i < n {
                let v = sc.value(depths.get(i).copied().unwrap_or(0))?;
                if let Some(s) = slots.get_mut(i) {
                    *s = Some(v);
                }
                return Ok(());
            }
            if i > n || sc.peek_kind() != Some(b'[') {
                return sc.fail("the extracted values do not match the rules' paths");
            }
            sc.list(|sc| match sc.value(1)? {
                Val::Num(x) if x >= 0.0 && (x as usize) < n && x.fract() == 0.0 => {
                    if let Some(s) = slots.get_mut(x as usize) {
                        *s = None;
                    }
                    Ok(())
                }
                _ => sc.fail("a missing-slot number is not a slot"),
            })
        })?;
        if count != n + 1 {
            return self.fail("the extracted values do not match the rules' paths");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{compile, presets, CompileContext, Limits};
    use super::*;

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
            fixture("wishpond/webinar-lead.json"),
            fixture("qwilr/page-accepted.json"),
            fixture("qwilr/page-viewed.json"),
            fixture("qwilr/project-tagged.json"),
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

    /// The JavaScript shim's decoder of the compact form, in Rust.
    fn decode(text: &str, plan: &SlotPlan) -> Vec<Value> {
        text.split('\u{1e}')
            .map(|rec| {
                if let Some(j) = rec.strip_prefix('J') {
                    return serde_json::from_str(j).unwrap();
                }
                let t: Vec<&str> = rec.split('\u{1f}').collect();
                let h: Vec<&str> = t[0].strip_prefix('C').unwrap().split(',').collect();
                let n = |i: usize| h[i].parse::<usize>().unwrap();
                let mut k = 1;
                let mut upsert = serde_json::Map::new();
                for _ in 0..n(0) {
                    let f = &plan.standard_fields[t[k].parse::<usize>().unwrap()];
                    upsert.insert(f.clone(), json!(t[k + 1]));
                    k += 2;
                }
                let mut cf = Vec::new();
                for _ in 0..n(1) {
                    let c = &plan.custom_fields[t[k].parse::<usize>().unwrap()];
                    let mut o = serde_json::to_value(c).unwrap();
                    o["field_value"] = json!(t[k + 1]);
                    cf.push(o);
                    k += 2;
                }
                if !cf.is_empty() {
                    upsert.insert("customFields".into(), Value::Array(cf));
                }
                let add = &t[k..k + n(2)];
                k += n(2);
                let remove = &t[k..k + n(3)];
                k += n(3);
                let mut r = json!({"upsert": upsert, "tagsToAdd": add, "tagsToRemove": remove});
                if !h[5].is_empty() {
                    r["score"] = json!(h[5].parse::<i64>().unwrap());
                }
                let mut warnings = Vec::new();
                for _ in 0..n(4) {
                    warnings.push(json!({"rule": t[k], "code": t[k + 1], "message": t[k + 2]}));
                    k += 3;
                }
                r["ruleSet"] = json!(t[k]);
                r["warnings"] = Value::Array(warnings);
                assert_eq!(k + 1, t.len());
                r
            })
            .collect()
    }

    #[test]
    fn the_compact_form_decodes_to_the_json_form() {
        let mut records: Vec<Value> = [
            "wishpond/lead-created.json",
            "wishpond/lead-updated.json",
            "wishpond/webinar-lead.json",
            "qwilr/page-accepted.json",
            "qwilr/page-viewed.json",
            "qwilr/project-tagged.json",
        ]
        .iter()
        .map(|p| fixture(p))
        .collect();
        records.push(json!({"lead": {"first_name": "a\u{1f}b", "tags": ["x\u{1e}"]}}));
        records.push(json!({"lead": {"email": "bad", "phone": "call me"}, "answers": 3}));
        records.push(json!({"project": {"name": "P"}, "event": "page.viewed"}));
        let doc = json!({"version": 1, "mappings": [
            {"from": "lead.first_name", "to": "firstName"},
            {"from": "lead.email", "to": "email", "transforms": ["email"]},
            {"from": "lead.phone", "to": {"customFieldId": "cf1"}, "transforms": ["phone"]},
            {"from": "lead.email", "to": {"customField": "contact.raw"}}],
            "tagRules": [{"add": ["t {lead.first_name}"], "remove": ["gone"]}]});
        let mut docs: Vec<Value> = presets::all().into_iter().map(|(_, d)| d).collect();
        docs.push(doc);
        for doc in docs {
            let c = compile(&doc, &CompileContext::default()).unwrap();
            let plan = c.slot_plan();
            let mut lists: Vec<String> = records.iter().map(|r| extract(&plan, r)).collect();
            lists.push("7".into());
            let batch = format!("[{}]", lists.join(","));
            let opts = ApplyOptions::default();
            let json: Value =
                serde_json::from_str(&c.apply_slots_batch_json(&batch, &opts).unwrap()).unwrap();
            let compact = c.apply_slots_batch_compact(&batch, &opts).unwrap();
            assert!(compact.contains('C'));
            assert_eq!(Value::Array(decode(&compact, &plan)), json);
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
}
