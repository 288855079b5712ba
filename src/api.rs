//! api: see the crate documentation.
