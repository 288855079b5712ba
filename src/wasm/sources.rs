//! The real sources for JS: the GHL webhook receiver. The shim verifies the signature
//! the core asks for with the platform's primitive (WebCrypto) and hands back the verdict.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::convert::{from_js, throw, to_js};
use crate::sources::{GhlWebhookConfig, GhlWebhookReceiver, SeenKey, SignatureVerdict};

/// One endpoint's GHL webhook receiver (see [`crate::sources::ghl_webhook`]).
#[wasm_bindgen(js_name = GhlWebhookReceiver)]
pub struct WasmGhlWebhookReceiver {
    inner: GhlWebhookReceiver,
}

fn headers(v: JsValue) -> Result<BTreeMap<String, String>, JsValue> {
    from_js(v, "headers")
}

#[wasm_bindgen(js_class = GhlWebhookReceiver)]
impl WasmGhlWebhookReceiver {
    /// A receiver; `config` defaults to HighLevel's published keys and a 5-minute window.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Partial<GhlWebhookConfig> | undefined")]
        config: JsValue,
    ) -> Result<WasmGhlWebhookReceiver, JsValue> {
        let config: GhlWebhookConfig = if config.is_undefined() || config.is_null() {
            GhlWebhookConfig::default()
        } else {
            from_js(config, "config")?
        };
        let inner = GhlWebhookReceiver::new(config).map_err(|e| throw(&e))?;
        Ok(WasmGhlWebhookReceiver { inner })
    }

    /// Step 1: what to verify (a refusal is thrown and recorded).
    #[wasm_bindgen(js_name = signatureCheck, unchecked_return_type = "SignatureCheck")]
    pub fn signature_check(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] headers_js: JsValue,
        body_len: f64,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let h = headers(headers_js)?;
        let check = self
            .inner
            .signature_check(&h, body_len as usize, now_ms as u64)
            .map_err(|e| throw(&e))?;
        to_js(&check)
    }

    /// Step 2: the bytes received and the verdict -> the outcome (a refusal is thrown).
    #[wasm_bindgen(unchecked_return_type = "GhlWebhookOutcome")]
    pub fn receive(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] headers_js: JsValue,
        body: &[u8],
        #[wasm_bindgen(unchecked_param_type = "SignatureVerdict")] verdict: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let h = headers(headers_js)?;
        let verdict: SignatureVerdict = from_js(verdict, "verdict")?;
        let out = self
            .inner
            .receive(&h, body, verdict, now_ms as u64)
            .map_err(|e| throw(&e))?;
        to_js(&out)
    }

    /// Records a contact's tags as known (e.g. read from GHL).
    #[wasm_bindgen(js_name = rememberTags)]
    pub fn remember_tags(&mut self, contact_id: &str, tags: Vec<String>, at_ms: f64) {
        self.inner.remember_tags(contact_id, tags, at_ms as i64);
    }

    /// The last tag list known for a contact.
    #[wasm_bindgen(js_name = knownTags)]
    pub fn known_tags(&self, contact_id: &str) -> Option<Vec<String>> {
        self.inner.known_tags(contact_id).map(<[String]>::to_vec)
    }

    /// The remembered `webhookId`s (to persist).
    #[wasm_bindgen(js_name = seenIds, unchecked_return_type = "SeenKey[]")]
    pub fn seen_ids(&self, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.seen_ids(now_ms as u64))
    }

    /// Puts persisted `webhookId`s back.
    #[wasm_bindgen(js_name = restoreSeenIds)]
    pub fn restore_seen_ids(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "SeenKey[]")] keys: JsValue,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let keys: Vec<SeenKey> = from_js(keys, "keys")?;
        self.inner.restore_seen_ids(&keys, now_ms as u64);
        Ok(())
    }

    /// The intake log, oldest first.
    #[wasm_bindgen(unchecked_return_type = "IntakeLogEntry[]")]
    pub fn log(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.log().collect::<Vec<_>>())
    }
}
