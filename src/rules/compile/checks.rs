//! The typed readers the compiler checks each part with: an object with known keys, a
//! text, a true/false, a whole number, a list. Each records a problem (with the JSON
//! Pointer of the part and the rule's name) when the JSON does not have the type, and
//! says so in its result, so the compiler never builds a part that had a problem.

use serde_json::{Map, Value};

use super::Compiler;
use crate::grammar::did_you_mean;
use crate::Problem;

/// The kind of a JSON value, in plain words.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty (null)",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A key escaped for a JSON Pointer.
fn esc(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

impl Compiler<'_> {
    /// Records a problem; `rule` names the rule it is in.
    pub(super) fn add(&mut self, ptr: &str, rule: Option<&str>, code: &str, msg: String) {
        let message = match rule {
            Some(r) => format!("Rule '{r}' (at {ptr}): {msg}"),
            None if ptr.is_empty() => msg,
            None => format!("At {ptr}: {msg}"),
        };
        self.problems.push(Problem {
            pointer: ptr.to_string(),
            code: code.to_string(),
            message,
        });
    }

    /// `v` as an object with only `allowed` keys (an unknown key is a problem, and
    /// the object is still read for its other problems).
    pub(super) fn obj<'v>(
        &mut self,
        v: &'v Value,
        ptr: &str,
        rule: Option<&str>,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(m) = v.as_object() else {
            self.add(
                ptr,
                rule,
                "WRONG_TYPE",
                format!("{what} should be an object ({{...}}), not {}.", kind(v)),
            );
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = did_you_mean(k, allowed.iter().copied());
                self.add(
                    &format!("{ptr}/{}", esc(k)),
                    rule,
                    "UNKNOWN_FIELD",
                    format!("'{k}' is not a setting of {what}.{hint}"),
                );
            }
        }
        Some(m)
    }

    /// An optional text: `Some(None)` when absent, `None` when not a text.
    pub(super) fn opt_string<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<Option<&'v str>> {
        match m.get(key) {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s)),
            Some(v) => {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be a text, not {}.", kind(v)),
                );
                None
            }
        }
    }

    /// A required text (`what` says what it is for, after "'key' is required").
    pub(super) fn req_string<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<&'v str> {
        match self.opt_string(m, key, ptr, rule)? {
            Some(s) => Some(s),
            None => {
                self.add(ptr, rule, "MISSING_FIELD", format!("'{key}' is required."));
                None
            }
        }
    }

    /// An optional true/false: `Some(None)` when absent, `None` when not one.
    pub(super) fn opt_bool(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<Option<bool>> {
        match m.get(key) {
            None => Some(None),
            Some(Value::Bool(b)) => Some(Some(*b)),
            Some(v) => {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be true or false, not {}.", kind(v)),
                );
                None
            }
        }
    }

    /// A whole number of at least `min`: `Ok(None)` when absent and not required,
    /// `Err(())` after a problem.
    pub(super) fn integer(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
        required: bool,
        min: i64,
    ) -> Result<Option<i64>, ()> {
        match m.get(key) {
            None if required => {
                self.add(ptr, rule, "MISSING_FIELD", format!("'{key}' is required."));
                Err(())
            }
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) if n >= min => Ok(Some(n)),
                Some(n) => {
                    self.add(
                        &format!("{ptr}/{key}"),
                        rule,
                        "BAD_VALUE",
                        format!("'{key}' must be at least {min}, not {n}."),
                    );
                    Err(())
                }
                None => {
                    self.add(
                        &format!("{ptr}/{key}"),
                        rule,
                        "WRONG_TYPE",
                        format!("'{key}' should be a whole number, not {}.", kind(v)),
                    );
                    Err(())
                }
            },
        }
    }

    /// A list (empty when absent; a problem and empty when not a list: callers that
    /// build from it check `is_array` themselves).
    pub(super) fn array<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> &'v [Value] {
        match m.get(key) {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(v) => {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be a list ([...]), not {}.", kind(v)),
                );
                &[]
            }
        }
    }
}
