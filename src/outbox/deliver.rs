//! Outcomes of requests (responses, failures), auth, and re-triggering dead plans.
//!
//! What a response means is decided by the one response policy,
//! [`crate::request::classify`] (its [`Disposition`]); this file only carries it out.
//!
//! Invariants:
//! - Every response's rate-limit headers correct the location's budget before
//!   anything else.
//! - A 429 or 401 never counts as a failed attempt; 429s are bounded by
//!   `maxRateLimited`, 401s by the auth state machine (one refresh, then pause).
//! - Auth is single flight: while a refresh is pending nothing is sent, and 401s of
//!   requests sent with an older token only put their step back.

use serde_json::Value;

use super::backoff::backoff_delay;
use super::budget::Park;
use super::log::{LogEntry, LogOutcome};
use super::progress::{Event, ProgressKind};
use super::record::{DeadInfo, DeadReason, RecordState, StepOutcome};
use super::state::{AuthState, Flight, Outbox};
use super::{Failure, OutboxError};
use crate::http::HttpResponse;
use crate::request::{classify, Disposition};

/// What a response or failure means for the step.
struct Problem {
    status: Option<u16>,
    message: Option<String>,
    trace_id: Option<String>,
}

impl Outbox {
    fn take_flight(&mut self, transmit_id: u64) -> Result<Flight, OutboxError> {
        let f = self
            .in_flight
            .remove(&transmit_id)
            .ok_or(OutboxError::UnknownTransmit { id: transmit_id })?;
        self.in_flight_plans.remove(&f.plan_id);
        if let Some(l) = self.locations.get_mut(&f.location) {
            l.in_flight = l.in_flight.saturating_sub(1);
        }
        Ok(f)
    }

    fn entry(&self, f: &Flight, p: &Problem, outcome: LogOutcome, at: u64) -> LogEntry {
        let (flow, step, operation) = self
            .plans
            .get(&f.plan_id)
            .and_then(|r| {
                let s = r.plan.steps.get(f.step)?;
                Some((r.plan.flow.clone(), s.id.clone(), s.operation.clone()))
            })
            .unwrap_or_default();
        LogEntry {
            at,
            flow,
            plan_id: f.plan_id.clone(),
            step,
            operation,
            status: p.status,
            ghl_message: p.message.clone(),
            trace_id: p.trace_id.clone(),
            attempt: f.attempt,
            outcome,
        }
    }

    /// Hands in the response to transmit `transmit_id`. `rand` is a uniformly random
    /// `u64` (only used for the backoff jitter of a retry). What the response means is
    /// the one response policy's ([`classify`]).
    pub fn handle_response(
        &mut self,
        transmit_id: u64,
        resp: &HttpResponse,
        now: u64,
        rand: u64,
    ) -> Result<(), OutboxError> {
        let f = self.take_flight(transmit_id)?;
        let c = classify(resp);
        let budget = &mut self.location(&f.location).budget;
        budget.observe(&c.rate_limit, f.sent_at, now);
        budget.settle(f.sent_at, now);
        let status = c.status;
        if (500..600).contains(&status) {
            self.stats.http_5xx += 1;
        }
        if f.auth_epoch == self.auth_epoch
            && !matches!(c.disposition, Disposition::RefreshAuth | Disposition::Retry)
        {
            self.auth_confirmed = true;
        }
        let p = Problem {
            status: Some(status),
            message: c.summary(),
            trace_id: c.error.as_ref().and_then(|e| e.trace_id.clone()),
        };
        match c.disposition {
            Disposition::Done => {
                self.stats.responses_ok += 1;
                let body = resp.body.trim();
                let json = if body.is_empty() {
                    Value::Null
                } else {
                    crate::codec::parse(body, crate::codec::DEFAULT_DEPTH)
                        .unwrap_or_else(|_| Value::String(body.to_string()))
                };
                let Some(s) = self
                    .plans
                    .get_mut(&f.plan_id)
                    .and_then(|r| r.steps.get_mut(f.step))
                else {
                    return Ok(());
                };
                s.outcome = Some(StepOutcome::Done {
                    status,
                    response: json,
                    at: now,
                });
                s.next_attempt_at = None;
                self.advance(&f.plan_id, now);
            }
            Disposition::RateLimited { daily } => {
                self.stats.http_429 += 1;
                let (until, why) =
                    self.location(&f.location)
                        .budget
                        .park_after_429(&c.rate_limit, daily, now);
                self.events.push_back(Event::LocationParked {
                    location_id: f.location.clone(),
                    until,
                    daily: why == Park::Daily,
                });
                let count = self
                    .plans
                    .get_mut(&f.plan_id)
                    .and_then(|r| r.steps.get_mut(f.step))
                    .map(|s| {
                        s.rate_limited = s.rate_limited.saturating_add(1);
                        s.rate_limited
                    })
                    .unwrap_or(0);
                if count > self.config.max_rate_limited {
                    self.dead(&f, p, DeadReason::RateLimitedTooOften, now);
                } else {
                    let e = self.entry(&f, &p, LogOutcome::RateLimited, now);
                    self.log_entry(e);
                    self.put(&f.plan_id);
                    self.schedule(&f.plan_id, now);
                }
            }
            Disposition::RefreshAuth => {
                self.stats.http_401 += 1;
                let outcome = if f.auth_epoch < self.auth_epoch || self.auth != AuthState::Ok {
                    // Sent with an older token, or a refresh/pause is already under way.
                    LogOutcome::AuthRefresh
                } else if self.auth_confirmed {
                    self.auth = AuthState::Refreshing;
                    self.stats.token_refreshes += 1;
                    self.events.push_back(Event::TokenRefreshNeeded);
                    LogOutcome::AuthRefresh
                } else {
                    let reason = format!(
                        "GHL rejected the token again after a refresh: {}",
                        p.message.as_deref().unwrap_or("401 Unauthorized")
                    );
                    self.pause(reason);
                    LogOutcome::AuthPaused
                };
                let e = self.entry(&f, &p, outcome, now);
                self.log_entry(e);
                self.schedule(&f.plan_id, now);
            }
            Disposition::Retry => self.retry_or_dead(&f, p, now, rand),
            Disposition::Reject => self.dead(&f, p, DeadReason::Rejected, now),
            Disposition::Unexpected => {
                let p = Problem {
                    message: Some(match p.message {
                        Some(m) => format!("unexpected HTTP status {status}: {m}"),
                        None => format!("unexpected HTTP status {status}"),
                    }),
                    ..p
                };
                self.dead(&f, p, DeadReason::UnexpectedStatus, now);
            }
        }
        Ok(())
    }

    /// Hands in a request that got no response (timeout, dropped connection, network
    /// error). It is retried with backoff (the request may have been applied: repeats
    /// are safe, see the module doc). `rand` drives the jitter.
    pub fn handle_failure(
        &mut self,
        transmit_id: u64,
        failure: Failure,
        now: u64,
        rand: u64,
    ) -> Result<(), OutboxError> {
        let f = self.take_flight(transmit_id)?;
        self.location(&f.location).budget.settle(f.sent_at, now);
        self.stats.failures += 1;
        let p = Problem {
            status: None,
            message: Some(failure.describe()),
            trace_id: None,
        };
        self.retry_or_dead(&f, p, now, rand);
        Ok(())
    }

    /// The host could not build transmit `transmit_id`'s request (nothing was sent):
    /// the plan goes to the dead-letter list with reason `INVALID_REQUEST` and
    /// `message` (the builder's error), where it can be inspected and re-triggered.
    pub fn handle_unsendable(
        &mut self,
        transmit_id: u64,
        message: &str,
        now: u64,
    ) -> Result<(), OutboxError> {
        let f = self.take_flight(transmit_id)?;
        let p = Problem {
            status: None,
            message: Some(message.to_string()),
            trace_id: None,
        };
        self.dead(&f, p, DeadReason::InvalidRequest, now);
        Ok(())
    }

    fn retry_or_dead(&mut self, f: &Flight, p: Problem, now: u64, rand: u64) {
        let (base, cap, max) = (
            self.config.backoff_base_ms,
            self.config.backoff_cap_ms,
            self.config.max_attempts,
        );
        let Some(s) = self
            .plans
            .get_mut(&f.plan_id)
            .and_then(|r| r.steps.get_mut(f.step))
        else {
            return;
        };
        s.attempts = s.attempts.saturating_add(1);
        if s.attempts >= max {
            self.dead(f, p, DeadReason::RetriesExhausted, now);
            return;
        }
        let delay = backoff_delay(base, cap, s.attempts, rand);
        s.next_attempt_at = Some(now.saturating_add(delay));
        self.stats.retries += 1;
        let e = self.entry(f, &p, LogOutcome::Retry, now);
        self.log_entry(e);
        self.put(&f.plan_id);
        self.progress(ProgressKind::Failed, &f.plan_id);
        self.schedule(&f.plan_id, now);
    }

    fn dead(&mut self, f: &Flight, p: Problem, reason: DeadReason, now: u64) {
        let e = self.entry(f, &p, LogOutcome::Dead, now);
        let Some(r) = self.plans.get(&f.plan_id) else {
            self.log_entry(e);
            return;
        };
        let info = DeadInfo {
            step_id: r
                .plan
                .steps
                .get(f.step)
                .map(|s| s.id.clone())
                .unwrap_or_default(),
            reason,
            status: p.status,
            message: p.message,
            trace_id: p.trace_id,
            attempts: r.steps.get(f.step).map_or(0, |s| s.attempts),
            at: now,
        };
        self.dead_letter_logged(e, f.step, info);
    }

    /// The one path to the dead-letter list with a log entry: logs `entry`, then
    /// moves its plan there with `info` (a refused request, exhausted retries, a
    /// continuation that failed).
    pub(super) fn dead_letter_logged(&mut self, entry: LogEntry, step: usize, info: DeadInfo) {
        let id = entry.plan_id.clone();
        self.log_entry(entry);
        self.kill(&id, step, info);
    }

    fn pause(&mut self, reason: String) {
        self.auth = AuthState::Paused(reason.clone());
        self.events.push_back(Event::AuthPaused { reason });
    }

    /// The host obtained a fresh token (after `TokenRefreshNeeded`, or on its own):
    /// delivery resumes and waiting requests are retried with it. A 401 on this token
    /// before any success pauses delivery.
    pub fn token_refreshed(&mut self, _now: u64) {
        self.auth_epoch += 1;
        self.auth_confirmed = false;
        self.auth = AuthState::Ok;
    }

    /// `getToken()` failed: delivery pauses with `reason` (`AuthPaused` event).
    pub fn token_refresh_failed(&mut self, reason: &str, _now: u64) {
        self.pause(format!("the token could not be refreshed: {reason}"));
    }

    /// Continues after a pause (the person fixed the connection). The next 401 asks for
    /// a refresh again before pausing.
    pub fn resume_auth(&mut self, _now: u64) {
        self.auth_epoch += 1;
        self.auth_confirmed = true;
        self.auth = AuthState::Ok;
    }

    /// The auth pause reason, when delivery is paused.
    pub fn auth_paused(&self) -> Option<&str> {
        match &self.auth {
            AuthState::Paused(r) => Some(r),
            _ => None,
        }
    }

    /// True while a token refresh is awaited.
    pub fn refreshing_token(&self) -> bool {
        self.auth == AuthState::Refreshing
    }

    /// Puts a dead plan back in the queue: attempt and 429 counters reset, done steps
    /// stay done, it continues with the step that failed. It goes behind pending plans
    /// of the same contact (re-triggering an old update may overwrite newer data: the
    /// person decides).
    pub fn retrigger(&mut self, plan_id: &str, now: u64) -> Result<(), OutboxError> {
        let Some(r) = self.plans.get_mut(plan_id) else {
            return Err(OutboxError::NotDead {
                plan: plan_id.to_string(),
            });
        };
        if !matches!(r.state, RecordState::Dead(_)) {
            return Err(OutboxError::NotDead {
                plan: plan_id.to_string(),
            });
        }
        r.state = RecordState::Pending;
        for s in &mut r.steps {
            s.attempts = 0;
            s.rate_limited = 0;
            s.next_attempt_at = None;
        }
        let w = r.weight();
        self.counts.dead = self.counts.dead.saturating_sub(w);
        self.counts.pending += w;
        self.put(plan_id);
        self.progress(ProgressKind::Queued, plan_id);
        self.enqueue_contact(plan_id, now);
        Ok(())
    }

    /// Re-triggers every dead plan (oldest first); returns how many.
    pub fn retrigger_all(&mut self, now: u64) -> usize {
        let ids: Vec<String> = self.dead_letters().into_iter().map(|d| d.plan_id).collect();
        ids.iter()
            .filter(|id| self.retrigger(id, now).is_ok())
            .count()
    }
}
