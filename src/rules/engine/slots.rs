//! The pre-extracted input form, for hosts that hold records as objects (JavaScript):
//! the host reads only the values the rules need, following the [`SlotPlan`], and
//! sends them as one small JSON list per record instead of the whole record.
//!
//! A record in this form is a JSON list of `slots + 1` items: the value of each slot
//! in slot order (`null` where nothing was found), then a list of the slot numbers
//! that were missing (to tell a missing value from a `null` one). A slot whose path
//! has a wildcard holds the list of every value found, in document order, and is
//! missing when none was found.
//!
//! Invariants:
//! - For the same record, this form gives exactly the result of the JSON text form
//!   (the host reads with the same rules: the last of duplicate keys, no keys on lists,
//!   no indexes on objects).
//! - Limits apply to what is sent: a value's nesting counts from its path's depth,
//!   `maxStringLen` applies to every text, and `maxRecordBytes` to the record's list.
//! - Nothing here panics on any input; a malformed list is a [`RulesError::BadRecord`].

use crate::codec::ToJson;
use serde::Serialize;

use super::apply::{write_error, Out};
use super::plan::Program;
use super::result::ApplyOptions;
use super::scan::{kind_name, ScanError, Scanner};
use super::value::Val;
use crate::error::RulesError;

/// One node of the path trie: which keys and indexes lead further, and the slot whose
/// value is the node's value.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlotNode {
    /// `[key, node]` pairs: object members to descend into.
    pub keys: Vec<(String, u32)>,
    /// `[index, node]` pairs: list items to descend into.
    pub indexes: Vec<(usize, u32)>,
    /// The node every list item descends into (`[*]`), if any.
    pub wild: Option<u32>,
    /// The slot that receives this node's value, if any.
    pub slot: Option<u32>,
}

/// Every path the rules read, as a trie (node 0 is the record itself).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SlotPlan {
    /// Number of slots.
    pub slots: usize,
    /// Per slot: does it collect every value found (its path has a wildcard)?
    pub multi: Vec<bool>,
    /// Per slot: its path, as written in the document.
    pub paths: Vec<String>,
    /// The trie's nodes.
    pub nodes: Vec<SlotNode>,
}

impl Program {
    /// The paths the rules read, for hosts that extract values themselves.
    pub fn slot_plan(&self) -> SlotPlan {
        SlotPlan {
            slots: self.trie.slots(),
            multi: self.trie.multi.clone(),
            paths: (0..self.trie.slots() as u32)
                .map(|s| self.trie.path(s).to_string())
                .collect(),
            nodes: self
                .trie
                .nodes
                .iter()
                .map(|n| SlotNode {
                    keys: n.keys.iter().map(|(k, c)| (k.to_string(), *c)).collect(),
                    indexes: n.indexes.clone(),
                    wild: n.wild,
                    slot: n.slot,
                })
                .collect(),
        }
    }

    /// Nesting depth of each slot's value (the number of segments of its path).
    fn slot_depths(&self) -> Vec<usize> {
        let mut depth = vec![0usize; self.trie.nodes.len()];
        let mut out = vec![0usize; self.trie.slots()];
        // Children always come after their parent in the node list.
        for (i, n) in self.trie.nodes.iter().enumerate() {
            let d = depth.get(i).copied().unwrap_or(0);
            let kids = n
                .keys
                .iter()
                .map(|(_, c)| *c)
                .chain(n.indexes.iter().map(|(_, c)| *c))
                .chain(n.wild);
            for c in kids {
                if let Some(x) = depth.get_mut(c as usize) {
                    *x = d + 1;
                }
            }
            if let Some(s) = n.slot.and_then(|s| out.get_mut(s as usize)) {
                *s = d;
            }
        }
        out
    }

    /// Applies the rules to one record in the pre-extracted form and writes the result
    /// as JSON text; a failure is written as `{"error": {code, message, details}}`.
    /// The text must be exactly one value: empty text, or text after the record (`1,2`),
    /// is a [`RulesError::BadRecord`].
    pub fn apply_slots_json_text(&self, record: &str, opts: &ApplyOptions) -> String {
        let mut out = String::with_capacity(512);
        let depths = self.slot_depths();
        let mut sc = Scanner::new(record, &self.limits);
        let mut o = self.fresh(opts.trace);
        let mut slots = Vec::with_capacity(depths.len());
        let r = match sc.peek_kind() {
            None => Err(RulesError::BadRecord {
                offset: record.len(),
                message: "the record is empty".into(),
            }),
            Some(_) => self
                .slots_record(&mut sc, &depths, &mut slots, &mut o, &mut out)
                .and_then(|()| sc.finish())
                .map_err(RulesError::from),
        };
        if let Err(e) = r {
            out.clear();
            write_error(&mut out, &e);
        }
        out
    }

    /// Applies the rules to a JSON list of records in the pre-extracted form: each
    /// record is a JSON list of `slots + 1` items, the value of each slot of
    /// [`Program::slot_plan`] in slot order (`null` where nothing was found; for a
    /// path with a wildcard, the list of every value found), then the list of the slot
    /// numbers that were missing. Like
    /// [`Program::apply_batch_json`], a failing record gets `{"error": ...}` in
    /// its place and the batch fails only when the text is malformed or too long.
    pub fn apply_slots_batch_json(
        &self,
        records: &str,
        opts: &ApplyOptions,
    ) -> Result<String, RulesError> {
        let depths = self.slot_depths();
        let mut out = String::with_capacity(records.len() * 2 + 16);
        let mut sc = Scanner::new(records, &self.limits);
        if sc.peek_kind() != Some(b'[') {
            return Err(RulesError::BadRecord {
                offset: 0,
                message: "a batch of extracted values must be a JSON list".into(),
            });
        }
        out.push('[');
        let mut o = self.fresh(opts.trace);
        let mut slots: Vec<Option<Val<'_>>> = Vec::with_capacity(depths.len());
        let mut n = 0usize;
        let mut outer: Result<(), RulesError> = Ok(());
        let walked = sc.list(|sc| {
            n += 1;
            if n > self.limits.max_batch_records {
                outer = Err(RulesError::LimitExceeded {
                    limit: "maxBatchRecords",
                    what: "the number of records in the batch",
                    value: n,
                    max: self.limits.max_batch_records,
                });
                return sc.stop();
            }
            if n > 1 {
                out.push(',');
            }
            self.slots_record(sc, &depths, &mut slots, &mut o, &mut out)
        });
        outer?;
        walked?;
        sc.finish()?;
        out.push(']');
        Ok(out)
    }

    /// One record of the pre-extracted form (the scanner at its first byte): its result
    /// or its own error is written to `out`; only a syntax error is returned (the text
    /// cannot be read further).
    fn slots_record<'a>(
        &'a self,
        sc: &mut Scanner<'a>,
        depths: &[usize],
        slots: &mut Vec<Option<Val<'a>>>,
        o: &mut Out<'a, 'a>,
        out: &mut String,
    ) -> Result<(), ScanError> {
        let start = sc.position();
        match sc.peek_kind() {
            Some(b'[') => {}
            Some(c) => {
                sc.lax_skip()?;
                write_error(
                    out,
                    &RulesError::RecordNotObject {
                        found: kind_name(c),
                    },
                );
                return Ok(());
            }
            None => return sc.fail("the text ends where a record should be"),
        }
        slots.clear();
        slots.resize(depths.len(), None);
        match sc.slot_values(depths, slots) {
            Ok(()) if sc.position() - start > self.limits.max_record_bytes => write_error(
                out,
                &RulesError::LimitExceeded {
                    limit: "maxRecordBytes",
                    what: "the size of the record in bytes",
                    value: sc.position() - start,
                    max: self.limits.max_record_bytes,
                },
            ),
            Ok(()) => match self.run_into(slots, o) {
                Ok(()) => self.write_result(o, out),
                Err(e) => write_error(out, &e),
            },
            Err(e @ ScanError::Syntax { .. }) => return Err(e),
            Err(e) => {
                sc.rewind(start);
                sc.lax_skip()?;
                write_error(out, &e.into());
            }
        }
        Ok(())
    }
}

impl<'a> Scanner<'a> {
    /// Reads one record's list of slot values (positioned at `[`).
    pub(crate) fn slot_values(
        &mut self,
        depths: &[usize],
        slots: &mut [Option<Val<'a>>],
    ) -> Result<(), ScanError> {
        let n = depths.len();
        let mut count = 0usize;
        self.list(|sc| {
            let i = count;
            count += 1;
            if i < n {
                let v = sc.value(depths.get(i).copied().unwrap_or(0))?;
                if let Some(s) = slots.get_mut(i) {
                    *s = Some(v);
                }
                return Ok(());
            }
            if i > n || sc.peek_kind() != Some(b'[') {
                return sc.fail("the extracted values do not match the rules' paths");
            }
            sc.list(|sc| match sc.value(1)? {
                Val::Num(x) if x >= 0.0 && (x as usize) < n && x.fract() == 0.0 => {
                    if let Some(s) = slots.get_mut(x as usize) {
                        *s = None;
                    }
                    Ok(())
                }
                _ => sc.fail("a missing-slot number is not a slot"),
            })
        })?;
        if count != n + 1 {
            return self.fail("the extracted values do not match the rules' paths");
        }
        Ok(())
    }
}
