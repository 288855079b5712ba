//! Plan validation and expression resolution, exported for dry runs and the outbox shim,
//! and (full module only, to keep the lean one small) `Client.previewPlan`, the dry run.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

#[cfg(feature = "full")]
use super::client::Client;
use super::convert::{decode, encode, throw};
use crate::plan::{Plan, Resolved};

/// Checks a plan's invariants; throws `PLAN_*` errors.
#[wasm_bindgen(js_name = validatePlan)]
pub fn validate_plan(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
) -> Result<(), JsValue> {
    let plan: Plan = decode(plan, "plan")?;
    plan.validate().map_err(|e| throw(&e))
}

/// Resolves a step of a plan against earlier responses; `null` means "skip".
#[wasm_bindgen(js_name = resolveStep, unchecked_return_type = "RequestParams | null")]
pub fn resolve_step(
    #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
    step_id: String,
    #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] responses: JsValue,
) -> Result<JsValue, JsValue> {
    let plan: Plan = decode(plan, "plan")?;
    let responses: BTreeMap<String, serde_json::Value> = decode(responses, "responses")?;
    let step = plan.step(&step_id).ok_or_else(|| {
        throw(&crate::plan::PlanError::Unresolved {
            step: step_id.clone(),
            expression: String::new(),
            reason: "no step with this id in the plan".to_string(),
        })
    })?;
    match step.resolve(&responses).map_err(|e| throw(&e))? {
        Resolved::Send(params) => encode(&params),
        Resolved::Skip => Ok(JsValue::NULL),
    }
}

/// `Client.previewPlan`: the dry run of a plan for this client (validated, locations
/// checked, each step built with placeholders); sends nothing. Throws `PLAN_*` errors.
#[cfg(feature = "full")]
#[wasm_bindgen]
impl Client {
    /// The dry run of a plan for this client; a flow's later stage names the step ids
    /// of the stages before it in `earlier` (their answers show as placeholders).
    #[wasm_bindgen(js_name = previewPlan, unchecked_return_type = "PreviewStep[]")]
    pub fn preview_plan(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[] | undefined")] earlier: JsValue,
    ) -> Result<JsValue, JsValue> {
        let plan: Plan = decode(plan, "plan")?;
        let earlier: Vec<String> = if earlier.is_undefined() {
            Vec::new()
        } else {
            decode(earlier, "earlier")?
        };
        let steps =
            crate::plan::preview_after(&plan, &earlier, self.builder()).map_err(|e| throw(&e))?;
        encode(&steps)
    }
}
