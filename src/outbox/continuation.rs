//! Plans with a continuation: a flow's stages delivered durably, one after the other.
//!
//! A plan accepted with a continuation ([`Outbox::accept_with`]) is not forgotten when
//! its last step is done: it becomes [`RecordState::Awaiting`] (stored, responses
//! kept) and [`Event::Continue`] hands the continuation and the responses to the
//! executor. The executor accepts the next stage with `after` set to this plan, then
//! calls [`Outbox::continued`]; a failed continuation is [`Outbox::continuation_failed`]
//! (a dead letter, `CONTINUATION_FAILED`, that a re-trigger runs again).
//!
//! Invariants:
//! - An awaiting record is counted as pending and stays at the head of its contact's
//!   queue: nothing of that contact is sent until its continuation is done, so a later
//!   event reads what every stage of the earlier one wrote.
//! - A next stage takes its parent's acceptance order (`seq`), so a restore queues it
//!   where the parent was, ahead of later events.
//! - `Continue` is emitted when a record becomes awaiting and again by every restore
//!   while it is; running a continuation twice is safe (the next stage's id makes the
//!   second accept a duplicate).

use serde_json::Value;

use super::log::{LogEntry, LogOutcome};
use super::progress::{Event, ProgressKind};
use super::record::{DeadInfo, DeadReason, Record, RecordState};
use super::state::{contact_slot, Outbox};
use super::{Accepted, Disposition, OutboxError};
use crate::plan::Plan;

impl Outbox {
    /// Queues a plan with a continuation or a parent (never coalesced): behind its
    /// awaiting parent in the contact's queue and with the parent's `seq`, else at the
    /// end. The counts were updated by the caller.
    pub(super) fn queue_staged(
        &mut self,
        plan: Plan,
        continuation: Option<Value>,
        parent: Option<(String, u64)>,
        now: u64,
    ) -> Accepted {
        let id = plan.id.clone();
        let parent = parent.filter(|(p, _)| {
            self.plans
                .get(p)
                .is_some_and(|r| matches!(r.state, RecordState::Awaiting { .. }))
        });
        let seq = match &parent {
            Some((_, s)) => *s,
            None => {
                let s = self.next_seq;
                self.next_seq = s.saturating_add(1);
                s
            }
        };
        let loc = plan.location_id.clone();
        let slot = contact_slot(&plan);
        let mut rec = Record::pending(plan, seq, now);
        rec.continuation = continuation;
        self.plans.insert(id.clone(), rec);
        self.location(&loc);
        self.put(&id);
        let placed = match (&parent, &slot) {
            (Some((p, _)), Some(sl)) => {
                self.contacts
                    .get_mut(sl)
                    .is_some_and(|q| match q.iter().position(|x| x == p) {
                        Some(i) => {
                            q.insert(i + 1, id.clone());
                            true
                        }
                        None => false,
                    })
            }
            _ => false,
        };
        if !placed {
            self.enqueue_contact(&id, now);
        }
        self.progress(ProgressKind::Queued, &id);
        Accepted {
            plan_id: id,
            disposition: Disposition::Queued,
            ops: self.store.drain(..).collect(),
        }
    }

    /// Every step of a plan with a continuation is done: keep it, stored, and ask.
    pub(super) fn await_continuation(&mut self, id: &str, now: u64) {
        let Some(r) = self.plans.get_mut(id) else {
            return;
        };
        r.state = RecordState::Awaiting { at: now };
        for s in &mut r.steps {
            s.next_attempt_at = None;
        }
        self.put(id);
        self.emit_continue(id);
    }

    /// Queues the `Continue` event of an awaiting record.
    pub(super) fn emit_continue(&mut self, id: &str) {
        let Some(r) = self.plans.get(id) else {
            return;
        };
        if let (RecordState::Awaiting { .. }, Some(c)) = (&r.state, &r.continuation) {
            let e = Event::Continue {
                plan_id: id.to_string(),
                continuation: c.clone(),
                responses: r.responses(),
            };
            self.events.push_back(e);
        }
    }

    fn awaiting(&self, id: &str) -> Result<(), OutboxError> {
        match self.plans.get(id).map(|r| &r.state) {
            Some(RecordState::Awaiting { .. }) => Ok(()),
            _ => Err(OutboxError::NotAwaiting {
                plan: id.to_string(),
            }),
        }
    }

    /// The continuation of `plan_id` is done (its next stage, if any, was accepted
    /// first): the record becomes a done tombstone (store op) and the contact's next
    /// plan (the next stage) may go. Throws `OUTBOX_NOT_AWAITING` otherwise.
    pub fn continued(&mut self, plan_id: &str, now: u64) -> Result<(), OutboxError> {
        self.awaiting(plan_id)?;
        if let Some(r) = self.plans.get_mut(plan_id) {
            r.continuation = None;
        }
        self.finish(plan_id, now);
        Ok(())
    }

    /// The continuation of `plan_id` failed (`message` says why): the plan goes to
    /// the dead-letter list (`CONTINUATION_FAILED`, logged, counted as dead), its
    /// responses and continuation kept, so a re-trigger runs the continuation again
    /// without sending anything.
    pub fn continuation_failed(
        &mut self,
        plan_id: &str,
        message: &str,
        now: u64,
    ) -> Result<(), OutboxError> {
        self.awaiting(plan_id)?;
        let flow = self
            .plans
            .get(plan_id)
            .map(|r| r.plan.flow.clone())
            .unwrap_or_default();
        let entry = LogEntry {
            at: now,
            flow,
            plan_id: plan_id.to_string(),
            step: "finish".into(),
            operation: String::new(),
            status: None,
            ghl_message: Some(message.to_string()),
            trace_id: None,
            attempt: 0,
            outcome: LogOutcome::Dead,
        };
        let info = DeadInfo {
            step_id: "finish".into(),
            reason: DeadReason::ContinuationFailed,
            status: None,
            message: Some(message.to_string()),
            trace_id: None,
            attempts: 0,
            at: now,
        };
        self.dead_letter_logged(entry, 0, info);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::http::HttpResponse;
    use crate::outbox::{Config, Event, Outbox, RecordState, StoreOp, Transmit};
    use crate::plan::Plan;

    /// What the host's storage holds (ops applied in order).
    #[derive(Default)]
    struct Store(BTreeMap<String, crate::outbox::Record>);

    impl Store {
        fn apply(&mut self, ops: Vec<StoreOp>) {
            for op in ops {
                match op {
                    StoreOp::Put { key, record } => {
                        self.0.insert(key, *record);
                    }
                    StoreOp::Delete { key } => {
                        self.0.remove(&key);
                    }
                }
            }
        }
    }

    fn plan(id: &str, email: &str, steps: &[&str]) -> Plan {
        let steps: Vec<_> = steps
            .iter()
            .map(|s| {
                json!({"id": s, "operation": "contacts.upsert-contact",
                       "params": {"body": {"email": email, "step": s}}})
            })
            .collect();
        serde_json::from_value(json!({
            "id": id, "flow": "contact", "locationId": "loc", "contactKey": email,
            "steps": steps
        }))
        .expect("a valid plan")
    }

    fn ok(body: serde_json::Value) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: Default::default(),
            body: body.to_string(),
        }
    }

    /// A `Continue` event: plan id, continuation, responses.
    type Asked = (
        String,
        serde_json::Value,
        BTreeMap<String, serde_json::Value>,
    );

    /// The host: drains, applies store ops, answers every transmit 200; returns the
    /// transmits sent and the `Continue` events seen.
    fn run(ob: &mut Outbox, store: &mut Store, now: &mut u64) -> (Vec<Transmit>, Vec<Asked>) {
        let mut sent = Vec::new();
        let mut cont = Vec::new();
        for _ in 0..100 {
            *now += 10;
            let d = ob.drain(*now);
            store.apply(d.store);
            for e in d.events {
                if let Event::Continue {
                    plan_id,
                    continuation,
                    responses,
                } = e
                {
                    cont.push((plan_id, continuation, responses));
                }
            }
            if d.transmits.is_empty() {
                break;
            }
            for t in d.transmits {
                let body = json!({"contact": {"id": "c1"}, "step": t.step_id, "plan": t.plan_id});
                ob.handle_response(t.id, &ok(body), *now + 5, 7)
                    .expect("known transmit");
                sent.push(t);
            }
        }
        store.apply(std::iter::from_fn(|| ob.poll_store()).collect());
        (sent, cont)
    }

    fn plans_sent(sent: &[Transmit]) -> Vec<String> {
        sent.iter()
            .map(|t| format!("{}/{}", t.plan_id, t.step_id))
            .collect()
    }

    #[test]
    fn two_stages_are_delivered_and_a_later_event_waits_for_both() {
        let mut ob = Outbox::new(Config::default());
        let mut store = Store::default();
        let mut now = 1_000;
        let acc = ob
            .accept_with(
                plan("e1", "a@x.co", &["read"]),
                Some(json!({"stage": 1})),
                None,
                now,
            )
            .expect("accepted");
        store.apply(acc.ops);
        // A later event of the same contact: it must wait for e1's second stage.
        let acc = ob
            .accept(plan("e2", "a@x.co", &["upsert"]), now)
            .expect("accepted");
        assert_eq!(acc.disposition, super::Disposition::Queued, "not coalesced");
        store.apply(acc.ops);
        let (sent, cont) = run(&mut ob, &mut store, &mut now);
        assert_eq!(
            plans_sent(&sent),
            ["e1/read"],
            "e2 waits for e1's continuation"
        );
        assert_eq!(cont.len(), 1);
        let (id, c, responses) = &cont[0];
        assert_eq!((id.as_str(), c), ("e1", &json!({"stage": 1})));
        assert_eq!(
            responses["read"]["step"], "read",
            "the responses are handed over"
        );
        assert!(
            matches!(store.0["e1"].state, RecordState::Awaiting { .. }),
            "stored as awaiting, with its responses"
        );
        assert_eq!(ob.counts().pending, 2, "awaiting counts as pending");
        // The executor accepts the next stage, then says the continuation is done.
        let acc = ob
            .accept_with(plan("e1#2", "a@x.co", &["write"]), None, Some("e1"), now)
            .expect("accepted");
        store.apply(acc.ops);
        ob.continued("e1", now).expect("awaiting");
        assert!(ob.continued("e1", now).is_err(), "only once");
        let (sent, cont) = run(&mut ob, &mut store, &mut now);
        assert_eq!(
            plans_sent(&sent),
            ["e1#2/write", "e2/upsert"],
            "stage 2 first"
        );
        assert!(cont.is_empty());
        assert!(matches!(store.0["e1"].state, RecordState::Done { .. }));
        assert!(matches!(store.0["e1#2"].state, RecordState::Done { .. }));
        let c = ob.counts();
        assert_eq!((c.accepted, c.pending, c.done, c.dead), (3, 0, 3, 0));
    }

    #[test]
    fn a_crash_between_stage_one_and_its_continuation_delivers_stage_two_once() {
        // Crash points: before the next stage was accepted, and after it was accepted
        // but before `continued` was called.
        for accepted_before_crash in [false, true] {
            let mut ob = Outbox::new(Config::default());
            let mut store = Store::default();
            let mut now = 1_000;
            let acc = ob
                .accept_with(
                    plan("e1", "a@x.co", &["read"]),
                    Some(json!("fp")),
                    None,
                    now,
                )
                .expect("accepted");
            store.apply(acc.ops);
            let acc = ob
                .accept(plan("e2", "a@x.co", &["upsert"]), now)
                .expect("accepted");
            store.apply(acc.ops);
            let (mut sent, cont) = run(&mut ob, &mut store, &mut now);
            assert_eq!(cont.len(), 1);
            if accepted_before_crash {
                let acc = ob
                    .accept_with(plan("e1#2", "a@x.co", &["write"]), None, Some("e1"), now)
                    .expect("accepted");
                store.apply(acc.ops);
            }
            // Crash: rebuilt from the store alone.
            drop(ob);
            let mut ob = Outbox::restore(Config::default(), store.0.values().cloned(), now);
            let (more, cont) = run(&mut ob, &mut store, &mut now);
            sent.extend(more);
            assert_eq!(cont.len(), 1, "asked again after the restore");
            assert_eq!(cont[0].0, "e1");
            assert_eq!(cont[0].2["read"]["step"], "read", "responses survived");
            let acc = ob
                .accept_with(plan("e1#2", "a@x.co", &["write"]), None, Some("e1"), now)
                .expect("accepted");
            let expected = if accepted_before_crash {
                super::Disposition::Duplicate
            } else {
                super::Disposition::Queued
            };
            assert_eq!(acc.disposition, expected);
            store.apply(acc.ops);
            ob.continued("e1", now).expect("awaiting");
            let (more, _) = run(&mut ob, &mut store, &mut now);
            sent.extend(more);
            assert_eq!(
                plans_sent(&sent),
                ["e1/read", "e1#2/write", "e2/upsert"],
                "each once, in order (accepted before the crash: {accepted_before_crash})"
            );
            assert_eq!(ob.counts().pending, 0);
        }
    }

    #[test]
    fn a_failed_continuation_is_a_dead_letter_and_a_retrigger_asks_again() {
        let mut ob = Outbox::new(Config::default());
        let mut store = Store::default();
        let mut now = 1_000;
        let acc = ob
            .accept_with(plan("e1", "a@x.co", &["read"]), Some(json!(1)), None, now)
            .expect("accepted");
        store.apply(acc.ops);
        let (sent, cont) = run(&mut ob, &mut store, &mut now);
        assert_eq!((sent.len(), cont.len()), (1, 1));
        assert!(ob.continuation_failed("nope", "x", now).is_err());
        ob.continuation_failed("e1", "FLOW_BAD_RESPONSE: no contact.id", now)
            .expect("awaiting");
        let dl = ob.dead_letters();
        assert_eq!(dl.len(), 1);
        assert_eq!(dl[0].info.reason.code(), "CONTINUATION_FAILED");
        assert_eq!(
            dl[0].info.message.as_deref(),
            Some("FLOW_BAD_RESPONSE: no contact.id")
        );
        assert_eq!(ob.counts().dead, 1);
        assert!(ob
            .log()
            .iter()
            .any(|e| e.plan_id == "e1" && e.step == "finish"));
        ob.retrigger("e1", now).expect("dead");
        let (sent, cont) = run(&mut ob, &mut store, &mut now);
        assert!(sent.is_empty(), "done steps are not sent again");
        assert_eq!(cont.len(), 1, "the continuation runs again");
        assert_eq!(cont[0].2["read"]["step"], "read");
    }
}
