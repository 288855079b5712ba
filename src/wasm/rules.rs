//! Mapping rules for JavaScript: validate, compile once, apply many times.
//!
//! Records cross the boundary as JSON text, never as JS objects read field by field:
//! either the whole record (`applyJson`, `applyBatchJson`) or, from the shim, only
//! the values the rules read, extracted in JavaScript by following `slotPlan()`
//! (`applySlots`, `applyBatchSlots`). Results come back as JSON text for the shim to
//! parse (one `JSON.parse` is cheaper than building objects through the boundary).
//! A failing record's result is `{"error": {code, message, details}}`; the shim turns
//! it into a thrown `GhlBridgeError` for single records.

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, throw};
use crate::rules::{self, ApplyOptions, CompileContext};

/// A compiled rules document.
#[wasm_bindgen(js_name = CompiledRules)]
pub struct CompiledRules {
    inner: rules::CompiledRules,
}

fn context(options: JsValue, what: &str) -> Result<CompileContext, JsValue> {
    if options.is_undefined() || options.is_null() {
        Ok(CompileContext::default())
    } else {
        decode(options, what)
    }
}

fn opts(trace: bool) -> ApplyOptions {
    ApplyOptions { trace }
}

#[wasm_bindgen(js_class = CompiledRules)]
impl CompiledRules {
    /// Validates and compiles a document given as JSON text; throws `RULES_INVALID` with
    /// `details.problems`, or `RULES_NOT_JSON`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        doc_json: &str,
        #[wasm_bindgen(unchecked_param_type = "CompileContext | undefined")] options: JsValue,
    ) -> Result<CompiledRules, JsValue> {
        let ctx = context(options, "compile options")?;
        let doc = rules::parse_document(doc_json).map_err(|e| throw(&e))?;
        let inner = rules::compile(&doc, &ctx).map_err(|e| throw(&e))?;
        Ok(CompiledRules { inner })
    }

    /// The paths the rules read, as a trie, for extracting values in JavaScript.
    #[wasm_bindgen(js_name = slotPlan, unchecked_return_type = "SlotPlan")]
    pub fn slot_plan(&self) -> Result<JsValue, JsValue> {
        encode(&self.inner.slot_plan())
    }

    /// One record as JSON text -> its result (or `{"error": ...}`) as JSON text.
    #[wasm_bindgen(js_name = applyJson)]
    pub fn apply_json(&self, record: &str, trace: bool) -> String {
        self.inner.apply_json_text(record, &opts(trace))
    }

    /// One record's extracted values -> its result (or `{"error": ...}`) as JSON text.
    #[wasm_bindgen(js_name = applySlots)]
    pub fn apply_slots(&self, values: &str, trace: bool) -> String {
        self.inner.apply_slots_json_text(values, &opts(trace))
    }

    /// A JSON list of records -> a JSON list of results; throws only when the text is
    /// not a list or holds more than `maxBatchRecords` records.
    #[wasm_bindgen(js_name = applyBatchJson)]
    pub fn apply_batch_json(&self, records: &str, trace: bool) -> Result<String, JsValue> {
        self.inner
            .apply_batch_json(records, &opts(trace))
            .map_err(|e| throw(&e))
    }

    /// A JSON list of records' extracted values -> a JSON list of results.
    #[wasm_bindgen(js_name = applyBatchSlots)]
    pub fn apply_batch_slots(&self, values: &str, trace: bool) -> Result<String, JsValue> {
        self.inner
            .apply_slots_batch_json(values, &opts(trace))
            .map_err(|e| throw(&e))
    }
}

/// Every problem of a document given as JSON text (an empty list when there is none).
/// Throws only `RULES_NOT_JSON`, when the text is not JSON.
#[wasm_bindgen(js_name = validateRules, unchecked_return_type = "Problem[]")]
pub fn validate_rules(
    doc_json: &str,
    #[wasm_bindgen(unchecked_param_type = "CompileContext | undefined")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let c = context(options, "validate options")?;
    let problems = match rules::parse_document(doc_json) {
        Ok(doc) => rules::validate_with(&doc, c.custom_fields.as_deref(), &c.limits),
        Err(rules::RulesError::Invalid { problems }) => problems,
        Err(e) => return Err(throw(&e)),
    };
    encode(&problems)
}

/// The ready-made rules documents by name (`wishpond-lead`, `qwilr-events`).
#[wasm_bindgen(js_name = rulesPresets, unchecked_return_type = "Record<string, RulesDocument>")]
pub fn rules_presets() -> Result<JsValue, JsValue> {
    // Inserted one by one: `collect()` would sort through a sort instance of its own.
    let mut all = serde_json::Map::new();
    for (k, v) in rules::presets::all() {
        all.insert(k.to_string(), v);
    }
    encode(&all)
}
