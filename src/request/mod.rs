//! The GHL request builder and response classification.
//!
//! Builds every request as plain data (URL, `Version`, bearer token, scopes, encoding,
//! body) and classifies responses; sends nothing.

pub mod ratelimit;

pub use ratelimit::RateLimit;
