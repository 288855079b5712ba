//! # ghl-bridge
//!
//! Keeps Wishpond and Qwilr in sync with HighLevel (GHL) from inside the browser.
//!
//! The crate is a **sans-IO core**: nothing in it opens a socket, reads a clock or
//! draws a random number. Requests leave as plain descriptions ([`http::HttpRequest`]),
//! responses come back as plain data ([`http::HttpResponse`]), and time (`now_ms`) and
//! randomness (jitter seeds) are arguments. That makes every module natively testable
//! with a fake clock, and lets one thin binding layer (`wasm`, only on `wasm32`)
//! hand the descriptions to the JavaScript host, which owns `fetch`, storage and timers.
//!
//! Modules, from the bottom up:
//! - [`error`]: the error convention (stable codes, structured details) shared by all domains.
//! - [`codec`]: the hand-written JSON codecs of the values crossing the client's boundary.
//! - [`http`]: request/response descriptions and the redacting [`http::Token`].
//! - [`catalog`]: the table of all GHL operations (generated from HighLevel's OpenAPI files).
//! - [`request`]: the request builder (URL, Version, auth, scopes, encoding) and response
//!   classification (rate-limit headers, typed GHL error bodies).
//! - [`escape`]: data escaped into Markdown and CSV (one module per format).
//! - [`api`]: typed helpers and result types for the operations the product uses.
//! - [`plan`]: ordered GHL requests with dependencies between them (what flows produce and
//!   the outbox delivers).
//! - [`rules`]: the mapping-rules language (validate, compile, apply).
//! - [`tags`]: the social-planner tag catalog, enrichment and contact tag diffs.
//! - [`stats`]: statistics to metric series, weekly reports and schedules.
//! - [`flows`]: each incoming event turned into a [`plan::Plan`].
//! - [`sources`]: intake of what HighLevel, Qwilr and Wishpond really send (webhook
//!   verification policy, replay stores, typed events).
//! - [`outbox`]: durable, exactly-once-in-effect delivery with retries and a rate budget.
//! - [`sorted`]: the sorted-list maps and sets the domains keep (smaller Wasm than B-trees).
#![forbid(unsafe_code)]

pub mod api;
pub mod catalog;
pub use ghl_bridge_codec as codec;
// The error convention lives in the rules crate (the first domain built on it).
pub use ghl_bridge_rules::convention as error;
pub mod escape;
pub mod flows;
pub mod http;
pub mod outbox;
pub mod plan;
pub mod request;
pub use ghl_bridge_rules as rules;
mod order;
pub mod sorted;
pub mod sources;
pub mod stats;
mod tagged;
pub mod tags;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
