//! The GHL request builder and response classification.
//!
//! Builds every request as plain data (URL, `Version`, bearer token, scopes, encoding,
//! body) and classifies responses; sends nothing. See [`builder`] for the building
//! rules and [`response`] for how responses are read.
//!
//! Invariants: no function here does I/O or panics on input; no error or `Debug`
//! output contains the token.

pub mod base_url;
pub mod builder;
pub mod encode;
pub mod error;
pub mod exchange;
pub mod ratelimit;
pub mod response;

pub use base_url::{validate_base_url, DEFAULT_BASE_URL};
pub use builder::{ClientConfig, RequestBuilder};
pub use error::{ParamPlace, RequestError};
pub use exchange::{settle, SendResult};
pub use ratelimit::RateLimit;
pub use response::{
    classify, decode, decode_value, disposition_of, BodyError, Classified, Disposition,
    GhlErrorBody,
};
