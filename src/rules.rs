//! rules: see the crate documentation.
