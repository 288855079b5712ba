//! The wasm-bindgen layer: converts and delegates, nothing else.
