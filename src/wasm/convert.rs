//! The one serializer configuration and the one place where Rust errors become JS errors.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::Coded;
use crate::http::Scrubber;

/// The binding's own errors: an argument JavaScript passed that does not fit, or a
/// result that cannot be given back.
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(untagged)]
enum BindingError {
    /// A JS argument did not deserialise.
    #[error("{what}: {message}")]
    Argument {
        #[serde(rename = "argument")]
        what: String,
        #[serde(skip)]
        message: String,
    },
    /// A result did not serialise.
    #[error("could not convert the result for JavaScript: {0}")]
    Serialize(#[serde(skip)] String),
}

impl Coded for BindingError {
    fn code(&self) -> &'static str {
        match self {
            BindingError::Argument { .. } => "INVALID_ARGUMENT",
            BindingError::Serialize(_) => "SERIALIZE_FAILED",
        }
    }
}

/// Rust value -> JS value, through JSON text and `JSON.parse`: plain objects, arrays
/// and numbers, `None` as `null`. `JSON.parse` defines every key as an own property,
/// so a key that came from data (`__proto__`, `constructor`) stays data and never
/// sets a prototype (assigning keys one by one would run the `__proto__` setter).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    // Not `throw`: its details go through `to_js` again.
    let failed = |reason: String| {
        let e = BindingError::Serialize(reason);
        error(e.code(), &e.to_string(), JsValue::NULL)
    };
    let text = serde_json::to_string(value).map_err(|e| failed(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| failed("JSON.parse refused the text".into()))
}

/// JS value -> Rust value; `what` names the argument in the error.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        let message = e.to_string();
        let message = message.strip_prefix("Error: ").unwrap_or(&message);
        throw(&BindingError::Argument {
            what: what.to_string(),
            message: message.to_string(),
        })
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
    let details = to_js(&details).unwrap_or(JsValue::NULL);
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
