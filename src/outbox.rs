//! outbox: see the crate documentation.
