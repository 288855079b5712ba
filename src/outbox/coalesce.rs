//! Coalescing: two pending plans for the same contact become one.
//!
//! A newer plan merges into an older one only when both are for the same location and
//! contact key and nothing of the older one has been sent. The merged plan carries the
//! **newer** event id (the older id is recorded as done-by-coalescing) and keeps the
//! older plan's place in the queue. What merging means:
//! - Steps are matched by id. A step present in both must have the same operation
//!   (otherwise the plans do not merge). Steps only in the older plan stay; steps only
//!   in the newer plan are appended in their order (their dependencies are earlier steps
//!   of the newer plan, so the result stays valid; it is validated anyway).
//! - Parameters (path, query, body) overlay field by field, recursively: the newer value
//!   wins for every field it sets (including `null`); fields only the older one sets are
//!   kept. Arrays of objects that all have an `id` (custom fields) merge item by item on
//!   `id`; other arrays are replaced by the newer one.
//! - Tag lists in `$missing` (tags to add) and `$present` (tags to remove) expressions
//!   are unions (case-insensitive, first spelling kept), the newer `in` wins. Later wins
//!   on conflicts: a tag the newer event adds is dropped from the merged remove list, a
//!   tag it removes is dropped from the merged add list.
//! - `after` is the union; `skipWhenEmpty` and `why` come from the newer step.

use crate::sorted::SortedSet;

use serde_json::{Map, Value};

use crate::plan::{Plan, Step};

fn norm(s: &str) -> String {
    crate::codec::case::lower_str(s.trim())
}

/// The merged plan, or `None` when the two must be delivered one after the other.
pub fn merge_plans(older: &Plan, newer: &Plan) -> Option<Plan> {
    if older.location_id != newer.location_id
        || older.contact_key.is_none()
        || older.contact_key != newer.contact_key
    {
        return None;
    }
    let mut steps: Vec<Step> = Vec::with_capacity(older.steps.len());
    for old in &older.steps {
        match newer.step(&old.id) {
            Some(new) if new.operation != old.operation => return None,
            Some(new) => steps.push(merge_step(old, new)),
            None => steps.push(old.clone()),
        }
    }
    for new in &newer.steps {
        if older.step(&new.id).is_none() {
            steps.push(new.clone());
        }
    }
    // Later wins on tag conflicts across add and remove.
    let added = tag_lists(newer, "$missing");
    let removed = tag_lists(newer, "$present");
    for step in &mut steps {
        if let Some(body) = step.params.body.as_mut() {
            drop_tags(body, "$present", &added, newer.step(&step.id));
            drop_tags(body, "$missing", &removed, newer.step(&step.id));
        }
    }
    let merged = Plan {
        id: newer.id.clone(),
        flow: newer.flow.clone(),
        location_id: newer.location_id.clone(),
        contact_key: newer.contact_key.clone(),
        steps,
    };
    merged.validate().ok().map(|_| merged)
}

fn merge_step(old: &Step, new: &Step) -> Step {
    let mut params = old.params.clone();
    for (k, v) in &new.params.path {
        let merged = match params.path.get(k) {
            Some(o) => overlay(o, v),
            None => v.clone(),
        };
        params.path.insert(k.clone(), merged);
    }
    for (k, v) in &new.params.query {
        let merged = match params.query.get(k) {
            Some(o) => overlay(o, v),
            None => v.clone(),
        };
        params.query.insert(k.clone(), merged);
    }
    params.body = match (&old.params.body, &new.params.body) {
        (Some(o), Some(n)) => Some(overlay(o, n)),
        (o, n) => n.clone().or_else(|| o.clone()),
    };
    let after: SortedSet<String> = old.after.iter().chain(&new.after).cloned().collect();
    Step {
        id: new.id.clone(),
        operation: new.operation.clone(),
        params,
        after: after.into_iter().collect(),
        skip_when_empty: new.skip_when_empty.clone(),
        why: new.why.clone(),
    }
}

fn is_tag_expr(m: &Map<String, Value>) -> Option<&'static str> {
    ["$missing", "$present"]
        .into_iter()
        .find(|k| m.contains_key(*k))
}

fn overlay(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            if n.contains_key("$from") || o.contains_key("$from") {
                return new.clone();
            }
            match (is_tag_expr(o), is_tag_expr(n)) {
                (Some(ko), Some(kn)) if ko == kn => {
                    let mut out = n.clone();
                    out.insert(kn.to_string(), union(o.get(ko), n.get(kn)));
                    return Value::Object(out);
                }
                (None, None) => {}
                _ => return new.clone(),
            }
            let mut out = o.clone();
            for (k, v) in n {
                let merged = match o.get(k) {
                    Some(ov) => overlay(ov, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(o), Value::Array(n)) if keyed(o) && keyed(n) => {
            let mut out = o.clone();
            for item in n {
                let id = item.get("id");
                match out.iter_mut().find(|x| x.get("id") == id) {
                    Some(slot) => *slot = overlay(slot, item),
                    None => out.push(item.clone()),
                }
            }
            Value::Array(out)
        }
        _ => new.clone(),
    }
}

fn keyed(a: &[Value]) -> bool {
    !a.is_empty() && a.iter().all(|x| x.get("id").is_some())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn union(a: Option<&Value>, b: Option<&Value>) -> Value {
    let mut seen = SortedSet::new();
    let mut out = Vec::new();
    for s in strings(a).into_iter().chain(strings(b)) {
        if seen.insert(norm(&s)) {
            out.push(Value::String(s));
        }
    }
    Value::Array(out)
}

/// Every tag named by `key` expressions anywhere in a value (normalised).
fn tags_in(v: &Value, key: &str, out: &mut SortedSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(list) = m.get(key) {
                out.extend(strings(Some(list)).iter().map(|s| norm(s)));
            }
            m.values().for_each(|x| tags_in(x, key, out));
        }
        Value::Array(a) => a.iter().for_each(|x| tags_in(x, key, out)),
        _ => {}
    }
}

/// Every tag named by `key` expressions anywhere in the plan's bodies (normalised).
fn tag_lists(plan: &Plan, key: &str) -> SortedSet<String> {
    let mut out = SortedSet::new();
    for s in &plan.steps {
        if let Some(b) = &s.params.body {
            tags_in(b, key, &mut out);
        }
    }
    out
}

/// Removes `tags` from `key` lists, except those the newer step itself lists there.
fn drop_tags(v: &mut Value, key: &str, tags: &SortedSet<String>, newer: Option<&Step>) {
    let mut own = SortedSet::new();
    if let Some(b) = newer.and_then(|s| s.params.body.as_ref()) {
        tags_in(b, key, &mut own);
    }
    fn walk(v: &mut Value, key: &str, drop: &SortedSet<String>, keep: &SortedSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(list)) = m.get_mut(key) {
                    list.retain(|x| {
                        x.as_str()
                            .map(|s| !drop.contains(&norm(s)) || keep.contains(&norm(s)))
                            .unwrap_or(true)
                    });
                }
                m.values_mut().for_each(|x| walk(x, key, drop, keep));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, key, drop, keep)),
            _ => {}
        }
    }
    walk(v, key, tags, &own);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact(id: &str, body: Value, add: &[&str], remove: &[&str]) -> Plan {
        let from = json!({"$from": "upsert", "pointer": "/contact/tags"});
        serde_json::from_value(json!({
            "id": id, "flow": "wishpond.contact", "locationId": "L", "contactKey": "a@b.co",
            "steps": [
                {"id": "upsert", "operation": "contacts.upsert-contact", "params": {"body": body}},
                {"id": "add", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
                 "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                            "body": {"tags": {"$missing": add, "in": from}}}},
                {"id": "remove", "operation": "contacts.remove-tags", "skipWhenEmpty": "/tags",
                 "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                            "body": {"tags": {"$present": remove, "in": from}}}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn newer_fields_overlay_and_tags_union_with_later_winning() {
        let a = contact(
            "e1",
            json!({"email": "a@b.co", "firstName": "Ann", "phone": "1",
                   "customFields": [{"id": "f1", "field_value": "x"}, {"id": "f2", "field_value": "y"}]}),
            &["vip", "lead"],
            &["cold"],
        );
        let b = contact(
            "e2",
            json!({"email": "a@b.co", "firstName": "Anne",
                   "customFields": [{"id": "f2", "field_value": "z"}]}),
            &["Cold", "new"],
            &["LEAD"],
        );
        let m = merge_plans(&a, &b).unwrap();
        assert_eq!(m.id, "e2");
        let body = m.steps[0].params.body.as_ref().unwrap();
        assert_eq!(body["firstName"], "Anne");
        assert_eq!(body["phone"], "1");
        assert_eq!(
            body["customFields"],
            json!([{"id": "f1", "field_value": "x"}, {"id": "f2", "field_value": "z"}])
        );
        let add = &m.steps[1].params.body.as_ref().unwrap()["tags"]["$missing"];
        let remove = &m.steps[2].params.body.as_ref().unwrap()["tags"]["$present"];
        assert_eq!(add, &json!(["vip", "Cold", "new"]));
        assert_eq!(remove, &json!(["LEAD"]));
    }

    #[test]
    fn different_contacts_or_operations_do_not_merge() {
        let a = contact("e1", json!({}), &[], &[]);
        let mut b = contact("e2", json!({}), &[], &[]);
        b.contact_key = Some("other@b.co".into());
        assert!(merge_plans(&a, &b).is_none());
        let mut c = contact("e3", json!({}), &[], &[]);
        c.steps[1].operation = "contacts.remove-tags".into();
        assert!(merge_plans(&a, &c).is_none());
        let mut d = contact("e4", json!({}), &[], &[]);
        d.location_id = "M".into();
        assert!(merge_plans(&a, &d).is_none());
    }
}
