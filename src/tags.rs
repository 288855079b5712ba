//! tags: see the crate documentation.
