//! request: see the crate documentation.
