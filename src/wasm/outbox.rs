//! `Outbox`: the sans-IO delivery core ([`crate::outbox`]) with the request builder and
//! the transport, for JavaScript.
//!
//! Thin: every method converts its arguments, calls the core and converts the result.
//! The JS shim (`js/src/outbox.ts`) owns storage, timers, tokens and the pump; this
//! object owns the state machine, the transmits handed out but not yet sent (so JS
//! passes back only their id), and the random source of the backoff jitter (SplitMix64
//! seeded by JS).
//!
//! Invariants:
//! - No borrow of the core is held across an `.await`: `deliver` takes the transmit,
//!   builds the request, sends it, and only then borrows the core to feed the outcome.
//! - A transmit whose request cannot be built is dead-lettered through the core
//!   (`INVALID_REQUEST`), never dropped; it is not sent.
//! - The token is an argument of `deliver`; it is not kept except by the
//!   [`Scrubber`], which removes it (and up to three earlier ones) from every
//!   response and failure before the core sees them: no log entry, dead letter,
//!   stored record or event can hold a token a server echoed back.
//! - The configuration is checked ([`Config::validate`]) before anything is built.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{decode, decode_within, encode, throw, STORED_DEPTH};
use super::transport::{self, TransportError};
use crate::http::{HttpResponse, Scrubber, Token};
use crate::outbox::{self as core, Drained, Failure, OutboxInit, SplitMix64, Stored, Transmit};
use crate::plan::Plan;
use crate::request::RequestBuilder;

const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// What JS passes to `new Outbox(...)`.
struct Shared {
    core: core::Outbox,
    rng: SplitMix64,
    /// Transmits handed to JS and not yet delivered.
    waiting: HashMap<u64, Transmit>,
    /// The tokens `deliver` was given, to scrub from what servers answer.
    scrubber: Scrubber,
}

/// Durable, rate-limited, retrying delivery of plans to GHL.
#[wasm_bindgen]
pub struct Outbox {
    shared: Rc<RefCell<Shared>>,
    builder: Rc<RequestBuilder>,
    timeout_ms: u32,
}

fn now_u64(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

#[wasm_bindgen]
impl Outbox {
    /// Builds the outbox from the records the storage holds (none for a fresh one).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "OutboxInit")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Array<OutboxRecord | OutboxBudgetRecord>")]
        records: JsValue,
        now: f64,
    ) -> Result<Outbox, JsValue> {
        let o: OutboxInit = decode(options, "outbox options")?;
        o.config.validate().map_err(|e| throw(&e))?;
        let records: Vec<Stored> = decode_within(records, "stored records", STORED_DEPTH)?;
        let builder = RequestBuilder::new(o.client).map_err(|e| throw(&e))?;
        let core = core::Outbox::restore(o.config, records, now_u64(now));
        let seed = if o.seed.is_finite() {
            o.seed.abs() as u64
        } else {
            0
        };
        Ok(Outbox {
            shared: Rc::new(RefCell::new(Shared {
                core,
                rng: SplitMix64::new(seed),
                waiting: HashMap::new(),
                scrubber: Scrubber::default(),
            })),
            builder: Rc::new(builder),
            timeout_ms: o.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
        })
    }

    /// Accepts an event's plan; acknowledge it only after storing the returned `ops`.
    #[wasm_bindgen(unchecked_return_type = "Accepted")]
    pub fn accept(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let plan: Plan = decode(plan, "plan")?;
        let accepted = self
            .shared
            .borrow_mut()
            .core
            .accept(plan, now_u64(now))
            .map_err(|e| throw(&e))?;
        encode(&accepted)
    }

    /// Accepts a flow stage (`FlowPlan`): its plan, with the stage as continuation
    /// when its `finish` may give a next stage; `after` is the plan whose continuation
    /// this stage is (see `Outbox::accept_with`).
    #[wasm_bindgen(js_name = acceptFlow, unchecked_return_type = "Accepted")]
    pub fn accept_flow(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FlowPlan")] flow_plan: JsValue,
        after: Option<String>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let fp: crate::flows::FlowPlan = decode(flow_plan.clone(), "flowPlan")?;
        let continuation = if fp.finish.may_continue() {
            Some(decode::<serde_json::Value>(flow_plan, "flowPlan")?)
        } else {
            None
        };
        let accepted = self
            .shared
            .borrow_mut()
            .core
            .accept_with(fp.plan, continuation, after.as_deref(), now_u64(now))
            .map_err(|e| throw(&e))?;
        encode(&accepted)
    }

    /// The continuation of `plan_id` is done (its next stage accepted first).
    pub fn continued(&self, plan_id: &str, now: f64) -> Result<(), JsValue> {
        self.shared
            .borrow_mut()
            .core
            .continued(plan_id, now_u64(now))
            .map_err(|e| throw(&e))
    }

    /// The continuation of `plan_id` failed: a dead letter (`CONTINUATION_FAILED`).
    #[wasm_bindgen(js_name = continuationFailed)]
    pub fn continuation_failed(
        &self,
        plan_id: &str,
        message: &str,
        now: f64,
    ) -> Result<(), JsValue> {
        let mut s = self.shared.borrow_mut();
        let message = s.scrubber.scrub(message);
        s.core
            .continuation_failed(plan_id, &message, now_u64(now))
            .map_err(|e| throw(&e))
    }

    /// Everything to act on now: store ops (apply first, in order), events, transmits
    /// (send each with `deliver`; none when `send` is false), and when to drain again.
    #[wasm_bindgen(unchecked_return_type = "Drained")]
    pub fn drain(&self, now: f64, send: bool) -> Result<JsValue, JsValue> {
        let mut s = self.shared.borrow_mut();
        let d = if send {
            s.core.drain(now_u64(now))
        } else {
            let now = now_u64(now);
            Drained {
                store: std::iter::from_fn(|| s.core.poll_store()).collect(),
                budgets: s.core.poll_budgets(now),
                events: std::iter::from_fn(|| s.core.poll_event()).collect(),
                transmits: Vec::new(),
                timeout: s.core.poll_timeout(),
            }
        };
        for t in &d.transmits {
            s.waiting.insert(t.id, t.clone());
        }
        drop(s);
        encode(&d)
    }

    /// Builds transmit `id`'s request with `token`, sends it and feeds the outcome to
    /// the core. Resolves when the outcome is recorded (then `drain`); a request that
    /// cannot be built is dead-lettered without being sent.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn deliver(&self, id: f64, token: String) -> Result<Promise, JsValue> {
        let id = now_u64(id);
        let t = self
            .shared
            .borrow_mut()
            .waiting
            .remove(&id)
            .ok_or_else(|| throw(&core::OutboxError::UnknownTransmit { id }))?;
        let shared = Rc::clone(&self.shared);
        let now = || now_u64(js_sys::Date::now());
        let token = Token::new(token);
        self.shared.borrow_mut().scrubber.remember(&token);
        let built = self.builder.build(&t.operation, &t.params, &token);
        drop(token);
        let req = match built {
            Ok(r) => r,
            Err(e) => {
                let message = format!("{} ({})", e, crate::error::Coded::code(&e));
                let message = shared.borrow().scrubber.scrub(&message);
                shared
                    .borrow_mut()
                    .core
                    .handle_unsendable(id, &message, now())
                    .map_err(|e| throw(&e))?;
                return Ok(Promise::resolve(&JsValue::UNDEFINED));
            }
        };
        let timeout = self.timeout_ms;
        Ok(future_to_promise(async move {
            let outcome = transport::fetch(&t.operation, &req, timeout).await;
            drop(req);
            let mut s = shared.borrow_mut();
            let rand = s.rng.next_u64();
            let fed = match outcome {
                Ok(mut resp) => {
                    s.scrubber.scrub_response(&mut resp);
                    s.core.handle_response(id, &resp, now(), rand)
                }
                Err(TransportError::Timeout { .. }) => {
                    s.core.handle_failure(id, Failure::Timeout, now(), rand)
                }
                Err(e @ TransportError::Redirect { status, .. }) => {
                    // Not followed: handed to the core as the 3xx it is (the response
                    // policy calls it unexpected: dead-lettered, not retried).
                    let resp = HttpResponse {
                        status,
                        headers: Default::default(),
                        body: s.scrubber.scrub(&e.to_string()),
                    };
                    s.core.handle_response(id, &resp, now(), rand)
                }
                Err(TransportError::Network { reason, .. }) => {
                    let reason = s.scrubber.scrub(&reason);
                    s.core
                        .handle_failure(id, Failure::Network(reason), now(), rand)
                }
            };
            fed.map_err(|e| throw(&e))?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// The host obtained a fresh token: delivery resumes with it.
    #[wasm_bindgen(js_name = tokenRefreshed)]
    pub fn token_refreshed(&self, now: f64) {
        self.shared.borrow_mut().core.token_refreshed(now_u64(now));
    }

    /// `getToken()` failed: delivery pauses (`authPaused` event).
    #[wasm_bindgen(js_name = tokenRefreshFailed)]
    pub fn token_refresh_failed(&self, reason: &str, now: f64) {
        let mut s = self.shared.borrow_mut();
        let reason = s.scrubber.scrub(reason);
        s.core.token_refresh_failed(&reason, now_u64(now));
    }

    /// Continues after an auth pause.
    #[wasm_bindgen(js_name = resumeAuth)]
    pub fn resume_auth(&self, now: f64) {
        self.shared.borrow_mut().core.resume_auth(now_u64(now));
    }

    /// The auth pause reason, when paused.
    #[wasm_bindgen(js_name = authPaused)]
    pub fn auth_paused(&self) -> Option<String> {
        self.shared.borrow().core.auth_paused().map(str::to_string)
    }

    /// Every dead plan, oldest first.
    #[wasm_bindgen(js_name = deadLetters, unchecked_return_type = "DeadLetter[]")]
    pub fn dead_letters(&self) -> Result<JsValue, JsValue> {
        encode(&self.shared.borrow().core.dead_letters())
    }

    /// Puts one dead plan back in the queue (throws `OUTBOX_NOT_DEAD`).
    pub fn retrigger(&self, plan_id: &str, now: f64) -> Result<(), JsValue> {
        self.shared
            .borrow_mut()
            .core
            .retrigger(plan_id, now_u64(now))
            .map_err(|e| throw(&e))
    }

    /// Re-triggers every dead plan; returns how many.
    #[wasm_bindgen(js_name = retriggerAll)]
    pub fn retrigger_all(&self, now: f64) -> u32 {
        let n = self.shared.borrow_mut().core.retrigger_all(now_u64(now));
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Deletes expired tombstones (queues `delete` ops); returns how many.
    pub fn sweep(&self, now: f64) -> u32 {
        let n = self.shared.borrow_mut().core.sweep(now_u64(now));
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The delivery log as a JSON array (no tokens, no headers).
    #[wasm_bindgen(js_name = exportLog)]
    pub fn export_log(&self) -> String {
        self.shared.borrow().core.export_log_json()
    }

    /// Event counts.
    #[wasm_bindgen(unchecked_return_type = "OutboxCounts")]
    pub fn counts(&self) -> Result<JsValue, JsValue> {
        encode(&self.shared.borrow().core.counts())
    }

    /// How much state the outbox holds (every figure bounded).
    #[wasm_bindgen(unchecked_return_type = "OutboxRetained")]
    pub fn retained(&self) -> Result<JsValue, JsValue> {
        encode(&self.shared.borrow().core.retained())
    }

    /// Counters since creation or restore.
    #[wasm_bindgen(unchecked_return_type = "OutboxStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        encode(&self.shared.borrow().core.stats())
    }
}
