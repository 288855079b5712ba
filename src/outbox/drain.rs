//! Everything the host must act on after a call, in one value (one boundary crossing
//! for the Wasm shim instead of one per poll).
//!
//! Invariant: [`Outbox::drain`] polls transmits *first*, so the store ops they cause
//! (skipped steps, plans that could not be resolved) are in the same [`Drained`]; the
//! host applies `store` in order before it sends `transmits` or acts on `events`.

use serde::{Deserialize, Serialize};

use super::progress::Event;
use super::record::StoreOp;
use super::state::Outbox;
use super::Transmit;

/// The outputs of the outbox after a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Drained {
    /// Store operations, to apply in this order (and after those of earlier calls).
    pub store: Vec<StoreOp>,
    /// Events for the host (progress, auth, parked locations, dead letters).
    pub events: Vec<Event>,
    /// Requests to send now.
    pub transmits: Vec<Transmit>,
    /// When to drain again if nothing else happens (ms since the epoch), see
    /// [`Outbox::poll_timeout`].
    pub timeout: Option<u64>,
}

impl Outbox {
    /// Polls every transmit allowed at `now`, then every store op and event, then the
    /// timeout.
    pub fn drain(&mut self, now: u64) -> Drained {
        let mut transmits = Vec::new();
        while let Some(t) = self.poll_transmit(now) {
            transmits.push(t);
        }
        Drained {
            store: self.store.drain(..).collect(),
            events: self.events.drain(..).collect(),
            transmits,
            timeout: self.poll_timeout(),
        }
    }
}
