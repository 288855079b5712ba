//! The outbox's in-memory state: accepting, restoring, scheduling and sending.
//!
//! Invariants:
//! - `plans` holds every pending and dead record; `finished` every done or coalesced
//!   event id still remembered (tombstones), so an id is in at most one of them.
//! - A pending plan is in exactly one of: its contact's queue behind another plan,
//!   its location's `ready` set, `timers` (backoff), `in_flight`.
//! - Only the head of a contact queue is ever ready, waiting or in flight.

use std::collections::{HashMap, VecDeque};

use crate::sorted::SortedMap;

use super::budget::Budget;
use super::coalesce::merge_plans;
use super::log::{ErrorLog, LogEntry};
use super::progress::{Counts, Event, ProgressKind, Stats};
use super::queue::{Ready, Timers};
use super::record::{DeadInfo, DeadLetter, DeadReason, Record, RecordState, StepOutcome, StoreOp};
use super::stored_budget::Stored;
use super::tombstones::Tombstones;
use super::{Accepted, Config, Disposition, OutboxError, Retained, Transmit};
use crate::plan::{Plan, Resolved};

/// A request on the wire.
#[derive(Debug, Clone)]
pub(super) struct Flight {
    pub(super) plan_id: String,
    pub(super) step: usize,
    pub(super) location: String,
    pub(super) sent_at: u64,
    pub(super) attempt: u32,
    pub(super) auth_epoch: u64,
}

/// Per-location scheduling state.
#[derive(Debug, Clone)]
pub(super) struct Location {
    pub(super) budget: Budget,
    pub(super) in_flight: u32,
    /// Plans ready to send now, by acceptance order.
    pub(super) ready: Ready,
}

/// Token state (the outbox never sees the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AuthState {
    Ok,
    Refreshing,
    Paused(String),
}

/// Durable, rate-limited, retrying delivery of plans (see the module doc).
#[derive(Debug, Clone)]
pub struct Outbox {
    pub(super) config: Config,
    pub(super) next_seq: u64,
    pub(super) plans: HashMap<String, Record>,
    /// Done or coalesced event ids -> when.
    pub(super) finished: Tombstones,
    pub(super) locations: SortedMap<String, Location>,
    pub(super) contacts: HashMap<String, VecDeque<String>>,
    pub(super) timers: Timers,
    pub(super) in_flight: HashMap<u64, Flight>,
    pub(super) in_flight_plans: HashMap<String, u64>,
    pub(super) next_transmit: u64,
    pub(super) auth: AuthState,
    pub(super) auth_epoch: u64,
    /// True once a request with the current token was answered (not 401).
    pub(super) auth_confirmed: bool,
    pub(super) store: VecDeque<StoreOp>,
    pub(super) events: VecDeque<Event>,
    pub(super) log: ErrorLog,
    pub(super) stats: Stats,
    pub(super) counts: Counts,
    pub(super) cursor: usize,
}

pub(super) fn contact_slot(plan: &Plan) -> Option<String> {
    plan.contact_key
        .as_ref()
        .map(|k| format!("{}\u{0}{}", plan.location_id, k))
}

impl Outbox {
    /// An empty outbox.
    pub fn new(config: Config) -> Outbox {
        Outbox {
            log: ErrorLog::new(config.log_capacity),
            config,
            next_seq: 1,
            plans: HashMap::new(),
            finished: Tombstones::default(),
            locations: SortedMap::new(),
            contacts: HashMap::new(),
            timers: Timers::default(),
            in_flight: HashMap::new(),
            in_flight_plans: HashMap::new(),
            next_transmit: 1,
            auth: AuthState::Ok,
            auth_epoch: 0,
            auth_confirmed: true,
            store: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
            counts: Counts::default(),
            cursor: 0,
        }
    }

    /// Rebuilds the outbox from the records the host stored (in any order), after a
    /// reload or restart. Pending plans continue from their first step without a
    /// recorded outcome (a step that was in flight is sent again; see the module doc),
    /// backoff times are kept, dead plans stay dead, tombstones keep duplicate
    /// detection. A pending record whose plan no longer validates becomes dead
    /// (`INVALID_PLAN`). A location's stored rate budget ([`Stored::Budget`]) goes on
    /// with the window it had (see [`super::stored_budget`]); a location without one
    /// starts fresh and is corrected by the first responses' headers.
    pub fn restore(
        config: Config,
        records: impl IntoIterator<Item = impl Into<Stored>>,
        now: u64,
    ) -> Outbox {
        let mut ob = Outbox::new(config);
        let mut budgets = Vec::new();
        let mut records: Vec<Record> = records
            .into_iter()
            .filter_map(|r| match r.into() {
                Stored::Plan(r) => Some(*r),
                Stored::Budget(b) => {
                    budgets.push(b.rate_budget);
                    None
                }
            })
            .collect();
        for b in &budgets {
            ob.restore_budget(b, now);
        }
        // A next stage shares its parent's seq: the awaiting parent goes first.
        let key = |r: &Record| (r.seq, !matches!(r.state, RecordState::Awaiting { .. }));
        crate::order::sort_by(&mut records, |a, b| key(a).cmp(&key(b)));
        for mut r in records {
            ob.next_seq = ob.next_seq.max(r.seq.saturating_add(1));
            let id = r.plan.id.clone();
            ob.counts.accepted += r.weight();
            match &r.state {
                // A tombstone's time is never later than now (so `sweep` ends it).
                RecordState::Done { at } => {
                    ob.counts.done += r.weight();
                    ob.finished.insert(id, (*at).min(now));
                }
                RecordState::Coalesced { at, .. } => {
                    ob.finished.insert(id, (*at).min(now));
                }
                RecordState::Awaiting { .. } => {
                    ob.counts.pending += r.weight();
                    ob.location(&r.plan.location_id);
                    ob.plans.insert(id.clone(), r);
                    // Holds its contact's turn (never scheduled) and asks again.
                    ob.enqueue_contact(&id, now);
                    ob.emit_continue(&id);
                }
                RecordState::Dead(_) => {
                    ob.counts.dead += r.weight();
                    ob.location(&r.plan.location_id);
                    ob.plans.insert(id, r);
                }
                RecordState::Pending => {
                    r.align_steps();
                    // A stored backoff is never longer than the configured cap (a
                    // record from another clock, or a damaged one, must not park it).
                    let latest = now.saturating_add(ob.config.backoff_cap_ms);
                    for s in &mut r.steps {
                        if let Some(t) = s.next_attempt_at.as_mut() {
                            *t = (*t).min(latest);
                        }
                    }
                    ob.counts.pending += r.weight();
                    ob.location(&r.plan.location_id);
                    let valid = r.plan.validate();
                    ob.plans.insert(id.clone(), r);
                    if let Err(e) = valid {
                        let step = ob
                            .plans
                            .get(&id)
                            .and_then(|r| r.current_step())
                            .unwrap_or(0);
                        let info = DeadInfo {
                            step_id: String::new(),
                            reason: DeadReason::InvalidPlan,
                            status: None,
                            message: Some(e.to_string()),
                            trace_id: None,
                            attempts: 0,
                            at: now,
                        };
                        ob.kill(&id, step, info);
                        continue;
                    }
                    ob.enqueue_contact(&id, now);
                }
            }
        }
        ob.finished.sort();
        ob.prune_tombstones(None);
        ob
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn location(&mut self, id: &str) -> &mut Location {
        let c = &self.config;
        self.locations
            .entry(id.to_string())
            .or_insert_with(|| Location {
                budget: Budget::new(
                    c.burst_max,
                    c.burst_interval_ms,
                    c.window_margin_ms,
                    c.daily_max,
                )
                .with_cold_start(c.cold_start_from_answer),
                in_flight: 0,
                ready: Ready::default(),
            })
    }

    pub(super) fn put(&mut self, id: &str) {
        if let Some(r) = self.plans.get(id) {
            self.store.push_back(StoreOp::Put {
                key: id.to_string(),
                record: Box::new(r.clone()),
            });
        }
    }

    pub(super) fn progress(&mut self, kind: ProgressKind, plan_id: &str) {
        self.counts.in_flight = self.in_flight.len() as u64;
        self.events.push_back(Event::Progress {
            kind,
            plan_id: plan_id.to_string(),
            counts: self.counts,
        });
    }

    /// Accepts an event's plan. Validates it, drops a duplicate id (pending, done,
    /// dead or coalesced), merges it with the newest pending plan of the same contact
    /// when nothing of that one was sent yet, else queues it. Returns the store ops the
    /// host must apply before acknowledging the event (see the module doc).
    pub fn accept(&mut self, plan: Plan, now: u64) -> Result<Accepted, OutboxError> {
        self.accept_with(plan, None, None, now)
    }

    /// [`Outbox::accept`] with a `continuation` (kept with the record; see
    /// [`RecordState::Awaiting`]) and `after`: the plan whose continuation this plan
    /// is (the next stage of a flow). Such a plan takes `after`'s place: right behind
    /// it in its contact's queue and in acceptance order (also after a restore), so a
    /// later event of the same contact waits for every stage of the earlier one. A
    /// plan with either is never coalesced, nor is a plan coalesced into one.
    pub fn accept_with(
        &mut self,
        mut plan: Plan,
        continuation: Option<serde_json::Value>,
        after: Option<&str>,
        now: u64,
    ) -> Result<Accepted, OutboxError> {
        // The one dedupe rule (shared with the flows' replay guard): the plan is kept
        // under its key, so "the same id" means the same thing on both paths.
        let Some(key) = crate::plan::dedupe_key(&plan.id) else {
            return Err(OutboxError::MissingField {
                plan: plan.id,
                field: "id",
            });
        };
        plan.id = key.to_string();
        if plan.location_id.trim().is_empty() {
            return Err(OutboxError::MissingField {
                plan: plan.id,
                field: "locationId",
            });
        }
        plan.validate()?;
        let id = plan.id.clone();
        if self.plans.contains_key(&id) || self.finished.contains(&id) {
            self.stats.duplicates_dropped += 1;
            return Ok(Accepted {
                plan_id: id,
                disposition: Disposition::Duplicate,
                ops: self.store.drain(..).collect(),
            });
        }
        self.counts.accepted += 1;
        self.counts.pending += 1;
        let slot = contact_slot(&plan);
        let parent = after
            .and_then(|a| self.plans.get(a))
            .map(|r| (r.plan.id.clone(), r.seq));
        if continuation.is_some() || parent.is_some() {
            return Ok(self.queue_staged(plan, continuation, parent, now));
        }
        let tail = slot
            .as_ref()
            .and_then(|s| self.contacts.get(s))
            .and_then(|q| q.back())
            .cloned();
        if let Some(old_id) = tail {
            let mergeable = !self.in_flight_plans.contains_key(&old_id)
                && self.plans.get(&old_id).is_some_and(|r| {
                    r.state == RecordState::Pending && r.untouched() && r.continuation.is_none()
                });
            let merged = if mergeable {
                self.plans
                    .get(&old_id)
                    .and_then(|old| merge_plans(&old.plan, &plan))
            } else {
                None
            };
            let old = merged.and_then(|m| self.plans.remove(&old_id).map(|o| (m, o)));
            if let Some((merged, mut old)) = old {
                let mut rec = Record::pending(merged, old.seq, old.accepted_at);
                rec.merged = std::mem::take(&mut old.merged);
                rec.merged.push(old_id.clone());
                let loc = rec.plan.location_id.clone();
                self.plans.insert(id.clone(), rec);
                // Same place everywhere the older id was.
                if let Some(q) = slot.as_ref().and_then(|s| self.contacts.get_mut(s)) {
                    if let Some(x) = q.iter_mut().find(|x| **x == old_id) {
                        *x = id.clone();
                    }
                }
                let l = self.location(&loc);
                if l.ready.get(old.seq) == Some(&old_id) {
                    l.ready.insert(old.seq, id.clone());
                }
                self.put(&id);
                old.state = RecordState::Coalesced {
                    into: id.clone(),
                    at: now,
                };
                self.store.push_back(StoreOp::Put {
                    key: old_id.clone(),
                    record: Box::new(old),
                });
                self.finished.insert(old_id.clone(), now);
                self.prune_tombstones(None);
                self.stats.coalesced += 1;
                self.progress(ProgressKind::Queued, &id);
                return Ok(Accepted {
                    plan_id: id,
                    disposition: Disposition::Coalesced { replaced: old_id },
                    ops: self.store.drain(..).collect(),
                });
            }
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let loc = plan.location_id.clone();
        self.plans
            .insert(id.clone(), Record::pending(plan, seq, now));
        self.location(&loc);
        self.put(&id);
        self.enqueue_contact(&id, now);
        self.progress(ProgressKind::Queued, &id);
        Ok(Accepted {
            plan_id: id,
            disposition: Disposition::Queued,
            ops: self.store.drain(..).collect(),
        })
    }

    /// Appends a pending plan to its contact queue and schedules it when it is the head.
    pub(super) fn enqueue_contact(&mut self, id: &str, now: u64) {
        let Some(slot) = self.plans.get(id).and_then(|r| contact_slot(&r.plan)) else {
            self.schedule(id, now);
            return;
        };
        let q = self.contacts.entry(slot).or_default();
        q.push_back(id.to_string());
        if q.len() == 1 {
            self.schedule(id, now);
        }
    }

    /// Removes a finished or dead plan from its contact queue; schedules the next one.
    pub(super) fn leave_contact(&mut self, id: &str, slot: Option<String>, now: u64) {
        let Some(slot) = slot else { return };
        let mut next = None;
        if let Some(q) = self.contacts.get_mut(&slot) {
            let was_head = q.front().is_some_and(|h| h == id);
            q.retain(|x| x != id);
            if was_head {
                next = q.front().cloned();
            }
            if q.is_empty() {
                self.contacts.remove(&slot);
            }
        }
        if let Some(n) = next {
            self.schedule(&n, now);
        }
    }

    /// Puts a pending, not-in-flight plan where it belongs: ready or waiting.
    pub(super) fn schedule(&mut self, id: &str, now: u64) {
        let Some(r) = self.plans.get(id) else { return };
        if r.state != RecordState::Pending || self.in_flight_plans.contains_key(id) {
            return;
        }
        let seq = r.seq;
        let loc = r.plan.location_id.clone();
        let wake = r
            .current_step()
            .and_then(|i| r.steps.get(i))
            .and_then(|s| s.next_attempt_at);
        match wake {
            Some(t) if t > now => {
                self.timers.insert(t, seq, id.to_string());
            }
            _ => {
                self.location(&loc).ready.insert(seq, id.to_string());
            }
        }
    }

    fn fire_timers(&mut self, now: u64) {
        while let Some((_, seq, id)) = self.timers.pop_due(now) {
            if let Some(loc) = self.plans.get(&id).map(|r| r.plan.location_id.clone()) {
                self.location(&loc).ready.insert(seq, id);
            }
        }
    }

    /// The next request to send, if anything may be sent at `now` (rate budget,
    /// concurrency, backoff, parked locations, auth and step order all allow it).
    /// Call repeatedly until `None`.
    pub fn poll_transmit(&mut self, now: u64) -> Option<Transmit> {
        self.fire_timers(now);
        if self.auth != AuthState::Ok {
            return None;
        }
        let names: Vec<String> = self.locations.keys().cloned().collect();
        let n = names.len();
        for k in 0..n {
            if self.in_flight.len() as u64 >= u64::from(self.config.max_in_flight) {
                return None;
            }
            let idx = (self.cursor + k) % n;
            let Some(name) = names.get(idx) else { continue };
            if let Some(t) = self.poll_location(name, now) {
                self.cursor = (idx + 1) % n.max(1);
                return Some(t);
            }
        }
        None
    }

    fn poll_location(&mut self, name: &str, now: u64) -> Option<Transmit> {
        let per_loc = self.config.max_in_flight_per_location;
        loop {
            let loc = self.locations.get_mut(name)?;
            if loc.ready.is_empty() || loc.in_flight >= per_loc || loc.budget.ready_at(now) > now {
                return None;
            }
            let (_, id) = loc.ready.pop_first()?;
            let Some(rec) = self.plans.get(&id) else {
                continue;
            };
            let Some(step_idx) = rec.current_step() else {
                self.finish(&id, now);
                continue;
            };
            let Some(step) = rec.plan.steps.get(step_idx) else {
                continue;
            };
            match step.resolve(&rec.responses()) {
                Err(e) => {
                    let info = DeadInfo {
                        step_id: step.id.clone(),
                        reason: DeadReason::Unresolved,
                        status: None,
                        message: Some(e.to_string()),
                        trace_id: None,
                        attempts: rec.steps.get(step_idx).map_or(0, |s| s.attempts),
                        at: now,
                    };
                    self.kill(&id, step_idx, info);
                }
                Ok(Resolved::Skip) => {
                    if let Some(s) = self
                        .plans
                        .get_mut(&id)
                        .and_then(|r| r.steps.get_mut(step_idx))
                    {
                        s.outcome = Some(StepOutcome::Skipped { at: now });
                        s.next_attempt_at = None;
                    }
                    self.stats.skipped_steps += 1;
                    self.advance(&id, now);
                }
                Ok(Resolved::Send(params)) => {
                    let attempt = rec
                        .steps
                        .get(step_idx)
                        .map_or(0, |s| s.attempts)
                        .saturating_add(1);
                    let t = Transmit {
                        id: self.next_transmit,
                        plan_id: id.clone(),
                        step_id: step.id.clone(),
                        location_id: name.to_string(),
                        operation: step.operation.clone(),
                        params,
                        attempt,
                    };
                    self.next_transmit += 1;
                    let loc = self.locations.get_mut(name)?;
                    loc.budget.take(now);
                    loc.in_flight += 1;
                    self.in_flight.insert(
                        t.id,
                        Flight {
                            plan_id: id.clone(),
                            step: step_idx,
                            location: name.to_string(),
                            sent_at: now,
                            attempt,
                            auth_epoch: self.auth_epoch,
                        },
                    );
                    self.in_flight_plans.insert(id.clone(), t.id);
                    self.stats.requests_sent += 1;
                    self.progress(ProgressKind::Sent, &id);
                    return Some(t);
                }
            }
        }
    }

    /// After a step outcome: finish the plan or make its next step ready.
    pub(super) fn advance(&mut self, id: &str, now: u64) {
        match self.plans.get(id).map(|r| r.current_step()) {
            Some(None) => self.finish(id, now),
            Some(Some(_)) => {
                self.put(id);
                self.schedule(id, now);
            }
            None => {}
        }
    }

    /// Marks a plan done: tombstone record (responses cleared), counts, next contact
    /// plan. A plan with a continuation waits for it instead ([`RecordState::Awaiting`]).
    pub(super) fn finish(&mut self, id: &str, now: u64) {
        if self.plans.get(id).is_some_and(|r| r.continuation.is_some()) {
            self.await_continuation(id, now);
            return;
        }
        let Some(mut r) = self.plans.remove(id) else {
            return;
        };
        r.state = RecordState::Done { at: now };
        for s in &mut r.steps {
            if let Some(StepOutcome::Done { response, .. }) = &mut s.outcome {
                *response = serde_json::Value::Null;
            }
        }
        let w = r.weight();
        self.counts.pending = self.counts.pending.saturating_sub(w);
        self.counts.done += w;
        let slot = contact_slot(&r.plan);
        self.store.push_back(StoreOp::Put {
            key: id.to_string(),
            record: Box::new(r),
        });
        self.finished.insert(id.to_string(), now);
        self.prune_tombstones(None);
        self.progress(ProgressKind::Done, id);
        self.leave_contact(id, slot, now);
    }

    /// Moves a plan to the dead-letter list.
    pub(super) fn kill(&mut self, id: &str, _step: usize, info: DeadInfo) {
        let now = info.at;
        let Some(r) = self.plans.get_mut(id) else {
            return;
        };
        r.state = RecordState::Dead(info);
        for s in &mut r.steps {
            s.next_attempt_at = None;
        }
        let w = r.weight();
        let slot = contact_slot(&r.plan);
        self.counts.pending = self.counts.pending.saturating_sub(w);
        self.counts.dead += w;
        self.stats.dead_lettered += 1;
        self.put(id);
        self.progress(ProgressKind::Dead, id);
        if let Some(dl) = self.dead_letter(id) {
            self.events.push_back(Event::DeadLettered(dl));
        }
        self.leave_contact(id, slot, now);
    }

    /// The earliest time at which something may become sendable (a backoff ends, a
    /// parked location reopens, the rate budget frees up); `None` when only a response,
    /// a new event or an auth call can unblock delivery. May be in the past: then call
    /// `poll_transmit` now.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.auth != AuthState::Ok {
            return None;
        }
        let mut at = self.timers.first_at();
        let global_full = self.in_flight.len() as u64 >= u64::from(self.config.max_in_flight);
        if !global_full {
            let per_loc = self.config.max_in_flight_per_location;
            for loc in self.locations.values() {
                if loc.ready.is_empty() || loc.in_flight >= per_loc {
                    continue;
                }
                let t = loc.budget.earliest();
                at = Some(at.map_or(t, |a| a.min(t)));
            }
        }
        at
    }

    /// The next store operation to apply (in order, before acting on later outputs).
    pub fn poll_store(&mut self) -> Option<StoreOp> {
        self.store.pop_front()
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Current counts.
    pub fn counts(&self) -> Counts {
        let mut c = self.counts;
        c.in_flight = self.in_flight.len() as u64;
        c
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The log, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        self.log.entries().cloned().collect()
    }

    /// The log as a JSON array (camelCase fields), for export.
    pub fn export_log_json(&self) -> String {
        crate::codec::to_json(&self.log())
    }

    /// The dead-letter entry of one plan.
    pub fn dead_letter(&self, id: &str) -> Option<DeadLetter> {
        let r = self.plans.get(id)?;
        match &r.state {
            RecordState::Dead(info) => Some(DeadLetter {
                plan_id: r.plan.id.clone(),
                flow: r.plan.flow.clone(),
                location_id: r.plan.location_id.clone(),
                events: r.weight(),
                info: info.clone(),
            }),
            _ => None,
        }
    }

    /// Every dead plan, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        let mut ids: Vec<(u64, &String)> = self
            .plans
            .iter()
            .filter(|(_, r)| matches!(r.state, RecordState::Dead(_)))
            .map(|(id, r)| (r.seq, id))
            .collect();
        crate::order::sort(&mut ids);
        ids.into_iter()
            .filter_map(|(_, id)| self.dead_letter(id))
            .collect()
    }

    /// The stored form of a pending or dead plan (for inspection).
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.plans.get(id)
    }

    /// Deletes tombstones (done and coalesced event ids) older than `tombstoneTtlMs`:
    /// queues `Delete` ops and forgets the ids. Returns how many. [`Outbox::drain`]
    /// calls it too (it only touches what it deletes).
    pub fn sweep(&mut self, now: u64) -> usize {
        self.prune_tombstones(now.checked_sub(self.config.tombstone_ttl_ms))
    }

    /// Forgets tombstones beyond `maxTombstones` (oldest first) and those finished at
    /// or before `expired_at`; queues their `Delete` ops.
    fn prune_tombstones(&mut self, expired_at: Option<u64>) -> usize {
        let old = self.finished.forget(self.config.max_tombstones, expired_at);
        for id in &old {
            self.store.push_back(StoreOp::Delete { key: id.clone() });
        }
        old.len()
    }

    /// How much state the outbox holds (all of it bounded: see [`Retained`]).
    pub fn retained(&self) -> Retained {
        Retained {
            records: self.plans.len() as u64,
            tombstones: self.finished.len() as u64,
            log_entries: self.log.len() as u64,
            locations: self.locations.len() as u64,
            contact_queues: self.contacts.len() as u64,
            timers: self.timers.len() as u64,
        }
    }

    pub(super) fn log_entry(&mut self, e: LogEntry) {
        self.log.push(e);
    }
}
