//! Plans: the ordered GHL requests that one incoming event needs, as plain data.
//!
//! A plan is what a flow produces ([`crate::flows`]), what a dry run shows, and what
//! the outbox stores and delivers ([`crate::outbox`]). It is serialisable so that it
//! survives a page reload in IndexedDB.
//!
//! A step's parameters may hold **expressions** that are resolved from the JSON
//! responses of earlier steps just before the step is sent (e.g. the contact id that
//! the upsert returned feeds add-tags). Expressions are JSON objects with one `$`-key:
//! - `{"$from": "upsert", "pointer": "/contact/id"}`: the value at that JSON Pointer in
//!   step `upsert`'s response.
//! - `{"$missing": ["a", "b"], "in": <expr>}`: the strings of the list that are not in
//!   the array `<expr>` resolves to (compared trimmed and case-insensitively, with
//!   Unicode lowercase mappings; `Σ`, `σ` and `ς` count as one letter): the tags to add.
//! - `{"$present": ["a", "b"], "in": <expr>}`: the strings of the list that are in that
//!   array: the tags to remove.
//!
//! A step whose `skipWhenEmpty` pointer resolves to an empty array (or is absent) in its
//! resolved body is skipped, not sent: "nothing to add" costs no request.
//!
//! Invariants checked by [`Plan::validate`] (in time linear in the plan's size): a plan
//! has at most [`MAX_PLAN_STEPS`] steps, step ids are unique and non-empty, every
//! `after` and every `$from` names an earlier step (so plans are acyclic and the listed
//! order is a valid execution order).
//!
//! Two more rules live here because every path must apply them the same way:
//! - [`dedupe_key`]: the key under which a plan (and the event it came from) counts as
//!   "already seen": the outbox's tombstones and the flows' replay guard both use it.
//! - [`check_authority`]: a plan runs with one connection's token only when every
//!   location it names is that connection's location.
//!
//! [`preview`] is the one dry run: each step built as it would be sent, with
//! placeholders for the values known only from earlier responses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec::{self, DecodeError, FromJson, ToJson};
use crate::error::Coded;
use crate::http::RequestParams;

mod fold;
pub mod preview;

pub use preview::{preview, preview_after, PreviewStep};

/// The most steps a plan may have ([`PlanError::TooManySteps`] past it). An event's
/// plan has a handful; the limit only bounds hostile or runaway input.
pub const MAX_PLAN_STEPS: usize = 100_000;

/// The deduplication key of a plan or event id: the id without surrounding white
/// space; `None` when nothing is left (such an id cannot be deduplicated and is
/// refused). Two plans (events) with the same key are the same work.
pub fn dedupe_key(id: &str) -> Option<&str> {
    let key = id.trim();
    (!key.is_empty()).then_some(key)
}

/// One GHL request of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Step id, unique in the plan (e.g. `upsert`, `add-tags`).
    pub id: String,
    /// Operation, as `service.operationId` (e.g. `contacts.upsert-contact`).
    pub operation: String,
    /// Parameters, possibly with expressions.
    #[serde(default)]
    pub params: RequestParams,
    /// Steps that must be done first (besides those named by `$from`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// JSON Pointer into the resolved body: skip the step when it is an empty array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_when_empty: Option<String>,
    /// Why the step is there, for people reading a dry run.
    #[serde(default)]
    pub why: String,
}

/// An ordered list of GHL requests for one event.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Idempotency key: the event's id. Two plans with the same id are the same work.
    pub id: String,
    /// The flow that produced the plan (e.g. `wishpond.contact`).
    pub flow: String,
    /// The GHL location the requests are for (the unit of rate limiting).
    pub location_id: String,
    /// Contact key (e.g. lower-cased email) when the plan updates one contact; plans
    /// with the same key may coalesce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_key: Option<String>,
    /// Steps in a valid execution order.
    pub steps: Vec<Step>,
}

/// What can be wrong with a plan or its expressions.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum PlanError {
    /// Two steps share an id, or an id is empty.
    #[error("plan '{plan}': step id '{step}' is empty or used twice")]
    DuplicateStep {
        /// Plan id.
        plan: String,
        /// Step id.
        step: String,
    },
    /// A step refers to a step that is not before it.
    #[error(
        "plan '{plan}': step '{step}' depends on '{dependency}', which is not an earlier step"
    )]
    UnknownDependency {
        /// Plan id.
        plan: String,
        /// Step id.
        step: String,
        /// The missing dependency.
        dependency: String,
    },
    /// The plan has more than [`MAX_PLAN_STEPS`] steps.
    #[error("plan '{plan}': {steps} steps, more than the limit of {limit}")]
    TooManySteps {
        /// Plan id.
        plan: String,
        /// How many steps it has.
        steps: usize,
        /// [`MAX_PLAN_STEPS`].
        limit: usize,
    },
    /// The plan (or one of its steps) names a location other than the connection's.
    #[error("plan '{plan}'{}: names location '{location}', but this connection is bound to location '{expected}'; it is not sent with this connection's token", .step.as_deref().map(|s| format!(", step '{s}'")).unwrap_or_default())]
    ForeignLocation {
        /// Plan id.
        plan: String,
        /// The step that names it (`None`: the plan's own `locationId`).
        step: Option<String>,
        /// The location named.
        location: String,
        /// The connection's location.
        expected: String,
    },
    /// An expression could not be resolved from the responses at hand.
    #[error("step '{step}': cannot resolve {expression}: {reason}")]
    Unresolved {
        /// Step id.
        step: String,
        /// The expression, as JSON.
        expression: String,
        /// Why.
        reason: String,
    },
}

impl Coded for PlanError {
    fn code(&self) -> &'static str {
        match self {
            PlanError::DuplicateStep { .. } => "PLAN_DUPLICATE_STEP",
            PlanError::UnknownDependency { .. } => "PLAN_UNKNOWN_DEPENDENCY",
            PlanError::TooManySteps { .. } => "PLAN_TOO_LARGE",
            PlanError::ForeignLocation { .. } => "PLAN_FOREIGN_LOCATION",
            PlanError::Unresolved { .. } => "PLAN_UNRESOLVED",
        }
    }

    /// The serialisation, written by hand (no serializer in the lean module; the
    /// tests hold it to [`crate::error::details_of`]).
    fn details(&self) -> Value {
        codec::details(|o| match self {
            PlanError::DuplicateStep { plan, step } => {
                o.field("plan", plan).field("step", step);
            }
            PlanError::UnknownDependency {
                plan,
                step,
                dependency,
            } => {
                o.field("plan", plan)
                    .field("step", step)
                    .field("dependency", dependency);
            }
            PlanError::TooManySteps { plan, steps, limit } => {
                o.field("plan", plan)
                    .field("steps", steps)
                    .field("limit", limit);
            }
            PlanError::ForeignLocation {
                plan,
                step,
                location,
                expected,
            } => {
                o.field("plan", plan)
                    .field("step", step)
                    .field("location", location)
                    .field("expected", expected);
            }
            PlanError::Unresolved {
                step,
                expression,
                reason,
            } => {
                o.field("step", step)
                    .field("expression", expression)
                    .field("reason", reason);
            }
        })
    }
}

impl FromJson for Step {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let (mut id, mut operation, mut params) = (None, None, None);
        let (mut after, mut skip_when_empty, mut why) = (None, None, None);
        for (k, x) in codec::object(v)? {
            match k.as_str() {
                "id" => codec::field(&mut id, &k, x)?,
                "operation" => codec::field(&mut operation, &k, x)?,
                "params" => codec::field(&mut params, &k, x)?,
                "after" => codec::field(&mut after, &k, x)?,
                "skipWhenEmpty" => codec::field(&mut skip_when_empty, &k, x)?,
                "why" => codec::field(&mut why, &k, x)?,
                _ => {}
            }
        }
        Ok(Step {
            id: codec::required(id, "id")?,
            operation: codec::required(operation, "operation")?,
            params: params.unwrap_or_default(),
            after: after.unwrap_or_default(),
            skip_when_empty: skip_when_empty.flatten(),
            why: why.unwrap_or_default(),
        })
    }
}

impl FromJson for Plan {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let (mut id, mut flow, mut location_id) = (None, None, None);
        let (mut contact_key, mut steps) = (None, None);
        for (k, x) in codec::object(v)? {
            match k.as_str() {
                "id" => codec::field(&mut id, &k, x)?,
                "flow" => codec::field(&mut flow, &k, x)?,
                "locationId" => codec::field(&mut location_id, &k, x)?,
                "contactKey" => codec::field(&mut contact_key, &k, x)?,
                "steps" => codec::field(&mut steps, &k, x)?,
                _ => {}
            }
        }
        Ok(Plan {
            id: codec::required(id, "id")?,
            flow: codec::required(flow, "flow")?,
            location_id: codec::required(location_id, "locationId")?,
            contact_key: contact_key.flatten(),
            steps: codec::required(steps, "steps")?,
        })
    }
}

/// A step made concrete: either a request to send or a skip.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Send the operation with these parameters.
    Send(RequestParams),
    /// Nothing to send (the `skipWhenEmpty` list is empty).
    Skip,
}

impl Plan {
    /// Checks the invariants listed in the module doc, in time linear in the plan.
    pub fn validate(&self) -> Result<(), PlanError> {
        self.validate_after(&[])
    }

    /// [`Self::validate`] for a later stage of a flow, whose `$from`s may also name the
    /// steps of the stages before it (`earlier`): what a dry run shows of a stage
    /// planned before those steps answered ([`crate::flows::FlowEngine::later_stages`]).
    pub fn validate_after(&self, earlier: &[String]) -> Result<(), PlanError> {
        if self.steps.len() > MAX_PLAN_STEPS {
            return Err(PlanError::TooManySteps {
                plan: self.id.clone(),
                steps: self.steps.len(),
                limit: MAX_PLAN_STEPS,
            });
        }
        // One map type the module already has (`RequestParams` holds them), so the
        // linear check adds no new set code to the Wasm module.
        let mut ids: BTreeMap<String, Value> = BTreeMap::new();
        for step in &self.steps {
            if step.id.is_empty() || ids.insert(step.id.clone(), Value::Null).is_some() {
                return Err(PlanError::DuplicateStep {
                    plan: self.id.clone(),
                    step: step.id.clone(),
                });
            }
        }
        // Inserted one by one: `collect` into a map would add a sort to the module.
        let mut known: BTreeMap<String, Value> = BTreeMap::new();
        for id in earlier {
            known.insert(id.clone(), Value::Null);
        }
        let mut earlier = known;
        for step in &self.steps {
            for dep in step.dependencies() {
                if !earlier.contains_key(&dep) {
                    return Err(PlanError::UnknownDependency {
                        plan: self.id.clone(),
                        step: step.id.clone(),
                        dependency: dep,
                    });
                }
            }
            earlier.insert(step.id.clone(), Value::Null);
        }
        Ok(())
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

impl Step {
    /// Every step this one waits for: `after` plus every `$from` in its parameters.
    pub fn dependencies(&self) -> Vec<String> {
        let mut deps = Vec::new();
        for a in &self.after {
            insert_sorted(&mut deps, a);
        }
        let mut visit = |v: &Value| collect_from(v, &mut deps);
        self.params.path.values().for_each(&mut visit);
        self.params.query.values().for_each(&mut visit);
        if let Some(b) = &self.params.body {
            visit(b);
        }
        deps
    }

    /// Resolves every expression against the responses of done steps (step id -> JSON).
    pub fn resolve(&self, responses: &BTreeMap<String, Value>) -> Result<Resolved, PlanError> {
        let r = |v: &Value| {
            resolve_value(v, responses).map_err(|(expr, reason)| PlanError::Unresolved {
                step: self.id.clone(),
                expression: expr,
                reason,
            })
        };
        let mut out = RequestParams::default();
        for (k, v) in &self.params.path {
            out.path.insert(k.clone(), r(v)?);
        }
        for (k, v) in &self.params.query {
            out.query.insert(k.clone(), r(v)?);
        }
        if let Some(b) = &self.params.body {
            out.body = Some(r(b)?);
        }
        if let Some(ptr) = &self.skip_when_empty {
            let empty = match out
                .body
                .as_ref()
                .and_then(|b| crate::codec::pointer(b, ptr))
            {
                None | Some(Value::Null) => true,
                Some(Value::Array(a)) => a.is_empty(),
                Some(_) => false,
            };
            if empty {
                return Ok(Resolved::Skip);
            }
        }
        Ok(Resolved::Send(out))
    }
}

/// `Ok` when every location the plan names is `location` (see the module doc): the
/// plan's `locationId` and any `locationId` given as text in a step's path, query or
/// body. An empty `location` (a connection bound to none) checks nothing.
pub fn check_authority(plan: &Plan, location: &str) -> Result<(), PlanError> {
    let location = location.trim();
    if location.is_empty() {
        return Ok(());
    }
    let foreign = |step: Option<&Step>, named: &str| PlanError::ForeignLocation {
        plan: plan.id.clone(),
        step: step.map(|s| s.id.clone()),
        location: named.to_string(),
        expected: location.to_string(),
    };
    let named = plan.location_id.trim();
    if !named.is_empty() && named != location {
        return Err(foreign(None, named));
    }
    for step in &plan.steps {
        let p = &step.params;
        let body = p.body.as_ref().and_then(|b| b.get("locationId"));
        for v in [p.path.get("locationId"), p.query.get("locationId"), body]
            .into_iter()
            .flatten()
        {
            if let Some(named) = v.as_str() {
                if named.trim() != location {
                    return Err(foreign(Some(step), named));
                }
            }
        }
    }
    Ok(())
}

/// Adds `item` to a sorted list of distinct strings.
fn insert_sorted(list: &mut Vec<String>, item: &str) {
    if let Err(at) = list.binary_search_by(|x| x.as_str().cmp(item)) {
        list.insert(at, item.to_string());
    }
}

fn collect_from(v: &Value, deps: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("$from") {
                insert_sorted(deps, id);
            }
            m.values().for_each(|x| collect_from(x, deps));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_from(x, deps)),
        _ => {}
    }
}

/// The comparison key of a tag: trimmed and case-folded ([`fold`]).
fn norm(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold::push_lower(c, &mut out);
    }
    out
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

fn resolve_value(
    v: &Value,
    responses: &BTreeMap<String, Value>,
) -> Result<Value, (String, String)> {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("$from") {
                let pointer = m.get("pointer").and_then(Value::as_str).unwrap_or("");
                let resp = responses.get(id).ok_or_else(|| {
                    (
                        crate::codec::to_json(v),
                        format!("step '{id}' has no response yet"),
                    )
                })?;
                return crate::codec::pointer(resp, pointer)
                    .cloned()
                    .ok_or_else(|| {
                        (
                            crate::codec::to_json(v),
                            format!("no value at '{pointer}' in the response of '{id}'"),
                        )
                    });
            }
            for (key, keep_present) in [("$missing", false), ("$present", true)] {
                if let Some(list) = m.get(key) {
                    let wanted = string_list(list).ok_or_else(|| {
                        (
                            crate::codec::to_json(v),
                            format!("{key} must be a list of strings"),
                        )
                    })?;
                    let current = match m.get("in") {
                        Some(expr) => resolve_value(expr, responses)?,
                        None => Value::Array(vec![]),
                    };
                    let current: Vec<String> = match current {
                        Value::Null => Vec::new(),
                        other => string_list(&other)
                            .ok_or_else(|| {
                                (
                                    crate::codec::to_json(v),
                                    "'in' must resolve to a list of strings".to_string(),
                                )
                            })?
                            .iter()
                            .map(|s| norm(s))
                            .collect(),
                    };
                    let picked = wanted
                        .into_iter()
                        .filter(|w| current.contains(&norm(w)) == keep_present)
                        .map(Value::String)
                        .collect();
                    return Ok(Value::Array(picked));
                }
            }
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, x) in m {
                out.insert(k.clone(), resolve_value(x, responses)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(a) => a
            .iter()
            .map(|x| resolve_value(x, responses))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan() -> Plan {
        serde_json::from_value(json!({
            "id": "evt-1", "flow": "wishpond.contact", "locationId": "loc1",
            "steps": [
                {"id": "upsert", "operation": "contacts.upsert-contact",
                 "params": {"body": {"locationId": "loc1", "email": "a@b.co"}}},
                {"id": "add-tags", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
                 "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                            "body": {"tags": {"$missing": ["VIP", "lead"], "in": {"$from": "upsert", "pointer": "/contact/tags"}}}}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn resolves_ids_and_tag_differences_from_earlier_responses() {
        let p = plan();
        p.validate().unwrap();
        assert_eq!(p.steps[1].dependencies(), vec!["upsert".to_string()]);
        let mut responses = BTreeMap::new();
        responses.insert(
            "upsert".to_string(),
            json!({"contact": {"id": "c9", "tags": [" vip "]}}),
        );
        match p.steps[1].resolve(&responses).unwrap() {
            Resolved::Send(params) => {
                assert_eq!(params.path["contactId"], json!("c9"));
                assert_eq!(params.body.unwrap()["tags"], json!(["lead"]));
            }
            Resolved::Skip => panic!("expected a request"),
        }
        responses.insert(
            "upsert".to_string(),
            json!({"contact": {"id": "c9", "tags": ["vip", "Lead"]}}),
        );
        assert_eq!(p.steps[1].resolve(&responses).unwrap(), Resolved::Skip);
    }

    #[test]
    fn rejects_forward_and_unknown_dependencies() {
        let mut p = plan();
        p.steps.swap(0, 1);
        let e = p.validate().unwrap_err();
        assert_eq!(e.code(), "PLAN_UNKNOWN_DEPENDENCY");
        assert!(e.to_string().contains("add-tags"));
    }

    #[test]
    fn missing_response_is_a_typed_error() {
        let e = plan().steps[1].resolve(&BTreeMap::new()).unwrap_err();
        assert_eq!(e.code(), "PLAN_UNRESOLVED");
    }
}
