//! The rate budget across restarts and hand-overs: stored with the outbox's records.
//!
//! GHL counts a location's requests in its own window whoever sends them. A host that
//! takes over a location (another worker after a hand-over, the same process after a
//! restart, a tab after a reload) must go on with the window GHL has open, not with a
//! fresh budget: it would send a whole window more (429s), or, waiting a window to be
//! safe, leave one unused. So the budget is part of the outbox's durable state:
//!
//! - [`Outbox::poll_budgets`] (in every [`Outbox::drain`]) gives the state of each
//!   budget that changed (a send, a header that tightened it, a 429's park) as a
//!   [`BudgetPut`]: the host writes it like a record (`{op: "put", key, record}`),
//!   with the batch of store ops it drained, under [`budget_key`].
//! - [`Outbox::restore`] takes such records among the plan records ([`Stored`]); or
//!   [`Outbox::restore_budget`] adds one to a running outbox. A restored state only
//!   tightens the budget (see `Budget::restore`), so a stale or foreign one never
//!   lets more through than the configuration and GHL's headers allow.
//!
//! Invariants:
//! - A budget key starts with a space: a plan id (trimmed, see [`crate::plan::dedupe_key`])
//!   never does, so a budget record never replaces a plan's.
//! - Sends are written in the batch drained with them, while they are on the wire; a
//!   host that stops gracefully (requests answered, writes durable) hands over the
//!   exact window. After a crash the sends whose write had not completed are missing
//!   (at most the requests on the wire then), which the lease's expiry covers.

use crate::codec::{DecodeError, FromJson, ToJson};
use serde::{Deserialize, Deserializer, Serialize};

use super::budget::BudgetState;
use super::record::Record;
use super::state::Outbox;

/// The layout version of a stored budget.
pub const BUDGET_FORMAT: u32 = 1;

/// What starts the store key of a location's budget (then the location id).
pub const BUDGET_KEY_PREFIX: &str = " rate-budget:";

/// The store key of `location_id`'s budget.
pub fn budget_key(location_id: &str) -> String {
    format!("{BUDGET_KEY_PREFIX}{location_id}")
}

/// A location's budget as stored beside the outbox's plan records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxBudgetRecord"))]
#[serde(rename_all = "camelCase")]
pub struct BudgetRecord {
    /// Layout version ([`BUDGET_FORMAT`]).
    pub format: u32,
    /// The budget.
    pub rate_budget: BudgetState,
}

/// A budget record the host must write (`{op: "put", key, record}`), with the store
/// ops drained in the same call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "OutboxBudgetPut"))]
#[serde(rename_all = "camelCase")]
pub struct BudgetPut {
    /// Store key ([`budget_key`]).
    pub key: String,
    /// The record to write.
    pub record: BudgetRecord,
}

/// One stored record, as the host's storage gives it back: a plan's or a budget's
/// (told apart by the budget's `rateBudget` field).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A plan's record.
    Plan(Box<Record>),
    /// A location's rate budget.
    Budget(BudgetRecord),
}

impl From<Record> for Stored {
    fn from(r: Record) -> Stored {
        Stored::Plan(Box::new(r))
    }
}

impl From<BudgetRecord> for Stored {
    fn from(b: BudgetRecord) -> Stored {
        Stored::Budget(b)
    }
}

/// Told apart by the budget's `rateBudget` field (the one rule; serde reads through it).
impl FromJson for Stored {
    fn from_json(v: serde_json::Value) -> Result<Stored, DecodeError> {
        if v.get("rateBudget").is_some() {
            BudgetRecord::from_json(v)
                .map(Stored::Budget)
                .map_err(|e| DecodeError::new(["a stored rate budget: ", &e.message()].concat()))
        } else {
            Record::from_json(v).map(|r| Stored::Plan(Box::new(r)))
        }
    }
}

impl<'de> Deserialize<'de> for Stored {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Stored, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Stored::from_json(v).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

impl Outbox {
    /// The budgets that changed since the last call, as records to store (see the
    /// module doc); [`Outbox::drain`] includes them.
    pub fn poll_budgets(&mut self, now: u64) -> Vec<BudgetPut> {
        let mut out = Vec::new();
        for (id, loc) in &mut self.locations {
            if !loc.budget.is_dirty() {
                continue;
            }
            loc.budget.clean();
            out.push(BudgetPut {
                key: budget_key(id),
                record: BudgetRecord {
                    format: BUDGET_FORMAT,
                    rate_budget: loc.budget.state(id, now),
                },
            });
        }
        out
    }

    /// One location's budget now (`None` for a location the outbox has not seen).
    pub fn budget_state(&mut self, location_id: &str, now: u64) -> Option<BudgetState> {
        let loc = self.locations.get_mut(location_id)?;
        Some(loc.budget.state(location_id, now))
    }

    /// Adds a stored budget to its location's (it only tightens it; see the module
    /// doc). A state without a location id is ignored.
    pub fn restore_budget(&mut self, state: &BudgetState, now: u64) {
        if state.location_id.trim().is_empty() {
            return;
        }
        self.location(&state.location_id).budget.restore(state, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;
    use crate::outbox::{Config, StoreOp, Transmit};
    use crate::plan::Plan;

    fn plan(id: &str) -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": id, "flow": "f", "locationId": "loc", "contactKey": id,
            "steps": [{"id": "upsert", "operation": "contacts.upsert-contact",
                       "params": {"body": {"email": format!("{id}@x.co")}}}]
        }))
        .expect("a valid plan")
    }

    fn config() -> Config {
        Config {
            burst_max: 3,
            burst_interval_ms: 1_000,
            window_margin_ms: 0,
            max_in_flight: 10,
            max_in_flight_per_location: 10,
            cold_start_from_answer: true,
            ..Config::default()
        }
    }

    fn ok() -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: Default::default(),
            body: "{}".into(),
        }
    }

    /// A host's storage: records and budgets by key, ops applied in order.
    #[derive(Default)]
    struct Storage(std::collections::BTreeMap<String, Stored>);

    impl Storage {
        fn apply(&mut self, ob: &mut Outbox, now: u64) -> Vec<Transmit> {
            let d = ob.drain(now);
            for op in d.store {
                match op {
                    StoreOp::Put { key, record } => {
                        self.0.insert(key, Stored::Plan(record));
                    }
                    StoreOp::Delete { key } => {
                        self.0.remove(&key);
                    }
                }
            }
            for b in d.budgets {
                self.0.insert(b.key, Stored::Budget(b.record));
            }
            d.transmits
        }

        fn restore(&self, now: u64) -> Outbox {
            Outbox::restore(config(), self.0.values().cloned(), now)
        }
    }

    #[test]
    fn the_next_holder_goes_on_with_the_window_the_last_one_opened() {
        let mut storage = Storage::default();
        let mut a = Outbox::new(config());
        for i in 0..6 {
            let acc = a.accept(plan(&format!("e{i}")), 0).expect("accepted");
            for op in acc.ops {
                if let StoreOp::Put { key, record } = op {
                    storage.0.insert(key, Stored::Plan(record));
                }
            }
        }
        // The first holder sends two of its three, they are answered, it hands over.
        let sent = storage.apply(&mut a, 100);
        assert_eq!(sent.len(), 3, "the window's three");
        for t in &sent[..2] {
            a.handle_response(t.id, &ok(), 150, 0).expect("in flight");
        }
        a.handle_response(sent[2].id, &ok(), 160, 0)
            .expect("in flight");
        assert!(storage.apply(&mut a, 200).is_empty(), "the window is full");
        let key = budget_key("loc");
        assert!(matches!(storage.0.get(&key), Some(Stored::Budget(_))));

        // The next holder restores it: nothing more until the window ends (each of
        // the three counts from its answer).
        let mut b = storage.restore(300);
        assert!(storage.apply(&mut b, 300).is_empty(), "no fresh budget");
        assert_eq!(b.poll_timeout(), Some(1_150));
        assert_eq!(storage.apply(&mut b, 1_150).len(), 2);
        assert_eq!(
            storage.apply(&mut b, 1_160).len(),
            1,
            "the next window, in full"
        );

        // Without the budget record (the old behaviour) it would have sent at once.
        storage.0.remove(&key);
        let mut c = storage.restore(300);
        assert!(!storage.apply(&mut c, 300).is_empty());
    }

    #[test]
    fn a_restored_budget_only_tightens_and_is_clamped() {
        let mut ob = Outbox::new(config());
        ob.accept(plan("e1"), 0).expect("accepted");
        let damaged = BudgetState {
            location_id: "loc".into(),
            at: 0,
            // From a clock far ahead, and far more than the window holds.
            sends: vec![u64::MAX; 50],
            max: 1_000,
            interval_ms: u64::MAX,
            daily_max: 0,
            day: 99,
            daily_used: 7,
            parked_until: Some(u64::MAX),
            parked_daily: false,
        };
        ob.restore_budget(&damaged, 10_000);
        let s = ob.budget_state("loc", 10_000).expect("a budget");
        assert_eq!(s.max, 3, "a larger max is ignored");
        assert_eq!(
            s.sends,
            vec![10_000; 3],
            "sends from the future count from now"
        );
        assert_eq!(s.daily_max, 1, "the lowest daily limit is 1");
        // The interval and the park are clamped to 30 intervals.
        assert_eq!(s.interval_ms, 30_000);
        assert_eq!(s.parked_until, Some(40_000));
        assert!(ob.drain(39_999).transmits.is_empty());
        assert_eq!(ob.drain(40_000).transmits.len(), 1);

        // A state without a location is ignored; stored records tell themselves apart.
        ob.restore_budget(
            &BudgetState {
                location_id: " ".into(),
                ..damaged
            },
            0,
        );
        assert!(ob.budget_state(" ", 0).is_none());
        let v = serde_json::to_value(BudgetRecord {
            format: BUDGET_FORMAT,
            rate_budget: s,
        })
        .expect("json");
        assert!(matches!(serde_json::from_value(v), Ok(Stored::Budget(_))));
        let err = serde_json::from_value::<Stored>(serde_json::json!({"rateBudget": 1}))
            .expect_err("not a budget");
        assert!(err.to_string().contains("a stored rate budget"), "{err}");
    }
}
