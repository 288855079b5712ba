//! flows: see the crate documentation.
