//! The cost budget of one record: how many bytes of text its regular expressions may
//! search (`maxRegexBytes`), how large one produced field may be (`maxFieldBytes`) and
//! how many bytes of field values the record may produce in all (`maxOutputBytes`).
//!
//! Invariant: work stops as soon as a budget is spent (later regular expressions do not
//! run, a growing replacement or template stops growing), and the record then fails
//! with the first [`RulesError::LimitExceeded`] (the other records of a batch are not
//! affected). The budget uses cells so that conditions and transforms can charge it
//! through a shared reference.

use std::cell::{Cell, RefCell};

use crate::error::RulesError;
use crate::limits::Limits;

/// The budget of one record (reset before each).
#[derive(Debug)]
pub(crate) struct Budget {
    regex_left: Cell<usize>,
    output: Cell<usize>,
    max_regex: usize,
    pub(crate) max_field: usize,
    max_output: usize,
    failed: RefCell<Option<RulesError>>,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            regex_left: Cell::new(limits.max_regex_bytes),
            output: Cell::new(0),
            max_regex: limits.max_regex_bytes,
            max_field: limits.max_field_bytes,
            max_output: limits.max_output_bytes,
            failed: RefCell::new(None),
        }
    }

    /// A full budget for the next record.
    pub(crate) fn reset(&self) {
        self.regex_left.set(self.max_regex);
        self.output.set(0);
        self.failed.replace(None);
    }

    /// Whether a budget is spent.
    pub(crate) fn spent(&self) -> bool {
        self.failed.borrow().is_some()
    }

    /// The error of a spent budget (taken: the budget is full again after `reset`).
    pub(crate) fn take_error(&self) -> Option<RulesError> {
        self.failed.take()
    }

    fn fail(&self, e: RulesError) {
        let mut f = self.failed.borrow_mut();
        if f.is_none() {
            *f = Some(e);
        }
    }

    /// Charges a regular expression searching `bytes` of text; `false` (and the record
    /// fails) when that is more than is left.
    pub(crate) fn regex(&self, bytes: usize) -> bool {
        if self.spent() {
            return false;
        }
        let left = self.regex_left.get();
        if bytes > left {
            self.fail(RulesError::LimitExceeded {
                limit: "maxRegexBytes",
                what: "the bytes of text the regular expressions searched for one record",
                value: self.max_regex - left + bytes,
                max: self.max_regex,
            });
            return false;
        }
        self.regex_left.set(left - bytes);
        true
    }

    /// Checks a text being produced: `false` (and the record fails) when it is longer
    /// than a field may be.
    pub(crate) fn growing(&self, bytes: usize) -> bool {
        if bytes > self.max_field {
            self.fail(RulesError::LimitExceeded {
                limit: "maxFieldBytes",
                what: "the size in bytes of a value the rules produced",
                value: bytes,
                max: self.max_field,
            });
            return false;
        }
        true
    }

    /// Charges a produced field of `bytes`: it must fit `maxFieldBytes`, and all the
    /// record's fields together `maxOutputBytes`.
    pub(crate) fn field(&self, bytes: usize) -> bool {
        if !self.growing(bytes) {
            return false;
        }
        let total = self.output.get().saturating_add(bytes);
        self.output.set(total);
        if total > self.max_output {
            self.fail(RulesError::LimitExceeded {
                limit: "maxOutputBytes",
                what: "the bytes of field values the rules produced for one record",
                value: total,
                max: self.max_output,
            });
            return false;
        }
        true
    }
}
