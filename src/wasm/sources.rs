//! The real sources for JS: the GHL webhook receiver, the Qwilr intake and the
//! Wishpond poller. The shim verifies the signature
//! the core asks for with the platform's primitive (WebCrypto) and hands back the verdict.

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, throw};
use crate::http::HttpResponse;
use crate::sources::{
    qwilr, CaptureConfig, CaptureIntake, GhlWebhookConfig, GhlWebhookReceiver, KnownTags,
    QwilrConfig, QwilrIntake, SeenKey, SignatureVerdict, SubscriptionOp, WishpondCursor,
    WishpondPoller, WishpondPollerConfig,
};

/// One endpoint's GHL webhook receiver (see [`crate::sources::ghl_webhook`]).
#[wasm_bindgen(js_name = GhlWebhookReceiver)]
pub struct WasmGhlWebhookReceiver {
    inner: GhlWebhookReceiver,
}

fn headers(v: JsValue) -> Result<BTreeMap<String, String>, JsValue> {
    decode(v, "headers")
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
            decode(config, "config")?
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
        encode(&check)
    }

    /// Step 2: the bytes received and the verdict -> the outcome, or the contact's known
    /// tag list to read first (a refusal is thrown).
    #[wasm_bindgen(unchecked_return_type = "GhlWebhookStep")]
    pub fn receive(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] headers_js: JsValue,
        body: &[u8],
        #[wasm_bindgen(unchecked_param_type = "SignatureVerdict")] verdict: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let h = headers(headers_js)?;
        let verdict: SignatureVerdict = decode(verdict, "verdict")?;
        let step = self
            .inner
            .receive(&h, body, verdict, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&step)
    }

    /// Step 3: the stored list a `needKnownTags` step asked for (`undefined`: none)
    /// -> the outcome (a refusal is thrown).
    #[wasm_bindgen(js_name = provideKnownTags, unchecked_return_type = "GhlWebhookOutcome")]
    pub fn provide_known_tags(
        &mut self,
        ticket: u32,
        #[wasm_bindgen(unchecked_param_type = "KnownTags | undefined")] stored: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let stored: Option<KnownTags> = if stored.is_undefined() || stored.is_null() {
            None
        } else {
            Some(decode(stored, "stored")?)
        };
        let out = self
            .inner
            .provide_known_tags(ticket, stored, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&out)
    }

    /// The stored list could not be read: the waiting delivery is dropped.
    pub fn abandon(&mut self, ticket: u32, now_ms: f64) {
        self.inner.abandon(ticket, now_ms as u64);
    }

    /// The remembered `webhookId`s (to persist).
    #[wasm_bindgen(js_name = seenIds, unchecked_return_type = "SeenKey[]")]
    pub fn seen_ids(&self, now_ms: f64) -> Result<JsValue, JsValue> {
        encode(&self.inner.seen_ids(now_ms as u64))
    }

    /// Puts persisted `webhookId`s back.
    #[wasm_bindgen(js_name = restoreSeenIds)]
    pub fn restore_seen_ids(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "SeenKey[]")] keys: JsValue,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let keys: Vec<SeenKey> = decode(keys, "keys")?;
        self.inner.restore_seen_ids(&keys, now_ms as u64);
        Ok(())
    }

    /// The intake log, oldest first.
    #[wasm_bindgen(unchecked_return_type = "IntakeLogEntry[]")]
    pub fn log(&self) -> Result<JsValue, JsValue> {
        encode(&self.inner.log().collect::<Vec<_>>())
    }
}

/// One Qwilr webhook endpoint (see [`crate::sources::qwilr`]). The shim compares the
/// URL secret in constant time and sends the page read.
#[wasm_bindgen(js_name = QwilrIntake)]
pub struct WasmQwilrIntake {
    inner: QwilrIntake,
}

#[wasm_bindgen(js_class = QwilrIntake)]
impl WasmQwilrIntake {
    /// An intake; the secret is checked for strength (at least 128 bits).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Partial<QwilrConfig> | undefined")] config: JsValue,
        secret: &str,
    ) -> Result<WasmQwilrIntake, JsValue> {
        let config: QwilrConfig = if config.is_undefined() || config.is_null() {
            QwilrConfig::default()
        } else {
            decode(config, "config")?
        };
        let inner = QwilrIntake::new(config, secret).map_err(|e| throw(&e))?;
        Ok(WasmQwilrIntake { inner })
    }

    /// Step 1: the secret verdict and the body -> the page read or a duplicate.
    #[wasm_bindgen(unchecked_return_type = "QwilrNeed")]
    pub fn receive(
        &mut self,
        secret_matches: bool,
        body: &[u8],
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let need = self
            .inner
            .receive(secret_matches, body, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&need)
    }

    /// Step 1 for a host that stores deliveries and reads the page later: the secret
    /// verdict and the body -> store it or a duplicate (no page read, no key held).
    #[wasm_bindgen(js_name = checkDelivery, unchecked_return_type = "QwilrDelivery")]
    pub fn check_delivery(
        &mut self,
        secret_matches: bool,
        body: &[u8],
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let delivery = self
            .inner
            .check_delivery(secret_matches, body, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&delivery)
    }

    /// Step 2: the page read's response -> the event or skipped.
    #[wasm_bindgen(js_name = handlePage, unchecked_return_type = "QwilrOutcome")]
    pub fn handle_page(
        &mut self,
        idempotency_key: &str,
        #[wasm_bindgen(unchecked_param_type = "HttpResponse")] response: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let response: HttpResponse = decode(response, "response")?;
        let out = self
            .inner
            .handle_page(idempotency_key, &response, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&out)
    }

    /// The page read could not be sent: the key is released.
    #[wasm_bindgen(js_name = pageFailed)]
    pub fn page_failed(&mut self, idempotency_key: &str) {
        self.inner.page_failed(idempotency_key);
    }

    /// The processed keys (to persist).
    #[wasm_bindgen(js_name = seenKeys, unchecked_return_type = "SeenKey[]")]
    pub fn seen_keys(&self, now_ms: f64) -> Result<JsValue, JsValue> {
        encode(&self.inner.seen_keys(now_ms as u64))
    }

    /// Puts persisted keys back.
    #[wasm_bindgen(js_name = restoreSeenKeys)]
    pub fn restore_seen_keys(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "SeenKey[]")] keys: JsValue,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let keys: Vec<SeenKey> = decode(keys, "keys")?;
        self.inner.restore_seen_keys(&keys, now_ms as u64);
        Ok(())
    }

    /// The intake log, oldest first.
    #[wasm_bindgen(unchecked_return_type = "IntakeLogEntry[]")]
    pub fn log(&self) -> Result<JsValue, JsValue> {
        encode(&self.inner.log().collect::<Vec<_>>())
    }
}

/// An intake event (Wishpond lead, Qwilr event, GHL webhook event) as the flow event
/// `Flows` runs, or `null` when the flows have nothing to do with it.
#[wasm_bindgen(js_name = toFlowEvent, unchecked_return_type = "FlowEvent | null")]
pub fn to_flow_event(
    #[wasm_bindgen(unchecked_param_type = "WishpondLeadEvent | QwilrEvent | GhlWebhookEvent")]
    source_event: JsValue,
) -> Result<JsValue, JsValue> {
    let v: serde_json::Value = decode(source_event, "sourceEvent")?;
    match crate::sources::flow_event_of(&v).map_err(|e| throw(&e))? {
        Some(e) => encode(&e),
        None => Ok(JsValue::NULL),
    }
}

/// The request of a Qwilr webhook subscription operation (create, list, delete).
#[wasm_bindgen(js_name = qwilrSubscriptionRequest, unchecked_return_type = "HttpRequest")]
pub fn qwilr_subscription_request(
    base_url: &str,
    #[wasm_bindgen(unchecked_param_type = "SubscriptionOp")] op: JsValue,
) -> Result<JsValue, JsValue> {
    let op: SubscriptionOp = decode(op, "op")?;
    let req = qwilr::subscription_request(base_url, &op).map_err(|e| throw(&e))?;
    encode(&req)
}

/// The subscriptions a list (or create) response holds.
#[wasm_bindgen(js_name = qwilrParseSubscriptions, unchecked_return_type = "QwilrSubscription[]")]
pub fn qwilr_parse_subscriptions(
    #[wasm_bindgen(unchecked_param_type = "HttpResponse")] response: JsValue,
) -> Result<JsValue, JsValue> {
    let response: HttpResponse = decode(response, "response")?;
    let subs = qwilr::parse_subscriptions(&response).map_err(|e| throw(&e))?;
    encode(&subs)
}

/// The sans-IO Wishpond leads poller (see [`crate::sources::wishpond`]). The shim sends
/// each request with `X-Api-Token`, waits when told, and persists the cursor on `done`.
#[wasm_bindgen(js_name = WishpondPoller)]
pub struct WasmWishpondPoller {
    inner: WishpondPoller,
}

#[wasm_bindgen(js_class = WishpondPoller)]
impl WasmWishpondPoller {
    /// A poller from a stored cursor (none: the first poll).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Partial<WishpondPollerConfig> | undefined")]
        config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WishpondCursor | undefined")] cursor: JsValue,
    ) -> Result<WasmWishpondPoller, JsValue> {
        let config: WishpondPollerConfig = if config.is_undefined() || config.is_null() {
            WishpondPollerConfig::default()
        } else {
            decode(config, "config")?
        };
        let cursor: WishpondCursor = if cursor.is_undefined() || cursor.is_null() {
            WishpondCursor::default()
        } else {
            decode(cursor, "cursor")?
        };
        let inner = WishpondPoller::new(config, cursor).map_err(|e| throw(&e))?;
        Ok(WasmWishpondPoller { inner })
    }

    /// Starts or continues a poll: the next step.
    #[wasm_bindgen(unchecked_return_type = "PollStep")]
    pub fn poll(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        encode(&self.inner.poll(now_ms as u64))
    }

    /// A response -> the next step (an error ends the poll; the cursor stays).
    #[wasm_bindgen(js_name = handleResponse, unchecked_return_type = "PollStep")]
    pub fn handle_response(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "HttpResponse")] response: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let response: HttpResponse = decode(response, "response")?;
        let step = self
            .inner
            .handle_response(&response, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&step)
    }

    /// The request could not be sent: the poll ends, the cursor stays.
    #[wasm_bindgen(js_name = pollFailed)]
    pub fn poll_failed(&mut self) {
        self.inner.poll_failed();
    }

    /// The committed cursor.
    #[wasm_bindgen(unchecked_return_type = "WishpondCursor")]
    pub fn cursor(&self) -> Result<JsValue, JsValue> {
        encode(self.inner.cursor())
    }
}

/// The intake side of the page capture script (see [`crate::sources::capture`]).
#[wasm_bindgen(js_name = CaptureIntake)]
pub struct WasmCaptureIntake {
    inner: CaptureIntake,
}

#[wasm_bindgen(js_class = CaptureIntake)]
impl WasmCaptureIntake {
    /// An intake for the configured site keys.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Partial<CaptureConfig>")] config: JsValue,
    ) -> Result<WasmCaptureIntake, JsValue> {
        let config: CaptureConfig = decode(config, "config")?;
        let inner = CaptureIntake::new(config).map_err(|e| throw(&e))?;
        Ok(WasmCaptureIntake { inner })
    }

    /// One capture (`origin`: the request's `Origin` header).
    #[wasm_bindgen(unchecked_return_type = "CaptureOutcome")]
    pub fn receive(
        &mut self,
        origin: Option<String>,
        body: &[u8],
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let out = self
            .inner
            .receive(origin.as_deref(), body, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&out)
    }
}
