//! Everything the host must act on after a call, in one value (one boundary crossing
//! for the Wasm shim instead of one per poll).
//!
//! Invariant: [`Outbox::drain`] polls transmits *first*, so the store ops they cause
//! (skipped steps, plans that could not be resolved) are in the same [`Drained`]; the
//! host applies `store` in order before it sends `transmits` or acts on `events`.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

use super::progress::Event;
use super::record::StoreOp;
use super::state::Outbox;
use super::stored_budget::BudgetPut;
use super::Transmit;

/// The outputs of the outbox after a call.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Drained {
    /// Store operations, to apply in this order (and after those of earlier calls).
    pub store: Vec<StoreOp>,
    /// Rate budgets that changed (sends, headers, parks): written with `store`, in the
    /// same batch, as `{op: "put", key, record}` (see `Outbox::poll_budgets`).
    pub budgets: Vec<BudgetPut>,
    /// Events for the host (progress, auth, parked locations, dead letters).
    pub events: Vec<Event>,
    /// Requests to send now.
    pub transmits: Vec<Transmit>,
    /// When to drain again if nothing else happens (ms since the epoch), see
    /// [`Outbox::poll_timeout`].
    pub timeout: Option<u64>,
}

impl Outbox {
    /// Sweeps expired tombstones, polls every transmit allowed at `now`, then every
    /// store op, changed budget and event, then the timeout.
    pub fn drain(&mut self, now: u64) -> Drained {
        self.sweep(now);
        let mut transmits = Vec::new();
        while let Some(t) = self.poll_transmit(now) {
            transmits.push(t);
        }
        Drained {
            store: self.store.drain(..).collect(),
            budgets: self.poll_budgets(now),
            events: self.events.drain(..).collect(),
            transmits,
            timeout: self.poll_timeout(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::{Config, DeadReason, RecordState};
    use crate::plan::Plan;

    fn plan(id: &str) -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": id, "flow": "f", "locationId": "loc", "contactKey": "a@x.co",
            "steps": [{"id": "upsert", "operation": "contacts.upsert-contact",
                       "params": {"body": {"email": "a@x.co"}}}]
        }))
        .expect("a valid plan")
    }

    #[test]
    fn drain_hands_out_transmits_then_ops_events_and_timeout() {
        let mut ob = Outbox::new(Config::default());
        let acc = ob.accept(plan("e1"), 1_000).expect("accepted");
        assert_eq!(acc.ops.len(), 1);
        let d = ob.drain(1_000);
        assert_eq!(d.transmits.len(), 1);
        assert!(d.store.is_empty(), "the accept's op was returned by accept");
        assert_eq!(d.events.len(), 2, "queued, sent");
        assert_eq!(d.timeout, None, "nothing else to do until the answer");
        // The request cannot be built: dead-lettered, stored, reported.
        ob.handle_unsendable(d.transmits[0].id, "missing scope", 1_010)
            .expect("known transmit");
        let d = ob.drain(1_020);
        assert!(d.transmits.is_empty());
        match d.store.as_slice() {
            [StoreOp::Put { record, .. }] => match &record.state {
                RecordState::Dead(info) => {
                    assert_eq!(info.reason, DeadReason::InvalidRequest);
                    assert_eq!(info.message.as_deref(), Some("missing scope"));
                }
                other => panic!("not dead: {other:?}"),
            },
            other => panic!("unexpected ops: {other:?}"),
        }
        assert!(d
            .events
            .iter()
            .any(|e| matches!(e, Event::DeadLettered(dl) if dl.plan_id == "e1")));
        assert!(ob
            .handle_unsendable(d.events.len() as u64 + 99, "x", 1_030)
            .is_err());
    }
}
