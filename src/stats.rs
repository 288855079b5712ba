//! stats: see the crate documentation.
