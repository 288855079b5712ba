//! The dry run of a plan: every step built as it would be sent, nothing sent.
//!
//! [`preview`] is the only dry-run path (`previewPlan`, `executePlan(..., {dryRun})`
//! and `flows.run(event, {dryRun})` all come here; a flow's later stages, planned
//! before the answers they need, through [`preview_after`]). Values known only from earlier
//! responses become placeholders:
//! - `{"$from": "upsert", "pointer": "/contact/id"}` shows as `{upsert.contact.id}`
//!   (in a URL too, not percent-encoded);
//! - `{"$missing": [...]}` and `{"$present": [...]}` show as their whole list (at
//!   most that is sent; the run sends only the difference).
//!
//! Invariants:
//! - The request of each step is built by the same [`RequestBuilder`] that sends, so
//!   the method, URL, query, headers and body are what the run sends, up to the
//!   placeholders; `Authorization` is left out (it carries the token).
//! - The plan is validated and its locations checked ([`super::check_authority`])
//!   first: a plan that would be refused when run is refused here too.
//! - A step that cannot be built (a missing scope, a placeholder where the builder
//!   needs a literal) is still listed, with the operation's method and path template
//!   and the `error` the run would meet.

use crate::codec::ToJson;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{check_authority, Plan, PlanError, Step};
use crate::catalog;
use crate::error::ErrorReport;
use crate::http::{Headers, Method, RequestParams, Token};
use crate::request::encode::percent_encode;
use crate::request::RequestBuilder;

/// One step of a dry run: the request as it would be built.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreviewStep {
    /// Step id.
    pub step: String,
    /// `service.operationId`.
    pub operation: String,
    /// HTTP method (`None` when the operation is unknown).
    pub method: Option<Method>,
    /// URL with placeholders such as `{upsert.contact.id}` for values known only
    /// later (the operation's path template when the request could not be built).
    pub url: String,
    /// Headers as they would be sent, without `Authorization` (`Version`, `Accept`, and
    /// `Content-Type` with a body); empty when the request could not be built.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub headers: Headers,
    /// JSON body as it would be sent (placeholders included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Steps whose responses this one needs (sorted).
    pub depends_on: Vec<String>,
    /// Skipped at run time when the list at this pointer of the body comes out empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_when_empty: Option<String>,
    /// True when some values are placeholders (they depend on earlier responses).
    pub placeholders: bool,
    /// Why the step is there.
    pub why: String,
    /// Why the request could not be built (the run would fail on this step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// The dry run of `plan` for the connection `builder` stands for (see the module doc).
pub fn preview(plan: &Plan, builder: &RequestBuilder) -> Result<Vec<PreviewStep>, PlanError> {
    preview_after(plan, &[], builder)
}

/// The dry run of a flow's later stage, whose `$from`s may also name the steps of the
/// stages before it (`earlier`; see [`Plan::validate_after`]): those show as the same
/// placeholders.
pub fn preview_after(
    plan: &Plan,
    earlier: &[String],
    builder: &RequestBuilder,
) -> Result<Vec<PreviewStep>, PlanError> {
    plan.validate_after(earlier)?;
    check_authority(plan, builder.location_id())?;
    Ok(plan
        .steps
        .iter()
        .map(|s| preview_step(s, builder))
        .collect())
}

fn preview_step(step: &Step, builder: &RequestBuilder) -> PreviewStep {
    let mut marks = Vec::new();
    let mut params = RequestParams::default();
    for (k, v) in &step.params.path {
        params.path.insert(k.clone(), placeholders(v, &mut marks));
    }
    for (k, v) in &step.params.query {
        params.query.insert(k.clone(), placeholders(v, &mut marks));
    }
    params.body = step
        .params
        .body
        .as_ref()
        .map(|b| placeholders(b, &mut marks));
    // Never sent: the preview has no headers, so no token is needed.
    let token = Token::new("preview");
    let built = builder.build(&step.operation, &params, &token);
    let (method, url, headers, error) = match built {
        Ok(req) => {
            let mut url = req.url;
            for m in marks.iter().filter(|m| !m.is_empty()) {
                url = url.replace(&percent_encode(m), m);
            }
            let mut headers = req.headers;
            headers.remove("Authorization");
            (Some(req.method), url, headers, None)
        }
        Err(e) => {
            let (method, url) = template(&step.operation);
            (method, url, Headers::new(), Some(ErrorReport::of(&e)))
        }
    };
    PreviewStep {
        step: step.id.clone(),
        operation: step.operation.clone(),
        method,
        url,
        headers,
        body: params.body,
        depends_on: step.dependencies(),
        skip_when_empty: step.skip_when_empty.clone(),
        placeholders: !marks.is_empty(),
        why: step.why.clone(),
        error,
    }
}

/// The operation's method and path template.
fn template(operation: &str) -> (Option<Method>, String) {
    match catalog::find(operation) {
        Ok(op) => (Some(op.method()), op.path()),
        Err(_) => (None, String::new()),
    }
}

/// The text a dry run shows for a value only step `step`'s answer gives, at `path`
/// (dot-separated): `{upsert.contact.id}`. The one naming rule, for `$from`
/// expressions and for the planner's later stages ([`crate::flows::planner`]).
pub fn placeholder(step: &str, path: &str) -> String {
    if path.is_empty() {
        format!("{{{step}}}")
    } else {
        format!("{{{step}.{path}}}")
    }
}

/// `v` with its expressions replaced by placeholders; every placeholder text is
/// pushed to `marks` (an empty text for a `$missing` / `$present` list).
fn placeholders(v: &Value, marks: &mut Vec<String>) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("$from") {
                let pointer = m.get("pointer").and_then(Value::as_str).unwrap_or("");
                let path: Vec<&str> = pointer.split('/').filter(|p| !p.is_empty()).collect();
                let text = placeholder(id, &path.join("."));
                marks.push(text.clone());
                return Value::String(text);
            }
            for key in ["$missing", "$present"] {
                if let Some(list) = m.get(key) {
                    marks.push(String::new());
                    return list.clone();
                }
            }
            let mut out = Map::with_capacity(m.len());
            for (k, x) in m {
                out.insert(k.clone(), placeholders(x, marks));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| placeholders(x, marks)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::ClientConfig;
    use serde_json::json;

    fn builder(location: &str, scopes: &[&str]) -> RequestBuilder {
        RequestBuilder::new(ClientConfig {
            location_id: location.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            base_url: Some("http://127.0.0.1:9/".into()),
        })
        .unwrap()
    }

    fn plan(location: &str) -> Plan {
        serde_json::from_value(json!({
            "id": "evt-1", "flow": "wishpond.contact", "locationId": location,
            "steps": [
                {"id": "upsert", "operation": "contacts.upsert-contact",
                 "params": {"body": {"locationId": location, "email": "a@b.co"}}},
                {"id": "add-tags", "operation": "contacts.add-tags", "skipWhenEmpty": "/tags",
                 "params": {"path": {"contactId": {"$from": "upsert", "pointer": "/contact/id"}},
                            "body": {"tags": {"$missing": ["VIP"], "in": {"$from": "upsert", "pointer": "/contact/tags"}}}}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn builds_each_step_with_placeholders_for_later_values() {
        let steps = preview(&plan("loc1"), &builder("loc1", &["contacts.write"])).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].method, Some(Method::Post));
        assert!(
            steps[0].url.ends_with("/contacts/upsert"),
            "{}",
            steps[0].url
        );
        assert!(!steps[0].placeholders);
        // The headers the builder sets, without the token's.
        let names: Vec<&str> = steps[0].headers.keys().map(String::as_str).collect();
        assert_eq!(names, ["Accept", "Content-Type", "Version"]);
        assert_eq!(steps[0].headers["Version"], "2021-07-28");
        assert_eq!(
            steps[1].url,
            "http://127.0.0.1:9/contacts/{upsert.contact.id}/tags"
        );
        assert_eq!(steps[1].body, Some(json!({"tags": ["VIP"]})));
        assert_eq!(steps[1].depends_on, vec!["upsert".to_string()]);
        assert!(steps[1].placeholders);
        assert_eq!(steps[1].error, None);
    }

    #[test]
    fn a_step_that_cannot_be_built_is_listed_with_its_error() {
        let steps = preview(&plan("loc1"), &builder("loc1", &[])).unwrap();
        let e = steps[1].error.as_ref().expect("missing scope");
        assert_eq!(e.code, "MISSING_SCOPE");
        assert!(steps[1].headers.is_empty(), "no request, no headers");
        assert_eq!(steps[1].url, "/contacts/{contactId}/tags");
    }

    #[test]
    fn a_plan_for_another_location_is_refused() {
        let e = preview(&plan("OTHER"), &builder("loc1", &["contacts.write"])).unwrap_err();
        assert!(
            matches!(e, PlanError::ForeignLocation { ref location, .. } if location == "OTHER")
        );
        let mut p = plan("loc1");
        p.steps[0].params.body = Some(json!({"locationId": "../x", "email": "a@b.co"}));
        let e = preview(&p, &builder("loc1", &["contacts.write"])).unwrap_err();
        assert!(matches!(e, PlanError::ForeignLocation { step: Some(ref s), .. } if s == "upsert"));
    }

    #[test]
    fn a_later_stage_shows_the_earlier_stages_answers_as_placeholders() {
        let mut later = plan("loc1");
        later.id = "evt-1#2".into();
        later.steps.remove(0);
        let b = builder("loc1", &["contacts.write"]);
        // Alone it names a step it does not have: refused, as a run would refuse it.
        let e = preview(&later, &b).unwrap_err();
        assert!(
            matches!(e, PlanError::UnknownDependency { ref dependency, .. } if dependency == "upsert")
        );
        let steps = preview_after(&later, &["upsert".to_string()], &b).unwrap();
        assert_eq!(
            steps[0].url,
            "http://127.0.0.1:9/contacts/{upsert.contact.id}/tags"
        );
        assert!(steps[0].placeholders);
        assert_eq!(steps[0].depends_on, vec!["upsert".to_string()]);
        // Only the steps named may be referenced.
        let e = preview_after(&later, &["read".to_string()], &b).unwrap_err();
        assert!(matches!(e, PlanError::UnknownDependency { .. }));
    }
}
