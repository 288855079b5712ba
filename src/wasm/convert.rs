//! The one serializer configuration and the one place where Rust errors become JS errors.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::Coded;

/// The binding's own errors: an argument JavaScript passed that does not fit, or a
/// result that cannot be given back.
#[derive(Debug, thiserror::Error)]
enum BindingError {
    /// A JS argument did not deserialise.
    #[error("{what}: {message}")]
    Argument { what: String, message: String },
    /// A result did not serialise.
    #[error("could not convert the result for JavaScript: {0}")]
    Serialize(String),
}

impl Coded for BindingError {
    fn code(&self) -> &'static str {
        match self {
            BindingError::Argument { .. } => "INVALID_ARGUMENT",
            BindingError::Serialize(_) => "SERIALIZE_FAILED",
        }
    }
    fn details(&self) -> serde_json::Value {
        match self {
            BindingError::Argument { what, .. } => serde_json::json!({ "argument": what }),
            BindingError::Serialize(_) => serde_json::json!({}),
        }
    }
}

/// Plain JSON-compatible objects: maps become objects, `None` becomes `null`, 64-bit
/// integers become numbers.
fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::json_compatible()
}

/// Rust value -> JS value.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serializer()).map_err(|e| {
        // Not `throw`: its details go through `to_js` again.
        let e = BindingError::Serialize(e.to_string());
        error(e.code(), &e.to_string(), JsValue::NULL)
    })
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
    let details = to_js(&e.details()).unwrap_or(JsValue::NULL);
    error(e.code(), &e.to_string(), details)
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
