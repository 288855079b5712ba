//! The one serializer configuration, the one conversion rule for values coming from
//! JavaScript, and the one place where Rust errors become JS errors.
//!
//! **The conversion rule.** Every value that crosses into the core (an event, a body, a
//! plan, options, stored records) is read exactly as `JSON.stringify` writes it, so the
//! object path and the JSON-text path cannot disagree: `undefined`, functions and
//! symbols are absent (in lists they are `null`); only an explicit `null` is `null`;
//! `toJSON` is honoured (a `Date` becomes its ISO text); own enumerable properties are
//! read, inherited and non-enumerable ones are not, getters are called; `NaN` and the
//! infinities are `null`. A value `JSON.stringify` refuses (a cycle, a `BigInt`) is an
//! `INVALID_ARGUMENT` naming the argument. Nesting deeper than [`MAX_DEPTH`] is refused
//! by a linear scan of the text before anything recursive runs, so no payload can
//! exhaust the module's stack.

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::codec::{FromJson, ToJson};
use crate::error::Coded;
use crate::http::Scrubber;

/// The deepest nesting of lists and objects accepted from JavaScript.
pub(crate) const MAX_DEPTH: usize = 2500;

/// The deepest nesting of records the core wrote itself (stored outbox records): what
/// was accepted at [`MAX_DEPTH`] plus the record's own wrapping, so it always restores.
#[cfg(feature = "full")]
pub(crate) const STORED_DEPTH: usize = MAX_DEPTH + 64;

/// The binding's own errors: an argument JavaScript passed that does not fit, or a
/// result that cannot be given back.
#[derive(Debug, thiserror::Error, Serialize, ToJson)]
#[serde(untagged)]
enum BindingError {
    /// A JS argument did not deserialise.
    #[error("{what}: {message}")]
    Argument {
        #[serde(rename = "argument")]
        what: String,
        #[serde(skip)]
        message: String,
        /// Why, in a few words.
        reason: String,
    },
    /// A result did not serialise.
    #[error("could not convert the result for JavaScript: {reason}")]
    Serialize {
        #[serde(skip)]
        reason: String,
    },
}

impl Coded for BindingError {
    fn code(&self) -> &'static str {
        match self {
            BindingError::Argument { .. } => "INVALID_ARGUMENT",
            BindingError::Serialize { .. } => "SERIALIZE_FAILED",
        }
    }

    /// The serialisation, written by hand (no serializer in the lean module).
    fn details(&self) -> Value {
        crate::codec::details(|o| {
            if let BindingError::Argument { what, reason, .. } = self {
                o.field("argument", what).field("reason", reason);
            }
        })
    }
}

/// Rust value -> JS value, through JSON text ([`crate::codec`]'s writer) and
/// `JSON.parse`: plain objects, arrays and numbers, `None` as `null`. `JSON.parse`
/// defines every key as an own property, so a key that came from data (`__proto__`,
/// `constructor`) stays data and never sets a prototype (assigning keys one by one
/// would run the `__proto__` setter).
pub(crate) fn encode<T: ToJson + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    parse(&crate::codec::to_json(value))
}

/// An object written field by field (`o.field(..)`), as a JS value.
#[cfg(feature = "full")]
pub(crate) fn encode_object(
    f: impl FnOnce(&mut crate::codec::Obj<'_>),
) -> Result<JsValue, JsValue> {
    let mut text = String::new();
    let mut o = crate::codec::Obj::begin(&mut text);
    f(&mut o);
    o.end();
    parse(&text)
}

fn parse(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text).map_err(|_| serialize_failed("JSON.parse refused the text".into()))
}

// Not `throw`: its details go through `encode` again.
fn serialize_failed(reason: String) -> JsValue {
    let e = BindingError::Serialize { reason };
    error(e.code(), &e.to_string(), JsValue::NULL)
}

/// JS value -> Rust value by the conversion rule, read by its [`FromJson`] decoder;
/// `what` names the argument in the error.
pub(crate) fn decode<T: FromJson>(value: JsValue, what: &str) -> Result<T, JsValue> {
    decode_within(value, what, MAX_DEPTH)
}

/// [`decode`] with another nesting limit (records the core wrote: [`STORED_DEPTH`]).
pub(crate) fn decode_within<T: FromJson>(
    value: JsValue,
    what: &str,
    max_depth: usize,
) -> Result<T, JsValue> {
    let value = value_from_js(value, what, max_depth)?;
    T::from_json(value).map_err(|e| {
        let message = e.message();
        invalid(what, &message, &message)
    })
}

/// JS value -> JSON value by the conversion rule, nesting checked.
fn value_from_js(value: JsValue, what: &str, max_depth: usize) -> Result<Value, JsValue> {
    // `undefined` (an absent optional argument) reads as `null`.
    let text = match js_sys::JSON::stringify(&value) {
        Ok(s) => JsValue::from(s)
            .as_string()
            .unwrap_or_else(|| "null".to_string()),
        Err(e) => {
            let reason = js_sys::Error::from(e)
                .message()
                .as_string()
                .unwrap_or_default();
            return Err(invalid(
                what,
                &format!("cannot be read as JSON data: {reason}"),
                &reason,
            ));
        }
    };
    from_text(&text, what, max_depth)
}

/// JSON text -> JSON value, nesting checked first; `what` names the argument.
fn from_text(text: &str, what: &str, max_depth: usize) -> Result<Value, JsValue> {
    if let Some(at) = too_deep(text.as_bytes(), max_depth) {
        return Err(invalid(
            what,
            &format!("nested deeper than {max_depth} levels (at byte {at})"),
            "too deep",
        ));
    }
    // Parsed to a `Value` first (one reader, `codec::parse`), so each argument type
    // adds only its small decoder over it.
    crate::codec::parse(text, max_depth)
        // Text `JSON.stringify` wrote always parses; the position would be in text
        // the caller never saw.
        .map_err(|_| invalid(what, "cannot be read as JSON data", "not JSON"))
}

/// The byte offset where `text` first nests deeper than `max` lists and objects
/// (strings skipped), if it does.
fn too_deep(text: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// An `INVALID_ARGUMENT` error: the argument `what` and why (message and `reason`).
pub(crate) fn invalid_argument(what: &str, reason: &str) -> JsValue {
    invalid(what, reason, reason)
}

fn invalid(what: &str, message: &str, reason: &str) -> JsValue {
    throw(&BindingError::Argument {
        what: what.to_string(),
        message: message.to_string(),
        reason: reason.to_string(),
    })
}

/// A coded Rust error -> a JS `Error` with `name`, `code` and `details`.
pub(crate) fn throw<E: Coded + ?Sized>(e: &E) -> JsValue {
    throw_scrubbed(e, &Scrubber::default())
}

/// [`throw`], with the message and every detail run through `scrubber` (bearer values
/// are always scrubbed).
pub(crate) fn throw_scrubbed<E: Coded + ?Sized>(e: &E, scrubber: &Scrubber) -> JsValue {
    let mut details = e.details();
    scrubber.scrub_value(&mut details);
    let details = encode(&details).unwrap_or(JsValue::NULL);
    error(e.code(), &scrubber.scrub(&e.to_string()), details)
}

fn error(code: &str, message: &str, details: JsValue) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("GhlBridgeError");
    let obj: &JsValue = err.as_ref();
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(obj, &"code".into(), &code.into());
    let _ = js_sys::Reflect::set(obj, &"details".into(), &details);
    err.into()
}
