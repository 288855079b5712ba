//! `Flows`: events planned into GHL requests and finished with their responses (the
//! JS shim executes the requests). State (tag catalogs per location, location tags,
//! profile ids) lives in the wrapped [`FlowEngine`].

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, throw};
use crate::flows::{Event, FlowEngine, FlowPlan, FlowsInit};
use crate::rules::compile;

/// The flows of one location and token.
#[wasm_bindgen]
pub struct Flows {
    engine: FlowEngine,
}

#[wasm_bindgen]
impl Flows {
    /// Compiles the rules and makes an engine with nothing cached.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "FlowsInit")] options: JsValue,
    ) -> Result<Flows, JsValue> {
        let o: FlowsInit = decode(options, "flows options")?;
        let mut engine = FlowEngine::new(&o.location_id, o.config, o.scopes);
        for location in &o.connections {
            engine.add_connection(location);
        }
        if let Some(fields) = &o.compile.custom_fields {
            engine.set_custom_fields(fields);
        }
        for (source, doc) in &o.rules {
            let compiled = compile(doc, &o.compile).map_err(|e| throw(&e))?;
            engine.set_rules(source, compiled);
        }
        Ok(Flows { engine })
    }

    /// Plans an event's first stage; throws `FLOW_*` errors.
    #[wasm_bindgen(unchecked_return_type = "FlowPlan")]
    pub fn plan(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowEvent")] event: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let event: Event = decode(event, "event")?;
        let fp = self
            .engine
            .plan(&event, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&fp)
    }

    /// Starts a delivery: the first stage to run, or `duplicate` when the event id ran
    /// already; throws `FLOW_*` errors.
    #[wasm_bindgen(unchecked_return_type = "Begin")]
    pub fn begin(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowEvent")] event: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let event: Event = decode(event, "event")?;
        let begun = self
            .engine
            .begin(&event, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&begun)
    }

    /// Claims a first-stage plan's event id before it runs: `null` to run it, or the
    /// `duplicate` outcome.
    #[wasm_bindgen(unchecked_return_type = "FlowOutcome | null")]
    pub fn claim(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] plan: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let fp: FlowPlan = decode(plan, "plan")?;
        encode(&self.engine.claim(&fp, now_ms as u64))
    }

    /// A dry run's later stages of a planned flow (nothing sent, nothing learned): each
    /// planned from placeholders for the answers it needs (`FlowEngine::later_stages`).
    #[wasm_bindgen(js_name = laterStages, unchecked_return_type = "FlowPlan[]")]
    pub fn later_stages(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] plan: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let fp: FlowPlan = decode(plan, "plan")?;
        let later = self
            .engine
            .later_stages(&fp, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&later)
    }

    /// The local work after a stage: the result, or the next stage.
    #[wasm_bindgen(unchecked_return_type = "FlowOutcome")]
    pub fn finish(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] plan: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown>")] responses: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let fp: FlowPlan = decode(plan, "plan")?;
        let responses: BTreeMap<String, serde_json::Value> = decode(responses, "responses")?;
        let out = self
            .engine
            .finish(&fp, &responses, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&out)
    }

    /// A stage's requests failed: ends the catalog load it started.
    pub fn abandon(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] plan: JsValue,
    ) -> Result<(), JsValue> {
        let fp: FlowPlan = decode(plan, "plan")?;
        self.engine.abandon(&fp);
        Ok(())
    }

    /// A stage's request `step` was refused with HTTP `status`: abandons the stage, and
    /// throws the typed failure when the core names one (`FLOW_CONTACT_NOT_FOUND` for a
    /// 404/400 on a request by contact id); returns nothing when the request's own
    /// error stands.
    #[wasm_bindgen(js_name = stepFailed)]
    pub fn step_failed(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] plan: JsValue,
        step: &str,
        status: u16,
    ) -> Result<(), JsValue> {
        let fp: FlowPlan = decode(plan, "plan")?;
        match self.engine.step_failed(&fp, step, status) {
            Some(e) => Err(throw(&e)),
            None => Ok(()),
        }
    }

    /// The cached social-planner tags of a location (empty when none are cached).
    #[wasm_bindgen(js_name = cachedTags, unchecked_return_type = "Tag[]")]
    pub fn cached_tags(&self, location_id: &str) -> Result<JsValue, JsValue> {
        let tags: Vec<&crate::tags::Tag> = self
            .engine
            .catalog(location_id)
            .map(|c| c.tags().collect())
            .unwrap_or_default();
        encode(&tags)
    }
}
