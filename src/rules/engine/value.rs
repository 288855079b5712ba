//! The value of a record the engine works on: borrowed from the record's JSON text
//! where it can be (strings without escapes), objects kept as their raw text.
//!
//! Invariant: [`Val::to_json`] and [`Val::from_json`] agree with `serde_json` on every
//! value that does not hold an object (objects round-trip through their text).

use std::borrow::Cow;

use serde_json::Value;

/// A value read from a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    List(Vec<Val<'a>>),
    /// An object, as raw JSON text.
    Obj(Cow<'a, str>),
}

impl<'a> Val<'a> {
    /// A plain `serde_json::Value` (objects parsed from their text).
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => num_json(*n),
            Val::Str(s) => Value::String(s.to_string()),
            Val::List(l) => Value::Array(l.iter().map(|v| v.to_json()).collect()),
            Val::Obj(raw) => {
                crate::codec::parse(raw, crate::codec::DEFAULT_DEPTH).unwrap_or(Value::Null)
            }
        }
    }

    /// From a JSON value (used for literal values of the document).
    pub fn from_json(v: &Value) -> Val<'static> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::Str(Cow::Owned(s.clone())),
            Value::Array(a) => Val::List(a.iter().map(Val::from_json).collect()),
            Value::Object(_) => Val::Obj(Cow::Owned(v.to_string())),
        }
    }
}

impl Val<'_> {
    /// A view borrowing this value's strings (no copy of text).
    pub(crate) fn view(&self) -> Val<'_> {
        match self {
            Val::Null => Val::Null,
            Val::Bool(b) => Val::Bool(*b),
            Val::Num(n) => Val::Num(*n),
            Val::Str(s) => Val::Str(Cow::Borrowed(s.as_ref())),
            Val::List(l) => Val::List(l.iter().map(|x| x.view()).collect()),
            Val::Obj(s) => Val::Obj(Cow::Borrowed(s.as_ref())),
        }
    }
}

/// A number as JSON: integral values without a fraction.
pub(crate) fn num_json(n: f64) -> Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}
